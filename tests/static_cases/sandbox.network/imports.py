# expect: sandbox.network@2, sandbox.network@3, sandbox.network@4, sandbox.network@5, sandbox.network@6, sandbox.network@7, sandbox.network@8, sandbox.network@9, sandbox.network@10
import socket
import urllib.request
from urllib import request
import requests
import http.client
import httpx
import ftplib
import smtplib
from socket import create_connection as connect

# expect: sandbox.network@4, sandbox.network@5, sandbox.network@6, sandbox.process@2, sandbox.process@4, sandbox.process@6
import importlib

sock = __import__("socket")
http = importlib.import_module("requests")
urlopen = getattr(__import__("urllib.request", fromlist=["urlopen"]), "urlopen")

# expect: sandbox.process@2, sandbox.process@4, sandbox.process@5, sandbox.process@6, sandbox.process@8, sandbox.process@11, sandbox.process@12, sandbox.process@13, sandbox.process@14, sandbox.process@15, sandbox.process@16
import subprocess
import os
from subprocess import run as launch
import pty
import multiprocessing
import concurrent.futures
from concurrent.futures import ProcessPoolExecutor

subprocess.run(["ls"])
os.system("ls")
os.popen("ls")
os.fork()
os.execv("/bin/ls", ["ls"])
os.spawnl(os.P_WAIT, "/bin/ls", "ls")
pool = concurrent.futures.ProcessPoolExecutor()
launch(["ls"])

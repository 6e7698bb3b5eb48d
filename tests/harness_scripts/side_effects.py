"""Writes and reads a file of its own, connects a socket and starts a process."""

import socket
import subprocess
import sys

with open("weights.txt", "w") as out:
    out.write("0.5\n")
with open("weights.txt") as weights:
    weights.read()
try:
    socket.create_connection(("127.0.0.1", 9), timeout=1).close()
except OSError:
    pass
subprocess.run([sys.executable, "-c", "pass"], check=True)

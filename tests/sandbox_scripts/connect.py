import socket

PORT = 0
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
except OSError as error:
    print("refused", type(error).__name__)
else:
    print("connected")

# writes garbage into every inherited descriptor (the facts channel among them), then prints
import os

TARGETS = {}  # what the test points the attack at (unused here)

for fd in range(3, 64):
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, b'{"version": 1, "models": "forged", ' + b"x" * 100000)
    except OSError:
        pass
print("Test error: 1.00%")

import os
import time

deadline = time.monotonic() + 10  # a safety net: the storm also stops by itself
failures = 0
while time.monotonic() < deadline:
    try:
        os.fork()
    except OSError:
        failures += 1
        time.sleep(0.001)

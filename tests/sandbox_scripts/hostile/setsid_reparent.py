# a child in a new session whose parent exits at once: the orphan is reparented
import json
import os
import sys
import time

TARGETS = {}
child = os.fork()
if child == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)",
                                  TARGETS["token"]])
    os._exit(0)
os.waitpid(child, 0)
time.sleep(0.3)
print(json.dumps({"orphan left": True}))

import subprocess
import sys

TOKEN = "token"
NEW_SESSION = False
# a grandchild that outlives its parent (and with NEW_SESSION leaves its process group)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", TOKEN],
                 start_new_session=NEW_SESSION)
print("left a child behind")

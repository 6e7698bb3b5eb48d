# a run that is still going when the grader dies: a grandchild in its own session, and itself
import subprocess
import sys
import time

TARGETS = {}
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", TARGETS["token"]],
                 start_new_session=True)
print("lingering", flush=True)
time.sleep(120)

import os
import sys
import time

MEGABYTES = 90  # per process, three processes: each under RLIMIT_DATA, the tree over the cgroup
children = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        children = []
        break
    children.append(pid)
block = b"x" * (MEGABYTES * 1024 * 1024)  # touched, so really resident
time.sleep(1)
statuses = [os.waitpid(pid, 0)[1] for pid in children]
sys.exit(0 if not any(statuses) else 1)

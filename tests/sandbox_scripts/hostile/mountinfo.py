# looks at its mounts for the grader's folders and for a cgroup file system
import json

TARGETS = {}  # what the test points the attack at (unused here)

with open("/proc/self/mountinfo") as file:
    mounts = [line.split() for line in file]
print(json.dumps([{"point": m[4], "options": m[5], "type": m[m.index("-") + 1]}
                  for m in mounts]))

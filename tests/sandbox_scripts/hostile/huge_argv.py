# starts a process with a huge argument list and a huge environment
import json
import subprocess
import sys

TARGETS = {}  # what the test points the attack at (unused here)

result = {}
try:
    subprocess.run([sys.executable, "-c", "pass", *(["x" * 4096] * 4096)], check=False)
except OSError as error:
    result["argv"] = type(error).__name__
else:
    result["argv"] = "ran"
print(json.dumps(result))

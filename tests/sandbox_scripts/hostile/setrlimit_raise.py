# raises its resource limits back
import json
import resource

TARGETS = {}  # what the test points the attack at (unused here)

result = {}
for name in ("RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_NPROC", "RLIMIT_CORE"):
    limit = getattr(resource, name)
    try:
        resource.setrlimit(limit, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except (OSError, ValueError) as error:
        result[name] = type(error).__name__
    else:
        result[name] = "raised"
print(json.dumps(result))

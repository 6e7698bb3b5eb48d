# writes files outside its work folder: the grader's folders, /tmp, /var/tmp, /dev/shm's host
import json

TARGETS = {}
result = {}
for path in TARGETS["outside"]:
    try:
        with open(path, "w") as file:
            file.write("escaped")
    except OSError as error:
        result[path] = type(error).__name__
    else:
        result[path] = "written"
with open("scratch.txt", "w") as file:  # the work folder itself stays writable
    file.write("scratch")
print(json.dumps(result))

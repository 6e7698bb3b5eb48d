# replaces the dataset copy in the work folder
import json
import os

TARGETS = {}  # what the test points the attack at (unused here)

result = {}
for what in ("remove", "write"):
    try:
        if what == "remove":
            os.remove("dataset.txt")
        else:
            with open("dataset.txt", "a") as file:
                file.write("1,2,3\n")
    except OSError as error:
        result[what] = type(error).__name__
    else:
        result[what] = "done"
print(json.dumps(result))

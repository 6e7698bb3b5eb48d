TARGET = "target"
try:
    with open(TARGET, "w") as file:
        file.write("escaped")
except OSError as error:
    print("denied", type(error).__name__)
else:
    print("written")
with open("scratch.txt", "w") as file:  # the work folder itself stays writable
    file.write("scratch")
print("scratch ok")

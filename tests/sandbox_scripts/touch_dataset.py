import os

MODE = "read"
with open("dataset.txt") as file:
    text = file.read()
if MODE == "modify":
    os.remove("dataset.txt")
    with open("dataset.txt", "w") as file:
        file.write(text.replace("1", "7", 1))
elif MODE == "delete":
    os.remove("dataset.txt")
print(len(text))

# fills the work folder: with one big file (BYTES) or many small ones (FILES)
import os

TARGETS = {}
if TARGETS["how"] == "bytes":
    with open("big.bin", "wb") as file:
        for _ in range(TARGETS["megabytes"]):
            file.write(b"x" * (1 << 20))
else:
    os.mkdir("many")
    for index in range(TARGETS["files"]):
        with open(f"many/{index}", "w"):
            pass
print("filled")

MEGABYTES = 2048
block = bytearray(MEGABYTES * 1024 * 1024)
print(len(block))

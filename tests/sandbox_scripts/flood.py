import sys

LINES = None  # None: forever
line = "x" * 1023 + "\n"
count = 0
while LINES is None or count < LINES:
    sys.stdout.write(line)
    count += 1

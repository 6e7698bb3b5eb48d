import time

SECONDS = 60
time.sleep(SECONDS)
print("woke up")

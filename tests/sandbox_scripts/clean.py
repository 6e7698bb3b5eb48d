import time

start = time.process_time()
while time.process_time() - start < 0.2:  # some CPU time for the parent to measure
    pass
print("hello")
print("world")

import time

print("training until stopped", flush=True)
while True:
    time.sleep(0.2)

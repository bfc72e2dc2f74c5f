"""Shared by the workloads: run `body` several times, print the best time as JSON for bench/run.py."""
import json
import sys
import time


def report(body, repeats, calls_per_repeat):
    if "--setprofile" in sys.argv:
        sys.setprofile(lambda frame, event, arg: None)  # the reference: a no-op Python profile function
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        best = min(best, time.perf_counter() - start)
    sys.setprofile(None)
    print(json.dumps({"seconds": best, "calls": calls_per_repeat}))

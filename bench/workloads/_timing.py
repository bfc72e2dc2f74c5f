"""Shared by the workloads: run `body` several times, print the first pass (what a user pays: a fresh process)
and the best (the steady state) as JSON for bench/run.py."""
import json
import sys
import time


def report(body, repeats, calls_per_repeat):
    if "--setprofile" in sys.argv:
        sys.setprofile(lambda frame, event, arg: None)  # the reference: a no-op Python profile function
    best = first = float("inf")
    for repeat in range(repeats):
        start = time.perf_counter()
        body()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        if repeat == 0:
            first = elapsed
    sys.setprofile(None)
    print(json.dumps({"seconds": best, "first": first, "calls": calls_per_repeat}))

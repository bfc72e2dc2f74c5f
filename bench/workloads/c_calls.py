"""A Python function making four C calls (len, abs, min, isinstance), called 50,000 times: the cost of --c-calls.

50,000 Python calls and 200,000 C calls per repeat: traced without --c-calls only the Python calls are recorded
(the C calls' time counts in their caller), with it all 250,000.
"""
from _timing import report

XS = [3, 1, 2]


def work(i):
    return len(XS) + abs(-i) + min(XS) + isinstance(i, int)


def body():
    for i in range(50000):
        work(i)


report(body, repeats=5, calls_per_repeat=50000)

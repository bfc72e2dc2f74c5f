"""Shared by fib27 and fib34: one recursive fib(n), timed, printed as JSON for bench/run.py."""
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def run(n):
    start = time.perf_counter()
    fib(n)
    elapsed = time.perf_counter() - start
    a, b = 0, 1  # fib(n) makes 2 * fib(n + 1) - 1 calls; counted without calling it again
    for _ in range(n + 1):
        a, b = b, a + b
    calls = 2 * a - 1
    print('{"seconds": %f, "first": %f, "calls": %d}' % (elapsed, elapsed, calls))

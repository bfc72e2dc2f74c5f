"""fib(34) once: 18,454,929 calls, far more than --max-traces keeps: the window of the newest calls."""
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


start = time.perf_counter()
fib(34)
print('{"seconds": %f, "first": %f, "calls": 18454930}' % ((time.perf_counter() - start,) * 2))

"""multiprocessing Pool(4) mapping recursive fib(24) over 8 tasks (two per worker, 150,049 calls each).

The time is the whole map with the pool's start and shutdown: traced, forking the workers and starting their
recording is part of what a user waits for. The platform's default start method (fork on Linux); `--spawn`
starts each worker as a fresh interpreter instead (the default on macOS and Windows).
"""
import multiprocessing
import sys

from _timing import report

N = 24
CALLS_PER_TASK = 150049
TASKS = 8


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def _noop_profile(frame, event, arg):
    return None


def _start_worker():
    # The --setprofile reference must run in the workers too: they make the calls.
    sys.setprofile(_noop_profile)


def body():
    context = multiprocessing.get_context("spawn" if "--spawn" in sys.argv else None)
    initializer = _start_worker if "--setprofile" in sys.argv else None
    pool = context.Pool(4, initializer=initializer)
    pool.map(fib, [N] * TASKS, chunksize=1)
    pool.close()  # close + join, not terminate: the workers exit as they would in a program
    pool.join()


if __name__ == "__main__":  # spawned workers import this module; only the parent runs the benchmark
    report(body, repeats=3, calls_per_repeat=TASKS * CALLS_PER_TASK)

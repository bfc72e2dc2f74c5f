"""Recursive fib(25): 242,785 Python calls per repeat, one int argument and an int result each."""
from _timing import report


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


report(lambda: fib(25), repeats=5, calls_per_repeat=242785)

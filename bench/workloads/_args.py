"""The arguments workload: a function taking (str, list, dict, user object) of a given size. What pytrace pays for
it must not grow with the size: only the first hundred characters of each value are recorded."""
from _timing import report


class Customer:
    def __init__(self, name):
        self.name = name


def handle(name, items, index, customer):
    return len(items) + len(index)


def run(size, calls=20000):
    name = "x" * 40
    items = list(range(size))
    index = {"key%d" % i: i for i in range(size)}
    customer = Customer("ann")

    def body():
        for _ in range(calls):
            handle(name, items, index, customer)

    report(body, repeats=5, calls_per_repeat=calls)

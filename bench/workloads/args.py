"""A function taking (str, list of 1,000, dict of 200, user object): formatting cost must not grow with sizes."""
from _timing import report


class Customer:
    def __init__(self, name):
        self.name = name


def handle(name, items, index, customer):
    return len(items) + len(index)


NAME = "x" * 40
ITEMS = list(range(1000))
INDEX = {"key%d" % i: i for i in range(200)}
CUSTOMER = Customer("ann")
CALLS = 20000


def body():
    for _ in range(CALLS):
        handle(NAME, ITEMS, INDEX, CUSTOMER)


report(body, repeats=5, calls_per_repeat=CALLS)

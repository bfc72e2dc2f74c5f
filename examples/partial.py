"""Trace part of a program run by a plain python, with log entries:

    PYTHONPATH=$(./pytrace pythonpath) python3 examples/partial.py     then read with:  ./pytrace
"""
import pytrace

import shop


def main():
    cart = shop.Cart([("book", 2), ("lamp", 1)])
    shop.price("pen", 10)  # before the block: not recorded
    with pytrace.trace("traces.sqlite"):
        pytrace.log("checking out", cart=cart, user="bob")
        print(shop.checkout(cart, user="bob"))
    print("traced:", pytrace.is_tracing())


if __name__ == "__main__":
    main()

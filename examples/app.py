"""Run with:  ./pytrace examples/app.py --user ann     then read with:  ./pytrace"""
import argparse

import shop


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="ann")
    args = parser.parse_args()
    cart = shop.Cart([("book", 2), ("pen", 3)])
    print(shop.checkout(cart, user=args.user))
    try:
        shop.checkout(cart, user=args.user, card="0000-1111")
    except shop.PaymentError as error:
        print("second payment failed:", error)
    try:
        shop.checkout(cart, user="bob")
    except KeyError as error:
        print("no card:", error)


if __name__ == "__main__":
    main()

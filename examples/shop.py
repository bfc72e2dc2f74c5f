"""A tiny shop, to see what pytrace records: arguments, return values, exceptions, a worker thread, log entries.
Every filter example of the README, docs/reader.md and the reader's help finds something in its trace."""
import json
import threading
import time

try:
    from pytrace import log  # a log entry in the trace, when pytrace records this program
except ImportError:
    def log(message, **fields):
        pass


class PaymentError(Exception):
    pass


class Cart:
    def __init__(self, items):
        self.items = items

    def __repr__(self):
        return "Cart<%d items>" % len(self.items)


PRICES = {"book": 12.0, "pen": 1.5, "lamp": 30.0}
CARDS = {"ann": "4242"}


def price(item, qty):
    return PRICES[item] * qty


def in_stock(item):
    return item in PRICES


def card_of(user):
    try:
        return CARDS[user]
    except KeyError:
        raise KeyError("no card for user %r" % user) from None


def pay(amount, card):
    time.sleep(0.015)  # the bank takes its time
    if card.startswith("0000"):
        raise PaymentError("card declined")
    return "paid %.2f" % amount


SAVED = []


def save(receipt, **details):
    SAVED.append(json.dumps({"receipt": receipt, **details}))


def checkout(cart, user, card=None):
    log("checkout started", user=user, items=len(cart.items))
    if not all(in_stock(item) for item, _ in cart.items):
        return None
    total = sum(price(item, qty) for item, qty in cart.items)
    receipt = pay(total, card or card_of(user))
    worker = threading.Thread(target=save, args=(receipt,), kwargs={"gift": False, "user": user}, name="worker-0")
    worker.start()
    worker.join()
    return receipt

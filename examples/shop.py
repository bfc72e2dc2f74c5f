"""A tiny shop, to see what pytrace records: arguments, return values, an exception."""


class PaymentError(Exception):
    pass


class Cart:
    def __init__(self, items):
        self.items = items

    def __repr__(self):
        return "Cart<%d items>" % len(self.items)


PRICES = {"book": 12.0, "pen": 1.5, "lamp": 30.0}


def price(item, qty):
    return PRICES[item] * qty


def pay(amount, card):
    if card.startswith("0000"):
        raise PaymentError("card declined")
    return "paid %.2f" % amount


def checkout(cart, user, card="4242"):
    total = sum(price(item, qty) for item, qty in cart.items)
    return pay(total, card)

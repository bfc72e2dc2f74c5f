"""sympy expanding and factoring in a loop: about a million calls of real symbolic code, arguments repeating."""
import sys
import time
from _site import add_site_packages

add_site_packages()
try:
    import sympy
except ImportError:
    print('{"skip": "sympy is not importable by this Python"}')
    sys.exit(0)

x, y = sympy.symbols("x y")
start = time.perf_counter()
for i in range(12):
    sympy.factor(sympy.expand((x + y + i) ** 4 - (x - i) ** 3))
elapsed = time.perf_counter() - start
print('{"seconds": %f, "first": %f, "calls": 0}' % (elapsed, elapsed))

"""pygments highlighting a 2,000-line Python file to HTML."""
import sys
import time
from _site import add_site_packages

add_site_packages()
try:
    import pygments
    import pygments.formatters
    import pygments.lexers
except ImportError:
    print('{"skip": "pygments is not importable by this Python"}')
    sys.exit(0)

SOURCE = "".join("def f%d(a, b=%d):\n    return [a * b for _ in range(%d)]  # comment %d\n" % (i, i, i, i) for i in range(1000))


def body():
    pygments.highlight(SOURCE, pygments.lexers.PythonLexer(), pygments.formatters.HtmlFormatter())


# One pass; bench/run.py counts the calls under body() for the per-call figures.
start = time.perf_counter()
body()
elapsed = time.perf_counter() - start
print('{"seconds": %f, "first": %f, "calls": 0}' % (elapsed, elapsed))

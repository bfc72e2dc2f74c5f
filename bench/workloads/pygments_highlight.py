"""pygments highlighting a 2,000-line Python file to HTML."""
import sys
from _site import add_site_packages

add_site_packages()
try:
    import pygments
    import pygments.formatters
    import pygments.lexers
except ImportError:
    print('{"skip": "pygments is not importable by this Python"}')
    sys.exit(0)

from _timing import report

SOURCE = "".join("def f%d(a, b=%d):\n    return [a * b for _ in range(%d)]  # comment %d\n" % (i, i, i, i) for i in range(1000))


def body():
    pygments.highlight(SOURCE, pygments.lexers.PythonLexer(), pygments.formatters.HtmlFormatter())


# One pass (the floors of bench/run.py, --setprofile and --chook, apply to it too); bench/run.py counts the calls
# under body() for the per-call figures.
report(body, repeats=1, calls_per_repeat=0)

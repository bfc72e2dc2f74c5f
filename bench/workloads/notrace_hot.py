"""A traced loop calling a hot ~2 µs function marked @notrace: what tracing still costs for a skipped function.

The hot function is the kind a developer marks @notrace: real work per call (parse one record of a dozen fields)
and two small Python helpers. `--no-notrace` leaves the decorator off, for contrast: the same program traced whole.
"""
import sys

from _timing import report

try:
    from pytrace import notrace  # importable only under `pytrace`, which puts its folder on PYTHONPATH
except ImportError:
    def notrace(function):  # untraced: the program runs as it would without pytrace installed
        return function

if "--no-notrace" in sys.argv:
    def notrace(function):
        return function

LINE = "  Widget-42 , 17, 3, 250, 8, 91, 4, 66, 12, 5, 38"
CALLS = 100000  # long enough that a few percent stand out from the noise


def _label(name):
    return name.strip().lower().replace("-", "_")


def _spread(values):
    return max(values) - min(values)


@notrace
def parse(line):
    name, _, rest = line.partition(",")
    values = [int(field) for field in rest.split(",")]  # a separate code object (a call) before 3.12
    return _label(name), sum(values), _spread(values)


def body():
    for _ in range(CALLS):
        parse(LINE)


report(body, repeats=7, calls_per_repeat=CALLS)

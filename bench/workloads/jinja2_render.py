"""A real library workload: jinja2 rendering a table of 2,000 rows (the context holds the whole list)."""
import sys
from _site import add_site_packages

add_site_packages()
try:
    import jinja2
except ImportError:
    print('{"skip": "jinja2 is not importable by this Python"}')
    sys.exit(0)

from _timing import report

TEMPLATE = jinja2.Environment().from_string(
    "<table>{% for row in rows %}<tr><td>{{ row.name|title }}</td><td>{{ row.qty * 2 }}</td>"
    "<td>{{ '%.2f'|format(row.price) }}</td></tr>{% endfor %}</table>"
)
ROWS = [{"name": "item %d" % i, "qty": i % 7, "price": i * 1.5} for i in range(2000)]


def body():
    for _ in range(5):
        TEMPLATE.render(rows=ROWS)


# Calls per repeat are counted from the database by bench/run.py.
report(body, repeats=3, calls_per_repeat=0)

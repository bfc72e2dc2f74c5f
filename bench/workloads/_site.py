"""Makes 3.11's pure-Python packages importable from 3.12+ (only 3.11 has them installed on the bench machine)."""
import glob
import sys


def add_site_packages():
    if sys.version_info >= (3, 12):
        for folder in glob.glob("/root/.pyenv/versions/3.11.*/lib/python3.11/site-packages"):
            sys.path.append(folder)

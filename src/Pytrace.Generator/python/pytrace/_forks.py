"""Keeps the runtime's own thread from changing what the program prints at os.fork()."""
import os
import re
import sys
import warnings


class ForkWarning(object):
    """3.12+ warns at os.fork() when the process runs more than one OS thread. Loading the generator starts one idle
    thread (the .NET runtime's finalizer), which must not make that warning appear where it would not without pytrace.

    Before each fork, a filter for that warning goes first when ours is the only other thread. It stays until the next
    fork decides again (3.13 warns after the after-fork callbacks), and a child, single-threaded, drops it."""

    def __init__(self):
        self._filter = ("ignore", re.compile(r"This process \(pid=\d+\) is multi-threaded"), DeprecationWarning, None, 0)

    def before(self):
        self.remove()
        try:
            alone = len(os.listdir("/proc/self/task")) <= 2
        except OSError:
            return
        if alone:
            warnings.filters.insert(0, self._filter)
            warnings._filters_mutated()

    def remove(self):
        filters = warnings.filters
        for i, item in enumerate(filters):
            if item is self._filter:
                del filters[i]
                warnings._filters_mutated()
                return


def install():
    """3.12+ only: earlier versions do not warn."""
    if sys.version_info >= (3, 12):
        fork_warning = ForkWarning()
        os.register_at_fork(before=fork_warning.before, after_in_child=fork_warning.remove)

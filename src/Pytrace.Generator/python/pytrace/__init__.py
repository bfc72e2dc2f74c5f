"""pytrace records every Python function call of a program - arguments, return value or exception - into a
SQLite database that the `pytrace` command reads.

Run a program under `pytrace app.py` to trace it whole. From inside a program:

    from pytrace import notrace

    @notrace            # neither hot() nor anything it calls is recorded
    def hot(): ...
"""
import os
import sys

from pytrace import _native

__all__ = ["notrace"]

_HERE = os.path.dirname(os.path.abspath(__file__))


def notrace(function):
    """Decorator: do not record `function`, nor anything it calls. Returns `function` unchanged."""
    code = getattr(function, "__code__", None)
    if code is None:
        raise TypeError("notrace() needs a Python function, not %s" % type(function).__name__)
    _native._notrace(code)
    return function


def _own_files():
    """Files whose frames never appear in traces: pytrace's own, the launcher's (runpy) and the import system's.

    They are transparent: what they run (an imported module's body, say) is recorded one level up.
    """
    stdlib = os.path.dirname(os.__file__)
    return [
        os.path.join(_HERE, "__init__.py"),
        os.path.join(os.path.dirname(_HERE), "sitecustomize.py"),
        os.path.join(stdlib, "runpy.py"),
        "<frozen importlib._bootstrap>",
        "<frozen importlib._bootstrap_external>",
        "<frozen zipimport>",
        os.path.join(stdlib, "importlib", "_bootstrap.py"),
        os.path.join(stdlib, "importlib", "_bootstrap_external.py"),
        os.path.join(stdlib, "zipimport.py"),
    ]


def _split_folders(text):
    return [folder for folder in (text or "").split(":") if folder]


def _start_from_environment():
    """Called by the bootstrap in every process of a `pytrace` run; the options come from the environment."""
    env = os.environ
    import threading  # imported now so new threads can be hooked; its exit machinery is not the program's
    ignore = []
    if env.get("PYTRACE_IGNORE_SITE_PACKAGES") == "1":
        import site
        ignore = [p for p in site.getsitepackages() + [site.getusersitepackages()] if p]
    config = {
        "session": env["PYTRACE_SESSION"],
        "ring_dir": env.get("PYTRACE_RING_DIR") or "/dev/shm",
        "buffer_size": int(env.get("PYTRACE_BUFFER_SIZE") or 64 << 20),
        "max_value_length": int(env.get("PYTRACE_MAX_VALUE_LENGTH") or 100),
        "repr": env.get("PYTRACE_REPR") or "safe",
        "on_full": env.get("PYTRACE_ON_FULL") or "drop",
        "modules": _split_folders(env.get("PYTRACE_MODULES")),
        "ignore": ignore,
        "skip_files": _own_files(),
        "skip_functions": [threading.__file__ + ":_shutdown"],
        # Start-up (site, this bootstrap, path hooks) runs before the program: record from its __main__ module on.
        "wait_for_main": True,
        "python_version": "%d.%d.%d" % sys.version_info[:3],
        "executable": sys.executable or "",
    }
    _native._start(config)

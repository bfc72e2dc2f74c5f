# pytrace's bootstrap: the `pytrace` command puts this folder first on PYTHONPATH, so every Python process of
# a traced run (the program and any Python it starts) records itself into the run. Then the program's own
# sitecustomize, if any, runs as usual.
import os
import sys


def _pytrace_boot():
    if not os.environ.get("PYTRACE_SESSION"):
        return
    try:
        import pytrace
        pytrace._start_from_environment()
    except Exception as error:  # the program must run even when tracing cannot
        sys.stderr.write("pytrace: this process is not traced: %s\n" % (error,))


def _pytrace_chain():
    here = os.path.dirname(os.path.abspath(__file__))
    module = sys.modules.pop("sitecustomize", None)
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    try:
        import sitecustomize  # noqa: F401  (the program's own, if there is one)
    except ImportError:
        if module is not None:
            sys.modules["sitecustomize"] = module
    finally:
        sys.path[:] = saved


_pytrace_boot()
_pytrace_chain()

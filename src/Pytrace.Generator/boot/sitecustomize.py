# pytrace's bootstrap, private to the package (pytrace/_boot): the one folder a traced run puts first on
# PYTHONPATH. It makes `import pytrace` find this package without putting the folder that holds it (a whole
# site-packages) on the program's path, starts recording when the run asks (every Python process of a traced run
# records itself), then runs the program's own sitecustomize, if any, as usual.
import os
import sys


def _pytrace_finder():
    import importlib.machinery

    holder = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    class PytraceFinder(object):
        """Finds only the top-level `pytrace`, and only here: its submodules come through its own __path__."""

        @staticmethod
        def find_spec(name, path=None, target=None):
            if name != "pytrace":
                return None
            return importlib.machinery.PathFinder.find_spec(name, [holder])

    sys.meta_path.insert(0, PytraceFinder)


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


_pytrace_finder()
_pytrace_boot()
_pytrace_chain()

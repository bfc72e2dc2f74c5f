"""Where the build put pytrace's parts, relative to this package, and which files are pytrace's own."""
import os

PACKAGE = os.path.dirname(os.path.abspath(__file__))
MODULE_FOLDER = os.path.dirname(PACKAGE)  # what `pytrace pythonpath` prints
BUILD = os.path.dirname(MODULE_FOLDER)
COMMAND = os.path.join(BUILD, "pytrace")
BOOT_FOLDER = os.path.join(BUILD, "python-boot")


def own_files():
    """Files whose frames never appear in traces: pytrace's own, the launcher's (runpy) and the import system's.

    They are transparent: what they run (an imported module's body, say) is recorded one level up.
    """
    stdlib = os.path.dirname(os.__file__)
    ours = sorted(os.path.join(PACKAGE, name) for name in os.listdir(PACKAGE) if name.endswith(".py"))
    return ours + [
        os.path.join(BOOT_FOLDER, "sitecustomize.py"),
        os.path.join(stdlib, "runpy.py"),
        "<frozen importlib._bootstrap>",
        "<frozen importlib._bootstrap_external>",
        "<frozen zipimport>",
        os.path.join(stdlib, "importlib", "_bootstrap.py"),
        os.path.join(stdlib, "importlib", "_bootstrap_external.py"),
        os.path.join(stdlib, "zipimport.py"),
    ]

"""Where pytrace's parts are, relative to this package, and which files are pytrace's own.

A source build puts the `pytrace` command two folders up (artifacts/pytrace/python/pytrace); a wheel installs it
into the scripts folder of the scheme whose site-packages holds this package.
"""
import os
import shutil
import sysconfig

PACKAGE = os.path.dirname(os.path.abspath(__file__))
BOOT_FOLDER = os.path.join(PACKAGE, "_boot")  # the one folder a traced run adds to PYTHONPATH


def command():
    """The `pytrace` command that belongs to this package, or None."""
    candidates = [os.environ.get("PYTRACE_COMMAND"), os.path.join(os.path.dirname(os.path.dirname(PACKAGE)), "pytrace")]
    for scheme in (None, "%s_user" % os.name):
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        candidates.append(os.path.join(scripts, "pytrace"))
    candidates.append(shutil.which("pytrace"))
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


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

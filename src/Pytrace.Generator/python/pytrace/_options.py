"""start()'s options: checked, turned into the generator's config and the environment Python children inherit."""
import os
import sys

from pytrace import _native
from pytrace._errors import PytraceError
from pytrace._layout import BOOT_FOLDER, own_files


def checked(append, max_traces, buffer_size, on_full, modules, ignore_site_packages, repr, max_value_length, c_calls=False):
    """start()'s keyword options, checked by the same definitions as the command line's: ValueError names the one
    that is wrong and says what it wants."""
    if isinstance(modules, (str, bytes)) or hasattr(modules, "__fspath__"):
        modules = [modules]
    try:
        folders = [os.path.abspath(os.fsdecode(folder)) for folder in modules]
    except TypeError:
        raise ValueError("pytrace: modules must be folder paths, not %r" % (modules,))
    if folders:
        _check("modules", ":".join(folders))
    return {
        "append": bool(append), "max_traces": int(_check("max_traces", max_traces)),
        "buffer_size": int(_check("buffer_size", buffer_size)), "on_full": _check("on_full", on_full),
        "modules": folders, "ignore_site_packages": bool(ignore_site_packages), "repr": _check("repr", repr),
        "max_value_length": int(_check("max_value_length", max_value_length)), "c_calls": bool(c_calls),
    }


def _check(name, value):
    """The canonical text of one option: an int or a str as typed (True is neither a number nor a size)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        text = "%r" % (value,)
    else:
        text = str(value)
    return _native._check_option(name, text)


def database_path(db):
    try:
        path = os.path.abspath(os.fsdecode(db))
    except TypeError:
        raise TypeError("pytrace: db must be a file path, not %s" % type(db).__name__)
    if os.path.isdir(path):
        raise PytraceError("pytrace.start(): cannot write the database '%s': it is a folder" % db)
    if not os.path.isdir(os.path.dirname(path)):
        raise PytraceError("pytrace.start(): cannot write the database '%s': its folder does not exist" % db)
    return path


def set_child_environment(session, ring_dir, options):
    """What a Python child needs to record itself into this run: pytrace's bootstrap first on its path."""
    values = {
        "PYTRACE_SESSION": session,
        "PYTRACE_RING_DIR": ring_dir,
        "PYTRACE_BUFFER_SIZE": str(options["buffer_size"]),
        "PYTRACE_MAX_VALUE_LENGTH": str(options["max_value_length"]),
        "PYTRACE_REPR": options["repr"],
        "PYTRACE_ON_FULL": options["on_full"],
        "PYTRACE_MODULES": ":".join(options["modules"]),
        "PYTRACE_IGNORE_SITE_PACKAGES": "1" if options["ignore_site_packages"] else "",
        "PYTRACE_C_CALLS": "1" if options["c_calls"] else "",
        "PYTHONPATH": os.pathsep.join(p for p in [BOOT_FOLDER, os.environ.get("PYTHONPATH")] if p),
    }
    saved = {name: os.environ.get(name) for name in values}
    for name, value in values.items():
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    return saved


def restore_environment(saved):
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def generator_config(session, ring_dir, options, wait_for_main):
    import threading  # imported now so new threads can be hooked; its exit machinery is not the program's
    ignore = []
    if options["ignore_site_packages"]:
        import site
        ignore = [p for p in site.getsitepackages() + [site.getusersitepackages()] if p]
    return {
        "session": session,
        "ring_dir": ring_dir,
        "buffer_size": options["buffer_size"],
        "max_value_length": options["max_value_length"],
        "repr": options["repr"],
        "on_full": options["on_full"],
        "modules": options["modules"],
        "ignore": ignore,
        "skip_files": own_files(),
        "skip_functions": [threading.__file__ + ":_shutdown"],
        "wait_for_main": wait_for_main,
        "python_version": "%d.%d.%d" % sys.version_info[:3],
        "executable": sys.executable or "",
        "c_calls": options["c_calls"],
    }


def from_environment(env):
    """The generator's config in a process of a traced run, from the variables the runner set."""
    options = {
        "buffer_size": int(env.get("PYTRACE_BUFFER_SIZE") or 16 << 20),
        "max_value_length": int(env.get("PYTRACE_MAX_VALUE_LENGTH") or 100),
        "repr": env.get("PYTRACE_REPR") or "safe",
        "on_full": env.get("PYTRACE_ON_FULL") or "drop",
        "modules": [folder for folder in (env.get("PYTRACE_MODULES") or "").split(":") if folder],
        "ignore_site_packages": env.get("PYTRACE_IGNORE_SITE_PACKAGES") == "1",
        "c_calls": env.get("PYTRACE_C_CALLS") == "1",
    }
    # Start-up (site, the bootstrap, path hooks) runs before the program: record from its __main__ module on.
    return generator_config(env["PYTRACE_SESSION"], env.get("PYTRACE_RING_DIR") or "/dev/shm", options,
                            wait_for_main=True)

"""start()'s options: checked, turned into the generator's config and the environment Python children inherit."""
import os
import sys

from pytrace._errors import PytraceError
from pytrace._layout import BOOT_FOLDER, own_files

_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def checked(append, max_traces, buffer_size, on_full, modules, ignore_site_packages, repr, max_value_length):
    """start()'s keyword options, checked: ValueError names the one that is wrong."""
    if not isinstance(max_traces, int) or isinstance(max_traces, bool) or max_traces < 0:
        raise ValueError("pytrace: max_traces must be a whole number >= 0 (0 keeps all), not %r" % (max_traces,))
    if on_full not in ("drop", "wait"):
        raise ValueError("pytrace: on_full must be 'drop' or 'wait', not %r" % (on_full,))
    if repr not in ("safe", "full"):
        raise ValueError("pytrace: repr must be 'safe' or 'full', not %r" % (repr,))
    if not isinstance(max_value_length, int) or isinstance(max_value_length, bool) or max_value_length < 8:
        raise ValueError("pytrace: max_value_length must be a whole number >= 8, not %r" % (max_value_length,))
    if isinstance(modules, (str, bytes)) or hasattr(modules, "__fspath__"):
        modules = [modules]
    try:
        folders = [os.path.abspath(os.fsdecode(folder)) for folder in modules]
    except TypeError:
        raise ValueError("pytrace: modules must be folder paths, not %r" % (modules,))
    return {
        "append": bool(append), "max_traces": max_traces, "buffer_size": _size(buffer_size), "on_full": on_full,
        "modules": folders, "ignore_site_packages": bool(ignore_site_packages), "repr": repr,
        "max_value_length": max_value_length,
    }


def _size(value):
    """64M, '512K', 1 << 20 -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    text = str(value).strip().upper()
    unit = text[-1:] if text[-1:] in _SIZE_UNITS else ""
    number = text[:len(text) - len(unit)]
    if isinstance(value, str) and number.isdigit() and int(number) > 0:
        return int(number) * _SIZE_UNITS[unit]
    raise ValueError("pytrace: buffer_size must be a size such as '64M', '512K' or a number of bytes, not %r" % (value,))


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
    }
    # Start-up (site, the bootstrap, path hooks) runs before the program: record from its __main__ module on.
    return generator_config(env["PYTRACE_SESSION"], env.get("PYTRACE_RING_DIR") or "/dev/shm", options,
                            wait_for_main=True)

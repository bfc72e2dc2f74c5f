"""pytrace records every Python function call of a program - arguments, return value or exception - into a
SQLite database that the `pytrace` command reads.

Run a whole program under `pytrace app.py`. From inside a program run by a plain `python`:

    import pytrace

    with pytrace.trace("traces.sqlite"):      # or pytrace.start(...) ... pytrace.stop()
        checkout(cart)
        pytrace.log("paid", total=24.0)       # a log entry in the trace, fields shown like arguments

    @pytrace.notrace                          # neither hot() nor anything it calls is recorded
    def hot(): ...

Then `pytrace` (in the same folder) opens the traces.
"""
import atexit
import os
import sys

from pytrace import _native

__all__ = ["PytraceError", "is_tracing", "log", "notrace", "start", "stop", "trace"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_BUILD = os.path.dirname(os.path.dirname(_HERE))
_COMMAND = os.path.join(_BUILD, "pytrace")
_MODULE_FOLDER = os.path.dirname(_HERE)
_BOOT_FOLDER = os.path.join(_BUILD, "python-boot")
_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
_STARTUP_SECONDS = 60


class PytraceError(RuntimeError):
    """pytrace could not do what was asked: start() twice, stop() without start(), or no database."""


def notrace(function):
    """Decorator: do not record `function`, nor anything it calls. Returns `function` unchanged."""
    code = getattr(function, "__code__", None)
    if code is None:
        raise TypeError("notrace() needs a Python function, not %s" % type(function).__name__)
    _native._notrace(code)
    return function


def is_tracing():
    """True while this process is being recorded (by start(), trace() or the `pytrace` command)."""
    return _native._is_tracing()


def log(message, **fields):
    """Record a log entry at the current call depth: `message` and each field, formatted like arguments.

    The reader shows it inline (`• log: paid  total=24.0`); filter with `kind == 'log'`. Costs nothing when not tracing.
    """
    if not _native._is_tracing():
        return
    caller = sys._getframe(1)
    _native._log(caller.f_globals.get("__name__") or "?", caller.f_code.co_filename, caller.f_lineno,
                 ("message",) + tuple(fields), (message,) + tuple(fields.values()))


class _Session(object):
    """One start() .. stop(): the dumper helper process and the environment given to child processes."""

    def __init__(self, db, dumper, saved_environment):
        self.db = db
        self.pid = os.getpid()
        self.dumper = dumper
        self.saved_environment = saved_environment


_session = None
_detached_dumpers = []  # helpers still draining children that outlived stop(); kept so they are not collected
_exit_hook_registered = False


def start(db="traces.sqlite", append=False, max_traces=1000000, buffer_size="64M", on_full="drop", modules=(),
          ignore_site_packages=False, repr="safe", max_value_length=100):
    """Start recording this process into the SQLite database `db`, until stop() (or the end of the program).

    A `pytrace` dumper process is started beside the program and is ready when this returns. Options are those of
    the `pytrace` command: append (add a run instead of replacing the database), max_traces (keep the newest N
    calls; 0 keeps all), buffer_size (bytes, or '64M'), on_full ('drop' or 'wait'), modules (record only code under
    these folders), ignore_site_packages, repr ('safe' or 'full'), max_value_length. Python processes started
    meanwhile (subprocess, multiprocessing, os.fork) are recorded into the same run.

    Raises PytraceError when already started or when the database cannot be written, TypeError for an unknown
    option and ValueError for a bad value. Under the `pytrace` command the whole program is recorded already:
    start() then does nothing.
    """
    global _session
    if _session is not None and _session.pid == os.getpid():
        raise PytraceError("pytrace.start(): already recording into %s; call pytrace.stop() first" % _session.db)
    if _native._is_tracing():
        return  # the `pytrace` command, or a start() in the process that forked this one, records it already
    options = _options(append, max_traces, buffer_size, on_full, modules, ignore_site_packages, repr, max_value_length)
    db = _database_path(db)
    if not os.access(_COMMAND, os.X_OK):
        raise PytraceError("pytrace.start(): the pytrace command is missing at %s; rebuild pytrace (dotnet build)"
                           % _COMMAND)
    session = "%dp%x" % (os.getpid(), int.from_bytes(os.urandom(4), "little"))
    ring_dir = os.environ.get("PYTRACE_RING_DIR") or "/dev/shm"
    dumper = _launch_dumper(session, ring_dir, db, options)
    saved = _set_child_environment(session, ring_dir, options)
    try:
        _native._start(_generator_config(session, ring_dir, options, wait_for_main=False))
    except BaseException as error:
        _restore_environment(saved)
        try:
            _finish_dumper(dumper)
        except PytraceError:
            pass  # the reason recording could not start is the one to report
        if isinstance(error, RuntimeError):
            raise PytraceError("pytrace.start(): %s" % str(error).replace("pytrace: ", "", 1))
        raise
    _session = _Session(db, dumper, saved)
    _register_exit_hook()


def stop():
    """Stop recording; returns once everything recorded is in the database.

    Python processes started while recording that are still running go on recording into the same run until they
    end; the dumper stays for them. Raises PytraceError without a start(); under the `pytrace` command it does nothing.
    """
    global _session
    session = _session
    if session is None:
        if _native._is_tracing():
            return
        raise PytraceError("pytrace.stop() without pytrace.start()")
    _session = None
    _native._stop()
    if session.pid != os.getpid():
        return  # a forked child: its ring is finished, the parent's dumper drains it
    _restore_environment(session.saved_environment)
    _finish_dumper(session.dumper)


class trace(object):
    """`with pytrace.trace("traces.sqlite", **options):` records the block; start() and stop() around it.

    Also a decorator: `@pytrace.trace()` records each call of the function. Takes the options of start(). Inside a
    recording already (an outer trace(), start(), or the `pytrace` command) it adds nothing: the outer one goes on.
    """

    def __init__(self, db="traces.sqlite", **options):
        self._db = db
        self._options = options
        self._started = False

    def __enter__(self):
        self._started = not _native._is_tracing()
        if self._started:
            start(self._db, **self._options)
        return self

    def __exit__(self, *exc_info):
        if self._started:
            self._started = False
            stop()
        return False

    def __call__(self, function):
        import functools

        @functools.wraps(function)
        def traced(*args, **kwargs):
            with trace(self._db, **self._options):
                return function(*args, **kwargs)
        return traced


def _options(append, max_traces, buffer_size, on_full, modules, ignore_site_packages, repr, max_value_length):
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


def _database_path(db):
    try:
        path = os.path.abspath(os.fsdecode(db))
    except TypeError:
        raise TypeError("pytrace: db must be a file path, not %s" % type(db).__name__)
    if os.path.isdir(path):
        raise PytraceError("pytrace.start(): cannot write the database '%s': it is a folder" % db)
    if not os.path.isdir(os.path.dirname(path)):
        raise PytraceError("pytrace.start(): cannot write the database '%s': its folder does not exist" % db)
    return path


def _launch_dumper(session, ring_dir, db, options):
    import shlex
    import subprocess
    argv = [_COMMAND, "_dump", "--session", session, "--ring-dir", ring_dir, "--db", db,
            "--max-traces", str(options["max_traces"]), "--python", sys.executable or "",
            "--command", " ".join(shlex.quote(a) for a in sys.argv)]
    if options["append"]:
        argv.append("--append")
    # Its own session: Ctrl-C in the terminal goes to the program, and the dumper keeps draining.
    dumper = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True, universal_newlines=True)
    answer = _read_answer(dumper, _STARTUP_SECONDS)
    if answer == "ready":
        return dumper
    if dumper.poll() is None:
        dumper.kill()
    dumper.wait()
    reason = answer[len("error: "):] if answer.startswith("error: ") else \
        "the dumper did not start: %s" % (answer or _stderr_tail(dumper))
    _close_pipes(dumper)
    raise PytraceError("pytrace.start(): " + reason)


def _read_answer(dumper, timeout):
    """The helper's next protocol line, '' when it exited or did not answer within `timeout` seconds."""
    import select
    ready, _, _ = select.select([dumper.stdout], [], [], timeout)
    return dumper.stdout.readline().strip() if ready else ""


def _finish_dumper(dumper):
    """Tells the helper the program stopped recording and waits until it has written everything."""
    try:
        dumper.stdin.write("stop\n")
        dumper.stdin.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass
    answer = dumper.stdout.readline().strip()
    if answer == "stopped":
        _detached_dumpers.append(dumper)  # still draining children; it exits when they have
        return
    dumper.wait()
    tail = _stderr_tail(dumper) if dumper.returncode != 0 else ""
    _close_pipes(dumper)
    if answer.startswith("error: "):
        raise PytraceError("pytrace.stop(): " + answer[len("error: "):])
    if not answer.startswith("done") and dumper.returncode != 0:
        raise PytraceError("pytrace.stop(): the dumper failed (exit %s): %s" % (dumper.returncode, tail))


def _close_pipes(dumper):
    for stream in (dumper.stdin, dumper.stdout, dumper.stderr):
        try:
            stream.close()
        except (BrokenPipeError, OSError):
            pass


def _stderr_tail(dumper):
    """The first line the helper wrote to stderr: its error, before any stack trace."""
    try:
        lines = [line for line in (dumper.stderr.read() or "").splitlines() if line.strip()]
    except (OSError, ValueError):
        lines = []
    return lines[0].strip() if lines else "no message"


def _set_child_environment(session, ring_dir, options):
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
        "PYTHONPATH": os.pathsep.join(p for p in [_BOOT_FOLDER, _MODULE_FOLDER, os.environ.get("PYTHONPATH")] if p),
    }
    saved = {name: os.environ.get(name) for name in values}
    for name, value in values.items():
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    return saved


def _restore_environment(saved):
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _register_exit_hook():
    global _exit_hook_registered
    if not _exit_hook_registered:
        atexit.register(_stop_at_exit)
        _exit_hook_registered = True


def _stop_at_exit():
    """A program that ends without stop() still has everything in the database when it exits."""
    if _session is not None and _session.pid == os.getpid():
        try:
            stop()
        except Exception as error:
            sys.stderr.write("pytrace: %s\n" % (error,))


class _ForkWarning(object):
    """3.12+ warns at os.fork() when the process runs more than one OS thread. Loading the generator starts one idle
    thread (the .NET runtime's finalizer), which must not make that warning appear where it would not without pytrace.

    Before each fork, a filter for that warning goes first when ours is the only other thread. It stays until the next
    fork decides again (3.13 warns after the after-fork callbacks), and a child, single-threaded, drops it."""

    def __init__(self):
        import re
        import warnings
        self._warnings = warnings
        self._filter = ("ignore", re.compile(r"This process \(pid=\d+\) is multi-threaded"), DeprecationWarning, None, 0)

    def before(self):
        self._remove()
        try:
            alone = len(os.listdir("/proc/self/task")) <= 2
        except OSError:
            return
        if alone:
            self._warnings.filters.insert(0, self._filter)
            self._warnings._filters_mutated()

    def _remove(self):
        filters = self._warnings.filters
        for i, item in enumerate(filters):
            if item is self._filter:
                del filters[i]
                self._warnings._filters_mutated()
                return


if sys.version_info >= (3, 12):
    _fork_warning = _ForkWarning()
    os.register_at_fork(before=_fork_warning.before, after_in_child=_fork_warning._remove)


def _own_files():
    """Files whose frames never appear in traces: pytrace's own, the launcher's (runpy) and the import system's.

    They are transparent: what they run (an imported module's body, say) is recorded one level up.
    """
    stdlib = os.path.dirname(os.__file__)
    return [
        os.path.join(_HERE, "__init__.py"),
        os.path.join(_BOOT_FOLDER, "sitecustomize.py"),
        os.path.join(stdlib, "runpy.py"),
        "<frozen importlib._bootstrap>",
        "<frozen importlib._bootstrap_external>",
        "<frozen zipimport>",
        os.path.join(stdlib, "importlib", "_bootstrap.py"),
        os.path.join(stdlib, "importlib", "_bootstrap_external.py"),
        os.path.join(stdlib, "zipimport.py"),
    ]


def _generator_config(session, ring_dir, options, wait_for_main):
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
        "skip_files": _own_files(),
        "skip_functions": [threading.__file__ + ":_shutdown"],
        "wait_for_main": wait_for_main,
        "python_version": "%d.%d.%d" % sys.version_info[:3],
        "executable": sys.executable or "",
    }


def _start_from_environment():
    """Called by the bootstrap in every process of a traced run; the options come from the environment."""
    env = os.environ
    options = {
        "buffer_size": int(env.get("PYTRACE_BUFFER_SIZE") or 64 << 20),
        "max_value_length": int(env.get("PYTRACE_MAX_VALUE_LENGTH") or 100),
        "repr": env.get("PYTRACE_REPR") or "safe",
        "on_full": env.get("PYTRACE_ON_FULL") or "drop",
        "modules": [folder for folder in (env.get("PYTRACE_MODULES") or "").split(":") if folder],
        "ignore_site_packages": env.get("PYTRACE_IGNORE_SITE_PACKAGES") == "1",
    }
    # Start-up (site, this bootstrap, path hooks) runs before the program: record from its __main__ module on.
    config = _generator_config(env["PYTRACE_SESSION"], env.get("PYTRACE_RING_DIR") or "/dev/shm", options,
                               wait_for_main=True)
    _native._start(config)

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

from pytrace import _forks, _native, _options
from pytrace._errors import PytraceError
from pytrace._layout import command
from pytrace._version import VERSION as __version__

__all__ = ["PytraceError", "is_tracing", "log", "notrace", "start", "stop", "trace"]

_forks.install()  # the generator's runtime thread exists from the import of _native on


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
_exit_hook_registered = False


def _private_ring_folder(base, session):
    """The run's rings go in a fresh folder only this user can enter (0700): no one else reads or plants rings there."""
    if not os.path.isdir(base):
        raise PytraceError("pytrace.start(): the ring folder '%s' does not exist; unset PYTRACE_RING_DIR or create it" % base)
    path = os.path.join(base, "pytrace-" + session)
    try:
        os.mkdir(path, 0o700)
    except OSError as error:
        raise PytraceError("pytrace.start(): cannot make a private folder for the rings in '%s': %s" % (base, error.strerror))
    return path


def start(db="traces.sqlite", append=False, max_traces=1000000, buffer_size="16M", on_full="drop", modules=(),
          ignore_site_packages=False, repr="safe", max_value_length=100, c_calls=False):
    """Start recording this process into the SQLite database `db`, until stop() (or the end of the program).

    A `pytrace` dumper process is started beside the program and is ready when this returns. Options are those of
    the `pytrace` command: append (add a run instead of replacing the database), max_traces (keep the newest N
    calls; 0 keeps all), buffer_size (bytes, or '64M'), on_full ('drop' or 'wait'), modules (record only code under
    these folders), ignore_site_packages, repr ('safe' or 'full'), max_value_length, c_calls (also record calls of
    built-in and extension functions: name and time, no arguments; costs an event per call). Python processes started
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
    options = _options.checked(append, max_traces, buffer_size, on_full, modules, ignore_site_packages, repr, max_value_length,
                               c_calls)
    db = _options.database_path(db)
    executable = command()
    if executable is None:
        raise PytraceError("pytrace.start(): cannot find the pytrace command that belongs to %s; reinstall pytrace"
                           % os.path.dirname(__file__))
    from pytrace import _dumper  # subprocess and friends: imported only by programs that use start()
    session = "%dp%x" % (os.getpid(), int.from_bytes(os.urandom(4), "little"))
    ring_dir = _private_ring_folder(os.environ.get("PYTRACE_RING_DIR") or "/dev/shm", session)
    try:
        dumper = _dumper.launch(executable, session, ring_dir, db, options)
    except BaseException:
        os.rmdir(ring_dir)
        raise
    saved = _options.set_child_environment(session, ring_dir, options)
    try:
        _native._start(_options.generator_config(session, ring_dir, options, wait_for_main=False))
    except BaseException as error:
        _options.restore_environment(saved)
        try:
            _dumper.finish(dumper)
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
    _options.restore_environment(session.saved_environment)
    from pytrace import _dumper
    _dumper.finish(session.dumper)


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


def _start_from_environment():
    """Called by the bootstrap in every process of a traced run; the options come from the environment."""
    _native._start(_options.from_environment(os.environ))

"""The `pytrace _dump` helper that start() launches: the dumper, outside this interpreter, and its line protocol."""
import select
import shlex
import subprocess
import sys

from pytrace._errors import PytraceError

_STARTUP_SECONDS = 60
_detached = []  # helpers still draining children that outlived stop(); kept so they are not collected


def launch(executable, session, ring_dir, db, options):
    argv = [executable, "_dump", "--session", session, "--ring-dir", ring_dir, "--db", db,
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
    ready, _, _ = select.select([dumper.stdout], [], [], timeout)
    return dumper.stdout.readline().strip() if ready else ""


def finish(dumper):
    """Tells the helper the program stopped recording and waits until it has written everything."""
    try:
        dumper.stdin.write("stop\n")
        dumper.stdin.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass
    answer = dumper.stdout.readline().strip()
    if answer == "stopped":
        _detached.append(dumper)  # still draining children; it exits when they have
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

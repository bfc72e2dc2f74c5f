"""Shared by the workloads: run `body` several times, print the first pass (what a user pays: a fresh process)
and the best (the steady state) as JSON for bench/run.py.

--setprofile runs under a no-op Python profile function, --chook under a no-op C hook (the module bench/run.py
builds, found through PYTHONPATH): the floors a tracer is measured against."""
import json
import sys
import time


def install_noop_c_hook():
    import noop_hook

    if sys.version_info < (3, 12):
        noop_hook.install()
        return
    # The events a tracer needs to record every call, generators and exceptions included, as pytrace asks for them.
    monitoring = sys.monitoring
    monitoring.use_tool_id(3, "noop")
    mask = 0
    for name in ("PY_START", "PY_RESUME", "PY_RETURN", "PY_YIELD", "PY_UNWIND", "PY_THROW"):
        event = getattr(monitoring.events, name)
        monitoring.register_callback(3, event, noop_hook.noop_event)
        mask |= event
    monitoring.set_events(3, mask)


def uninstall_hooks():
    sys.setprofile(None)
    if "--chook" in sys.argv and sys.version_info >= (3, 12):
        sys.monitoring.set_events(3, 0)
        sys.monitoring.free_tool_id(3)


def report(body, repeats, calls_per_repeat):
    if "--setprofile" in sys.argv:
        sys.setprofile(lambda frame, event, arg: None)
    if "--chook" in sys.argv:
        install_noop_c_hook()
    best = first = float("inf")
    for repeat in range(repeats):
        start = time.perf_counter()
        body()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        if repeat == 0:
            first = elapsed
    uninstall_hooks()
    print(json.dumps({"seconds": best, "first": first, "calls": calls_per_repeat}))

"""pytrace's benchmark: untraced vs traced time per workload and Python version, in one process tree.

Usage: python3 bench/run.py [--pytrace PATH] [--versions 3.12,3.13] [--workloads fib,pool] [--runs N]
       python3 bench/run.py --dumper [--busy] [--versions 3.11,3.12] [--workloads fib27,sympy_loop]
Prints, per Python and workload, best of --runs fresh processes: the first pass untraced and traced (what a user
pays: the first repeat in a fresh process), its ratio and ns of overhead per call, the same for the steady state
(the best repeat in one process), ok/MISS against the hot-path goal on the first pass (fib and args10/args1000 in ns
per call: 100 on 3.12+, 160 before, 400 for arguments; the libraries as a ratio: 1.6x on 3.12+, 3x before), and
the floors in the same run: ns per call of a no-op Python sys.setprofile function and of a no-op C hook
(bench/floor, built with cc for each Python: sys.monitoring callbacks on 3.12+, the C profile hook before); then
calls recorded (all processes, all repeats), processes, records dropped, and the dumper's rate into SQLite. notrace_hot has its own table: the program
untraced, traced with its hot function under @notrace, and traced whole, against a 1.10x target on 3.12+.

--dumper prints what happens after the ring instead, per workload (one fresh process each, default settings):
the untraced time, calls recorded, kept and trimmed (--max-traces), records dropped, the dumper's rate (calls
decoded, written or skimmed, per second of its wall clock while it had records) and its SQLite writer's (rows per
second of the writer thread's wall clock), bytes of database per kept call, seconds from the program's exit to
pytrace's, and pytrace's peak resident memory. --busy keeps one core busy with another process meanwhile.
"""
import argparse
import glob
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# pool_spawn is left out of the default: it dumps as many calls as pool and would double the run time.
WORKLOADS = ["fib", "args10", "args1000", "jinja2_render", "networkx_paths", "pygments_highlight", "pool", "notrace_hot"]
# The hot-path goals: ns per call (fib, args) or the traced/untraced ratio (libraries), on 3.12+ and before.
TARGETS = {"fib": (100, 160), "args10": (400, 400), "args1000": (400, 400),
           "jinja2_render": (1.6, 3.0), "networkx_paths": (1.6, 3.0), "pygments_highlight": (1.6, 3.0)}
NOTRACE_TARGET = 1.10  # @notrace'd hot function vs the untraced program, on 3.12+ (sys.monitoring)
# The lose-nothing workloads: bursts, real libraries (3.11 has them; 3.12+ import its pure-Python ones), processes,
# and a run far longer than the window of the newest calls.
DUMPER_WORKLOADS = ["fib27", "sympy_loop", "jinja2_render", "networkx_paths", "pygments_highlight", "pool", "fib34"]


def pythons(wanted):
    found = {}
    for path in sorted(glob.glob("/root/.pyenv/versions/3.*/bin/python")):
        version = path.split("/")[-3]
        minor = ".".join(version.split(".")[:2])
        if int(minor.split(".")[1]) >= 8 and (not wanted or minor in wanted):
            found[minor] = path
    return dict(sorted(found.items(), key=lambda item: int(item[0].split(".")[1])))  # 3.8 before 3.10


def run_json(command, env=None):
    # every run is a fresh process: its first pass is what a user pays
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=os.path.join(HERE, "workloads"))
    if result.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(command), result.stderr[-2000:]))
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def faster(best, data):
    # Best of several processes: other work on the machine only ever makes a run slower. The first pass and the
    # steady state are each the best of their own.
    if best is None:
        return dict(data)
    merged = dict(best)
    for key in ("seconds", "first"):
        if key in data and data[key] < best.get(key, float("inf")):
            merged[key] = data[key]
    return merged


def build_noop_hook(python, folder):
    """The no-op C hook of bench/floor for this Python, built with its own headers; None when it cannot be built."""
    include = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
                             capture_output=True, text=True).stdout.strip()
    out = os.path.join(folder, "noop_hook.so")
    built = subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-I", include, "-o", out,
                            os.path.join(HERE, "floor", "noop_hook.c")], capture_output=True, text=True)
    return folder if built.returncode == 0 else None


def target_of(name, minor, first_ratio, first_ns):
    """ok or MISS against the hot-path goal, on the first pass: what a user pays."""
    if name not in TARGETS:
        return "-"
    goal = TARGETS[name][0 if tuple(map(int, minor.split("."))) >= (3, 12) else 1]
    value = first_ratio if isinstance(goal, float) else first_ns
    return "ok" if value <= goal else "MISS"


def traced(pytrace, python, script, db, *args, options=()):
    env = dict(os.environ, PYTRACE_STATS="1")
    data, stderr = run_json([pytrace, "--python", python, "--db", db] + list(options) + [script] + list(args), env)
    dumper = dumper_stats(stderr)
    rate = dumper.get("written_per_s")
    with sqlite3.connect(db) as conn:
        run, calls, dropped = conn.execute("select id, calls, dropped from runs order by id desc limit 1").fetchone()
        processes = conn.execute("select count(*) from processes where run = ?", (run,)).fetchone()[0]
        if not data["calls"]:
            # Calls of one repeat: everything under the first body() call.
            row = conn.execute("select c.start, c.start + c.duration from calls c join functions f on f.id = c.function "
                               "where f.name = 'body' order by c.id limit 1").fetchone()
            if row:
                data["calls"] = conn.execute("select count(*) from calls where start > ? and start < ?",
                                             row).fetchone()[0]
    return data, {"calls": calls, "dropped": dropped, "processes": processes, "rate": rate}


def dumper_stats(stderr):
    """The PYTRACE_STATS=1 line pytrace prints at the end: key=value pairs."""
    for line in stderr.splitlines():
        if line.startswith("pytrace-stats: "):
            return {key: float(value) for key, value in (pair.split("=") for pair in line.split()[1:])}
    return {}


def dumper_table(versions, names, pytrace, db, busy):
    header = "%-7s %-18s %9s %10s %10s %10s %8s %11s %11s %8s %9s %8s" % (
        "python", "workload", "untraced", "recorded", "kept", "trimmed", "dropped", "dumper/s", "writer/s",
        "B/call", "exit wait", "peak RSS")
    print(header)
    print("-" * len(header))
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        for minor, python in versions.items():
            for name in names:
                script = name + ".py"
                base, _ = run_json([python, script])
                if "skip" in base:
                    print("%-7s %-18s skipped: %s" % (minor, name, base["skip"]))
                    continue
                env = dict(os.environ, PYTRACE_STATS="1")
                result = subprocess.run([pytrace, "--python", python, "--db", db, script], capture_output=True, text=True,
                                        env=env, cwd=os.path.join(HERE, "workloads"))
                s = dumper_stats(result.stderr)
                if not s:
                    raise RuntimeError("%s: no pytrace-stats line:\n%s" % (name, result.stderr[-2000:]))
                print("%-7s %-18s %7.2f s %10d %10d %10d %8d %11.0f %11.0f %8.1f %7.2f s %6.0f MB" % (
                    minor, name, base["seconds"], s["calls"], s["kept"], s["trimmed"], s["dropped"], s["handled_per_s"],
                    s["written_per_s"], s["db_bytes"] / max(s["kept"], 1), s["exit_wait_s"], s["peak_rss_mb"]))
                sys.stdout.flush()
    finally:
        if hog:
            hog.kill()


def overhead_table(versions, names, pytrace, db, runs):
    header = "%-7s %-18s %9s %9s %8s %8s %9s %8s %6s %9s %8s %8s %9s %5s %8s %9s" % (
        "python", "workload", "untraced", "traced", "1st", "1st", "steady", "steady", "goal", "setprof", "C hook",
        "calls", "recorded", "procs", "dropped", "dumper/s")
    print(header)
    print("%-7s %-18s %9s %9s %8s %8s %9s %8s %6s %9s %8s" % ("", "", "1st pass", "1st pass", "ratio", "ns/call",
                                                                "ratio", "ns/call", "", "ns/call", "ns/call"))
    print("-" * len(header))
    floor_dir = tempfile.mkdtemp(prefix="pytrace-bench-floor-")
    for minor, python in versions.items():
        hook_dir = os.path.join(floor_dir, minor)
        os.makedirs(hook_dir)
        hook_dir = build_noop_hook(python, hook_dir)
        hook_env = dict(os.environ, PYTHONPATH=hook_dir) if hook_dir else None
        for name in names:
            script = name + ".py"
            base = reference = chook = data = None
            for _ in range(runs):
                sample, _ = run_json([python, script])
                if "skip" in sample:
                    break
                base = faster(base, sample)
                reference = faster(reference, run_json([python, script, "--setprofile"])[0])
                if hook_env:
                    chook = faster(chook, run_json([python, script, "--chook"], hook_env)[0])
                sample, stats = traced(pytrace, python, script, db)
                data = faster(data, sample)
            if base is None:
                print("%-7s %-18s skipped: %s" % (minor, name, sample["skip"]))
                continue
            calls = data["calls"] or 1
            overhead = (data["seconds"] - base["seconds"]) / calls * 1e9
            profile = (reference["seconds"] - base["seconds"]) / calls * 1e9
            c_hook = "%8.0f" % ((chook["seconds"] - base["seconds"]) / calls * 1e9) if chook else "%8s" % "-"
            rate = stats["rate"]
            first_base, first = base.get("first", base["seconds"]), data.get("first", data["seconds"])
            first_ratio, first_ns = first / first_base, (first - first_base) / calls * 1e9
            print("%-7s %-18s %7.1fms %7.1fms %7.2fx %8.0f %8.2fx %8.0f %6s %9.0f %s %8d %9d %5d %8d %9s" % (
                minor, name, first_base * 1e3, first * 1e3, first_ratio, first_ns, data["seconds"] / base["seconds"],
                overhead, target_of(name, minor, first_ratio, first_ns), profile, c_hook, calls, stats["calls"],
                stats["processes"], stats["dropped"], "%.0f" % rate if rate else "-"))
            sys.stdout.flush()


def interleaved(pytrace, python, script, db, runs, *variants):
    """The best untraced run of SCRIPT and the best traced run of each variant (pytrace options, script args), with
    the last run's stats of each; interleaved, so that a busy moment on the machine does not land on one only."""
    base, best, stats = None, [None] * len(variants), [None] * len(variants)
    for _ in range(runs):
        base = faster(base, run_json([python, script])[0])
        for i, (options, args) in enumerate(variants):
            sample, stats[i] = traced(pytrace, python, script, db, *args, options=list(options))
            best[i] = faster(best[i], sample)
    return base, best, stats


def notrace_table(versions, pytrace, db, runs):
    header = "%-7s %10s %10s %7s %6s %10s %7s %9s %10s %10s %9s %10s" % (
        "python", "untraced", "@notrace", "ratio", "target", "no notrace", "ratio", "hot call",
        "+ns/call", "+ns/call", "recorded", "recorded")
    print(header)
    print("%-7s %10s %10s %7s %6s %10s %7s %9s %10s %10s %9s %10s" % (
        "", "", "", "", "", "", "", "untraced", "@notrace", "no notrace", "@notrace", "no notrace"))
    print("-" * len(header))
    for minor, python in versions.items():
        base, (skipped, whole), (stats, whole_stats) = interleaved(pytrace, python, "notrace_hot.py", db, runs,
                                                                   ((), ()), ((), ("--no-notrace",)))
        calls = base["calls"]
        ratio = skipped["seconds"] / base["seconds"]
        target = ("ok" if ratio <= NOTRACE_TARGET else "MISS") if tuple(map(int, minor.split("."))) >= (3, 12) else "-"
        print("%-7s %8.1fms %8.1fms %6.2fx %6s %8.1fms %6.2fx %7.0fns %10.0f %10.0f %9d %10d" % (
            minor, base["seconds"] * 1e3, skipped["seconds"] * 1e3, ratio, target, whole["seconds"] * 1e3,
            whole["seconds"] / base["seconds"], base["seconds"] / calls * 1e9,
            (skipped["seconds"] - base["seconds"]) / calls * 1e9, (whole["seconds"] - base["seconds"]) / calls * 1e9,
            stats["calls"], whole_stats["calls"]))
        sys.stdout.flush()


def c_calls_table(versions, pytrace, db, runs):
    """What --c-calls costs: c_calls.py traced as by default (its C calls not recorded) and with --c-calls."""
    header = "%-7s %10s %10s %10s %7s %7s %12s %12s" % (
        "python", "untraced", "traced", "--c-calls", "ratio", "ratio", "recorded", "recorded")
    print(header)
    print("%-7s %10s %10s %10s %7s %7s %12s %12s" % ("", "1st pass", "1st pass", "1st pass", "traced", "c-calls",
                                                     "traced", "--c-calls"))
    print("-" * len(header))
    for minor, python in versions.items():
        base, (plain, native), (plain_stats, native_stats) = interleaved(pytrace, python, "c_calls.py", db, runs,
                                                                         ((), ()), (("--c-calls",), ()))
        first = base["first"]
        print("%-7s %8.1fms %8.1fms %8.1fms %6.2fx %6.2fx %12d %12d" % (
            minor, first * 1e3, plain["first"] * 1e3, native["first"] * 1e3, plain["first"] / first, native["first"] / first,
            plain_stats["calls"], native_stats["calls"]))
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pytrace", default=os.path.join(ROOT, "artifacts/pytrace/pytrace"))
    parser.add_argument("--versions", default="")
    parser.add_argument("--workloads", default="")
    parser.add_argument("--dumper", action="store_true", help="the table of what happens after the ring (see above)")
    parser.add_argument("--busy", action="store_true", help="with --dumper: another process keeps one core busy")
    parser.add_argument("--c-calls", action="store_true", help="the table of what --c-calls costs (c_calls.py)")
    parser.add_argument("--runs", type=int, default=1,
                        help="best of N processes per measurement (notrace_hot: at least 3, for its 10%% target)")
    args = parser.parse_args()
    versions = pythons([v for v in args.versions.split(",") if v])
    args.pytrace = os.path.abspath(args.pytrace)
    if not os.path.exists(args.pytrace):
        sys.exit("bench: %s is missing; run: ./pytrace --version (it builds it)" % args.pytrace)
    names = [name for name in (args.workloads or ",".join(DUMPER_WORKLOADS if args.dumper else WORKLOADS)).split(",") if name]
    db = os.path.join(tempfile.mkdtemp(prefix="pytrace-bench-"), "bench.sqlite")
    if args.dumper:
        dumper_table(versions, names, args.pytrace, db, args.busy)
        return
    if args.c_calls:
        c_calls_table(versions, args.pytrace, db, max(args.runs, 1))
        return
    others = [name for name in names if name != "notrace_hot"]
    if others:
        overhead_table(versions, others, args.pytrace, db, max(args.runs, 1))
    if "notrace_hot" in names:
        if others:
            print()
        notrace_table(versions, args.pytrace, db, max(args.runs, 3))


if __name__ == "__main__":
    main()

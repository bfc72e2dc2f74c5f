"""pytrace's benchmark: untraced vs traced time per workload and Python version, in one process tree.

Usage: python3 bench/run.py [--pytrace PATH] [--versions 3.12,3.13] [--workloads fib,args]
Prints, per Python: untraced and traced time, ns of overhead per call, the same for a no-op sys.setprofile
function as a reference, the traced/untraced ratio, records dropped, and the dumper's rate into SQLite.
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
WORKLOADS = ["fib", "args", "jinja2_render"]


def pythons(wanted):
    found = {}
    for path in sorted(glob.glob("/root/.pyenv/versions/3.*/bin/python")):
        version = path.split("/")[-3]
        minor = ".".join(version.split(".")[:2])
        if int(minor.split(".")[1]) >= 8 and (not wanted or minor in wanted):
            found[minor] = path
    return found


def run_json(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=os.path.join(HERE, "workloads"))
    if result.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(command), result.stderr[-2000:]))
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def traced(pytrace, python, script, db):
    env = dict(os.environ, PYTRACE_STATS="1")
    data, stderr = run_json([pytrace, "--python", python, "--db", db, script], env)
    rate = None
    for line in stderr.splitlines():
        if line.startswith("pytrace: dumper"):
            rate = float(line.split("(")[1].split()[0].replace(",", ""))
    with sqlite3.connect(db) as conn:
        calls, dropped = conn.execute("select calls, dropped from runs order by id desc limit 1").fetchone()
        if not data["calls"]:
            # Calls of one repeat: everything under the first body() call.
            row = conn.execute("select c.start_ns, c.end_ns from calls c join functions f on f.id = c.function "
                               "where f.name = 'body' order by c.id limit 1").fetchone()
            if row:
                data["calls"] = conn.execute("select count(*) from calls where start_ns > ? and start_ns < ?",
                                             row).fetchone()[0]
    return data, calls, dropped, rate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pytrace", default=os.path.join(ROOT, "src/Pytrace.Cli/bin/Release/net10.0/pytrace"))
    parser.add_argument("--versions", default="")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    args = parser.parse_args()
    versions = pythons([v for v in args.versions.split(",") if v])
    if not os.path.exists(args.pytrace):
        sys.exit("bench: %s is missing; run: dotnet build -c Release" % args.pytrace)
    header = "%-7s %-14s %11s %11s %9s %14s %14s %7s %9s %12s" % (
        "python", "workload", "untraced", "traced", "ratio", "ns/call", "setprofile", "calls", "dropped", "dumper/s")
    print(header)
    print("-" * len(header))
    tmp = tempfile.mkdtemp(prefix="pytrace-bench-")
    for minor, python in versions.items():
        for name in args.workloads.split(","):
            script = name + ".py"
            base, _ = run_json([python, script])
            if "skip" in base:
                print("%-7s %-14s skipped: %s" % (minor, name, base["skip"]))
                continue
            reference, _ = run_json([python, script, "--setprofile"])
            data, recorded, dropped, rate = traced(args.pytrace, python, script, os.path.join(tmp, "bench.sqlite"))
            calls = data["calls"] or 1
            overhead = (data["seconds"] - base["seconds"]) / calls * 1e9
            profile = (reference["seconds"] - base["seconds"]) / calls * 1e9
            print("%-7s %-14s %10.1fms %10.1fms %8.2fx %14.0f %14.0f %7d %9d %12s" % (
                minor, name, base["seconds"] * 1e3, data["seconds"] * 1e3, data["seconds"] / base["seconds"],
                overhead, profile, calls, dropped, "%.0f" % rate if rate else "-"))
            sys.stdout.flush()


if __name__ == "__main__":
    main()

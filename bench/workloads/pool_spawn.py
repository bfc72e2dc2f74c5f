"""pool.py with the spawn start method: each worker is a fresh interpreter (the default on macOS and Windows)."""
import sys

import pool
from _timing import report

if __name__ == "__main__":
    sys.argv.append("--spawn")
    report(pool.body, repeats=3, calls_per_repeat=pool.TASKS * pool.CALLS_PER_TASK)

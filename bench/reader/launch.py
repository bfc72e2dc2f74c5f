"""Launch to first screen, from process start: the `pytrace` command users run, on a real pseudo-terminal.

python3 bench/reader/launch.py PYTRACE DB [RUNS]: starts `PYTRACE read DB` on a 160x40 pty, times until the first
screen's rows have arrived, quits with q. The first run is the first launch in a while (cold page cache for the
binary and the database pages it reads); the rest are warm.
"""
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

ROWS, COLUMNS = 40, 160


def launch(command, db, marker):
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        os.execv(command, [command, "read", db])
    seen, elapsed = b"", None
    while elapsed is None:
        ready, _, _ = select.select([fd], [], [], 10)
        if not ready:
            break
        try:
            seen += os.read(fd, 1 << 16)
        except OSError:
            break
        if seen.count(marker) >= 2:  # rows of the first screen, not the first bytes of it
            elapsed = time.perf_counter() - start
    os.write(fd, b"q")
    os.waitpid(pid, 0)
    os.close(fd)
    return elapsed


def main():
    command, db = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    times = [launch(command, db, b"\xe2\x86\x92") for _ in range(runs)]  # the rows' arrow
    if None in times:
        raise SystemExit("launch.py: the reader showed no rows within 10 s")
    print("launch to first screen (process start, %dx%d pty): first %.1f ms, then %s ms"
          % (COLUMNS, ROWS, times[0] * 1000, " ".join("%.1f" % (t * 1000) for t in times[1:])))


if __name__ == "__main__":
    main()

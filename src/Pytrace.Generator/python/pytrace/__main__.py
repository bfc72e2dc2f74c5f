"""`python -m pytrace ARGS...`: the `pytrace` command, running programs with the Python that ran this."""
import os
import sys

from pytrace._layout import command


def main():
    executable = command()
    if executable is None:
        sys.stderr.write("pytrace: cannot find the pytrace command that belongs to %s; reinstall pytrace\n"
                         % os.path.dirname(os.path.abspath(__file__)))
        return 2
    # `--python PATH` still wins; otherwise the program runs under the Python that ran `-m pytrace`.
    os.environ["PYTRACE_PYTHON"] = sys.executable
    os.execv(executable, [executable] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

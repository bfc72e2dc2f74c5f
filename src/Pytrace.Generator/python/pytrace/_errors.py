"""The exception pytrace raises when it cannot do what was asked."""


class PytraceError(RuntimeError):
    """pytrace could not do what was asked: start() twice, stop() without start(), or no database."""

    __module__ = "pytrace"  # tracebacks say pytrace.PytraceError, where users catch it

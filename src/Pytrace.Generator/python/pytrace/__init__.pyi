"""pytrace: records every Python function call of a program into a SQLite database read by `pytrace`."""
import os
from types import TracebackType
from typing import Callable, Iterable, Literal, Optional, Type, TypeVar, Union

_F = TypeVar("_F", bound=Callable[..., object])
_Path = Union[str, "os.PathLike[str]"]

__version__: str

class PytraceError(RuntimeError):
    """pytrace could not do what was asked: start() twice, stop() without start(), or no database."""

def notrace(function: _F) -> _F:
    """Decorator: do not record `function`, nor anything it calls. Returns `function` unchanged."""
    ...

def is_tracing() -> bool:
    """True while this process is being recorded (by start(), trace() or the `pytrace` command)."""
    ...

def log(message: object, **fields: object) -> None:
    """Record a log entry at the current call depth: `message` and each field, formatted like arguments."""
    ...

def start(
    db: _Path = "traces.sqlite",
    append: bool = False,
    max_traces: int = 1000000,
    buffer_size: Union[int, str] = "16M",
    on_full: Literal["drop", "wait"] = "drop",
    modules: Union[_Path, Iterable[_Path]] = (),
    ignore_site_packages: bool = False,
    repr: Literal["safe", "full"] = "safe",
    max_value_length: int = 100,
    c_calls: bool = False,
) -> None:
    """Start recording this process into the SQLite database `db`, until stop() (or the end of the program)."""
    ...

def stop() -> None:
    """Stop recording; returns once everything recorded is in the database."""
    ...

class trace:
    """`with pytrace.trace("traces.sqlite", **options):` records the block; also a decorator."""

    def __init__(
        self,
        db: _Path = "traces.sqlite",
        *,
        append: bool = ...,
        max_traces: int = ...,
        buffer_size: Union[int, str] = ...,
        on_full: Literal["drop", "wait"] = ...,
        modules: Union[_Path, Iterable[_Path]] = ...,
        ignore_site_packages: bool = ...,
        repr: Literal["safe", "full"] = ...,
        max_value_length: int = ...,
        c_calls: bool = ...,
    ) -> None: ...
    def __enter__(self) -> "trace": ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> Literal[False]: ...
    def __call__(self, function: _F) -> _F: ...

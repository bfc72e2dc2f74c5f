"""pytrace: records every Python function call of a program into a SQLite database read by `pytrace`."""
from typing import Callable, TypeVar

_F = TypeVar("_F", bound=Callable[..., object])

def notrace(function: _F) -> _F:
    """Decorator: do not record `function`, nor anything it calls. Returns `function` unchanged."""
    ...

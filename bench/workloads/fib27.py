"""fib(27) once: 635,621 calls in a burst, as fast as a Python program makes calls."""
from _burst import run

run(27)

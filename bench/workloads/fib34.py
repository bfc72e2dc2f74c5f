"""fib(34) once: 18,454,929 calls, far more than --max-traces keeps: the window of the newest calls."""
from _burst import run

run(34)

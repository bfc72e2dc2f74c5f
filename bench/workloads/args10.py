"""A call taking (str of 40, list of 10 ints, dict of 10 str: int, a user object)."""
from _args import run

run(10)

"""The same call with a list and a dict of 1,000 items: the cost must stay within 1.25x of args10's."""
from _args import run

run(1000)

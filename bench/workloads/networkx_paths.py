"""networkx: shortest paths, betweenness and clustering on a random graph of 300 nodes (pure Python)."""
import sys
from _site import add_site_packages

add_site_packages()
try:
    import networkx
except ImportError:
    print('{"skip": "networkx is not importable by this Python"}')
    sys.exit(0)

from _timing import report

graph = networkx.gnm_random_graph(300, 1200, seed=7)


def body():
    dict(networkx.all_pairs_shortest_path_length(graph, cutoff=3))
    networkx.betweenness_centrality(graph, k=40, seed=1)
    networkx.clustering(graph)


# One pass (the floors of bench/run.py, --setprofile and --chook, apply to it too); bench/run.py counts the calls
# under body() for the per-call figures.
report(body, repeats=1, calls_per_repeat=0)

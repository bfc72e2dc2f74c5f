"""networkx: shortest paths, betweenness and clustering on a random graph of 300 nodes (pure Python)."""
import sys
import time
from _site import add_site_packages

add_site_packages()
try:
    import networkx
except ImportError:
    print('{"skip": "networkx is not importable by this Python"}')
    sys.exit(0)

graph = networkx.gnm_random_graph(300, 1200, seed=7)


def body():
    dict(networkx.all_pairs_shortest_path_length(graph, cutoff=3))
    networkx.betweenness_centrality(graph, k=40, seed=1)
    networkx.clustering(graph)


# One pass; bench/run.py counts the calls under body() for the per-call figures.
start = time.perf_counter()
body()
elapsed = time.perf_counter() - start
print('{"seconds": %f, "first": %f, "calls": 0}' % (elapsed, elapsed))

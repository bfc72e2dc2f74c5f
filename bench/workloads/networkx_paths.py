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
start = time.perf_counter()
lengths = dict(networkx.all_pairs_shortest_path_length(graph, cutoff=3))
central = networkx.betweenness_centrality(graph, k=40, seed=1)
clustering = networkx.clustering(graph)
elapsed = time.perf_counter() - start
print('{"seconds": %f, "first": %f, "calls": 0}' % (elapsed, elapsed))

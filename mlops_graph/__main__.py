from mlops_graph.cli import run

run()

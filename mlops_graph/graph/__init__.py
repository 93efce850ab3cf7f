"""RDF: namespaces, IRIs, the mapping from the model to triples, consensus, and the graph the page draws
(plain dicts; ``to_networkx`` gives it as networkx for analysis)."""

"""RDF: namespaces, IRIs, the mapping from the model to triples, and the networkx view."""

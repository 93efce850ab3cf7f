"""Triple stores: the embedded Oxigraph store, and pushes to a server over the Graph Store protocol."""

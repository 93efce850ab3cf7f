"""Named SPARQL queries and result formats."""

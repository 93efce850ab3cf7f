"""Namespaces used in the output, and the prefixes written in Turtle files."""

from __future__ import annotations

from typing import Final

MG: Final = "https://w3id.org/mlops-graph/ns#"
MGV: Final = "https://w3id.org/mlops-graph/vocab/"
RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS: Final = "http://www.w3.org/2000/01/rdf-schema#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
SKOS: Final = "http://www.w3.org/2004/02/skos/core#"
PROV: Final = "http://www.w3.org/ns/prov#"
DCTERMS: Final = "http://purl.org/dc/terms/"
SCHEMA: Final = "https://schema.org/"
OA: Final = "http://www.w3.org/ns/oa#"
OWL: Final = "http://www.w3.org/2002/07/owl#"


def prefixes(base_iri: str) -> dict[str, str]:
    """Prefix → namespace, for serialisation. Instance IRIs are written in full."""
    return {
        "mg": MG, "mgv": MGV, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "skos": SKOS, "prov": PROV,
        "dcterms": DCTERMS, "schema": SCHEMA, "oa": OA, "owl": OWL,
    }


def sparql_prologue(base_iri: str) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes(base_iri).items())

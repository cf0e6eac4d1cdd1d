"""RDF for kg: the ontology's namespace and IRIs, export (Turtle, N-Triples, JSON-LD), read-only
SPARQL with named queries, result formatting and SHACL validation.

Importing this package loads no file: the ontology, shapes and named queries are read on first use.
"""

from kg.rdf.export import write_rdf
from kg.rdf.formats import RDF_FORMATS, rdf_format, rdf_format_of
from kg.rdf.mapping import iter_triples, to_rdf
from kg.rdf.namespace import ID_BASE, KG, claim_iri, entity_iri, node_iri, paper_iri
from kg.rdf.output import OutputFormat, format_result
from kg.rdf.query import (
    NamedQuery,
    QueryResult,
    get_named,
    list_named,
    load_store,
    run_named,
    run_query,
)
from kg.rdf.read import load_graph
from kg.rdf.shacl import validate

__all__ = [
    "ID_BASE",
    "KG",
    "RDF_FORMATS",
    "NamedQuery",
    "OutputFormat",
    "QueryResult",
    "claim_iri",
    "entity_iri",
    "format_result",
    "get_named",
    "iter_triples",
    "list_named",
    "load_graph",
    "load_store",
    "node_iri",
    "paper_iri",
    "rdf_format",
    "rdf_format_of",
    "run_named",
    "run_query",
    "to_rdf",
    "validate",
    "write_rdf",
]

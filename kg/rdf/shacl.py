"""Check an RDF export against ontology/shapes.ttl with pySHACL (for `kg validate`).

The function is re-exported as `kg.rdf.validate`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources

import networkx as nx
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg.rdf.mapping import new_graph, to_rdf
from kg.rdf.read import load_graph


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """The SHACL shapes of ontology/shapes.ttl (parsed once)."""
    return Graph().parse(data=resources.files("kg.ontology").joinpath("shapes.ttl").read_text("utf-8"),
                         format="turtle")


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """The ontology of ontology/kg.ttl (parsed once)."""
    return Graph().parse(data=resources.files("kg.ontology").joinpath("kg.ttl").read_text("utf-8"),
                         format="turtle")


def _name(graph: Graph, node: Node | None, report: Graph | None = None) -> str:
    if node is None:
        return "-"
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # pragma: no cover - normalizeUri falls back to <iri> itself
            return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3(graph.namespace_manager)
    if isinstance(node, BNode) and report is not None:
        inverse = report.value(node, SH.inversePath)
        if inverse is not None:
            return "^" + _name(graph, inverse, report)
    return str(node)


def validate(source: Graph | nx.MultiDiGraph | str | os.PathLike[str]) -> list[str]:
    """The SHACL violations of a kg graph, one line each: "focus node: path: message (value ...)".

    `source` is an rdflib graph, a kg NetworkX graph (exported first) or an RDF file. An empty list
    means the graph conforms. Lines are sorted, so the output is stable.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("claim:p:abstract:0-3", kind="Claim", label="92%", claim_kind="score")
    >>> for line in validate(g): print(line)
    claim:89005c53cab0a671: ^kg:reports: every claim is reported by a paper
    claim:89005c53cab0a671: kg:value: a claim has exactly one kg:value (an xsd:double)
    claim:89005c53cab0a671: prov:wasDerivedFrom: a claim is derived from exactly one kg:Paper
    """
    import pyshacl

    if isinstance(source, Graph):
        data = source
    elif isinstance(source, nx.Graph):
        data = to_rdf(source)
    else:
        data = load_graph(source)
    from kg.rdf.offline import offline

    names = new_graph()  # for compact names of the focus nodes and paths
    with offline():  # pySHACL follows no owl:imports (do_owl_imports=False) and fetches nothing
        _, results, _ = pyshacl.validate(
            data,
            shacl_graph=shapes_graph(),
            ont_graph=ontology_graph(),
            inference="none",
            abort_on_first=False,
            allow_warnings=False,
            advanced=False,
            do_owl_imports=False,
        )
    lines: set[str] = set()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = _name(names, results.value(result, SH.focusNode))
        path_node = results.value(result, SH.resultPath)
        path = _name(names, path_node, results) if path_node is not None else "-"
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        component = results.value(result, SH.sourceConstraintComponent)
        message = "; ".join(messages) or "violates " + _name(names, component)
        value = results.value(result, SH.value)
        detail = f" (value {_name(names, value)})" if isinstance(value, Literal) else ""
        if isinstance(value, URIRef) and str(value) != str(results.value(result, SH.focusNode)):
            detail = f" (value {_name(names, value)})"
        lines.add(f"{focus}: {path}: {message}{detail}")
    return sorted(lines)

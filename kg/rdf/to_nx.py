"""Turn an RDF graph written by `kg.rdf.mapping` back into kg's NetworkX graph.

The inverse of `kg.rdf.mapping.iter_triples`, up to what RDF does not keep: the order of authors and
aliases (sorted here), an alias equal to the canonical label (not exported), and evidence items
that the export merged (one per span and extractor). Node ids come back exactly: papers from their
`dcterms:identifier` ("paper:<id>"), entities from theirs, claims from the paper, field and span
(checked against the claim's IRI, which is a hash of that id). This is what lets `kg view` draw a
graph from a `graph.ttl` alone.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from kg.errors import GraphError
from kg.rdf.namespace import KG, claim_iri
from kg.schema import ENTITY_KINDS, RELATIONS, claim_node, paper_id_of, paper_node

_ENTITY_KINDS: dict[URIRef, str] = {KG[kind]: kind for kind in ENTITY_KINDS}
_RELATION_OF_IRI: dict[URIRef, str] = {KG[r]: r for r in RELATIONS}


def _py(term: Node | None) -> Any:
    """The Python value of a literal: int for xsd:integer, float for xsd:double, else the lexical form."""
    if term is None:
        return None
    if isinstance(term, Literal):
        try:
            if term.datatype == XSD.integer:
                return int(str(term))
            if term.datatype == XSD.double:
                return float(str(term))
        except ValueError:
            return str(term)
    return str(term)


def _text(term: Node | None) -> str | None:
    return None if term is None else str(term)


def _one(rdf: Graph, subject: Node, predicate: URIRef) -> Node | None:
    """One object of (subject, predicate), the smallest when there are several (deterministic)."""
    objects = list(rdf.objects(subject, predicate))
    if not objects:
        return None
    return min(objects, key=str)


def from_rdf(rdf: Graph) -> nx.MultiDiGraph:
    """The kg NetworkX graph held by an RDF graph in kg's ontology (what `kg build` exports).

    Raises GraphError when the RDF holds no paper, entity or claim at all (not a kg graph).

    >>> import networkx as nx
    >>> from kg.rdf.mapping import to_rdf
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("paper:p1", kind="Paper", paper_id="p1", title="On BERT")
    >>> g.add_node("method/bert", kind="Method", label="BERT", aliases=["bert-base"], paper_count=1)
    >>> g.add_edge("paper:p1", "method/bert", key="uses", relation="uses", evidence=[])
    'uses'
    >>> back = from_rdf(to_rdf(g))
    >>> sorted(back.nodes), back.nodes["method/bert"]["aliases"], list(back.edges(keys=True))
    (['method/bert', 'paper:p1'], ['bert-base'], [('paper:p1', 'method/bert', 'uses')])
    """
    graph = nx.MultiDiGraph()
    node_of: dict[Node, str] = {}
    for iri in sorted(rdf.subjects(RDF.type, KG.Paper), key=str):
        paper_id = _text(_one(rdf, iri, DCTERMS.identifier)) or str(iri).rsplit("/", 1)[-1]
        node = paper_node(paper_id)
        node_of[iri] = node
        title = _text(_one(rdf, iri, DCTERMS.title)) or ""
        year = _py(_one(rdf, iri, KG.year))
        graph.add_node(node, kind="Paper", label=title or paper_id, paper_id=paper_id, title=title,
                       abstract=_text(_one(rdf, iri, DCTERMS.abstract)) or "",
                       date=_text(_one(rdf, iri, DCTERMS.date)), year=year if isinstance(year, int) else None,
                       authors=sorted(str(a) for a in rdf.objects(iri, DCTERMS.creator)),
                       source=_text(_one(rdf, iri, DCTERMS.source)) or "", url=_text(_one(rdf, iri, KG.url)))
    for cls, kind in _ENTITY_KINDS.items():
        for iri in sorted(rdf.subjects(RDF.type, cls), key=str):
            node = _text(_one(rdf, iri, DCTERMS.identifier)) or str(iri)
            node_of[iri] = node
            label = _text(_one(rdf, iri, SKOS.prefLabel)) or node
            count = _py(_one(rdf, iri, KG.paperCount))
            aliases = sorted(str(a) for a in rdf.objects(iri, SKOS.altLabel))
            graph.add_node(node, kind=kind, label=label, aliases=aliases,
                           paper_count=count if isinstance(count, int) else 0, kb_id=_text(_one(rdf, iri, KG.kbId)))
    for iri in sorted(rdf.subjects(RDF.type, KG.Claim), key=str):
        source = _one(rdf, iri, PROV.wasDerivedFrom)
        source_node = node_of.get(source) if source is not None else None
        owner = paper_id_of(source_node) if source_node else None
        field, start, end = _text(_one(rdf, iri, KG.field)), _py(_one(rdf, iri, KG.start)), _py(_one(rdf, iri, KG.end))
        node = claim_node(owner, str(field), start, end) if owner is not None else ""
        if owner is None or claim_iri(node) != iri:
            node = str(iri)
        node_of[iri] = node
        label = _text(_one(rdf, iri, RDFS.label)) or ""
        value, high = _py(_one(rdf, iri, KG.value)), _py(_one(rdf, iri, KG.high))
        graph.add_node(node, kind="Claim", label=label, text=label,
                       value=float(value) if isinstance(value, int | float) else None,
                       high=float(high) if isinstance(high, int | float) else None,
                       unit=_text(_one(rdf, iri, KG.unit)), claim_kind=_text(_one(rdf, iri, KG.claimKind)),
                       sentence=_text(_one(rdf, iri, KG.sentence)) or "", paper_id=owner, field=field,
                       start=start, end=end)
    if not node_of and len(rdf) > 0:
        raise GraphError("the RDF holds no kg:Paper, entity or kg:Claim; is it a graph that kg build wrote?")
    evidence: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for mention in rdf.subjects(RDF.type, KG.Mention):
        subject, predicate, target = (_one(rdf, mention, p) for p in (KG.subject, KG.relation, KG.refersTo))
        if subject not in node_of or target not in node_of or not isinstance(predicate, URIRef) \
                or predicate not in _RELATION_OF_IRI:
            continue
        paper = _one(rdf, mention, PROV.wasDerivedFrom)
        paper_source = node_of.get(paper) if paper is not None else None
        confidence = _py(_one(rdf, mention, KG.confidence))
        evidence[(node_of[subject], _RELATION_OF_IRI[predicate], node_of[target])].append({
            "paper": (paper_id_of(paper_source) if paper_source else None) or _text(paper),
            "field": _text(_one(rdf, mention, KG.field)),
            "start": _py(_one(rdf, mention, KG.start)),
            "end": _py(_one(rdf, mention, KG.end)),
            "text": _text(_one(rdf, mention, KG.text)),
            "extractor": _text(_one(rdf, mention, KG.extractor)),
            "confidence": float(confidence) if isinstance(confidence, int | float) else None,
        })
    for predicate, relation in _RELATION_OF_IRI.items():
        for s, o in sorted(rdf.subject_objects(predicate), key=lambda so: (str(so[0]), str(so[1]))):
            if s not in node_of or o not in node_of:
                continue
            u, v = node_of[s], node_of[o]
            items = sorted(evidence.get((u, relation, v), []),
                           key=lambda e: (str(e["paper"]), str(e["field"]), repr(e["start"]), repr(e["end"]),
                                          str(e["extractor"])))
            graph.add_edge(u, v, key=relation, relation=relation, evidence=items)
    return graph

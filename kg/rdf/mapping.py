"""The RDF form of the NetworkX graph of kg/graph.py: the mapping, one subject at a time, its terms
rendered as text by `kg.rdf.terms` (written to files by `kg.rdf.export`).

The mapping (ontology/kg.ttl documents every term):

* a Paper node becomes a `kg:Paper` with Dublin Core terms (identifier, title, abstract, date,
  creator, source) and `kg:year`, `kg:url`;
* a Method/Dataset/Metric/Task node becomes a `kg:Method` ... with `skos:prefLabel` (canonical
  name), `skos:altLabel` (aliases), `dcterms:identifier` (entity id), `kg:paperCount`, `kg:kbId`;
* a Claim node becomes a `kg:Claim` with `kg:value`, `kg:high`, `kg:unit`, `kg:claimKind`,
  `kg:sentence`, `rdfs:label` (the number as written) and its span (`prov:wasDerivedFrom` the
  paper, `kg:field`, `kg:start`, `kg:end`);
* an edge becomes one triple `<subject> kg:<relation> <object>`, and each item of its evidence a
  `kg:Mention` that supports it (`kg:subject`, `kg:relation`, `kg:refersTo`), with the span, the
  extractor and the confidence.

Literals are typed: xsd:double for values and confidences, xsd:integer for offsets, counts and
years, xsd:date for valid ISO dates (other dates stay plain strings); strings carry no language tag.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import networkx as nx
from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from kg.errors import GraphError
from kg.rdf.namespace import ID_BASE, PREFIXES, claim_iri_str, entity_iri_str, mention_iri_str, paper_iri_str
from kg.rdf.terms import _NT, NtTriple, _quoted, _Terms, rdflib_term
from kg.schema import NODE_KINDS, RELATIONS, paper_id_of

Triple = tuple[URIRef | BNode, URIRef, Node]


def new_graph() -> Graph:
    """An empty rdflib graph with the kg prefixes bound (what exports and `load_graph` fill)."""
    graph = Graph(bind_namespaces="core")
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    for kind in ("method", "dataset", "metric", "task"):
        graph.bind(f"new-{kind}", f"{ID_BASE}new/{kind}/")
    return graph



Pairs = list[tuple[str, str]]
"""The (predicate, object) pairs of one subject, in the order written."""


Block = tuple[str, Pairs]
"""One subject of the mapping and what is said of it."""


def _node_iri(node: str, kind: str, terms: _Terms) -> str:
    if kind == "Paper":
        return terms.iri(paper_iri_str(paper_id_of(node) or node))
    if kind == "Claim":
        return terms.iri(claim_iri_str(node))
    return terms.iri(entity_iri_str(node))


def _paper_pairs(node: str, attrs: Mapping[str, Any], t: _Terms) -> Pairs:
    paper_id = attrs.get("paper_id")
    if paper_id is None:
        paper_id = paper_id_of(node) or node
    pairs = [(t.type, t.paper), (t.identifier, t.string(paper_id))]
    if attrs.get("title"):
        pairs.append((t.title, t.string(attrs["title"])))
    if attrs.get("abstract"):
        pairs.append((t.abstract, t.string(attrs["abstract"])))
    if attrs.get("date"):
        pairs.append((t.date_predicate, t.date(attrs["date"])))
    if attrs.get("year") is not None:
        pairs.append((t.kg["year"], t.integer(attrs["year"])))
    for author in dict.fromkeys(str(a) for a in attrs.get("authors") or ()):
        pairs.append((t.creator, t.string(author)))
    if attrs.get("source"):
        pairs.append((t.source, t.string(attrs["source"])))
    if attrs.get("url"):
        pairs.append((t.kg["url"], t.any_uri(attrs["url"])))
    return pairs


def _entity_pairs(node: str, kind: str, attrs: Mapping[str, Any], t: _Terms) -> Pairs:
    label = str(attrs.get("label") or node)
    pairs = [(t.type, t.classes[kind]), (t.pref_label, t.string(label))]
    for alias in dict.fromkeys(str(a) for a in attrs.get("aliases") or ()):
        if alias != label:
            pairs.append((t.alt_label, t.string(alias)))
    pairs.append((t.identifier, t.string(node)))
    pairs.append((t.kg["paperCount"], t.integer(attrs.get("paper_count") or 0)))
    if attrs.get("kb_id"):
        pairs.append((t.kg["kbId"], t.string(attrs["kb_id"])))
    return pairs


def _claim_pairs(attrs: Mapping[str, Any], context: _Context) -> Pairs:
    t = context.terms
    pairs = [(t.type, t.claim)]
    label = attrs.get("label") or attrs.get("text")
    if label:
        pairs.append((t.label, t.string(label)))
    if attrs.get("value") is not None:
        pairs.append((t.kg["value"], t.double(attrs["value"])))
    if attrs.get("high") is not None:
        pairs.append((t.kg["high"], t.double(attrs["high"])))
    if attrs.get("unit"):
        pairs.append((t.kg["unit"], t.string(attrs["unit"])))
    if attrs.get("claim_kind"):
        pairs.append((t.kg["claimKind"], t.string(attrs["claim_kind"])))
    if attrs.get("sentence"):
        pairs.append((t.kg["sentence"], t.string(attrs["sentence"])))
    if attrs.get("paper_id") is not None:
        pairs.append((t.derived, context.paper(str(attrs["paper_id"]))))
    if attrs.get("field"):
        pairs.append((t.kg["field"], t.string(attrs["field"])))
    if attrs.get("start") is not None:
        pairs.append((t.kg["start"], t.integer(attrs["start"])))
    if attrs.get("end") is not None:
        pairs.append((t.kg["end"], t.integer(attrs["end"])))
    return pairs


class _Context:
    """What the mapping of one graph renders once and reuses, in the syntax of `terms`: the IRIs of
    papers, and the literals that repeat in every mention (fields, extractors, confidences)."""

    def __init__(self, terms: _Terms) -> None:
        self.terms = terms
        self._papers: dict[str, str] = {}
        self._literals: dict[str, str] = {}
        self._doubles: dict[float, str] = {}
        self._mention_base = f"{ID_BASE}mention/"
        # a mention IRI ends in a hex digest, written between what the syntax puts around any local part
        sample = terms.iri(self._mention_base + "0")
        cut = sample.rindex("0")
        self._mention_wrap = (sample[:cut], sample[cut + 1:])

    def paper(self, paper_id: str) -> str:
        """The IRI of a paper."""
        iri = self._papers.get(paper_id)
        if iri is None:
            iri = self._papers[paper_id] = self.terms.iri(paper_iri_str(paper_id))
        return iri

    def literal(self, text: str) -> str:
        """A plain literal of a short text that repeats (a field or extractor name)."""
        term = self._literals.get(text)
        if term is None:
            term = self._literals[text] = _quoted(text)
        return term

    def confidence(self, value: Any) -> str:
        """An xsd:double literal of a value that repeats (a confidence)."""
        term = self._doubles.get(value)
        if term is None:
            term = self._doubles[value] = self.terms.double(value)
        return term

    def mention(self, iri: str) -> str:
        """A mention's IRI (`mention_iri_str`)."""
        local = iri[len(self._mention_base):]
        if iri.startswith(self._mention_base) and local.isalnum() and local.isascii():
            return self._mention_wrap[0] + local + self._mention_wrap[1]
        return self.terms.iri(iri)


_EvidenceKey = tuple[str, str, int, int, str]
"""What makes an evidence item one mention: paper, field, start, end, extractor."""


def _evidence_items(evidence: Iterable[Mapping[str, Any]]) -> list[tuple[_EvidenceKey, Mapping[str, Any]]]:
    """The evidence of one edge with their keys, one item per key: the most confident one when the
    same span was recorded twice."""
    if isinstance(evidence, list) and len(evidence) == 1:  # most edges: nothing to choose from
        return [(_evidence_key(evidence[0]), evidence[0])]
    best: dict[_EvidenceKey, Mapping[str, Any]] = {}
    for item in evidence:
        key = _evidence_key(item)
        seen = best.get(key)
        if seen is None or float(item.get("confidence") or 0.0) > float(seen.get("confidence") or 0.0):
            best[key] = item
    return list(best.items())


def _evidence_key(item: Mapping[str, Any]) -> _EvidenceKey:
    """The key of an evidence item (KeyError, TypeError or ValueError when it is malformed)."""
    return (str(item["paper"]), str(item["field"]), int(item["start"]), int(item["end"]),
            str(item.get("extractor") or ""))


def _mention_block(edge: tuple[str, str, str], tail: Pairs, key: _EvidenceKey, item: Mapping[str, Any],
                   context: _Context) -> Block:
    """The mention that supports an edge: `edge` gives its node ids and relation, `tail` the pairs
    that tie the mention to the edge's triple, `key` and `item` the evidence."""
    t = context.terms
    paper, field, start, end, extractor = key
    text, confidence = item.get("text"), item.get("confidence")
    iri = context.mention(mention_iri_str(edge[0], edge[1], edge[2], paper, field, start, end, extractor))
    kg = t.kg
    pairs = [(t.type, t.mention), (t.derived, context.paper(paper)), (kg["field"], context.literal(field)),
             (kg["start"], t.integer(start)), (kg["end"], t.integer(end))]
    if text is not None:
        pairs.append((kg["text"], t.string(text)))
    if extractor:
        pairs.append((kg["extractor"], context.literal(extractor)))
    if confidence is not None:
        pairs.append((kg["confidence"], context.confidence(confidence)))
    pairs += tail
    return iri, pairs


def _edge_blocks(u: Any, edges: Mapping[Any, Mapping[str, Mapping[str, Any]]], pairs: Pairs,
                 iris: Mapping[Any, str], context: _Context) -> list[Block]:
    """Adds a pair to `pairs` (the node's own) for each out-edge of `u` (`edges`: its adjacency,
    target -> key -> attributes); returns the blocks of the mentions that support those edges."""
    t = context.terms
    kg = t.kg
    mentions: list[Block] = []
    for v, keyed in edges.items():
        for key, attrs in keyed.items():
            relation = str(attrs.get("relation") or key)
            if relation not in RELATIONS:
                raise GraphError(
                    f"edge '{u}' -> '{v}' has relation '{relation}'; expected one of {', '.join(RELATIONS)}"
                )
            subject, verb, obj = iris[u], t.relations[relation], iris[v]
            pairs.append((verb, obj))
            try:
                items = _evidence_items(attrs.get("evidence") or ())
            except (KeyError, TypeError, ValueError) as exc:
                raise GraphError(
                    f"edge '{u}' -{relation}-> '{v}' has evidence without paper, field, start and end ({exc})"
                ) from exc
            edge = (str(u), relation, str(v))
            tail = [(kg["subject"], subject), (kg["relation"], verb), (kg["refersTo"], obj)]
            mentions.extend(_mention_block(edge, tail, evidence_key, item, context) for evidence_key, item in items)
    return mentions


NodeItem = tuple[Any, Mapping[str, Any], Mapping[Any, Mapping[Any, Mapping[str, Any]]]]
"""A node of a kg graph, its attributes and its out-edges (target -> key -> attributes)."""


def _nodes(graph: nx.MultiDiGraph) -> tuple[Iterable[tuple[Any, Any]], Iterator[NodeItem]]:
    """Every node with its kind, and every node with its attributes and out-edges, in graph order."""
    adjacency = dict(graph.adjacency())  # plain dicts, cheaper to walk than networkx's views
    return graph.nodes(data="kind"), ((node, attrs, adjacency[node]) for node, attrs in graph.nodes(data=True))


def _blocks(kinds: Iterable[tuple[Any, Any]], nodes: Iterable[NodeItem], terms: _Terms) -> Iterator[Block]:
    """The mapping, one subject at a time in the syntax of `terms`: each node with its attributes
    and outgoing edges, then the mentions of those edges. `kinds` lists every node with its kind,
    `nodes` then gives each with its attributes and out-edges. Raises GraphError for a node of
    unknown kind (before anything is yielded), an edge of unknown relation, or evidence without
    paper, field, start and end."""
    iris: dict[Any, str] = {}
    context = _Context(terms)
    for node, kind in kinds:
        name = str(node)
        if kind not in NODE_KINDS:
            raise GraphError(f"node '{name}' has kind {kind!r}; expected one of {', '.join(NODE_KINDS)}")
        iris[node] = _node_iri(name, kind, terms)
    for node, attrs, edges in nodes:
        kind, name = attrs["kind"], str(node)
        if kind == "Paper":
            pairs = _paper_pairs(name, attrs, terms)
        elif kind == "Claim":
            pairs = _claim_pairs(attrs, context)
        else:
            pairs = _entity_pairs(name, kind, attrs, terms)
        mentions = _edge_blocks(node, edges, pairs, iris, context)
        yield iris[node], pairs
        yield from mentions


def _triples(blocks: Iterable[Block]) -> Iterator[NtTriple]:
    for subject, pairs in blocks:
        for predicate, obj in pairs:
            yield subject, predicate, obj


def iter_nt_triples(graph: nx.MultiDiGraph) -> Iterator[NtTriple]:
    """Every triple of the RDF form of `graph`, its terms in N-Triples syntax, grouped by subject:
    each node's attributes and outgoing edges, then the mentions of those edges.

    This is the mapping itself; `write_rdf` streams it into files without building any rdflib term.
    Raises GraphError for a node of unknown kind, an edge of unknown relation, or evidence without
    paper, field, start and end.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("method/bert", kind="Method", label="BERT", aliases=[], paper_count=1)
    >>> for triple in iter_nt_triples(g):
    ...     print(*(term.replace("https://w3id.org/kg-ml/", "") for term in triple))
    <id/method/bert> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <ontology#Method>
    <id/method/bert> <http://www.w3.org/2004/02/skos/core#prefLabel> "BERT"
    <id/method/bert> <http://purl.org/dc/terms/identifier> "method/bert"
    <id/method/bert> <ontology#paperCount> "1"^^<http://www.w3.org/2001/XMLSchema#integer>
    """
    return _triples(_blocks(*_nodes(graph), _NT))


def iter_triples(graph: nx.MultiDiGraph) -> Iterator[Triple]:
    """The triples of `iter_nt_triples` as rdflib terms.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("method/bert", kind="Method", label="BERT", aliases=[], paper_count=1)
    >>> sorted(str(p).split("#")[-1].split("/")[-1] for _, p, _ in iter_triples(g))
    ['identifier', 'paperCount', 'prefLabel', 'type']
    """
    cache: dict[str, Node] = {}
    for triple in iter_nt_triples(graph):
        terms = []
        for term in triple:
            node = cache.get(term)
            if node is None:
                node = rdflib_term(term)
                if term.startswith("<"):
                    cache[term] = node
            terms.append(node)
        yield terms[0], terms[1], terms[2]  # type: ignore[misc]


def to_rdf(graph: nx.MultiDiGraph) -> Graph:
    """The RDF form of the kg graph as an rdflib graph with the kg prefixes bound.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("paper:p1", kind="Paper", paper_id="p1", title="On BERT")
    >>> from rdflib.namespace import DCTERMS
    >>> from kg.rdf.namespace import paper_iri
    >>> rdf = to_rdf(g)
    >>> print(rdf.value(paper_iri("p1"), DCTERMS.title))
    On BERT
    """
    rdf = new_graph()
    for triple in iter_triples(graph):
        rdf.add(triple)
    return rdf


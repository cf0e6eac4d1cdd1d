"""Turn the NetworkX graph of kg/graph.py into RDF, write it to files and read it back.

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

import datetime as _dt
import enum
import json
import math
import os
import pickle
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, cast

import networkx as nx
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.atomic import atomic_write
from kg.errors import FormatError, GraphError, InputError
from kg.rdf.namespace import (
    DCTERMS,
    ID_BASE,
    KG,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SKOS,
    XSD,
    claim_iri_str,
    entity_iri_str,
    mention_iri_str,
    paper_iri_str,
)
from kg.schema import NODE_KINDS, RELATIONS, paper_id_of

Triple = tuple[URIRef | BNode, URIRef, Node]

ENTITY_CLASSES: dict[str, URIRef] = {
    "Method": KG.Method,
    "Dataset": KG.Dataset,
    "Metric": KG.Metric,
    "Task": KG.Task,
}

JSONLD_CONTEXT: dict[str, str] = {
    name: iri for name, iri in PREFIXES.items() if name in {"kg", "dcterms", "skos", "prov", "rdfs", "xsd"}
}
"""The @context of JSON-LD exports: the vocabulary prefixes (resource IRIs stay absolute)."""


class RdfFormat(enum.Enum):
    """The RDF serializations kg writes and reads; the value is the usual file extension.

    >>> RdfFormat.parse("nt")
    <RdfFormat.NTRIPLES: 'nt'>
    >>> RdfFormat.parse("xml")
    Traceback (most recent call last):
    ...
    kg.errors.FormatError: unknown RDF format 'xml'; use ttl, nt, jsonld
    """

    TURTLE = "ttl"
    NTRIPLES = "nt"
    JSONLD = "jsonld"

    @classmethod
    def parse(cls, name: str | RdfFormat) -> RdfFormat:
        """The format called `name` ("ttl", "nt", "jsonld", or a long name such as "turtle")."""
        if isinstance(name, RdfFormat):
            return name
        key = str(name).strip().lower().lstrip(".")
        fmt = _FORMAT_NAMES.get(key)
        if fmt is None:
            raise FormatError(f"unknown RDF format '{name}'; use ttl, nt, jsonld")
        return fmt

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> RdfFormat:
        """The format of a file, from its extension.

        >>> RdfFormat.from_path("out/graph.ttl")
        <RdfFormat.TURTLE: 'ttl'>
        """
        suffix = Path(path).suffix.lower().lstrip(".")
        fmt = _FORMAT_NAMES.get(suffix)
        if fmt is None:
            raise FormatError(
                f"{path}: cannot tell the RDF format from the extension '{Path(path).suffix}'; "
                "use a .ttl, .nt or .jsonld file"
            )
        return fmt

    @property
    def oxigraph(self) -> Any:
        """The same format as a `pyoxigraph.RdfFormat` (pyoxigraph is imported on first use)."""
        import pyoxigraph

        return {
            RdfFormat.TURTLE: pyoxigraph.RdfFormat.TURTLE,
            RdfFormat.NTRIPLES: pyoxigraph.RdfFormat.N_TRIPLES,
            RdfFormat.JSONLD: pyoxigraph.RdfFormat.JSON_LD,
        }[self]


    @property
    def rdflib_name(self) -> str:
        """The name of rdflib's parser and serializer plugin for the format."""
        return {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}[self.value]

    @property
    def label(self) -> str:
        """The format's name for messages ("Turtle", "N-Triples", "JSON-LD")."""
        return {"ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD"}[self.value]


def existing_rdf_file(path: str | os.PathLike[str]) -> Path:
    """`path` as a Path, or an InputError when it is missing or a directory."""
    source = Path(path)
    if not source.exists():
        raise InputError("no such file", source=str(path))
    if source.is_dir():
        raise InputError("is a directory, not an RDF file", source=str(path))
    return source


_FORMAT_NAMES: dict[str, RdfFormat] = {
    "ttl": RdfFormat.TURTLE,
    "turtle": RdfFormat.TURTLE,
    "nt": RdfFormat.NTRIPLES,
    "ntriples": RdfFormat.NTRIPLES,
    "n-triples": RdfFormat.NTRIPLES,
    "jsonld": RdfFormat.JSONLD,
    "json-ld": RdfFormat.JSONLD,
}


# --- terms ---------------------------------------------------------------------------------------
# The mapping renders every term once, straight into N-Triples syntax ("<iri>", "\"text\"",
# "\"5\"^^<...#integer>"): building rdflib terms for millions of triples took most of a large build's
# time. `iter_triples` turns these strings into rdflib terms for callers that want them.

NtTriple = tuple[str, str, str]
"""A triple whose terms are in N-Triples syntax."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NT_SPECIAL = re.compile('[\\\\"\x00-\x1f\x7f]')
_NEEDS_WORK = re.compile('[\\\\"\x00-\x1f\x7f\ud800-\udfff]')


def _clean(text: str) -> str:
    # Lone surrogates (possible in strings decoded from JSON "\ud800") cannot be written as UTF-8.
    return _SURROGATE.sub("\ufffd", text)


def _nt_escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NT_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def _quoted(text: str) -> str:
    if _NEEDS_WORK.search(text):
        text = _NT_SPECIAL.sub(_nt_escape_char, _clean(text))
    return f'"{text}"'


def _ref(iri: str | URIRef) -> str:
    return f"<{iri}>"


_XSD_INTEGER = f"^^<{XSD.integer}>"
_XSD_DOUBLE = f"^^<{XSD.double}>"
_XSD_DATE = f"^^<{XSD.date}>"
_XSD_ANYURI = f"^^<{XSD.anyURI}>"
_XSD_STRING_IRI = str(XSD.string)


def _string(value: Any) -> str:
    return _quoted(str(value))


def _integer(value: Any) -> str:
    return f'"{int(value)}"{_XSD_INTEGER}'


def double_lexical(value: float) -> str:
    """The xsd:double lexical form kg writes: Python's shortest repr, INF, -INF or NaN.

    >>> double_lexical(92.3), double_lexical(7e9), double_lexical(float("inf"))
    ('92.3', '7000000000.0', 'INF')
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    return repr(float(value))


def _double(value: Any) -> str:
    return f'"{double_lexical(float(value))}"{_XSD_DOUBLE}'


def _date(value: Any) -> str:
    text = str(value)
    if _ISO_DATE.fullmatch(text):
        try:
            _dt.date.fromisoformat(text)
        except ValueError:
            return _string(text)
        return f'"{text}"{_XSD_DATE}'
    return _string(text)


def nt_term(term: Node) -> str:
    """One rdflib term in canonical N-Triples syntax.

    >>> nt_term(Literal('say "hi"\\n'))
    '"say \\\\"hi\\\\"\\\\n"'
    >>> nt_term(Literal("3", datatype=XSD.integer))
    '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    if isinstance(term, Literal):
        text = _quoted(str(term))
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^<{term.datatype}>"
        return text
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, URIRef):
        return f"<{term}>"
    raise GraphError(f"cannot write {term!r} as N-Triples")


def _split_literal(term: str) -> tuple[str, str, str]:
    """(quoted lexical form, language, datatype IRI) of a literal in N-Triples syntax."""
    if term.endswith(">"):
        cut = term.rindex('"^^<')
        return term[:cut + 1], "", term[cut + 4:-1]
    cut = term.rindex('"')
    rest = term[cut + 1:]
    return term[:cut + 1], rest[1:] if rest.startswith("@") else "", ""


def _unquote(quoted: str) -> str:
    if "\\" not in quoted:
        return quoted[1:-1]
    # kg writes only the escapes JSON also has (\" \\ \n \r \t \b \f \uXXXX)
    value: str = json.loads(quoted)
    return value


def rdflib_term(term: str) -> Node:
    """The rdflib term of a term in N-Triples syntax (as `nt_term` and the mapping write them).

    >>> rdflib_term('"92.3"^^<http://www.w3.org/2001/XMLSchema#double>')
    rdflib.term.Literal('92.3', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#double'))
    >>> rdflib_term("<http://x/a>")
    rdflib.term.URIRef('http://x/a')
    """
    if term.startswith("<"):
        return URIRef(term[1:-1])
    if term.startswith("_:"):
        return BNode(term[2:])
    quoted, language, datatype = _split_literal(term)
    if language:
        return Literal(_unquote(quoted), lang=language)
    return Literal(_unquote(quoted), datatype=URIRef(datatype) if datatype else None)


# --- the graph -----------------------------------------------------------------------------------


def new_graph() -> Graph:
    """An empty rdflib graph with the kg prefixes bound (what exports and `load_graph` fill)."""
    graph = Graph(bind_namespaces="core")
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    for kind in ("method", "dataset", "metric", "task"):
        graph.bind(f"new-{kind}", f"{ID_BASE}new/{kind}/")
    return graph


# A local part that is a valid Turtle PN_LOCAL (our IRIs only use A-Z a-z 0-9 - . ~ % and "_").
_PN_LOCAL = re.compile(r"(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:[A-Za-z0-9_.-]|%[0-9A-Fa-f]{2})*(?<!\.)")
_NEW_PREFIXES = [(f"new-{kind}", f"{ID_BASE}new/{kind}/") for kind in ("method", "dataset", "metric", "task")]
_TURTLE_PREFIXES: list[tuple[str, str]] = sorted(
    [*PREFIXES.items(), *_NEW_PREFIXES],
    key=lambda item: -len(item[1]),
)
_TURTLE_NAMESPACES: dict[str, str] = {namespace: prefix for prefix, namespace in _TURTLE_PREFIXES}
_JSONLD_NAMESPACES: dict[str, str] = {namespace: prefix for prefix, namespace in JSONLD_CONTEXT.items()}
_INTEGER_LEXICAL = re.compile(r"[+-]?[0-9]+")
_RDF_TYPE = _ref(RDF.type)


def _prefixed(iri: str, namespaces: Mapping[str, str]) -> str:
    """`prefix:local` when the IRI's namespace (up to the last / or #) has a prefix, else `<iri>`."""
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    prefix = namespaces.get(iri[:cut])
    if prefix is not None and _PN_LOCAL.fullmatch(iri[cut:]):
        return f"{prefix}:{iri[cut:]}"
    return f"<{iri}>"


def _turtle_iri(iri: str) -> str:
    return _prefixed(iri, _TURTLE_NAMESPACES)


class _Terms:
    """How the mapping writes terms: in N-Triples syntax, or (`turtle`) as kg's Turtle writer does.

    Turtle differs only in IRIs (prefixed names where the namespace has a prefix), integers (bare)
    and `rdf:type` as a predicate ("a"). Rendering each term straight into the syntax of the file
    spares the Turtle writer from parsing N-Triples terms back, the largest cost of a large build's
    writing.
    """

    def __init__(self, *, turtle: bool) -> None:
        self.iri: Callable[[str], str] = _turtle_iri if turtle else _ref
        self.turtle = turtle
        self._double = self._datatype(XSD.double)
        self._date = self._datatype(XSD.date)
        self._any_uri = self._datatype(XSD.anyURI)
        vocabulary = self.iri
        self.type = "a" if turtle else _ref(RDF.type)
        self.label = vocabulary(RDFS.label)
        self.identifier = vocabulary(DCTERMS.identifier)
        self.title = vocabulary(DCTERMS.title)
        self.abstract = vocabulary(DCTERMS.abstract)
        self.date_predicate = vocabulary(DCTERMS.date)
        self.creator = vocabulary(DCTERMS.creator)
        self.source = vocabulary(DCTERMS.source)
        self.pref_label = vocabulary(SKOS.prefLabel)
        self.alt_label = vocabulary(SKOS.altLabel)
        self.derived = vocabulary(PROV.wasDerivedFrom)
        self.paper = vocabulary(KG.Paper)
        self.claim = vocabulary(KG.Claim)
        self.mention = vocabulary(KG.Mention)
        self.classes = {kind: vocabulary(iri) for kind, iri in ENTITY_CLASSES.items()}
        self.relations = {name: vocabulary(KG[name]) for name in RELATIONS}
        self.kg = {name: vocabulary(KG[name]) for name in (
            "year", "url", "paperCount", "kbId", "value", "high", "unit", "claimKind", "sentence", "field",
            "start", "end", "text", "extractor", "confidence", "subject", "relation", "refersTo")}

    def _datatype(self, iri: str) -> str:
        return "^^" + self.iri(iri)

    def string(self, value: Any) -> str:
        return _quoted(str(value))

    def integer(self, value: Any) -> str:
        return str(int(value)) if self.turtle else f'"{int(value)}"{_XSD_INTEGER}'

    def double(self, value: Any) -> str:
        return f'"{double_lexical(float(value))}"{self._double}'

    def date(self, value: Any) -> str:
        text = str(value)
        if _ISO_DATE.fullmatch(text):
            try:
                _dt.date.fromisoformat(text)
            except ValueError:
                return _quoted(text)
            return f'"{text}"{self._date}'
        return _quoted(text)

    def any_uri(self, value: Any) -> str:
        return _quoted(str(value)) + self._any_uri


_NT = _Terms(turtle=False)
_TURTLE = _Terms(turtle=True)

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
    >>> from kg.rdf.namespace import paper_iri
    >>> rdf = to_rdf(g)
    >>> print(rdf.value(paper_iri("p1"), DCTERMS.title))
    On BERT
    """
    rdf = new_graph()
    for triple in iter_triples(graph):
        rdf.add(triple)
    return rdf


# --- writing -------------------------------------------------------------------------------------

_CHUNK = 1 << 16


class _Buffered:
    """Collects text and writes it to a binary file in large UTF-8 chunks."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        self.out.write("".join(self.parts).encode("utf-8"))
        self.parts.clear()
        self.size = 0


def _write_ntriples(triples: Iterable[NtTriple], out: IO[bytes]) -> None:
    buffer = _Buffered(out)
    for s, p, o in triples:
        buffer.write(f"{s} {p} {o} .\n")
    buffer.flush()


def _write_ntriples_blocks(blocks: Iterable[Block], out: IO[bytes]) -> None:
    """N-Triples of the mapping's blocks: what `_write_ntriples` writes for their triples."""
    buffer = _Buffered(out)
    for s, pairs in blocks:
        buffer.write("".join([f"{s} {p} {o} .\n" for p, o in pairs]))
    buffer.flush()


def _turtle_term(term: str) -> str:
    """A term in N-Triples syntax as Turtle: a prefixed name when the IRI has a kg prefix and a plain
    local part, bare integers, every other literal quoted with its datatype (doubles keep their
    exact lexical form)."""
    if term.startswith("<"):
        return _prefixed(term[1:-1], _TURTLE_NAMESPACES)
    if not term.endswith(">"):
        return term
    if term.endswith(_XSD_INTEGER):
        lexical = term[1:-len(_XSD_INTEGER) - 1]
        if _INTEGER_LEXICAL.fullmatch(lexical):
            return lexical
    quoted, _, datatype = _split_literal(term)
    return f"{quoted}^^{_prefixed(datatype, _TURTLE_NAMESPACES)}"


def turtle_term(term: Node) -> str:
    """One rdflib term in Turtle, as kg's Turtle writer writes it.

    >>> turtle_term(URIRef("https://w3id.org/kg-ml/id/paper/p%201"))
    'paper:p%201'
    >>> turtle_term(Literal("10000001.0", datatype=XSD.double))
    '"10000001.0"^^xsd:double'
    >>> turtle_term(Literal("42", datatype=XSD.integer))
    '42'
    """
    return _turtle_term(nt_term(term))


def _turtle_blocks(triples: Iterable[NtTriple]) -> Iterator[Block]:
    """Triples in N-Triples syntax as Turtle blocks: each run of one subject, its terms in Turtle."""
    # predicates and object IRIs, as many as the graph's nodes; "a" only ever as a predicate
    predicates: dict[str, str] = {_RDF_TYPE: "a"}
    objects: dict[str, str] = {}
    subject: str | None = None
    pairs: Pairs = []
    for s, p, o in triples:
        if s != subject:
            if subject is not None:
                yield _turtle_term(subject), pairs
            subject, pairs = s, []
        obj = o if o.endswith('"') else objects.get(o)  # a plain literal is already Turtle
        if obj is None:
            obj = _turtle_term(o)
            if o.startswith("<"):
                objects[o] = obj
        verb = predicates.get(p)
        if verb is None:
            verb = predicates[p] = _turtle_term(p)
        pairs.append((verb, obj))
    if subject is not None:
        yield _turtle_term(subject), pairs


def _turtle_text(subject: str, pairs: Pairs) -> str:
    """One Turtle block: "subject verb object ;" per predicate, objects of a repeated predicate
    joined by ",", preceded by a blank line and ended by " .".

    >>> print(_turtle_text("ex:a", [("a", "kg:Method"), ("kg:x", "1"), ("kg:x", "2")]), end="")
    <BLANKLINE>
    ex:a a kg:Method ;
        kg:x 1 ,
            2 .
    """
    parts = ["\n", subject]
    last: str | None = None
    for p, o in pairs:
        if p == last:
            parts += (" ,\n        ", o)
        else:
            parts += (" ;\n    " if last is not None else " ", p, " ", o)
            last = p
    parts.append(" .\n")
    return "".join(parts)


def _write_turtle(blocks: Iterable[Block], out: IO[bytes]) -> None:
    """Stream Turtle: one block per run of pairs with the same subject (consecutive blocks of one
    subject are written as one)."""
    buffer = _Buffered(out)
    buffer.write("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(_TURTLE_PREFIXES)))
    subject: str | None = None
    pending: Pairs = []
    for s, pairs in blocks:
        if s == subject:
            pending = pending + pairs
            continue
        if pending:
            buffer.write(_turtle_text(subject or "", pending))
        subject, pending = s, pairs
    if pending:
        buffer.write(_turtle_text(subject or "", pending))
    buffer.flush()


def _jsonld_iri(iri: str) -> str:
    name = _prefixed(iri, _JSONLD_NAMESPACES)
    return name[1:-1] if name.startswith("<") else name


def _jsonld_id(term: str) -> str:
    return term if term.startswith("_:") else term[1:-1]


def _jsonld_value(term: str) -> dict[str, str]:
    if term.startswith(("<", "_:")):
        return {"@id": _jsonld_id(term)}
    quoted, language, datatype = _split_literal(term)
    value = {"@value": _unquote(quoted)}
    if language:
        value["@language"] = language
    elif datatype and datatype != _XSD_STRING_IRI:
        value["@type"] = _jsonld_iri(datatype)
    return value


def _write_jsonld(triples: Iterable[NtTriple], out: IO[bytes]) -> None:
    """Stream JSON-LD: a @context of vocabulary prefixes and one node object per run of triples with
    the same subject. Every literal is a value object with its exact lexical form (no native JSON
    numbers, which JSON-LD processors would rewrite as 9.23E1)."""
    buffer = _Buffered(out)
    buffer.write('{\n"@context": ' + json.dumps(JSONLD_CONTEXT, sort_keys=True) + ',\n"@graph": [')
    subject: str | None = None
    node: dict[str, Any] = {}
    first = True

    def flush() -> None:
        nonlocal first
        if subject is None:
            return
        buffer.write(("\n" if first else ",\n") + json.dumps(node, ensure_ascii=False))
        first = False

    for s, p, o in triples:
        if s != subject:
            flush()
            subject = s
            node = {"@id": _jsonld_id(s)}
        if p == _RDF_TYPE and o.startswith("<"):
            node.setdefault("@type", []).append(_jsonld_iri(o[1:-1]))
        else:
            node.setdefault(_jsonld_iri(p[1:-1]), []).append(_jsonld_value(o))
    flush()
    buffer.write("\n]\n}\n")
    buffer.flush()


def _by_subject(graph: Graph) -> Iterator[NtTriple]:
    for s in sorted(set(graph.subjects()), key=str):
        for p, o in sorted(graph.predicate_objects(s), key=lambda po: (str(po[0]), str(po[1]))):
            yield nt_term(s), nt_term(p), nt_term(o)


def write_rdf(
    graph: nx.MultiDiGraph | Graph,
    path: str | os.PathLike[str],
    *,
    format: RdfFormat | str = RdfFormat.TURTLE,
) -> Path:
    """Write the RDF form of `graph` (a kg NetworkX graph or an rdflib graph) to `path`.

    The file is written to a temporary file in the same directory and moved into place, so a reader
    never sees half a file. All three formats are streamed from the mapping's N-Triples terms; no
    rdflib graph is built (rdflib's own Turtle writer rewrites xsd:double 10000001.0 as 1e+07, its
    JSON-LD writer drops an empty string next to other values, and both are slow on large graphs).
    Returns the path written.

    >>> import tempfile, pathlib
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("paper:p1", kind="Paper", paper_id="p1", title="T")
    >>> out = write_rdf(g, pathlib.Path(tempfile.mkdtemp()) / "g.nt", format="nt")
    >>> len(load_graph(out))
    3
    """
    fmt = RdfFormat.parse(format)
    target = Path(path)
    with atomic_write(target, mode="wb", encoding=None) as out:
        _write_format(graph, fmt, cast(IO[bytes], out))
    return target


def graph_parts(graph: nx.MultiDiGraph, *, size: int = 512) -> Iterator[bytes]:
    """The graph as parts (pickles) that `write_rdf_parts` writes as `write_rdf` writes the graph.

    A process that did not build the graph can write its RDF from them, part by part, holding one
    part at a time: first every node with its kind, then `size` nodes at a time with their
    attributes and out-edges. Pickling is several times cheaper than writing RDF.
    """
    kinds, nodes = _nodes(graph)
    yield pickle.dumps(list(kinds), protocol=pickle.HIGHEST_PROTOCOL)
    batch: list[NodeItem] = []
    for node in nodes:
        batch.append(node)
        if len(batch) >= size:
            yield pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
            batch = []
    if batch:
        yield pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)


def write_rdf_parts(parts: Iterable[bytes], path: str | os.PathLike[str], *,
                    format: RdfFormat | str = RdfFormat.TURTLE) -> Path:
    """Writes the RDF of a kg graph given as its `graph_parts` (parts from this process only:
    they are unpickled) to `path`, atomically; the file is the one `write_rdf` writes.

    >>> import tempfile, pathlib
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("paper:p1", kind="Paper", paper_id="p1", title="T")
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> one = write_rdf_parts(graph_parts(g), folder / "a.ttl")
    >>> one.read_bytes() == write_rdf(g, folder / "b.ttl").read_bytes()
    True
    """
    fmt = RdfFormat.parse(format)
    stream = iter(parts)
    kinds: list[tuple[Any, Any]] = pickle.loads(next(stream, pickle.dumps([])))
    nodes = (node for part in stream for node in pickle.loads(part))
    target = Path(path)
    with atomic_write(target, mode="wb", encoding=None) as out:
        _write_mapping(kinds, nodes, fmt, cast(IO[bytes], out))
    return target


def _write_mapping(kinds: Iterable[tuple[Any, Any]], nodes: Iterable[NodeItem], fmt: RdfFormat, out: IO[bytes]) -> None:
    """Writes the mapping of a kg graph's nodes in `fmt`, each term rendered in the file's syntax."""
    if fmt is RdfFormat.TURTLE:
        _write_turtle(_blocks(kinds, nodes, _TURTLE), out)
    elif fmt is RdfFormat.NTRIPLES:
        _write_ntriples_blocks(_blocks(kinds, nodes, _NT), out)
    else:
        _write_jsonld(_triples(_blocks(kinds, nodes, _NT)), out)


def _write_format(graph: nx.MultiDiGraph | Graph, fmt: RdfFormat, out: IO[bytes]) -> None:
    """Writes `graph` in `fmt`: a kg graph from the mapping's blocks, in the syntax of the file."""
    if isinstance(graph, nx.Graph):
        _write_mapping(*_nodes(graph), fmt, out)
    elif fmt is RdfFormat.NTRIPLES:
        _write_ntriples(((nt_term(s), nt_term(p), nt_term(o)) for s, p, o in graph), out)
    elif fmt is RdfFormat.TURTLE:
        _write_turtle(_turtle_blocks(_by_subject(graph)), out)
    else:
        _write_jsonld(_by_subject(graph), out)


# --- reading -------------------------------------------------------------------------------------


def _syntax_message(exc: Exception, path: Path, fmt: RdfFormat) -> str:
    why = getattr(exc, "_why", None)
    lines = getattr(exc, "lines", None)
    if why is not None and isinstance(lines, int):  # rdflib's Turtle parser (BadSyntax)
        return f"line {lines + 1}: {why}"
    located = _oxigraph_message(path, fmt)
    if located:
        return located
    return " ".join(str(exc).split())


def _oxigraph_message(path: Path, fmt: RdfFormat) -> str | None:
    """pyoxigraph's message, which gives line and column, for a file rdflib could not parse."""
    try:
        import pyoxigraph
    except ImportError:  # pragma: no cover - pyoxigraph is a dependency, but optional here
        return None
    try:
        for _ in pyoxigraph.parse(path=str(path), format=fmt.oxigraph):
            pass
    except SyntaxError as exc:
        return " ".join(str(exc).split())
    except Exception:
        return None
    return None


def load_graph(path: str | os.PathLike[str], *, format: RdfFormat | str | None = None) -> Graph:
    """Read an RDF file into an rdflib graph, guessing the format from the extension.

    Raises InputError when the file is missing and GraphError ("PATH: cannot parse as Turtle: line 3:
    ...") when it is not valid in its format.

    >>> load_graph("no/such/file.ttl")
    Traceback (most recent call last):
    ...
    kg.errors.InputError: no/such/file.ttl: no such file
    """
    source = existing_rdf_file(path)
    fmt = RdfFormat.parse(format) if format is not None else RdfFormat.from_path(source)
    from kg.rdf.offline import NetworkRefused, offline

    graph = new_graph()
    try:
        with offline(), warnings.catch_warnings():
            # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            graph.parse(source, format=fmt.rdflib_name)
    except NetworkRefused as exc:
        raise GraphError(f"{path}: {exc}") from None
    except Exception as exc:
        refused = exc.__context__ if isinstance(exc.__context__, NetworkRefused) else None
        if refused is not None:  # rdflib wrapped the refusal
            raise GraphError(f"{path}: {refused}") from None
        raise GraphError(f"{path}: cannot parse as {fmt.label}: {_syntax_message(exc, source, fmt)}") from exc
    return graph

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
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, ClassVar, cast

import networkx as nx
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import FormatError, GraphError, InputError
from kg.io import atomic_write
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
from kg.types import RELATIONS

Triple = tuple[URIRef | BNode, URIRef, Node]

ENTITY_CLASSES: dict[str, URIRef] = {
    "Method": KG.Method,
    "Dataset": KG.Dataset,
    "Metric": KG.Metric,
    "Task": KG.Task,
}
NODE_KINDS = ("Paper", *ENTITY_CLASSES, "Claim")

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


class _V:
    """The vocabulary terms the mapping writes, rendered once."""

    type = _ref(RDF.type)
    label = _ref(RDFS.label)
    identifier = _ref(DCTERMS.identifier)
    title = _ref(DCTERMS.title)
    abstract = _ref(DCTERMS.abstract)
    date = _ref(DCTERMS.date)
    creator = _ref(DCTERMS.creator)
    source = _ref(DCTERMS.source)
    pref_label = _ref(SKOS.prefLabel)
    alt_label = _ref(SKOS.altLabel)
    derived = _ref(PROV.wasDerivedFrom)
    paper = _ref(KG.Paper)
    claim = _ref(KG.Claim)
    mention = _ref(KG.Mention)
    classes: ClassVar[dict[str, str]] = {kind: _ref(iri) for kind, iri in ENTITY_CLASSES.items()}
    relations: ClassVar[dict[str, str]] = {name: _ref(KG[name]) for name in RELATIONS}
    kg: ClassVar[dict[str, str]] = {name: _ref(KG[name]) for name in (
        "year", "url", "paperCount", "kbId", "value", "high", "unit", "claimKind", "sentence", "field",
        "start", "end", "text", "extractor", "confidence", "subject", "relation", "refersTo")}


def _node_iri(node: str, kind: str) -> str:
    if kind == "Paper":
        return _ref(paper_iri_str(node[len("paper:"):] if node.startswith("paper:") else node))
    if kind == "Claim":
        return _ref(claim_iri_str(node))
    return _ref(entity_iri_str(node))


def _paper_triples(iri: str, node: str, attrs: Mapping[str, Any]) -> Iterator[NtTriple]:
    paper_id = attrs.get("paper_id")
    if paper_id is None:
        paper_id = node[len("paper:"):] if node.startswith("paper:") else node
    yield iri, _V.type, _V.paper
    yield iri, _V.identifier, _string(paper_id)
    if attrs.get("title"):
        yield iri, _V.title, _string(attrs["title"])
    if attrs.get("abstract"):
        yield iri, _V.abstract, _string(attrs["abstract"])
    if attrs.get("date"):
        yield iri, _V.date, _date(attrs["date"])
    if attrs.get("year") is not None:
        yield iri, _V.kg["year"], _integer(attrs["year"])
    for author in dict.fromkeys(str(a) for a in attrs.get("authors") or ()):
        yield iri, _V.creator, _string(author)
    if attrs.get("source"):
        yield iri, _V.source, _string(attrs["source"])
    if attrs.get("url"):
        yield iri, _V.kg["url"], _quoted(str(attrs["url"])) + _XSD_ANYURI


def _entity_triples(iri: str, node: str, kind: str, attrs: Mapping[str, Any]) -> Iterator[NtTriple]:
    label = str(attrs.get("label") or node)
    yield iri, _V.type, _V.classes[kind]
    yield iri, _V.pref_label, _string(label)
    for alias in dict.fromkeys(str(a) for a in attrs.get("aliases") or ()):
        if alias != label:
            yield iri, _V.alt_label, _string(alias)
    yield iri, _V.identifier, _string(node)
    yield iri, _V.kg["paperCount"], _integer(attrs.get("paper_count") or 0)
    if attrs.get("kb_id"):
        yield iri, _V.kg["kbId"], _string(attrs["kb_id"])


def _claim_triples(iri: str, attrs: Mapping[str, Any], papers: _PaperIris) -> Iterator[NtTriple]:
    yield iri, _V.type, _V.claim
    label = attrs.get("label") or attrs.get("text")
    if label:
        yield iri, _V.label, _string(label)
    if attrs.get("value") is not None:
        yield iri, _V.kg["value"], _double(attrs["value"])
    if attrs.get("high") is not None:
        yield iri, _V.kg["high"], _double(attrs["high"])
    if attrs.get("unit"):
        yield iri, _V.kg["unit"], _string(attrs["unit"])
    if attrs.get("claim_kind"):
        yield iri, _V.kg["claimKind"], _string(attrs["claim_kind"])
    if attrs.get("sentence"):
        yield iri, _V.kg["sentence"], _string(attrs["sentence"])
    if attrs.get("paper_id") is not None:
        yield iri, _V.derived, papers[str(attrs["paper_id"])]
    if attrs.get("field"):
        yield iri, _V.kg["field"], _string(attrs["field"])
    if attrs.get("start") is not None:
        yield iri, _V.kg["start"], _integer(attrs["start"])
    if attrs.get("end") is not None:
        yield iri, _V.kg["end"], _integer(attrs["end"])


class _PaperIris(dict[str, str]):
    """Paper id -> paper IRI in N-Triples syntax, computed once per paper."""

    def __missing__(self, paper_id: str) -> str:
        iri = self[paper_id] = _ref(paper_iri_str(paper_id))
        return iri


def _evidence_items(evidence: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The evidence of one edge, one item per (paper, field, start, end, extractor): the most
    confident one when the same span was recorded twice."""
    best: dict[tuple[str, str, int, int, str], Mapping[str, Any]] = {}
    for item in evidence:
        key = (
            str(item["paper"]),
            str(item["field"]),
            int(item["start"]),
            int(item["end"]),
            str(item.get("extractor") or ""),
        )
        seen = best.get(key)
        if seen is None or float(item.get("confidence") or 0.0) > float(seen.get("confidence") or 0.0):
            best[key] = item
    return list(best.values())


def _mention_triples(subject: str, relation: str, obj: str, subject_iri: str, object_iri: str,
                     item: Mapping[str, Any], papers: _PaperIris) -> Iterator[NtTriple]:
    paper, field = str(item["paper"]), str(item["field"])
    start, end = int(item["start"]), int(item["end"])
    extractor = str(item.get("extractor") or "")
    iri = _ref(mention_iri_str(subject, relation, obj, paper, field, start, end, extractor))
    yield iri, _V.type, _V.mention
    yield iri, _V.derived, papers[paper]
    yield iri, _V.kg["field"], _string(field)
    yield iri, _V.kg["start"], _integer(start)
    yield iri, _V.kg["end"], _integer(end)
    if item.get("text") is not None:
        yield iri, _V.kg["text"], _string(item["text"])
    if extractor:
        yield iri, _V.kg["extractor"], _string(extractor)
    if item.get("confidence") is not None:
        yield iri, _V.kg["confidence"], _double(item["confidence"])
    yield iri, _V.kg["subject"], subject_iri
    yield iri, _V.kg["relation"], _V.relations[relation]
    yield iri, _V.kg["refersTo"], object_iri


def _edge_triples(graph: nx.MultiDiGraph, u: Any, iris: Mapping[Any, str], papers: _PaperIris) -> Iterator[NtTriple]:
    mentions: list[NtTriple] = []
    for _, v, key, attrs in graph.out_edges(u, keys=True, data=True):
        relation = str(attrs.get("relation") or key)
        if relation not in RELATIONS:
            raise GraphError(
                f"edge '{u}' -> '{v}' has relation '{relation}'; expected one of {', '.join(RELATIONS)}"
            )
        yield iris[u], _V.relations[relation], iris[v]
        try:
            items = _evidence_items(attrs.get("evidence") or ())
        except (KeyError, TypeError, ValueError) as exc:
            raise GraphError(
                f"edge '{u}' -{relation}-> '{v}' has evidence without paper, field, start and end ({exc})"
            ) from exc
        for item in items:
            mentions.extend(_mention_triples(str(u), relation, str(v), iris[u], iris[v], item, papers))
    yield from mentions


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
    iris: dict[Any, str] = {}
    papers = _PaperIris()
    for node, attrs in graph.nodes(data=True):
        kind = attrs.get("kind")
        name = str(node)
        if kind not in NODE_KINDS:
            raise GraphError(f"node '{name}' has kind {kind!r}; expected one of {', '.join(NODE_KINDS)}")
        iris[node] = _node_iri(name, kind)
    for node, attrs in graph.nodes(data=True):
        iri, kind, name = iris[node], attrs["kind"], str(node)
        if kind == "Paper":
            yield from _paper_triples(iri, name, attrs)
        elif kind == "Claim":
            yield from _claim_triples(iri, attrs, papers)
        else:
            yield from _entity_triples(iri, name, kind, attrs)
        yield from _edge_triples(graph, node, iris, papers)


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


def _write_turtle(triples: Iterable[NtTriple], out: IO[bytes]) -> None:
    """Stream Turtle: one block per run of triples with the same subject."""
    buffer = _Buffered(out)
    buffer.write("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(_TURTLE_PREFIXES)))
    # predicates and object IRIs, as many as the graph's nodes; "a" only ever as a predicate
    predicates: dict[str, str] = {_RDF_TYPE: "a"}
    objects: dict[str, str] = {}
    subject: str | None = None
    predicate: str | None = None
    for s, p, o in triples:
        obj = o if o.endswith('"') else objects.get(o)  # a plain literal is already Turtle
        if obj is None:
            obj = _turtle_term(o)
            if o.startswith("<"):
                objects[o] = obj
        if s == subject and p == predicate:
            buffer.write(f" ,\n        {obj}")
            continue
        verb = predicates.get(p)
        if verb is None:
            verb = predicates[p] = _turtle_term(p)
        if s == subject:
            buffer.write(f" ;\n    {verb} {obj}")
        else:
            start = " .\n" if subject is not None else ""
            buffer.write(f"{start}\n{_turtle_term(s)} {verb} {obj}")
        subject, predicate = s, p
    if subject is not None:
        buffer.write(" .\n")
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
    triples: Iterable[NtTriple]
    if isinstance(graph, nx.Graph):
        triples = iter_nt_triples(graph)
    elif fmt is RdfFormat.NTRIPLES:
        triples = ((nt_term(s), nt_term(p), nt_term(o)) for s, p, o in graph)
    else:
        triples = _by_subject(graph)
    writer = {RdfFormat.NTRIPLES: _write_ntriples, RdfFormat.TURTLE: _write_turtle,
              RdfFormat.JSONLD: _write_jsonld}[fmt]
    with atomic_write(target, mode="wb", encoding=None) as out:
        writer(triples, cast(IO[bytes], out))
    return target


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
    graph = new_graph()
    try:
        with warnings.catch_warnings():
            # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            graph.parse(source, format=fmt.rdflib_name)
    except Exception as exc:
        raise GraphError(f"{path}: cannot parse as {fmt.label}: {_syntax_message(exc, source, fmt)}") from exc
    return graph

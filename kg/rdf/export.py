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

import contextlib
import datetime as _dt
import enum
import json
import math
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import networkx as nx
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import FormatError, GraphError, InputError, OptionError
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
    claim_iri,
    entity_iri,
    mention_iri,
    paper_iri,
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


# --- literals ------------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _clean(text: str) -> str:
    # Lone surrogates (possible in strings decoded from JSON "\ud800") cannot be written as UTF-8.
    return _SURROGATE.sub("\ufffd", text)


def _string(value: Any) -> Literal:
    return Literal(_clean(str(value)))


def _integer(value: Any) -> Literal:
    return Literal(str(int(value)), datatype=XSD.integer)


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


def _double(value: Any) -> Literal:
    return Literal(double_lexical(float(value)), datatype=XSD.double)


def _date(value: Any) -> Literal:
    text = str(value)
    if _ISO_DATE.fullmatch(text):
        try:
            _dt.date.fromisoformat(text)
        except ValueError:
            return _string(text)
        return Literal(text, datatype=XSD.date)
    return _string(text)


# --- the graph -----------------------------------------------------------------------------------


def new_graph() -> Graph:
    """An empty rdflib graph with the kg prefixes bound (what exports and `load_graph` fill)."""
    graph = Graph(bind_namespaces="core")
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    for kind in ("method", "dataset", "metric", "task"):
        graph.bind(f"new-{kind}", f"{ID_BASE}new/{kind}/")
    return graph


def _node_iri(node: str, kind: str) -> URIRef:
    if kind == "Paper":
        return paper_iri(node[len("paper:"):] if node.startswith("paper:") else node)
    if kind == "Claim":
        return claim_iri(node)
    return entity_iri(node)


def _paper_triples(iri: URIRef, node: str, attrs: Mapping[str, Any]) -> Iterator[Triple]:
    paper_id = attrs.get("paper_id")
    if paper_id is None:
        paper_id = node[len("paper:"):] if node.startswith("paper:") else node
    yield iri, RDF.type, KG.Paper
    yield iri, DCTERMS.identifier, _string(paper_id)
    if attrs.get("title"):
        yield iri, DCTERMS.title, _string(attrs["title"])
    if attrs.get("abstract"):
        yield iri, DCTERMS.abstract, _string(attrs["abstract"])
    if attrs.get("date"):
        yield iri, DCTERMS.date, _date(attrs["date"])
    if attrs.get("year") is not None:
        yield iri, KG.year, _integer(attrs["year"])
    for author in dict.fromkeys(str(a) for a in attrs.get("authors") or ()):
        yield iri, DCTERMS.creator, _string(author)
    if attrs.get("source"):
        yield iri, DCTERMS.source, _string(attrs["source"])
    if attrs.get("url"):
        yield iri, KG.url, Literal(_clean(str(attrs["url"])), datatype=XSD.anyURI)


def _entity_triples(iri: URIRef, node: str, kind: str, attrs: Mapping[str, Any]) -> Iterator[Triple]:
    label = str(attrs.get("label") or node)
    yield iri, RDF.type, ENTITY_CLASSES[kind]
    yield iri, SKOS.prefLabel, _string(label)
    for alias in dict.fromkeys(str(a) for a in attrs.get("aliases") or ()):
        if alias != label:
            yield iri, SKOS.altLabel, _string(alias)
    yield iri, DCTERMS.identifier, _string(node)
    yield iri, KG.paperCount, _integer(attrs.get("paper_count") or 0)
    if attrs.get("kb_id"):
        yield iri, KG.kbId, _string(attrs["kb_id"])


def _claim_triples(iri: URIRef, attrs: Mapping[str, Any]) -> Iterator[Triple]:
    yield iri, RDF.type, KG.Claim
    label = attrs.get("label") or attrs.get("text")
    if label:
        yield iri, RDFS.label, _string(label)
    if attrs.get("value") is not None:
        yield iri, KG.value, _double(attrs["value"])
    if attrs.get("high") is not None:
        yield iri, KG.high, _double(attrs["high"])
    if attrs.get("unit"):
        yield iri, KG.unit, _string(attrs["unit"])
    if attrs.get("claim_kind"):
        yield iri, KG.claimKind, _string(attrs["claim_kind"])
    if attrs.get("sentence"):
        yield iri, KG.sentence, _string(attrs["sentence"])
    if attrs.get("paper_id") is not None:
        yield iri, PROV.wasDerivedFrom, paper_iri(str(attrs["paper_id"]))
    if attrs.get("field"):
        yield iri, KG.field, _string(attrs["field"])
    if attrs.get("start") is not None:
        yield iri, KG.start, _integer(attrs["start"])
    if attrs.get("end") is not None:
        yield iri, KG.end, _integer(attrs["end"])


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


def _mention_triples(
    subject: str, relation: str, obj: str, subject_iri: URIRef, object_iri: URIRef, item: Mapping[str, Any]
) -> Iterator[Triple]:
    paper, field = str(item["paper"]), str(item["field"])
    start, end = int(item["start"]), int(item["end"])
    extractor = str(item.get("extractor") or "")
    iri = mention_iri(subject, relation, obj, paper, field, start, end, extractor)
    yield iri, RDF.type, KG.Mention
    yield iri, PROV.wasDerivedFrom, paper_iri(paper)
    yield iri, KG.field, _string(field)
    yield iri, KG.start, _integer(start)
    yield iri, KG.end, _integer(end)
    if item.get("text") is not None:
        yield iri, KG.text, _string(item["text"])
    if extractor:
        yield iri, KG.extractor, _string(extractor)
    if item.get("confidence") is not None:
        yield iri, KG.confidence, _double(item["confidence"])
    yield iri, KG.subject, subject_iri
    yield iri, KG.relation, KG[relation]
    yield iri, KG.refersTo, object_iri


def _edge_triples(graph: nx.MultiDiGraph, u: Any, iris: Mapping[Any, URIRef]) -> Iterator[Triple]:
    mentions: list[Triple] = []
    for _, v, key, attrs in graph.out_edges(u, keys=True, data=True):
        relation = str(attrs.get("relation") or key)
        if relation not in RELATIONS:
            raise GraphError(
                f"edge '{u}' -> '{v}' has relation '{relation}'; expected one of {', '.join(RELATIONS)}"
            )
        yield iris[u], KG[relation], iris[v]
        try:
            items = _evidence_items(attrs.get("evidence") or ())
        except (KeyError, TypeError, ValueError) as exc:
            raise GraphError(
                f"edge '{u}' -{relation}-> '{v}' has evidence without paper, field, start and end ({exc})"
            ) from exc
        for item in items:
            mentions.extend(_mention_triples(str(u), relation, str(v), iris[u], iris[v], item))
    yield from mentions


def iter_triples(graph: nx.MultiDiGraph) -> Iterator[Triple]:
    """Every triple of the RDF form of `graph`, grouped by subject: each node's attributes and
    outgoing edges, then the mentions of those edges.

    This is what `to_rdf` collects and what `write_rdf` streams into N-Triples and Turtle without
    building an rdflib graph. Raises GraphError for a node of unknown kind, an edge of unknown
    relation, or evidence without paper, field, start and end.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("method/bert", kind="Method", label="BERT", aliases=[], paper_count=1)
    >>> sorted(str(p).split("#")[-1].split("/")[-1] for _, p, _ in iter_triples(g))
    ['identifier', 'paperCount', 'prefLabel', 'type']
    """
    iris: dict[Any, URIRef] = {}
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
            yield from _claim_triples(iri, attrs)
        else:
            yield from _entity_triples(iri, name, kind, attrs)
        yield from _edge_triples(graph, node, iris)


def to_rdf(graph: nx.MultiDiGraph) -> Graph:
    """The RDF form of the kg graph as an rdflib graph with the kg prefixes bound.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("paper:p1", kind="Paper", paper_id="p1", title="On BERT")
    >>> rdf = to_rdf(g)
    >>> print(rdf.value(paper_iri("p1"), DCTERMS.title))
    On BERT
    """
    rdf = new_graph()
    for triple in iter_triples(graph):
        rdf.add(triple)
    return rdf


# --- writing -------------------------------------------------------------------------------------

_NT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NT_SPECIAL = re.compile('[\\\\"\x00-\x1f\x7f]')


def _nt_escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NT_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def nt_term(term: Node) -> str:
    """One term in canonical N-Triples syntax.

    >>> nt_term(Literal('say "hi"\\n'))
    '"say \\\\"hi\\\\"\\\\n"'
    >>> nt_term(Literal("3", datatype=XSD.integer))
    '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    if isinstance(term, Literal):
        text = '"' + _NT_SPECIAL.sub(_nt_escape_char, _clean(str(term))) + '"'
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


def _write_ntriples(triples: Iterable[tuple[Node, Node, Node]], out: IO[bytes]) -> None:
    for s, p, o in triples:
        out.write(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n".encode())


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


def turtle_term(term: Node) -> str:
    """One term in Turtle: a prefixed name when the IRI has a kg prefix and a plain local part, bare
    integers, every other literal quoted with its datatype (doubles keep their exact lexical form).

    >>> turtle_term(URIRef("https://w3id.org/kg-ml/id/paper/p%201"))
    'paper:p%201'
    >>> turtle_term(Literal("10000001.0", datatype=XSD.double))
    '"10000001.0"^^xsd:double'
    """
    if isinstance(term, Literal):
        if term.datatype == XSD.integer and _INTEGER_LEXICAL.fullmatch(str(term)):
            return str(term)
        text = '"' + _NT_SPECIAL.sub(_nt_escape_char, _clean(str(term))) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^{turtle_term(term.datatype)}"
        return text
    if isinstance(term, URIRef):
        return _prefixed(str(term), _TURTLE_NAMESPACES)
    return nt_term(term)


def _prefixed(iri: str, namespaces: Mapping[str, str]) -> str:
    """`prefix:local` when the IRI's namespace (up to the last / or #) has a prefix, else `<iri>`."""
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    prefix = namespaces.get(iri[:cut])
    if prefix is not None and _PN_LOCAL.fullmatch(iri[cut:]):
        return f"{prefix}:{iri[cut:]}"
    return f"<{iri}>"


def _write_turtle(triples: Iterable[tuple[Node, Node, Node]], out: IO[bytes]) -> None:
    """Stream Turtle: one block per run of triples with the same subject."""
    header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(_TURTLE_PREFIXES))
    out.write(header.encode())
    subject: Node | None = None
    predicate: Node | None = None
    for s, p, o in triples:
        obj = turtle_term(o)
        if s == subject and p == predicate:
            chunk = f" ,\n        {obj}"
        elif s == subject:
            chunk = f" ;\n    {'a' if p == RDF.type else turtle_term(p)} {obj}"
        else:
            start = " .\n" if subject is not None else ""
            chunk = f"{start}\n{turtle_term(s)} {'a' if p == RDF.type else turtle_term(p)} {obj}"
        subject, predicate = s, p
        out.write(chunk.encode())
    if subject is not None:
        out.write(b" .\n")


def _jsonld_iri(term: Node) -> str:
    if isinstance(term, BNode):
        return f"_:{term}"
    name = _prefixed(str(term), _JSONLD_NAMESPACES)
    return name[1:-1] if name.startswith("<") else name


def _jsonld_value(term: Node) -> dict[str, str]:
    if isinstance(term, Literal):
        value = {"@value": _clean(str(term))}
        if term.language:
            value["@language"] = term.language
        elif term.datatype is not None and term.datatype != XSD.string:
            value["@type"] = _jsonld_iri(term.datatype)
        return value
    if isinstance(term, BNode):
        return {"@id": f"_:{term}"}
    return {"@id": str(term)}


def _write_jsonld(triples: Iterable[tuple[Node, Node, Node]], out: IO[bytes]) -> None:
    """Stream JSON-LD: a @context of vocabulary prefixes and one node object per run of triples with
    the same subject. Every literal is a value object with its exact lexical form (no native JSON
    numbers, which JSON-LD processors would rewrite as 9.23E1)."""
    out.write(b'{\n"@context": ' + json.dumps(JSONLD_CONTEXT, sort_keys=True).encode() + b',\n"@graph": [')
    subject: Node | None = None
    node: dict[str, Any] = {}
    first = True

    def flush() -> None:
        nonlocal first
        if subject is None:
            return
        out.write((("\n" if first else ",\n") + json.dumps(node, ensure_ascii=False)).encode())
        first = False

    for s, p, o in triples:
        if s != subject:
            flush()
            subject = s
            node = {"@id": str(s) if not isinstance(s, BNode) else f"_:{s}"}
        if p == RDF.type and isinstance(o, URIRef):
            node.setdefault("@type", []).append(_jsonld_iri(o))
        else:
            node.setdefault(_jsonld_iri(p), []).append(_jsonld_value(o))
    flush()
    out.write(b"\n]\n}\n")


def _by_subject(graph: Graph) -> Iterator[tuple[Node, Node, Node]]:
    for s in sorted(set(graph.subjects()), key=str):
        for p, o in sorted(graph.predicate_objects(s), key=lambda po: (str(po[0]), str(po[1]))):
            yield s, p, o


def _atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OptionError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_rdf(
    graph: nx.MultiDiGraph | Graph,
    path: str | os.PathLike[str],
    *,
    format: RdfFormat | str = RdfFormat.TURTLE,
) -> Path:
    """Write the RDF form of `graph` (a kg NetworkX graph or an rdflib graph) to `path`.

    The file is written to a temporary file in the same directory and moved into place, so a reader
    never sees half a file. N-Triples and Turtle are streamed triple by triple from the NetworkX
    graph (no rdflib graph is built), and so is JSON-LD. Returns the path written.

    >>> import tempfile, pathlib
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("paper:p1", kind="Paper", paper_id="p1", title="T")
    >>> out = write_rdf(g, pathlib.Path(tempfile.mkdtemp()) / "g.nt", format="nt")
    >>> len(load_graph(out))
    3
    """
    fmt = RdfFormat.parse(format)
    target = Path(path)
    if fmt is RdfFormat.NTRIPLES:
        triples: Iterable[tuple[Node, Node, Node]] = (
            iter_triples(graph) if isinstance(graph, nx.Graph) else iter(graph)
        )
        _atomic_write(target, lambda out: _write_ntriples(triples, out))
        return target
    if fmt is RdfFormat.TURTLE:
        # Not rdflib's Turtle serializer: it writes xsd:double as "%e" (10000001.0 becomes 1e+07) and
        # is slow on large graphs. This writer streams and keeps every lexical form.
        triples = iter_triples(graph) if isinstance(graph, nx.Graph) else _by_subject(graph)
        _atomic_write(target, lambda out: _write_turtle(triples, out))
        return target
    # Not rdflib's JSON-LD serializer either: it drops an empty string next to other values.
    triples = iter_triples(graph) if isinstance(graph, nx.Graph) else _by_subject(graph)
    _atomic_write(target, lambda out: _write_jsonld(triples, out))
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

"""kg's RDF terms, rendered straight into the syntax of the file: N-Triples ("<iri>", "\"text\"",
"\"5\"^^<...#integer>") or kg's Turtle (prefixed names, bare integers, "a").

Building rdflib or pyoxigraph term objects for millions of triples took most of a large build's
time; the mapping (`kg.rdf.mapping`) renders each term once as text instead, and `rdflib_term` turns
such a string into an rdflib term for callers that want one.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from kg.errors import GraphError
from kg.rdf.namespace import ID_BASE, KG, PREFIXES
from kg.schema import RELATIONS

ENTITY_CLASSES: dict[str, URIRef] = {
    "Method": KG.Method,
    "Dataset": KG.Dataset,
    "Metric": KG.Metric,
    "Task": KG.Task,
}

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


# A local part that is a valid Turtle PN_LOCAL (our IRIs only use A-Z a-z 0-9 - . ~ % and "_").
_PN_LOCAL = re.compile(r"(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:[A-Za-z0-9_.-]|%[0-9A-Fa-f]{2})*(?<!\.)")
_NEW_PREFIXES = [(f"new-{kind}", f"{ID_BASE}new/{kind}/") for kind in ("method", "dataset", "metric", "task")]
_TURTLE_PREFIXES: list[tuple[str, str]] = sorted(
    [*PREFIXES.items(), *_NEW_PREFIXES],
    key=lambda item: -len(item[1]),
)
_TURTLE_NAMESPACES: dict[str, str] = {namespace: prefix for prefix, namespace in _TURTLE_PREFIXES}

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


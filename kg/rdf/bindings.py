"""Values going into and out of a SPARQL query: variable bindings (SEP-0007 substitutions, checked
against the query) and the Python values of result terms.

A string value that starts with "http://" or "https://" (this includes every kg resource IRI) and
is a valid IRI is bound as an IRI; any other string is bound as a plain literal; int, float and
bool values become xsd:integer, xsd:double and xsd:boolean literals. A bound variable must be in
the query's SELECT clause and in the SELECT clause of every sub-select that uses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import BNode, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import XSD
from rdflib.term import Node, _is_valid_uri

from kg.errors import QueryError
from kg.rdf.guard import CheckedQuery
from kg.rdf.terms import double_lexical

Value = str | int | float | bool | None
BindingValue = str | int | float | bool
_VARNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_bindings(checked: CheckedQuery, names: Iterable[str]) -> None:
    """Enforce SEP-0007 substitution rules, with a message that says what to change.

    >>> from kg.rdf.guard import check_query
    >>> check_bindings(check_query("SELECT ?m WHERE { ?m ?p ?label }"), ["label"])
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: a bound variable must be selected: add ?label to the SELECT clause
    """
    wanted = set(names)
    for var in sorted(wanted - checked.variables):
        raise QueryError(f"the query has no variable ?{var} to bind")
    subselects = list(checked.selects)
    if checked.form == "SELECT" and subselects and subselects[0].depth == 0:
        top = subselects.pop(0)
        for var in sorted(wanted - top.projected if not top.star else set()):
            raise QueryError(f"a bound variable must be selected: add ?{var} to the SELECT clause")
    for sub in subselects:
        for var in sorted(wanted & sub.used - sub.projected if not sub.star else set()):
            raise QueryError(
                f"?{var} is bound but a sub-select uses it without selecting it; add ?{var} to that SELECT"
            )


# --- bindings ------------------------------------------------------------------------------------


def binding_term(value: BindingValue) -> Node:
    """The RDF term a binding value becomes: an IRI for strings that are http(s) IRIs, else a
    literal (plain for strings, xsd:integer / xsd:double / xsd:boolean for numbers and bools).

    >>> binding_term("https://w3id.org/kg-ml/id/method/bert")
    rdflib.term.URIRef('https://w3id.org/kg-ml/id/method/bert')
    >>> binding_term('x" } ; DROP ALL ; #')
    rdflib.term.Literal('x" } ; DROP ALL ; #')
    >>> binding_term(90).datatype == XSD.integer, binding_term(0.5).datatype == XSD.double
    (True, True)
    """
    if isinstance(value, bool):
        return RdfLiteral("true" if value else "false", datatype=XSD.boolean)
    if isinstance(value, int):
        return RdfLiteral(str(value), datatype=XSD.integer)
    if isinstance(value, float):
        return RdfLiteral(double_lexical(value), datatype=XSD.double)
    text = str(value)
    looks_like_iri = text.startswith(("http://", "https://"))
    if looks_like_iri and _is_valid_uri(text) and not any(c.isspace() for c in text):
        return URIRef(text)
    return RdfLiteral(text)


def _binding_terms(bindings: Mapping[str, BindingValue] | None) -> dict[str, Node]:
    terms: dict[str, Node] = {}
    for raw, value in (bindings or {}).items():
        name = raw[1:] if raw[:1] in "?$" else raw
        if not _VARNAME.fullmatch(name):
            raise QueryError(f"'{raw}' is not a SPARQL variable name (use letters, digits and _)")
        terms[name] = binding_term(value)
    return terms


# --- results -------------------------------------------------------------------------------------

_XSD = str(XSD)
_INTEGER_TYPES = frozenset(
    _XSD + t
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort",
        "unsignedByte",
    )
)
_FLOAT_TYPES = frozenset(_XSD + t for t in ("double", "float", "decimal"))


def literal_value(lexical: str, datatype: str | None) -> Value:
    """The Python value of a literal: int, float, bool, or the lexical form.

    >>> literal_value("42", "http://www.w3.org/2001/XMLSchema#integer")
    42
    >>> literal_value("9.23E1", "http://www.w3.org/2001/XMLSchema#double")
    92.3
    >>> literal_value("2024-11-07", "http://www.w3.org/2001/XMLSchema#date")
    '2024-11-07'
    """
    try:
        if datatype in _INTEGER_TYPES:
            return int(lexical)
        if datatype in _FLOAT_TYPES:
            return float(lexical)
        if datatype == _XSD + "boolean":
            return lexical.strip() in ("true", "1")
    except ValueError:
        return lexical
    return lexical


def _oxigraph_value(term: Any) -> Value:
    """The Python value of a pyoxigraph term (see QueryResult)."""
    import pyoxigraph

    if term is None:
        return None
    if isinstance(term, pyoxigraph.Literal):
        return literal_value(term.value, term.datatype.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, pyoxigraph.NamedNode):
        return str(term.value)
    return str(term)



def _ox_term(term: Node, blanks: dict[BNode, Any]) -> Any:
    import pyoxigraph

    if isinstance(term, RdfLiteral):
        if term.language:
            return pyoxigraph.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return pyoxigraph.Literal(str(term), datatype=pyoxigraph.NamedNode(str(term.datatype)))
        return pyoxigraph.Literal(str(term))
    if isinstance(term, BNode):
        if term not in blanks:
            blanks[term] = pyoxigraph.BlankNode()
        return blanks[term]
    return pyoxigraph.NamedNode(str(term))


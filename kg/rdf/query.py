"""Read-only SPARQL over a kg graph, answered by pyoxigraph, with real variable bindings and named
queries.

Every query first passes `check_query` (`kg.rdf.guard`): a pure-Python lexer with SPARQL's own
lexical rules that refuses updates, SERVICE, FROM / FROM NAMED, control characters outside strings
and queries too deep or too long for the engine. pyoxigraph then parses and runs exactly
`checked.text`; a syntax error becomes a one-line QueryError with the line and column.

Bindings are passed to pyoxigraph as `substitutions` (SEP-0007), never pasted into the query text,
so a value cannot change the query. A string value that starts with "http://" or "https://" (this
includes every kg resource IRI) and is a valid IRI is bound as an IRI; any other string is bound as a
plain literal; int, float and bool values become xsd:integer, xsd:double and xsd:boolean literals.
A bound variable must be in the query's SELECT clause and in the SELECT clause of every sub-select
that uses it (the named queries do so; `run_named` then drops those echo columns).

Prefixes `kg:`, `dcterms:`, `skos:`, `prov:`, `rdf:`, `rdfs:`, `xsd:`, `paper:`, `claim:`,
`mention:`, `method:`, `dataset:`, `metric:` and `task:` are predeclared.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

from rdflib import BNode, Graph
from rdflib.term import Node

from kg.errors import GraphError, QueryError
from kg.rdf.bindings import BindingValue, Value, _binding_terms, _ox_term, _oxigraph_value, check_bindings
from kg.rdf.formats import existing_rdf_file, rdf_format_of
from kg.rdf.guard import (
    FROM_REFUSED,
    SERVICE_REFUSED,
    UPDATE_REFUSED,
    CheckedQuery,
    QueryForm,
    check_query,
)
from kg.rdf.namespace import PREFIXES

if TYPE_CHECKING:
    import pyoxigraph

__all__ = [
    "FROM_REFUSED",
    "SERVICE_REFUSED",
    "UPDATE_REFUSED",
    "BindingValue",
    "CheckedQuery",
    "QueryForm",
    "Value",
    "_binding_terms",
    "check_bindings",
    "check_query",
]


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The answer to a query: column names and rows of Python values.

    IRIs are strings, xsd integers ints, xsd:double/float/decimal floats, xsd:boolean bools, other
    literals their lexical form, unbound values None. ASK gives one column "ask"; CONSTRUCT and
    DESCRIBE give the columns "subject", "predicate", "object".

    >>> QueryResult(["label", "papers"], [("CIFAR-10", 2)]).as_dicts()
    [{'label': 'CIFAR-10', 'papers': 2}]
    """

    columns: list[str]
    rows: list[tuple[Value, ...]]

    def as_dicts(self) -> list[dict[str, Value]]:
        """The rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)




def _sorted_rows(rows: Iterable[tuple[Value, ...]]) -> list[tuple[Value, ...]]:
    return sorted(rows, key=lambda row: tuple(repr(v) for v in row))


# --- running a query on pyoxigraph -------------------------------------------------------------


def load_store(source: str | os.PathLike[str] | Graph) -> pyoxigraph.Store:
    """An in-memory pyoxigraph store holding an RDF file (bulk-loaded) or an rdflib graph.

    Load once and pass the store to `run_query` to answer many queries without reparsing.

    >>> store = load_store(Graph())
    >>> run_query(store, "ASK { ?s ?p ?o }").rows
    [(False,)]
    """
    import pyoxigraph

    store = pyoxigraph.Store()
    if isinstance(source, Graph):
        blanks: dict[BNode, Any] = {}
        store.extend(
            pyoxigraph.Quad(_ox_term(s, blanks), _ox_term(p, blanks), _ox_term(o, blanks))
            for s, p, o in source
        )
        return store
    path = existing_rdf_file(source)
    fmt = rdf_format_of(path)
    try:
        store.bulk_load(path=str(path), format=fmt)
    except SyntaxError as exc:
        raise GraphError(f"{source}: cannot parse as {fmt.name}: {' '.join(str(exc).split())}") from exc
    return store


def _store_dir(source: Any) -> bool:
    """Whether `source` is the path of a persistent store (`kg load`) rather than an RDF file."""
    if not isinstance(source, str | os.PathLike):
        return False
    from kg.rdf.store import is_store

    return is_store(source)


_SYNTAX = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


def engine_error(exc: Exception, sparql: str) -> QueryError:
    """A one-line QueryError for what pyoxigraph raised (syntax errors with line and column)."""
    message = " ".join(str(exc).split())
    match = _SYNTAX.match(message)
    if isinstance(exc, SyntaxError) and match:
        line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
        if "Prefix not found" in detail:
            lines = sparql.splitlines()
            before = lines[line - 1][: column - 1] if line <= len(lines) else ""
            found = re.search(r"([^\s:{}()<>;,.]*):[^\s]*$", before)
            name = f" '{found.group(1)}:'" if found else ""
            detail = f"unknown prefix{name}; declare it with PREFIX (kg's prefixes are predeclared)"
        elif len(detail) > 200:
            detail = detail[:200] + "..."
        return QueryError(f"malformed query at line {line}, column {column}: {detail}")
    return QueryError(f"query failed: {message}")


def stream_query(
    store: pyoxigraph.Store, checked: CheckedQuery, terms: Mapping[str, Node] | None = None
) -> tuple[list[str], Iterator[tuple[Value, ...]]]:
    """Run a checked query on a pyoxigraph store: its columns and an iterator over its rows, made
    as pyoxigraph finds them (nothing is collected, except by ORDER BY, DISTINCT and the like).

    >>> columns, rows = stream_query(load_store(Graph()), check_query("SELECT ?s { ?s ?p ?o }"))
    >>> columns, list(rows)
    (['s'], [])
    """
    import pyoxigraph

    substitutions = {pyoxigraph.Variable(name): _ox_term(term, {}) for name, term in (terms or {}).items()}
    try:
        answer = store.query(checked.text, prefixes=PREFIXES, substitutions=substitutions or None)
    except (SyntaxError, RuntimeError, ValueError, OSError) as exc:
        raise engine_error(exc, checked.text) from None
    if isinstance(answer, pyoxigraph.QueryBoolean):
        return ["ask"], iter([(bool(answer),)])
    if isinstance(answer, pyoxigraph.QueryTriples):
        triples = answer

        def triple_rows() -> Iterator[tuple[Value, ...]]:
            try:
                for t in triples:
                    yield (_oxigraph_value(t.subject), _oxigraph_value(t.predicate), _oxigraph_value(t.object))
            except (RuntimeError, ValueError, OSError) as exc:
                raise engine_error(exc, checked.text) from None

        return ["subject", "predicate", "object"], triple_rows()
    solutions = answer
    variables = list(solutions.variables)

    def solution_rows() -> Iterator[tuple[Value, ...]]:
        try:
            for solution in solutions:
                yield tuple(_oxigraph_value(solution[var]) for var in variables)
        except (RuntimeError, ValueError, OSError) as exc:
            raise engine_error(exc, checked.text) from None

    return [var.value for var in variables], solution_rows()


def run_query(
    source: str | os.PathLike[str] | Graph | pyoxigraph.Store,
    sparql: str,
    *,
    bindings: Mapping[str, BindingValue] | None = None,
) -> QueryResult:
    """Answer a read-only SPARQL query over an RDF file, an rdflib graph or a pyoxigraph store.

    A file or graph is bulk-loaded into an in-memory pyoxigraph store first; `source` may also be
    the directory of a persistent store written by `kg load` (`kg.rdf.store`), opened read-only for
    this query. The order of rows is only defined when the query has ORDER BY; CONSTRUCT and
    DESCRIBE triples are sorted.

    >>> from kg.rdf.mapping import to_rdf
    >>> import networkx as nx
    >>> nxg = nx.MultiDiGraph()
    >>> nxg.add_node("method/bert", kind="Method", label="BERT", aliases=[], paper_count=3)
    >>> q = "SELECT ?label ?n WHERE { ?m skos:prefLabel ?label ; kg:paperCount ?n }"
    >>> run_query(to_rdf(nxg), q).rows
    [('BERT', 3)]
    >>> q = "SELECT ?label ?m WHERE { ?m skos:prefLabel ?label }"
    >>> run_query(to_rdf(nxg), q, bindings={"label": "bert"}).rows
    []
    """
    import pyoxigraph

    checked = check_query(sparql)
    terms = _binding_terms(bindings)
    check_bindings(checked, terms)
    if not isinstance(source, pyoxigraph.Store) and _store_dir(source):
        from kg.rdf.store import open_store

        with open_store(cast(str, source)) as opened:  # read-only, for this one query
            return run_query(opened.store, sparql, bindings=bindings)
    store = source if isinstance(source, pyoxigraph.Store) else load_store(source)
    columns, rows = stream_query(store, checked, terms)
    if columns == ["subject", "predicate", "object"] and checked.form in ("CONSTRUCT", "DESCRIBE"):
        return QueryResult(columns, _sorted_rows(rows))
    return QueryResult(columns, list(rows))


# --- named queries -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NamedQuery:
    """A query shipped in ontology/queries/NAME.rq, with the parameters it needs.

    `params` are the SPARQL variables that must be bound; `param_help` says what each one is.
    """

    name: str
    description: str
    params: list[str]
    text: str
    param_help: dict[str, str] = field(default_factory=dict)

    def bindings(self, values: Mapping[str, BindingValue] | None) -> dict[str, BindingValue]:
        """Check `values` against the parameters: every one given, no unknown one."""
        given = dict(values or {})
        for key in given:
            if key not in self.params:
                takes = ", ".join(self.params) if self.params else "no parameters"
                raise QueryError(f"named query '{self.name}' has no parameter '{key}'; it takes: {takes}")
        for param in self.params:
            if param not in given:
                hint = self.param_help.get(param) or param
                raise QueryError(f"named query '{self.name}' needs --param {param}=... ({hint})")
        return given


_HEADER = re.compile(r"#\s*(name|description|param)\s*:\s*(.*)")
_PARAM = re.compile(r"(\w+)\s*(?:—|–|--|-|:)?\s*(.*)")


def parse_named(text: str, *, default_name: str = "") -> NamedQuery:
    """Read the `# name:`, `# description:` and `# param:` header of a named query.

    >>> q = parse_named("# name: x\\n# param: dataset — the dataset label\\nSELECT ...")
    >>> q.name, q.params, q.param_help["dataset"]
    ('x', ['dataset'], 'the dataset label')
    """
    name, description = default_name, ""
    params: list[str] = []
    helps: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _HEADER.match(stripped)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "name":
            name = value
        elif key == "description":
            description = f"{description} {value}".strip()
        else:
            pm = _PARAM.fullmatch(value)
            if pm:
                params.append(pm.group(1))
                helps[pm.group(1)] = pm.group(2).strip()
    return NamedQuery(name=name, description=description, params=params, text=text, param_help=helps)


def list_named() -> list[NamedQuery]:
    """Every named query shipped with kg, sorted by name.

    >>> "leaderboard" in [q.name for q in list_named()]
    True
    """
    folder = resources.files("kg.ontology.queries")
    queries = [
        parse_named(entry.read_text(encoding="utf-8"), default_name=entry.name[: -len(".rq")])
        for entry in folder.iterdir()
        if entry.name.endswith(".rq")
    ]
    return sorted(queries, key=lambda q: q.name)


def get_named(name: str) -> NamedQuery:
    """The named query called `name`; QueryError listing the valid names otherwise.

    >>> get_named("leaderboard").params
    ['metric', 'dataset']
    """
    queries = list_named()
    for query in queries:
        if query.name == name:
            return query
    raise QueryError(f"unknown named query '{name}'; use one of: {', '.join(q.name for q in queries)}")


def run_named(
    source: str | os.PathLike[str] | Graph | pyoxigraph.Store,
    name: str,
    params: Mapping[str, BindingValue] | None = None,
) -> QueryResult:
    """Run a named query with its parameters bound; the parameter columns are left out of the result
    (they only echo the values given).

    >>> import networkx as nx
    >>> from kg.rdf.mapping import to_rdf
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("method/bert", kind="Method", label="BERT", aliases=["bert-base"], paper_count=1)
    >>> run_named(to_rdf(g), "entity-aliases").rows
    [('Method', 'BERT', 'bert-base')]
    """
    query = get_named(name)
    values = query.bindings(params)
    result = run_query(source, query.text, bindings=values)
    keep = [i for i, column in enumerate(result.columns) if column not in query.params]
    if len(keep) == len(result.columns):
        return result
    return QueryResult(
        [result.columns[i] for i in keep], [tuple(row[i] for i in keep) for row in result.rows]
    )

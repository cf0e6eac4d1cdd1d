"""Read-only SPARQL over a kg graph, with real variable bindings and named queries.

Every query is parsed with rdflib's SPARQL parser before it runs on either engine:

* update requests (INSERT, DELETE, WITH, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY) are a
  different grammar, so they fail to parse as queries and are refused (a text that parses as
  neither is still refused as an update when a statement starts with one of those keywords, found
  by a tokenizer that skips strings, comments and IRIs; a literal "delete" is never refused);
* SERVICE (a remote call) and FROM / FROM NAMED (rdflib would fetch those graphs over the network)
  are found in the parse tree and refused;
* a malformed query raises QueryError with the parser's line and column.

Bindings are passed to the engines as bindings (rdflib `initBindings`, pyoxigraph `substitutions`),
never pasted into the query text, so a value cannot change the query. A string value that starts
with "http://" or "https://" (this includes every kg resource IRI) and is a valid IRI is bound as an
IRI; any other string is bound as a plain literal; int, float and bool values become xsd:integer,
xsd:double and xsd:boolean literals. Both engines follow SEP-0007 substitution: a bound variable
must be in the query's SELECT clause and in the SELECT clause of every sub-select that uses it
(the named queries do so; `run_named` then drops those echo columns).

Engine "auto" is pyoxigraph (an in-memory store, bulk-loaded; about 10-50x faster than rdflib on
the named queries at 1M triples, `benchmarks/query_bench.py`) with rdflib as the fallback when
pyoxigraph is not installed.

Prefixes `kg:`, `dcterms:`, `skos:`, `prov:`, `rdf:`, `rdfs:`, `xsd:`, `paper:`, `claim:`,
`mention:`, `method:`, `dataset:`, `metric:` and `task:` are predeclared.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal, cast

import pyparsing
from rdflib import BNode, Graph, URIRef, Variable
from rdflib import Literal as RdfLiteral
from rdflib.term import Identifier, Node, _is_valid_uri

from kg.errors import GraphError, OptionError, QueryError
from kg.rdf.export import RdfFormat, existing_rdf_file, load_graph
from kg.rdf.namespace import PREFIXES, XSD

if TYPE_CHECKING:
    import pyoxigraph
    from rdflib.plugins.sparql.sparql import Query

# rdflib.plugins.sparql builds its pyparsing grammar when imported (~0.1 s): it is imported on first
# use, so that `import kg.rdf` stays cheap.

Engine = Literal["auto", "oxigraph", "rdflib"]
ENGINES: tuple[str, ...] = ("auto", "oxigraph", "rdflib")
Value = str | int | float | bool | None
BindingValue = str | int | float | bool

UPDATE_REFUSED = "updates are refused: kg query is read-only"
SERVICE_REFUSED = "SERVICE is refused: kg query answers from the local graph only"
FROM_REFUSED = "FROM and FROM NAMED are refused: kg query answers from the local graph only"

_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "WITH", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"}
)
_VARNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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


# --- checking a query ----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                 |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$]\w+)
    | (?P<pname>[\w.-]*:[\w.:%\\-]*)
    | (?P<word>[A-Za-z_]\w*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def keywords(sparql: str) -> list[str]:
    """The bare words of a SPARQL text, upper-cased, outside comments, strings, IRIs, variables and
    prefixed names.

    >>> keywords('SELECT ?delete WHERE { ?s ex:drop "insert" } # delete')
    ['SELECT', 'WHERE']
    """
    return [m.group("word").upper() for m in _TOKEN.finditer(sparql) if m.lastgroup == "word"]


def statement_keywords(sparql: str) -> list[str]:
    """The first keyword of each `;`-separated statement, after any PREFIX and BASE declarations:
    what tells an update request (INSERT, DELETE, WITH, LOAD, ...) from a query, even a malformed one.

    >>> statement_keywords("PREFIX ex: <http://x/> SELECT * { ?s ?p 'a;b' } ; drop all")
    ['SELECT', 'DROP']
    """
    found: list[str] = []
    depth, at_start, skip = 0, True, 0
    for match in _TOKEN.finditer(sparql):
        kind, text = match.lastgroup, match.group(0)
        if kind == "comment" or text.isspace():
            continue
        if skip:
            skip -= 1
            continue
        if kind == "other" and text in "{(":
            depth += 1
        elif kind == "other" and text in "})":
            depth -= 1
        elif kind == "other" and text == ";" and depth <= 0:
            at_start = True
            continue
        if not at_start:
            continue
        word = text.upper() if kind == "word" else ""
        if word == "PREFIX":
            skip = 2
        elif word == "BASE":
            skip = 1
        else:
            if word:
                found.append(word)
            at_start = False
    return found


def _walk(root: Any) -> Iterator[Any]:
    """Every node of an rdflib parse tree or algebra expression, depth first."""
    from rdflib.plugins.sparql.parserutils import CompValue

    def walk(node: Any) -> Iterator[Any]:
        yield node
        if isinstance(node, CompValue):
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, pyparsing.ParseResults | list | tuple):
            for value in node:
                yield from walk(value)

    return walk(root)


def _parse_error(exc: pyparsing.ParseBaseException) -> QueryError:
    detail = str(exc).split("  (at char")[0]
    return QueryError(f"malformed query at line {exc.lineno}, column {exc.col}: {detail}")


def prepare_query(sparql: str) -> Query:
    """Parse and check a read-only query; the rdflib `Query` that the rdflib engine runs.

    Raises QueryError for updates, SERVICE, FROM, unknown prefixes and syntax errors.

    >>> prepare_query("SELECT ?s WHERE { ?s kg:uses ?m }").algebra.name
    'SelectQuery'
    >>> prepare_query("DELETE WHERE { ?s ?p ?o }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: updates are refused: kg query is read-only
    """
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        parsed = parseQuery(sparql)
    except pyparsing.ParseBaseException as exc:
        try:
            parseUpdate(sparql)
        except pyparsing.ParseBaseException:
            if set(statement_keywords(sparql)) & _UPDATE_WORDS:
                raise QueryError(UPDATE_REFUSED) from None
            if "SERVICE" in keywords(sparql):
                raise QueryError(SERVICE_REFUSED) from None
            raise _parse_error(exc) from None
        except Exception:  # the update grammar accepted it but failed later: still an update
            raise QueryError(UPDATE_REFUSED) from None
        raise QueryError(UPDATE_REFUSED) from None
    for node in _walk(parsed):
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                raise QueryError(SERVICE_REFUSED)
            if node.name == "DatasetClause":
                raise QueryError(FROM_REFUSED)
    try:
        return translateQuery(parsed, initNs=PREFIXES)
    except Exception as exc:
        raise QueryError(f"malformed query: {' '.join(str(exc).split())}") from exc


QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
_FORMS: dict[str, QueryForm] = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
                                "DescribeQuery": "DESCRIBE"}


@dataclass(frozen=True, slots=True)
class CheckedQuery:
    """A query that passed the read-only guard: `text` is exactly what the engine must run (never
    the text the caller gave, if the guard had to normalise it), `form` its query form."""

    text: str
    form: QueryForm


def check_query(sparql: str) -> CheckedQuery:
    """The read-only guard every query passes before it runs, in the CLI and the endpoint alike.

    Raises QueryError (UPDATE_REFUSED, SERVICE_REFUSED, FROM_REFUSED or a one-line syntax error).

    >>> check_query("ASK { ?s ?p ?o }").form
    'ASK'
    """
    return CheckedQuery(sparql, _FORMS[str(prepare_query(sparql).algebra.name)])


def _variables(node: Any) -> set[Variable]:
    return {n for n in _walk(node) if isinstance(n, Variable)}


def _check_bindings(query: Query, names: Iterable[str]) -> None:
    """Enforce SEP-0007 substitution rules so that both engines give the same rows."""
    from rdflib.plugins.sparql.parserutils import CompValue

    wanted = {Variable(name) for name in names}
    if not wanted:
        return
    top = query.algebra
    present = _variables(top)
    for var in sorted(wanted):
        if var not in present:
            raise QueryError(f"the query has no variable ?{var} to bind")
    if top.name == "SelectQuery":
        projected = set(top.get("PV") or ())
        for var in sorted(wanted - projected):
            raise QueryError(f"a bound variable must be selected: add ?{var} to the SELECT clause")
    subselects = [n for n in _walk(top.p) if isinstance(n, CompValue) and n.name == "Project"]
    if top.name == "SelectQuery":
        subselects = subselects[1:]  # the first Project met is the query's own SELECT
    for sub in subselects:
        inner = _variables(sub.p)
        for var in sorted(wanted & inner - set(sub.PV)):
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
        from kg.rdf.export import double_lexical

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


def _rdflib_value(term: Node | None) -> Value:
    if term is None:
        return None
    if isinstance(term, RdfLiteral):
        return literal_value(str(term), str(term.datatype) if term.datatype else None)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _oxigraph_value(term: Any) -> Value:
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


def _sorted_rows(rows: Iterable[tuple[Value, ...]]) -> list[tuple[Value, ...]]:
    return sorted(rows, key=lambda row: tuple(repr(v) for v in row))


# --- engines -------------------------------------------------------------------------------------


def _oxigraph_available() -> bool:
    try:
        import pyoxigraph  # noqa: F401
    except ImportError:
        return False
    return True


def _is_store(source: Any) -> bool:
    if not _oxigraph_available():
        return False
    import pyoxigraph

    return isinstance(source, pyoxigraph.Store)


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
    fmt = RdfFormat.from_path(path)
    try:
        store.bulk_load(path=str(path), format=fmt.oxigraph)
    except SyntaxError as exc:
        raise GraphError(f"{source}: cannot parse as {fmt.label}: {' '.join(str(exc).split())}") from exc
    return store


def _store_dir(source: Any) -> bool:
    """Whether `source` is the path of a persistent store (`kg load`) rather than an RDF file."""
    if not isinstance(source, str | os.PathLike):
        return False
    from kg.rdf.store import is_store

    return is_store(source)


def _run_oxigraph(source: Any, sparql: str, terms: Mapping[str, Node]) -> QueryResult:
    import pyoxigraph

    if not isinstance(source, pyoxigraph.Store) and _store_dir(source):
        from kg.rdf.store import open_store

        with open_store(source) as opened:  # read-only, for this one query
            return _run_oxigraph(opened.store, sparql, terms)
    store = source if isinstance(source, pyoxigraph.Store) else load_store(source)
    substitutions = {pyoxigraph.Variable(name): _ox_term(term, {}) for name, term in terms.items()}
    try:
        answer = store.query(sparql, prefixes=PREFIXES, substitutions=substitutions or None)
    except (SyntaxError, RuntimeError, ValueError, OSError) as exc:
        raise QueryError(f"query failed on oxigraph: {' '.join(str(exc).split())}") from exc
    if isinstance(answer, pyoxigraph.QueryBoolean):
        return QueryResult(["ask"], [(bool(answer),)])
    if isinstance(answer, pyoxigraph.QueryTriples):
        triples = [
            (_oxigraph_value(t.subject), _oxigraph_value(t.predicate), _oxigraph_value(t.object))
            for t in answer
        ]
        return QueryResult(["subject", "predicate", "object"], _sorted_rows(triples))
    columns = [var.value for var in answer.variables]
    rows = [tuple(_oxigraph_value(solution[var]) for var in answer.variables) for solution in answer]
    return QueryResult(columns, rows)


def _run_rdflib(source: Any, query: Query, terms: Mapping[str, Node]) -> QueryResult:
    if _is_store(source) or _store_dir(source):
        raise OptionError("a pyoxigraph store can only be queried with engine 'oxigraph' or 'auto'")
    graph = source if isinstance(source, Graph) else load_graph(source)
    try:
        init: dict[str, Identifier] = {k: cast(Identifier, v) for k, v in terms.items()}
        answer = graph.query(query, initBindings=init)
    except Exception as exc:
        raise QueryError(f"query failed on rdflib: {' '.join(str(exc).split())}") from exc
    if answer.type == "ASK":
        return QueryResult(["ask"], [(bool(answer.askAnswer),)])
    if answer.type in ("CONSTRUCT", "DESCRIBE"):
        assert answer.graph is not None
        triples = [(_rdflib_value(s), _rdflib_value(p), _rdflib_value(o)) for s, p, o in answer.graph]
        return QueryResult(["subject", "predicate", "object"], _sorted_rows(triples))
    variables = list(answer.vars or ())
    rows = [tuple(_rdflib_value(term) for term in cast(tuple[Node | None, ...], row)) for row in answer]
    return QueryResult([str(v) for v in variables], rows)


def run_query(
    source: str | os.PathLike[str] | Graph | pyoxigraph.Store,
    sparql: str,
    *,
    bindings: Mapping[str, BindingValue] | None = None,
    engine: Engine = "auto",
) -> QueryResult:
    """Answer a read-only SPARQL query over an RDF file, an rdflib graph or a pyoxigraph store.

    `engine="auto"` uses pyoxigraph (fast; the file is bulk-loaded into an in-memory store) and falls
    back to rdflib when pyoxigraph is not installed. Both engines give the same rows; the order of
    rows is only defined when the query has ORDER BY. `source` may also be the directory of a
    persistent store written by `kg load` (`kg.rdf.store`), opened read-only for this query.

    >>> from kg.rdf.export import to_rdf
    >>> import networkx as nx
    >>> nxg = nx.MultiDiGraph()
    >>> nxg.add_node("method/bert", kind="Method", label="BERT", aliases=[], paper_count=3)
    >>> q = "SELECT ?label ?n WHERE { ?m skos:prefLabel ?label ; kg:paperCount ?n }"
    >>> run_query(to_rdf(nxg), q).rows
    [('BERT', 3)]
    >>> q = "SELECT ?label ?m WHERE { ?m skos:prefLabel ?label }"
    >>> run_query(to_rdf(nxg), q, bindings={"label": "bert"}, engine="rdflib").rows
    []
    """
    if engine not in ENGINES:
        raise OptionError(f"unknown query engine '{engine}'; use {', '.join(ENGINES)}")
    query = prepare_query(sparql)
    terms = _binding_terms(bindings)
    _check_bindings(query, terms)
    chosen = engine
    if engine == "auto":
        chosen = "oxigraph" if _oxigraph_available() else "rdflib"
    if chosen == "oxigraph":
        if not _oxigraph_available():
            raise OptionError("engine 'oxigraph' needs pyoxigraph: pip install pyoxigraph")
        return _run_oxigraph(source, sparql, terms)
    return _run_rdflib(source, query, terms)


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
    *,
    engine: Engine = "auto",
) -> QueryResult:
    """Run a named query with its parameters bound; the parameter columns are left out of the result
    (they only echo the values given).

    >>> import networkx as nx
    >>> from kg.rdf.export import to_rdf
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("method/bert", kind="Method", label="BERT", aliases=["bert-base"], paper_count=1)
    >>> run_named(to_rdf(g), "entity-aliases").rows
    [('Method', 'BERT', 'bert-base')]
    """
    query = get_named(name)
    values = query.bindings(params)
    result = run_query(source, query.text, bindings=values, engine=engine)
    keep = [i for i, column in enumerate(result.columns) if column not in query.params]
    if len(keep) == len(result.columns):
        return result
    return QueryResult(
        [result.columns[i] for i in keep], [tuple(row[i] for i in keep) for row in result.rows]
    )

"""kg's graph files: node-link JSON and GraphML written and read back, and any graph file (or a
build folder) loaded into NetworkX, checked once against the graph's contract (`kg.schema`).

- `write_node_link` / `read_node_link`: NetworkX node-link JSON (`graph.json`) or GraphML;
- `load_any_graph`: a build folder, a node-link / GraphML file or an RDF file (through `kg.rdf`) as
  an `nx.MultiDiGraph`; every node is checked for its kind and the attributes its kind guarantees
  (`check_graph`), so that the view and other readers can index attributes without defending
  against files kg did not write.

GraphML attributes are scalars, and XML 1.0 cannot hold most C0 control characters (U+0000-U+001F
but tab, newline and carriage return), U+FFFE, U+FFFF or unpaired surrogates, which hostile
abstracts do contain. So, attribute by attribute and for node ids and edge keys:

- a list or dict is written as its JSON text (`["BERT", "BERT-base"]`);
- a string that holds a character XML cannot, or that starts with `"`, `[` or `{`, is written as a
  JSON string literal (`"We use BERT\\u0000 on ..."`) in which those characters are `\\uXXXX`
  escapes: the file is well-formed, and reading it back gives exactly the string written;
- None is left out (GraphML has no null): `load_any_graph` reads a missing attribute that may be
  None as None;
- every other value as it is.

`read_graphml` decodes JSON text where a value starts with `"`, `[` or `{`, so what `write_graphml`
wrote comes back as it was. Another GraphML reader sees the JSON text, which loses nothing either.

This module composes stages (it reads RDF through `kg.rdf`); the stages themselves never import it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import IO, Any, get_args, get_type_hints

import networkx as nx

from kg.atomic import atomic_write
from kg.errors import FormatError, GraphError, InputError
from kg.iterables import batched
from kg.schema import ENTITY_KINDS, NODE_KINDS, ClaimAttrs, EdgeAttrs, EntityAttrs, PaperAttrs

GRAPH_FORMATS = ("json", "graphml")
"""The formats `write_node_link` writes (`kg build --graph-format`)."""
GRAPH_SUFFIXES = (".json", ".graphml", ".ttl", ".nt", ".jsonld")
"""The graph files `load_any_graph` reads, in the order it looks for them in a build folder."""
_RDF_SUFFIXES = (".ttl", ".nt", ".jsonld")


# --- node-link JSON ------------------------------------------------------------------------------


def write_node_link(graph: nx.MultiDiGraph, path: str | Path, *, fmt: str = "json") -> None:
    """Writes the graph (atomically) as NetworkX node-link JSON or as GraphML (lists, and strings XML
    cannot hold, as JSON text: see the module docstring).

    >>> import tempfile
    >>> g = nx.MultiDiGraph([("a", "b", "uses")])
    >>> path = Path(tempfile.mkdtemp()) / "graph.json"
    >>> write_node_link(g, path)
    >>> list(read_node_link(path).edges(keys=True))
    [('a', 'b', 'uses')]
    """
    if fmt == "json":
        with atomic_write(path) as out:
            _write_node_link_json(graph, out)
    elif fmt == "graphml":
        with atomic_write(path, mode="wb", encoding=None) as out:
            write_graphml(graph, out)  # type: ignore[arg-type]
    else:
        raise FormatError(f"unknown graph format {fmt!r}; use {', '.join(GRAPH_FORMATS)}")


def _write_node_link_json(graph: nx.MultiDiGraph, out: Any) -> None:
    """Streams what `json.dump(nx.node_link_data(graph, edges="edges"), sort_keys=True)` writes, a
    thousand nodes or edges at a time: json.dump encodes with the pure-Python encoder and needs the
    whole document in memory, one C encoder call per batch of rows does not (4x faster on a
    10k-paper graph, and no encoder set up per row)."""
    encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode

    def items(rows: Iterable[dict[str, Any]]) -> None:
        separator = ""
        for batch in batched(rows, 1000):
            out.write(separator + encode(batch)[1:-1])  # a list's items, joined by ", " as json.dump does
            separator = ", "

    out.write(f'{{"directed": {encode(graph.is_directed())}, "edges": [')
    items({**attrs, "source": u, "target": v, "key": key}
          for u, targets in graph.adjacency() for v, keyed in targets.items() for key, attrs in keyed.items())
    out.write(f'], "graph": {encode(graph.graph)}, "multigraph": {encode(graph.is_multigraph())}, "nodes": [')
    items({**attrs, "id": node} for node, attrs in graph.nodes(data=True))
    out.write("]}")


def read_node_link(path: str | Path) -> nx.MultiDiGraph:
    """A graph written by `write_node_link` in JSON form (not checked: see `load_any_graph`)."""
    try:
        with Path(path).open(encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise InputError(f"cannot read graph: {exc.strerror}", source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not a node-link JSON graph: {exc.msg}", source=str(path), line=exc.lineno) from None
    graph = nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
    if not isinstance(graph, nx.MultiDiGraph):  # pragma: no cover - node_link_graph honours multigraph
        graph = nx.MultiDiGraph(graph)
    return graph


# --- GraphML -------------------------------------------------------------------------------------


# What XML 1.0 (section 2.2, Char) cannot hold; surrogates are unpaired in a Python str by construction.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_JSON_START = ('"', "[", "{")


def encode(value: Any) -> Any:
    """A value as GraphML can hold it (see the module docstring); None stays None.

    >>> encode(["a", "b"]), encode("plain"), encode("bell\\x07")
    ('["a", "b"]', 'plain', '"bell\\\\u0007"')
    >>> decode(encode("bell\\x07")) == "bell\\x07" and decode(encode('"quoted"')) == '"quoted"'
    True
    """
    if isinstance(value, list | dict):
        return _NOT_XML.sub(_escape, json.dumps(value, ensure_ascii=False))
    if isinstance(value, str) and (value.startswith(_JSON_START) or _NOT_XML.search(value)):
        return _NOT_XML.sub(_escape, json.dumps(value, ensure_ascii=False))
    return value


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def decode(value: Any) -> Any:
    """The value `encode` was given, from what it wrote (other values as they are)."""
    if isinstance(value, str) and value.startswith(_JSON_START):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def write_graphml(graph: nx.MultiDiGraph, out: IO[bytes]) -> None:
    """Writes `graph` as GraphML to the binary stream `out`."""
    flat = nx.MultiDiGraph()
    for node, attrs in graph.nodes(data=True):
        flat.add_node(encode(node), **_encoded(attrs))
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        flat.add_edge(encode(u), encode(v), key=encode(key), **_encoded(attrs))
    nx.write_graphml(flat, out)


def _encoded(attrs: dict[str, Any]) -> dict[str, Any]:
    return {key: encode(value) for key, value in attrs.items() if value is not None}


def read_graphml(path: Path) -> nx.MultiDiGraph:
    """The graph in a GraphML file that `write_graphml` wrote (GraphError when it is not GraphML)."""
    try:
        raw = nx.read_graphml(path, force_multigraph=True)
    except Exception as exc:
        raise GraphError(f"{path}: cannot parse as GraphML: {exc}") from exc
    graph = nx.MultiDiGraph()
    for node, attrs in raw.nodes(data=True):
        graph.add_node(decode(node), **{k: decode(v) for k, v in attrs.items()})
    for u, v, key, attrs in raw.edges(keys=True, data=True):
        values = {k: decode(val) for k, val in attrs.items()}
        values.setdefault("relation", decode(key))
        graph.add_edge(decode(u), decode(v), key=values["relation"],
                       **{k: val for k, val in values.items() if k != "id"})
    return graph


# --- any graph file, checked ---------------------------------------------------------------------


def load_any_graph(path: str | Path) -> nx.MultiDiGraph:
    """The kg graph in a file that `kg build` wrote (node-link JSON, GraphML, Turtle, N-Triples or
    JSON-LD) or in its output folder (graph.json preferred, then graph.graphml, then RDF), checked
    against the graph's contract (`check_graph`).

    >>> load_any_graph("no/such/graph.json")
    Traceback (most recent call last):
    ...
    kg.errors.InputError: no/such/graph.json: no such file or folder
    """
    source = Path(path)
    if not source.exists():
        raise InputError("no such file or folder", source=str(path))
    if source.is_dir():
        for name in ("graph" + suffix for suffix in GRAPH_SUFFIXES):
            if (source / name).is_file():
                return load_any_graph(source / name)
        raise InputError(f"holds no graph file; expected one of {', '.join('graph' + s for s in GRAPH_SUFFIXES)} "
                         "(run kg build first)", source=str(path))
    suffix = source.suffix.lower()
    if suffix == ".json":
        try:
            graph = read_node_link(source)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise GraphError(f"{path}: not a node-link graph that kg build wrote ({type(exc).__name__}: {exc}); "
                             "give the build folder, its graph.json or its graph.ttl") from None
    elif suffix == ".graphml":
        graph = read_graphml(source)
    elif suffix in _RDF_SUFFIXES:
        graph = _read_rdf(source)
    else:
        raise FormatError(f"{path}: cannot tell the graph format from '{source.suffix}'; "
                          f"use a {', '.join(GRAPH_SUFFIXES)} file or a kg build folder")
    check_graph(graph, str(path))
    return graph


def _read_rdf(source: Path) -> nx.MultiDiGraph:
    from kg.rdf.read import load_graph
    from kg.rdf.to_nx import from_rdf

    return from_rdf(load_graph(source))


def check_graph(graph: nx.MultiDiGraph, where: str) -> None:
    """Checks, once, that a graph read from a file holds what `kg.schema` guarantees: every node a
    kind of `NODE_KINDS` with the attributes of its kind (`PaperAttrs`, `EntityAttrs`, `ClaimAttrs`)
    of the right types, every edge a `relation` and an `evidence` list. An attribute that may be None
    and is missing is set to None (GraphML cannot hold None). GraphError names the first node or
    edge that is wrong.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("method/bert", kind="Method", label="BERT", aliases=[], paper_count="two")
    >>> check_graph(g, "graph.json")
    Traceback (most recent call last):
    ...
    kg.errors.GraphError: graph.json: node 'method/bert' (Method): paper_count: Input should be a valid integer
    >>> g.nodes["method/bert"]["paper_count"] = 2
    >>> check_graph(g, "graph.json"); g.nodes["method/bert"]["kb_id"] is None
    True
    """
    from pydantic import ValidationError

    checkers = _checkers()
    for node, attrs in graph.nodes(data=True):
        kind = attrs.get("kind")
        if kind not in NODE_KINDS:
            raise GraphError(f"{where}: node '{node}' has kind {kind!r}, not one of "
                             f"{', '.join(NODE_KINDS)}; is it a graph that kg build wrote?")
        adapter, optional = checkers[kind]
        for key in optional:
            attrs.setdefault(key, None)
        try:
            adapter.validate_python(attrs)
        except ValidationError as exc:
            raise GraphError(f"{where}: node '{node}' ({kind}): {_first_error(exc)}") from None
    adapter, _ = checkers["edge"]
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        try:
            adapter.validate_python(attrs)
        except ValidationError as exc:
            raise GraphError(f"{where}: edge '{u}' -> '{v}' ({key}): {_first_error(exc)}") from None


def _first_error(exc: Any) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"


@cache
def _checkers() -> dict[str, tuple[Any, tuple[str, ...]]]:
    """Per node kind (and "edge"), a strict pydantic validator of its attributes and the attributes
    that may be None.

    The validators are built from the contract's TypedDicts (re-declared through typing_extensions,
    which pydantic needs on Python 3.11); an edge's evidence is checked to be a list, not item by item
    (no reader of a loaded graph looks inside, and a large graph has a million edges).
    """
    import typing_extensions
    from pydantic import TypeAdapter

    def checker(cls: type, **override: Any) -> tuple[Any, tuple[str, ...]]:
        hints = {**get_type_hints(cls), **override}
        typed = typing_extensions.TypedDict(cls.__name__, hints)  # type: ignore[misc]
        typed.__pydantic_config__ = {"strict": True}  # type: ignore[attr-defined]
        optional = tuple(key for key, hint in hints.items() if type(None) in get_args(hint))
        return TypeAdapter(typed), optional

    entity = checker(EntityAttrs)
    return {"Paper": checker(PaperAttrs), "Claim": checker(ClaimAttrs), "edge": checker(EdgeAttrs, evidence=list),
            **dict.fromkeys(ENTITY_KINDS, entity)}

"""kg's graph as GraphML (`kg build --graph-format graphml`) and back (`kg view graph.graphml`).

GraphML attributes are scalars, and XML 1.0 cannot hold most C0 control characters (U+0000-U+001F
but tab, newline and carriage return), U+FFFE, U+FFFF or unpaired surrogates, which hostile
abstracts do contain. So, attribute by attribute and for node ids and edge keys:

- a list or dict is written as its JSON text (`["BERT", "BERT-base"]`);
- a string that holds a character XML cannot, or that starts with `"`, `[` or `{`, is written as a
  JSON string literal (`"We use BERT\\u0000 on ..."`) in which those characters are `\\uXXXX`
  escapes: the file is well-formed, and reading it back gives exactly the string written;
- every other value as it is.

`read_graphml` decodes JSON text where a value starts with `"`, `[` or `{`, so what `write_graphml`
wrote comes back as it was. Another GraphML reader sees the JSON text, which loses nothing either.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, Any

import networkx as nx

from kg.errors import GraphError

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

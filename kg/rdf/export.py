"""Write the RDF of a kg graph to a file: N-Triples and Turtle by kg's own writers, JSON-LD by
pyoxigraph from kg's N-Triples.

All three are streamed from the mapping's terms (`kg.rdf.mapping`), in bounded memory, and written
atomically. Turtle stays kg's: piping the N-Triples through pyoxigraph's Turtle writer takes about
three times as long on a large build (parsing every triple back into Python objects), and the RDF
is the slowest output of a build. JSON-LD through pyoxigraph is faster than kg's old writer was.
"""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

import networkx as nx
import pyoxigraph
from pyoxigraph import RdfFormat
from rdflib import Graph

from kg.atomic import atomic_write
from kg.rdf.formats import rdf_format
from kg.rdf.mapping import Block, NodeItem, Pairs, _blocks, _nodes
from kg.rdf.terms import _NT, _TURTLE, _TURTLE_PREFIXES, nt_term

_CHUNK = 1 << 16


class _Buffered:
    """Collects text to write in large UTF-8 chunks: `take()` gives what was written since the last."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts.clear()
        self.size = 0
        return data


def _nt_chunks(blocks: Iterable[Block]) -> Iterator[bytes]:
    """The N-Triples of the mapping's blocks (terms already in N-Triples syntax), in UTF-8 chunks."""
    buffer = _Buffered()
    for s, pairs in blocks:
        buffer.write("".join([f"{s} {p} {o} .\n" for p, o in pairs]))
        if buffer.size >= _CHUNK:
            yield buffer.take()
    yield buffer.take()


def _graph_chunks(graph: Graph) -> Iterator[bytes]:
    """The N-Triples of an rdflib graph, one line per triple, sorted (so each subject's are together)."""
    lines = sorted(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n" for s, p, o in graph)
    for start in range(0, len(lines), 1024):
        yield "".join(lines[start:start + 1024]).encode("utf-8")


class _ChunkReader(io.RawIOBase):
    """A binary file that reads an iterator of byte chunks (what pyoxigraph's parser reads)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._rest = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._rest = memoryview(chunk)
        size = min(len(buffer), len(self._rest))
        buffer[:size] = self._rest[:size]
        self._rest = self._rest[size:]
        return size


def _convert(chunks: Iterable[bytes], fmt: RdfFormat, out: IO[bytes]) -> None:
    """Writes N-Triples `chunks` to `out` in `fmt` with pyoxigraph (kg's prefixes where the format has them).

    `lenient` skips pyoxigraph's IRI checks: the N-Triples are kg's own, every IRI percent-encoded.
    """
    reader = io.BufferedReader(_ChunkReader(chunks), _CHUNK)
    triples = pyoxigraph.parse(reader, format=RdfFormat.N_TRIPLES, lenient=True)
    pyoxigraph.serialize(triples, out, format=fmt, prefixes=dict(_TURTLE_PREFIXES))


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
    buffer = _Buffered()
    buffer.write("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(_TURTLE_PREFIXES)))
    subject: str | None = None
    pending: Pairs = []
    for s, pairs in blocks:
        if s == subject:
            pending = pending + pairs
            continue
        if pending:
            buffer.write(_turtle_text(subject or "", pending))
            if buffer.size >= _CHUNK:
                out.write(buffer.take())
        subject, pending = s, pairs
    if pending:
        buffer.write(_turtle_text(subject or "", pending))
    out.write(buffer.take())


def write_rdf(
    graph: nx.MultiDiGraph | Graph,
    path: str | os.PathLike[str],
    *,
    format: RdfFormat | str = "ttl",
) -> Path:
    """Write the RDF form of `graph` (a kg NetworkX graph or an rdflib graph) to `path`.

    The file is written to a temporary file in the same directory and moved into place, so a reader
    never sees half a file. A kg graph is streamed from the mapping's terms; no rdflib graph is
    built (rdflib's own Turtle writer rewrites xsd:double 10000001.0 as 1e+07, its JSON-LD writer
    drops an empty string next to other values, and both are slow on large graphs). An rdflib
    graph is written as sorted N-Triples, through pyoxigraph for Turtle and JSON-LD.
    Returns the path written.

    >>> import tempfile, pathlib
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("paper:p1", kind="Paper", paper_id="p1", title="T")
    >>> out = write_rdf(g, pathlib.Path(tempfile.mkdtemp()) / "g.nt", format="nt")
    >>> from kg.rdf.read import load_graph
    >>> len(load_graph(out))
    3
    """
    fmt = rdf_format(format)
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
                    format: RdfFormat | str = "ttl") -> Path:
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
    fmt = rdf_format(format)
    stream = iter(parts)
    kinds: list[tuple[Any, Any]] = pickle.loads(next(stream, pickle.dumps([])))
    nodes = (node for part in stream for node in pickle.loads(part))
    target = Path(path)
    with atomic_write(target, mode="wb", encoding=None) as out:
        _write_mapping(kinds, nodes, fmt, cast(IO[bytes], out))
    return target


def _write_mapping(kinds: Iterable[tuple[Any, Any]], nodes: Iterable[NodeItem], fmt: RdfFormat, out: IO[bytes]) -> None:
    """Writes the mapping of a kg graph's nodes in `fmt`, each term rendered in the file's syntax."""
    if fmt == RdfFormat.TURTLE:
        _write_turtle(_blocks(kinds, nodes, _TURTLE), out)
    elif fmt == RdfFormat.N_TRIPLES:
        out.writelines(_nt_chunks(_blocks(kinds, nodes, _NT)))
    else:
        _convert(_nt_chunks(_blocks(kinds, nodes, _NT)), fmt, out)


def _write_format(graph: nx.MultiDiGraph | Graph, fmt: RdfFormat, out: IO[bytes]) -> None:
    """Writes `graph` in `fmt`: a kg graph from the mapping's blocks, an rdflib graph from N-Triples."""
    if isinstance(graph, nx.Graph):
        _write_mapping(*_nodes(graph), fmt, out)
    elif fmt == RdfFormat.N_TRIPLES:
        out.writelines(_graph_chunks(graph))
    else:
        _convert(_graph_chunks(graph), fmt, out)

"""Composes the stages: read -> extract -> link -> graph -> RDF, node-link JSON, records and stats.

The only module besides the CLI that imports several stages. Each output file is written atomically,
so an interrupted build leaves the previous outputs as they were.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import FormatError, InputError, Problem
from kg.io import atomic_write
from kg.types import Extraction, Paper

GRAPH_FORMATS = ("json", "graphml")


@dataclass
class BuildResult:
    """What a build wrote and counted."""

    outdir: Path
    papers: int
    files: dict[str, Path] = field(default_factory=dict)
    stats: dict[str, dict[str, int]] = field(default_factory=dict)


def read_records(path: str | Path) -> Iterator[Extraction]:
    """Extraction records from a JSONL file that `kg extract` wrote."""
    try:
        handle = Path(path).open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read records: {exc.strerror}", source=str(path)) from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield Extraction.from_json(json.loads(line))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise InputError(f"bad extraction record: {exc}", source=str(path), line=number) from None


def write_records(records: Iterable[Extraction], path: str | Path) -> int:
    """Writes extraction records as JSONL (atomically); returns how many."""
    n = 0
    with atomic_write(path) as out:
        for record in records:
            out.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            n += 1
    return n


def write_node_link(graph: nx.MultiDiGraph, path: str | Path, *, fmt: str = "json") -> None:
    """Writes the graph as NetworkX node-link JSON or GraphML (list attributes as JSON strings)."""
    if fmt == "json":
        data = nx.node_link_data(graph, edges="edges")
        with atomic_write(path) as out:
            json.dump(data, out, ensure_ascii=False, indent=None, sort_keys=True)
    elif fmt == "graphml":
        flat = nx.MultiDiGraph()
        for node, attrs in graph.nodes(data=True):
            flat.add_node(node, **_flat(attrs))
        for u, v, key, attrs in graph.edges(keys=True, data=True):
            flat.add_edge(u, v, key=key, **_flat(attrs))
        with atomic_write(path, mode="wb", encoding=None) as out:
            nx.write_graphml(flat, out)
    else:
        raise FormatError(f"unknown graph format {fmt!r}; use {', '.join(GRAPH_FORMATS)}")


def _flat(attrs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        out[key] = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value
    return out


def read_node_link(path: str | Path) -> nx.MultiDiGraph:
    """A graph written by `write_node_link` in JSON form."""
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


def build(inputs: Sequence[str | Path], outdir: str | Path, *, fmt: str | None = None, strict: bool = False,
          rdf_format: str = "ttl", graph_format: str = "json", records: str | Path | None = None,
          batch_size: int = 64, on_problem: Callable[[Problem], None] | None = None,
          progress: Callable[[Iterable[Any], str], Iterable[Any]] | None = None, fast: bool = False,
          html: bool = True) -> BuildResult:
    """Reads the inputs, extracts (or reads `records`), links, builds the graph and writes every output.

    `fast` extracts with the rules-only pipeline (no trained tagger); `html` also writes graph.html.

    Outputs in `outdir`: records.jsonl, graph.<rdf ext>, graph.json or graph.graphml, stats.json.
    """
    from kg.extract import build_nlp, extract_papers
    from kg.graph import build_graph, stats
    from kg.ingest import read_papers
    from kg.link import link, load_kb
    from kg.rdf.export import RdfFormat, write_rdf

    if graph_format not in GRAPH_FORMATS:
        raise FormatError(f"unknown graph format {graph_format!r}; use {', '.join(GRAPH_FORMATS)}")
    rdf = RdfFormat.parse(rdf_format)
    out = Path(outdir)
    papers: list[Paper] = list(read_papers(inputs, format=fmt, on_problem=on_problem, strict=strict))
    if records is not None:
        extractions = list(read_records(records))
    else:
        stream: Iterable[Extraction] = extract_papers(papers, build_nlp(fast=fast), batch_size=batch_size)
        if progress is not None:
            stream = progress(stream, "papers")
        extractions = list(stream)
    linked = link(extractions, load_kb())
    graph = build_graph(papers, linked)
    result = BuildResult(outdir=out, papers=len(papers))
    result.files["records"] = out / "records.jsonl"
    write_records(linked.extractions, result.files["records"])
    result.files["graph"] = out / f"graph.{graph_format}"
    write_node_link(graph, result.files["graph"], fmt=graph_format)
    result.files["rdf"] = out / f"graph.{rdf.value}"
    write_rdf(graph, result.files["rdf"], format=rdf)
    result.stats = stats(graph)
    result.files["stats"] = out / "stats.json"
    with atomic_write(result.files["stats"]) as handle:
        json.dump(result.stats, handle, indent=2)
    return result

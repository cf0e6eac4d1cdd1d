"""Composes the stages: read -> extract -> link -> graph -> RDF, node-link JSON, records and stats.

The only module besides the CLI that imports several stages. Each output file is written atomically,
so an interrupted build leaves the previous outputs as they were.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from kg.cache import BuildCache, record_key
from kg.errors import FormatError, InputError, OptionError, Problem
from kg.io import atomic_write, read_jsonl, staged_outputs
from kg.types import Extraction, Paper

GRAPH_FORMATS = ("json", "graphml")


@dataclass
class BuildResult:
    """What a build wrote and counted."""

    outdir: Path
    papers: int
    files: dict[str, Path] = field(default_factory=dict)
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    up_to_date: bool = False


def read_records(path: str | Path) -> Iterator[Extraction]:
    """Extraction records from a JSONL file that `kg extract` wrote."""
    return read_jsonl(path, Extraction.from_json, what="extraction record")


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
        with atomic_write(path) as out:
            _write_node_link_json(graph, out)
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


def _write_node_link_json(graph: nx.MultiDiGraph, out: Any) -> None:
    """Streams what `json.dump(nx.node_link_data(graph, edges="edges"), sort_keys=True)` writes, item
    by item: json.dump encodes with the pure-Python encoder and needs the whole document in memory,
    json.dumps per node and edge uses the C encoder (4x faster on a 10k-paper graph)."""
    dumps = functools.partial(json.dumps, ensure_ascii=False, sort_keys=True)

    def items(rows: Iterable[dict[str, Any]]) -> None:
        batch: list[str] = []
        separator = ""
        for row in rows:
            batch.append(dumps(row))
            if len(batch) >= 1000:
                out.write(separator + ", ".join(batch))
                batch, separator = [], ", "
        if batch:
            out.write(separator + ", ".join(batch))

    out.write(f'{{"directed": {dumps(graph.is_directed())}, "edges": [')
    items({**attrs, "source": u, "target": v, "key": key} for u, v, key, attrs in graph.edges(keys=True, data=True))
    out.write(f'], "graph": {dumps(graph.graph)}, "multigraph": {dumps(graph.is_multigraph())}, "nodes": [')
    items({**attrs, "id": node} for node, attrs in graph.nodes(data=True))
    out.write("]}")


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


def pipeline_fingerprint(*, fast: bool) -> str:
    """What an extraction record depends on besides the paper: pipeline version, knowledge base, model.

    Changing any of them changes the fingerprint, so cached records of the old pipeline are not reused.
    """
    from kg.extract import PIPELINE_VERSION
    from kg.kb import packaged_kb_files

    digest = hashlib.sha256(f"{PIPELINE_VERSION}|{'fast' if fast else 'default'}".encode())
    for file in packaged_kb_files():
        digest.update(file.read_bytes())
    if not fast:
        meta = Path(__file__).parent / "models" / "ner" / "meta.json"
        if meta.exists():
            digest.update(meta.read_bytes())
    return digest.hexdigest()[:16]


# --- extraction in worker processes ---------------------------------------------------------------

_WORKER_NLP: Any = None


def _init_worker(fast: bool) -> None:
    from kg.extract import build_nlp

    global _WORKER_NLP
    _WORKER_NLP = build_nlp(fast=fast)


def _extract_chunk(chunk: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from kg.extract import extract_papers

    papers = [Paper.from_json(obj) for obj in chunk]
    return [e.to_json() for e in extract_papers(papers, _WORKER_NLP)]


def extract_stream(papers: Iterable[Paper], *, fast: bool = False, workers: int = 1,
                   batch_size: int = 64, dask: str | None = None) -> Iterator[Extraction]:
    """Extraction records of `papers`, in order, in this process or in `workers` processes.

    Papers go to the workers in chunks with a bounded number in flight, so memory stays constant
    whatever the input size. Worker processes pay off for the trained tagger (DESIGN.md: cheap
    pipelines get slower with processes). `dask` extracts on a Dask cluster instead: a scheduler
    address or ``local:N`` (see `kg.distributed`).
    """
    from kg.extract import build_nlp, extract_papers

    if dask is not None:
        from kg.distributed import extract_with_dask

        yield from extract_with_dask(papers, dask, fast=fast, batch_size=batch_size)
        return
    if workers <= 1:
        yield from extract_papers(papers, build_nlp(fast=fast), batch_size=batch_size)
        return
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    chunk_size = max(batch_size, 32)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_init_worker, initargs=(fast,)) as pool:
        pending: deque[Future[list[dict[str, Any]]]] = deque()
        chunk: list[dict[str, Any]] = []
        for paper in papers:
            chunk.append(paper.to_json())
            if len(chunk) >= chunk_size:
                pending.append(pool.submit(_extract_chunk, chunk))
                chunk = []
                while len(pending) > 2 * workers:
                    yield from (Extraction.from_json(r) for r in pending.popleft().result())
        if chunk:
            pending.append(pool.submit(_extract_chunk, chunk))
        while pending:
            yield from (Extraction.from_json(r) for r in pending.popleft().result())


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- the build -------------------------------------------------------------------------------------


def build(inputs: Sequence[str | Path], outdir: str | Path, *, fmt: str | None = None, strict: bool = False,
          rdf_format: str = "ttl", graph_format: str = "json", records: str | Path | None = None,
          batch_size: int = 64, on_problem: Callable[[Problem], None] | None = None,
          progress: Callable[[Iterable[Any], str], Iterable[Any]] | None = None, fast: bool = False,
          html: bool = True, workers: int = 1, update: bool = False, dask: str | None = None) -> BuildResult:
    """Reads the inputs, extracts (or reads `records`), links, builds the graph and writes every output.

    Papers and extraction records are kept in `outdir/cache.sqlite`: a paper whose content and
    pipeline are unchanged is never extracted again, an interrupted build resumes where it stopped,
    and `update` adds the inputs to the papers of the previous build instead of replacing them.
    `fast` extracts with the rules-only pipeline (no trained tagger); `workers` extracts in that many
    processes; `dask` extracts on a Dask cluster instead (a scheduler address or ``local:N``, see
    `kg.distributed`); `html` also writes graph.html.

    Outputs in `outdir`: records.jsonl, graph.<rdf ext>, graph.json or graph.graphml, stats.json.
    """
    from kg.graph import build_graph, stats
    from kg.ingest import read_papers
    from kg.link import link, load_kb
    from kg.rdf.export import RdfFormat, write_rdf

    if graph_format not in GRAPH_FORMATS:
        raise FormatError(f"unknown graph format {graph_format!r}; use {', '.join(GRAPH_FORMATS)}")
    if workers < 1:
        raise OptionError("--workers must be at least 1")
    if dask is not None and workers > 1:
        raise OptionError("--workers and --dask exclude each other: with --dask the Dask workers extract")
    rdf = RdfFormat.parse(rdf_format)
    out = Path(outdir)
    if update and not (out / CACHE_NAME).exists():
        raise InputError(f"nothing to update: no {CACHE_NAME} here; build it first with `kg build ... -o {out}`",
                         source=str(out))
    fingerprint = pipeline_fingerprint(fast=fast)
    given = {e.paper_id: e for e in read_records(records)} if records is not None else None
    timings: dict[str, float] = {}
    with BuildCache(out / CACHE_NAME) as cache:
        clock = time.perf_counter()
        ids = _store_inputs(cache, read_papers(inputs, format=fmt, on_problem=on_problem, strict=strict),
                            fingerprint, update=update)
        timings["read"] = time.perf_counter() - clock
        clock = time.perf_counter()
        if given is None:
            _extract_missing(cache, ids, fast=fast, workers=workers, batch_size=batch_size, progress=progress,
                             dask=dask)
        timings["extract"] = time.perf_counter() - clock
        outputs = {"records": out / "records.jsonl", "graph": out / f"graph.{graph_format}",
                   "rdf": out / f"graph.{rdf.value}", "stats": out / "stats.json"}
        if html:
            outputs["html"] = out / "graph.html"
        manifest = _manifest(cache, ids, fingerprint, outputs, given is not None)
        result = BuildResult(outdir=out, papers=len(ids), files=outputs, timings=timings)
        if cache.get_meta("manifest") == manifest and all(p.exists() for p in outputs.values()):
            result.stats = json.loads(outputs["stats"].read_text(encoding="utf-8"))
            result.up_to_date = True
            return result
        clock = time.perf_counter()
        papers: list[Paper] = []
        extractions: list[Extraction] = []
        for paper, _, record in cache.entries(ids):
            papers.append(paper)
            chosen = given.get(paper.id) if given is not None else record
            extractions.append(chosen if chosen is not None else Extraction(paper.id))
        linked = link(extractions, load_kb())
        del extractions
        timings["link"] = time.perf_counter() - clock
        clock = time.perf_counter()
        graph = build_graph(papers, linked)
        timings["graph"] = time.perf_counter() - clock
        clock = time.perf_counter()
        with staged_outputs(out) as stage:  # all outputs replace the old ones together, or none does
            write_records(linked.extractions, stage / outputs["records"].name)
            write_node_link(graph, stage / outputs["graph"].name, fmt=graph_format)
            write_rdf(graph, stage / outputs["rdf"].name, format=rdf)
            if html:
                from kg.view import render_html

                render_html(graph, stage / outputs["html"].name,
                            top=VIEW_TOP if graph.number_of_nodes() > VIEW_LIMIT else None)
            result.stats = stats(graph)
            with atomic_write(stage / outputs["stats"].name) as handle:
                json.dump(result.stats, handle, indent=2)
        timings["write"] = time.perf_counter() - clock
        cache.set_meta("manifest", manifest)
        cache.set_meta("members", json.dumps(ids))
    return result


CACHE_NAME = "cache.sqlite"
VIEW_LIMIT = 2000
VIEW_TOP = 300


def _store_inputs(cache: BuildCache, papers: Iterable[Paper], fingerprint: str, *, update: bool) -> list[str]:
    """Stores the papers read; returns the ids of this build's graph in order."""
    ids: list[str] = []
    if update:
        ids = json.loads(cache.get_meta("members") or "[]")
    known = set(ids)
    for batch in _batched(papers, 1000):
        cache.put_papers([(p, record_key(p, fingerprint)) for p in batch])
        for p in batch:
            if p.id not in known:
                known.add(p.id)
                ids.append(p.id)
    return ids


def _extract_missing(cache: BuildCache, ids: list[str], *, fast: bool, workers: int, batch_size: int,
                     progress: Callable[[Iterable[Any], str], Iterable[Any]] | None, dask: str | None = None) -> int:
    """Extracts the papers without a cached record, committing batch by batch; returns how many."""
    keys: dict[str, str] = {}

    def todo() -> Iterator[Paper]:
        for paper, key, record in cache.entries(ids):
            if record is None:
                keys[paper.id] = key
                yield paper

    stream: Iterable[Extraction] = extract_stream(todo(), fast=fast, workers=workers, batch_size=batch_size,
                                                  dask=dask)
    if progress is not None:
        stream = progress(stream, "extracted")
    done = 0
    batch: list[Extraction] = []
    try:
        for record in stream:
            batch.append(record)
            if len(batch) >= max(batch_size, 64):
                cache.put_records((keys.pop(e.paper_id), e) for e in batch)
                done += len(batch)
                batch = []
    finally:  # a failing or interrupted extraction still commits the records it already returned
        if batch:
            cache.put_records((keys.pop(e.paper_id), e) for e in batch)
            done += len(batch)
    return done


def _manifest(cache: BuildCache, ids: list[str], fingerprint: str, outputs: dict[str, Path], given: bool) -> str:
    digest = hashlib.sha256(f"{fingerprint}|{sorted((k, str(v)) for k, v in outputs.items())}|{given}".encode())
    for key in cache.keys(ids):
        digest.update(key.encode())
    return digest.hexdigest()

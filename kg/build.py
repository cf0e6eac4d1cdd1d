"""Composes the stages: read -> extract -> link -> graph -> RDF, node-link JSON, records and stats.

The only module besides the CLI that imports several stages. Each output file is written atomically,
so an interrupted build leaves the previous outputs as they were.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.atomic import atomic_write, staged_outputs
from kg.background import BackgroundProcess
from kg.cache import BuildCache, read_record, record_key, record_text
from kg.errors import FormatError, InputError, OptionError, Problem
from kg.extract.limits import warn_long
from kg.ingest.records import json_type
from kg.jsonl import read_jsonl
from kg.targets import check_build_folder, locked_folder
from kg.types import Extraction, Linked, Paper

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

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
    return read_jsonl(path, _record, what="extraction record")


def _record(obj: Any) -> Extraction:
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object with an 'id', got {json_type(obj)}")
    return Extraction.from_json(obj)


def write_records(records: Iterable[Extraction], path: str | Path) -> int:
    """Writes extraction records as JSONL (atomically); returns how many."""
    n = 0
    with atomic_write(path) as out:
        for record in records:
            out.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            n += 1
    return n


def write_node_link(graph: nx.MultiDiGraph, path: str | Path, *, fmt: str = "json") -> None:
    """Writes the graph as NetworkX node-link JSON or GraphML (`kg.graphml`: lists and strings XML cannot
    hold as JSON text)."""
    if fmt == "json":
        with atomic_write(path) as out:
            _write_node_link_json(graph, out)
    elif fmt == "graphml":
        from kg.graphml import write_graphml

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
        for batch in _batched(rows, 1000):
            out.write(separator + encode(batch)[1:-1])  # a list's items, joined by ", " as json.dump does
            separator = ", "

    out.write(f'{{"directed": {encode(graph.is_directed())}, "edges": [')
    items({**attrs, "source": u, "target": v, "key": key}
          for u, targets in graph.adjacency() for v, keyed in targets.items() for key, attrs in keyed.items())
    out.write(f'], "graph": {encode(graph.graph)}, "multigraph": {encode(graph.is_multigraph())}, "nodes": [')
    items({**attrs, "id": node} for node, attrs in graph.nodes(data=True))
    out.write("]}")


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
    from kg.knowledge_base import packaged_kb_files

    digest = hashlib.sha256(f"{PIPELINE_VERSION}|{'fast' if fast else 'default'}".encode())
    for file in packaged_kb_files():
        digest.update(file.read_bytes())
    if not fast:
        from kg.extract.tagger import shipped_model

        model = shipped_model()
        for file in sorted(model.rglob("*")) if model.is_dir() else []:
            if file.is_file():  # every file of the model: a retrained model invalidates the cache
                digest.update(file.relative_to(model).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


# --- extraction in worker processes ---------------------------------------------------------------

_WORKER_NLP: Any = None


def _init_worker(fast: bool, parent: int) -> None:
    """Runs first in each worker: it dies with the build process `parent` (even a SIGKILLed one),
    leaves Ctrl-C to it, and builds its pipeline."""
    from kg.lifetime import die_with_parent

    die_with_parent(parent)
    from kg.extract import build_nlp

    global _WORKER_NLP
    _WORKER_NLP = build_nlp(fast=fast)


def _extract_chunk(chunk: list[dict[str, Any]]) -> list[str]:
    """Runs in a worker: the records of a chunk of papers, already in the form the cache stores
    (`record_text`), so that the parent neither unpickles nested dicts nor encodes them again."""
    from kg.extract import extract_papers

    papers = [Paper.from_json(obj) for obj in chunk]
    return [record_text(e) for e in extract_papers(papers, _WORKER_NLP)]


def extract_stream(papers: Iterable[Paper], *, fast: bool = False, workers: int = 1,
                   batch_size: int = 64, dask: str | None = None) -> Iterator[Extraction]:
    """Extraction records of `papers`, in order, in this process or in `workers` processes.

    Papers go to the workers in chunks with a bounded number in flight, so memory stays constant
    whatever the input size. Worker processes pay off for the trained tagger (DESIGN.md: cheap
    pipelines get slower with processes). `dask` extracts on a Dask cluster instead: a scheduler
    address or ``local:N`` (see `kg.distributed`).
    """
    for record, _ in extract_records(papers, fast=fast, workers=workers, batch_size=batch_size, dask=dask):
        yield record


def extract_records(papers: Iterable[Paper], *, fast: bool = False, workers: int = 1, batch_size: int = 64,
                    dask: str | None = None, pool: Executor | None = None) -> Iterator[tuple[Extraction, str]]:
    """`extract_stream` with each record also in its cache form (`record_text`), which a build stores.

    Worker processes and Dask workers send the text and the record is decoded from it once; in this
    process the record is encoded once. `pool` is a `worker_pool` of `workers` processes already
    started (by default one is started for the papers and stopped after them).
    """
    from kg.extract import build_nlp, extract_papers

    if dask is not None:
        from kg.distributed import extract_records_with_dask

        yield from extract_records_with_dask(papers, dask, fast=fast, batch_size=batch_size)
        return
    if workers <= 1:
        for record in extract_papers(papers, build_nlp(fast=fast), batch_size=batch_size):
            yield record, record_text(record)
        return
    with contextlib.nullcontext(pool) if pool is not None else worker_pool(workers, fast=fast) as running:
        for texts in _worker_chunks(papers, running, workers=workers, chunk_size=max(batch_size, 32)):
            for text in texts:
                yield read_record(text), text


@contextlib.contextmanager
def worker_pool(workers: int, *, fast: bool, start: bool = False) -> Iterator[Executor]:
    """A pool of `workers` extraction processes, each building the pipeline once; stopped on exit.

    With `start` the processes are started now rather than with the first papers: a build starts
    them before it reads its inputs, so that they load spaCy and build their pipelines meanwhile.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(fast, os.getpid()))
    try:
        if start:  # the executor starts a process per task submitted while none is idle
            for _ in range(workers):
                pool.submit(_ready)
        yield pool
    except BaseException:  # Ctrl-C, SIGTERM, an error: the workers stop now, not after their chunks
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)


def _stop_workers(pool: Executor) -> None:
    """Kills the processes of a ProcessPoolExecutor and waits for them, dropping the pending work."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # the executor has no public way
    for process in processes:
        with contextlib.suppress(OSError):
            process.kill()
    pool.shutdown(wait=True, cancel_futures=True)
    for process in processes:
        process.join()


def _ready() -> None:
    """A task that only makes the pool start a worker process."""


def _worker_chunks(papers: Iterable[Paper], pool: Executor, *, workers: int, chunk_size: int) -> Iterator[list[str]]:
    """The record texts of `papers`, chunk by chunk in input order, extracted by `pool` (of `workers`
    processes); at most 2 * workers + 1 chunks are in flight, so memory stays bounded."""
    pending: deque[Future[list[str]]] = deque()
    for chunk in _batched((paper.to_json() for paper in papers), chunk_size):
        pending.append(pool.submit(_extract_chunk, chunk))
        while len(pending) > 2 * workers:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


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
    from kg.graph import build_graph
    from kg.ingest import read_papers
    from kg.linking import link, load_kb
    from kg.rdf.export import RdfFormat

    if graph_format not in GRAPH_FORMATS:
        raise FormatError(f"unknown graph format {graph_format!r}; use {', '.join(GRAPH_FORMATS)}")
    if workers < 1:
        raise OptionError("--workers must be at least 1")
    if dask is not None and workers > 1:
        raise OptionError("--workers and --dask exclude each other: with --dask the Dask workers extract")
    rdf = RdfFormat.parse(rdf_format)
    out = Path(outdir)
    check_build_folder(out, [*inputs, *([records] if records is not None else [])],
                       [CACHE_NAME, *(p.name for p in _output_paths(out, graph_format=graph_format, rdf=rdf,
                                                                    html=html).values())])
    if update and not (out / CACHE_NAME).exists():
        raise InputError(f"nothing to update: no {CACHE_NAME} here; build it first with `kg build ... -o {out}`",
                         source=str(out))
    given = {e.paper_id: e for e in read_records(records)} if records is not None else None
    timings: dict[str, float] = {}
    with locked_folder(out), BuildCache(out / CACHE_NAME) as cache, contextlib.ExitStack() as background:
        # worker processes start first when a new build will surely need them: they build their
        # pipelines while this process loads its own modules and reads the inputs
        prestart = given is None and dask is None and workers > 1 and cache.count_records() == 0
        with worker_pool(workers, fast=fast, start=True) if prestart else contextlib.nullcontext() as pool:
            fingerprint = pipeline_fingerprint(fast=fast)
            with _timed(timings, "read"):
                papers_read = read_papers(inputs, format=fmt, on_problem=on_problem, strict=strict, skip=[out])
                if given is None:  # each paper too long to extract whole, said once as it is read
                    papers_read = warn_long(papers_read, on_problem)
                ids = _store_inputs(cache, papers_read, fingerprint, update=update)
            if not ids:  # never replace a build with an empty one
                raise InputError("no papers in the inputs; nothing was written", source=str(out))
            writer = _rdf_writer(background, len(ids))
            # spaCy's documents form reference cycles: the collector keeps running while this process extracts
            with _timed(timings, "extract"), _collector_paused(dask is not None or workers > 1):
                fresh = {} if given is not None else _extract_missing(
                    cache, ids, fast=fast, workers=workers, batch_size=batch_size, progress=progress, dask=dask,
                    pool=pool)
        outputs = _output_paths(out, graph_format=graph_format, rdf=rdf, html=html)
        manifest = _manifest(cache, ids, fingerprint, outputs, given is not None)
        result = BuildResult(outdir=out, papers=len(ids), files=outputs, timings=timings)
        if cache.get_meta("manifest") == manifest and all(p.exists() for p in outputs.values()):
            result.stats = json.loads(outputs["stats"].read_text(encoding="utf-8"))
            result.up_to_date = True
            return result
        with _collector_paused():
            with _timed(timings, "link"):
                papers, extractions = _load(cache, ids, given if given is not None else fresh)
                del fresh
                linked = link(extractions, load_kb())
                del extractions
            with _timed(timings, "graph"):
                graph = build_graph(papers, linked)
            with _timed(timings, "write"), staged_outputs(out) as stage:  # all replace the old ones, or none
                result.stats = _write_outputs(graph, linked, {k: stage / p.name for k, p in outputs.items()},
                                              graph_format=graph_format, rdf=rdf, writer=writer)
        cache.set_meta("manifest", manifest)
        cache.set_meta("members", json.dumps(ids))
    return result


@contextlib.contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    """Adds the seconds the block takes to `timings[stage]`."""
    clock = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - clock


@contextlib.contextmanager
def _collector_paused(pause: bool = True) -> Iterator[None]:
    """Pauses Python's cyclic garbage collector for the block (when `pause`), then restores it.

    A build holds millions of small objects (records, then the graph) and makes no reference cycles
    while linking, building the graph and writing. The collector still walks every live object in
    each automatic full collection, again and again as they pile up: a third of the CPU time of those
    stages, for nothing (measured: a few thousand objects collected in a 10k-paper build). Reference
    counting frees everything as usual; what cycles there are wait for the next collection.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _output_paths(out: Path, *, graph_format: str, rdf: Any, html: bool) -> dict[str, Path]:
    """Where a build writes each output."""
    outputs = {"records": out / "records.jsonl", "graph": out / f"graph.{graph_format}",
               "rdf": out / f"graph.{rdf.value}", "stats": out / "stats.json"}
    if html:
        outputs["html"] = out / "graph.html"
    return outputs


def _load(cache: BuildCache, ids: list[str], records: Mapping[str, Extraction]) -> tuple[list[Paper], list[Extraction]]:
    """The papers of the build in order and their records: those in `records` (just extracted, or
    given), else the cached ones (an empty record for a paper that has none)."""
    papers: list[Paper] = []
    extractions: list[Extraction] = []
    for paper, _, cached in cache.entries(ids, skip=records):
        papers.append(paper)
        record = records.get(paper.id, cached)
        extractions.append(record if record is not None else Extraction(paper.id))
    return papers, extractions


def _write_outputs(graph: nx.MultiDiGraph, linked: Linked, paths: dict[str, Path], *, graph_format: str,
                   rdf: Any, writer: BackgroundProcess | None = None) -> dict[str, dict[str, int]]:
    """Writes every output to `paths` (records, graph, rdf, stats and, when asked, html); returns the stats.

    With a `writer` process, the RDF, the largest and slowest output, is written over there (on
    another core) while this process writes the rest: every file is the same either way.
    """
    from kg.graph import stats
    from kg.rdf.export import graph_parts, write_rdf, write_rdf_parts

    with writer.run(write_rdf_parts, graph_parts(graph), paths["rdf"], format=rdf) if writer is not None \
            else contextlib.nullcontext():
        write_records(linked.extractions, paths["records"])
        write_node_link(graph, paths["graph"], fmt=graph_format)
        if writer is None:
            write_rdf(graph, paths["rdf"], format=rdf)
        if "html" in paths:
            from kg.view import render_html

            render_html(graph, paths["html"], top=VIEW_TOP if graph.number_of_nodes() > VIEW_LIMIT else None)
        counts = stats(graph)
        with atomic_write(paths["stats"]) as handle:
            json.dump(counts, handle, indent=2)
    return counts


def _rdf_writer(stack: contextlib.ExitStack, papers: int) -> BackgroundProcess | None:
    """A process that will write the RDF of a graph of `papers` papers, when that pays (see
    `BACKGROUND_RDF_PAPERS`); `stack` ends it. Started now, while this process is still small."""
    if papers < BACKGROUND_RDF_PAPERS or _cores() < 2:
        return None
    return stack.enter_context(BackgroundProcess(preload="kg.rdf.export"))


def _cores() -> int:
    """The processor cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


CACHE_NAME = "cache.sqlite"
VIEW_LIMIT = 2000
VIEW_TOP = 300
# Papers from which the RDF is written by a process of its own, started before extraction while
# this one is small: starting one costs about half a second of the other core, and writing the RDF
# of 2,000 papers takes longer than that.
BACKGROUND_RDF_PAPERS = 2000


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
                     progress: Callable[[Iterable[Any], str], Iterable[Any]] | None,
                     dask: str | None = None, pool: Executor | None = None) -> dict[str, Extraction]:
    """Extracts the papers without a cached record, committing batch by batch; returns their records.

    The records are kept for linking, which would otherwise read and decode them again from the cache.
    """
    keys: dict[str, str] = {}

    def todo() -> Iterator[Paper]:
        for paper, key in cache.missing(ids):
            keys[paper.id] = key
            yield paper

    stream: Iterable[tuple[Extraction, str]] = extract_records(todo(), fast=fast, workers=workers,
                                                               batch_size=batch_size, dask=dask, pool=pool)
    if progress is not None:
        stream = progress(stream, "extracted")
    done: dict[str, Extraction] = {}
    batch: list[tuple[str, str]] = []
    committed = time.monotonic()
    try:
        for record, text in stream:
            done[record.paper_id] = record
            batch.append((keys.pop(record.paper_id), text))
            # a commit (and the checkpoints it triggers) costs milliseconds: about one a second
            if len(batch) >= COMMIT_MAX or (len(batch) >= max(batch_size, 64)
                                            and time.monotonic() - committed >= COMMIT_SECONDS):
                cache.put_record_texts(batch)
                batch, committed = [], time.monotonic()
    finally:  # a failing or interrupted extraction still commits the records it already returned
        if batch:
            cache.put_record_texts(batch)
    return done


COMMIT_SECONDS = 1.0  # extracted records are committed about this often ...
COMMIT_MAX = 2048  # ... or when this many wait


def _manifest(cache: BuildCache, ids: list[str], fingerprint: str, outputs: dict[str, Path], given: bool) -> str:
    digest = hashlib.sha256(f"{fingerprint}|{sorted((k, str(v)) for k, v in outputs.items())}|{given}".encode())
    for key in cache.keys(ids):
        digest.update(key.encode())
    return digest.hexdigest()

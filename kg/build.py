"""The build: read -> extract -> link -> graph -> RDF, node-link JSON, records and stats (`build`).

With the CLI, the only code that composes several stages; its helpers are `kg.parallel`
(extraction in worker processes or on Dask), `kg.cache` (the build cache) and `kg.record_files`.
Each output file is written atomically, so an interrupted build leaves the previous outputs as
they were.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.atomic import atomic_write, staged_outputs
from kg.background import BackgroundProcess
from kg.cache import PIPELINES, BuildCache, pipeline_fingerprint, record_key
from kg.errors import FormatError, InputError, OptionError, Problem
from kg.extract.limits import warn_long
from kg.graph_io import GRAPH_FORMATS, write_node_link
from kg.graph_io import read_node_link as read_node_link  # the build's readers import it from here
from kg.iterables import batched
from kg.parallel import extract_records, worker_pool
from kg.record_files import read_records, write_records
from kg.targets import check_build_folder, locked_folder
from kg.types import Extraction, Linked, Paper

if TYPE_CHECKING:
    from concurrent.futures import Executor



@dataclass
class BuildResult:
    """What a build wrote and counted."""

    outdir: Path
    papers: int
    files: dict[str, Path] = field(default_factory=dict)
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    up_to_date: bool = False


@dataclass(frozen=True)
class BuildOptions:
    """How a build reads, extracts and writes; the defaults are those of `kg build`.

    >>> BuildOptions(pipeline="fast", html=False).rdf_format
    'ttl'
    >>> BuildOptions(workers=2, dask="local:2")
    Traceback (most recent call last):
    ...
    kg.errors.OptionError: --workers and --dask exclude each other: with --dask the Dask workers extract
    """

    fmt: str | None = None
    """The input format (see `kg.ingest.read_papers`); None: told by each file's name and content."""
    strict: bool = False
    """A bad input record ends the build instead of being reported and skipped."""
    rdf_format: str = "ttl"
    """The RDF serialisation: ttl, nt or jsonld."""
    graph_format: str = "json"
    """The NetworkX graph file: json (node-link) or graphml."""
    records: str | Path | None = None
    """Extraction records written by `kg extract`, used instead of extracting."""
    pipeline: str = "default"
    """The extraction pipeline: "default" (rules and the trained tagger) or "fast" (rules only)."""
    batch_size: int = 64
    """Papers per spaCy batch."""
    workers: int = 1
    """Processes that extract in parallel."""
    dask: str | None = None
    """Extract on a Dask cluster instead: a scheduler address or ``local:N`` (see `kg.cluster`)."""
    html: bool = True
    """Also write graph.html."""
    update: bool = False
    """Add the inputs to the papers of the previous build in the folder instead of replacing them."""

    def __post_init__(self) -> None:
        if self.pipeline not in PIPELINES:
            raise OptionError(f"unknown pipeline {self.pipeline!r}; use {', '.join(PIPELINES)}")
        if self.graph_format not in GRAPH_FORMATS:
            raise FormatError(f"unknown graph format {self.graph_format!r}; use {', '.join(GRAPH_FORMATS)}")
        if self.workers < 1:
            raise OptionError("--workers must be at least 1")
        if self.dask is not None and self.workers > 1:
            raise OptionError("--workers and --dask exclude each other: with --dask the Dask workers extract")


# --- the build -------------------------------------------------------------------------------------


def build(inputs: Sequence[str | Path], outdir: str | Path, options: BuildOptions | None = None, *,
          on_problem: Callable[[Problem], None] | None = None,
          progress: Callable[[Iterable[Any], str], Iterable[Any]] | None = None) -> BuildResult:
    """Reads the inputs, extracts (or reads `options.records`), links, builds the graph and writes every output.

    Papers and extraction records are kept in `outdir/cache.sqlite`: a paper whose content and
    pipeline are unchanged is never extracted again, an interrupted build resumes where it stopped,
    and `options.update` adds the inputs to the papers of the previous build instead of replacing
    them. `on_problem` hears of every bad input record skipped, `progress` wraps the stream of
    extracted records (e.g. in a progress bar).

    Outputs in `outdir`: records.jsonl, graph.<rdf ext>, graph.json or graph.graphml, stats.json
    and, with `options.html`, graph.html.

    >>> import pathlib, tempfile
    >>> result = build(["examples/abstracts.jsonl"], pathlib.Path(tempfile.mkdtemp()) / "out",
    ...                BuildOptions(pipeline="fast", html=False))
    >>> result.papers, sorted(result.files)
    (24, ['graph', 'rdf', 'records', 'stats'])
    """
    from kg.graph import build_graph
    from kg.ingest import read_papers
    from kg.linking import link, load_kb
    from kg.rdf import formats as rdf_formats

    opts = options if options is not None else BuildOptions()
    rdf = rdf_formats.rdf_format(opts.rdf_format)
    out = Path(outdir)
    outputs = _output_paths(out, graph_format=opts.graph_format, rdf=rdf, html=opts.html)
    check_build_folder(out, [*inputs, *([opts.records] if opts.records is not None else [])],
                       [CACHE_NAME, *(p.name for p in outputs.values())])
    if opts.update and not (out / CACHE_NAME).exists():
        raise InputError(f"nothing to update: no {CACHE_NAME} here; build it first with `kg build ... -o {out}`",
                         source=str(out))
    given = {e.paper_id: e for e in read_records(opts.records)} if opts.records is not None else None
    parallel = opts.dask is not None or opts.workers > 1
    timings: dict[str, float] = {}
    with locked_folder(out), BuildCache(out / CACHE_NAME) as cache, contextlib.ExitStack() as background:
        # worker processes start first when a new build will surely need them: they build their
        # pipelines while this process loads its own modules and reads the inputs
        prestart = given is None and opts.dask is None and opts.workers > 1 and cache.count_records() == 0
        with worker_pool(opts.workers, pipeline=opts.pipeline, start=True) if prestart \
                else contextlib.nullcontext() as pool:
            fingerprint = pipeline_fingerprint(opts.pipeline)
            with _timed(timings, "read"):
                papers_read = read_papers(inputs, format=opts.fmt, on_problem=on_problem, strict=opts.strict,
                                          skip=[out])
                if given is None:  # each paper too long to extract whole, said once as it is read
                    papers_read = warn_long(papers_read, on_problem)
                ids = _store_inputs(cache, papers_read, fingerprint, update=opts.update)
            if not ids:  # never replace a build with an empty one
                raise InputError("no papers in the inputs; nothing was written", source=str(out))
            writer = _rdf_writer(background, len(ids))
            # spaCy's documents form reference cycles: the collector keeps running while this process extracts
            with _timed(timings, "extract"), _collector_paused(parallel):
                fresh = {} if given is not None else _extract_missing(cache, ids, opts, progress=progress, pool=pool)
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
                                              graph_format=opts.graph_format, rdf=rdf, writer=writer)
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
               "rdf": out / f"graph.{rdf.file_extension}", "stats": out / "stats.json"}
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

    with writer.run(write_rdf_parts, graph_parts(graph), paths["rdf"],
                    format=rdf.file_extension) if writer is not None \
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
    for batch in batched(papers, 1000):
        cache.put_papers([(p, record_key(p, fingerprint)) for p in batch])
        for p in batch:
            if p.id not in known:
                known.add(p.id)
                ids.append(p.id)
    return ids


def _extract_missing(cache: BuildCache, ids: list[str], opts: BuildOptions, *,
                     progress: Callable[[Iterable[Any], str], Iterable[Any]] | None,
                     pool: Executor | None = None) -> dict[str, Extraction]:
    """Extracts the papers without a cached record, committing batch by batch; returns their records.

    The records are kept for linking, which would otherwise read and decode them again from the cache.
    """
    keys: dict[str, str] = {}

    def todo() -> Iterator[Paper]:
        for paper, key in cache.missing(ids):
            keys[paper.id] = key
            yield paper

    stream: Iterable[tuple[Extraction, str]] = extract_records(
        todo(), pipeline=opts.pipeline, workers=opts.workers, batch_size=opts.batch_size, dask=opts.dask, pool=pool)
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
            if len(batch) >= COMMIT_MAX or (len(batch) >= max(opts.batch_size, 64)
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

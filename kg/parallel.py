"""Extraction in worker processes, locally or on a Dask cluster, through one path.

Papers go out as JSON objects in chunks (`kg.iterables.batched`), each chunk to one call of the one
worker function, `extract_chunk`, and `ordered_map` maps it over any `concurrent.futures.Executor`:
a pool of spawned processes here (`worker_pool`), or Dask's `Client.get_executor()` on a cluster
(`kg.cluster`). A bounded number of chunks is in flight, so memory stays constant whatever the input
size, and the records come back in input order as the text the build cache stores, so the build
commits them as they arrive (an interrupted or failed build resumes from them).

Each worker thread builds its spaCy pipeline once and keeps it; each result carries the worker's
pipeline fingerprint, and a worker that runs another kg version, knowledge base or model is refused
instead of mixing its records into the cache. Worker processes pay off for the trained tagger
(DESIGN.md: cheap pipelines get slower with processes).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from kg.cache import pipeline_fingerprint
from kg.errors import KgError
from kg.iterables import batched
from kg.record_files import read_record, record_text
from kg.types import Extraction, Paper

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    from spacy.language import Language

T = TypeVar("T")
R = TypeVar("R")

DASK_CHUNK = 256
"""Papers per task on a Dask cluster, where each task costs a round trip to the scheduler."""
LOCAL_CHUNK = 32
"""Fewest papers per task of a local worker process (at least the batch size)."""

Chunk = list[dict[str, Any]]
"""Papers as JSON objects (`Paper.to_json`), what a task receives."""


def build_pipeline(pipeline: str) -> Language:
    """The spaCy pipeline named `pipeline` ("default" or "fast"): the one place outside `kg.extract`
    that turns the name into `build_nlp`'s arguments."""
    from kg.extract import build_nlp

    return build_nlp(pipeline)


# --- in the workers --------------------------------------------------------------------------------

_THREAD = threading.local()


def _worker_pipeline(pipeline: str) -> tuple[Any, str]:
    """This thread's spaCy pipeline `pipeline` and its fingerprint, built on first use and kept.

    One per thread, not per process, because a spaCy pipeline is not meant to be shared between
    threads; local workers and `local:N` Dask clusters have one thread per process.
    """
    built: dict[str, tuple[Any, str]] | None = getattr(_THREAD, "pipelines", None)
    if built is None:
        built = _THREAD.pipelines = {}
    if pipeline not in built:
        built[pipeline] = (build_pipeline(pipeline), pipeline_fingerprint(pipeline))
    return built[pipeline]


def extract_chunk(chunk: Chunk, *, pipeline: str, batch_size: int) -> tuple[str, list[str]]:
    """Runs in a worker: the extraction records of a chunk of papers, in order, as the JSON text the
    build cache stores (`record_text`: it travels cheaper than nested dicts and the parent stores
    it as it is), with the worker's pipeline fingerprint.

    >>> import json
    >>> fingerprint, records = extract_chunk([{"id": "p1", "title": "", "abstract": "BERT on SQuAD."}],
    ...                                      pipeline="fast", batch_size=64)
    >>> [m["text"] for m in json.loads(records[0])["entities"]]
    ['BERT', 'SQuAD']
    """
    from kg.extract import extract_papers

    nlp, fingerprint = _worker_pipeline(pipeline)
    papers = [Paper.from_json(obj) for obj in chunk]
    return fingerprint, [record_text(e) for e in extract_papers(papers, nlp, batch_size=batch_size)]


def _start_worker(pipeline: str, parent: int) -> None:
    """Runs first in each local worker process: it dies with the build process `parent` (even a
    SIGKILLed one), leaves Ctrl-C to it, and builds its pipeline before the first chunk comes."""
    from kg.lifetime import die_with_parent

    die_with_parent(parent)
    _worker_pipeline(pipeline)


def _ready() -> None:
    """A task that only makes the pool start a worker process."""


# --- the map ---------------------------------------------------------------------------------------


def ordered_map(executor: Executor, fn: Callable[[T], R], items: Iterable[T], *, window: int | Callable[[], int],
                on_error: Callable[[BaseException, int, T], BaseException] | None = None) -> Iterator[R]:
    """`fn(item)` of each item, run by `executor`, in input order, `window` tasks at most in flight.

    `window` (or what it returns, asked before each submission) bounds the tasks submitted and not
    yet consumed, so the items are read only as fast as the results are consumed. A task that
    raised raises here, or `on_error(exception, index, item)` when given. Tasks still pending when
    the caller stops (or fails) are cancelled.

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     list(ordered_map(pool, abs, [-3, 1, -2], window=2))
    [3, 1, 2]
    """
    pending: deque[tuple[int, T, Future[R]]] = deque()

    def take() -> R:
        index, item, future = pending.popleft()
        try:
            return future.result()
        except Exception as exc:
            if on_error is None:
                raise
            raise on_error(exc, index, item) from exc

    try:
        for index, item in enumerate(items):
            while len(pending) >= max(1, window() if callable(window) else window):
                yield take()
            pending.append((index, item, executor.submit(fn, item)))
        while pending:
            yield take()
    finally:
        for _, _, future in pending:
            future.cancel()


# --- the local pool ----------------------------------------------------------------------------------


@contextlib.contextmanager
def worker_pool(workers: int, *, pipeline: str, start: bool = False) -> Iterator[Executor]:
    """A pool of `workers` spawned extraction processes, each building `pipeline` once; stopped on exit.

    With `start` the processes are started now rather than with the first papers: a build starts
    them before it reads its inputs, so that they load spaCy and build their pipelines meanwhile.
    Ctrl-C, SIGTERM or an error in the block kills them at once, dropping their pending chunks.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(pipeline, os.getpid()))
    try:
        if start:  # the executor starts a process per task submitted while none is idle
            for _ in range(workers):
                pool.submit(_ready)
        yield pool
    except BaseException:
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


# --- extraction ----------------------------------------------------------------------------------------


def extract_records(papers: Iterable[Paper], *, pipeline: str = "default", workers: int = 1, batch_size: int = 64,
                    dask: str | None = None, pool: Executor | None = None, chunk_size: int | None = None,
                    window: int | None = None) -> Iterator[tuple[Extraction, str]]:
    """Extraction records of `papers` in input order, each with its cache form (`record_text`).

    In this process when `workers` is 1, else in `workers` worker processes (`pool`, a `worker_pool`
    already started, or one started for these papers and stopped after them), or on the Dask
    cluster at `dask` (a scheduler address or ``local:N``, see `kg.cluster`). Chunks of
    `chunk_size` papers go out, at most `window` at a time (by default twice the workers, plus one
    locally). Nothing starts or connects before the first paper, so a build with nothing left to
    extract starts no process and no cluster.

    >>> [record.paper_id for record, _ in extract_records([Paper("p1", "BERT", "")], pipeline="fast")]
    ['p1']
    """
    if dask is None and workers <= 1:
        from kg.extract import extract_papers

        for record in extract_papers(papers, build_pipeline(pipeline), batch_size=batch_size):
            yield record, record_text(record)
        return
    stream = iter(papers)
    first = next(stream, None)
    if first is None:
        return
    size = chunk_size or (DASK_CHUNK if dask is not None else max(batch_size, LOCAL_CHUNK))
    chunks = batched((paper.to_json() for paper in itertools.chain([first], stream)), size)
    task = functools.partial(extract_chunk, pipeline=pipeline, batch_size=batch_size)
    expected = pipeline_fingerprint(pipeline)
    with contextlib.ExitStack() as stack:
        on_error: Callable[[BaseException, int, Chunk], BaseException] | None = None
        if dask is not None:
            from kg.cluster import dask_executor, partition_errors

            executor, threads = stack.enter_context(dask_executor(dask))
            limit: int | Callable[[], int] = window or threads
            where, on_error = f"the Dask workers at {dask}", partition_errors(dask)
        else:
            executor = pool if pool is not None else stack.enter_context(worker_pool(workers, pipeline=pipeline))
            limit, where = window or 2 * workers + 1, "the worker processes"
        for fingerprint, texts in ordered_map(executor, task, chunks, window=limit, on_error=on_error):
            if fingerprint != expected:
                raise KgError(f"{where} run another kg pipeline (fingerprint {fingerprint}, here {expected}): "
                              "install the same kg version, knowledge base and model on them")
            for text in texts:
                yield read_record(text), text


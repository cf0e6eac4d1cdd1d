"""Extraction on a Dask distributed cluster: `kg build --dask ADDRESS`.

The client (the machine running `kg build`) reads the inputs itself and streams the papers, as JSON
objects, in partitions of `partition_size` to the cluster: reading is cheap (tens of MB/s) next to
extraction, so only extraction runs on the workers. A bounded number of partitions is in flight at
once, so neither the client nor the cluster ever holds the corpus, and the records come back in
input order, so the build that consumes them commits them to its cache as they arrive (an
interrupted or failed distributed build resumes like a local one). Linking and writing then run on
the client, exactly as in a one-process build, which is why both give the same graph.

Each worker thread builds the spaCy pipeline once and keeps it (`_worker_nlp`); every result carries
the worker's pipeline fingerprint, and a worker that runs another kg version, knowledge base or
model is refused instead of mixing its records into the cache.

Faults: a partition whose task raised is resubmitted `retries` times; a partition whose worker died
is rescheduled by the scheduler itself (up to `distributed.scheduler.allowed-failures` deaths, 3 by
default) and then ends the build with a KgError naming the partition; an unreachable scheduler is a
KgError naming its address.

`address` is a scheduler address (``tcp://host:8786``, what `dask scheduler` prints) or ``local:N``
for a `distributed.LocalCluster` of N single-threaded worker processes that kg starts and stops.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kg.errors import KgError, OptionError
from kg.types import Extraction, Paper

DEFAULT_PARTITION_SIZE = 256
CONNECT_TIMEOUT = 10.0
WORKER_WAIT = 60.0
_LOCAL = re.compile(r"local(?::(\d+))?")
_RESUME = "rerun to resume — finished partitions are cached"


# --- on the workers ----------------------------------------------------------------------------------

_THREAD = threading.local()


def _worker_nlp(fast: bool) -> Any:
    """The spaCy pipeline of this worker thread, built on first use and kept for later partitions.

    One per thread, not per process, because a spaCy pipeline is not meant to be shared between
    threads; `local:N` clusters have one thread per worker process, so one pipeline per process.
    """
    cache: dict[bool, Any] | None = getattr(_THREAD, "nlp", None)
    if cache is None:
        cache = _THREAD.nlp = {}
    if fast not in cache:
        from kg.extract import build_nlp

        cache[fast] = build_nlp(fast=fast)
    return cache[fast]


def _worker_fingerprint(fast: bool) -> str:
    cache: dict[bool, str] | None = getattr(_THREAD, "fingerprint", None)
    if cache is None:
        cache = _THREAD.fingerprint = {}
    if fast not in cache:
        from kg.pipeline import pipeline_fingerprint

        cache[fast] = pipeline_fingerprint(fast=fast)
    return cache[fast]


def extract_partition(chunk: list[dict[str, Any]], fast: bool, batch_size: int) -> tuple[str, list[str]]:
    """Runs on a worker: the extraction records of one partition of papers (JSON objects), in order,
    as the JSON text the build cache stores (`kg.cache.record_text`), with the worker's pipeline
    fingerprint. Text is what the client stores anyway, and it travels cheaper than nested dicts.

    >>> import json
    >>> fingerprint, records = extract_partition([{"id": "p1", "title": "", "abstract": "BERT on SQuAD."}],
    ...                                          True, 64)
    >>> [m["text"] for m in json.loads(records[0])["entities"]]
    ['BERT', 'SQuAD']
    """
    from kg.cache import record_text
    from kg.extract import extract_papers

    papers = [Paper.from_json(obj) for obj in chunk]
    records = [record_text(e) for e in extract_papers(papers, _worker_nlp(fast), batch_size=batch_size)]
    return _worker_fingerprint(fast), records


# --- on the client -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Partition:
    """Which papers a submitted task holds, for error messages.

    >>> str(Partition(3, "p768", "p1023"))
    'partition 3 (papers p768..p1023)'
    """

    index: int
    first: str
    last: str

    def __str__(self) -> str:
        return f"partition {self.index} (papers {self.first}..{self.last})"


def dask_error(exc: BaseException, partition: Partition, address: str) -> KgError:
    """The KgError that tells the user what a failed partition means and what to do.

    >>> from distributed import KilledWorker
    >>> print(dask_error(KilledWorker("t", None, 0), Partition(2, "a", "b"), "local:2"))
    dask worker died while extracting partition 2 (papers a..b); rerun to resume — finished partitions are cached
    >>> print(dask_error(ValueError("boom"), Partition(0, "a", "b"), "local:2"))
    extracting partition 0 (papers a..b) failed on a dask worker: ValueError: boom
    """
    from concurrent.futures import CancelledError

    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return KgError(f"dask worker died while extracting {partition}; {_RESUME}")
    if isinstance(exc, CancelledError):
        return KgError(f"the Dask scheduler at {address} dropped {partition} (was it restarted or its "
                       f"client disconnected?); {_RESUME}")
    if isinstance(exc, OSError | TimeoutError):
        return KgError(f"lost the Dask scheduler at {address} while extracting {partition} ({exc}); {_RESUME}")
    if isinstance(exc, KgError):
        return KgError(f"{partition}: {exc}")
    return KgError(f"extracting {partition} failed on a dask worker: {type(exc).__name__}: {exc}")


def parse_address(address: str) -> int | None:
    """The number of workers of a ``local:N`` address (``local``: one per core), None for a scheduler.

    >>> parse_address("local:2"), parse_address("tcp://10.0.0.5:8786")
    (2, None)
    >>> parse_address("local:0")
    Traceback (most recent call last):
    ...
    kg.errors.OptionError: --dask local:N needs N >= 1 workers, not 'local:0'
    """
    import os

    match = _LOCAL.fullmatch(address.strip())
    if match is None:
        return None
    workers = int(match.group(1)) if match.group(1) is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise OptionError(f"--dask local:N needs N >= 1 workers, not {address!r}")
    return workers


def connect(address: str, *, timeout: float = CONNECT_TIMEOUT) -> tuple[Any, Any]:
    """A connected `distributed.Client` and the LocalCluster kg started for it (None for a scheduler).

    The caller closes both. Raises KgError when Dask is not installed, the scheduler cannot be
    reached, or it has no worker within a minute.
    """
    try:
        dist: Any = importlib.import_module("distributed")  # Any: distributed's API is untyped
    except ImportError:
        raise KgError("--dask needs Dask distributed: pip install 'kg[dask]' (on the workers too)") from None
    Client, LocalCluster = dist.Client, dist.LocalCluster
    workers = parse_address(address)
    if workers is not None:
        try:
            # dashboard_address ":0": any free port, so two builds (or another cluster) never collide on 8787
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                                   silence_logs=logging.ERROR)
        except Exception as exc:
            raise KgError(f"cannot start a local Dask cluster of {workers} workers: {exc}") from exc
        try:
            return Client(cluster), cluster
        except Exception:
            cluster.close()
            raise
    try:
        client = Client(address, timeout=timeout)
    except (OSError, ValueError, TypeError) as exc:
        raise KgError(f"cannot connect to the Dask scheduler at {address}: {exc}; is `dask scheduler` running "
                      "there and reachable from this machine?") from None
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except (OSError, TimeoutError):
        client.close()
        raise KgError(f"the Dask scheduler at {address} has no workers (waited {WORKER_WAIT:.0f} s); "
                      f"start some with `dask worker {address}`") from None
    return client, None


def _threads(client: Any) -> int:
    """The cluster's worker threads now; 0 when the scheduler does not answer (the next result will say why)."""
    try:
        return int(sum(client.nthreads().values()))
    except Exception:
        return 0


def map_partitions(client: Any, chunks: Iterable[list[dict[str, Any]]], func: Callable[..., Any], *args: Any,
                   address: str, max_in_flight: int | None = None, retries: int = 1) -> Iterator[Any]:
    """`func(chunk, *args)` of every chunk (a list of paper JSON objects) on the cluster, in input order.

    At most `max_in_flight` tasks are submitted and not yet consumed (default: twice the cluster's
    threads, counted again at each submission, so a cluster that grows gets more); a failed task
    raises the KgError of `dask_error`. Every task has a key of its own (`kg-extract-<run>-<n>`),
    so builds sharing a scheduler do not collide.
    """
    run = uuid.uuid4().hex[:8]
    pending: deque[tuple[Partition, Any]] = deque()

    def take() -> Any:
        partition, future = pending.popleft()
        try:
            return future.result()
        except Exception as exc:
            raise dask_error(exc, partition, address) from exc

    try:
        for index, chunk in enumerate(chunks):
            window = max_in_flight if max_in_flight is not None else max(2, 2 * _threads(client))
            while len(pending) >= max(1, window):
                yield take()
            partition = Partition(index, str(chunk[0].get("id")), str(chunk[-1].get("id")))
            future = client.submit(func, chunk, *args, key=f"kg-extract-{run}-{index}", retries=retries, pure=False)
            pending.append((partition, future))
        while pending:
            yield take()
    finally:
        if pending:
            with contextlib.suppress(Exception):  # best effort: closing the client releases them too
                client.cancel([future for _, future in pending])


def extract_with_dask(papers: Iterable[Paper], address: str, *, fast: bool,
                      partition_size: int = DEFAULT_PARTITION_SIZE, batch_size: int = 64,
                      max_in_flight: int | None = None, retries: int = 1) -> Iterator[Extraction]:
    """Extraction records of `papers`, in input order, extracted on the Dask cluster at `address`.

    `address` is ``tcp://host:port`` of a running scheduler or ``local:N`` for a local cluster of N
    worker processes that lives as long as this generator. Nothing connects before the first paper,
    so a build with nothing left to extract starts no cluster. See the module docstring for faults.
    """
    for record, _ in extract_records_with_dask(papers, address, fast=fast, partition_size=partition_size,
                                               batch_size=batch_size, max_in_flight=max_in_flight,
                                               retries=retries):
        yield record


def extract_records_with_dask(papers: Iterable[Paper], address: str, *, fast: bool,
                              partition_size: int = DEFAULT_PARTITION_SIZE, batch_size: int = 64,
                              max_in_flight: int | None = None,
                              retries: int = 1) -> Iterator[tuple[Extraction, str]]:
    """`extract_with_dask` with each record also as the text the workers sent (its cache form)."""
    from kg.cache import read_record
    from kg.pipeline import pipeline_fingerprint

    if partition_size < 1:
        raise OptionError("partition_size must be at least 1")
    stream = iter(papers)
    first = next(stream, None)
    if first is None:
        return
    expected = pipeline_fingerprint(fast=fast)

    def chunks() -> Iterator[list[dict[str, Any]]]:
        chunk = [first.to_json()]
        for paper in stream:
            if len(chunk) >= partition_size:
                yield chunk
                chunk = []
            chunk.append(paper.to_json())
        yield chunk

    client, cluster = connect(address)
    try:
        for fingerprint, records in map_partitions(client, chunks(), extract_partition, fast, batch_size,
                                                   address=address, max_in_flight=max_in_flight, retries=retries):
            if fingerprint != expected:
                raise KgError(f"the Dask workers at {address} run another kg pipeline (fingerprint {fingerprint}, "
                              f"here {expected}): install the same kg version, knowledge base and model on them")
            for text in records:
                yield read_record(text), text
    finally:
        # best effort, and never hiding the error that ended the loop (the scheduler may be gone)
        with contextlib.suppress(Exception):
            client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()

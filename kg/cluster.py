"""Connecting to a Dask distributed cluster for `kg build --dask ADDRESS`, and what its faults mean.

The build extracts on the cluster through `dask_executor`: a `concurrent.futures.Executor` (Dask's
`Client.get_executor()`) that `kg.parallel` maps partitions of papers over, exactly as over the local
process pool; linking and writing then run on the client, which is why both give the same graph.

Faults: a partition whose task raised is resubmitted `retries` times; a partition whose worker died
is rescheduled by the scheduler itself (up to `distributed.scheduler.allowed-failures` deaths, 3 by
default) and then ends the build with the KgError of `dask_error`, naming the partition; an
unreachable scheduler is a KgError naming its address.

`address` is a scheduler address (``tcp://host:8786``, what `dask scheduler` prints) or ``local:N``
for a `distributed.LocalCluster` of N single-threaded worker processes that kg starts and stops.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kg.errors import KgError, OptionError

if TYPE_CHECKING:
    from concurrent.futures import Executor

CONNECT_TIMEOUT = 10.0
WORKER_WAIT = 60.0
_LOCAL = re.compile(r"local(?::(\d+))?")
_RESUME = "rerun to resume — finished partitions are cached"


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

    @classmethod
    def of(cls, index: int, chunk: Sequence[dict[str, Any]]) -> Partition:
        """The partition `index` of these papers (JSON objects).

        >>> str(Partition.of(0, [{"id": "a1"}, {"id": "a2"}]))
        'partition 0 (papers a1..a2)'
        """
        return cls(index, str(chunk[0].get("id")), str(chunk[-1].get("id")))


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


def partition_errors(address: str) -> Callable[[BaseException, int, Sequence[dict[str, Any]]], KgError]:
    """The `dask_error` of a failed task given its index and papers (for `kg.parallel.ordered_map`).

    >>> print(partition_errors("local:1")(ValueError("boom"), 1, [{"id": "b1"}, {"id": "b3"}]))
    extracting partition 1 (papers b1..b3) failed on a dask worker: ValueError: boom
    """
    def explain(exc: BaseException, index: int, chunk: Sequence[dict[str, Any]]) -> KgError:
        return dask_error(exc, Partition.of(index, chunk), address)

    return explain


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


@contextlib.contextmanager
def dask_executor(address: str, *, retries: int = 1) -> Iterator[tuple[Executor, Callable[[], int]]]:
    """An Executor that runs its tasks on the Dask cluster at `address` (see `connect`), and the
    number of tasks worth keeping in flight there (twice its worker threads, counted again at each
    call, so a cluster that grows gets more); the connection (and a cluster kg started) ends with
    the block.

    Each task is retried `retries` times when it raises, and has a key of its own (``pure=False``),
    so builds sharing a scheduler do not collide.
    """
    client, cluster = connect(address)
    try:
        yield client.get_executor(retries=retries, pure=False), lambda: max(2, 2 * _threads(client))
    finally:
        # best effort, and never hiding the error that ended the block (the scheduler may be gone)
        with contextlib.suppress(Exception):
            client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()

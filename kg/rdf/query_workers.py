"""The query workers of `kg serve`: every SPARQL query runs in a process that can be killed.

pyoxigraph cannot cancel a running query, and a thread cannot be stopped, so a query that ran past
its time limit used to hold its slot until it ended by itself. Here each query runs in one of
`workers` processes of a `pebble.ProcessPool` (spawn start method; each worker opens the store
read-only once with `kg.rdf.store.open_store`, which several processes may do at once). pebble
gives a per-task timeout that kills the worker and starts a new one: a query past its limit is
answered 503 "query exceeded the N s limit" and its slot is free again at once.

Everything that costs time in proportion to the query happens in the worker, inside the limit: the
read-only guard (`kg.rdf.query.check_query`, whose `text` is what runs, never the raw request),
pyoxigraph's parsing and evaluation, and serialization. The request path only reads the request.
A worker is single-threaded, so nothing in the guard is ever shared between threads.

The worker answers with bytes already serialized by pyoxigraph, in the media type the `Accept`
header prefers (`negotiate`): SELECT and ASK as `application/sparql-results+json` (default),
`text/csv`, `text/tab-separated-values` or `application/sparql-results+xml`; CONSTRUCT and DESCRIBE
as `text/turtle` (default), `application/n-triples`, `application/rdf+xml` or `application/ld+json`.
An answer is at most `max_answer` bytes (`MAX_ANSWER`, 64 MiB, by default): serialization stops
there and the client gets 503 asking for a LIMIT, so one answer cannot take the worker's memory.

At most `workers` queries run at once; a query that finds them all taken waits for one at most
`max_wait` seconds, then gets 503 "busy" with `Retry-After`; a waiting query whose client has
disconnected is dropped (so requests nobody waits for any more do not pile up on the workers).
"""

from __future__ import annotations

import asyncio
import functools
import io
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import CancelledError
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kg.rdf.query import CheckedQuery
    from kg.rdf.store import OpenStore

MAX_ANSWER = 64 << 20
"""The largest answer a query may give, in bytes of the serialized results (64 MiB)."""
START_GRACE = 60.0
"""Seconds a query may wait, beyond its time limit, for a worker to start (spawn, open the store)."""

TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the endpoint sends back: status, Content-Type, body and any extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def line(cls, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
        """A plain-text answer of one line."""
        return cls(status, TEXT, (" ".join(message.split()) + "\n").encode("utf-8"), headers)


# --- content negotiation -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Offer:
    """A format an answer can be sent in: a pyoxigraph `QueryResultsFormat` or `RdfFormat`."""

    format: Any

    @property
    def media_type(self) -> str:
        """What the Content-Type says: the format's media type, with the charset of a text type."""
        media: str = self.format.media_type
        return media if "charset" in media or not media.startswith("text/") else f"{media}; charset=utf-8"

    def accepts(self, media: str) -> bool:
        """Whether the media type `media` of an Accept header asks for this format (pyoxigraph knows
        the aliases: application/json, text/plain, ...)."""
        return bool(type(self.format).from_media_type(media) == self.format)


def offers() -> tuple[list[Offer], list[Offer]]:
    """What SELECT/ASK results and CONSTRUCT/DESCRIBE graphs can be sent as, the default first."""
    import pyoxigraph as ox

    results = [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV,
               ox.QueryResultsFormat.XML]
    graphs = [ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD]
    return [Offer(f) for f in results], [Offer(f) for f in graphs]


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their quality, lower-cased, parameters dropped.

    >>> parse_accept("text/csv;q=0.5, application/sparql-results+json")
    [('text/csv', 0.5), ('application/sparql-results+json', 1.0)]
    >>> parse_accept(None)
    []
    """
    ranges: list[tuple[str, float]] = []
    for item in (header or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
                if quality != quality:  # nan
                    quality = 0.0
        ranges.append((media.lower(), quality))
    return ranges


def _quality(ranges: list[tuple[str, float]], offer: Offer) -> float:
    """The quality the client gives `offer`: that of the most specific range that matches it."""
    kind = offer.format.media_type.split("/")[0]
    best: tuple[int, float] = (0, 0.0)
    for pattern, quality in ranges:
        if offer.accepts(pattern):
            rank = 3
        elif pattern == f"{kind}/*":
            rank = 2
        elif pattern == "*/*":
            rank = 1
        else:
            continue
        best = max(best, (rank, quality), key=lambda b: b[0])
    return best[1]


def negotiate(header: str | None, choices: list[Offer]) -> Offer | None:
    """The offer the Accept header prefers (the first offer when there is no header or on ties);
    None when it accepts none of them.

    >>> results, _ = offers()
    >>> negotiate("text/csv", results).media_type
    'text/csv; charset=utf-8'
    >>> negotiate("text/html,application/xhtml+xml,*/*;q=0.8", results).media_type
    'application/sparql-results+json'
    >>> negotiate("image/png", results) is None
    True
    """
    ranges = parse_accept(header)
    if not ranges:
        return choices[0]
    best: Offer | None = None
    best_quality = 0.0
    for offer in choices:
        quality = _quality(ranges, offer)
        if quality > best_quality:
            best, best_quality = offer, quality
    return best


def not_acceptable(header: str | None, choices: list[Offer]) -> Answer:
    kinds = ", ".join(o.format.media_type.split(";")[0] for o in choices)
    return Answer.line(406, f"cannot answer with {header}; this query's results can be: {kinds}")


# --- in the worker process -----------------------------------------------------------------------

_OPENED: OpenStore | None = None
_CHECKED = 512
"""Queries each worker remembers as checked: clients repeat queries, and the guard may cost more
than evaluating them (tens of ms for a named query). Refusals are not remembered; they raise again."""


def _watch_parent(parent: int) -> None:
    """End this worker when the server process is gone (killed with SIGKILL, say): pyoxigraph
    releases the GIL while it evaluates, so this thread runs even during a long query. Not
    `kg.lifetime.die_with_parent`: PR_SET_PDEATHSIG follows the *thread* that started the process,
    and pebble starts replacement workers from threads of its own."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def start_worker(store: str, parent: int) -> None:
    """The pool's initializer: open the store read-only, once per worker, and warm up the guard."""
    global _OPENED
    # pebble's SIGTERM handler is Python code, which cannot run while pyoxigraph evaluates: the
    # default action ends the worker at once when its query is past the limit.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_watch_parent, args=(parent,), name="kg-watch-parent", daemon=True).start()
    from kg.rdf.query import check_query
    from kg.rdf.store import open_store

    _OPENED = open_store(store)
    check_query("ASK { ?s ?p ?o }")  # imports what the guard needs before the first real query


@functools.lru_cache(maxsize=_CHECKED)
def _check_query(sparql: str) -> CheckedQuery:
    from kg.rdf.query import check_query

    return check_query(sparql)


def ready() -> int:
    """A task that does nothing: scheduled to start the workers before the first query."""
    return os.getpid()


class _AnswerTooLarge(Exception):
    pass


class _CappedSink(io.BytesIO):
    """Where pyoxigraph writes the serialized answer; raises once `limit` bytes are exceeded."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.too_large = False

    def write(self, data: Any) -> int:
        if self.tell() + len(data) > self.limit:
            self.too_large = True
            raise _AnswerTooLarge
        return super().write(data)


_REFUSALS = {  # kg.rdf.query's refusals, reworded for the endpoint
    "updates are refused": "updates are refused: this SPARQL endpoint is read-only (send queries only)",
    "SERVICE is refused": "SERVICE is refused: this endpoint answers from its own store only",
    "FROM and FROM NAMED are refused": "FROM and FROM NAMED are refused: the store has one default graph",
}


def _refusal(message: str) -> str:
    for start, reworded in _REFUSALS.items():
        if message.startswith(start):
            return reworded
    return message


def run_query(sparql: str, accept: str | None, max_answer: int) -> Answer:
    """Check and run one query in this worker; the answer, serialized. Never raises for a bad query."""
    import pyoxigraph as ox

    from kg.errors import QueryError
    from kg.rdf.namespace import PREFIXES

    assert _OPENED is not None, "start_worker did not run"
    try:
        checked = _check_query(sparql)
    except QueryError as exc:
        return Answer.line(400, _refusal(str(exc)))
    except Exception as exc:  # the guard could not read it (too deep, say): refused, never run unchecked
        return Answer.line(400, f"query refused: it cannot be checked ({type(exc).__name__}: {exc})")
    results, graphs = offers()
    choices = graphs if checked.form in ("CONSTRUCT", "DESCRIBE") else results
    if negotiate(accept, choices) is None:
        return not_acceptable(accept, choices)
    sink = _CappedSink(max_answer)
    try:
        answer = _OPENED.store.query(checked.text, prefixes=PREFIXES)
        choices = graphs if isinstance(answer, ox.QueryTriples) else results
        offer = negotiate(accept, choices)
        if offer is None:
            return not_acceptable(accept, choices)
        answer.serialize(sink, format=offer.format)
    except SyntaxError as exc:
        from kg.rdf.query import engine_error

        return Answer.line(400, str(engine_error(exc, checked.text)))
    except Exception as exc:
        if sink.too_large:
            return Answer.line(503, f"the answer is over this endpoint's limit of {max_answer:,} bytes; "
                                    "ask for less (add a LIMIT or select fewer variables)")
        return Answer.line(400, f"query failed: {exc}")
    return Answer(200, offer.media_type, sink.getvalue())


# --- in the server process -----------------------------------------------------------------------


class QueryPool:
    """`workers` processes that answer queries from the store at `store`, each within `timeout` s.

    `start()` launches the workers; `answer()` is called from the server's event loop; `close()`
    stops the workers (killing any that still run a query).
    """

    def __init__(self, store: str | os.PathLike[str], *, workers: int, timeout: float,
                 max_wait: float | None = None, max_answer: int = MAX_ANSWER) -> None:
        self.store = Path(store)
        self.workers = workers
        self.timeout = timeout
        self.max_wait = timeout if max_wait is None else max_wait
        self.max_answer = max_answer
        self._slots = asyncio.Semaphore(workers)
        self._pool: Any = None

    def start(self) -> None:
        """Launch the workers (each spawns, opens the store and warms up, in the background)."""
        import pebble

        self._pool = pebble.ProcessPool(max_workers=self.workers, initializer=start_worker,
                                        initargs=(str(self.store), os.getpid()),
                                        context=multiprocessing.get_context("spawn"))
        for _ in range(self.workers):
            self._pool.schedule(ready)

    async def answer(self, sparql: str, accept: str | None, gone: asyncio.Event | None = None) -> Answer:
        """The answer to one query: from a worker, or 503 when no worker was free within `max_wait`
        seconds or the query passed its limit. A query whose client is `gone` (set when it
        disconnects) while it waits for a worker is dropped, so dead requests take no worker."""
        if not await self._acquire(gone):
            return Answer.line(503, f"busy: {self.workers} queries are running and others are waiting; "
                                    "try again later", (("Retry-After", "5"),))
        try:
            if gone is not None and gone.is_set():
                return Answer.line(400, "the client went away")
            return await self._run(sparql, accept)
        finally:
            self._slots.release()

    async def _acquire(self, gone: asyncio.Event | None) -> bool:
        """Wait for a free worker slot; False when `max_wait` passed or the client went away first."""
        acquire = asyncio.ensure_future(self._slots.acquire())
        waits: set[asyncio.Future[Any]] = {acquire}
        if gone is not None:
            waits.add(asyncio.ensure_future(gone.wait()))
        try:
            await asyncio.wait(waits, timeout=self.max_wait, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                if not wait.done():
                    wait.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
        return not acquire.cancelled() and acquire.exception() is None

    async def _run(self, sparql: str, accept: str | None) -> Answer:
        import pebble

        limit = Answer.line(503, f"query exceeded the {self.timeout:g} s limit")
        try:
            future = self._pool.schedule(run_query, args=(sparql, accept, self.max_answer), timeout=self.timeout)
        except RuntimeError as exc:  # the pool is closed or broken
            return Answer.line(503, f"the query workers are not running: {exc}")
        try:
            # pebble counts the limit from when a worker takes the query; this bounds the wait for one
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout + START_GRACE)
        except TimeoutError:
            future.cancel()  # kills the worker if it has the query by now
            return limit
        except pebble.ProcessExpired as exc:
            return Answer.line(500, f"query failed: its worker process ended (exit code {exc.exitcode})")
        except CancelledError:
            return Answer.line(503, "query cancelled: the server is stopping")
        except Exception as exc:  # a broken pool, or a bug in the worker
            return Answer.line(500, f"query failed: {type(exc).__name__}: {exc}")

    def close(self) -> None:
        """Stop the workers now and wait for them to end."""
        if self._pool is not None:
            self._pool.stop()
            self._pool.join(timeout=10)
            self._pool = None

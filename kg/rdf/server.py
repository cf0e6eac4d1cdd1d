"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over a persistent store, on uvicorn.

Three parts: `kg.rdf.endpoint` (the Starlette app: what each request means), `kg.rdf.query_workers`
(the processes that run queries, each within its time limit) and this module, which binds the
socket and runs uvicorn with limits fit for a server anyone on the machine can reach:

* a listen backlog of `BACKLOG` (2048; the kernel may cap it at `net.core.somaxconn`), so a burst
  of hundreds of clients waits in the queue instead of being refused;
* at most `max_connections` connections and requests at once; beyond that uvicorn answers 503;
* a request must arrive whole (headers and body) within `request_timeout` seconds of its first
  byte, or of the connection's start, or the connection is closed: a client that trickles its
  headers or sends nothing cannot hold a connection for ever (uvicorn has no such limit of its
  own; `_deadline_protocol` adds it to uvicorn's h11 protocol). Idle keep-alive connections are
  closed after `KEEP_ALIVE` seconds, and the request line and headers are at most `MAX_HEAD` bytes;
* at most `max_running` queries run at once, each in a worker process and within `timeout` seconds;
  others wait for a worker at most `max_wait` seconds (`kg.rdf.query_workers`);
* the store is opened read-only (`kg.rdf.store.open_store`) by the server, which holds its shared
  lock so that `kg load --replace` is refused meanwhile, and by each query worker; `kg query
  --store` and other readers can use it at the same time.

The kg prefixes (`kg:`, `dcterms:`, `skos:`, ... see `kg.rdf.namespace.PREFIXES`) are predeclared,
as in `kg query`. The server binds 127.0.0.1 unless told otherwise.

The workers are started with the spawn method, which imports the main module again: a script that
calls `make_server` must do so under `if __name__ == "__main__":`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import sys
import threading

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from kg.errors import KgError, OptionError
from kg.rdf.endpoint import HostCheck, is_loopback, make_app
from kg.rdf.query_workers import MAX_ANSWER, QueryPool
from kg.rdf.store import OpenStore, open_store

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "SparqlServer", "is_loopback", "make_server"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_WAIT = 60.0
DEFAULT_MAX_RUNNING = 4
DEFAULT_MAX_CONNECTIONS = 1000
BACKLOG = 2048
REQUEST_TIMEOUT = 20.0
"""Seconds a client has to send a whole request (headers and body)."""
KEEP_ALIVE = 5
"""Seconds an idle keep-alive connection stays open."""
MAX_HEAD = 64 << 10
"""The largest request line plus headers, in bytes (a GET query longer than this must be POSTed)."""

_log = logging.getLogger("uvicorn.error")


def _deadline_protocol(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol with a deadline for receiving each whole request."""

    class DeadlineH11Protocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._deadline is None and self._receiving():
                self._arm()
            super().data_received(data)
            if not self._receiving():
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _receiving(self) -> bool:
            return self.conn.their_state in (h11.IDLE, h11.SEND_BODY)

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, self._expired)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self) -> None:
            self._deadline = None
            if self._receiving() and not self.transport.is_closing():
                client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
                _log.warning("closed the connection of %s: no whole request within %g s", client, seconds)
                self.transport.close()

    return DeadlineH11Protocol


def check_limits(timeout: float, max_running: int, max_connections: int = DEFAULT_MAX_CONNECTIONS) -> None:
    """OptionError unless the time limit is a finite positive number and the counts are positive.

    >>> check_limits(float("nan"), 4)
    Traceback (most recent call last):
    ...
    kg.errors.OptionError: --timeout must be a number of seconds above 0, got nan
    """
    if not (math.isfinite(timeout) and timeout > 0):
        raise OptionError(f"--timeout must be a number of seconds above 0, got {timeout:g}")
    if max_running < 1:
        raise OptionError(f"--max-running must be at least 1, got {max_running}")
    if max_connections < 1:
        raise OptionError(f"--max-connections must be at least 1, got {max_connections}")


def _listen(host: str, port: int) -> socket.socket:
    bare = host.strip("[]")
    family = socket.AF_INET6 if ":" in bare else socket.AF_INET
    try:
        return socket.create_server((bare, port), family=family, backlog=BACKLOG)
    except OSError as exc:
        raise KgError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; use another --port or --host") from exc


class SparqlServer:
    """The HTTP server of `kg serve`: answers SPARQL queries from an open read-only store.

    Listening from creation on; `serve_forever()` answers until `shutdown()` (from another
    thread) or SIGINT/SIGTERM (in the main thread); `server_close()` stops the query workers and
    releases the store.
    """

    def __init__(self, opened: OpenStore, sock: socket.socket, *, host: str = DEFAULT_HOST,
                 timeout: float = DEFAULT_TIMEOUT, max_running: int = DEFAULT_MAX_RUNNING,
                 max_wait: float = DEFAULT_MAX_WAIT, max_connections: int = DEFAULT_MAX_CONNECTIONS,
                 request_timeout: float = REQUEST_TIMEOUT, max_answer: int = MAX_ANSWER,
                 quiet: bool = False) -> None:
        self.opened = opened
        self.socket = sock
        self.server_address: tuple[str, int] = tuple(sock.getsockname()[:2])
        self.query_timeout = timeout
        self.max_running = max_running
        self.pool = QueryPool(opened.path, workers=max_running, timeout=timeout, max_wait=max_wait,
                              max_answer=max_answer)
        app = make_app(self.pool, HostCheck(host, self.server_address[1]),
                       about=f"{opened.path}: {opened.info.describe()}")
        config = uvicorn.Config(
            app, http=_deadline_protocol(request_timeout), ws="none", lifespan="off", loop="asyncio",
            backlog=BACKLOG, limit_concurrency=max_connections, timeout_keep_alive=KEEP_ALIVE,
            timeout_graceful_shutdown=5, h11_max_incomplete_event_size=MAX_HEAD, log_config=None,
            access_log=not quiet, proxy_headers=False, server_header=False)
        self._uvicorn = uvicorn.Server(config)
        self._stopped = threading.Event()
        self._stopped.set()
        self.pool.start()

    @property
    def url(self) -> str:
        """The endpoint's URL, e.g. http://127.0.0.1:7878/sparql."""
        host, port = self.server_address
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/sparql"

    def serve_forever(self) -> None:
        """Answer requests until `shutdown()` or a signal (uvicorn handles SIGINT and SIGTERM in the
        main thread: it finishes the requests in flight, then raises the signal again)."""
        self._stopped.clear()
        try:
            self._uvicorn.run(sockets=[self.socket])
        finally:
            self._stopped.set()

    def shutdown(self, wait: float = 30.0) -> None:
        """Ask `serve_forever()` to return, and wait for it (at most `wait` seconds)."""
        self._uvicorn.should_exit = True
        self._stopped.wait(wait)

    def server_close(self) -> None:
        """Close the listening socket, stop the query workers and release the store."""
        self.socket.close()
        self.pool.close()
        self.opened.close()


def make_server(store: str | os.PathLike[str], *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                timeout: float = DEFAULT_TIMEOUT, max_running: int = DEFAULT_MAX_RUNNING,
                max_wait: float = DEFAULT_MAX_WAIT, max_connections: int = DEFAULT_MAX_CONNECTIONS,
                request_timeout: float = REQUEST_TIMEOUT, max_answer: int = MAX_ANSWER,
                quiet: bool = False) -> SparqlServer:
    """Open the store read-only, bind the socket (port 0: any free port) and start the query
    workers; not answering yet (connections wait in the backlog until `serve_forever()`).

    >>> import tempfile, pathlib
    >>> from kg.rdf.store import create_store
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "g.nt").write_text('<http://x/a> <http://x/b> "c" .\\n')
    >>> _ = create_store(folder / "g.nt", folder / "store")
    >>> server = make_server(folder / "store", port=0, quiet=True)
    >>> server.url.startswith("http://127.0.0.1:")
    True
    >>> server.server_close()
    """
    check_limits(timeout, max_running, max_connections)
    if not (math.isfinite(max_wait) and max_wait >= 0):
        raise OptionError(f"--max-wait must be a number of seconds, 0 or more, got {max_wait:g}")
    opened = open_store(store)
    try:
        sock = _listen(host, port)
        try:
            return SparqlServer(opened, sock, host=host, timeout=timeout, max_running=max_running,
                                max_wait=max_wait, max_connections=max_connections,
                                request_timeout=request_timeout,
                                max_answer=max_answer, quiet=quiet)
        except BaseException:
            sock.close()
            raise
    except BaseException:
        opened.close()
        raise


class _StderrHandler(logging.Handler):
    """Writes to whatever `sys.stderr` is at the time (click's test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def log_to_stderr(quiet: bool) -> None:
    """Send uvicorn's log to stderr as `kg serve: ...` lines: each request and the warnings
    (connections refused or cut off, bad requests) unless `quiet`; errors always."""
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("kg serve: %(message)s"))
    for name, level in (("uvicorn.error", logging.ERROR if quiet else logging.WARNING),
                        ("uvicorn.access", logging.CRITICAL if quiet else logging.INFO)):
        logger = logging.getLogger(name)
        logger.handlers[:] = [] if quiet and name == "uvicorn.access" else [handler]
        logger.setLevel(level)
        logger.propagate = False

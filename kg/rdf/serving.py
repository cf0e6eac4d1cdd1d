"""Serving a store until Ctrl-C or SIGTERM: what `kg serve` does, as a function.

`kg.rdf.server.make_server` builds the endpoint; `serve_store` runs it in the foreground, stops it
on Ctrl-C or SIGTERM like the rest of kg, and always releases the store and the query workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from kg.rdf.server import (
    DEFAULT_HOST,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RUNNING,
    DEFAULT_MAX_WAIT,
    DEFAULT_PORT,
    DEFAULT_TIMEOUT,
)


def serve_store(store: str | os.PathLike[str], *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                timeout: float = DEFAULT_TIMEOUT, max_running: int = DEFAULT_MAX_RUNNING,
                max_wait: float = DEFAULT_MAX_WAIT, max_connections: int = DEFAULT_MAX_CONNECTIONS,
                quiet: bool = False, say: Callable[[str], None] | None = None) -> None:
    """Answers SPARQL 1.1 Protocol queries at /sparql from the store that `kg load` wrote at
    `store` (opened read-only), until Ctrl-C or SIGTERM; then closes the socket, stops the query
    workers and releases the store. uvicorn's log goes to stderr (each request unless `quiet`).

    `say` is told where the endpoint listens, warned when `host` lets other machines in, and told
    when it stopped. A missing store is refused before a socket is opened. Because query workers
    are spawned, a script that calls this must do so under ``if __name__ == "__main__":``.

    >>> serve_store("no-such-store", port=0, quiet=True)
    Traceback (most recent call last):
    kg.rdf.store_lock.StoreError: no store at no-such-store; create one with `kg load GRAPH --store no-such-store`
    """
    import signal
    import threading

    from kg.rdf.server import is_loopback, log_to_stderr, make_server

    tell = say or (lambda line: None)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the server like Ctrl-C: the store is released

    log_to_stderr(quiet)
    server = make_server(store, host=host, port=port, timeout=timeout, max_running=max_running,
                         max_wait=max_wait, max_connections=max_connections, quiet=quiet)
    try:
        if not is_loopback(host):
            tell(f"warning: listening on {host}: anyone who can reach this machine on port "
                 f"{server.server_address[1]} can query the store")
        tell(f"serving {store} ({server.opened.info.describe()}) at {server.url} (Ctrl-C stops)")
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, stop)  # uvicorn raises it again once it has stopped
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        tell("stopped")
    finally:
        server.server_close()

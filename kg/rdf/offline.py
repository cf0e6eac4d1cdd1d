"""No network at run time: rdflib and pySHACL must never fetch a remote JSON-LD `@context`, an
`owl:imports` target or anything else while kg reads a graph.

rdflib resolves a JSON-LD `@context` given as an IRI (or a relative reference) by opening it with
urllib, and has no switch to stop it; its documentation recommends Python audit hooks for this
(`sys.addaudithook`). `offline()` marks the current thread; the hook, installed once, refuses every
`urllib.Request` and socket connection made while the mark is set, with a one-line GraphError that
names the URL. Other threads (a server answering requests, a test client) are not affected.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any

from kg.errors import GraphError

_state = threading.local()
_installed = False
_install_lock = threading.Lock()


class NetworkRefused(GraphError):
    """A library tried to reach the network while kg was reading a graph."""


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not getattr(_state, "depth", 0):
        return
    if event == "urllib.Request":
        raise NetworkRefused(f"refused to fetch {args[0]}: kg reads nothing over the network (a remote "
                             "JSON-LD @context? put the context inline)")
    if event in ("socket.connect", "socket.getaddrinfo"):
        raise NetworkRefused(f"refused to connect to {args[1] if event == 'socket.connect' else args[0]}: "
                             "kg reads nothing over the network")


@contextlib.contextmanager
def offline() -> Iterator[None]:
    """Refuse network access in this thread for the duration of the block.

    >>> import urllib.request
    >>> with offline():
    ...     urllib.request.urlopen("http://127.0.0.1:9/context.jsonld")
    Traceback (most recent call last):
    ...
    kg.rdf.offline.NetworkRefused: refused to fetch http://127.0.0.1:9/context.jsonld: kg reads nothing \
over the network (a remote JSON-LD @context? put the context inline)
    """
    global _installed
    with _install_lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1

"""Helpers of the `kg serve` tests: a server in a thread on a free port, and requests to it."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import networkx as nx

from kg.rdf.export import write_rdf
from kg.rdf.server import SparqlServer, make_server
from kg.rdf.store import create_store
from tests.paths import RDF_FIXTURES as FIXTURES

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def small_graph() -> nx.MultiDiGraph:
    data = json.loads((FIXTURES / "small_graph.json").read_text("utf-8"))
    return nx.node_link_graph(data, edges="edges", directed=True, multigraph=True)


def small_store(folder: Path) -> Path:
    create_store(write_rdf(small_graph(), folder / "graph.nt", format="nt"), folder / "store")
    return folder / "store"


def start(store: Path, **options: Any) -> tuple[SparqlServer, threading.Thread]:
    server = make_server(store, port=0, quiet=True, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def stop(server: SparqlServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=20)
    assert not thread.is_alive()


def call(url: str, *, query: str | None = None, method: str = "GET", data: bytes | None = None,
         headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, str, bytes]:
    """One HTTP request: status, Content-Type and body, for errors too."""
    if query is not None and method in ("GET", "HEAD"):
        url = f"{url}?{urllib.parse.urlencode({'query': query})}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Content-Type", ""), error.read()


def form(values: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(values).encode()


def message(result: tuple[int, str, bytes]) -> tuple[int, str]:
    """The status and the one line of a plain-text answer (asserting it is one)."""
    status, ctype, body = result
    assert ctype == "text/plain; charset=utf-8", (status, ctype, body[:200])
    text = body.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1, text  # one line
    return status, text.strip()


def raw(url: str, request: bytes, *, timeout: float = 30) -> bytes:
    """Send `request` as it is on a new connection; everything the server sends until it closes."""
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def host_port(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80

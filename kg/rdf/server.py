"""A read-only SPARQL 1.1 Protocol endpoint over a persistent store (`kg serve`).

Standard library only (`http.server.ThreadingHTTPServer`); queries are answered by pyoxigraph from
a store opened read-only (`kg.rdf.store.open_store`), so `kg query --store` and other readers can
use the same store at the same time.

* `GET /sparql?query=...`, `POST /sparql` with `application/x-www-form-urlencoded` (`query=...`)
  or with an `application/sparql-query` body: the SPARQL 1.1 Protocol query operation.
* Results by the `Accept` header, written by pyoxigraph's own serializers: SELECT and ASK as
  `application/sparql-results+json` (the default), `text/csv`, `text/tab-separated-values` or
  `application/sparql-results+xml`; CONSTRUCT and DESCRIBE as `text/turtle` (the default),
  `application/n-triples`, `application/rdf+xml` or `application/ld+json`. Anything else: 406.
* Read-only: the update operation (an `update=` parameter or an `application/sparql-update` body)
  is refused with 403; a query that is an update, uses SERVICE or FROM, or does not parse is
  refused with 400 and a one-line message (the checks of `kg.rdf.query.prepare_query`).
  `default-graph-uri` and `named-graph-uri` are refused with 400: the store has one default graph.
* A time limit per query: the query runs in a worker thread and the client gets 503 "query
  exceeded the N s limit" once the limit has passed. pyoxigraph cannot cancel a running query, so
  that thread finishes in the background and keeps its slot: at most `max_running` queries run at
  once, and a query arriving when all slots are taken gets 503 "busy" with `Retry-After`.
* `GET /` is a small HTML form for trying queries in a browser.

The kg prefixes (`kg:`, `dcterms:`, `skos:`, ... see `kg.rdf.namespace.PREFIXES`) are predeclared,
as in `kg query`. The server binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import functools
import html
import ipaddress
import os
import socket
import sys
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kg.errors import KgError, OptionError, QueryError
from kg.rdf.namespace import PREFIXES
from kg.rdf.query import FROM_REFUSED, SERVICE_REFUSED, UPDATE_REFUSED
from kg.rdf.store import OpenStore, open_store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RUNNING = 4
MAX_BODY = 1 << 20
"""The largest request body accepted (1 MiB): queries are text, not data."""

UPDATE_FORBIDDEN = "updates are refused: this SPARQL endpoint is read-only"
_REFUSALS = {  # kg.rdf.query's refusals, reworded for the endpoint
    UPDATE_REFUSED: "updates are refused: this SPARQL endpoint is read-only (send queries only)",
    SERVICE_REFUSED: "SERVICE is refused: this endpoint answers from its own store only",
    FROM_REFUSED: "FROM and FROM NAMED are refused: the store has one default graph",
}


@dataclass(frozen=True, slots=True)
class _Offer:
    media_type: str  # what the Content-Type says
    names: tuple[str, ...]  # the media types of Accept that ask for it
    format: Any  # the pyoxigraph QueryResultsFormat or RdfFormat


def _offers() -> tuple[list[_Offer], list[_Offer]]:
    import pyoxigraph as ox

    results = [
        _Offer("application/sparql-results+json", ("application/sparql-results+json", "application/json"),
               ox.QueryResultsFormat.JSON),
        _Offer("text/csv; charset=utf-8", ("text/csv",), ox.QueryResultsFormat.CSV),
        _Offer("text/tab-separated-values; charset=utf-8", ("text/tab-separated-values",), ox.QueryResultsFormat.TSV),
        _Offer("application/sparql-results+xml", ("application/sparql-results+xml", "application/xml", "text/xml"),
               ox.QueryResultsFormat.XML),
    ]
    graphs = [
        _Offer("text/turtle; charset=utf-8", ("text/turtle", "application/x-turtle"), ox.RdfFormat.TURTLE),
        _Offer("application/n-triples", ("application/n-triples", "text/plain"), ox.RdfFormat.N_TRIPLES),
        _Offer("application/rdf+xml", ("application/rdf+xml", "application/xml", "text/xml"), ox.RdfFormat.RDF_XML),
        _Offer("application/ld+json", ("application/ld+json", "application/json"), ox.RdfFormat.JSON_LD),
    ]
    return results, graphs


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
        ranges.append((media.lower(), quality))
    return ranges


def _quality(ranges: list[tuple[str, float]], media: str) -> float:
    """The quality the client gives `media`: that of the most specific range that matches it."""
    kind = media.split("/")[0]
    best: tuple[int, float] = (0, 0.0)
    for pattern, quality in ranges:
        if pattern == media:
            rank = 3
        elif pattern == f"{kind}/*":
            rank = 2
        elif pattern == "*/*":
            rank = 1
        else:
            continue
        best = max(best, (rank, quality), key=lambda b: b[0])
    return best[1]


def negotiate(header: str | None, offers: list[_Offer]) -> _Offer | None:
    """The offer the Accept header prefers (the first offer when there is no header or on ties);
    None when it accepts none of them.

    >>> results, _ = _offers()
    >>> negotiate("text/csv", results).media_type
    'text/csv; charset=utf-8'
    >>> negotiate("text/html,application/xhtml+xml,*/*;q=0.8", results).media_type
    'application/sparql-results+json'
    >>> negotiate("image/png", results) is None
    True
    """
    ranges = parse_accept(header)
    if not ranges:
        return offers[0]
    best: _Offer | None = None
    best_quality = 0.0
    for offer in offers:
        quality = max(_quality(ranges, name) for name in offer.names)
        if quality > best_quality:
            best, best_quality = offer, quality
    return best


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@functools.lru_cache(maxsize=256)
def query_form(sparql: str) -> str:
    """Check a query with `kg.rdf.query.prepare_query` (QueryError for updates, SERVICE, FROM and
    syntax errors) and return its form. Cached: rdflib's parser takes 20-100 ms a query, and
    clients often repeat the same queries (refusals are not cached; they raise again).

    >>> query_form("ASK { ?s ?p ?o }")
    'AskQuery'
    """
    from kg.rdf.query import check_query

    return {"SELECT": "SelectQuery", "ASK": "AskQuery", "CONSTRUCT": "ConstructQuery",
            "DESCRIBE": "DescribeQuery"}[check_query(sparql).form]


class _Reply(Exception):
    """An HTTP answer other than 200, raised inside the handler."""

    def __init__(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server of `kg serve`: answers SPARQL queries from an open read-only store.

    `serve_forever()` serves until `shutdown()`; `server_close()` also releases the store.
    """

    daemon_threads = True

    def __init__(self, opened: OpenStore, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 timeout: float = DEFAULT_TIMEOUT, max_running: int = DEFAULT_MAX_RUNNING,
                 quiet: bool = False) -> None:
        if timeout <= 0:
            raise OptionError(f"--timeout must be more than 0 seconds, got {timeout:g}")
        if max_running < 1:
            raise OptionError(f"--max-running must be at least 1, got {max_running}")
        self.opened = opened
        self.query_timeout = timeout
        self.max_running = max_running
        self.quiet = quiet
        self.slots = threading.BoundedSemaphore(max_running)
        self.result_offers, self.graph_offers = _offers()
        if ":" in host.strip("[]"):
            self.address_family = socket.AF_INET6
        super().__init__((host.strip("[]"), port), _Handler)

    @property
    def url(self) -> str:
        """The endpoint's URL, e.g. http://127.0.0.1:7878/sparql."""
        raw, port = self.server_address[0], self.server_address[1]
        host = raw.decode() if isinstance(raw, bytes) else str(raw)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/sparql"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line for a client that went away, the standard traceback for anything else."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            if not self.quiet:
                sys.stderr.write(f"kg serve: {client_address[0]}: {type(error).__name__}: {error}\n")
            return
        super().handle_error(request, client_address)

    def server_close(self) -> None:
        """Close the listening socket and release the store."""
        super().server_close()
        self.opened.close()


def make_server(store: str | os.PathLike[str], *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                timeout: float = DEFAULT_TIMEOUT, max_running: int = DEFAULT_MAX_RUNNING,
                quiet: bool = False) -> SparqlServer:
    """Open the store read-only and bind the server (port 0: any free port); not serving yet.

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
    opened = open_store(store)
    try:
        return SparqlServer(opened, host=host, port=port, timeout=timeout, max_running=max_running, quiet=quiet)
    except OSError as exc:
        opened.close()
        raise KgError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; use another --port or --host") from exc
    except BaseException:
        opened.close()
        raise


_FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kg SPARQL</title>
<style>body{{font:15px system-ui,sans-serif;margin:2em;max-width:60em}}textarea{{width:100%;font:14px monospace}}
</style></head><body>
<h1>kg SPARQL endpoint</h1>
<p>{about}. Read-only; prefixes kg:, dcterms:, skos:, prov:, rdf:, rdfs:, xsd: are predeclared.
Queries taking more than {timeout:g} s are stopped.</p>
<form action="sparql" method="get">
<textarea name="query" rows="12">SELECT ?dataset ?papers WHERE {{
  {{ SELECT ?d (COUNT(DISTINCT ?p) AS ?papers) WHERE {{ ?p kg:evaluatesOn ?d }} GROUP BY ?d }}
  ?d skos:prefLabel ?dataset .
}}
ORDER BY DESC(?papers) LIMIT 20</textarea>
<p><button type="submit">Run</button> (results as SPARQL JSON; ask for CSV, TSV or XML with an Accept header)</p>
</form></body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    """One request: route, read the query, check it, run it with a time limit, answer."""

    server: SparqlServer
    server_version = "kg-sparql"
    protocol_version = "HTTP/1.1"  # keep-alive, and "100 Continue" for clients that wait for it
    timeout = 60  # seconds a client may take to send its request, or keep an idle connection
    _body_read = True  # False while a POST body is unread

    # --- HTTP methods ---

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _refuse_method(self) -> None:
        self._body_read = False  # whatever it sent is not read: close the connection after answering
        self._send_error(_Reply(HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} is not allowed; use GET or POST",
                                {"Allow": "GET, POST"}))

    do_PUT = do_DELETE = do_PATCH = _refuse_method

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            sys.stderr.write(f"kg serve: {self.address_string()} {format % args}\n")

    # --- the request ---

    def _handle(self, method: str) -> None:
        self._body_read = method != "POST"
        try:
            path = urlsplit(self.path).path
            if path == "/" and method == "GET":
                self._send_page()
                return
            if path != "/sparql":
                raise _Reply(HTTPStatus.NOT_FOUND, f"no such page {path}; the SPARQL endpoint is /sparql")
            sparql = self._read_query(method)
            self._answer(sparql)
        except _Reply as reply:
            self._send_error(reply)

    def _read_query(self, method: str) -> str:
        params = parse_qs(urlsplit(self.path).query, keep_blank_values=True, max_num_fields=100)
        body_query: str | None = None
        if method == "POST":
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            body = self._read_body()  # read before any answer: unread data would reset the connection
            if ctype == "application/sparql-update":
                raise _Reply(HTTPStatus.FORBIDDEN, UPDATE_FORBIDDEN)
            if ctype == "application/x-www-form-urlencoded":
                for key, values in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True,
                                            max_num_fields=100).items():
                    params.setdefault(key, []).extend(values)
            elif ctype == "application/sparql-query":
                body_query = body.decode("utf-8", "replace")
            else:
                raise _Reply(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                             f"unsupported Content-Type '{ctype or '(none)'}'; send application/sparql-query "
                             "or application/x-www-form-urlencoded with query=...")
        if "update" in params:
            raise _Reply(HTTPStatus.FORBIDDEN, UPDATE_FORBIDDEN)
        for name in ("default-graph-uri", "named-graph-uri"):
            if name in params:
                raise _Reply(HTTPStatus.BAD_REQUEST, f"{name} is not supported: the store has one default graph")
        queries = params.get("query", [])
        if body_query is not None:
            queries = [*queries, body_query]
        if not queries:
            raise _Reply(HTTPStatus.BAD_REQUEST, "no query: send ?query=... or POST a SPARQL query")
        if len(queries) > 1:
            raise _Reply(HTTPStatus.BAD_REQUEST, "more than one query in the request; send exactly one")
        return queries[0]

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            raise _Reply(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length")
        try:
            size = int(length)
        except ValueError:
            raise _Reply(HTTPStatus.BAD_REQUEST, f"bad Content-Length {length!r}") from None
        if size < 0:
            raise _Reply(HTTPStatus.BAD_REQUEST, f"bad Content-Length {length!r}")
        if size > MAX_BODY:
            raise _Reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the request body is over {MAX_BODY} bytes")
        body = self.rfile.read(size)
        self._body_read = True
        return body

    # --- the answer ---

    def _answer(self, sparql: str) -> None:
        try:
            form = query_form(sparql)
        except QueryError as exc:
            raise _Reply(HTTPStatus.BAD_REQUEST, _REFUSALS.get(str(exc), str(exc))) from None
        graph = form in ("ConstructQuery", "DescribeQuery")
        offers = self.server.graph_offers if graph else self.server.result_offers
        offer = negotiate(self.headers.get("Accept"), offers)
        if offer is None:
            kinds = ", ".join(o.names[0] for o in offers)
            raise _Reply(HTTPStatus.NOT_ACCEPTABLE, f"cannot answer with {self.headers.get('Accept')}; "
                                                    f"this query's results can be: {kinds}")
        body = self._run(sparql, offer)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", offer.media_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _run(self, sparql: str, offer: _Offer) -> bytes:
        """Run the query in a worker thread; 503 when the limit passes (the thread carries on)."""
        server = self.server
        if not server.slots.acquire(blocking=False):
            raise _Reply(HTTPStatus.SERVICE_UNAVAILABLE,
                         f"busy: {server.max_running} queries are still running; try again later",
                         {"Retry-After": "5"})
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                results = server.opened.store.query(sparql, prefixes=PREFIXES)
                outcome["body"] = results.serialize(format=offer.format)
            except BaseException as exc:  # handed to the request thread
                outcome["error"] = exc
            finally:
                server.slots.release()

        worker = threading.Thread(target=work, name="kg-sparql-query", daemon=True)
        try:
            worker.start()
        except RuntimeError:  # no thread to be had
            server.slots.release()
            raise _Reply(HTTPStatus.SERVICE_UNAVAILABLE, "busy: cannot start a query now; try again later",
                         {"Retry-After": "5"}) from None
        worker.join(server.query_timeout)
        if worker.is_alive():
            raise _Reply(HTTPStatus.SERVICE_UNAVAILABLE, f"query exceeded the {server.query_timeout:g} s limit")
        error = outcome.get("error")
        if isinstance(error, SyntaxError):
            from kg.rdf.query import _engine_error

            raise _Reply(HTTPStatus.BAD_REQUEST, str(_engine_error(error, sparql)))
        if isinstance(error, (ValueError, RuntimeError)):
            raise _Reply(HTTPStatus.BAD_REQUEST, f"query failed: {' '.join(str(error).split())}")
        if error is not None:
            raise _Reply(HTTPStatus.INTERNAL_SERVER_ERROR, f"query failed: {type(error).__name__}: {error}")
        body: bytes = outcome["body"]
        return body

    def _send_page(self) -> None:
        page = _FORM.format(about=html.escape(f"{self.server.opened.path}: {self.server.opened.info.describe()}"),
                            timeout=self.server.query_timeout).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def _send_error(self, reply: _Reply) -> None:
        body = (reply.message.replace("\n", " ") + "\n").encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if not self._body_read:  # the unread body must not be taken for the next request
            self.send_header("Connection", "close")
            self.close_connection = True
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

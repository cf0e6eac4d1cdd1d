"""The HTTP side of `kg serve`: a Starlette app for the SPARQL 1.1 Protocol query operation.

* `GET /sparql?query=...`, `POST /sparql` with `application/x-www-form-urlencoded` (`query=...`)
  or with an `application/sparql-query` body; `HEAD` answers as `GET` without the body, `OPTIONS`
  with 204 and `Allow`. Results by the `Accept` header (see `kg.rdf.query_workers`); 406 when
  none of its media types can be sent.
* Read-only: the update operation (an `update=` parameter or an `application/sparql-update` body)
  is refused with 403; a query that is an update, uses SERVICE or FROM, or does not parse gets 400
  and one line (the guard `kg.rdf.query.check_query`, run in the query worker). An empty query is
  400 "empty query"; `default-graph-uri` and `named-graph-uri` are 400: the store has one graph.
* A request body is at most `MAX_BODY` (1 MiB; 413 beyond, and the connection is closed).
  Requests are read within the server's request deadline (`kg.rdf.server.REQUEST_TIMEOUT`).
* Every error is a `text/plain` answer of one line.
* DNS rebinding and cross-origin form posts: a request whose `Host` is not this server (its own
  host:port, any loopback name when it listens on loopback, any IP address or this machine's
  name when it listens on all interfaces) and a POST whose `Origin` is present and not the
  server's own origin are refused with 403.
* `GET /` is a small HTML form for trying queries in a browser.

The query itself is answered by a `kg.rdf.query_workers.QueryPool`; this module only reads
requests, which costs time linear in their size.
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from kg.rdf.query_workers import Answer, QueryPool

MAX_BODY = 1 << 20
"""The largest request body accepted (1 MiB): queries are text, not data."""
DRAIN_LIMIT = 16 << 20
"""A body over MAX_BODY is read (and dropped) up to this size before the 413 is sent."""
MAX_FIELDS = 100
"""The most fields a query string or form may have."""
UPDATE_FORBIDDEN = "updates are refused: this SPARQL endpoint is read-only"
ALLOW = "GET, HEAD, POST, OPTIONS"


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("[::1]"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def split_host(value: str, default_port: int = 80) -> tuple[str, int] | None:
    """A Host header (or an origin's authority) as (lower-case name without brackets, port);
    None when it is not one.

    >>> split_host("LocalHost:7878"), split_host("[::1]:80"), split_host("example.org"), split_host("a:b")
    (('localhost', 7878), ('::1', 80), ('example.org', 80), None)
    """
    value = value.strip().lower()
    if value.startswith("["):
        name, sep, rest = value[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            return None
        port = rest[1:]
    else:
        name, _, port = value.partition(":")
    if not name or (port and not port.isdigit()):
        return None
    return name.rstrip("."), int(port) if port else default_port


@dataclass(frozen=True, slots=True)
class HostCheck:
    """Which Host headers and Origins this server answers: see the module docstring."""

    host: str  # the address it listens on, as given
    port: int

    def _names(self) -> frozenset[str]:
        bound = self.host.strip("[]").lower()
        names = {bound}
        if bound in ("0.0.0.0", "::", ""):
            names |= {"localhost", socket.gethostname().lower(), socket.getfqdn().lower()}
        return frozenset(names)

    def host_ok(self, name: str, port: int) -> bool:
        if port != self.port:
            return False
        if is_loopback(self.host) and is_loopback(name):
            return True
        if self.host.strip("[]") in ("0.0.0.0", "::", "") and _is_ip(name):
            return True
        return name in self._names()

    def refusal(self, method: str, host: str | None, origin: str | None) -> str | None:
        """Why this request is refused, or None."""
        own = f"{self.host}:{self.port}" if ":" not in self.host else f"[{self.host.strip('[]')}]:{self.port}"
        if host is not None:
            parsed = split_host(host)
            if parsed is None or not self.host_ok(*parsed):
                return (f"refused: Host {host!r} is not this server ({own}); "
                        "use the address kg serve printed (this guards against DNS rebinding)")
        if method == "POST" and origin is not None:
            parts = urlsplit(origin.strip().lower())
            authority = split_host(parts.netloc) if parts.scheme == "http" and parts.netloc else None
            want = split_host(host) if host is not None else None
            if authority is None or not self.host_ok(*authority) or (want is not None and authority != want):
                return (f"refused: a POST from another origin ({origin!r}); "
                        "post from this server's own page or without an Origin header")
        return None


class GuardHost:
    """ASGI middleware: 403 and one line for a request `HostCheck` refuses."""

    def __init__(self, app: ASGIApp, check: HostCheck) -> None:
        self.app = app
        self.check = check

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers: dict[bytes, bytes] = {}
            for key, value in scope["headers"]:
                headers.setdefault(key, value)
            host, origin = headers.get(b"host"), headers.get(b"origin")
            why = self.check.refusal(scope["method"], host.decode("latin-1") if host is not None else None,
                                     origin.decode("latin-1") if origin is not None else None)
            if why is not None:
                await _send(Answer.line(403, why), close=True)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _send(answer: Answer, *, close: bool = False) -> Response:
    headers = dict(answer.headers)
    if close:  # the request body may be unread: it must not be taken for the next request
        headers["Connection"] = "close"
    if answer.status == 200:
        headers.update({"Vary": "Accept", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
    return Response(answer.body, status_code=answer.status, headers=headers, media_type=answer.content_type)


class _Refused(Exception):
    def __init__(self, status: int, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.answer = Answer.line(status, message)
        self.close = close


async def _read_body(request: Request) -> bytes:
    """The body of a POST, at most MAX_BODY bytes: 413 beyond. A body over the limit is read and
    dropped up to DRAIN_LIMIT before answering, so that a client still sending it reads the 413
    rather than a connection reset; a larger one is answered at once and the connection closed."""
    length = request.headers.get("content-length")
    too_large = _Refused(413, f"the request body is over {MAX_BODY:,} bytes; queries are text, not data",
                         close=True)
    if length is not None and length.isdigit() and int(length) > DRAIN_LIMIT:
        raise too_large
    body = bytearray()
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > DRAIN_LIMIT:
            raise too_large
        if received <= MAX_BODY:
            body += chunk
    if received > MAX_BODY:
        raise too_large
    return bytes(body)


def _fields(text: str) -> dict[str, list[str]]:
    try:
        return parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise _Refused(400, f"more than {MAX_FIELDS} fields in the request") from None


async def read_query(request: Request) -> str:
    """The one query of a SPARQL Protocol request; _Refused when there is none or it is refused."""
    params = _fields(request.url.query)
    body_query: str | None = None
    if request.method == "POST":
        ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        body = await _read_body(request)  # read before any answer: unread data would reset the connection
        if ctype == "application/sparql-update":
            raise _Refused(403, UPDATE_FORBIDDEN)
        if ctype == "application/x-www-form-urlencoded":
            for key, values in _fields(body.decode("utf-8", "replace")).items():
                params.setdefault(key, []).extend(values)
        elif ctype == "application/sparql-query":
            try:
                body_query = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _Refused(400, f"the query is not UTF-8 (byte {exc.start})") from None
        else:
            raise _Refused(415, f"unsupported Content-Type '{ctype or '(none)'}'; send application/sparql-query "
                                "or application/x-www-form-urlencoded with query=...")
    if "update" in params:
        raise _Refused(403, UPDATE_FORBIDDEN)
    for name in ("default-graph-uri", "named-graph-uri"):
        if name in params:
            raise _Refused(400, f"{name} is not supported: the store has one default graph")
    queries = params.get("query", [])
    if body_query is not None:
        queries = [*queries, body_query]
    if not queries:
        raise _Refused(400, "no query: send ?query=... or POST a SPARQL query")
    if len(queries) > 1:
        raise _Refused(400, "more than one query in the request; send exactly one")
    if not queries[0].strip():
        raise _Refused(400, "empty query: the query text is blank; send a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    return queries[0]


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


async def _watch(request: Request, gone: asyncio.Event) -> None:
    """Set `gone` when the client disconnects (the request has been read: nothing else arrives)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
    gone.set()


def _options() -> Response:
    return Response(status_code=204, headers={"Allow": ALLOW})


def make_app(pool: QueryPool, check: HostCheck, *, about: str) -> ASGIApp:
    """The ASGI app of `kg serve`: `about` describes the store on the form page."""
    page = _FORM.format(about=html.escape(about), timeout=pool.timeout)

    async def form_page(request: Request) -> Response:
        if request.method == "OPTIONS":
            return _options()
        return HTMLResponse(page)

    async def sparql(request: Request) -> Response:
        if request.method == "OPTIONS":
            return _options()
        try:
            query = await read_query(request)
        except _Refused as refused:
            return _send(refused.answer, close=refused.close)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is listening any more
        gone = asyncio.Event()
        watcher = asyncio.create_task(_watch(request, gone))
        try:
            return _send(await pool.answer(query, request.headers.get("accept"), gone))
        finally:
            watcher.cancel()

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            answer = Answer.line(405, f"{request.method} is not allowed; use GET or POST", (("Allow", ALLOW),))
        elif exc.status_code == 404:
            answer = Answer.line(404, f"no such page {request.url.path}; the SPARQL endpoint is /sparql")
        else:
            answer = Answer.line(exc.status_code, str(exc.detail))
        return _send(answer, close=request.method not in ("GET", "HEAD"))

    async def internal_error(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}\n",
                                 status_code=500, headers={"Connection": "close"})

    methods = ["GET", "POST", "OPTIONS"]  # Starlette adds HEAD to GET
    app = Starlette(routes=[Route("/", form_page, methods=["GET", "OPTIONS"]),
                            Route("/sparql", sparql, methods=methods)],
                    exception_handlers={HTTPException: http_error, Exception: internal_error})
    guarded: Any = GuardHost(app, check)
    return guarded  # type: ignore[no-any-return]

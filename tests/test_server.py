"""`kg serve`: the SPARQL 1.1 Protocol over HTTP on a free port, queried with urllib.

The limits (time, workers, connections, slow clients, bursts) are in test_server_limits.py.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import queue
import signal
import subprocess
import sys
import threading
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rdflib import Graph

import kg.rdf.server as server_module
from kg.cli import main
from kg.errors import QueryError
from kg.rdf.query import get_named, load_store, run_named, run_query
from kg.rdf.server import SparqlServer, is_loopback, make_server
from kg.rdf.store import create_store, open_store
from tests.server_helpers import FORM, call, form, host_port, message, small_store, start, stop

TOP = get_named("top-datasets").text
SRX = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_store(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="module")
def endpoint(store: Path) -> Iterator[str]:
    server, thread = start(store, max_running=2)
    try:
        yield server.url
    finally:
        stop(server, thread)


# --- the query operation ---------------------------------------------------------------------------


def test_get_answers_sparql_json_by_default(endpoint: str, store: Path) -> None:
    status, ctype, body = call(endpoint, query=TOP)
    assert status == 200
    assert ctype == "application/sparql-results+json"
    answer = json.loads(body)
    assert answer["head"]["vars"] == ["dataset", "papers"]
    rows = [(b["dataset"]["value"], int(b["papers"]["value"])) for b in answer["results"]["bindings"]]
    with open_store(store) as opened:
        assert rows == run_named(opened.store, "top-datasets").rows == [("CIFAR-10", 2), ("GLUE", 1), ("ImageNet", 1)]


def test_post_form_and_post_query_body(endpoint: str) -> None:
    by_get = call(endpoint, query=TOP)
    by_form = call(endpoint, method="POST", data=form({"query": TOP}), headers=FORM)
    by_body = call(endpoint, method="POST", data=TOP.encode(),
                   headers={"Content-Type": "application/sparql-query; charset=utf-8"})
    assert by_get == by_form == by_body
    assert by_get[0] == 200


@pytest.mark.parametrize(("accept", "ctype"), [
    ("text/csv", "text/csv; charset=utf-8"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/json", "application/sparql-results+json"),
    ("text/csv;q=0.4, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "application/sparql-results+json"),
])
def test_result_formats_by_accept(endpoint: str, accept: str, ctype: str) -> None:
    status, got, body = call(endpoint, query=TOP, headers={"Accept": accept})
    assert status == 200
    assert got == ctype
    text = body.decode("utf-8")
    if ctype.startswith("text/csv"):
        assert list(csv.reader(io.StringIO(text)))[:2] == [["dataset", "papers"], ["CIFAR-10", "2"]]
    elif ctype.startswith("text/tab"):
        assert text.splitlines()[:2] == ["?dataset\t?papers", '"CIFAR-10"\t2']
    elif ctype.endswith("xml"):
        root = ET.fromstring(body)
        first = root.find(f"{SRX}results/{SRX}result")
        assert first is not None
        values = {b.get("name"): "".join(b.itertext()) for b in first.iter(f"{SRX}binding")}
        assert values == {"dataset": "CIFAR-10", "papers": "2"}
    else:
        assert json.loads(body)["results"]["bindings"][0]["dataset"]["value"] == "CIFAR-10"


def test_ask_and_construct(endpoint: str) -> None:
    status, ctype, body = call(endpoint, query="ASK { ?p a kg:Paper }")
    assert (status, ctype, json.loads(body)["boolean"]) == (200, "application/sparql-results+json", True)
    xml = {"Accept": "application/sparql-results+xml"}
    status, _, body = call(endpoint, query="ASK { ?p a kg:Paper }", headers=xml)
    assert status == 200 and b"<boolean>true</boolean>" in body
    construct = "CONSTRUCT { ?d a kg:Dataset } WHERE { ?d a kg:Dataset }"
    status, ctype, body = call(endpoint, query=construct)
    assert (status, ctype) == (200, "text/turtle; charset=utf-8")
    status, ctype, body = call(endpoint, query=construct, headers={"Accept": "application/n-triples"})
    assert (status, ctype) == (200, "application/n-triples")
    assert len(body.decode().strip().splitlines()) == 3


def test_page_and_unknown_paths(endpoint: str) -> None:
    root = endpoint.rsplit("/sparql", 1)[0]
    status, ctype, body = call(root + "/")
    assert status == 200 and ctype.startswith("text/html") and b'<form action="sparql"' in body
    assert call(root + "/nothing")[0] == 404
    status, text = message(call(endpoint, method="PUT", data=b"x"))
    assert (status, text) == (405, "PUT is not allowed; use GET or POST")
    assert message(call(root + "/nothing"))[1] == "no such page /nothing; the SPARQL endpoint is /sparql"


def test_head_and_options(endpoint: str) -> None:
    """HEAD answers as GET does, without the body; OPTIONS lists the methods (not the stdlib's HTML 501)."""
    get = call(endpoint, query=TOP)
    connection = http.client.HTTPConnection(*host_port(endpoint), timeout=30)
    try:
        connection.request("HEAD", f"/sparql?{urllib.parse.urlencode({'query': TOP})}")
        head = connection.getresponse()
        assert (head.status, head.getheader("Content-Type")) == (200, get[1])
        assert int(head.getheader("Content-Length") or -1) == len(get[2])
        assert head.read() == b""
        for path in ("/sparql", "/"):
            connection.request("OPTIONS", path)
            options = connection.getresponse()
            assert (options.status, options.getheader("Allow"), options.read()) == (204, "GET, HEAD, POST, OPTIONS",
                                                                                    b"")
    finally:
        connection.close()


def test_empty_query_is_400_not_an_update(endpoint: str) -> None:
    for result in (call(f"{endpoint}?query="), call(endpoint, query=" \n\t "),
                   call(endpoint, method="POST", data=form({"query": ""}), headers=FORM),
                   call(endpoint, method="POST", data=b"", headers={"Content-Type": "application/sparql-query"})):
        status, text = message(result)
        assert status == 400 and text.startswith("empty query"), text


def test_body_limit_and_encoding(endpoint: str) -> None:
    huge = b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * (1 << 20)
    sparql_query = {"Content-Type": "application/sparql-query"}
    status, text = message(call(endpoint, method="POST", data=huge, headers=sparql_query))
    assert status == 413 and "over 1,048,576 bytes" in text
    status, text = message(call(endpoint, method="POST", data=b"ASK { ?s ?p \xff }",
                                headers={"Content-Type": "application/sparql-query"}))
    assert (status, text) == (400, "the query is not UTF-8 (byte 12)")
    assert call(endpoint, query="ASK { ?s ?p ?o }")[0] == 200  # and the server goes on


def _request(url: str, method: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(*host_port(url), timeout=30)
    try:
        connection.putrequest(method, "/sparql" + ("" if body else "?query=ASK%7B%7D"), skip_host=True)
        for key, value in headers.items():
            connection.putheader(key, value)
        if body:
            connection.putheader("Content-Type", "application/x-www-form-urlencoded")
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_host_and_origin_are_checked(endpoint: str) -> None:
    """DNS rebinding (a Host that is not this server) and cross-origin form posts get 403 and one line."""
    _, port = host_port(endpoint)
    own = f"127.0.0.1:{port}"
    post = form({"query": "ASK {}"})
    for host in (own, f"localhost:{port}", f"[::1]:{port}"):  # loopback names of a loopback server
        assert _request(endpoint, "GET", {"Host": host}) == (200, b'{"head":{},"boolean":true}')
    for host in (f"evil.example:{port}", f"127.0.0.1:{port + 1}", "127.0.0.1", "", "a b"):
        status, body = _request(endpoint, "GET", {"Host": host})
        assert status in (400, 403) and body.count(b"\n") <= 1, (host, body)
        if host.startswith("evil"):
            assert body.startswith(b"refused: Host 'evil.example:") and b"DNS rebinding" in body
    assert _request(endpoint, "POST", {"Host": own, "Origin": f"http://{own}"}, post)[0] == 200
    assert _request(endpoint, "POST", {"Host": own}, post)[0] == 200  # no Origin: curl, scripts
    for origin in ("http://evil.example", "null", f"https://{own}", f"http://localhost:{port}"):
        status, body = _request(endpoint, "POST", {"Host": own, "Origin": origin}, post)
        assert status == 403 and body.startswith(b"refused: a POST from another origin"), (origin, body)


# --- refusals --------------------------------------------------------------------------------------


def test_update_operation_is_forbidden(endpoint: str) -> None:
    refused = (403, "updates are refused: this SPARQL endpoint is read-only")
    assert message(call(endpoint, method="POST", data=form({"update": "DROP ALL"}), headers=FORM)) == refused
    assert message(call(endpoint, method="POST", data=b"DROP ALL",
                        headers={"Content-Type": "application/sparql-update"})) == refused
    assert message(call(f"{endpoint}?update=CLEAR%20ALL")) == refused
    assert call(endpoint, query="ASK { ?s ?p ?o }")[2] == b'{"head":{},"boolean":true}'  # nothing was dropped


@pytest.mark.parametrize("sparql", [
    "DELETE WHERE { ?s ?p ?o }",
    "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
    "CLEAR ALL",
])
def test_update_in_a_query_is_refused(endpoint: str, sparql: str) -> None:
    status, text = message(call(endpoint, query=sparql))
    assert status == 400
    assert text.startswith("updates are refused: this SPARQL endpoint is read-only")


def test_service_and_from_are_refused(endpoint: str) -> None:
    status, text = message(call(endpoint, query="SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"))
    assert (status, text) == (400, "SERVICE is refused: this endpoint answers from its own store only")
    status, text = message(call(endpoint, query="SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }"))
    assert status == 400 and text.startswith("FROM and FROM NAMED are refused")
    status, text = message(call(f"{endpoint}?{urllib.parse.urlencode({'query': TOP, 'default-graph-uri': 'x'})}"))
    assert status == 400 and "default-graph-uri is not supported" in text


def test_malformed_queries_get_the_parser_message(endpoint: str) -> None:
    broken = "SELECT ?s WHERE {\n  ?s ?p \n}"
    with pytest.raises(QueryError) as parsed:
        run_query(load_store(Graph()), broken)
    status, text = message(call(endpoint, query=broken))
    assert (status, text) == (400, str(parsed.value))
    assert text.startswith("malformed query at line 3, column 2: ")  # pyoxigraph points at the "}"
    status, text = message(call(endpoint, query="SELECT ?s WHERE { ?s nope:p ?o }"))
    assert status == 400 and "nope" in text
    assert message(call(endpoint))[0] == 400  # no query at all
    assert message(call(endpoint, method="POST", data=b"x", headers={"Content-Type": "text/plain"}))[0] == 415
    status, text = message(call(endpoint, query=TOP, headers={"Accept": "image/png"}))
    assert status == 406 and "text/csv" in text


# --- the server ----------------------------------------------------------------------------------


def test_bound_to_localhost_by_default(store: Path) -> None:
    server = make_server(store, port=0, quiet=True, max_running=1)
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert server.url == f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.server_close()
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")


def test_other_host_gives_a_warning(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hosts: list[str] = []

    def local_only(path: Path, **options: Any) -> SparqlServer:
        hosts.append(options["host"])
        server = make_server(path, **{**options, "host": "127.0.0.1", "port": 0})
        monkeypatch.setattr(server, "serve_forever", lambda **_: (_ for _ in ()).throw(KeyboardInterrupt))
        return server

    monkeypatch.setattr(server_module, "make_server", local_only)
    result = CliRunner().invoke(main, ["serve", "--store", str(store), "--host", "0.0.0.0", "--quiet",
                                       "--max-running", "1"])
    assert result.exit_code == 0, result.output
    assert hosts == ["0.0.0.0"]
    assert "warning: listening on 0.0.0.0: anyone who can reach this machine" in result.output
    assert "kg: stopped" in result.output


# --- the command -------------------------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


@pytest.mark.slow
def test_kg_serve_in_a_subprocess(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    process = subprocess.Popen([sys.executable, "-c", "from kg.cli import main; main()", "serve", "--store",
                                str(store), "--port", "0", "--quiet"], stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    assert process.stderr is not None
    err = process.stderr
    threading.Thread(target=lambda: [lines.put(line) for line in err], daemon=True).start()
    try:
        banner = lines.get(timeout=60)
        assert banner.startswith(f"kg: serving {store} (")
        url = banner.split(" at ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/sparql")
        status, _, body = call(url, query=TOP, headers={"Accept": "text/csv"})
        assert status == 200 and body.decode().splitlines()[1] == "CIFAR-10,2"
        with open_store(store) as opened:  # another reader at the same time
            assert run_named(opened.store, "top-datasets").rows[0] == ("CIFAR-10", 2)
        result = CliRunner().invoke(main, ["load", str(store.parent / "graph.nt"), "--store", str(store),
                                           "--replace"])
        assert result.exit_code == 1
        holder = result.output.split("in use by another process (process ")[1].split()[0]
        assert int(holder) in {process.pid} | _children(process.pid)  # the server or one of its workers
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
    assert process.returncode == 0
    assert lines.get(timeout=10).strip() == "kg: stopped"
    assert create_store(store.parent / "graph.nt", store, replace=True).triples  # the store was released


def test_keep_alive_and_unread_bodies(endpoint: str) -> None:
    connection = http.client.HTTPConnection(*host_port(endpoint), timeout=10)
    try:
        for _ in range(2):  # two queries on one connection
            connection.request("POST", "/sparql", body=form({"query": TOP}), headers=FORM)
            response = connection.getresponse()
            assert response.status == 200 and b"CIFAR-10" in response.read()
        connection.request("POST", "/sparql", body=b"x" * 10, headers={"Content-Type": "text/plain"})
        response = connection.getresponse()
        assert response.status == 415
        response.read()
    finally:
        connection.close()
    status, _, _ = call(endpoint, method="POST", data=("q" * 2000).encode(),
                        headers={"Content-Type": "application/sparql-query", "Expect": "100-continue"})
    assert status == 400  # a large body with Expect: 100-continue is read and answered

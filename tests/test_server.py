"""`kg serve`: the SPARQL 1.1 Protocol over HTTP on a free port, queried with urllib."""

from __future__ import annotations

import csv
import io
import json
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import Graph

import kg.rdf.server as server_module
from kg.cli import main
from kg.errors import QueryError
from kg.rdf.export import write_rdf
from kg.rdf.query import get_named, load_store, run_named, run_query
from kg.rdf.server import SparqlServer, is_loopback, make_server
from kg.rdf.store import create_store, open_store

FIXTURES = Path(__file__).parent / "fixtures" / "rdf"
TOP = get_named("top-datasets").text
SRX = "{http://www.w3.org/2005/sparql-results#}"


def small_graph() -> nx.MultiDiGraph:
    data = json.loads((FIXTURES / "small_graph.json").read_text("utf-8"))
    return nx.node_link_graph(data, edges="edges", directed=True, multigraph=True)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("served")
    create_store(write_rdf(small_graph(), folder / "graph.nt", format="nt"), folder / "store")
    return folder / "store"


def start(store: Path, **options: Any) -> tuple[SparqlServer, threading.Thread]:
    server = make_server(store, port=0, quiet=True, **options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread


def stop(server: SparqlServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.fixture
def endpoint(store: Path) -> Iterator[str]:
    server, thread = start(store)
    try:
        yield server.url
    finally:
        stop(server, thread)


def call(url: str, *, query: str | None = None, method: str = "GET", data: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    """One HTTP request (10 s limit): status, Content-Type and body, for errors too."""
    if query is not None and method == "GET":
        url = f"{url}?{urllib.parse.urlencode({'query': query})}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Content-Type", ""), error.read()


def form(values: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(values).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


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
    assert call(endpoint, method="PUT", data=b"x")[0] == 405


# --- refusals --------------------------------------------------------------------------------------


def message(result: tuple[int, str, bytes]) -> tuple[int, str]:
    status, ctype, body = result
    assert ctype == "text/plain; charset=utf-8"
    text = body.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1  # one line
    return status, text.strip()


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


# --- limits ----------------------------------------------------------------------------------------


def test_slow_query_gets_503_and_keeps_its_slot(tmp_path: Path) -> None:
    lines = "".join(f'<http://x/s{i}> <http://x/p> "{i}" .\n' for i in range(150))
    (tmp_path / "many.nt").write_text(lines, encoding="utf-8")
    create_store(tmp_path / "many.nt", tmp_path / "store")
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 3.4 million rows to count
    server, thread = start(tmp_path / "store", timeout=0.05, max_running=1)
    try:
        started = time.perf_counter()
        status, text = message(call(server.url, query=heavy))
        assert (status, text) == (503, "query exceeded the 0.05 s limit")
        assert time.perf_counter() - started < 5
        status, text = message(call(server.url, query="ASK { ?s ?p ?o }"))  # the heavy one is still running
        assert status == 503 and text.startswith("busy: 1 queries are still running")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the slot comes back once the heavy query has finished
            status, _, body = call(server.url, query="ASK { ?s ?p ?o }")
            if status == 200:
                break
            time.sleep(0.2)
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        stop(server, thread)


def test_bound_to_localhost_by_default(store: Path) -> None:
    server = make_server(store, port=0, quiet=True)
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
    result = CliRunner().invoke(main, ["serve", "--store", str(store), "--host", "0.0.0.0", "--quiet"])
    assert result.exit_code == 0, result.output
    assert hosts == ["0.0.0.0"]
    assert "warning: listening on 0.0.0.0: anyone who can reach this machine" in result.output
    assert "kg: stopped" in result.output


# --- the command -------------------------------------------------------------------------------------


def test_kg_serve_in_a_subprocess(store: Path) -> None:
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
        assert f"in use by another process (process {process.pid} has it open" in result.output
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
    import http.client

    parts = urllib.parse.urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
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

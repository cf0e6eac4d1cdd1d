"""`kg serve` under load and abuse, over real HTTP on a free port: time limits that stop queries,
bursts of distinct queries right after start, slow and numerous clients, hard queries, bad options.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.rdf.namespace import PREFIXES
from kg.rdf.query import get_named
from kg.rdf.server import make_server
from kg.rdf.store import create_store, open_store
from tests.server_helpers import FORM, call, form, host_port, message, raw, small_store, start, stop

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # 150^4 rows to count
ASK = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_store(tmp_path_factory.mktemp("limits"))


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """150 triples: enough for a cartesian product that runs for minutes."""
    folder = tmp_path_factory.mktemp("many")
    lines = "".join(f'<http://x/s{i}> <http://x/p> "{i}" .\n' for i in range(150))
    (folder / "many.nt").write_text(lines, encoding="utf-8")
    create_store(folder / "many.nt", folder / "store")
    return folder / "store"


def _workers() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.name == "pebble_pool_worker" and p.pid}


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _wait_for(condition: Any, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


# --- item 5: a query past its limit is stopped and frees its slot ----------------------------------------


@pytest.mark.slow
def test_slow_queries_are_stopped_and_the_next_ones_answered(many: Path) -> None:
    server, thread = start(many, timeout=1.0, max_running=1)
    try:
        assert call(server.url, query=ASK)[0] == 200  # the one worker has started
        before = _workers()
        assert len(before) == 1
        for _ in range(3):
            assert message(call(server.url, query=HEAVY)) == (503, "query exceeded the 1 s limit")
            status, _, body = call(server.url, query=ASK)  # at once: the slot is free again, not "busy"
            assert (status, json.loads(body)["boolean"]) == (200, True)
        assert all(_gone(pid) for pid in before)  # the worker that ran it was killed ...
        assert len(_workers()) == 1 and _workers() != before  # ... and replaced
    finally:
        stop(server, thread)
    assert _wait_for(lambda: not _workers(), 20)  # and the workers end with the server


def _in_thread(url: str, query: str) -> queue.Queue[tuple[int, str, bytes]]:
    out: queue.Queue[tuple[int, str, bytes]] = queue.Queue()
    threading.Thread(target=lambda: out.put(call(url, query=query, timeout=60)), daemon=True).start()
    return out


@pytest.mark.slow
def test_busy_when_no_worker_is_free_in_time(many: Path) -> None:
    server, thread = start(many, timeout=4.0, max_running=1, max_wait=0.5)
    try:
        assert call(server.url, query=ASK)[0] == 200
        heavy = _in_thread(server.url, HEAVY)
        time.sleep(1)  # the heavy query has the only worker
        status, text = message(call(server.url, query=ASK))
        assert (status, text) == (503, "busy: 1 queries are running and others are waiting; try again later")
        assert message(heavy.get(timeout=60)) == (503, "query exceeded the 4 s limit")
        assert _wait_for(lambda: call(server.url, query=ASK)[0] == 200, 30)
    finally:
        stop(server, thread)


@pytest.mark.slow
def test_queries_of_clients_that_left_are_dropped(many: Path) -> None:
    """Clients that disconnect while their query waits for a worker cost no worker time."""
    server, thread = start(many, timeout=5.0, max_running=1, max_wait=120)
    try:
        assert call(server.url, query=ASK)[0] == 200
        heavy = _in_thread(server.url, HEAVY)
        time.sleep(1)
        host, port = host_port(server.url)
        path = "/sparql?" + urllib.parse.urlencode({"query": HEAVY})
        for _ in range(3):  # three more heavy queries, whose clients leave while they wait
            with socket.create_connection((host, port), timeout=30) as sock:
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
                time.sleep(0.2)
        ask = _in_thread(server.url, ASK)
        assert message(heavy.get(timeout=60)) == (503, "query exceeded the 5 s limit")
        started = time.monotonic()
        status, _, _ = ask.get(timeout=60)
        assert status == 200
        assert time.monotonic() - started < 12  # not after three more 5 s queries
    finally:
        stop(server, thread)


@pytest.mark.slow
def test_parsing_is_inside_the_limit(store: Path) -> None:
    """A query just under the body limit (a 110,000-value VALUES) is parsed where the limit applies."""
    values = " ".join(f'"v{i}"' for i in range(110_000))
    big = f"SELECT ?v WHERE {{ VALUES ?v {{ {values} }} }} LIMIT 1"
    assert len(big) < 1 << 20
    server, thread = start(store, timeout=2.0, max_running=1)
    try:
        assert call(server.url, query=ASK)[0] == 200
        started = time.monotonic()
        status, _, body = call(server.url, method="POST", data=big.encode(),
                                   headers={"Content-Type": "application/sparql-query"}, timeout=60)
        assert status in (200, 503), body[:200]
        if status == 503:
            assert body == b"query exceeded the 2 s limit\n"
        assert time.monotonic() - started < 45  # not the 20 s of CPU per query of rdflib in the request thread
        assert call(server.url, query=ASK)[0] == 200
    finally:
        stop(server, thread)


def test_answers_are_capped(store: Path) -> None:
    server, thread = start(store, max_running=1, max_answer=2000)
    try:
        status, text = message(call(server.url, query="SELECT * WHERE { ?s ?p ?o }"))
        assert status == 503 and text.startswith("the answer is over this endpoint's limit of 2,000 bytes")
        assert call(server.url, query="SELECT * WHERE { ?s ?p ?o } LIMIT 1")[0] == 200
    finally:
        stop(server, thread)


# --- item 6: hard but legal queries get an answer or one line, never a dropped connection ---------------


@pytest.fixture(scope="module")
def endpoint(store: Path) -> Iterator[str]:
    server, thread = start(store, max_running=2)
    try:
        yield server.url
    finally:
        stop(server, thread)


NESTED = "SELECT (" + "(" * 25 + "1" + ")" * 25 + " AS ?x) WHERE {}"
PATTERNS = "SELECT ?p WHERE { " + " ".join(f"?p dcterms:title ?t{i} ." for i in range(100)) + " }"
ESCAPED = 'SELECT ?x WHERE { BIND("\\u0022abcd" AS ?x) }'


@pytest.mark.parametrize("sparql", [NESTED, PATTERNS, ESCAPED], ids=["nested", "patterns", "escaped"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_hard_queries_answer_or_give_one_line(endpoint: str, sparql: str, method: str) -> None:
    if method == "GET":
        status, ctype, body = call(endpoint, query=sparql)
    else:
        status, ctype, body = call(endpoint, method="POST", data=form({"query": sparql}), headers=FORM)
    assert status in (200, 400), body[:300]
    if status == 400:
        message((status, ctype, body))
    else:
        assert json.loads(body)["head"]["vars"]
    assert call(endpoint, query=ASK)[0] == 200


# --- item 1: bursts of distinct queries right after start ------------------------------------------------


def _distinct_queries() -> list[str]:
    titles = [f"SELECT ?t WHERE {{ ?p dcterms:title ?t }} ORDER BY ?t LIMIT {100 + i}" for i in range(8)]
    named = [get_named(name).text for name in ("top-datasets", "top-methods", "entity-aliases")]
    other = ["ASK { ?p a kg:Paper }", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
             "SELECT ?d ?l WHERE { ?d a kg:Dataset ; skos:prefLabel ?l } ORDER BY ?l",
             "SELECT DISTINCT ?c WHERE { ?s a ?c } ORDER BY ?c",
             "SELECT ?p (COUNT(?m) AS ?n) WHERE { ?p kg:uses ?m } GROUP BY ?p ORDER BY ?p"]
    return titles + named + other


def _rows(body: bytes) -> Any:
    answer = json.loads(body)
    if "boolean" in answer:
        return answer["boolean"]
    return sorted(json.dumps(b, sort_keys=True) for b in answer["results"]["bindings"])


@pytest.mark.slow
def test_bursts_of_distinct_queries_right_after_start(store: Path) -> None:
    import pyoxigraph as ox

    queries = _distinct_queries()
    with open_store(store) as opened:
        expected = [_rows(opened.store.query(q, prefixes=PREFIXES).serialize(format=ox.QueryResultsFormat.JSON))
                    for q in queries]
    for _ in range(3):  # a fresh server each time: the broken state used to set in within the first second
        server, thread = start(store)
        try:
            url = server.url
            with ThreadPoolExecutor(8) as threads:
                first = list(threads.map(lambda q: call(url, query=q), queries[:8]))  # noqa: B023
                rest = list(threads.map(lambda q: call(url, method="POST", data=form({"query": q}),  # noqa: B023
                                                       headers=FORM), queries[8:]))
            for query, want, (status, _, body) in zip(queries, expected, first + rest, strict=True):
                assert status == 200, (query, body)
                assert _rows(body) == want, query
        finally:
            stop(server, thread)


# --- HTTP-level limits: slow clients, many clients ------------------------------------------------------


@pytest.mark.slow
def test_trickled_headers_and_silent_clients_are_cut_off(store: Path) -> None:
    server, thread = start(store, max_running=1, request_timeout=1.0)
    try:
        address = host_port(server.url)
        silent = socket.create_connection(address, timeout=30)
        trickling = socket.create_connection(address, timeout=30)
        request = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
        started = time.monotonic()
        closed_after: float | None = None
        try:
            for byte in request:  # one byte every 0.1 s: 20 s for the whole request
                trickling.send(bytes([byte]))
                time.sleep(0.1)
        except OSError:  # the server closed the connection
            closed_after = time.monotonic() - started
        assert closed_after is not None and closed_after < 15, "a trickling client held its connection"
        assert silent.recv(1) == b""  # closed too, without a word
        silent.close()
        trickling.close()
        assert call(server.url, query=ASK)[0] == 200
    finally:
        stop(server, thread)


def test_connections_are_capped(store: Path) -> None:
    server, thread = start(store, max_running=1, max_connections=4)
    try:
        assert call(server.url, query=ASK)[0] == 200
        idle = [socket.create_connection(host_port(server.url), timeout=30) for _ in range(4)]
        try:
            time.sleep(0.5)  # accepted by now
            reply = raw(server.url, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert reply.startswith(b"HTTP/1.1 503 ")
        finally:
            for sock in idle:
                sock.close()
        assert _wait_for(lambda: call(server.url, query=ASK)[0] == 200, 20)
    finally:
        stop(server, thread)


def test_a_burst_of_connections_waits_in_the_backlog(store: Path) -> None:
    """300 clients connect before the server accepts any: all wait in the listen backlog and all are
    answered (with the old backlog of 5, most connects were dropped and timed out)."""
    server = make_server(store, port=0, quiet=True, max_running=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    try:
        host, port = host_port(server.url)
        socks = [socket.create_connection((host, port), timeout=5) for _ in range(300)]
        thread.start()
        for sock in socks:
            sock.sendall(f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        answered = 0
        for sock in socks:
            with sock:
                sock.settimeout(30)
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
                answered += data.startswith(b"HTTP/1.1 200 ")
        assert answered == 300
    finally:
        if thread.is_alive():
            stop(server, thread)
        else:
            server.server_close()


# --- the command -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("option", "value", "line"), [
    ("--timeout", "nan", "Error: --timeout must be a number of seconds above 0, got nan"),
    ("--timeout", "inf", "Error: --timeout must be a number of seconds above 0, got inf"),
    ("--timeout", "-1", "Error: --timeout must be a number of seconds above 0, got -1"),
    ("--max-running", "0", "Error: --max-running must be at least 1, got 0"),
    ("--max-connections", "0", "Error: --max-connections must be at least 1, got 0"),
    ("--max-wait", "nan", "Error: --max-wait must be a number of seconds above 0, got nan"),
])
def test_bad_limits_are_refused_with_one_line(store: Path, option: str, value: str, line: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--store", str(store), option, value])
    assert result.exit_code == 1
    assert result.output == line + "\n"


@pytest.mark.slow
def test_workers_end_when_the_server_is_killed(store: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", "from kg.cli import main; main()", "serve", "--store",
                                str(store), "--port", "0", "--quiet", "--max-running", "2"],
                               stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    assert process.stderr is not None
    err = process.stderr
    threading.Thread(target=lambda: [lines.put(line) for line in err], daemon=True).start()
    try:
        url = lines.get(timeout=60).split(" at ")[1].split()[0]
        assert call(url, query=ASK)[0] == 200
        children = {int(c) for task in Path(f"/proc/{process.pid}/task").iterdir()
                    for c in (task / "children").read_text().split()}
        assert len(children) >= 2
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
    assert _wait_for(lambda: all(_gone(pid) for pid in children), 30), "workers outlived the server"

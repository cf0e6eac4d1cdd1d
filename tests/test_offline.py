"""No network at run time: a remote JSON-LD @context is refused by every command that reads RDF."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.errors import GraphError
from kg.rdf.read import load_graph

KG = str(Path(sys.executable).parent / "kg")


@pytest.fixture()
def context_server() -> Iterator[tuple[int, list[str]]]:
    """A local server that would hand out a JSON-LD context, and records every request."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = json.dumps({"@context": {"x": "http://x/"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def remote_context_file(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "remote.jsonld"
    path.write_text(json.dumps({"@context": [f"http://127.0.0.1:{port}/ctx", {"y": "http://y/"}],
                                "@id": "http://x/a", "x:b": "c"}), encoding="utf-8")
    return path


def test_load_graph_refuses_a_remote_context(tmp_path: Path, context_server: tuple[int, list[str]]) -> None:
    port, seen = context_server
    with pytest.raises(GraphError, match=rf"refused to fetch http://127.0.0.1:{port}/ctx: kg reads nothing"):
        load_graph(remote_context_file(tmp_path, port))
    assert seen == []


@pytest.mark.parametrize("command", [["validate"], ["view", "-o", "OUT"], ["query", "ASK {}"]])
@pytest.mark.slow
def test_commands_fetch_nothing(tmp_path: Path, context_server: tuple[int, list[str]], command: list[str]) -> None:
    port, seen = context_server
    args = [a.replace("OUT", str(tmp_path / "v.html")) for a in command]
    args.insert(1, str(remote_context_file(tmp_path, port)))
    done = subprocess.run([KG, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert seen == []

"""Persistent stores (`kg load`, `kg query --store`): same answers as in memory, atomic loads, locks."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner
from pyoxigraph import RdfFormat

import kg.rdf.bulk
from kg.cli import main
from kg.errors import GraphError, InputError
from kg.rdf.export import write_rdf
from kg.rdf.formats import RDF_FORMATS
from kg.rdf.query import list_named, load_store, run_named, run_query
from kg.rdf.store import (
    META_NAME,
    StoreError,
    StoreInUseError,
    create_store,
    is_store,
    open_store,
    store_info,
)
from tests.paths import RDF_FIXTURES as FIXTURES

PARAMS: dict[str, dict[str, Any]] = {
    "claims-above": {"kind": "score", "threshold": 90},
    "cooccurring": {"entity": "BERT"},
    "evidence": {"paper": "2401.00001"},
    "leaderboard": {"metric": "ACC", "dataset": "CIFAR-10"},
    "methods-on-dataset": {"dataset": "cifar10"},
    "paper-proposes": {"paper": "p 2"},
    "papers-with-alias": {"alias": "cifar10"},
    "tasks-by-method": {"method": "bert"},
}
WRITER = "import pyoxigraph, sys; s = pyoxigraph.Store(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"


def small_graph() -> nx.MultiDiGraph:
    data = json.loads((FIXTURES / "small_graph.json").read_text("utf-8"))
    return nx.node_link_graph(data, edges="edges", directed=True, multigraph=True)


@pytest.fixture
def graph_file(tmp_path: Path) -> Path:
    return write_rdf(small_graph(), tmp_path / "graph.nt", format="nt")


def leftovers(folder: Path) -> list[str]:
    """Temporary directories a load may have left next to its store."""
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


class Writer:
    """Another process that holds a store open for writing until stopped."""

    def __init__(self, store: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", WRITER, str(store)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        out = self.process.stdout
        threading.Thread(target=lambda: lines.put(out.readline()), daemon=True).start()
        try:
            ready = lines.get(timeout=30)
        except queue.Empty:
            self.stop()
            raise AssertionError("the writer process did not open the store within 30 s") from None
        assert ready.strip() == "ready", self.process.stderr.read() if self.process.stderr else ready

    def stop(self) -> None:
        try:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)


# --- loading and querying ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=[f.file_extension for f in RDF_FORMATS])
def test_store_answers_like_the_in_memory_store(tmp_path: Path, fmt: RdfFormat) -> None:
    path = write_rdf(small_graph(), tmp_path / f"graph.{fmt.file_extension}", format=fmt)
    memory = load_store(path)
    info = create_store(path, tmp_path / "store")
    assert info.triples == len(memory) > 100
    assert info.format == fmt.file_extension and info.source == str(path.resolve())
    assert store_info(tmp_path / "store") == info
    assert is_store(tmp_path / "store")
    assert leftovers(tmp_path) == []
    with open_store(tmp_path / "store") as opened:
        for named in list_named():
            params = PARAMS.get(named.name, {})
            expected = run_named(memory, named.name, params)
            assert run_named(opened.store, named.name, params) == expected, named.name
            assert run_named(tmp_path / "store", named.name, params) == expected, named.name  # a path works too
    ask = "ASK { ?p a kg:Paper ; dcterms:title ?t }"
    assert run_query(str(tmp_path / "store"), ask).rows == [(True,)]


def test_kg_load_then_kg_query_store(tmp_path: Path, graph_file: Path) -> None:
    runner = CliRunner()
    store = tmp_path / "store"
    loaded = runner.invoke(main, ["load", str(graph_file), "--store", str(store)])
    assert loaded.exit_code == 0, loaded.output
    assert f"store {store}: {store_info(store).triples:,} triples from" in loaded.output
    by_file = runner.invoke(main, ["query", str(graph_file), "--named", "top-datasets", "--format", "csv"])
    by_store = runner.invoke(main, ["query", "--store", str(store), "--named", "top-datasets", "--format", "csv"])
    assert by_store.exit_code == 0, by_store.output
    assert by_store.output == by_file.output
    assert by_store.output.splitlines()[:2] == ["dataset,papers", "CIFAR-10,2"]
    sparql = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    counted = runner.invoke(main, ["query", "--store", str(store), sparql, "--format", "csv"])
    assert counted.output.split() == ["n", str(store_info(store).triples)]
    as_graph = runner.invoke(main, ["query", str(store), sparql, "--format", "csv"])  # a store given as GRAPH
    assert as_graph.output == counted.output


def test_store_refuses_updates(tmp_path: Path, graph_file: Path) -> None:
    create_store(graph_file, tmp_path / "store")
    result = CliRunner().invoke(main, ["query", "--store", str(tmp_path / "store"), "DROP ALL"])
    assert result.exit_code == 1
    assert "updates are refused" in result.output


# --- atomic loads ---------------------------------------------------------------------------------


def test_corrupt_file_leaves_no_store(tmp_path: Path, graph_file: Path) -> None:
    bad = tmp_path / "bad.nt"
    bad.write_text(graph_file.read_text("utf-8") + "<http://x/a> <http://x/b> oops .\n", encoding="utf-8")
    with pytest.raises(GraphError, match=r"bad\.nt: cannot parse as N-Triples: .*line"):
        create_store(bad, tmp_path / "store")
    assert not (tmp_path / "store").exists()
    assert leftovers(tmp_path) == []
    result = CliRunner().invoke(main, ["load", str(bad), "--store", str(tmp_path / "store")])
    assert result.exit_code == 1 and "cannot parse as N-Triples" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "store").exists()


def test_failed_replace_keeps_the_old_store(tmp_path: Path, graph_file: Path) -> None:
    before = create_store(graph_file, tmp_path / "store")
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://x/> .\nex:a ex:b ex:c .\nex:d ex:e \n", encoding="utf-8")
    with pytest.raises(GraphError, match="cannot parse as Turtle"):
        create_store(bad, tmp_path / "store", replace=True)
    assert store_info(tmp_path / "store") == before
    assert run_query(tmp_path / "store", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows == [(before.triples,)]
    assert leftovers(tmp_path) == []


def test_interrupted_load_leaves_nothing(tmp_path: Path, graph_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: Any) -> Any:
        raise KeyboardInterrupt

    # Ctrl-C arrives just as the bulk load starts (test_signals.py sends a real one during a load).
    monkeypatch.setattr(kg.rdf.bulk, "bulk_load", interrupt)
    with pytest.raises(KeyboardInterrupt):
        create_store(graph_file, tmp_path / "store")
    assert not (tmp_path / "store").exists()
    assert leftovers(tmp_path) == []


def test_replace_swaps_in_the_new_graph(tmp_path: Path, graph_file: Path) -> None:
    create_store(graph_file, tmp_path / "store")
    small = tmp_path / "one.nt"
    small.write_text('<http://x/a> <http://x/b> "c" .\n', encoding="utf-8")
    with pytest.raises(StoreError, match=r"already holds .* use --replace"):
        create_store(small, tmp_path / "store")
    assert create_store(small, tmp_path / "store", replace=True).triples == 1
    assert run_query(tmp_path / "store", "SELECT ?o WHERE { ?s ?p ?o }").rows == [("c",)]
    assert leftovers(tmp_path) == []


def test_what_a_store_directory_may_be(tmp_path: Path, graph_file: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert create_store(graph_file, tmp_path / "empty").triples > 0  # an empty directory is fine
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError, match="is a directory that is not a store"):
        create_store(graph_file, tmp_path / "papers", replace=True)
    assert (tmp_path / "papers" / "notes.txt").read_text("utf-8") == "mine"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(StoreError, match="is a file"):
        create_store(graph_file, tmp_path / "file")
    with pytest.raises(InputError, match="no such file"):
        create_store(tmp_path / "missing.nt", tmp_path / "s")
    with pytest.raises(StoreError, match=r"no store at .*; create one with `kg load GRAPH --store"):
        open_store(tmp_path / "nowhere")
    with pytest.raises(StoreError, match="is not a store"):
        open_store(tmp_path / "papers")
    meta = json.loads((tmp_path / "empty" / META_NAME).read_text("utf-8"))
    assert meta["kg_store"] == 1 and meta["format"] == "nt"


# --- stores in use ---------------------------------------------------------------------------------


def test_store_open_for_writing_elsewhere_is_refused(tmp_path: Path, graph_file: Path) -> None:
    info = create_store(graph_file, tmp_path / "store")
    writer = Writer(tmp_path / "store")
    try:
        message = (rf"store {tmp_path / 'store'} is in use by another process \(process "
                   rf"{writer.process.pid} has it open for writing\); stop it or use another --store")
        with pytest.raises(StoreInUseError, match=message):
            open_store(tmp_path / "store")
        with pytest.raises(StoreInUseError, match="in use by another process"):
            run_named(tmp_path / "store", "top-datasets")
        with pytest.raises(StoreInUseError, match="in use by another process"):
            create_store(graph_file, tmp_path / "store", replace=True)
        result = CliRunner().invoke(main, ["query", "--store", str(tmp_path / "store"), "--named", "top-datasets"])
        assert result.exit_code == 1
        assert "in use by another process" in result.output and "Traceback" not in result.output
        result = CliRunner().invoke(main, ["load", str(graph_file), "--store", str(tmp_path / "store"), "--replace"])
        assert result.exit_code == 1 and "in use by another process" in result.output
    finally:
        writer.stop()
    assert store_info(tmp_path / "store") == info
    assert leftovers(tmp_path) == []
    assert run_named(tmp_path / "store", "top-datasets").rows[0] == ("CIFAR-10", 2)  # free again


@pytest.mark.slow
def test_readers_share_a_store_and_keep_writers_out(tmp_path: Path, graph_file: Path) -> None:
    create_store(graph_file, tmp_path / "store")
    with open_store(tmp_path / "store") as first, open_store(tmp_path / "store") as second:
        assert run_named(first.store, "top-datasets") == run_named(second.store, "top-datasets")
        other = subprocess.run(  # another process reads it at the same time
            [sys.executable, "-c", "from kg.cli import main; main()", "query", "--store", str(tmp_path / "store"),
             "--named", "top-datasets", "--format", "csv"], capture_output=True, text=True, timeout=120)
        assert other.returncode == 0, other.stderr
        assert other.stdout.splitlines()[1] == "CIFAR-10,2"
        writer = subprocess.run([sys.executable, "-c", "import pyoxigraph, sys; pyoxigraph.Store(sys.argv[1])",
                                 str(tmp_path / "store")], capture_output=True, text=True, timeout=60)
        assert writer.returncode != 0 and "lock" in writer.stderr.lower()
        with pytest.raises(StoreInUseError, match="open in this process"):
            create_store(graph_file, tmp_path / "store", replace=True)
    assert run_named(tmp_path / "store", "top-datasets").rows  # the lock was released by both
    create_store(graph_file, tmp_path / "store", replace=True)

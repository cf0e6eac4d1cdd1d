"""What makes a large build fast without changing it: the RDF written by a background process,
records passed on as the text the cache stores, worker processes started before reading, and the
cycle collector paused. Every output must stay byte for byte what the plain path writes, and a
failure anywhere must leave the previous outputs whole."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import kg.build
import kg.rdf.export
from kg.background import BackgroundProcess, in_background
from kg.build import BuildOptions, build
from kg.cache import BuildCache, record_key
from kg.errors import KgError
from kg.record_files import read_record, record_text
from kg.types import Extraction, Mention, Paper
from tests.paths import EXAMPLES


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "cache.sqlite" and p.is_file()}


@pytest.fixture(scope="module")
def inline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the example corpus whose RDF this process wrote itself (the graph is small)."""
    out = tmp_path_factory.mktemp("inline")
    build([EXAMPLES], out, BuildOptions(pipeline="fast"))
    return out


# --- the background writer -----------------------------------------------------------------------


def fails_with_a_full_disk(parts: Iterable[bytes], path: Path, *, format: Any = None) -> None:
    """A stand-in RDF writer for the background process: reads a little, then the disk is full."""
    next(iter(parts))
    raise KgError(f"{path}: cannot write: No space left on device")


def crashes(parts: Iterable[bytes]) -> None:
    os._exit(3)


def counts(parts: Iterable[bytes], path: Path) -> None:
    path.write_text(json.dumps([len(part) for part in parts]))


def test_the_background_process_receives_every_part_in_order(tmp_path: Path) -> None:
    sent = [bytes([n]) * n for n in range(1, 200)]
    with in_background(counts, iter(sent), tmp_path / "sizes.json"):
        pass
    assert json.loads((tmp_path / "sizes.json").read_text()) == list(range(1, 200))


def test_an_error_over_there_is_raised_here(tmp_path: Path) -> None:
    with pytest.raises(KgError, match="cannot write: No space left on device"), \
            in_background(fails_with_a_full_disk, iter([b"x", b"y"]), tmp_path / "g.ttl"):
        pass


def test_a_process_that_dies_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KgError, match=r"background writer process died \(exit code 3\)"), \
            in_background(crashes, iter([b"x"])):
        pass


def test_a_failing_block_stops_the_process(tmp_path: Path) -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 65536

    with pytest.raises(ZeroDivisionError), in_background(counts, endless(), tmp_path / "never.json"):
        _ = 1 / 0
    assert not (tmp_path / "never.json").exists()


def test_a_process_never_run_ends_quietly() -> None:
    with BackgroundProcess(preload="kg.rdf.export") as idle:
        pass
    assert idle.process.exitcode == 0


SCRIPT_WITHOUT_GUARD = """
import pathlib, sys
from kg.background import in_background
from kg.rdf.export import graph_parts, write_rdf_parts
import networkx as nx
print("the script runs")
graph = nx.MultiDiGraph()
graph.add_node("method/bert", kind="Method", label="BERT", paper_count=1)
with in_background(write_rdf_parts, graph_parts(graph), pathlib.Path(sys.argv[1]), format="nt"):
    pass
"""


def test_a_script_without_a_main_guard_is_not_run_again_by_the_process(tmp_path: Path) -> None:
    """The process is spawned, but runs none of the caller's script (which has no `__main__` guard)."""
    script = tmp_path / "script.py"
    script.write_text(SCRIPT_WITHOUT_GUARD, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "g.nt")], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["the script runs"]
    assert len((tmp_path / "g.nt").read_text(encoding="utf-8").splitlines()) == 4


@pytest.mark.slow
def test_an_up_to_date_build_ends_its_idle_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kg.build, "BACKGROUND_RDF_PAPERS", 0)
    monkeypatch.setattr(kg.build, "_cores", lambda: 2)
    build([EXAMPLES], tmp_path, BuildOptions(pipeline="fast", html=False))
    assert build([EXAMPLES], tmp_path, BuildOptions(pipeline="fast", html=False)).up_to_date


@pytest.mark.slow
def test_background_rdf_writes_the_same_files(tmp_path: Path, inline: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kg.build, "BACKGROUND_RDF_PAPERS", 0)
    monkeypatch.setattr(kg.build, "_cores", lambda: 2)
    for fmt in ("ttl", "nt", "jsonld"):
        out = tmp_path / fmt
        build([EXAMPLES], out, BuildOptions(pipeline="fast", rdf_format=fmt))
        if fmt == "ttl":
            assert outputs(out) == outputs(inline)
        else:
            assert (out / f"graph.{fmt}").read_bytes() == kg.rdf.export.write_rdf(
                kg.build.read_node_link(inline / "graph.json"), tmp_path / f"direct.{fmt}", format=fmt).read_bytes()


@pytest.mark.slow
def test_a_background_failure_leaves_the_previous_outputs(tmp_path: Path, inline: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build([EXAMPLES], out, BuildOptions(pipeline="fast"))
    before = outputs(out)
    monkeypatch.setattr(kg.build, "BACKGROUND_RDF_PAPERS", 0)
    monkeypatch.setattr(kg.build, "_cores", lambda: 2)
    monkeypatch.setattr(kg.rdf.export, "write_rdf_parts", fails_with_a_full_disk)
    more = tmp_path / "more.jsonl"
    more.write_text(EXAMPLES.read_text(encoding="utf-8").replace('"id": "', '"id": "more-'), encoding="utf-8")
    with pytest.raises(KgError) as failure:
        build([EXAMPLES, more], out, BuildOptions(pipeline="fast"))
    message = str(failure.value)
    assert message.startswith(f"{out / 'graph.ttl'}: cannot write: No space left on device")
    assert message.endswith("the previous outputs were left as they were") and ".kg-staging" not in message
    assert outputs(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_graph_parts_give_the_same_rdf(inline: Path, tmp_path: Path) -> None:
    graph = kg.build.read_node_link(inline / "graph.json")
    for fmt in ("ttl", "nt", "jsonld"):
        direct = kg.rdf.export.write_rdf(graph, tmp_path / f"direct.{fmt}", format=fmt)
        parts = kg.rdf.export.write_rdf_parts(kg.rdf.export.graph_parts(graph, size=3), tmp_path / f"parts.{fmt}",
                                              format=fmt)
        assert parts.read_bytes() == direct.read_bytes()


# --- records as text, the cache, worker processes -------------------------------------------------


def test_record_text_round_trips() -> None:
    record = Extraction("p1", (Mention("title", 0, 4, "BERT", "METHOD", 0.95, "kb", "method/bert", "method/bert"),))
    assert read_record(record_text(record)) == record
    assert record_text(record) == json.dumps(record.to_json(), ensure_ascii=False)  # what the cache always held


def test_the_cache_reads_only_what_is_missing(tmp_path: Path) -> None:
    papers = [Paper(f"p{n}", f"T{n}", "A") for n in range(5)]
    with BuildCache(tmp_path / "cache.sqlite") as cache:
        cache.put_papers([(p, record_key(p, "v1")) for p in papers])
        cache.put_record_texts([(record_key(p, "v1"), record_text(Extraction(p.id))) for p in papers[1:3]])
        ids = [p.id for p in reversed(papers)]
        assert [p.id for p, _ in cache.missing(ids)] == ["p4", "p3", "p0"]
        entries = list(cache.entries(ids, skip={"p2"}))
        assert [(p.id, r) for p, _, r in entries] == [("p4", None), ("p3", None), ("p2", None),
                                                     ("p1", Extraction("p1")), ("p0", None)]


@pytest.mark.slow
def test_workers_started_before_reading_give_the_same_records(tmp_path: Path, inline: Path) -> None:
    out = tmp_path / "two"
    result = build([EXAMPLES], out, BuildOptions(pipeline="fast", workers=2, batch_size=4))
    assert not result.up_to_date
    assert (out / "records.jsonl").read_bytes() == (inline / "records.jsonl").read_bytes()


@pytest.mark.slow
def test_the_collector_runs_again_after_a_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert gc.isenabled()
    build([EXAMPLES], tmp_path / "ok", BuildOptions(pipeline="fast", html=False))
    assert gc.isenabled()

    def fails(*args: Any, **kwargs: Any) -> None:
        raise KgError("boom")

    import kg.graph

    monkeypatch.setattr(kg.graph, "build_graph", fails)
    with pytest.raises(KgError, match="boom"):
        build([EXAMPLES], tmp_path / "failed", BuildOptions(pipeline="fast", html=False))
    assert gc.isenabled()


# --- options and the one parallel map ------------------------------------------------------------


def test_build_options_refuse_an_unknown_pipeline() -> None:
    from kg.errors import OptionError

    with pytest.raises(OptionError, match="unknown pipeline 'slow'; use default, fast"):
        BuildOptions(pipeline="slow")


def test_the_ordered_map_reads_only_a_window_ahead_and_keeps_the_order() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from kg.parallel import ordered_map

    read: list[int] = []

    def items() -> Iterator[int]:
        for n in range(10):
            read.append(n)
            yield n

    with ThreadPoolExecutor(2) as pool:
        results = ordered_map(pool, lambda n: n * n, items(), window=3)
        assert next(results) == 0
        assert read == [0, 1, 2, 3]  # three in flight, then one more once the first was taken
        assert list(results) == [n * n for n in range(1, 10)]


def test_the_ordered_map_says_which_item_failed() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from kg.parallel import ordered_map

    def explain(exc: BaseException, index: int, item: int) -> KgError:
        return KgError(f"item {index} ({item}): {exc}")

    with ThreadPoolExecutor(1) as pool, pytest.raises(KgError, match=r"item 2 \(0\): division by zero"):
        list(ordered_map(pool, lambda n: 1 / n, [2, 1, 0, 3], window=2, on_error=explain))

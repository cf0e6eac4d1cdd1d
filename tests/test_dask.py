"""`kg build --dask`: extraction on a real `distributed.LocalCluster` gives the one-process graph, and
cluster faults (a dying worker, a failing task, an unreachable scheduler) end in clear KgErrors."""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")
import dask  # noqa: E402

from kg.build import BuildOptions, build  # noqa: E402
from kg.cluster import connect, partition_errors  # noqa: E402
from kg.errors import KgError  # noqa: E402
from kg.parallel import extract_records, ordered_map  # noqa: E402
from kg.rdf.read import load_graph  # noqa: E402
from tests.paths import EXAMPLES  # noqa: E402

CHUNKS = [[{"id": "a1"}, {"id": "a2"}], [{"id": "b1"}, {"id": "b2"}, {"id": "b3"}]]


def on_cluster(client: Any, fn: Any, chunks: list[list[dict[str, Any]]], *, retries: int = 1,
               window: int = 2) -> Any:
    """`fn` of each chunk through the Executor of `client`, as a build maps extraction over it."""
    executor = client.get_executor(retries=retries, pure=False)
    return ordered_map(executor, fn, chunks, window=window, on_error=partition_errors("local:1"))


@pytest.fixture(scope="module")
def one_process(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-process build of the example corpus: the reference."""
    out = tmp_path_factory.mktemp("one-process")
    build([EXAMPLES], out, BuildOptions(pipeline="fast", html=False))
    return out


@pytest.mark.slow
def test_dask_build_equals_one_process_build(tmp_path: Path, one_process: Path) -> None:
    on_dask = build([EXAMPLES], tmp_path / "dask", BuildOptions(pipeline="fast", html=False, dask="local:2"))
    assert on_dask.papers == 24
    expected = set(load_graph(one_process / "graph.ttl"))
    got = set(load_graph(on_dask.files["rdf"]))
    assert len(expected) > 1000
    assert got == expected
    records = (tmp_path / "dask" / "records.jsonl").read_text(encoding="utf-8")
    assert records == (one_process / "records.jsonl").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def fragile_client() -> Iterator[Any]:
    """A one-worker cluster whose scheduler gives up on a task at the first worker death."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=logging.ERROR)
        client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_a_dying_worker_is_a_clear_error(fragile_client: Any) -> None:
    def die_on_b(chunk: list[dict[str, Any]]) -> int:
        if chunk[0]["id"] == "b1":
            os._exit(1)
        return len(chunk)

    results = on_cluster(fragile_client, die_on_b, CHUNKS, retries=0, window=1)
    assert next(results) == 2
    with pytest.raises(KgError) as caught:
        next(results)
    assert str(caught.value) == ("dask worker died while extracting partition 1 (papers b1..b3); "
                                 "rerun to resume — finished partitions are cached")


def test_a_failing_task_names_its_partition(fragile_client: Any) -> None:
    def fail(chunk: list[dict[str, Any]]) -> int:
        raise ValueError(f"cannot read {chunk[0]['id']}")

    with pytest.raises(KgError, match=r"extracting partition 0 \(papers a1..a2\) failed on a dask worker: "
                                      r"ValueError: cannot read a1"):
        list(on_cluster(fragile_client, fail, CHUNKS, retries=1))


def test_results_come_in_input_order_with_a_small_window(fragile_client: Any) -> None:
    chunks = [[{"id": f"p{i}", "n": i}] for i in range(12)]

    def first_n(chunk: list[dict[str, Any]]) -> int:
        return int(chunk[0]["n"])

    assert list(on_cluster(fragile_client, first_n, chunks, window=3)) == list(range(12))


def test_an_unreachable_scheduler_names_its_address() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    with pytest.raises(KgError, match=f"cannot connect to the Dask scheduler at {address}"):
        connect(address, timeout=1.0)


@pytest.mark.slow
def test_a_build_whose_worker_dies_keeps_what_was_extracted_and_resumes(tmp_path: Path, monkeypatch: Any,
                                                                         one_process: Path) -> None:
    import functools

    import kg.build
    import kg.parallel
    from kg.cache import BuildCache

    original = kg.parallel.extract_chunk

    def dying(chunk: list[dict[str, Any]], **kwargs: Any) -> Any:
        if any(paper["id"] == victim for paper in chunk):
            os._exit(1)
        return original(chunk, **kwargs)

    victim = [json.loads(line)["id"] for line in EXAMPLES.read_text(encoding="utf-8").splitlines()][13]
    monkeypatch.setattr(kg.parallel, "extract_chunk", dying)
    monkeypatch.setattr(kg.build, "extract_records",
                        functools.partial(kg.parallel.extract_records, chunk_size=4, window=1))
    out = tmp_path / "out"
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            pytest.raises(KgError, match=r"dask worker died while extracting partition 3 \(papers .+\.\..+\); rerun"):
        build([EXAMPLES], out, BuildOptions(pipeline="fast", html=False, dask="local:1"))
    assert not (out / "graph.ttl").exists()
    with BuildCache(out / "cache.sqlite") as cache:
        assert cache.count_records() == 12  # partitions 0-2, committed before the death
    monkeypatch.undo()
    resumed = build([EXAMPLES], out, BuildOptions(pipeline="fast", html=False))
    assert set(load_graph(resumed.files["rdf"])) == set(load_graph(one_process / "graph.ttl"))


@pytest.mark.slow
def test_extraction_through_a_scheduler_address_matches_local_extraction(fragile_client: Any) -> None:
    from kg.extract import build_nlp, extract_papers
    from kg.ingest import read_papers

    papers = list(read_papers([EXAMPLES]))[:10]
    address = fragile_client.scheduler.address
    assert address.startswith("tcp://")
    got = [e.to_json() for e, _ in extract_records(papers, pipeline="fast", dask=address, chunk_size=3)]
    assert got == [e.to_json() for e in extract_papers(papers, build_nlp("fast"))]
    assert list(extract_records([], pipeline="fast", dask="tcp://127.0.0.1:1")) == []  # nothing to do: no connection

"""The build cache: no paper extracted twice, updates, resume after an interruption, pipeline changes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import kg.build
from kg.build import BuildOptions, build, read_node_link
from kg.rdf.read import load_graph
from kg.types import Extraction, Paper
from tests.paths import EXAMPLES


@pytest.fixture
def split(tmp_path: Path) -> tuple[Path, Path]:
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("\n".join(lines[:16]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[16:]) + "\n", encoding="utf-8")
    return first, second


def count_extracted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wraps the real extraction so that the ids of the papers reaching it are recorded."""
    seen: list[str] = []
    real = kg.build.extract_records

    def counting(papers: Iterable[Paper], **kwargs: Any) -> Iterator[tuple[Extraction, str]]:
        def tap() -> Iterator[Paper]:
            for p in papers:
                seen.append(p.id)
                yield p
        yield from real(tap(), **kwargs)

    monkeypatch.setattr(kg.build, "extract_records", counting)
    return seen


@pytest.fixture
def extracted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records the ids of the papers that reach extraction."""
    return count_extracted(monkeypatch)


def without_sources(path: Path) -> set[tuple[object, object, object]]:
    return {t for t in load_graph(path) if not str(t[1]).endswith("/source")}


def paper_nodes(out: Path) -> set[str]:
    graph = read_node_link(out / "graph.json")
    return {n for n, d in graph.nodes(data=True) if d["kind"] == "Paper"}


@pytest.mark.slow
def test_rebuild_extracts_nothing_and_reports_up_to_date(tmp_path: Path, split: tuple[Path, Path],
                                                          extracted: list[str]) -> None:
    out = tmp_path / "out"
    first = build([split[0]], out, BuildOptions(pipeline="fast", html=False))
    assert len(extracted) == 16 and not first.up_to_date
    again = build([split[0]], out, BuildOptions(pipeline="fast", html=False))
    assert len(extracted) == 16, "a cached paper was extracted again"
    assert again.up_to_date and again.stats == first.stats


@pytest.mark.slow
def test_update_adds_only_new_papers(tmp_path: Path, split: tuple[Path, Path], extracted: list[str]) -> None:
    out = tmp_path / "out"
    build([split[0]], out, BuildOptions(pipeline="fast", html=False))
    del extracted[:]
    result = build([split[1]], out, BuildOptions(pipeline="fast", html=False, update=True))
    assert len(extracted) == 8
    assert result.papers == 24 and len(paper_nodes(out)) == 24
    whole = tmp_path / "whole"
    build([EXAMPLES], whole, BuildOptions(pipeline="fast", html=False))
    # The same graph as one build of everything, but for where each paper was read from.
    assert without_sources(out / "graph.ttl") == without_sources(whole / "graph.ttl")


@pytest.mark.slow
def test_a_plain_build_keeps_only_its_inputs(tmp_path: Path, split: tuple[Path, Path]) -> None:
    out = tmp_path / "out"
    build([split[0]], out, BuildOptions(pipeline="fast", html=False))
    build([split[1]], out, BuildOptions(pipeline="fast", html=False))
    assert len(paper_nodes(out)) == 8


def test_update_needs_an_existing_build(tmp_path: Path, split: tuple[Path, Path]) -> None:
    with pytest.raises(kg.build.InputError, match="build it first"):
        build([split[1]], tmp_path / "nothing", BuildOptions(pipeline="fast", update=True))


@pytest.mark.slow
def test_changing_the_pipeline_invalidates_the_cache(tmp_path: Path, split: tuple[Path, Path],
                                                     extracted: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build([split[0]], out, BuildOptions(pipeline="fast", html=False))
    monkeypatch.setattr(kg.build, "pipeline_fingerprint", lambda pipeline: "another-version")
    build([split[0]], out, BuildOptions(pipeline="fast", html=False))
    assert len(extracted) == 32


@pytest.mark.slow
def test_an_interrupted_build_resumes_and_loses_nothing(tmp_path: Path, split: tuple[Path, Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build([split[0]], out, BuildOptions(pipeline="fast", html=False))
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.name != "cache.sqlite"}
    real = kg.build.extract_records

    def dies_after_70(papers: Iterable[Paper], **kwargs: Any) -> Iterator[tuple[Extraction, str]]:
        for n, record in enumerate(real(papers, **kwargs)):
            if n == 70:
                raise KeyboardInterrupt
            yield record

    many = tmp_path / "many.jsonl"
    rows = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines()]
    with many.open("w", encoding="utf-8") as handle:
        for copy in range(5):
            for row in rows:
                handle.write(json.dumps({**row, "id": f"{row['id']}-{copy}"}) + "\n")
    monkeypatch.setattr(kg.build, "extract_records", dies_after_70)
    with pytest.raises(KeyboardInterrupt):
        build([many], out, BuildOptions(pipeline="fast", html=False, batch_size=16))
    # The outputs of the previous build are untouched and no temporary file is left.
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != "cache.sqlite"} == before
    monkeypatch.setattr(kg.build, "extract_records", real)
    seen = count_extracted(monkeypatch)
    result = build([many], out, BuildOptions(pipeline="fast", html=False, batch_size=16))
    assert result.papers == 120
    assert len(seen) <= 120 - 64, "records extracted before the interruption were extracted again"


@pytest.mark.slow
def test_worker_processes_give_the_same_records(tmp_path: Path, split: tuple[Path, Path]) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    build([split[1]], one, BuildOptions(pipeline="fast", html=False))
    build([split[1]], two, BuildOptions(pipeline="fast", html=False, workers=2, batch_size=2))
    assert (one / "records.jsonl").read_text() == (two / "records.jsonl").read_text()

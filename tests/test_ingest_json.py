"""The JSON document reader: arrays, wrapper objects, single objects; streamed; errors end the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kg.errors import InputError, Problem
from kg.ingest import detect_format, read_papers
from kg.ingest.jsondoc import read_json
from kg.types import Paper
from tests.paths import INGEST_FIXTURES as FIXTURES

HUGE = " ".join(f"w{i % 89}" for i in range(100_000))


def collect(*paths: Path, **options: Any) -> tuple[list[Paper], list[Problem]]:
    problems: list[Problem] = []
    papers = list(read_papers(paths, on_problem=problems.append, **options))
    return papers, problems


def record(n: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"r{n}", "title": f"Title {n}", "abstract": f"Abstract number {n}.", **extra}


def test_array_matches_jsonl_reader() -> None:
    from_json, problems = collect(FIXTURES / "papers.json")
    from_jsonl, _ = collect(FIXTURES / "papers.jsonl")
    assert problems == []
    strip = [(p.id, p.title, p.abstract, p.authors, p.date, p.categories, p.url) for p in from_json]
    assert strip == [(p.id, p.title, p.abstract, p.authors, p.date, p.categories, p.url) for p in from_jsonl]
    assert from_json[1].source == f"{FIXTURES / 'papers.json'}:39"  # the line of the element's "{"


def test_wrapper_object_streams_its_list_and_ignores_other_keys() -> None:
    papers, problems = collect(FIXTURES / "wrapped.json")
    assert problems == []
    assert [p.id for p in papers] == ["s2-77aa", "own-1"]


@pytest.mark.parametrize("key", ["papers", "data", "records", "Data"])
def test_wrapper_keys(tmp_path: Path, key: str) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"count": 2, key: [record(1), record(2)]}))
    assert [p.id for p in collect(path)[0]] == ["r1", "r2"]


def test_single_object_and_concatenated_objects(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps(record(1), indent=2))
    assert [p.id for p in collect(one)[0]] == ["r1"]
    many = tmp_path / "many.json"
    many.write_text("\n".join(json.dumps(record(n), indent=1) for n in range(3)))
    papers, problems = collect(many)
    assert problems == [] and [p.id for p in papers] == ["r0", "r1", "r2"]


def test_elements_larger_than_the_read_window(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    huge = {"id": "h", "title": "Huge", "abstract": HUGE}
    path.write_text(json.dumps([record(1), huge, record(2)], indent=1))
    papers, problems = collect(path)
    assert problems == []
    assert [p.id for p in papers] == ["r1", "h", "r2"] and papers[1].abstract == HUGE
    assert papers[2].source.endswith(":12")


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8, 13])
def test_tiny_read_windows_give_the_same_papers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 chunk: int) -> None:
    path = tmp_path / "numbers.json"
    path.write_text(json.dumps({"papers": [record(n, year=1000 + 37 * n) for n in range(20)]}, indent=1))
    expected = collect(path)[0] + collect(FIXTURES / "papers.json")[0]
    monkeypatch.setattr("kg.ingest.jsondoc._CHUNK", chunk)
    papers, problems = collect(path, FIXTURES / "papers.json")
    assert problems == [] and papers == expected
    assert [p.date for p in papers[:3]] == ["1000", "1037", "1074"]


def test_bad_elements_are_skipped_and_syntax_errors_end_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(
        b'[\n'
        b'{"id": "r1", "title": "One", "abstract": "A."},\n'
        b'42,\n'
        b'{"id": "u", "title": "bad \xff byte", "abstract": "A."},\n'
        b'{"id": "e", "abstract": ""},\n'
        b'{"id": "r2", "title": "Two", "abstract": "B."},\n'
        b'{"id": "x", "title": oops},\n'
        b'{"id": "r3", "title": "Never read", "abstract": "C."}\n'
        b']\n'
    )
    papers, problems = collect(path)
    assert [p.id for p in papers] == ["r1", "r2"]
    assert [p.line for p in problems] == [3, 4, 5, 7]
    assert "got number" in problems[0].message
    assert "invalid UTF-8 byte 0xFF" in problems[1].message
    assert "neither title nor abstract" in problems[2].message
    assert problems[3].message.startswith("bad JSON")


@pytest.mark.parametrize("text", ["", "   \n", "[]", "{}", "[1, 2", '"just a string"', "[" * 50_000])
def test_degenerate_documents_never_raise(tmp_path: Path, text: str) -> None:
    path = tmp_path / "d.json"
    path.write_text(text)
    problems: list[Problem] = []
    assert list(read_json(path, problems.append)) == []


def test_strict_raises(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('[{"id": "r1", "title": "One", "abstract": "A."},\n{"title": }]')
    papers: list[Paper] = []
    with pytest.raises(InputError) as err:
        papers.extend(read_papers([path], strict=True))
    assert [p.id for p in papers] == ["r1"] and err.value.line == 2


def test_detection_of_json_versus_json_lines(tmp_path: Path) -> None:
    snapshot = tmp_path / "arxiv-metadata-oai-snapshot.json"  # the snapshot is JSON Lines named .json
    snapshot.write_text(json.dumps(record(1)) + "\n" + json.dumps(record(2)) + "\n")
    assert detect_format(snapshot) == "jsonl"
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(record(1), indent=2))
    assert detect_format(pretty) == "json"
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"papers": [record(1)]}) + "\n")
    assert detect_format(wrapped) == "json"
    assert [p.id for p in collect(wrapped)[0]] == ["r1"]

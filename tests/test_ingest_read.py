"""`read_papers`, `detect_format` and `paper_id`: the package's public API across formats."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from kg.errors import FormatError, InputError, KgError, Problem
from kg.ingest import FORMATS, READERS, detect_format, paper_id, read_papers
from kg.types import Paper
from tests.paths import INGEST_FIXTURES as FIXTURES


def collect(*paths: Path | str, **options: Any) -> tuple[list[Paper], list[Problem]]:
    problems: list[Problem] = []
    papers = list(read_papers(paths, on_problem=problems.append, **options))
    return papers, problems


def jsonl(path: Path, *ids: str) -> Path:
    records = ({"id": i, "title": f"T {i}", "abstract": f"A {i}."} for i in ids)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_formats_and_readers_agree() -> None:
    assert FORMATS == ("listing", "jsonl", "json", "csv", "tsv", "atom", "bibtex", "text")
    assert tuple(READERS) == FORMATS


def test_unknown_format_name_lists_the_valid_ones() -> None:
    with pytest.raises(FormatError, match="unknown format 'yaml'; use one of: listing, jsonl, json, csv"):
        read_papers([FIXTURES / "papers.jsonl"], format="yaml")


def test_missing_file_raises_before_reading_anything(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_papers([FIXTURES / "papers.jsonl", tmp_path / "nope.jsonl"])
    assert err.value.source == str(tmp_path / "nope.jsonl") and "no such file" in str(err.value)


def test_directory_given_to_a_reader_and_to_detection(tmp_path: Path) -> None:
    for reader in READERS.values():
        with pytest.raises(InputError, match="is a directory"):
            list(reader(tmp_path, lambda problem: None))
    with pytest.raises(InputError, match="is a directory"):
        detect_format(tmp_path / ".")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "locked.jsonl", "a")
    path.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        list(read_papers([path]))


def test_unknown_format_of_a_named_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\nnothing to see\n")
    with pytest.raises(InputError) as err:
        list(read_papers([path]))
    assert str(err.value) == (f"{path}: unknown format; use --format with one of: "
                              "listing, jsonl, json, csv, tsv, atom, bibtex, text")


def test_directories_are_read_sorted_recursively_without_hidden_files(tmp_path: Path) -> None:
    jsonl(tmp_path / "b.jsonl", "b")
    jsonl(tmp_path / "a.jsonl", "a")
    (tmp_path / "sub").mkdir()
    jsonl(tmp_path / "sub" / "c.jsonl", "c", "a")
    jsonl(tmp_path / ".hidden.jsonl", "hidden")
    (tmp_path / ".git").mkdir()
    jsonl(tmp_path / ".git" / "x.jsonl", "x")
    (tmp_path / "README").write_text("what is this\n")
    papers, problems = collect(tmp_path)
    assert [p.id for p in papers] == ["a", "b", "c"]
    assert [(p.source, p.line) for p in problems] == [(str(tmp_path / "README"), None)]
    assert "unknown format" in problems[0].message
    with pytest.raises(InputError):
        list(read_papers([tmp_path], strict=True))


def test_files_in_given_order_and_duplicates_across_files(tmp_path: Path) -> None:
    first = jsonl(tmp_path / "1.jsonl", "x", "y")
    second = jsonl(tmp_path / "2.jsonl", "z", "x")
    papers, problems = collect(second, first)
    assert [p.id for p in papers] == ["z", "x", "y"] and problems == []
    assert papers[1].source == f"{second}:2"


def test_same_paper_in_two_formats_is_read_once(tmp_path: Path) -> None:
    listing = FIXTURES / "listing_glued.txt"
    papers = list(read_papers([listing]))
    copy = tmp_path / "copy.jsonl"  # no ids: the content hash matches the listing's
    copy.write_text("".join(json.dumps({"title": p.title, "abstract": p.abstract}) + "\n" for p in papers))
    assert list(read_papers([listing, copy])) == papers
    assert [p.id for p in read_papers([copy])] == [p.id for p in papers]


def test_stdin_with_format_and_sniffed(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FIXTURES / "papers.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    sniffed = list(read_papers(["-"]))
    assert [p.id for p in sniffed][:3] == ["2401.01234", "s2-77aa", "own-1"]
    assert sniffed[0].source == "<stdin>:1"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert list(read_papers(["-"], format="jsonl")) == sniffed


def test_stdin_needs_a_known_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"just some words\n")))
    with pytest.raises(InputError, match="unknown format"):
        list(read_papers(["-"]))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"just some words\n")))
    assert [p.abstract for p in read_papers(["-"], format="text")] == ["just some words"]


def test_strict_reports_then_raises(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "title": "T", "abstract": "A."}\nnot json\n')
    seen: list[Problem] = []
    with pytest.raises(InputError) as err:
        list(read_papers([path], on_problem=seen.append, strict=True))
    assert len(seen) == 1 and (err.value.source, err.value.line) == (str(path), 2)


def test_without_a_callback_problems_are_dropped_and_nothing_is_printed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('not json\n{"id": "a", "title": "T", "abstract": "A."}\n')
    assert [p.id for p in read_papers([path])] == ["a"]
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("a.jsonl", "", "jsonl"), ("a.ndjson", "", "jsonl"), ("a.csv", "", "csv"), ("a.tsv", "", "tsv"),
    ("a.tab", "", "tsv"), ("a.xml", "", "atom"), ("a.atom", "", "atom"), ("a.bib", "", "bibtex"),
    ("A.JSONL", "", "jsonl"),
    ("a.json", '[{"title": "T"}]', "json"), ("a.json", '{"title": "T"}\n{"title": "U"}\n', "jsonl"),
    ("a.txt", "Plain words.\n", "text"), ("a.txt", "Subscribe\n\nA Title\n", "listing"),
    ("noext", '{"title": "T"}\n', "jsonl"), ("noext", "  [1]", "json"), ("noext", "<feed></feed>", "atom"),
    ("noext", "@misc{k, title={T}}", "bibtex"), ("noext", "Title\tAbstract\nT\tA\n", "tsv"),
    ("noext", "new\n\nGet trending papers in your email inbox!\n", "listing"),
])
def test_detect_format(tmp_path: Path, name: str, content: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    assert detect_format(path) == expected


def test_detect_format_of_missing_file_and_empty_unknown(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        detect_format(tmp_path / "missing.json")
    (tmp_path / "empty").write_text("")
    with pytest.raises(InputError, match="unknown format"):
        detect_format(tmp_path / "empty")


def test_paper_id_is_stable_and_normalised() -> None:
    base = paper_id("Title", "Some abstract.")
    assert base.startswith("p") and len(base) == 17
    assert paper_id("  TITLE ", "Some\n abstract.") == base
    assert paper_id("Ｔｉｔｌｅ", "Some abstract.") == base  # NFKC: full-width letters
    assert paper_id("Title", "Some abstract!") != base
    assert paper_id("Title Some", "abstract.") != base  # the field boundary counts


def test_input_errors_are_kg_errors() -> None:
    assert issubclass(InputError, KgError) and issubclass(FormatError, KgError)


def test_bad_file_names_are_input_errors() -> None:
    with pytest.raises(InputError):
        list(read_papers(["nul\x00name.jsonl"]))
    with pytest.raises(InputError, match="bad file name"):
        detect_format(Path("nul\x00name.json"))

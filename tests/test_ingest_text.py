"""The plain-text reader: one abstract per paragraph, exactly as written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kg.errors import InputError, Problem
from kg.ingest import detect_format, paper_id, read_papers
from kg.types import Paper
from tests.paths import INGEST_FIXTURES as FIXTURES


def collect(*paths: Path, **options: Any) -> tuple[list[Paper], list[Problem]]:
    problems: list[Problem] = []
    papers = list(read_papers(paths, on_problem=problems.append, **options))
    return papers, problems


def test_paragraphs() -> None:
    path = FIXTURES / "abstracts.txt"
    assert detect_format(path) == "text"
    papers, problems = collect(path)
    assert problems == []
    assert [p.source for p in papers] == [f"{path}:{n}" for n in (1, 4, 6)]
    assert papers[0].abstract == (
        "Plain text files hold one abstract per paragraph. This first one talks about a model that\n"
        "reaches 88.2% accuracy on an invented dataset, written over two lines.")
    assert papers[2].abstract.startswith("   Indented lines")
    assert all(p.title == "" and p.id == paper_id("", p.abstract) for p in papers)


def test_line_endings_and_whitespace_only_separators(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"First line\r\nsecond line.\r\n  \t \r\nOther paragraph \x1b[0m with escape.")
    papers, problems = collect(path, format="text")
    assert problems == []
    assert [p.abstract for p in papers] == ["First line\r\nsecond line.",
                                            "Other paragraph \x1b[0m with escape."]


def test_invalid_utf8_skips_only_its_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"Good paragraph one.\n\nBroken\nparagraph \xff here.\n\nGood paragraph two.\n")
    papers, problems = collect(path, format="text")
    assert [p.abstract for p in papers] == ["Good paragraph one.", "Good paragraph two."]
    assert [(p.line, p.message) for p in problems] == [(4, "invalid UTF-8 byte 0xFF at character 10")]
    with pytest.raises(InputError):
        list(read_papers([path], format="text", strict=True))


def test_huge_paragraph_and_duplicates(tmp_path: Path) -> None:
    huge = " ".join(["word"] * 100_000)
    path = tmp_path / "huge.txt"
    path.write_text(f"{huge}\n\nSmall one.\n\n{huge}\n")
    papers, problems = collect(path, format="text")
    assert problems == [] and [p.abstract for p in papers] == [huge, "Small one."]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("\n\n   \n")
    assert collect(path) == ([], [])

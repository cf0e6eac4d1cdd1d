"""The JSON Lines reader: field names of several sources, exact text, bad lines skipped and reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kg.errors import InputError, Problem
from kg.ingest import paper_id, read_papers
from kg.types import Paper
from tests.paths import INGEST_FIXTURES as FIXTURES

HUGE = " ".join(f"w{i % 97}" for i in range(100_000)) + "."


def collect(*paths: Path, **options: Any) -> tuple[list[Paper], list[Problem]]:
    problems: list[Problem] = []
    papers = list(read_papers(paths, on_problem=problems.append, **options))
    return papers, problems


def write_lines(path: Path, *lines: str | bytes | dict[str, Any]) -> Path:
    """A JSONL file from dicts (dumped), strings (written as they are) and raw bytes."""
    data = b""
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line, ensure_ascii=False)
        data += (line.encode() if isinstance(line, str) else line) + b"\n"
    path.write_bytes(data)
    return path


GOOD_1 = {"id": "g1", "title": "First Good Paper", "abstract": "It is fine."}
GOOD_2 = {"id": "g2", "title": "Second Good Paper", "abstract": "It is fine too."}


def test_arxiv_snapshot_layout() -> None:
    papers, problems = collect(FIXTURES / "papers.jsonl")
    assert problems == []
    first = papers[0]
    assert first.id == "2401.01234"
    assert first.title == "Folding Maps: Compact Embeddings\n  for Road Networks"
    assert first.abstract.startswith("  We fold road networks") and first.abstract.endswith("graphs.\n")
    assert first.authors == ("Ann Lee", "Bo Chen", "Cy Diaz")
    assert first.categories == ("cs.LG", "cs.SI")
    assert first.date == "2024-01-05"
    assert first.source == f"{FIXTURES / 'papers.jsonl'}:1"


def test_semantic_scholar_layout_and_unknown_fields() -> None:
    papers, _ = collect(FIXTURES / "papers.jsonl")
    s2 = papers[1]
    assert (s2.id, s2.authors, s2.date, s2.year) == ("s2-77aa", ("Dana Evans", "Eli Fox"), "2021", 2021)
    assert s2.abstract.startswith("Weather reports written by volunteers")
    own = papers[2]
    assert own.title == "Café Benchmarks: Ordering Coffee in 12 Languages"
    assert own.url == "https://example.org/own-1" and own.categories == ("cs.CL",)


def test_missing_id_gets_content_hash_and_duplicate_kept_once() -> None:
    papers, problems = collect(FIXTURES / "papers.jsonl")
    assert [p.id for p in papers].count("own-1") == 1
    assert len(papers) == 4 and problems == []
    clouds = papers[3]
    assert clouds.id == paper_id(clouds.title, clouds.abstract)
    assert clouds.abstract.startswith("Clouds are hard")  # "summary" is an abstract field


def test_conflicting_duplicate_is_reported(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "d.jsonl", GOOD_1, {**GOOD_1, "abstract": "Another text."}, GOOD_1)
    papers, problems = collect(path)
    assert [p.abstract for p in papers] == ["It is fine."]
    assert len(problems) == 1
    assert (problems[0].line, problems[0].source) == (2, str(path))
    assert "duplicate id 'g1'" in problems[0].message and f"{path}:1" in problems[0].message


def test_bad_lines_are_reported_and_neighbours_survive(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "bad.jsonl",
        GOOD_1,
        '{"id": "x", "title": "broken',                       # 2: malformed JSON
        b'{"id": "u", "title": "caf\xe9", "abstract": "A."}',  # 3: invalid UTF-8
        '["not", "an", "object"]',                            # 4
        '{"id": "e", "title": "", "abstract": "   "}',         # 5: neither title nor abstract
        '{"id": "n", "title": 7, "abstract": "A."}',           # 6: title not a string
        "[" * 100_000,                                        # 7: nested too deeply
        GOOD_2,
    )
    papers, problems = collect(path)
    assert [p.id for p in papers] == ["g1", "g2"]
    assert [(p.source, p.line) for p in problems] == [(str(path), n) for n in (2, 3, 4, 5, 6, 7)]
    messages = [p.message for p in problems]
    assert messages[0].startswith("bad JSON")
    assert "invalid UTF-8 byte 0xE9" in messages[1] and "title" in messages[1]
    assert "expected a JSON object, got array" in messages[2]
    assert "neither title nor abstract" in messages[3]
    assert "title is not a string" in messages[4]


def test_strict_raises_input_error(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "bad.jsonl", GOOD_1, "{oops")
    with pytest.raises(InputError) as err:
        list(read_papers([path], strict=True))
    assert (err.value.source, err.value.line) == (str(path), 2)


def test_text_kept_exactly_with_latex_control_characters_and_odd_unicode(tmp_path: Path) -> None:
    title = "scriptsizeFLaws: $\\mathcal{O}(n)$ \u00a0Ünïcödé\u200b"
    abstract = " Bell\x07 and escape\x1b stay; tabs\tand\r\nnewlines too. 😀 "
    path = write_lines(tmp_path / "odd.jsonl", {"title": title, "abstract": abstract})
    papers, problems = collect(path)
    assert problems == []
    assert (papers[0].title, papers[0].abstract) == (title, abstract)


def test_huge_abstract(tmp_path: Path) -> None:
    huge = {"id": "h", "title": "Huge", "abstract": HUGE}
    path = write_lines(tmp_path / "huge.jsonl", GOOD_1, huge, GOOD_2)
    papers, problems = collect(path)
    assert problems == [] and [p.id for p in papers] == ["g1", "h", "g2"]
    assert papers[1].abstract == HUGE and len(papers[1].abstract.split()) == 100_000


def test_author_and_date_shapes(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "shapes.jsonl",
        {"id": "1", "title": "T", "authors": "A. One, B. Two (Lab, Town), and C. Three",
         "published": "2020-02-03T04:05:06Z"},
        {"id": "2", "title": "T", "authors": [{"name": "D Four"}, {"first": "E", "last": "Five"}],
         "year": "2018"},
        {"id": "3", "title": "T", "authors_parsed": [["Six", "F.", ""], ["Seven", "G", "Jr"]],
         "date": "someday"},
        {"id": "4", "title": "T", "authors": 12, "date": None, "categories": "cs.AI, stat.ML; q-bio"},
    )
    papers, problems = collect(path)
    assert problems == []
    assert papers[0].authors == ("A. One", "B. Two (Lab, Town)", "C. Three")
    assert papers[0].date == "2020-02-03"
    assert papers[1].authors == ("D Four", "E Five") and papers[1].date == "2018"
    assert papers[2].authors == ("F. Six", "G Seven Jr") and papers[2].date == "someday"
    assert papers[3].authors == () and papers[3].date is None
    assert papers[3].categories == ("cs.AI", "stat.ML", "q-bio")


def test_title_only_and_abstract_only_records_are_papers(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "half.jsonl", {"title": "Only a Title"}, {"abstract": "Only an abstract."})
    papers, problems = collect(path)
    assert problems == []
    assert [(p.title, p.abstract) for p in papers] == [("Only a Title", ""), ("", "Only an abstract.")]

"""The BibTeX reader: braced and quoted values, macros, entries without abstracts, malformed entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kg.errors import InputError, Problem
from kg.ingest import detect_format, read_papers
from kg.types import Paper
from tests.paths import INGEST_FIXTURES as FIXTURES


def collect(*paths: Path, **options: Any) -> tuple[list[Paper], list[Problem]]:
    problems: list[Problem] = []
    papers = list(read_papers(paths, on_problem=problems.append, **options))
    return papers, problems


def bib(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_fixture_entries() -> None:
    papers, problems = collect(FIXTURES / "refs.bib")
    assert problems == []
    # the entry without an abstract is skipped silently
    assert [p.id for p in papers] == ["lee2020lanterns", "diaz2019quotes", "biblatex2021"]
    lanterns, quotes, dated = papers
    assert lanterns.title == "{Sparse} Lanterns: Routing with $\\alpha$-Lamps"
    assert lanterns.abstract == ("We route tokens with \\emph{lamps}. Accuracy rises by 2.5\\% on an\n"
                                 "               invented benchmark, and {nested {braces}} stay as they are.")
    assert lanterns.authors == ("Lee, Ann", "Chen, Bo", "{The Lantern Group}")
    assert lanterns.date == "2020-03" and lanterns.source == f"{FIXTURES / 'refs.bib'}:6"
    assert quotes.title == "Quoted Titles: Concatenated"
    assert quotes.abstract == "A quoted abstract with {braces, and a comma} inside it."
    assert quotes.url == "https://example.org/diaz2019" and quotes.date == "2019"
    assert dated.date == "2021-06-30"


def test_string_macros_parentheses_and_several_entries_per_line(tmp_path: Path) -> None:
    path = bib(tmp_path / "m.bib", '@STRING(topic = "graphs")\n'
               '@Article(a1, title = "On " # topic, abstract = {About } # topic # {.})'
               ' @misc{a2, abstract={Second.}}\n')
    papers, problems = collect(path)
    assert problems == []
    assert [(p.id, p.title, p.abstract) for p in papers] == [("a1", "On graphs", "About graphs."),
                                                               ("a2", "", "Second.")]


def test_malformed_entries_are_reported_and_neighbours_survive(tmp_path: Path) -> None:
    path = bib(tmp_path / "bad.bib", (
        b"@article{good1, title={One}, abstract={First.}}\n"
        b"@article{noequals, title {Two}, abstract={Second.}}\n"
        b"@article{badquote, title=\"Open, abstract={Third.}}\n"
        b"@article{unbalanced, title={Four, abstract={Fourth.}\n"
        b"\n"
        b"@article{badbyte, title={Caf\xe9}, abstract={Fifth.}}\n"
        b"@article{good2, title={Six}, abstract={Sixth.}}\n"
    ))
    papers, problems = collect(path)
    assert [p.id for p in papers] == ["good1", "good2"]
    assert [p.line for p in problems] == [2, 3, 4, 6]
    assert "expected '=' after field name 'title'" in problems[0].message
    assert "unterminated quoted value" in problems[1].message
    assert "braces do not balance" in problems[2].message
    assert "invalid UTF-8 byte 0xE9" in problems[3].message
    with pytest.raises(InputError) as err:
        list(read_papers([path], strict=True))
    assert err.value.line == 2


def test_unterminated_last_entry(tmp_path: Path) -> None:
    path = bib(tmp_path / "end.bib", "@article{a, abstract={Fine.}}\n@article{b, abstract={never closed\n")
    papers, problems = collect(path)
    assert [p.id for p in papers] == ["a"]
    assert problems[0].line == 2 and "end of the file" in problems[0].message


def test_huge_abstract_and_control_characters(tmp_path: Path) -> None:
    huge = " ".join(["lamp"] * 100_000)
    path = bib(tmp_path / "h.bib", f"@article{{h, title={{Bell\x07 Title}}, abstract={{{huge}}}}}\n")
    papers, problems = collect(path)
    assert problems == [] and papers[0].abstract == huge and papers[0].title == "Bell\x07 Title"


def test_duplicate_keys_read_once(tmp_path: Path) -> None:
    entry = "@article{k, title={T}, abstract={A.}}\n"
    path = bib(tmp_path / "d.bib", entry + entry + "@article{k, title={T}, abstract={Different.}}\n")
    papers, problems = collect(path)
    assert len(papers) == 1 and len(problems) == 1 and problems[0].line == 3


def test_detection_without_extension(tmp_path: Path) -> None:
    path = bib(tmp_path / "refs", "% comment\n\n@article{k, title={T}, abstract={A.}}\n")
    assert detect_format(path) == "bibtex"

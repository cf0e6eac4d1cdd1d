"""The Atom reader: arXiv API entries, entity decoding, stripped text, malformed documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kg.errors import InputError, Problem
from kg.ingest import detect_format, read_papers
from kg.types import Paper
from tests.paths import INGEST_FIXTURES as FIXTURES

FEED = '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n{}</feed>\n'


def collect(*paths: Path, **options: Any) -> tuple[list[Paper], list[Problem]]:
    problems: list[Problem] = []
    papers = list(read_papers(paths, on_problem=problems.append, **options))
    return papers, problems


def entry(n: int, title: str = "", summary: str = "") -> str:
    return (f"<entry>\n<id>http://arxiv.org/abs/2402.0000{n}v1</id>\n"
            f"<title>{title or f'Entry {n}'}</title>\n"
            f"<summary>{summary or f'Summary {n}.'}</summary>\n</entry>\n")


def test_arxiv_entries() -> None:
    papers, problems = collect(FIXTURES / "arxiv.xml")
    assert problems == []
    kites, old = papers
    assert kites.id == "2401.01234v2"
    assert kites.title == "Kites & Currents: Learning Wind Fields\n  from Sparse Sensors"
    assert kites.abstract == ("We learn wind fields from sparse sensors with a neural operator. Error drops\n"
                              "by 27% when x < 3 sensors are missing, and the model runs at 40 fps.")
    assert kites.authors == ("Ann Lee", "Bo Chen")
    assert kites.date == "2024-01-02" and kites.year == 2024
    assert kites.categories == ("cs.LG", "physics.flu-dyn")
    assert kites.url == "http://arxiv.org/abs/2401.01234v2"
    assert kites.source == f"{FIXTURES / 'arxiv.xml'}:8"
    assert old.id == "cs/0112017v1" and old.source.endswith(":30")


def test_malformed_document_keeps_earlier_entries(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text(FEED.format(entry(1) + entry(2) + "<entry><title>Unclosed</summary>\n" + entry(3)))
    papers, problems = collect(path)
    assert [p.id for p in papers] == ["2402.00001v1", "2402.00002v1"]
    assert len(problems) == 1 and problems[0].line == 13
    assert problems[0].message.startswith("malformed XML: mismatched tag")


def test_invalid_utf8_is_a_problem_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bytes.xml"
    text = FEED.format(entry(1) + entry(2, title="Bad \udcff byte"))
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    papers, problems = collect(path)
    assert [p.id for p in papers] == ["2402.00001v1"]
    assert problems[0].line == 10 and "not well-formed" in problems[0].message


def test_empty_entry_is_skipped_and_strict_raises(tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    path.write_text(FEED.format(entry(1) + "<entry><id>x</id><title> </title></entry>\n" + entry(2)))
    papers, problems = collect(path)
    assert [p.id for p in papers] == ["2402.00001v1", "2402.00002v1"]
    assert problems[0].line == 8 and "neither title nor abstract" in problems[0].message
    with pytest.raises(InputError):
        list(read_papers([path], strict=True))


def test_latex_control_free_text_and_huge_summary(tmp_path: Path) -> None:
    huge = " ".join(["wind"] * 100_000)
    title = "scriptsizeFLaws: $O(n^2)$ &lt;b&gt; &#233;t&#xE9;"
    path = tmp_path / "odd.atom"
    path.write_text(FEED.format(entry(1, title=title, summary=huge) + entry(2)))
    papers, problems = collect(path)
    assert problems == []
    assert papers[0].title == "scriptsizeFLaws: $O(n^2)$ <b> été" and papers[0].abstract == huge


def test_duplicates_read_once(tmp_path: Path) -> None:
    path = tmp_path / "dup.xml"
    path.write_text(FEED.format(entry(1) + entry(1) + entry(2)))
    papers, problems = collect(path)
    assert [p.id for p in papers] == ["2402.00001v1", "2402.00002v1"] and problems == []


@pytest.mark.parametrize("text", ["", "<feed>", "not xml at all", "<?xml version='1.0'?><feed/>"])
def test_degenerate_documents(tmp_path: Path, text: str) -> None:
    path = tmp_path / "d.xml"
    path.write_text(text)
    papers, _ = collect(path)
    assert papers == []


def test_detection(tmp_path: Path) -> None:
    path = tmp_path / "feed"
    path.write_text(FEED.format(entry(1)))
    assert detect_format(path) == "atom"
    assert [p.id for p in collect(path)[0]] == ["2402.00001v1"]

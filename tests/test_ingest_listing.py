"""The listing-page reader on small invented pages in the three layouts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kg.errors import InputError, Problem
from kg.ingest import detect_format, paper_id, read_papers
from kg.types import Paper
from tests.paths import INGEST_FIXTURES as FIXTURES

ABSTRACT = ("We describe an invented method that improves an invented score on an invented benchmark by a "
            "margin that is large enough to matter, and we explain why in some detail over many words here. "
            "Abstracts on listing pages run to a hundred words or more.")


def collect(*paths: Path, **options: Any) -> tuple[list[Paper], list[Problem]]:
    problems: list[Problem] = []
    papers = list(read_papers(paths, on_problem=problems.append, **options))
    return papers, problems


def page(path: Path, *lines: str | bytes, newline: bytes = b"\n") -> Path:
    path.write_bytes(newline.join(line.encode() if isinstance(line, str) else line for line in lines))
    return path


def test_layout_with_metadata() -> None:
    path = FIXTURES / "listing_meta.txt"
    assert detect_format(path) == "listing"
    papers, problems = collect(path)
    assert problems == []
    assert [p.title for p in papers] == [
        "Sparse Lanterns: Routing Tokens by Lamp Light",
        "Counting Pebbles with Transformers",
        "scriptsizeFLaws: Evaluating Tiny Models on $\\mathcal{L}$-Shaped Tasks",  # LaTeX residue kept
    ]
    assert papers[0].abstract.startswith("We route each token") and papers[0].abstract.endswith("at all.")
    assert [p.date for p in papers] == ["2024-02-14", None, "2023-07-01"]  # "Sep 12" has no year
    assert [p.source for p in papers] == [f"{path}:{n}" for n in (13, 21, 29)]
    assert all(p.authors == () and p.id == paper_id(p.title, p.abstract) for p in papers)


def test_layout_without_metadata() -> None:
    papers, problems = collect(FIXTURES / "listing_plain.txt")
    assert problems == []
    assert [p.title for p in papers] == ["Quiet Gradients: Training Without Noise Injection",
                                         "Über-Tokens: Merging Subwords Across Scripts — A Study"]
    assert papers[1].abstract.startswith("Tokenizers split non-Latin scripts")
    assert [p.date for p in papers] == [None, None]


def test_layout_without_blank_lines_and_glued_chrome() -> None:
    path = FIXTURES / "listing_glued.txt"
    papers, problems = collect(path)
    assert problems == []
    assert [p.title for p in papers] == ["Kite-Net: Flying Through Feature Maps",
                                         "Do Bigger Kites Fly Higher? Scaling Wind Fields"]
    assert [p.source for p in papers] == [f"{path}:3", f"{path}:5"]
    assert papers[0].abstract.startswith("Kite-Net glides")


def test_layouts_mixed_in_one_file(tmp_path: Path) -> None:
    path = page(tmp_path / "mixed.txt", "Daily Papers", "", "Title One", "", ABSTRACT, "", "  • 2 authors",
                "·", "Jan 5, 2021", "Title Two", ABSTRACT + " Two.", "", "Title Three", "",
                ABSTRACT + " Three.", "Upvoted Org", "·", "Feb 2 7")
    papers, problems = collect(path)
    assert problems == []
    assert [(p.title, p.date) for p in papers] == [("Title One", "2021-01-05"), ("Title Two", None),
                                                   ("Title Three", None)]


def test_title_shapes(tmp_path: Path) -> None:
    path = page(tmp_path / "shapes.txt",
                "Attention Is Everything You Can Afford.",        # a title ending in a period ...
                ABSTRACT,                                        # ... followed by a long abstract
                "Short Title", "A one-sentence abstract.",       # a short abstract ending in a period
                "Why Ask Questions?", ABSTRACT + " Why.")
    papers, problems = collect(path, format="listing")
    assert problems == []
    assert [(p.title, p.abstract[:20]) for p in papers] == [
        ("Attention Is Everything You Can Afford.", ABSTRACT[:20]),
        ("Short Title", "A one-sentence abstr"),
        ("Why Ask Questions?", ABSTRACT[:20]),
    ]


def test_orphan_title_and_title_less_abstract(tmp_path: Path) -> None:
    path = page(tmp_path / "odd.txt", "Title Alone", "Title With Abstract", ABSTRACT, ABSTRACT + " Again.",
                "Trailing Title")
    papers, problems = collect(path, format="listing")
    assert [(p.title, p.abstract) for p in papers] == [("Title With Abstract", ABSTRACT),
                                                       ("", ABSTRACT + " Again.")]
    assert [(p.line, p.message) for p in problems] == [(1, "title without an abstract"),
                                                       (5, "title without an abstract")]
    with pytest.raises(InputError):
        list(read_papers([path], format="listing", strict=True))


def test_invalid_utf8_skips_the_paper(tmp_path: Path) -> None:
    path = page(tmp_path / "bad.txt", "Good One", ABSTRACT, b"Bad \xfe Title", ABSTRACT + " Bad.", "Good Two",
                ABSTRACT + " Good.")
    papers, problems = collect(path, format="listing")
    assert [p.title for p in papers] == ["Good One", "Good Two"]
    assert [(p.line, p.message) for p in problems] == [(3, "invalid UTF-8 byte 0xFE at character 4")]


def test_crlf_huge_abstract_control_characters_and_duplicates(tmp_path: Path) -> None:
    huge = " ".join(["pebble"] * 100_000)
    path = page(tmp_path / "crlf.txt", "Subscribe", "Huge One", huge, "Bell\x07 Title", ABSTRACT, "Huge One",
                huge, newline=b"\r\n")
    papers, problems = collect(path)
    assert problems == []
    assert [(p.title, p.abstract) for p in papers] == [("Huge One", huge), ("Bell\x07 Title", ABSTRACT)]


def test_chrome_only_and_empty_files(tmp_path: Path) -> None:
    chrome = page(tmp_path / "chrome.txt", "new", "", "Subscribe", "Daily Papers", "May 7")
    empty = page(tmp_path / "empty.txt", "")
    assert collect(chrome, empty, format="listing") == ([], [])

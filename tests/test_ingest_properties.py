"""Property tests: no input makes a reader fail with anything but a KgError, and papers round-trip."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import InputError, KgError, Problem
from kg.ingest import FORMATS, read_papers
from kg.types import Paper

SUFFIX = {"listing": ".txt", "jsonl": ".jsonl", "json": ".json", "csv": ".csv", "tsv": ".tsv", "atom": ".xml",
          "bibtex": ".bib", "text": ".txt"}
# Pieces of every syntax, so that random inputs get past the first character of each format.
FRAGMENTS = [
    "{", "}", "[", "]", '"', ":", ",", "\\", '"title"', '"abstract"', '"papers"', '"id"', "null", "1e5", "-0",
    "<?xml version='1.0'?>", "<feed>", "</feed>", "<entry>", "</entry>", "<title>", "</title>", "<summary>",
    "</summary>", "<id>", "</id>", "&amp;", "&bogus;", "<", ">", "/>", "<![CDATA[", "]]>",
    "@article{", "@string(", "@comment{", "(", ")", "=", "#", "title", "abstract", "author", " and ",
    "\t", "\n", "\r\n", "\r", " ", "\x00", "\x0b", "\u2028", "\ufeff", "é", "😀",
    "Subscribe", "Daily Papers", "new", "May 7", "Nov 7, 2024 3", "·", "  • 3 authors", "A Short Title",
    "word " * 45 + ".",
]
noise = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=60).map("".join)


def read_all(data: bytes, fmt: str | None, suffix: str) -> None:
    """Read `data` as a file: only KgErrors may escape; strict mode raises exactly when a Problem is seen."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        problems: list[Problem] = []
        try:
            papers = list(read_papers([path], format=fmt, on_problem=problems.append))
        except KgError:
            assert fmt is None  # only detecting the format may fail outright
            return
        for paper in papers:
            assert isinstance(paper, Paper) and paper.source.startswith(f"{path}:")
            assert paper.title.strip() or paper.abstract.strip()
            paper.abstract.encode("utf-8")  # no lone surrogates left
            paper.title.encode("utf-8")
            if fmt in ("listing", "text"):  # line-based formats: the text is a slice of the file
                text = data.decode("utf-8-sig", "surrogateescape")
                assert paper.title in text and paper.abstract in text
        assert all(isinstance(p, Problem) and p.source == str(path) for p in problems)
        try:
            strict = list(read_papers([path], format=fmt, strict=True))
        except InputError:
            assert problems
        else:
            assert not problems and strict == papers


@pytest.mark.parametrize("fmt", [*FORMATS, None])
@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes(fmt: str | None, data: bytes) -> None:
    read_all(data, fmt, SUFFIX.get(fmt or "", ""))


@pytest.mark.parametrize("fmt", [*FORMATS, None])
@settings(max_examples=50, deadline=None)
@given(text=noise, junk=st.binary(max_size=3))
def test_format_like_noise(fmt: str | None, text: str, junk: bytes) -> None:
    data = text.encode("utf-8")
    read_all(data[: len(data) // 2] + junk + data[len(data) // 2:], fmt, SUFFIX.get(fmt or "", ""))


names = st.from_regex(r"[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8}){0,2}", fullmatch=True)
papers = st.builds(
    Paper,
    id=st.text(min_size=1, max_size=20).filter(lambda s: s == s.strip() and s != ""),
    title=st.text(max_size=80),
    abstract=st.text(max_size=300),
    authors=st.lists(names, max_size=4).map(tuple),
    date=st.none() | st.dates().map(lambda d: d.isoformat()),
    categories=st.lists(st.from_regex(r"[a-z]{2,5}\.[A-Z]{2}", fullmatch=True), max_size=3).map(tuple),
    url=st.none() | st.from_regex(r"https://example\.org/[a-z0-9]{1,10}", fullmatch=True),
).filter(lambda p: bool(p.title.strip() or p.abstract.strip()))
paper_lists = st.lists(papers, max_size=8, unique_by=lambda p: p.id)


def read_back(name: str, data: bytes) -> tuple[Path, list[Paper]]:
    folder = Path(tempfile.mkdtemp())
    path = folder / name
    path.write_bytes(data)
    problems: list[Problem] = []
    result = list(read_papers([path], on_problem=problems.append))
    assert problems == []
    return path, result


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(written=paper_lists, ascii_only=st.booleans())
def test_jsonl_round_trip(written: list[Paper], ascii_only: bool) -> None:
    data = "".join(json.dumps(p.to_json(), ensure_ascii=ascii_only) + "\n" for p in written)
    path, result = read_back("papers.jsonl", data.encode("utf-8"))
    assert result == [replace(p, source=f"{path}:{n}") for n, p in enumerate(written, start=1)]


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(written=paper_lists)
def test_json_array_round_trip(written: list[Paper]) -> None:
    elements = [json.dumps(p.to_json(), ensure_ascii=False, indent=1) for p in written]
    data = "[\n" + ",\n".join(elements) + "\n]\n"
    path, result = read_back("papers.json", data.encode("utf-8"))
    starts = [2 + sum(e.count("\n") + 1 for e in elements[:n]) for n in range(len(elements))]
    assert result == [replace(p, source=f"{path}:{line}") for p, line in zip(written, starts, strict=True)]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "delimiter"), [("papers.csv", ","), ("papers.tsv", "\t")])
@settings(max_examples=50, deadline=None)
@given(written=paper_lists)
def test_csv_round_trip(name: str, delimiter: str, written: list[Paper]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["id", "title", "abstract", "authors", "date", "categories", "url"])
    starts = []
    for paper in written:
        text = out.getvalue()  # lines end at "\n", "\r\n" or a lone "\r"
        starts.append(text.count("\n") + text.count("\r") - text.count("\r\n") + 1)
        writer.writerow([paper.id, paper.title, paper.abstract, "; ".join(paper.authors), paper.date or "",
                         " ".join(paper.categories), paper.url or ""])
    path, result = read_back(name, out.getvalue().encode("utf-8"))
    assert result == [replace(p, source=f"{path}:{line}") for p, line in zip(written, starts, strict=True)]

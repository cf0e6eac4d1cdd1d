"""The CSV and TSV readers: header names, quoted multi-line cells, row lines, bad rows reported."""

from __future__ import annotations

import csv
import io
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


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    return path


def test_csv_fixture() -> None:
    papers, problems = collect(FIXTURES / "papers.csv")
    assert problems == []
    assert [p.id for p in papers][:2] == ["c-1", "c-2"]
    first, second, third = papers
    assert first.authors == ("Ann Lee", "Bo Chen") and first.date == "2022" and first.categories == ("cs.IR",)
    assert second.title == "Quoted, With Commas: A Title"
    assert second.abstract == 'A multi-line abstract.\nIt goes on for a second line, with "quotes" inside.'
    assert second.date == "2020-03" and second.categories == ("cs.CL", "cs.LG")
    assert third.id.startswith("p") and third.authors == () and third.date is None
    # a row's line is where it starts: the quoted abstract of c-2 takes two lines
    assert [p.source.rsplit(":", 1)[1] for p in papers] == ["2", "3", "5"]


def test_tsv_fixture_keeps_cells_as_they_are() -> None:
    papers, problems = collect(FIXTURES / "papers.tsv")
    assert problems == []
    assert [(p.id, p.title) for p in papers] == [("t-1", "Tabs Are Fine"), ("t-2", "  Leading Spaces Kept")]
    assert papers[0].abstract == "This abstract sits in a TSV file and mentions 3.5% gains."
    assert papers[0].date == "2019-05-02"


def test_header_names_are_case_insensitive_and_alternatives_work(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [["Paper_ID", "TITLE", "Summary", "Published", "Junk"],
                                          ["x1", "A Title", "An abstract.", "2024-02-29", "?"]])
    papers, _ = collect(path)
    got = [(p.id, p.title, p.abstract, p.date) for p in papers]
    assert got == [("x1", "A Title", "An abstract.", "2024-02-29")]


def test_bad_rows_are_reported_and_neighbours_survive(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(
        b"id,title,abstract\n"
        b"g1,Good One,Fine.\n"
        b"w,Too,Many,Fields\n"
        b"s,Too few\n"
        b"u,Bad \xc3 byte,Fine.\n"
        b"e,,\n"
        b"\n"
        b'm,"Multi\nline title",Fine.\n'
        b"g2,Good Two,Also fine.\n"
    )
    papers, problems = collect(path)
    assert [p.id for p in papers] == ["g1", "m", "g2"]
    assert papers[1].title == "Multi\nline title" and papers[2].source.endswith(":10")
    assert [(p.source, p.line) for p in problems] == [(str(path), n) for n in (3, 4, 5, 6)]
    assert problems[0].message == "row has 4 fields, header has 3"
    assert problems[1].message == "row has 2 fields, header has 3"
    assert "invalid UTF-8 byte 0xC3" in problems[2].message
    assert "neither title nor abstract" in problems[3].message


def test_header_without_text_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [["name", "body"], ["a", "b"]])
    papers, problems = collect(path)
    assert papers == []
    assert problems[0].line == 1 and "no title or abstract column" in problems[0].message
    with pytest.raises(InputError):
        list(read_papers([path], strict=True))


def test_huge_cell_and_control_characters(tmp_path: Path) -> None:
    huge = " ".join(["token"] * 100_000)
    odd = "nul\x00 bell\x07 \r\n crlf kept, \u2028 line separator"
    path = write_csv(tmp_path / "big.tsv", [["title", "abstract"], ["Huge", huge], ["Odd", odd]], "\t")
    papers, problems = collect(path)
    assert problems == []
    assert papers[0].abstract == huge and papers[1].abstract == odd


def test_bom_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffid,title,abstract\nb1,T,A.\n".encode())
    assert [p.id for p in collect(path)[0]] == ["b1"]


def test_strict_raises_on_the_first_bad_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", [["title", "abstract"], ["T", "A."], ["only one"]])
    with pytest.raises(InputError) as err:
        list(read_papers([path], strict=True))
    assert err.value.line == 3


def test_sniffing_without_extension(tmp_path: Path) -> None:
    comma = write_csv(tmp_path / "papers", [["id", "title", "abstract"], ["1", "T", "A, with a comma."]])
    assert detect_format(comma) == "csv"
    tab = write_csv(tmp_path / "papers2", [["id", "title", "abstract"], ["1", "T", "A."]], "\t")
    assert detect_format(tab) == "tsv"

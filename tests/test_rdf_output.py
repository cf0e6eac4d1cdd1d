"""QueryResult as a table, CSV, TSV and JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest

from kg.errors import FormatError
from kg.rdf.output import OutputFormat, format_result, format_table
from kg.rdf.query import QueryResult

RESULT = QueryResult(
    ["label", "papers", "value", "note"],
    [("CIFAR-10", 12, 92.3, None), ('a "b",\tc\nd', 3, 1.0, "長い")],
)


def test_table_is_aligned_with_numbers_on_the_right() -> None:
    assert format_table(RESULT).splitlines() == [
        "label         papers  value  note",
        "------------  ------  -----  ----",
        "CIFAR-10          12   92.3",
        'a "b",\\tc\\nd       3    1.0  長い',
    ]


def test_table_cuts_long_cells() -> None:
    text = format_table(QueryResult(["x"], [("y" * 100,)]), max_width=10)
    assert text.splitlines()[2] == "y" * 9 + "…"


def test_csv_round_trips() -> None:
    rows = list(csv.reader(io.StringIO(format_result(RESULT, "csv"))))
    assert rows[0] == RESULT.columns
    assert rows[2] == ['a "b",\tc\nd', "3", "1.0", "長い"]
    assert rows[1][3] == ""


def test_tsv_has_one_line_per_row() -> None:
    lines = format_result(RESULT, OutputFormat.TSV).splitlines()
    assert len(lines) == 3
    assert lines[2].split("\t") == ['a "b",\\tc\\nd', "3", "1.0", "長い"]


def test_json_is_a_list_of_objects() -> None:
    data = json.loads(format_result(RESULT, "json"))
    assert data[0] == {"label": "CIFAR-10", "papers": 12, "value": 92.3, "note": None}
    assert data[1]["label"] == 'a "b",\tc\nd'


def test_unknown_output_format() -> None:
    with pytest.raises(FormatError, match="unknown output format 'xml'; use table, csv, tsv, json"):
        format_result(RESULT, "xml")

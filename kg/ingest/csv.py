"""CSV and TSV files with a header row naming the columns (the names of `kg.ingest.records`).

Quoted cells may span lines (the file is read with ``newline=""``); a row is located by the physical
line it starts on. Cells are taken as they are: no stripping, so offsets into them hold.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from kg.errors import Problem
from kg.ingest.records import ABSTRACT_KEYS, TITLE_KEYS, paper_from_record
from kg.textio import Input, OnProblem, as_input, bad_text, open_lines
from kg.types import Paper

_FIELD_LIMIT = 2**31 - 1  # the default (131,072 characters) is less than a long abstract


def _read_delimited(path: str | Path | Input, on_problem: OnProblem, delimiter: str) -> Iterator[Paper]:
    inp = as_input(path)
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    with open_lines(inp, on_problem) as lines:
        rows = csv.reader(lines, delimiter=delimiter)
        header: list[str] | None = None
        while True:
            line = rows.line_num + 1
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as err:
                on_problem(Problem(inp.name, line, f"bad CSV: {err}"))
                continue
            if not row:
                continue
            if header is None:
                header = [name.strip().lower() for name in row]
                wrong = bad_text("".join(header))
                if wrong or not set(header) & set(TITLE_KEYS + ABSTRACT_KEYS):
                    message = f"header: {wrong}" if wrong else (
                        f"header has no title or abstract column (columns: {', '.join(header)})")
                    on_problem(Problem(inp.name, line, message))
                    return
                continue
            if len(row) != len(header):
                on_problem(Problem(inp.name, line, f"row has {len(row)} fields, header has {len(header)}"))
                continue
            paper = paper_from_record(dict(zip(header, row, strict=True)), inp.name, line, on_problem)
            if paper is not None:
                yield paper


def read_csv(path: str | Path | Input, on_problem: OnProblem) -> Iterator[Paper]:
    """Papers from a comma-separated file with a header; a row of the wrong width is reported and skipped."""
    return _read_delimited(path, on_problem, ",")


def read_tsv(path: str | Path | Input, on_problem: OnProblem) -> Iterator[Paper]:
    """Papers from a tab-separated file with a header (CSV quoting rules apply to quoted cells)."""
    return _read_delimited(path, on_problem, "\t")

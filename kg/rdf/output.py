"""Format a QueryResult for people (an aligned table) and for programs (CSV, TSV, JSON).

>>> from kg.rdf.query import QueryResult
>>> result = QueryResult(["dataset", "papers"], [("CIFAR-10", 12), ("ImageNet", 3)])
>>> print(format_result(result, "table"))
dataset   papers
--------  ------
CIFAR-10      12
ImageNet       3
"""

from __future__ import annotations

import csv
import enum
import io
import json
import math
import unicodedata

from kg.errors import FormatError
from kg.rdf.query import QueryResult, Value


class OutputFormat(enum.Enum):
    """How `kg query` prints its answer."""

    TABLE = "table"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"

    @classmethod
    def parse(cls, name: str | OutputFormat) -> OutputFormat:
        """The format called `name`.

        >>> OutputFormat.parse("xml")
        Traceback (most recent call last):
        ...
        kg.errors.FormatError: unknown output format 'xml'; use table, csv, tsv, json
        """
        if isinstance(name, OutputFormat):
            return name
        for fmt in cls:
            if fmt.value == str(name).strip().lower():
                return fmt
        raise FormatError(f"unknown output format '{name}'; use {', '.join(f.value for f in cls)}")


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _cell(value: Value) -> str:
    # One line per row: newlines and tabs inside values are shown escaped.
    return _text(value).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def _width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def format_table(result: QueryResult, *, max_width: int = 60) -> str:
    """An aligned text table with a header rule; numbers are right-aligned, long cells cut with "…".

    >>> print(format_table(QueryResult(["a"], [])))
    a
    -
    (no rows)
    """
    def cut(text: str) -> str:
        return text if _width(text) <= max_width else text[: max_width - 1] + "…"

    header = [cut(c) for c in result.columns]
    body = [[cut(_cell(v)) for v in row] for row in result.rows]
    def is_number(value: Value) -> bool:
        return value is None or (isinstance(value, int | float) and not isinstance(value, bool))

    numeric = [
        bool(result.rows) and all(is_number(row[i]) for row in result.rows) for i in range(len(header))
    ]
    widths = [max([_width(header[i])] + [_width(r[i]) for r in body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - _width(cell))
            parts.append(pad + cell if numeric[i] else cell + pad)
        return "  ".join(parts).rstrip()

    lines = [line(header), "  ".join("-" * w for w in widths)]
    lines.extend(line(r) for r in body)
    if not body:
        lines.append("(no rows)")
    return "\n".join(lines)


def _delimited(result: QueryResult, dialect: str) -> str:
    out = io.StringIO()
    if dialect == "tsv":
        out.write("\t".join(_cell(c) for c in result.columns) + "\n")
        for row in result.rows:
            out.write("\t".join(_cell(v) for v in row) + "\n")
        return out.getvalue()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_text(v) for v in row])
    return out.getvalue()


def format_csv(result: QueryResult) -> str:
    """CSV with a header row (RFC 4180 quoting; unbound values are empty).

    >>> print(format_csv(QueryResult(["a", "b"], [("x,y", None)])), end="")
    a,b
    "x,y",
    """
    return _delimited(result, "csv")


def format_tsv(result: QueryResult) -> str:
    """TSV with a header row; tabs, newlines and backslashes inside values are escaped (\\t, \\n, \\\\).

    >>> format_tsv(QueryResult(["a"], [("x\\ty",)]))
    'a\\nx\\\\ty\\n'
    """
    return _delimited(result, "tsv")


def format_json(result: QueryResult) -> str:
    """A JSON list of objects, one per row, keyed by column (unbound values are null).

    >>> format_json(QueryResult(["a", "n"], [("x", 1)]))
    '[\\n  {\\n    "a": "x",\\n    "n": 1\\n  }\\n]'
    """
    rows = [
        {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
        for row in result.as_dicts()
    ]
    return json.dumps(rows, ensure_ascii=False, indent=2)


def format_result(result: QueryResult, format: OutputFormat | str = OutputFormat.TABLE) -> str:
    """The result in one of the output formats ("table", "csv", "tsv", "json")."""
    fmt = OutputFormat.parse(format)
    if fmt is OutputFormat.TABLE:
        return format_table(result)
    if fmt is OutputFormat.CSV:
        return format_csv(result)
    if fmt is OutputFormat.TSV:
        return format_tsv(result)
    return format_json(result)

"""JSON Lines: one JSON object per line, read one line at a time (the streaming path for JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from kg.errors import Problem
from kg.ingest.records import json_type, paper_from_record
from kg.textio import Input, OnProblem, as_input, open_lines
from kg.types import Paper


def read_jsonl(path: str | Path | Input, on_problem: OnProblem) -> Iterator[Paper]:
    """Papers from a JSON Lines file; blank lines are skipped, a bad line is reported and skipped.

    Field names are those of `kg.ingest.records` (the arXiv metadata snapshot, Semantic Scholar,
    `Paper.to_json`); `Paper.source` is "file:line".
    """
    inp = as_input(path)
    with open_lines(inp, on_problem) as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                on_problem(Problem(inp.name, number, f"bad JSON: {err.msg} at column {err.colno}"))
                continue
            except RecursionError:
                on_problem(Problem(inp.name, number, "bad JSON: nested too deeply"))
                continue
            if not isinstance(record, dict):
                on_problem(Problem(inp.name, number, f"expected a JSON object, got {json_type(record)}"))
                continue
            paper = paper_from_record(record, inp.name, number, on_problem)
            if paper is not None:
                yield paper

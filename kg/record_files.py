"""Extraction records as text: one record's JSON (what the build cache stores and worker processes
send back) and JSONL files of them (what `kg extract` writes and `kg build --records` reads)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kg.atomic import atomic_write
from kg.ingest.records import json_type
from kg.jsonl import read_jsonl
from kg.types import Extraction


def record_text(record: Extraction) -> str:
    """An extraction record in the form the cache stores it: the JSON of `Extraction.to_json`.

    >>> record_text(Extraction("p1"))
    '{"id": "p1", "entities": [], "claims": []}'
    """
    return json.dumps(record.to_json(), ensure_ascii=False)


def read_record(text: str) -> Extraction:
    """The extraction record of its stored form (`record_text`).

    >>> read_record(record_text(Extraction("p1"))) == Extraction("p1")
    True
    """
    return Extraction.from_json(json.loads(text))


def read_records(path: str | Path) -> Iterator[Extraction]:
    """Extraction records from a JSONL file that `kg extract` (or `write_records`) wrote.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "records.jsonl"
    >>> write_records([Extraction("p1"), Extraction("p2")], path)
    2
    >>> [r.paper_id for r in read_records(path)]
    ['p1', 'p2']
    """
    return read_jsonl(path, _record, what="extraction record")


def _record(obj: Any) -> Extraction:
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object with an 'id', got {json_type(obj)}")
    return Extraction.from_json(obj)


def write_records(records: Iterable[Extraction], path: str | Path) -> int:
    """Writes extraction records as JSONL (atomically); returns how many."""
    n = 0
    with atomic_write(path) as out:
        for record in records:
            out.write(record_text(record) + "\n")
            n += 1
    return n

"""The build cache: papers and their extraction records in SQLite, keyed by content and pipeline.

A record is reused when the paper's id, title and abstract and the pipeline fingerprint (pipeline
version, knowledge base, model) are the same, so rebuilding or extending a graph never extracts a
paper twice, and changing the pipeline invalidates every record. Each batch is committed as soon as
it is extracted, so an interrupted build loses nothing already done: the next run resumes.
SQLite is a real embedded database: atomic commits, one writer at a time, readable while written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Container, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.record_files import read_record
from kg.types import Extraction, Paper

SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    key TEXT PRIMARY KEY,
    json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def record_key(paper: Paper, fingerprint: str) -> str:
    """The cache key of a paper's extraction: its content and the pipeline fingerprint.

    >>> a = record_key(Paper("p", "T", "A"), "v1")
    >>> a == record_key(Paper("p", "T", "A", source="elsewhere"), "v1"), a == record_key(Paper("p", "T", "A"), "v2")
    (True, False)
    """
    digest = hashlib.sha256()
    for part in (fingerprint, paper.id, paper.title, paper.abstract):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


PIPELINES = ("default", "fast")
"""The names of the extraction pipelines (`kg.extract.PIPELINES`), known here without importing spaCy;
`tests/test_build.py` checks that the two agree."""


def pipeline_fingerprint(pipeline: str) -> str:
    """What an extraction record depends on besides the paper: pipeline version and name, knowledge
    base, and (but for the rules-only "fast" pipeline) every file of the trained tagger.

    Changing any of them changes the fingerprint, so cached records of the old pipeline are not reused.

    >>> pipeline_fingerprint("fast") != pipeline_fingerprint("default")
    True
    """
    from kg.extract import PIPELINE_VERSION
    from kg.knowledge_base import packaged_kb_files

    digest = hashlib.sha256(f"{PIPELINE_VERSION}|{pipeline}".encode())
    for file in packaged_kb_files():
        digest.update(file.read_bytes())
    if pipeline != "fast":
        from kg.extract.tagger import shipped_model

        model = shipped_model()
        for file in sorted(model.rglob("*")) if model.is_dir() else []:
            if file.is_file():  # every file of the model: a retrained model invalidates the cache
                digest.update(file.relative_to(model).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


class BuildCache:
    """Papers and extraction records of a build folder, in `<folder>/cache.sqlite`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=2.0)
            self.db.executescript(SCHEMA)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            # records arrive by the hundred megabytes: checkpoint (and fsync) every 32 MB of log rather
            # than every 4 MB, with a 32 MB page cache (storing 100k records: 4.9 s -> 3.4 s)
            self.db.execute("PRAGMA wal_autocheckpoint=8192")
            self.db.execute("PRAGMA cache_size=-32768")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise KgError(f"{self.path}: the build cache is in use by another kg process; "
                              "wait for it or build into another folder") from None
            raise KgError(f"{self.path}: cannot open the build cache: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise KgError(f"{self.path}: not a kg build cache ({exc}); delete it to start afresh") from None

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction; a failed write (a full disk, a read-only or vanished file) is a KgError.

        Every batch committed before stays in the cache, so a rerun resumes from it; a build writes
        its outputs after storing the papers and records, so a full disk there leaves them as they were.
        """
        try:
            with self.db:
                yield
        except sqlite3.Error as exc:
            raise KgError(f"{self.path}: cannot write the build cache: {exc}; "
                          "what was stored before is kept, and a rerun resumes from it") from None

    def __enter__(self) -> BuildCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, name: str, value: str) -> None:
        with self._writing():
            self.db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))

    def put_papers(self, papers: Sequence[tuple[Paper, str]]) -> None:
        """Stores papers with their record keys (a paper read again replaces its older version)."""
        with self._writing():
            self.db.executemany("INSERT INTO papers (id, key, json) VALUES (?, ?, ?) "
                                "ON CONFLICT(id) DO UPDATE SET key = excluded.key, json = excluded.json",
                                [(p.id, key, json.dumps(p.to_json(), ensure_ascii=False)) for p, key in papers])

    def put_record_texts(self, items: Iterable[tuple[str, str]]) -> None:
        """Stores records already in their stored form (`record_text`) under their keys, in one
        transaction: what extraction workers send back is stored without being decoded and encoded again."""
        with self._writing():
            self.db.executemany("INSERT OR REPLACE INTO records (key, json) VALUES (?, ?)", items)

    def paper_ids(self) -> list[str]:
        """Every paper id in the cache, in the order they were first stored."""
        return [r[0] for r in self.db.execute("SELECT id FROM papers ORDER BY rowid")]

    def entries(self, ids: Sequence[str], *,
                skip: Container[str] = ()) -> Iterator[tuple[Paper, str, Extraction | None]]:
        """The papers with these ids, in this order, with their record key and cached record (or None).

        The records of papers whose id is in `skip` are not read (None): a caller that holds them
        already saves decoding them again.
        """
        for paper_json, key, text in self._rows(ids, "p.json, p.key, r.json", ""):
            paper = Paper.from_json(json.loads(paper_json))
            yield paper, key, read_record(text) if text is not None and paper.id not in skip else None

    def missing(self, ids: Sequence[str]) -> Iterator[tuple[Paper, str]]:
        """The papers with these ids that have no cached record, in this order, with their record key.

        Only those rows are read and decoded, so finding nothing to extract in a large build is cheap.
        """
        for paper_json, key in self._rows(ids, "p.json, p.key", "AND r.key IS NULL"):
            yield Paper.from_json(json.loads(paper_json)), key

    def _rows(self, ids: Sequence[str], columns: str, where: str) -> Iterator[tuple[Any, ...]]:
        """`columns` of papers joined with their records, for these ids in this order, read 500 at a time."""
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = {r[0]: r[1:] for r in self.db.execute(
                f"SELECT p.id, {columns} FROM papers p LEFT JOIN records r ON r.key = p.key "
                f"WHERE p.id IN ({marks}) {where}", chunk)}
            yield from (rows[pid] for pid in chunk if pid in rows)

    def keys(self, ids: Sequence[str]) -> Iterator[str]:
        """The record keys of the papers with these ids, in this order."""
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = dict(self.db.execute(f"SELECT id, key FROM papers WHERE id IN ({marks})", chunk).fetchall())
            yield from (rows[pid] for pid in chunk if pid in rows)

    def count_records(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM records").fetchone()[0])

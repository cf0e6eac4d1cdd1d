"""`read_papers`: every input, in order, through the reader of its format, each paper once."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kg.errors import FormatError, InputError, Problem
from kg.ingest.atom import read_atom
from kg.ingest.bibtex import read_bibtex
from kg.ingest.csv import read_csv, read_tsv
from kg.ingest.detect import FORMATS, detect_input
from kg.ingest.jsondoc import read_json
from kg.ingest.jsonl import read_jsonl
from kg.ingest.listing import read_listing
from kg.ingest.text import read_text
from kg.textio import Input, OnProblem, as_input
from kg.types import Paper

Reader = Callable[[str | Path | Input, OnProblem], Iterator[Paper]]

READERS: dict[str, Reader] = {
    "listing": read_listing,
    "jsonl": read_jsonl,
    "json": read_json,
    "csv": read_csv,
    "tsv": read_tsv,
    "atom": read_atom,
    "bibtex": read_bibtex,
    "text": read_text,
}


def _identity(path: str | Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _files(root: Path, seen: set[Path], skip: frozenset[tuple[int, int]] = frozenset()) -> Iterator[Path]:
    """The files under a directory, sorted by name, recursively, hidden files and folders skipped,
    and so are those in `skip` (device and inode: the command's own outputs)."""
    real = root.resolve()
    if real in seen:  # a symbolic link back up the tree
        return
    seen.add(real)
    try:
        entries = sorted(root.iterdir(), key=lambda entry: entry.name)
    except OSError as err:
        raise InputError(f"cannot list directory: {err.strerror or err}", source=str(root)) from err
    for entry in entries:
        if entry.name.startswith(".") or (skip and _identity(entry) in skip):
            continue
        if entry.is_dir():
            yield from _files(entry, seen, skip)
        elif entry.is_file():
            yield entry


def _inputs(paths: list[str | Path], skip: frozenset[tuple[int, int]]) -> Iterator[tuple[Input, bool]]:
    """Each input to read, and whether it was named explicitly (rather than found in a directory)."""
    for path in paths:
        if str(path) != "-" and Path(path).is_dir():
            for file in _files(Path(path), set(), skip):
                yield as_input(file), False
        else:
            yield as_input(path), True


def _digest(paper: Paper) -> int:
    """64 bits of a hash of the title and abstract, to tell a repeat from a conflicting duplicate."""
    text = f"{paper.title}\n{paper.abstract}".encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def _papers(paths: list[str | Path], format: str | None, report: OnProblem,
            skip: frozenset[tuple[int, int]] = frozenset()) -> Iterator[Paper]:
    # Per seen id one int: the text digest, the file's index in `files` and the line, packed.
    seen: dict[str, int] = {}
    files: list[str] = []
    for inp, explicit in _inputs(paths, skip):
        name = format
        if name is None:
            try:
                name = detect_input(inp)
            except InputError as err:
                if explicit:
                    raise
                report(Problem(inp.name, None, err.detail))
                continue
        files.append(inp.name)
        try:
            for paper in READERS[name](inp, report):
                line = int(paper.source.rpartition(":")[2])
                digest = _digest(paper)
                first = seen.get(paper.id)
                if first is None:
                    seen[paper.id] = digest << 64 | (len(files) - 1) << 40 | line
                    yield paper
                elif first >> 64 != digest:
                    where = f"{files[(first >> 40) & 0xFFFFFF]}:{first & 0xFFFFFFFFFF}"
                    report(Problem(inp.name, line, f"duplicate id {paper.id!r} with a different title or "
                                                   f"abstract, first seen at {where}"))
        except OSError as err:
            raise InputError(f"cannot read: {err.strerror or err}", source=inp.name) from err


def read_papers(paths: Iterable[str | Path], *, format: str | None = None,
                on_problem: Callable[[Problem], None] | None = None, strict: bool = False,
                skip: Iterable[str | Path] = ()) -> Iterator[Paper]:
    """The papers of every input, streamed in input order, each id once.

    `paths` are files, directories (every file inside, sorted, recursively, hidden ones skipped) or
    ``"-"`` for stdin. `format` is one of `FORMATS`, or None to detect it per file (`detect_format`).
    A bad record is skipped and reported to `on_problem` as a `Problem` (file and line), or raised as
    `InputError` when `strict`; a file that is missing or cannot be read always raises `InputError`.
    A file inside a directory whose format cannot be told is a Problem; a file named explicitly raises.

    Duplicates: a paper whose id was seen before is skipped. When its title and abstract are the same
    as the first one's it is skipped silently (the same paper saved twice); when they differ it is
    reported, since one id then names two texts. The first one read always wins. Memory is constant
    in the size of the input apart from the table of seen ids.

    Text is never altered: control characters, LaTeX residue and odd Unicode are kept as given.

    `skip` names files and folders never read inside an input folder: the command's own outputs
    (`kg extract papers/ -o papers/records.jsonl` does not read its previous records as papers).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "a.jsonl"
    ...     _ = path.write_text('{"id": "x1", "title": "T", "abstract": "A."}\\n')
    ...     print([p.id for p in read_papers([path, folder])])  # the folder holds the same paper
    ['x1']
    """
    if format is not None and format not in READERS:
        raise FormatError(f"unknown format {format!r}; use one of: {', '.join(FORMATS)}")
    paths = list(paths)
    for path in paths:
        if str(path) != "-" and not Path(path).exists():
            raise InputError("no such file or directory", source=str(path))

    def report(problem: Problem) -> None:
        if on_problem is not None:
            on_problem(problem)
        if strict:
            raise problem.as_error()

    skipped = frozenset(i for i in map(_identity, skip) if i is not None)
    return _papers(paths, format, report, skipped)

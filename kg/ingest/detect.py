"""Which reader a file needs: from its extension, else from its first bytes."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from kg.errors import InputError
from kg.ingest.jsondoc import WRAPPER_KEYS
from kg.ingest.listing import ABSTRACT_MIN_WORDS, CHROME, GLUED_CHROME, is_chrome
from kg.ingest.records import ABSTRACT_KEYS, TITLE_KEYS
from kg.textio import HEAD_SIZE, Input, as_input, decode_head, read_head

FORMATS = ("listing", "jsonl", "json", "csv", "tsv", "atom", "bibtex", "text")
EXTENSIONS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
    ".xml": "atom", ".atom": "atom",
    ".bib": "bibtex", ".bibtex": "bibtex",
}
_BIB_ENTRY = re.compile(r"^[ \t]*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
_TEXT_COLUMNS = frozenset(TITLE_KEYS + ABSTRACT_KEYS)


def unknown_format(name: str) -> InputError:
    """The error for a file whose format cannot be told."""
    return InputError(f"unknown format; use --format with one of: {', '.join(FORMATS)}", source=name)


def json_kind(text: str, complete: bool) -> str:
    """"jsonl" when the first line is a whole JSON object holding one paper, else "json".

    >>> json_kind('{"title": "A"}\\n{"title": "B"}\\n', True), json_kind('[\\n{"title": "A"}]', True)
    ('jsonl', 'json')
    """
    text = text.lstrip()
    first, newline, _ = text.partition("\n")
    if not text.startswith("{") or not (newline or complete):
        return "json"
    try:
        value = json.loads(first)
    except (ValueError, RecursionError):
        return "json"
    if not isinstance(value, dict):
        return "json"
    wrapper = any(str(k).lower() in WRAPPER_KEYS and isinstance(v, list) for k, v in value.items())
    return "json" if wrapper else "jsonl"


def looks_like_listing(text: str) -> bool:
    """Whether text starts like a saved listing page: page chrome, or a short title line followed by a
    long abstract line.

    >>> looks_like_listing("Daily Papers\\n\\nA Title\\n")
    True
    >>> looks_like_listing("We study things. " * 30 + "\\n\\nMore text.\\n")
    False
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()][:12]
    if any(line in CHROME or line.startswith(GLUED_CHROME) for line in lines[:6]):
        return True
    if len(lines) < 2 or not (0 < len(lines[0].split()) <= 35) or lines[0].endswith("."):
        return False
    return not is_chrome(lines[0]) and len(lines[1].split()) >= ABSTRACT_MIN_WORDS


def _header_format(line: str) -> str | None:
    for delimiter, name in (("\t", "tsv"), (",", "csv")):
        if delimiter in line:
            try:
                columns = next(csv.reader([line], delimiter=delimiter), [])
            except csv.Error:
                return None
            if _TEXT_COLUMNS & {c.strip().lower() for c in columns}:
                return name
    return None


def sniff(text: str, complete: bool = True) -> str | None:
    """The format the start of a file shows, or None; `complete` says `text` is the whole file.

    >>> sniff('<?xml version="1.0"?><feed/>'), sniff("id,title,abstract\\n1,A,B\\n"), sniff("hello")
    ('atom', 'csv', None)
    """
    text = text.lstrip("\ufeff")
    start = text.lstrip()
    if start.startswith("{"):
        return json_kind(start, complete)
    if start.startswith("["):
        return "json"
    if start.startswith("<?xml") or start.startswith("<feed"):
        return "atom"
    header = _header_format(re.split(r"[\r\n]", start, maxsplit=1)[0])
    if header:
        return header
    if _BIB_ENTRY.search(text):
        return "bibtex"
    if looks_like_listing(text):
        return "listing"
    return None


def detect_input(inp: Input) -> str:
    """The format of an input (file or stdin): see `detect_format`."""
    suffix = inp.path.suffix.lower() if inp.path is not None else ""
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    head = read_head(inp)
    text = decode_head(head).lstrip("\ufeff")
    complete = len(head) < HEAD_SIZE
    if suffix == ".json":
        return json_kind(text, complete)
    if suffix in (".txt", ".text"):
        return "listing" if looks_like_listing(text) else "text"
    found = sniff(text, complete)
    if found is None:
        raise unknown_format(inp.name)
    return found


def detect_format(path: Path) -> str:
    """The format of a file: by extension (.jsonl .ndjson .csv .tsv .tab .xml .atom .bib), by extension
    and content (.json is "jsonl" when its first line is a whole paper object, as in the arXiv snapshot;
    .txt is "listing" when it looks like a saved listing page, else "text"), else by sniffing the first
    bytes. Raises `InputError` when the file cannot be read or its format cannot be told.

    >>> detect_format(Path("papers.jsonl")), detect_format(Path("refs.bib"))
    ('jsonl', 'bibtex')
    """
    return detect_input(as_input(path))

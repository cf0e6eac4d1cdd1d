"""Turning one input record (a JSON object, a CSV row) into a `Paper`, whatever its field names.

Field names are matched case-insensitively against the common spellings of arXiv, Semantic Scholar
and hand-made files; unknown fields are ignored. Metadata that cannot be understood (an author list of
an odd shape, a date in an unknown format) never costs the paper: it is dropped or kept as given.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from kg.errors import Problem
from kg.ingest.ids import paper_id
from kg.textio import OnProblem, bad_text
from kg.types import Paper

ID_KEYS = ("id", "paper_id", "paperid", "arxiv_id", "arxivid", "doi")
TITLE_KEYS = ("title",)
ABSTRACT_KEYS = ("abstract", "summary", "paperabstract", "abstracttext")
AUTHOR_KEYS = ("authors_parsed", "authors", "author")
DATE_KEYS = ("date", "published", "publication_date", "update_date", "year")
CATEGORY_KEYS = ("categories", "category")
URL_KEYS = ("url", "link")
KNOWN_KEYS = frozenset(ID_KEYS + TITLE_KEYS + ABSTRACT_KEYS + AUTHOR_KEYS + DATE_KEYS + CATEGORY_KEYS
                       + URL_KEYS)


def _first(record: Mapping[str, Any], keys: Iterable[str]) -> tuple[str, Any]:
    """The first of `keys` that has a value other than None or ""; ("", None) when none has."""
    for key in keys:
        value = record.get(key)
        if value is not None and value != "":
            return key, value
    return "", None


def _text(record: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    """The field as is ("" when absent); None when it is not a string."""
    _, value = _first(record, keys)
    if value is None:
        return ""
    return value if isinstance(value, str) else None


_AUTHOR_SEP = re.compile(r"[(),;]|\band\b")


def split_authors(text: str) -> tuple[str, ...]:
    """Names from "A, B and C" (the arXiv form) or "A; B"; text in parentheses stays with its name.

    >>> split_authors("Ann Lee, Bo Chen (MIT, USA), and C. Diaz")
    ('Ann Lee', 'Bo Chen (MIT, USA)', 'C. Diaz')
    >>> split_authors("Lee, Ann; Chen, Bo")
    ('Lee, Ann', 'Chen, Bo')
    """
    separators = ";" if ";" in text else ",;"
    names: list[str] = []
    depth = 0
    start = 0
    for match in _AUTHOR_SEP.finditer(text):
        token = match.group()
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and (token in separators or (token == "and" and ";" not in text)):
            names.append(text[start:match.start()])
            start = match.end()
    names.append(text[start:])
    return tuple(" ".join(name.split()) for name in names if name.strip())


def _author_name(item: Any) -> str:
    if isinstance(item, str):
        return " ".join(item.split())
    if isinstance(item, Mapping):
        name = item.get("name")
        if isinstance(name, str):
            return " ".join(name.split())
        parts = [item.get(k) for k in ("first", "given", "last", "family")]
        return " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    if isinstance(item, list):  # arXiv authors_parsed: [last, first, suffix]
        parts = [item[i] for i in (1, 0, 2) if i < len(item)]
        return " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return ""


def parse_authors(value: Any) -> tuple[str, ...]:
    """Author names from a string, a list of strings, of {"name": ...} or of arXiv [last, first]."""
    if isinstance(value, str):
        return split_authors(value)
    if isinstance(value, list):
        return tuple(name for name in map(_author_name, value) if name)
    return ()


_ISO = re.compile(r"(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?(?!\d)")
_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%b %Y", "%B %Y")


def normalise_date(value: Any) -> str | None:
    """An ISO date ("2024-11-07", "2024-11" or "2024") when `value` reads as one, else the text as given.

    >>> normalise_date("2024-01-03T18:59:59Z"), normalise_date("Nov 7, 2024"), normalise_date(2019)
    ('2024-01-03', '2024-11-07', '2019')
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    if not text:
        return None
    iso = _ISO.match(text)
    if iso:
        year, month, day = iso.groups()
        if month is None:
            return year
        if not 1 <= int(month) <= 12:
            return text
        return f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.strftime("%Y-%m-%d" if "%d" in fmt else "%Y-%m")
    try:
        return email.utils.parsedate_to_datetime(text).strftime("%Y-%m-%d")
    except (TypeError, ValueError, IndexError):
        return text


def parse_categories(value: Any) -> tuple[str, ...]:
    """Categories from "cs.CL cs.LG" (spaces, commas or semicolons) or a list of strings."""
    if isinstance(value, str):
        return tuple(c for c in re.split(r"[\s,;]+", value) if c)
    if isinstance(value, list):
        return tuple(c.strip() for c in value if isinstance(c, str) and c.strip())
    return ()


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages.

    >>> json_type([]), json_type(None), json_type(1.5)
    ('array', 'null', 'number')
    """
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _id(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def check_paper(paper: Paper, name: str, line: int | None, on_problem: OnProblem) -> Paper | None:
    """`paper` when it has some text and no undecodable bytes; else report why and return None."""
    if not paper.title.strip() and not paper.abstract.strip():
        on_problem(Problem(name, line, "record has neither title nor abstract"))
        return None
    fields = {"id": paper.id, "title": paper.title, "abstract": paper.abstract, "date": paper.date or "",
              "url": paper.url or "", "authors": "".join(paper.authors),
              "categories": "".join(paper.categories)}
    for field, text in fields.items():
        wrong = bad_text(text)
        if wrong:
            on_problem(Problem(name, line, f"{wrong} in {field}"))
            return None
    return paper


def paper_from_record(record: Mapping[str, Any], name: str, line: int, on_problem: OnProblem) -> Paper | None:
    """The paper a record describes, or None (after reporting a Problem) when it holds no usable paper."""
    fields = {str(k).lower(): v for k, v in record.items() if str(k).lower() in KNOWN_KEYS}
    title = _text(fields, TITLE_KEYS)
    abstract = _text(fields, ABSTRACT_KEYS)
    for field, value in (("title", title), ("abstract", abstract)):
        if value is None:
            on_problem(Problem(name, line, f"{field} is not a string"))
            return None
    assert title is not None and abstract is not None
    given_id = _id(_first(fields, ID_KEYS)[1])
    url = _first(fields, URL_KEYS)[1]
    paper = Paper(
        id=given_id or paper_id(title, abstract),
        title=title,
        abstract=abstract,
        source=f"{name}:{line}",
        authors=parse_authors(_first(fields, AUTHOR_KEYS)[1]),
        date=normalise_date(_first(fields, DATE_KEYS)[1]),
        categories=parse_categories(_first(fields, CATEGORY_KEYS)[1]),
        url=(url.strip() or None) if isinstance(url, str) else None,
    )
    return check_paper(paper, name, line, on_problem)

"""Atom feeds as the arXiv API returns them: one paper per ``<entry>``.

The document is fed to an `xml.etree.ElementTree.XMLPullParser` (the parser behind ``iterparse``)
one line at a time, which gives each entry the line it starts on; every entry is dropped from the tree
once read, so memory stays constant. A malformed document is one Problem at the parser's line and
column, and reading stops there with the entries before it kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from kg.errors import Problem
from kg.ingest.ids import paper_id
from kg.ingest.records import check_paper, normalise_date
from kg.textio import Input, OnProblem, as_input, open_binary, sniff_encoding, text_stream
from kg.types import Paper

_ARXIV_ABS = re.compile(r"^https?://(?:export\.)?arxiv\.org/abs/")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _entry_paper(entry: Element, name: str, line: int, on_problem: OnProblem) -> Paper | None:
    """The paper of one ``<entry>``: id, title, summary, authors, published date, categories, link."""
    first: dict[str, Element] = {}
    authors: list[str] = []
    categories: list[str] = []
    url = None
    for child in entry:
        tag = _local(child.tag)
        first.setdefault(tag, child)
        if tag == "author":
            author = " ".join(_text(next((c for c in child if _local(c.tag) == "name"), None)).split())
            if author:
                authors.append(author)
        elif tag == "category" and child.get("term") and child.get("term") not in categories:
            categories.append(str(child.get("term")))
        elif tag == "link" and child.get("rel", "alternate") == "alternate" and url is None:
            url = child.get("href")
    title = _text(first.get("title"))
    abstract = _text(first.get("summary", first.get("content")))
    given = _ARXIV_ABS.sub("", _text(first.get("id")))
    date = normalise_date(_text(first.get("published", first.get("updated"))))
    paper = Paper(id=given or paper_id(title, abstract), title=title, abstract=abstract,
                  source=f"{name}:{line}", authors=tuple(authors), date=date, categories=tuple(categories),
                  url=url or (_text(first.get("id")) if given.startswith("http") else None))
    return check_paper(paper, name, line, on_problem)


def _pieces(raw: BinaryIO) -> Iterator[tuple[int, bytes | str]]:
    """The document in pieces of at most a line (and at most 1 MiB), each with its line number.

    UTF-8 is fed as bytes (the parser decodes it, as the XML declaration says); UTF-16 and UTF-32
    (`sniff_encoding`) are decoded here and fed as text, so lines are counted on characters.
    """
    encoding, _ = sniff_encoding(raw.peek(1024)[:1024] if hasattr(raw, "peek") else b"")
    stream: Any = raw if encoding == "utf-8" else text_stream(raw)
    number = 1
    while piece := stream.readline(1 << 20):
        yield number, piece
        if piece.endswith(b"\n" if isinstance(piece, bytes) else "\n"):
            number += 1


def read_atom(path: str | Path | Input, on_problem: OnProblem) -> Iterator[Paper]:
    """Papers from an Atom feed; arXiv ids lose their ``http://arxiv.org/abs/`` prefix ("2401.01234v2").

    Title and summary are the element text with entities decoded and outer white space stripped; the
    line breaks and indentation inside them are kept as they are.
    """
    inp = as_input(path)
    parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
    stack: list[Element] = []
    starts: list[int] = []
    number = 0
    with open_binary(inp) as raw_stream:
        try:
            for number, raw in _pieces(raw_stream):
                parser.feed(raw)
                for item in parser.read_events():
                    event, element = item[0], item[-1]
                    if not isinstance(element, Element):
                        continue
                    if event == "start":
                        stack.append(element)
                        if _local(element.tag) == "entry":
                            starts.append(number)
                        continue
                    stack.pop()
                    if _local(element.tag) != "entry":
                        continue
                    paper = _entry_paper(element, inp.name, starts.pop(), on_problem)
                    if stack:
                        stack[-1].remove(element)
                    element.clear()
                    if paper is not None:
                        yield paper
            parser.close()
        except ParseError as err:
            line = err.position[0] if err.position else number
            on_problem(Problem(inp.name, line, f"malformed XML: {err}"))

"""How much of one paper's text is extracted: at most `MAX_TEXT_CHARS` characters of each field.

An abstract is rarely over 10,000 characters (the longest of ../shared/gold has 2,352), and a
full paper pasted as an abstract has 40,000-100,000. spaCy's memory grows with the text: measured
by `python -m benchmarks.long_text_bench` (one paper, peak RSS over the pipeline's own), the default
pipeline takes 0.09 s and 5 MB for 10,000 characters, 0.46 s and 62 MB for 100,000, and 8.9 s and
662 MB for 1,000,000 (the rules-only pipeline 0.3 s / 6 MB and 4.9 s / 100 MB); at spaCy's own
limit of 1,000,000 characters per Doc kg's default was 5,000,000, about 1 GB per paper, and one
text over it ended the whole build. So each field is extracted from its first `MAX_TEXT_CHARS`
characters, cut at the last space before the limit: the paper stays in the graph with every field
as written, the names and results of its beginning (where a paper names its methods, datasets and
results) are found, every offset of its record still points into the original text (it is a
prefix), and the reader is told once, with `file:line`. Skipping the paper instead would drop it
and its metadata from the graph for a text that is merely long.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from kg.errors import Problem
from kg.types import FIELDS, MAX_TEXT_CHARS, Paper

_CUT_WINDOW = 1000  # how far back from the limit a space is looked for


def text_limit(text: str, limit: int | None = None) -> int:
    """How many characters of `text` are extracted: all of them, or up to the last space before `limit`.

    >>> text_limit("short")
    5
    >>> text_limit("aaa bbb ccc", limit=9)
    7
    >>> text_limit("a" * 20, limit=9)
    9
    """
    limit = MAX_TEXT_CHARS if limit is None else limit
    if len(text) <= limit:
        return len(text)
    cut = text.rfind(" ", max(0, limit - _CUT_WINDOW), limit + 1)
    return cut if cut > 0 else limit


def extracted_part(paper: Paper, limit: int | None = None) -> Paper:
    """`paper` with each field cut to what is extracted (the same object when nothing is cut)."""
    title, abstract = paper.title[:text_limit(paper.title, limit)], paper.abstract[:text_limit(paper.abstract, limit)]
    if len(title) == len(paper.title) and len(abstract) == len(paper.abstract):
        return paper
    return Paper(paper.id, title, abstract, paper.source, paper.authors, paper.date, paper.categories, paper.url)


def is_cut(paper: Paper, limit: int | None = None) -> bool:
    """Whether a field of `paper` is longer than what is extracted of it."""
    limit = MAX_TEXT_CHARS if limit is None else limit
    return len(paper.title) > limit or len(paper.abstract) > limit


def warn_long(papers: Iterable[Paper], on_problem: Callable[[Problem], None] | None,
              limit: int | None = None) -> Iterator[Paper]:
    """`papers` unchanged, reporting to `on_problem` each one of which only a part will be extracted.

    >>> seen = []
    >>> p = Paper(id="p", title="", abstract="word " * 30, source="a.jsonl:7")
    >>> [q.id for q in warn_long([p], seen.append, limit=100)], str(seen[0])
    (['p'], 'a.jsonl:7: abstract has 150 characters: only its first 99 are extracted (the paper is kept)')
    """
    limit = MAX_TEXT_CHARS if limit is None else limit
    for paper in papers:
        if on_problem is not None and is_cut(paper, limit):
            for field in FIELDS:
                text = paper.text(field)
                if len(text) > limit:
                    source, line = _where(paper)
                    on_problem(Problem(source, line, f"{field} has {len(text):,} characters: only its first "
                                       f"{text_limit(text, limit):,} are extracted (the paper is kept)",
                                       skipped=False))
        yield paper


def _where(paper: Paper) -> tuple[str, int | None]:
    """The file and line of `paper.source` ("file:line")."""
    source, _, line = paper.source.rpartition(":")
    if source and line.isdigit():
        return source, int(line)
    return paper.source or f"paper {paper.id}", None

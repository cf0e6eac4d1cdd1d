"""Plain text: one abstract per paragraph, paragraphs separated by blank lines; titles are empty."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from pathlib import Path

from kg.errors import Problem
from kg.ingest.ids import paper_id
from kg.textio import Input, OnProblem, as_input, bad_text, open_lines, strip_newline
from kg.types import Paper


def read_text(path: str | Path | Input, on_problem: OnProblem) -> Iterator[Paper]:
    """Papers with an empty title, one per paragraph; the abstract is the paragraph exactly as written,
    inner line breaks included, without the final line break. The id is ``paper_id("", abstract)``.
    """
    inp = as_input(path)
    with open_lines(inp, on_problem) as lines:
        paragraph: list[str] = []
        start = 0
        for number, line in enumerate(chain(lines, [""]), start=1):
            if line.strip():
                if not paragraph:
                    start = number
                paragraph.append(line)
                continue
            if not paragraph:
                continue
            bad = next(((i, w) for i, w in enumerate(map(bad_text, paragraph)) if w), None)
            abstract = strip_newline("".join(paragraph))
            paragraph = []
            if bad is not None:
                on_problem(Problem(inp.name, start + bad[0], bad[1]))
                continue
            yield Paper(id=paper_id("", abstract), title="", abstract=abstract, source=f"{inp.name}:{start}")

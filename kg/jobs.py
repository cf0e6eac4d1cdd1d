"""The jobs behind `kg read`, `kg extract` and `kg eval` as functions: input files in, a JSON Lines file or scores out.

These compose the readers (`kg.ingest`), extraction (`kg.extract`) and linking (`kg.linking`), so
they live here rather than in any one stage. Every stage is imported when a function runs: importing
this module loads no spaCy model and reads no file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kg.errors import Problem

if TYPE_CHECKING:

    from kg.eval import Report

T = TypeVar("T")
Progress = Callable[[Iterable[Any], str], Iterable[Any]]
"""Wraps a stream of items with a display of how many went by (`what` names them), yielding each."""

def _counted(items: Iterable[T], progress: Progress | None, what: str) -> Iterable[T]:
    return items if progress is None else progress(items, what)


def read_to_file(inputs: Sequence[str | Path], output: str | Path, *, format: str | None = None,
                 strict: bool = False, on_problem: Callable[[Problem], None] | None = None,
                 progress: Progress | None = None) -> int:
    """Reads the papers of `inputs` (files, folders or "-"; `format` as in `kg.ingest.read_papers`)
    and writes them to `output` as JSON Lines, one paper a line in input order; returns how many.

    `output` ("-" is standard output) is written atomically and is never one of the inputs; bad
    records go to `on_problem` (or raise `InputError` when `strict`).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.jsonl").write_text('{"id": "a", "title": "T", "abstract": "BERT on SQuAD."}\\n')
    >>> read_to_file([folder / "in.jsonl"], folder / "papers.jsonl")
    1
    >>> json.loads((folder / "papers.jsonl").read_text())["abstract"]
    'BERT on SQuAD.'
    """
    from kg.atomic import atomic_write
    from kg.ingest import read_papers
    from kg.targets import refuse_overwriting_inputs

    refuse_overwriting_inputs(Path(output), [Path(p) for p in inputs])
    n = 0
    papers = read_papers(inputs, format=format, on_problem=on_problem, strict=strict, skip=[output])
    with atomic_write(Path(output)) as out:
        for paper in _counted(papers, progress, "papers"):
            out.write(json.dumps(paper.to_json(), ensure_ascii=False) + "\n")
            n += 1
    return n


def extract_to_file(inputs: Sequence[str | Path], output: str | Path, *, format: str | None = None,
                  strict: bool = False, batch_size: int = 64, pipeline: str = "default",
                  on_problem: Callable[[Problem], None] | None = None, progress: Progress | None = None) -> int:
    """Extracts the papers of `inputs` with the spaCy pipeline named `pipeline` ("default" or
    "fast") and writes one extraction record per paper to `output` as JSON Lines, in input order
    (the format of ../shared/README.md); returns how many.

    A folder or a disk named as `output` is refused before the pipeline is built. A title or
    abstract longer than `kg.types.MAX_TEXT_CHARS` is extracted from its beginning, with a warning
    to `on_problem`.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.jsonl").write_text('{"id": "a", "title": "T", "abstract": "BERT on SQuAD."}\\n')
    >>> extract_to_file([folder / "in.jsonl"], folder / "records.jsonl", pipeline="fast")
    1
    >>> [e["text"] for e in json.loads((folder / "records.jsonl").read_text())["entities"]]
    ['BERT', 'SQuAD']
    """
    from kg.atomic import atomic_write
    from kg.extract import extract_papers
    from kg.extract.limits import warn_long
    from kg.ingest import read_papers
    from kg.targets import output_target, refuse_overwriting_inputs

    refuse_overwriting_inputs(Path(output), [Path(p) for p in inputs])
    output_target(Path(output))  # a folder or a disk is refused before the pipeline is built
    from kg.extract import build_nlp

    nlp = build_nlp(pipeline)
    n = 0
    papers = warn_long(read_papers(inputs, format=format, on_problem=on_problem, strict=strict, skip=[output]),
                       on_problem)
    with atomic_write(Path(output)) as out:
        for record in _counted(extract_papers(papers, nlp, batch_size=batch_size), progress, "papers"):
            out.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            n += 1
    return n


def score_gold(gold: str | Path, *, pred: str | Path | None = None, pipeline: str = "default",
               warn: Callable[[str], None] | None = None) -> Report:
    """Scores extraction against the gold file `gold`: the records in `pred`, or, when it is None,
    what the pipeline named `pipeline` extracts and links from the gold texts now.

    With the default pipeline, `warn` is told when the shipped tagger was trained on some of the
    gold records (their scores are then training-set scores; `kg cv` gives honest ones).

    >>> import tempfile, pathlib
    >>> gold = pathlib.Path(tempfile.mkdtemp()) / "gold.jsonl"
    >>> _ = gold.write_text(json.dumps({"id": "g", "title": "", "abstract": "We fine-tune BERT.",
    ...     "entities": [{"field": "abstract", "start": 13, "end": 17, "text": "BERT", "label": "METHOD"}]}))
    >>> score_gold(gold, pipeline="fast").to_json()["entities"]["exact"]["micro"]["f1"]
    1.0
    """
    from kg import eval as kg_eval

    records = kg_eval.read_gold(gold)
    if pred is not None:
        return kg_eval.evaluate(records, kg_eval.read_predictions(pred))
    from kg.extract import build_nlp

    nlp = build_nlp(pipeline)
    if pipeline == "default" and warn is not None:
        from kg.extract.tagger import training_overlap

        seen = training_overlap(str(r["id"]) for r in records)
        if seen:
            warn(f"the shipped tagger was trained on {seen} of these {len(records)} records, so these are "
                 "training-set scores; `kg cv` gives honest ones, --fast the rules alone")
    from kg.extract import extract_papers
    from kg.linking import link, load_kb

    linked = link(extract_papers(kg_eval.gold_papers(records), nlp), load_kb())
    return kg_eval.evaluate(records, {e.paper_id: e.to_json() for e in linked.extractions})

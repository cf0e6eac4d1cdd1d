"""The files a tagger is trained on: the gold files given, or ../shared/gold; and the unlabelled
papers given, or ../shared/corpus, that the rules label as silver data (the spaCy NER kind only).

`kg train` and `kg cv` call `training_files` before anything is trained, so that a missing gold
set is one line, not a failure minutes into training.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def training_files(gold: Sequence[str | Path] = (), corpus: Sequence[str | Path] = (), *,
                   silver: bool = True) -> tuple[list[Path], list[Path]]:
    """The gold files (`gold`, or those of ../shared/gold that exist) and the silver corpora
    (`corpus`, or ../shared/corpus when it exists; none when not `silver`). An `InputError` when
    there is no gold file.

    >>> import tempfile, pathlib
    >>> mine = pathlib.Path(tempfile.mkdtemp()) / "mine.jsonl"
    >>> training_files([mine], silver=False) == ([mine], [])
    True
    """
    from kg.errors import InputError
    from kg.train.trainer import DEFAULT_CORPUS, DEFAULT_GOLD

    golds = [Path(p) for p in gold] or [p for p in DEFAULT_GOLD if p.exists()]
    if not golds:
        raise InputError("no gold files: pass --gold FILE (the default ../shared/gold is absent)")
    corpora = [] if not silver else ([Path(p) for p in corpus] or [p for p in DEFAULT_CORPUS if p.exists()])
    return golds, corpora

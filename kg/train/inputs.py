"""The gold files a tagger is trained on: the files given, or those of ../shared/gold.

`kg train` and `kg cv` call `training_files` before anything is trained, so that a missing gold
set is one line, not a failure minutes into training.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def training_files(gold: Sequence[str | Path] = ()) -> list[Path]:
    """The gold files: `gold`, or those of ../shared/gold that exist. An `InputError` when there is none.

    >>> import tempfile, pathlib
    >>> mine = pathlib.Path(tempfile.mkdtemp()) / "mine.jsonl"
    >>> training_files([mine]) == [mine]
    True
    """
    from kg.errors import InputError
    from kg.train.crf import DEFAULT_GOLD

    golds = [Path(p) for p in gold] or [p for p in DEFAULT_GOLD if p.exists()]
    if not golds:
        raise InputError("no gold files: pass --gold FILE (the default ../shared/gold is absent)")
    return golds

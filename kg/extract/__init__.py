"""Extraction: the spaCy pipeline that finds methods, datasets, metrics, tasks and claimed numbers.

spaCy objects stay inside this package; what leaves it are `Extraction` records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kg.extract.pipeline import PIPELINE_VERSION, PIPELINES, build_nlp, extract_papers

__all__ = ["PIPELINES", "PIPELINE_VERSION", "build_nlp", "extract_papers"]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing kg.extract.numbers (pure Python) does not import spaCy.
    if name in __all__:
        from kg.extract import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)

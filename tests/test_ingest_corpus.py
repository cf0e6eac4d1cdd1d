"""The listing reader on the real corpus in ../shared/corpus (skipped where it is absent).

The counts were verified by hand: each file was listed line by line with its line lengths (awk), which
shows the layouts plainly. Every abstract is one line of 65 words or more and every title one line of
at most 25 words, so the pairs can be counted independently of the reader:
- 000: chrome on lines 1-11, then a paper every 8 lines from line 13 to 301 (title, blank, abstract,
  blank, metadata of 3 lines, blank) -> 37 papers; 35 dates carry a year ("Jan 19 2", "Apr 13 2" do
  not), and one metadata block names an organisation ("HuggingFaceFW FineData") instead of authors.
- 001: chrome on lines 1-9, then a paper every 4 lines from 11 to 215 (title, blank, abstract, blank)
  -> 52 papers, no metadata.
- 002: like 000, lines 13 to 357 -> 44 papers; 33 dates have a year (11 are like "Sep 12", "Feb 9 5").
- 003: two chrome lines, then title and abstract on alternate lines 3-462 with no blank lines, the
  first title glued to "Subscribe" -> 230 papers.
363 pairs in all; by (title, abstract) 345 are distinct (none repeats inside a file; 18 repeat across
files, so the files add 37, 45, 41 and 222 new papers in order).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import Problem
from kg.ingest import detect_format, read_papers
from kg.types import Paper
from tests.paths import CORPUS

COUNTS = {"000": 37, "001": 52, "002": 44, "003": 230}
NEW_IN_ORDER = {"000": 37, "001": 45, "002": 41, "003": 222}
DISTINCT = 345

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")


def corpus_file(prefix: str) -> Path:
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return path


def read(*paths: Path) -> list[Paper]:
    problems: list[Problem] = []
    papers = list(read_papers(paths, on_problem=problems.append, strict=True))
    assert problems == []
    return papers


def by_title(papers: list[Paper]) -> dict[str, Paper]:
    return {p.title: p for p in papers}


@pytest.mark.parametrize("prefix", sorted(COUNTS))
def test_per_file_counts(prefix: str) -> None:
    path = corpus_file(prefix)
    assert detect_format(path) == "listing"
    assert len(read(path)) == COUNTS[prefix]


def test_distinct_papers_over_all_files() -> None:
    papers = read(*sorted(CORPUS.glob("*.txt")))
    assert len(papers) == DISTINCT
    new = {prefix: sum(Path(p.source).name.startswith(prefix) for p in papers) for prefix in COUNTS}
    assert new == NEW_IN_ORDER
    assert read(CORPUS) == papers  # the directory, sorted, gives the same


def test_every_title_and_abstract_is_exactly_a_line_of_the_file() -> None:
    for prefix in COUNTS:
        path = corpus_file(prefix)
        lines = path.read_text(encoding="utf-8").split("\n")
        for paper in read(path):
            number = int(paper.source.rsplit(":", 1)[1])
            assert lines[number - 1].endswith(paper.title) and paper.title
            following = next(line for line in lines[number:] if line.strip())
            assert following == paper.abstract
            assert len(paper.title.split()) <= 25 and len(paper.abstract.split()) >= 65
            assert paper.authors == ()


def test_layout_with_metadata() -> None:
    path = corpus_file("000")
    papers = read(path)
    first = papers[0]
    assert first.title == "Linguistic Collapse: Neural Collapse in (Large) Language Models"
    assert first.abstract.startswith("Neural collapse (NC) is a phenomenon observed in classification tasks")
    assert (first.date, first.source) == ("2024-05-27", f"{path}:13")
    titles = by_title(papers)
    # "Nov 7, 2024 3": the upvote count after the date is dropped
    assert titles["Balancing Pipeline Parallelism with Vocabulary Parallelism"].date == "2024-11-07"
    assert titles["Dice Loss for Data-imbalanced NLP Tasks"].date == "2019-11-07"
    beyond = next(p for p in papers if p.title.startswith("Beyond Cosine Similarity"))
    assert beyond.date is None  # "Jan 19 2": no year
    fineweb = titles["FineWeb2: One Pipeline to Scale Them All -- Adapting Pre-Training Data Processing to "
                     "Every Language"]
    assert fineweb.date == "2025-06-25"  # after an organisation line instead of "• N authors"
    after = papers[papers.index(fineweb) + 1]
    assert after.title == "Evaluating Dialect Robustness of Language Models via Conversation Understanding"
    assert after.source == f"{path}:277" and after.date == "2024-05-09"
    last = papers[-1]
    assert last.title.startswith("Dialect prejudice predicts AI decisions")
    assert last.abstract.startswith("Hundreds of millions of people now interact with language models")
    assert last.date == "2024-03-01"  # the file ends without a line break
    assert sum(p.date is not None for p in papers) == 35

    other = read(corpus_file("002"))
    assert other[0].title == "Towards Accurate and Efficient Sub-8-Bit Integer Training"
    assert other[0].date == "2024-11-16"
    layer = by_title(other)["Layer Normalization"]
    assert layer.date == "2016-07-21" and layer.abstract.startswith("Training state-of-the-art, deep neural")
    assert other[-1].title.startswith("Dynamic Loss-Based Sample Reweighting") and other[-1].date is None
    assert sum(p.date is not None for p in other) == 33


def test_layout_without_metadata() -> None:
    path = corpus_file("001")
    papers = read(path)
    assert papers[0].title == ("Minimum Tuning to Unlock Long Output from LLMs with High Quality Data as "
                               "the Key")
    assert papers[0].abstract.startswith("As large language models rapidly evolve to support longer context")
    assert papers[0].source == f"{path}:11"
    assert papers[-1].title == "The Hitchhiker's Guide to Human Alignment with *PO"
    assert papers[-1].abstract.startswith("With the growing utilization of large language models (LLMs)")
    assert all(p.date is None for p in papers)


def test_layout_without_blank_lines_and_glued_chrome() -> None:
    path = corpus_file("003")
    papers = read(path)
    first = papers[0]
    assert first.title == ("Trans-Encoder: Unsupervised sentence-pair modelling through self- and "
                           "mutual-distillations")
    assert first.abstract.startswith("In NLP, a large volume of tasks involve pairwise comparison")
    assert first.source == f"{path}:3"
    titles = by_title(papers)
    ufal = titles["ÚFAL at MultiLexNorm 2021: Improving Multilingual Lexical Normalization by "
                  "Fine-tuning ByT5"]
    assert ufal.source == f"{path}:201" and ufal.abstract.startswith("We present the winning entry")
    assert papers[-1].title == ("Breaking the Curse of Multilinguality with Cross-lingual Expert "
                                "Language Models")
    assert papers[-1].source == f"{path}:461"


def test_no_chrome_survives() -> None:
    papers = read(CORPUS)
    chrome = ("new", "Subscribe", "Daily Papers", "Get trending", "byAK", "·", "•")
    assert not [p.title for p in papers if p.title.startswith(chrome)]

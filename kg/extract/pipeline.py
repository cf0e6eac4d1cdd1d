"""The spaCy pipeline of kg, built in one function, and extraction of whole papers with it.

`build_nlp` assembles spaCy's blank English tokenizer (with kg's hyphen rules) and kg's own
components, cheapest first: known names from the knowledge base, abbreviation definitions, name
patterns, then claims. `extract_papers` runs it over titles and abstracts in batches and turns the
Docs into `Extraction` records; spaCy objects never leave this package.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.errors import OptionError

# The component modules register their factories with spaCy when imported.
from kg.extract import claims_component, known_entities, patterns, tagger  # noqa: F401 (and abbreviations, below)
from kg.extract.abbreviations import AbbreviationSpan, short_form_pattern
from kg.extract.extensions import ABBREVIATIONS, CLAIMS, MENTIONS, RECORDS_ONLY, SENTENCES
from kg.extract.limits import extracted_part
from kg.extract.proposals import proposed_indices
from kg.extract.sentences import split_sentences
from kg.extract.spans import SOURCE_SCORES, entity_mentions, make_doc
from kg.extract.tokenizer import customize_tokenizer
from kg.types import Abbreviation, Claim, Extraction, Mention, Paper, mention_named

PIPELINE_VERSION = "crf-3"
"""Changes whenever a change to the pipeline may change its output (cache keys use it)."""

MAX_CHARS = 5_000_000


PIPELINES: dict[str, tuple[str, ...]] = {
    "default": ("kg_known_entities", "kg_abbreviations", "kg_name_patterns", "kg_tagger", "kg_claims"),
    "fast": ("kg_known_entities", "kg_abbreviations", "kg_name_patterns", "kg_claims"),
}
"""kg's pipelines by name, and their components in order: ``fast`` is the rules-only pipeline
(no trained tagger)."""


def build_nlp(pipeline: str = "default", *, kb_paths: Sequence[str | Path] | None = None,
              model: str | Path | None = None, mode: str | None = None) -> Language:
    """The extraction pipeline named `pipeline` (one of `PIPELINES`): tokenizer, known names,
    abbreviations, name patterns, the trained tagger (not in ``fast``), claims.

    `kb_paths` are knowledge-base JSONL files (the packaged knowledge base when None). `model` is a
    tagger trained by `kg train` (the one shipped in the package when None); `mode` how its spans
    combine with the rules' (see `kg.extract.tagger`). An unknown name raises `OptionError`.

    >>> build_nlp().pipe_names
    ['kg_known_entities', 'kg_abbreviations', 'kg_name_patterns', 'kg_tagger', 'kg_claims']
    >>> build_nlp("fast").pipe_names
    ['kg_known_entities', 'kg_abbreviations', 'kg_name_patterns', 'kg_claims']
    >>> build_nlp("slow")
    Traceback (most recent call last):
    kg.errors.OptionError: unknown pipeline 'slow'; use default, fast
    """
    components = PIPELINES.get(pipeline)
    if components is None:
        raise OptionError(f"unknown pipeline {pipeline!r}; use {', '.join(PIPELINES)}")
    nlp = spacy.blank("en")
    nlp.max_length = MAX_CHARS
    customize_tokenizer(nlp)
    paths = [str(p) for p in kb_paths] if kb_paths is not None else None
    config: dict[str, dict[str, Any]] = {
        "kg_known_entities": {"kb_paths": paths},
        "kg_tagger": {"model_path": str(model) if model is not None else None, "kb_paths": paths,
                      **({"mode": mode} if mode is not None else {})},
    }
    for name in components:
        nlp.add_pipe(name, config=config.get(name, {}))
    return nlp


def extract_papers(papers: Iterable[Paper], nlp: Language, *, batch_size: int = 64) -> Iterator[Extraction]:
    """One Extraction per paper, in input order, streaming in batches of `batch_size` papers.

    Of a title or abstract longer than `kg.extract.limits.MAX_TEXT_CHARS` only its beginning is
    extracted (so one paper's memory stays bounded); `kg.extract.limits.warn_long` reports those.

    >>> nlp = build_nlp()
    >>> p = Paper(id="p1", title="", abstract="We fine-tune BERT on SQuAD and reach 91.2 F1.")
    >>> ex = next(extract_papers([p], nlp))
    >>> [(m.text, m.label) for m in ex.mentions]
    [('BERT', 'METHOD'), ('SQuAD', 'DATASET'), ('F1', 'METRIC')]
    >>> [(c.text, c.kind, c.metric, c.dataset) for c in ex.claims]
    [('91.2', 'score', 'F1', 'SQuAD')]
    """
    batch: list[Paper] = []
    for paper in papers:
        batch.append(extracted_part(paper))  # at most MAX_TEXT_CHARS of each field (kg.extract.limits)
        if len(batch) >= batch_size:
            yield from _extract_batch(batch, nlp)
            batch = []
    if batch:
        yield from _extract_batch(batch, nlp)


def _extract_batch(papers: list[Paper], nlp: Language) -> Iterator[Extraction]:
    docs: list[Doc] = []
    for paper in papers:
        for text, field in ((paper.title, "title"), (paper.abstract, "abstract")):
            doc = make_doc(nlp, text, field)
            doc.user_data[RECORDS_ONLY] = True
            docs.append(doc)
    processed = list(nlp.pipe(docs, batch_size=len(docs)))
    for k, paper in enumerate(papers):
        yield doc_to_extraction(paper, processed[2 * k], processed[2 * k + 1])


def doc_to_extraction(paper: Paper, title_doc: Doc, abstract_doc: Doc) -> Extraction:
    """Turns the processed title and abstract Docs of one paper into its Extraction record."""
    mentions: list[Mention] = []
    abbreviations: list[Abbreviation] = []
    found: list[tuple[list[Mention], list[Claim]]] = []
    for field, doc in (("title", title_doc), ("abstract", abstract_doc)):
        text = paper.text(field)  # type: ignore[arg-type]
        made = _entity_mentions(doc)
        found.append((made, doc.user_data.get(CLAIMS) or []))
        mentions.extend(made)
        defined: list[AbbreviationSpan] = doc.user_data.get(ABBREVIATIONS) or []
        for abbr in defined:
            abbreviations.append(Abbreviation(
                short=abbr.short(text), long=abbr.long(text), field=field,  # type: ignore[arg-type]
                short_start=abbr.short_start, long_start=abbr.long_start))
    mentions.extend(_short_forms_in_title(paper.title, mentions, abbreviations))
    mentions.sort(key=lambda m: (m.field != "title", m.start))
    claims = _claims_of(found, mentions)
    sentences = abstract_doc.user_data.get(SENTENCES) or split_sentences(paper.abstract)
    proposes = proposed_indices(paper.title, paper.abstract, mentions, sentences)
    return Extraction(paper_id=paper.id, mentions=tuple(mentions), claims=tuple(claims),
                      abbreviations=tuple(abbreviations), proposes=tuple(proposes))


def _claims_of(found: list[tuple[list[Mention], list[Claim]]], mentions: list[Mention]) -> list[Claim]:
    """The claims of each field, their mention indices (into that field's mentions) turned into
    indices into the paper's final `mentions`. A name that no mention of the claim carries (a
    built-in metric word) refers to the nearest mention of that name, if any."""
    final = {id(m): i for i, m in enumerate(mentions)}
    out: list[Claim] = []
    for made, claims in found:
        for claim in claims:
            index = [_final_index(made, final, i) for _, i, _ in claim.about()]
            for k, (name, _, label) in enumerate(claim.about()):
                if index[k] is None and name:
                    index[k] = mention_named(mentions, name, label, claim)
            out.append(claim.with_mentions(*index))
    return out


def _final_index(made: list[Mention], final: dict[int, int], i: int | None) -> int | None:
    return None if i is None else final.get(id(made[i]))


def _entity_mentions(doc: Doc) -> list[Mention]:
    """The Doc's entities as Mentions (made once, by the claims component)."""
    made = doc.user_data.get(MENTIONS)
    return list(made) if made is not None else entity_mentions(doc)


def _short_forms_in_title(title: str, mentions: list[Mention], abbreviations: list[Abbreviation]) -> list[Mention]:
    """Short forms the abstract defines, where the title uses them without a definition."""
    taken = [(m.start, m.end) for m in mentions if m.field == "title"]
    by_long = {(m.field, m.start): m for m in mentions}
    out: list[Mention] = []
    for abbr in abbreviations:
        if abbr.field != "abstract":
            continue
        long_mention = by_long.get(("abstract", abbr.long_start))
        if long_mention is None:
            continue
        for match in short_form_pattern(abbr.short).finditer(title):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            out.append(Mention("title", match.start(), match.end(), match.group(0), long_mention.label,
                               score=SOURCE_SCORES["abbrev"], source="abbrev", kb_id=long_mention.kb_id))
    return out


def describe(nlp: Language) -> dict[str, Any]:
    """The pipeline's components and version, for logs and cache keys."""
    return {"version": PIPELINE_VERSION, "components": list(nlp.pipe_names)}

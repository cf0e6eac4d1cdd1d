"""Typed records that pass between the stages: ingest -> extract -> link -> graph.

Every record is a frozen dataclass with a JSON form, so each stage can write its output as
JSON Lines and a later stage can be rerun from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

Label = Literal["METHOD", "DATASET", "METRIC", "TASK"]
Field = Literal["title", "abstract"]
ClaimKind = Literal["score", "improvement", "reduction", "speedup", "size", "other"]

LABELS: tuple[Label, ...] = ("METHOD", "DATASET", "METRIC", "TASK")
FIELDS: tuple[Field, ...] = ("title", "abstract")
MAX_TEXT_CHARS = 100_000
"""The most characters of one field (title, abstract) that extraction reads (`kg.extract.limits`)."""
CLAIM_KINDS: tuple[ClaimKind, ...] = ("score", "improvement", "reduction", "speedup", "size", "other")


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as a reader found it.

    `title` and `abstract` are exactly the strings of the input; every character offset that a later
    stage writes refers to them. `source` says where the paper was read ("file:line").

    >>> Paper(id="p1", title="T", abstract="A.", source="x.txt:1").text("title")
    'T'
    """

    id: str
    title: str
    abstract: str
    source: str = ""
    authors: tuple[str, ...] = ()
    date: str | None = None
    categories: tuple[str, ...] = ()
    url: str | None = None

    def text(self, name: Field) -> str:
        """The title or the abstract, by field name."""
        return self.title if name == "title" else self.abstract

    @property
    def year(self) -> int | None:
        """The year of `date` when it starts with four digits."""
        if self.date and len(self.date) >= 4 and self.date[:4].isdigit():
            return int(self.date[:4])
        return None

    def to_json(self) -> dict[str, Any]:
        """The paper as a JSON object; fields that are empty are left out."""
        out: dict[str, Any] = {"id": self.id, "title": self.title, "abstract": self.abstract}
        if self.source:
            out["source"] = self.source
        if self.authors:
            out["authors"] = list(self.authors)
        if self.date:
            out["date"] = self.date
        if self.categories:
            out["categories"] = list(self.categories)
        if self.url:
            out["url"] = self.url
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Paper:
        """Inverse of `to_json`."""
        return cls(
            id=str(obj["id"]),
            title=str(obj.get("title") or ""),
            abstract=str(obj.get("abstract") or ""),
            source=str(obj.get("source") or ""),
            authors=tuple(obj.get("authors") or ()),
            date=obj.get("date"),
            categories=tuple(obj.get("categories") or ()),
            url=obj.get("url"),
        )


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of a paper's title or abstract that names a method, dataset, metric or task.

    `source` is the extractor that found it ("kb", "abbrev", "pattern", "ner"); `kb_id` the
    knowledge-base entry it matched, if any; `entity_id` the linked entity, once linking ran.
    """

    field: Field
    start: int
    end: int
    text: str
    label: Label
    score: float = 1.0
    source: str = "kb"
    kb_id: str | None = None
    entity_id: str | None = None

    def with_entity(self, entity_id: str | None) -> Mention:
        """This mention linked to `entity_id` (what `dataclasses.replace` does, several times faster)."""
        return Mention(self.field, self.start, self.end, self.text, self.label, self.score, self.source,
                       self.kb_id, entity_id)

    def to_json(self) -> dict[str, Any]:
        """The record form of `../shared/README.md` (entity_id falls back to the KB id)."""
        return {
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "label": self.label,
            "entity_id": self.entity_id or self.kb_id,
            "score": round(self.score, 4),
            "source": self.source,
            "kb_id": self.kb_id,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Mention:
        """Inverse of `to_json`."""
        return cls(
            field=obj.get("field", "abstract"),
            start=int(obj["start"]),
            end=int(obj["end"]),
            text=str(obj["text"]),
            label=obj["label"],
            score=float(obj.get("score", 1.0)),
            source=str(obj.get("source", "kb")),
            kb_id=obj.get("kb_id"),
            entity_id=obj.get("entity_id"),
        )


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number the number grammar found, before it is judged to be a claim.

    `value` is the number in the unit it was written in ("7B" -> 7e9, unit "params" only when the
    text says so); `high` is the upper end of a range ("8 to 24 times": value 8, high 24).
    """

    start: int
    end: int
    text: str
    value: float
    unit: str | None = None
    high: float | None = None
    kind_hint: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """A number that states a result, with what it is about when the sentence says so.

    `metric`, `dataset` and `method` name what the claim is about; `metric_mention`,
    `dataset_mention` and `method_mention` are the indices of those mentions in the
    `Extraction.mentions` of the claim's paper (None when no mention names it, or in records
    written before claims carried them).
    """

    field: Field
    start: int
    end: int
    text: str
    value: float
    unit: str | None
    kind: ClaimKind
    metric: str | None = None
    dataset: str | None = None
    method: str | None = None
    high: float | None = None
    sentence: tuple[int, int] | None = None
    metric_mention: int | None = None
    dataset_mention: int | None = None
    method_mention: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The record form of `../shared/README.md` (plus the mention indices that are not None)."""
        out: dict[str, Any] = {
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "value": self.value,
            "unit": self.unit,
            "kind": self.kind,
            "metric": self.metric,
            "dataset": self.dataset,
            "method": self.method,
        }
        if self.high is not None:
            out["high"] = self.high
        if self.sentence is not None:
            out["sentence"] = list(self.sentence)
        if self.metric_mention is not None:
            out["metric_mention"] = self.metric_mention
        if self.dataset_mention is not None:
            out["dataset_mention"] = self.dataset_mention
        if self.method_mention is not None:
            out["method_mention"] = self.method_mention
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Claim:
        """Inverse of `to_json`."""
        sentence = obj.get("sentence")
        return cls(
            field=obj.get("field", "abstract"),
            start=int(obj["start"]),
            end=int(obj["end"]),
            text=str(obj["text"]),
            value=float(obj["value"]),
            unit=obj.get("unit"),
            kind=obj.get("kind", "other"),
            metric=obj.get("metric"),
            dataset=obj.get("dataset"),
            method=obj.get("method"),
            high=obj.get("high"),
            sentence=(int(sentence[0]), int(sentence[1])) if sentence else None,
            metric_mention=_index(obj.get("metric_mention")),
            dataset_mention=_index(obj.get("dataset_mention")),
            method_mention=_index(obj.get("method_mention")),
        )

    def with_mentions(self, metric: int | None, dataset: int | None, method: int | None) -> Claim:
        """This claim referring to the mentions at these indices (`dataclasses.replace`, faster)."""
        return Claim(self.field, self.start, self.end, self.text, self.value, self.unit, self.kind, self.metric,
                     self.dataset, self.method, self.high, self.sentence, metric, dataset, method)

    def about(self) -> tuple[tuple[str | None, int | None, Label], ...]:
        """(name, mention index, label) of what the claim is about: its metric, dataset and method."""
        return ((self.metric, self.metric_mention, "METRIC"), (self.dataset, self.dataset_mention, "DATASET"),
                (self.method, self.method_mention, "METHOD"))


def _index(value: Any) -> int | None:
    return None if value is None else int(value)


_DEFINED = re.compile(r"^.*\S\s*\(\s*([^()\s]{2,12})\s*\)$")


@overload
def short_name(name: str) -> str: ...
@overload
def short_name(name: None) -> None: ...
def short_name(name: str | None) -> str | None:
    """How a claim names a mention written as a definition, "long form (SHORT)": by its short form.

    A tagger that follows a corpus convention of one span per definition gives mentions such as
    "word error rate (WER)"; a claim about WER is about "WER". Parentheses that hold no
    abbreviation (a unit, a lower-case qualifier) stay.

    >>> short_name("word error rate (WER)"), short_name("BLEU"), short_name("F1 (macro)"), short_name("BLEU (%)")
    ('WER', 'BLEU', 'F1 (macro)', 'BLEU (%)')
    """
    if name is None or not name.endswith(")"):
        return name
    m = _DEFINED.match(name)
    if m is None or not any(c.isupper() for c in m.group(1)) or not m.group(1)[0].isalnum():
        return name
    return m.group(1)


def mention_named(mentions: Sequence[Mention], name: str, label: Label, claim: Claim, *,
                  linked_only: bool = False) -> int | None:
    """The index of the mention a claim's name refers to: the nearest one (in the claim's field first)
    with that label and that text, or with that short form (`short_name`); None when there is none.

    >>> ms = [Mention("abstract", 0, 4, "BLEU", "METRIC"), Mention("abstract", 30, 34, "BLEU", "METRIC")]
    >>> mention_named(ms, "bleu", "METRIC", Claim("abstract", 24, 28, "41.2", 41.2, None, "score"))
    1
    """
    best: tuple[int, int] | None = None
    wanted = name.casefold()
    for i, m in enumerate(mentions):
        if (linked_only and m.entity_id is None) or m.label != label or (
                m.text.casefold() != wanted and short_name(m.text).casefold() != wanted):
            continue
        distance = abs(m.start - claim.start) + (0 if m.field == claim.field else 10**6)
        if best is None or distance < best[0]:
            best = (distance, i)
    return best[1] if best else None


@dataclass(frozen=True, slots=True)
class Abbreviation:
    """A definition found in the text: "Large Language Models (LLMs)"."""

    short: str
    long: str
    field: Field
    short_start: int
    long_start: int

    def to_json(self) -> dict[str, Any]:
        return {
            "short": self.short,
            "long": self.long,
            "field": self.field,
            "short_start": self.short_start,
            "long_start": self.long_start,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Abbreviation:
        return cls(
            short=obj["short"],
            long=obj["long"],
            field=obj.get("field", "abstract"),
            short_start=int(obj.get("short_start", -1)),
            long_start=int(obj.get("long_start", -1)),
        )


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything extraction found in one paper: the record `kg extract` writes per line."""

    paper_id: str
    mentions: tuple[Mention, ...] = ()
    claims: tuple[Claim, ...] = ()
    abbreviations: tuple[Abbreviation, ...] = ()
    proposes: tuple[int, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """One line of records.jsonl."""
        out: dict[str, Any] = {
            "id": self.paper_id,
            "entities": [m.to_json() for m in self.mentions],
            "claims": [c.to_json() for c in self.claims],
        }
        if self.abbreviations:
            out["abbreviations"] = [a.to_json() for a in self.abbreviations]
        if self.proposes:
            out["proposes"] = list(self.proposes)
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Extraction:
        """Inverse of `to_json`."""
        return cls(
            paper_id=str(obj["id"]),
            mentions=tuple(Mention.from_json(m) for m in obj.get("entities", ())),
            claims=tuple(Claim.from_json(c) for c in obj.get("claims", ())),
            abbreviations=tuple(Abbreviation.from_json(a) for a in obj.get("abbreviations", ())),
            proposes=tuple(int(i) for i in obj.get("proposes", ())),
        )


# --- linking -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entity:
    """One thing many mentions name: a method, dataset, metric or task across all papers.

    `id` is stable: the knowledge-base id when the entity is known ("dataset/cifar-10"), else derived
    from the normalised canonical label ("new/method/trans-encoder").
    """

    id: str
    label: Label
    name: str
    aliases: tuple[str, ...] = ()
    paper_count: int = 0
    mention_count: int = 0
    kb_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.label,
            "name": self.name,
            "aliases": list(self.aliases),
            "paper_count": self.paper_count,
            "mention_count": self.mention_count,
            "kb_id": self.kb_id,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Entity:
        return cls(
            id=str(obj["id"]),
            label=obj["type"],
            name=str(obj["name"]),
            aliases=tuple(obj.get("aliases") or ()),
            paper_count=int(obj.get("paper_count", 0)),
            mention_count=int(obj.get("mention_count", 0)),
            kb_id=obj.get("kb_id"),
        )


@dataclass(frozen=True, slots=True)
class Linked:
    """The output of linking: the entity table and every extraction with `entity_id` filled in."""

    entities: tuple[Entity, ...]
    extractions: tuple[Extraction, ...]

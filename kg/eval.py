"""Scores extraction records against gold annotations (the JSONL format of `../shared/gold`).

Three views of entity quality, per label and micro-averaged:
- exact: predicted and gold spans with the same field, offsets and label;
- overlap: spans of the same label that share at least one character, matched one to one
  (largest overlaps first), so one long prediction cannot claim several gold spans;
- names: the distinct normalised names of each label per paper (what a graph would hold).
Only labels that the gold set annotates are counted. When the gold set has claims, claim detection is
scored like overlap spans, and attribution as the share of matched claims whose metric (dataset)
agrees with the gold one, among those where the gold names one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.ingest.records import json_type
from kg.jsonl import read_jsonl
from kg.types import LABELS, Paper

Span = tuple[str, int, int, str]  # field, start, end, label


@dataclass
class Counts:
    """True positives, predictions and gold items; precision, recall and F1 follow."""

    tp: int = 0
    pred: int = 0
    gold: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.pred += other.pred
        self.gold += other.gold

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "tp": self.tp, "pred": self.pred, "gold": self.gold}


@dataclass
class Report:
    """Scores of one prediction file against one gold file."""

    labels: tuple[str, ...]
    papers: int
    entities: dict[str, dict[str, Counts]] = field(default_factory=dict)  # view -> label|micro -> counts
    claims: Counts | None = None
    linking: dict[str, Any] | None = None  # pairwise scores when the gold names canonical entities
    metric_agreement: tuple[int, int] | None = None  # agreeing, gold claims with a metric (matched)
    dataset_agreement: tuple[int, int] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "papers": self.papers,
            "labels": list(self.labels),
            "entities": {view: {k: c.to_json() for k, c in per.items()} for view, per in self.entities.items()},
        }
        if self.claims is not None:
            out["claims"] = {"detection": self.claims.to_json()}
            for name, agreement in (("metric", self.metric_agreement), ("dataset", self.dataset_agreement)):
                if agreement is not None:
                    agree, total = agreement
                    out["claims"][f"{name}_agreement"] = {
                        "agree": agree, "of": total, "rate": round(agree / total, 4) if total else 0.0}
        if self.linking is not None:
            out["linking"] = self.linking
        return out

    def table(self) -> str:
        """A plain-text table: one row per label and view, then the claims."""
        lines = [f"{self.papers} papers; labels scored: {', '.join(self.labels)}", "",
                 f"{'view':<8} {'label':<8} {'P':>6} {'R':>6} {'F1':>6} {'tp':>6} {'pred':>6} {'gold':>6}"]
        for view, per in self.entities.items():
            for label in (*self.labels, "micro"):
                c = per[label]
                lines.append(f"{view:<8} {label:<8} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} "
                             f"{c.tp:6d} {c.pred:6d} {c.gold:6d}")
        if self.claims is not None:
            c = self.claims
            lines += ["", f"claims   detect   {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} "
                          f"{c.tp:6d} {c.pred:6d} {c.gold:6d}"]
            for name, agreement in (("metric", self.metric_agreement), ("dataset", self.dataset_agreement)):
                if agreement is not None:
                    agree, total = agreement
                    rate = agree / total if total else 0.0
                    lines.append(f"claims   {name:<8} agreement {rate:.3f} ({agree}/{total})")
        if self.linking is not None:
            lines += ["", f"linking: pairwise same-entity scores on {self.linking['mentions']} extracted mentions "
                          "that match a gold mention with a canonical name"]
            for scope in ("within", "across", "all"):
                sc = self.linking[scope]
                lines.append(f"linking  {scope:<8} P {sc['precision']:.3f}  R {sc['recall']:.3f}  F1 {sc['f1']:.3f}  "
                             f"(pairs: {sc['tp']} right, {sc['predicted']} predicted, {sc['gold']} gold)")
        return "\n".join(lines)


def _gold_record(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict) or "id" not in obj or "entities" not in obj:
        raise ValueError("a gold record needs 'id' and 'entities'")
    for key in ("title", "abstract"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise ValueError(f"'{key}' must be a string, not {json_type(obj[key])}")
    _check_spans(obj, "entities", label=True)
    _check_spans(obj, "claims", label=False)
    return obj


def _check_spans(obj: dict[str, Any], key: str, *, label: bool) -> None:
    """ValueError naming the item when `obj[key]` is not an array of spans the scorer can read:
    objects with integer "start" and "end", a "field" of "title" or "abstract" and, when `label`,
    a string "label"."""
    items = obj.get(key, [])
    if not isinstance(items, list):
        raise ValueError(f"'{key}' must be an array, not {json_type(items)}")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"{key}[{i}] must be an object, not {json_type(item)}")
        for end in ("start", "end"):
            if isinstance(item.get(end), bool) or not isinstance(item.get(end), int):
                raise ValueError(f"{key}[{i}].{end} must be an integer, not {json_type(item.get(end))}")
        if item.get("field", "abstract") not in ("title", "abstract"):
            raise ValueError(f"{key}[{i}].field must be \"title\" or \"abstract\"")
        if label and not isinstance(item.get("label"), str):
            raise ValueError(f"{key}[{i}].label must be a string, not {json_type(item.get('label'))}")


def read_gold(path: str | Path) -> list[dict[str, Any]]:
    """The gold records of a JSONL file; a broken line is an InputError naming it."""
    return list(read_jsonl(path, _gold_record, what="gold record"))


def gold_papers(gold: Iterable[Mapping[str, Any]]) -> list[Paper]:
    """The papers of a gold set, for extracting predictions from them."""
    return [Paper(id=str(g["id"]), title=g.get("title") or "", abstract=g.get("abstract") or "", source="gold")
            for g in gold]


def normalise_name(text: str) -> str:
    """The key under which two names count as the same in the `names` view.

    >>> normalise_name("CIFAR-10"), normalise_name("cifar 10"), normalise_name("LLMs")
    ('cifar10', 'cifar10', 'llm')
    """
    key = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())
    if len(key) > 3 and key.endswith("s") and not key.endswith("ss"):
        key = key[:-1]
    return key


def _spans(items: Iterable[Mapping[str, Any]], labels: Sequence[str]) -> list[Span]:
    return [(str(e.get("field", "abstract")), int(e["start"]), int(e["end"]), str(e["label"]))
            for e in items if e.get("label") in labels]


def match_overlap(pred: Sequence[tuple[str, int, int]], gold: Sequence[tuple[str, int, int]]) -> list[tuple[int, int]]:
    """One-to-one pairs (pred index, gold index) of overlapping spans, largest overlap first.

    >>> match_overlap([("abstract", 0, 10), ("abstract", 12, 14)], [("abstract", 2, 4), ("abstract", 5, 9)])
    [(0, 1)]
    """
    candidates = []
    for i, (pf, ps, pe) in enumerate(pred):
        for j, (gf, gs, ge) in enumerate(gold):
            if pf == gf and ps < ge and gs < pe:
                candidates.append((min(pe, ge) - max(ps, gs), -i, -j))
    candidates.sort(reverse=True)
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs = []
    for _, ni, nj in candidates:
        i, j = -ni, -nj
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def score_entities(pred: Sequence[Span], gold: Sequence[Span], texts: Mapping[str, str],
                   labels: Sequence[str]) -> dict[str, dict[str, Counts]]:
    """Counts of one paper for the three views, per label."""
    out: dict[str, dict[str, Counts]] = {"exact": {}, "overlap": {}, "names": {}}
    for label in labels:
        p = [(f, s, e) for f, s, e, lab in pred if lab == label]
        g = [(f, s, e) for f, s, e, lab in gold if lab == label]
        out["exact"][label] = Counts(len(set(p) & set(g)), len(set(p)), len(set(g)))
        out["overlap"][label] = Counts(len(match_overlap(p, g)), len(p), len(g))
        pn = {normalise_name(texts[f][s:e]) for f, s, e in p} - {""}
        gn = {normalise_name(texts[f][s:e]) for f, s, e in g} - {""}
        out["names"][label] = Counts(len(pn & gn), len(pn), len(gn))
    return out


def evaluate(gold: Sequence[Mapping[str, Any]], predictions: Mapping[str, Mapping[str, Any]]) -> Report:
    """Scores prediction records (by paper id) against gold records; a missing prediction counts as empty."""
    labels = tuple(lab for lab in LABELS if any(e.get("label") == lab for g in gold for e in g["entities"]))
    has_claims = any("claims" in g for g in gold)
    report = Report(labels=labels, papers=len(gold))
    totals: dict[str, dict[str, Counts]] = {v: {lab: Counts() for lab in labels} for v in ("exact", "overlap", "names")}
    claims = Counts()
    metric = [0, 0]
    dataset = [0, 0]
    for g in gold:
        pred = predictions.get(str(g["id"]), {})
        texts = {"title": g.get("title") or "", "abstract": g.get("abstract") or ""}
        per = score_entities(_spans(pred.get("entities", ()), labels), _spans(g["entities"], labels), texts, labels)
        for view, counts in per.items():
            for label, c in counts.items():
                totals[view][label].add(c)
        if has_claims:
            gc = list(g.get("claims", ()))
            pc = list(pred.get("claims", ()))
            pairs = match_overlap([(c.get("field", "abstract"), c["start"], c["end"]) for c in pc],
                                  [(c.get("field", "abstract"), c["start"], c["end"]) for c in gc])
            claims.add(Counts(len(pairs), len(pc), len(gc)))
            for i, j in pairs:
                for name, tally in (("metric", metric), ("dataset", dataset)):
                    if gc[j].get(name):
                        tally[1] += 1
                        if normalise_name(str(pc[i].get(name) or "")) == normalise_name(str(gc[j][name])):
                            tally[0] += 1
    for view, per_label in totals.items():
        micro = Counts()
        for c in per_label.values():
            micro.add(c)
        report.entities[view] = {**per_label, "micro": micro}
    if any(e.get("canonical") for g in gold for e in g["entities"]):
        report.linking = linking_scores(gold, predictions, labels)
    if has_claims:
        report.claims = claims
        report.metric_agreement = (metric[0], metric[1])
        report.dataset_agreement = (dataset[0], dataset[1])
    return report


def read_predictions(path: str | Path) -> dict[str, dict[str, Any]]:
    """Extraction records by paper id."""
    return {str(obj["id"]): obj for obj in read_jsonl(path, _prediction, what="extraction record")}


def _prediction(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict) or "id" not in obj:
        raise ValueError("an extraction record needs an 'id'")
    _check_spans(obj, "entities", label=False)
    _check_spans(obj, "claims", label=False)
    return obj


def linking_scores(gold: Sequence[Mapping[str, Any]], predictions: Mapping[str, Mapping[str, Any]],
                   labels: Sequence[str]) -> dict[str, Any]:
    """Pairwise "same entity?" precision and recall of the predicted entity ids against gold canonical names.

    Scored on the predicted mentions that overlap a gold mention of the same label that has a
    canonical name (matched one to one), within papers, across papers and overall.
    """
    from kg.linking.evaluate import linking_pairwise

    predicted: list[tuple[tuple[str, str, int, int], str]] = []
    truth: list[tuple[tuple[str, str, int, int], str]] = []
    for g in gold:
        pid = str(g["id"])
        pred_ents = [e for e in predictions.get(pid, {}).get("entities", ()) if e.get("entity_id")]
        for label in labels:
            gs = [e for e in g["entities"] if e.get("label") == label and e.get("canonical")]
            ps = [e for e in pred_ents if e.get("label") == label]
            pairs = match_overlap([(p.get("field", "abstract"), p["start"], p["end"]) for p in ps],
                                  [(e.get("field", "abstract"), e["start"], e["end"]) for e in gs])
            for i, j in pairs:
                key = (pid, str(gs[j].get("field", "abstract")), int(gs[j]["start"]), int(gs[j]["end"]))
                predicted.append((key, str(ps[i]["entity_id"])))
                truth.append((key, str(gs[j]["canonical"])))
    return linking_pairwise(predicted, truth)

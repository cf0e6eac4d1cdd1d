"""Make and check `gold/corpus.jsonl`, kg's own gold on the real abstracts of ../shared/corpus.

Annotators write a *working file* (JSON Lines, kept outside the repository because it quotes names as
they are written) in the terms of `docs/annotation.md`: for each paper, the names it mentions with their
label and generic flag, and its numbers in reading order with their role and attribution given by name.
This script finds every mention's offsets, resolves attribution names to mention indices and writes the
gold file, which holds ids, offsets and labels only:

    python gold/annotate.py sample -n 100              # the paper ids to annotate (seeded, stable)
    python gold/annotate.py show ID [ID ...]           # a paper's title and abstract, sentence by sentence
    python gold/annotate.py convert WORK.jsonl [...] -o gold/corpus.jsonl
    python gold/annotate.py check gold/corpus.jsonl    # re-check offsets against the corpus
    python gold/annotate.py agree FIRST.jsonl SECOND.jsonl   # inter-annotator agreement on shared ids

Working record:
    {"id": "p...",
     "entities": [{"text": "BERT", "label": "METHOD", "generic": false,
                   "field": "abstract",          # optional: "title", "abstract" or both (default)
                   "skip": [2]}],                 # optional: 1-based occurrences that are not mentions
     "numbers":  [{"text": "92.3%", "field": "abstract", "role": "result", "kind": "score",
                   "value": 92.3, "unit": "%", "high": null,
                   "method": "ProtoTune", "dataset": "GLUE", "metric": "accuracy", "task": null,
                   "reference": null, "inferred": [],
                   "skip": 0}]}                   # optional: matches of the text to pass over first

Every occurrence of a listed name on word boundaries (case as written) is a mention, except where a
longer listed name covers it. Numbers are found in order, each after the previous one in its field.
An attribution name resolves to the nearest mention of that name (same field first, then preceding).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
LABELS = ("METHOD", "DATASET", "METRIC", "TASK")
ROLES = ("result", "improvement", "baseline", "setup", "size", "other")
KINDS = ("score", "improvement", "reduction", "speedup", "size", "other")
TARGETS = {"method": "METHOD", "dataset": "DATASET", "metric": "METRIC", "task": "TASK", "reference": "METHOD"}
FIELDS = ("title", "abstract")


class AnnotationError(Exception):
    """A working record that cannot be turned into gold; the message names the paper and the item."""


def corpus_papers(corpus: Path = CORPUS) -> dict[str, dict[str, str]]:
    """The papers of the corpus as kg reads them: id -> {"title", "abstract"}."""
    sys.path.insert(0, str(ROOT))
    from kg.ingest.read import read_papers

    return {p.id: {"title": p.title, "abstract": p.abstract} for p in read_papers([corpus])}


def sample_ids(papers: dict[str, dict[str, str]], n: int, seed: int = 15) -> list[str]:
    """`n` paper ids drawn with a fixed seed from the sorted ids (stable for a given corpus)."""
    ids = sorted(papers)
    return random.Random(seed).sample(ids, min(n, len(ids)))


def _bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def _occurrences(text: str, name: str) -> list[tuple[int, int]]:
    found, at = [], text.find(name)
    while at >= 0:
        if _bounded(text, at, at + len(name)):
            found.append((at, at + len(name)))
        at = text.find(name, at + 1)
    return found


def _number_matches(text: str, name: str, after: int) -> list[tuple[int, int]]:
    found = []
    for match in re.finditer(re.escape(name), text[after:]):
        start, end = after + match.start(), after + match.end()
        before = text[start - 1] if start > 0 else " "
        nxt = text[end] if end < len(text) else " "
        if (before.isalnum() or before in "-._") and name[:1].isdigit():
            continue
        if nxt.isdigit() or (name[-1:].isdigit() and (nxt.isalpha() or nxt in "_")):
            continue
        found.append((start, end))
    return found


def convert(work: dict[str, Any], paper: dict[str, str]) -> dict[str, Any]:
    """One gold record from one working record and the paper's text."""
    pid = work["id"]
    spans: list[tuple[str, int, int, str, bool]] = []
    for item in work.get("entities", []):
        name, label = item["text"], item["label"]
        if label not in LABELS:
            raise AnnotationError(f"{pid}: entity {name!r}: label {label!r} is not one of {LABELS}")
        if name != name.strip() or not name:
            raise AnnotationError(f"{pid}: entity {name!r} has surrounding spaces")
        fields = [item["field"]] if item.get("field") else list(FIELDS)
        skip = set(item.get("skip", []))
        hits = [(f, s, e) for f in fields for s, e in _occurrences(paper[f], name)]
        if not hits:
            raise AnnotationError(f"{pid}: entity {name!r} does not occur in {'/'.join(fields)}")
        for k, (f, s, e) in enumerate(hits, start=1):
            if k not in skip:
                spans.append((f, s, e, label, bool(item.get("generic", False))))
    # longer names win where listed names overlap
    kept: list[tuple[str, int, int, str, bool]] = []
    for span in sorted(spans, key=lambda x: (-(x[2] - x[1]), FIELDS.index(x[0]), x[1])):
        if any(k[0] == span[0] and k[1] < span[2] and span[1] < k[2] for k in kept):
            continue
        kept.append(span)
    kept.sort(key=lambda x: (FIELDS.index(x[0]), x[1]))
    entities = [{"field": f, "start": s, "end": e, "label": lab, "generic": g} for f, s, e, lab, g in kept]

    numbers = []
    cursor = {f: 0 for f in FIELDS}
    for item in work.get("numbers", []):
        name, field = item["text"], item.get("field", "abstract")
        matches = _number_matches(paper[field], name, cursor[field])
        skip = int(item.get("skip", 0))
        if len(matches) <= skip:
            raise AnnotationError(f"{pid}: number {name!r} not found in {field} after offset {cursor[field]}")
        start, end = matches[skip]
        cursor[field] = end
        role, kind = item["role"], item.get("kind")
        if role not in ROLES:
            raise AnnotationError(f"{pid}: number {name!r}: role {role!r} is not one of {ROLES}")
        if kind is not None and kind not in KINDS:
            raise AnnotationError(f"{pid}: number {name!r}: kind {kind!r} is not one of {KINDS}")
        record: dict[str, Any] = {"field": field, "start": start, "end": end, "role": role, "kind": kind,
                                  "value": item.get("value"), "unit": item.get("unit"), "high": item.get("high")}
        for key, label in TARGETS.items():
            target = item.get(key)
            record[key] = None if target is None else _resolve(pid, entities, paper, field, start, target, label)
        inferred = list(item.get("inferred", []))
        if any(k not in TARGETS for k in inferred):
            raise AnnotationError(f"{pid}: number {name!r}: inferred names an unknown field: {inferred}")
        record["inferred"] = inferred
        for ent in entities:
            if ent["field"] == field and ent["start"] < end and start < ent["end"]:
                raise AnnotationError(f"{pid}: number {name!r} at {start} overlaps an entity mention")
        numbers.append(record)
    return {"id": pid, "entities": entities, "numbers": numbers}


def _resolve(pid: str, entities: list[dict[str, Any]], paper: dict[str, str], field: str, at: int,
             name: str, label: str) -> int:
    candidates = [
        i for i, e in enumerate(entities)
        if paper[e["field"]][e["start"]:e["end"]].lower() == name.lower() and e["label"] == label
    ]
    if not candidates:
        raise AnnotationError(f"{pid}: attribution {name!r} ({label}) is not an annotated mention")

    def distance(i: int) -> tuple[int, int, int]:
        e = entities[i]
        same = 0 if e["field"] == field else 1
        return (same, 0 if e["start"] <= at else 1, abs(at - e["start"]))

    return min(candidates, key=distance)


def check(record: dict[str, Any], paper: dict[str, str]) -> list[str]:
    """What is wrong with a gold record against the paper's text (empty when nothing is)."""
    problems = []
    pid = record["id"]
    last: dict[str, int] = {}
    for i, e in enumerate(record["entities"]):
        text = paper[e["field"]]
        if not (0 <= e["start"] < e["end"] <= len(text)):
            problems.append(f"{pid}: entity {i} offsets out of range")
            continue
        if not _bounded(text, e["start"], e["end"]):
            problems.append(f"{pid}: entity {i} ({text[e['start']:e['end']]!r}) not on word boundaries")
        if e["start"] < last.get(e["field"], 0):
            problems.append(f"{pid}: entity {i} overlaps or is out of order")
        last[e["field"]] = e["end"]
        if e["label"] not in LABELS:
            problems.append(f"{pid}: entity {i} label {e['label']!r}")
    for j, n in enumerate(record["numbers"]):
        for key in TARGETS:
            idx = n.get(key)
            if idx is not None and not (0 <= idx < len(record["entities"])):
                problems.append(f"{pid}: number {j} {key} index {idx} out of range")
    return problems


def _f1(a: set[Any], b: set[Any]) -> tuple[float, int, int, int]:
    both = len(a & b)
    return (2 * both / (len(a) + len(b)) if a or b else 1.0), both, len(a), len(b)


def _kappa(pairs: list[tuple[Any, Any]]) -> float:
    """Cohen's kappa of two annotators' labels on the same items."""
    if not pairs:
        return float("nan")
    observed = sum(x == y for x, y in pairs) / len(pairs)
    labels = {x for x, _ in pairs} | {y for _, y in pairs}
    expected = sum(
        (sum(x == k for x, _ in pairs) / len(pairs)) * (sum(y == k for _, y in pairs) / len(pairs)) for k in labels
    )
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def agreement(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> list[str]:
    """Agreement of two gold files on the papers both annotated, as lines of a table."""
    a = {r["id"]: r for r in first}
    b = {r["id"]: r for r in second}
    shared = sorted(set(a) & set(b))
    lines = [f"{len(shared)} papers annotated by both"]

    def spans(r: dict[str, Any], labelled: bool, label: str | None = None) -> set[Any]:
        return {(r["id"], e["field"], e["start"], e["end"]) + ((e["label"],) if labelled else ())
                for e in r["entities"] if label is None or e["label"] == label}

    for label in (None, *LABELS):
        sa = set().union(*(spans(a[i], True, label) for i in shared))
        sb = set().union(*(spans(b[i], True, label) for i in shared))
        f1, both, na, nb = _f1(sa, sb)
        lines.append(f"entities strict {label or 'all':8} F1 {f1:.3f}  ({both} agreed; {na} vs {nb})")
    overlap = 0
    total = 0
    for i in shared:
        for e in a[i]["entities"]:
            total += 1
            overlap += any(x["field"] == e["field"] and x["start"] < e["end"] and e["start"] < x["end"]
                           and x["label"] == e["label"] for x in b[i]["entities"])
    lines.append(f"entities: first's mentions overlapped by a same-label mention of second: {overlap}/{total}")
    matched = [(ea["label"], eb["label"], ea["generic"], eb["generic"]) for i in shared
               for ea in a[i]["entities"] for eb in b[i]["entities"]
               if (ea["field"], ea["start"], ea["end"]) == (eb["field"], eb["start"], eb["end"])]
    lines.append(f"same span: label kappa {_kappa([(x[0], x[1]) for x in matched]):.3f}, "
                 f"generic kappa {_kappa([(x[2], x[3]) for x in matched]):.3f} ({len(matched)} spans)")
    na = {(i, n["field"], n["start"], n["end"]): n for i in shared for n in a[i]["numbers"]}
    nb = {(i, n["field"], n["start"], n["end"]): n for i in shared for n in b[i]["numbers"]}
    f1, both, x, y = _f1(set(na), set(nb))
    lines.append(f"numbers: span F1 {f1:.3f} ({both} agreed; {x} vs {y})")
    common = sorted(set(na) & set(nb))
    lines.append(f"numbers: role kappa {_kappa([(na[k]['role'], nb[k]['role']) for k in common]):.3f}")

    def target(r: dict[str, Any], n: dict[str, Any], key: str) -> Any:
        idx = n.get(key)
        if idx is None:
            return None
        e = r["entities"][idx]
        return (e["field"], e["start"], e["end"])

    for key in ("method", "dataset", "metric", "task"):
        pairs = [(target(a[k[0]], na[k], key), target(b[k[0]], nb[k], key)) for k in common
                 if na[k]["role"] in ("result", "improvement", "baseline")]
        same = sum(x == y for x, y in pairs)
        lines.append(f"numbers: {key:7} attribution agreement {same}/{len(pairs)}")
    return lines


def _show(papers: dict[str, dict[str, str]], ids: list[str]) -> None:
    for pid in ids:
        paper = papers[pid]
        print(f"== {pid}\nTITLE: {paper['title']}")
        for k, sentence in enumerate(re.split(r"(?<=[.!?])\s+(?=[A-Z(])", paper["abstract"]), start=1):
            print(f"[{k}] {sentence}")
        print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_sample = sub.add_parser("sample")
    p_sample.add_argument("-n", type=int, default=100)
    p_show = sub.add_parser("show")
    p_show.add_argument("ids", nargs="+")
    p_convert = sub.add_parser("convert")
    p_convert.add_argument("work", nargs="+", type=Path)
    p_convert.add_argument("-o", "--output", type=Path, required=True)
    p_check = sub.add_parser("check")
    p_check.add_argument("gold", type=Path)
    p_agree = sub.add_parser("agree")
    p_agree.add_argument("first", type=Path)
    p_agree.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    papers = corpus_papers()
    if args.command == "sample":
        print("\n".join(sample_ids(papers, args.n)))
        return 0
    if args.command == "show":
        _show(papers, args.ids)
        return 0
    if args.command == "convert":
        records, errors = [], []
        for path in args.work:
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                work = json.loads(line)
                try:
                    records.append(convert(work, papers[work["id"]]))
                except (AnnotationError, KeyError) as exc:
                    errors.append(str(exc))
        for error in errors:
            print(error, file=sys.stderr)
        if errors:
            return 1
        records.sort(key=lambda r: r["id"])
        args.output.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        ents = sum(len(r["entities"]) for r in records)
        nums = sum(len(r["numbers"]) for r in records)
        print(f"{len(records)} papers, {ents} mentions, {nums} numbers -> {args.output}")
        return 0
    if args.command == "agree":
        def load(path: Path) -> list[dict[str, Any]]:
            return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        print("\n".join(agreement(load(args.first), load(args.second))))
        return 0
    problems = []
    for line in args.gold.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        problems.extend(check(record, papers[record["id"]]))
    print("\n".join(problems) or "ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

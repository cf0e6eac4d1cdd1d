"""Linking at scale: `kg.linking.link` on a million distinct mention strings, with time and peak RSS.

    python -m benchmarks.link_bench [--strings 1000000] [--per-paper 20] [--near 0.1] [--seed 0]

Synthetic mentions, deterministic for the seed: random CamelCase names of two to four syllables,
half of them with digits or a version ("KanoVeriNet42", "Zumaflex-3B"), every string distinct,
`--per-paper` mentions per paper, labels METHOD/DATASET/METRIC/TASK in 5:3:1:1. A share `--near`
of them are near-spellings of another string (a dropped, doubled or swapped letter, a hyphen, a
different case), so the fuzzy merging has real work; every mention is also linked against the
packaged knowledge base. Reported: time to generate, time of `link()`, mentions/s, entities
found, and peak RSS of this process before and after linking (`getrusage`).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections.abc import Sequence

from kg.types import Extraction, Label, Mention

SYLLABLES = ("ka", "no", "ve", "ri", "zu", "ma", "fle", "tor", "qu", "an", "bel", "cy", "dra", "ex", "fo", "gi",
             "hal", "io", "jo", "ke", "lum", "mi", "nex", "ol", "pra", "sta", "tri", "ul", "vo", "wy", "xa", "yo",
             "zen", "bri", "cro", "del", "fin", "gor", "hex", "ix", "lo", "mor", "nu", "pol", "ros", "sen", "tal")
TAILS = ("Net", "Former", "GAN", "BERT", "Flow", "Bench", "QA", "Set", "LM", "Seg", "", "", "", "")
LABELS: tuple[Label, ...] = ("METHOD",) * 5 + ("DATASET",) * 3 + ("METRIC", "TASK")


def _name(rng: random.Random) -> str:
    parts = [rng.choice(SYLLABLES).capitalize() for _ in range(rng.randint(2, 4))]
    name = "".join(parts) + rng.choice(TAILS)
    roll = rng.random()
    if roll < 0.25:
        name += str(rng.randint(1, 999))
    elif roll < 0.5:
        name += rng.choice(("-", " ")) + rng.choice(("v2", "3B", "7B", "XL", "2", "3", "Large", "Base", "1.5"))
    return name


def _near(name: str, rng: random.Random) -> str:
    """A near-spelling: one letter dropped, doubled or swapped, a hyphen inserted, or the case changed."""
    i = rng.randrange(1, len(name) - 1) if len(name) > 3 else 1
    kind = rng.randrange(5)
    if kind == 0:
        return name[:i] + name[i + 1:]
    if kind == 1:
        return name[:i] + name[i] + name[i:]
    if kind == 2:
        return name[:i - 1] + name[i] + name[i - 1] + name[i + 1:]
    if kind == 3:
        return name[:i] + "-" + name[i:]
    return name.upper() if rng.random() < 0.5 else name.lower()


def mention_strings(n: int, *, near: float = 0.1, seed: int = 0) -> list[str]:
    """`n` distinct strings, a share `near` of them near-spellings of earlier ones.

    >>> s = mention_strings(1000, seed=1)
    >>> len(s), len(set(s))
    (1000, 1000)
    """
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        name = _near(rng.choice(out), rng) if out and rng.random() < near else _name(rng)
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def extractions(strings: Sequence[str], *, per_paper: int = 20, seed: int = 0) -> list[Extraction]:
    """Papers of `per_paper` mentions each over the strings, in order; labels drawn 5:3:1:1."""
    rng = random.Random(seed + 1)
    papers: list[Extraction] = []
    for start in range(0, len(strings), per_paper):
        mentions: list[Mention] = []
        at = 0
        for text in strings[start:start + per_paper]:
            mentions.append(Mention("abstract", at, at + len(text), text, rng.choice(LABELS), score=0.7,
                                    source="pattern"))
            at += len(text) + 1
        papers.append(Extraction(f"bench-{start // per_paper:07d}", tuple(mentions)))
    return papers


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.link_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--strings", type=int, default=1_000_000, help="Distinct mention strings (default 1e6).")
    parser.add_argument("--per-paper", type=int, default=20, help="Mentions per paper (default 20).")
    parser.add_argument("--near", type=float, default=0.1, help="Share of near-spellings (default 0.1).")
    parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
    args = parser.parse_args(argv)

    from kg.linking import link, load_kb

    started = time.perf_counter()
    strings = mention_strings(args.strings, near=args.near, seed=args.seed)
    papers = extractions(strings, per_paper=args.per_paper, seed=args.seed)
    del strings
    kb = load_kb()
    generated = time.perf_counter() - started
    before = _peak_mb()
    print(f"generated {args.strings:,} strings in {len(papers):,} papers in {generated:.1f} s "
          f"(peak RSS {before:,.0f} MB)", file=sys.stderr, flush=True)
    started = time.perf_counter()
    linked = link(papers, kb)
    seconds = time.perf_counter() - started
    new = sum(1 for e in linked.entities if e.id.startswith("new/"))
    print("| mentions | papers | link s | mentions/s | entities (new) | peak RSS before | peak RSS after |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.strings:,} | {len(papers):,} | {seconds:.1f} | {args.strings / seconds:,.0f} | "
          f"{len(linked.entities):,} ({new:,}) | {before:,.0f} MB | {_peak_mb():,.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

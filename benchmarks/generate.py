"""Synthetic but realistic corpora of ML abstracts for the scale benchmarks, deterministic for a seed.

    python -m benchmarks.generate N -o corpus.jsonl [--seed 0] [--source ../shared/corpus]

The sentences are real: those of the shared corpus (../shared/corpus, read with `kg.ingest`; the
example corpus when it is absent). Each synthetic abstract takes an opening sentence of one paper,
middle sentences of others and a closing sentence of another, so the structure and vocabulary are
those of real abstracts. What would make a big corpus unrealistically easy is changed:

* method and dataset names that look like names (found once by kg's `--fast` pipeline in the source
  sentences: inner capitals, acronyms, versions) are replaced, consistently within a paper, by
  generated names: CamelCase methods with version suffixes ("HyperKanFormer-2", "GraphMixer v3"),
  datasets with numbers ("MedQA-2019", "CodeBench-5k"); a quarter keep their real name (BERT,
  ImageNet), so linking to the knowledge base is exercised too. Generated names are drawn
  log-uniformly from a pool of about N names, so a few are in hundreds of papers and most in one,
  and the distinct names grow with N as in a real corpus;
* numbers outside names get random values of the same shape ("91.2" -> "87.6", "3x" -> "7x");
* titles get the paper's new names, and a generated method name when they name none;
* ids are unique (``synth-<seed>-<n>``), dates are random from 2018 to 2025.

No two abstracts are the same text. The output is JSON Lines of `kg.types.Paper` objects.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import random
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "corpus"
FALLBACK_SOURCE = ROOT / "examples" / "abstracts.jsonl"

_NAME_LIKE = re.compile(r"[A-Za-z][\w.+-]*(?: [A-Za-z0-9][\w.+-]*){0,2}")
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")  # "LLMs", "CNNs": a kind of model, not a name
_NUMBER = re.compile(r"(?<![\w.-])(\d+(?:[.,]\d+)?)(?=[\sx×%)\],;:]|\.(?:\s|$)|$)")

_M_HEADS = ("Neuro", "Graph", "Trans", "Hyper", "Meta", "Flash", "Deep", "Sparse", "Quant", "Vision", "Lingo",
            "Retro", "Omni", "Poly", "Uni", "Spectra", "Cross", "Dyna", "Fuse", "Astra", "Boost", "Chrono",
            "Diffu", "Echo", "Flux", "Geo", "Helix", "Iso", "Kine", "Lumi", "Morph", "Nova", "Orbi", "Pixel",
            "Quasar", "Rho", "Sigma", "Tensor", "Vox", "Zeta")
_M_MIDS = ("", "", "", "Kan", "Mo", "Lo", "Ra", "Vi", "Ze", "Tu", "Ga", "Pi", "Co", "De", "Xi", "Bi")
_M_TAILS = ("Net", "Former", "GAN", "BERT", "Diff", "Mixer", "LM", "Seg", "Det", "Flow", "RL", "GNN", "Cast",
            "Search", "Align", "Tune", "Coder", "Fusion", "Mamba", "Prompt", "Rank", "VAE", "ViT", "Nav")
_M_VERSIONS = ("", "", "", "", "-2", "-3", " v2", " v3", "-XL", "-7B", "-13B", "-Large", "-Base", "++", "-S")
_D_HEADS = ("Med", "Code", "Math", "Sci", "Bio", "Geo", "Legal", "Chem", "News", "Wiki", "Fin", "Edu", "Astro",
            "Agri", "Traffic", "Retail", "Clinic", "Patent", "Poem", "Recipe", "Sport", "Music", "Robo", "Aero")
_D_TAILS = ("QA", "Bench", "Set", "Text", "Pix", "Vid", "Dial", "Sum", "NER", "Graph", "Eval", "Scenes", "Speech",
            "Caps", "Ret", "Instruct")
_D_VERSIONS = ("", "", "-1k", "-5k", "-10K", "-2019", "-2021", "-2023", "-v2", "-Hard", "-Lite", "200", "-XL")


def _pick(rng: random.Random, options: Sequence[str]) -> str:
    return options[rng.randrange(len(options))]


@functools.lru_cache(maxsize=1 << 18)
def method_name(seed: int, index: int) -> str:
    """The generated method name number `index` of a pool (the same on every run).

    >>> method_name(0, 7) == method_name(0, 7), method_name(0, 7) != method_name(0, 8)
    (True, True)
    """
    rng = random.Random(f"method/{seed}/{index}")
    return _pick(rng, _M_HEADS) + _pick(rng, _M_MIDS) + _pick(rng, _M_TAILS) + _pick(rng, _M_VERSIONS)


@functools.lru_cache(maxsize=1 << 18)
def dataset_name(seed: int, index: int) -> str:
    """The generated dataset name number `index` of a pool."""
    rng = random.Random(f"dataset/{seed}/{index}")
    return _pick(rng, _D_HEADS) + _pick(rng, _D_TAILS) + _pick(rng, _D_VERSIONS)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A source sentence with the spans to replace: (start, end, kind) with kind METHOD, DATASET or NUMBER."""

    text: str
    slots: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True, slots=True)
class Source:
    """The source corpus cut into sentences: openings, middles and closings, and titles with their slots."""

    openings: tuple[Sentence, ...]
    middles: tuple[Sentence, ...]
    closings: tuple[Sentence, ...]
    titles: tuple[Sentence, ...]


def _name_like(text: str) -> bool:
    """Whether a mention reads as a name (capitals inside or digits), not a phrase like "language models"."""
    if not _NAME_LIKE.fullmatch(text):
        return False
    capitals = sum(c.isupper() for c in text)
    return capitals >= 2 or (capitals >= 1 and any(c.isdigit() for c in text))


def _slots(text: str, mentions: Sequence[tuple[int, int, str]]) -> tuple[tuple[int, int, str], ...]:
    """Name slots from the mentions, and number slots outside them, sorted, never overlapping."""
    taken = [(s, e) for s, e, _ in mentions]
    out = [(s, e, label) for s, e, label in mentions if label in ("METHOD", "DATASET") and _name_like(text[s:e])
           and not _PLURAL_ACRONYM.fullmatch(text[s:e]) and text[e:e + 1] != "-" and text[s - 1:s] != "-"]
    for m in _NUMBER.finditer(text):
        if not any(s < m.end() and m.start() < e for s, e in taken):
            out.append((m.start(1), m.end(1), "NUMBER"))
    out.sort()
    kept: list[tuple[int, int, str]] = []
    for slot in out:
        if not kept or slot[0] >= kept[-1][1]:
            kept.append(slot)
    return tuple(kept)


def load_source(path: Path | None = None) -> Source:
    """The sentences of the source corpus with their slots (kg's `--fast` extraction finds the names)."""
    from kg.extract import build_nlp, extract_papers
    from kg.extract.sentences import split_sentences
    from kg.ingest import read_papers

    if path is None:
        path = DEFAULT_SOURCE if DEFAULT_SOURCE.exists() else FALLBACK_SOURCE
    papers = [p for p in read_papers([path]) if p.abstract.strip()]
    if not papers:
        raise SystemExit(f"no papers with an abstract in {path}")
    openings: list[Sentence] = []
    middles: list[Sentence] = []
    closings: list[Sentence] = []
    titles: list[Sentence] = []
    for paper, record in zip(papers, extract_papers(papers, build_nlp("fast")), strict=True):
        spans = {field: [(m.start, m.end, m.label) for m in record.mentions if m.field == field]
                 for field in ("title", "abstract")}
        titles.append(Sentence(paper.title, _slots(paper.title, spans["title"])))
        sentences = split_sentences(paper.abstract)
        for k, (start, end) in enumerate(sentences):
            inside = [(s - start, e - start, label) for s, e, label in spans["abstract"] if start <= s and e <= end]
            sentence = Sentence(paper.abstract[start:end], _slots(paper.abstract[start:end], inside))
            if k == 0:
                openings.append(sentence)
            elif k == len(sentences) - 1:
                closings.append(sentence)
            else:
                middles.append(sentence)
    return Source(tuple(openings), tuple(middles or openings), tuple(closings or middles or openings), tuple(titles))


class _Names:
    """The replacement names of one paper: each source name maps to one new name within the paper."""

    def __init__(self, rng: random.Random, seed: int, pool: int) -> None:
        self.rng = rng
        self.seed = seed
        self.pool = pool
        self.chosen: dict[tuple[str, str], str] = {}

    def get(self, original: str, kind: str) -> str:
        key = (original, kind)
        if key not in self.chosen:
            if self.rng.random() < 0.25:
                self.chosen[key] = original
            else:
                pool = self.pool if kind == "METHOD" else max(1, self.pool // 3)
                index = int(pool ** self.rng.random()) - 1  # log-uniform: a heavy head, a long tail
                make = method_name if kind == "METHOD" else dataset_name
                self.chosen[key] = make(self.seed, index)
        return self.chosen[key]

    def any_method(self) -> str:
        return method_name(self.seed, int(self.pool ** self.rng.random()) - 1)


def _number_like(text: str, rng: random.Random) -> str:
    """A random number written like `text`: same number of decimals, similar magnitude."""
    sep = "," if "," in text else "."
    whole, _, decimals = text.replace(",", ".").partition(".")
    if sep == "," and len(decimals) == 3:  # a thousands separator: 12,000
        value = rng.randint(1, 999)
        return f"{value},{rng.randint(0, 999):03d}"
    if not decimals and len(whole) == 4 and whole[:2] in ("19", "20"):  # a year
        return str(rng.randint(2000, 2025))
    top = max(9, 10 ** len(whole) - 1)
    if decimals:
        return f"{rng.uniform(0, top):.{len(decimals)}f}".replace(".", sep)
    return str(rng.randint(1 if whole != "0" else 0, top))


def _fill(sentence: Sentence, names: _Names, rng: random.Random) -> str:
    parts: list[str] = []
    at = 0
    for start, end, kind in sentence.slots:
        parts.append(sentence.text[at:start])
        original = sentence.text[start:end]
        parts.append(_number_like(original, rng) if kind == "NUMBER" else names.get(original, kind))
        at = end
    parts.append(sentence.text[at:])
    return "".join(parts)


def generate(n: int, *, seed: int = 0, source: Source | None = None) -> Iterator[dict[str, object]]:
    """`n` synthetic papers as JSON objects (id, title, abstract, date), deterministic for `seed`."""
    src = source if source is not None else load_source()
    rng = random.Random(seed)
    pool = max(100, n)
    seen: set[bytes] = set()
    for i in range(n):
        names = _Names(rng, seed, pool)
        while True:
            chosen = [_pick_sentence(rng, src.openings)]
            chosen += [_pick_sentence(rng, src.middles) for _ in range(rng.randint(3, 7))]
            chosen.append(_pick_sentence(rng, src.closings))
            abstract = " ".join(_fill(s, names, rng) for s in chosen)
            digest = hashlib.blake2b(abstract.encode(), digest_size=8).digest()
            if digest not in seen:
                seen.add(digest)
                break
        title_source = _pick_sentence(rng, src.titles)
        title = _fill(title_source, names, rng)
        if not any(kind == "METHOD" for *_, kind in title_source.slots):
            title = f"{names.any_method()}: {title}"
        date = f"{rng.randint(2018, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        yield {"id": f"synth-{seed}-{i:07d}", "title": title, "abstract": abstract, "date": date}


def _pick_sentence(rng: random.Random, sentences: Sequence[Sentence]) -> Sentence:
    return sentences[rng.randrange(len(sentences))]


def write_corpus(n: int, path: Path, *, seed: int = 0, source: Path | None = None) -> int:
    """Writes `n` synthetic papers to `path` as JSON Lines (atomically); returns n."""
    from kg.atomic import atomic_write

    with atomic_write(path) as out:
        for paper in generate(n, seed=seed, source=load_source(source)):
            out.write(json.dumps(paper, ensure_ascii=False) + "\n")
    return n


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: `python -m benchmarks.generate N -o corpus.jsonl [--seed 0]`."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="How many abstracts to write.")
    parser.add_argument("-o", "--output", type=Path, required=True, help="JSONL file to write.")
    parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
    parser.add_argument("--source", type=Path, default=None,
                        help=f"Corpus to take sentences from (default {DEFAULT_SOURCE}, else {FALLBACK_SOURCE}).")
    args = parser.parse_args(argv)
    write_corpus(args.n, args.output, seed=args.seed, source=args.source)
    print(f"{args.n} abstracts written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

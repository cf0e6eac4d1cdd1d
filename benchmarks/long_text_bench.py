"""Time and memory of extracting one paper whose abstract has N characters, per pipeline.

    python -m benchmarks.long_text_bench [--sizes 10000,100000,1000000] [--limit]

Each size runs in a child process of its own (a fresh peak RSS): the pipeline is built and warmed
up on a short text, then one paper whose abstract is the example abstracts repeated to N characters
is extracted. Reported: seconds and the growth of peak RSS during that one extraction. Without
`--limit` the paper is extracted whole (what `kg.extract.limits.MAX_TEXT_CHARS` was chosen from);
with it, as kg extracts it (cut to the limit).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "abstracts.jsonl"


def _one(pipeline: str, size: int, limit: bool) -> None:
    from kg.extract import build_nlp, extract_papers, limits
    from kg.types import Paper

    if not limit:
        limits.MAX_TEXT_CHARS = sys.maxsize
    nlp = build_nlp(pipeline)
    base = " ".join(json.loads(line)["abstract"] for line in EXAMPLES.open(encoding="utf-8"))
    next(extract_papers([Paper(id="w", title="", abstract=base[:2000])], nlp))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    text = (base * (size // len(base) + 1))[:size]
    clock = time.perf_counter()
    record = next(extract_papers([Paper(id="x", title="", abstract=text)], nlp))
    seconds = time.perf_counter() - clock
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(f"{pipeline:8} {size:>10,} chars {seconds:8.2f} s  peak RSS +{grown:7.1f} MB  "
          f"{len(record.mentions)} mentions", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--limit", action="store_true", help="extract as kg does (cut to the limit)")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        _one(args.one[0], int(args.one[1]), args.limit)
        return
    for pipeline in ("fast", "default"):
        for size in (int(s) for s in args.sizes.split(",")):
            subprocess.run([sys.executable, "-m", "benchmarks.long_text_bench", "--one", pipeline, str(size),
                            *(["--limit"] if args.limit else [])], check=True)


if __name__ == "__main__":
    main()

"""What the golden test compares: the outputs of `kg build` on a corpus, reduced to what must not change.

`python -m tests.golden_outputs` (or `make golden`) rebuilds the golden files in `tests/golden/` after
a change that is meant to change kg's output; `tests/test_golden.py` checks that nothing else does.

For the shipped example corpus the golden files are the records and the RDF themselves (the
abstracts are the project's own). For `../shared/corpus` only a digest is kept (its abstracts are
not ours to copy): the SHA-256 of the records and of the sorted N-Triples.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import sys
from pathlib import Path

from click.testing import CliRunner

from tests.paths import CORPUS, EXAMPLES, ROOT

GOLDEN = ROOT / "tests" / "golden"
PIPELINES = ("default", "fast")


def build(source: Path, out: Path, pipeline: str) -> Path:
    """`kg build SOURCE -o OUT --rdf-format nt --no-html` with the named pipeline; returns OUT.

    The build runs in SOURCE's folder and names SOURCE relative to it, so that the papers' sources
    (`dct:source "examples/abstracts.jsonl:3"`) do not depend on where the repository is checked out.
    """
    from kg.cli import main

    args = ["build", source.name, "-o", str(out.resolve()), "--rdf-format", "nt", "--no-html"]
    if pipeline == "fast":
        args.append("--fast")
    with contextlib.chdir(source.parent):
        result = CliRunner().invoke(main, args, catch_exceptions=False)
    if result.exit_code != 0:
        raise RuntimeError(f"kg build failed: {result.output}")
    return out


def sorted_ntriples(path: Path) -> str:
    """The N-Triples of an RDF file, parsed and sorted (one canonical text of the same triples: kg's
    graphs have no blank nodes)."""
    import pyoxigraph as ox

    return "".join(sorted(f"{t} .\n" for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)))


def golden_ntriples(pipeline: str) -> str:
    """The golden sorted N-Triples of the example corpus built with the named pipeline."""
    return gzip.decompress((GOLDEN / f"examples-{pipeline}.nt.gz").read_bytes()).decode()


def digest(out: Path) -> dict[str, str]:
    """SHA-256 of the records and of the sorted N-Triples of a build folder."""
    return {"records": hashlib.sha256((out / "records.jsonl").read_bytes()).hexdigest(),
            "rdf": hashlib.sha256(sorted_ntriples(out / "graph.nt").encode()).hexdigest()}


def regenerate(tmp: Path) -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for pipeline in PIPELINES:
        out = build(EXAMPLES, tmp / f"examples-{pipeline}", pipeline)
        (GOLDEN / f"examples-{pipeline}.records.jsonl").write_bytes((out / "records.jsonl").read_bytes())
        (GOLDEN / f"examples-{pipeline}.nt.gz").write_bytes(
            gzip.compress(sorted_ntriples(out / "graph.nt").encode(), mtime=0))
    if CORPUS.is_dir():
        digests = {p: digest(build(CORPUS, tmp / f"corpus-{p}", p)) for p in PIPELINES}
        (GOLDEN / "corpus.sha256.json").write_text(json.dumps(digests, indent=2) + "\n", encoding="utf-8")
    else:
        print(f"note: {CORPUS} is absent; the corpus digests were left as they were", file=sys.stderr)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        regenerate(Path(tmp))
    print(f"golden files written to {GOLDEN}")

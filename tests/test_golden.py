"""kg's outputs do not change unless a change means them to: records and RDF of `kg build` on the
example corpus and on `../shared/corpus`, both pipelines, against `tests/golden/`.

A change meant to change kg's output regenerates the golden files (`make golden`) and says why in
its commit; any other difference is a regression.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from tests.golden_outputs import CORPUS, EXAMPLES, GOLDEN, build, digest, golden_ntriples

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("pipeline", ["default", "fast"])
def test_example_build_matches_the_golden_records_and_rdf(pipeline: str, tmp_path: Path) -> None:
    out = build(EXAMPLES, tmp_path, pipeline)
    want = (GOLDEN / f"examples-{pipeline}.records.jsonl").read_text(encoding="utf-8").splitlines()
    got = (out / "records.jsonl").read_text(encoding="utf-8").splitlines()
    diff = list(difflib.unified_diff(want, got, "golden", "now", lineterm="", n=0))
    assert not diff, "records changed (make golden if meant):\n" + "\n".join(diff[:20])
    golden = Graph().parse(data=golden_ntriples(pipeline), format="nt")
    now = Graph().parse(out / "graph.nt", format="nt")
    if not isomorphic(golden, now):
        _, only_golden, only_now = graph_diff(to_isomorphic(golden), to_isomorphic(now))
        lines = [f"- {t}" for t in sorted(only_golden)[:10]] + [f"+ {t}" for t in sorted(only_now)[:10]]
        pytest.fail("RDF changed (make golden if meant):\n" + "\n".join(map(str, lines)))


def test_golden_rdf_has_no_blank_nodes() -> None:
    """The sorted N-Triples digest of the corpus builds is only canonical without blank nodes."""
    for pipeline in ("default", "fast"):
        assert "_:" not in golden_ntriples(pipeline)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
@pytest.mark.parametrize("pipeline", ["default", "fast"])
def test_corpus_build_matches_the_golden_digests(pipeline: str, tmp_path: Path) -> None:
    want = json.loads((GOLDEN / "corpus.sha256.json").read_text(encoding="utf-8"))[pipeline]
    assert digest(build(CORPUS, tmp_path, pipeline)) == want, "the corpus build changed (make golden if meant)"

"""The scale benchmarks' own parts: the corpus generator, the link benchmark's strings, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import build_bench, generate, link_bench
from tests.paths import EXAMPLES


@pytest.fixture(scope="module")
def source() -> generate.Source:
    return generate.load_source(EXAMPLES)


@pytest.mark.slow
def test_generated_corpus_is_deterministic_unique_and_varied(source: generate.Source, tmp_path: Path) -> None:
    first = list(generate.generate(300, seed=3, source=source))
    assert first == list(generate.generate(300, seed=3, source=source))
    assert first != list(generate.generate(300, seed=4, source=source))
    assert len({p["id"] for p in first}) == 300
    assert len({p["abstract"] for p in first}) == 300
    originals = {s.text for s in (*source.openings, *source.middles, *source.closings)}
    text = " ".join(str(p["abstract"]) for p in first)
    # generated names are spread over the corpus, and most sentences are rewritten
    generated = {generate.method_name(3, i) for i in range(300)}
    assert sum(name in text for name in generated) > 30
    sentences = [s for p in first for s in str(p["abstract"]).split(". ")]
    assert sum(s in originals for s in sentences) < len(sentences) / 2

    out = tmp_path / "c.jsonl"
    generate.write_corpus(5, out, seed=0, source=EXAMPLES)
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [f"synth-0-{i:07d}" for i in range(5)]


def test_link_bench_strings_are_distinct_and_papers_hold_them_all() -> None:
    strings = link_bench.mention_strings(2000, near=0.2, seed=1)
    assert len(set(strings)) == 2000
    papers = link_bench.extractions(strings, per_paper=20)
    assert len(papers) == 100
    assert [m.text for p in papers for m in p.mentions] == strings


def test_build_bench_report_has_every_stage_and_the_ratios() -> None:
    def report(size: int, pipeline: str, total: float) -> dict[str, object]:
        stages = {s: {"seconds": total / 5, "rss": 100 * 2**20} for s in build_bench.STAGES}
        return {"size": size, "pipeline": pipeline, "workers": 1, "papers": size, "total": total, "stages": stages,
                "rss": 120 * 2**20, "workers_rss": 0}

    reports = [report(1000, "default", 50.0), report(1000, "fast", 10.0), report(10000, "default", 500.0),
               report(10000, "fast", 110.0)]
    table = build_bench.table(reports)
    assert table.count("| extract |") == 4 and "| **total** | **110.0** | **91** | 120 MB |" in table
    assert build_bench.ratios(reports) == [
        "default: 10,000 / 1,000 time = 10.00 (size × 10)",
        "fast: 10,000 / 1,000 time = 11.00 (size × 10)",
        "1,000: default / fast time = 5.00",
        "10,000: default / fast time = 4.55",
    ]

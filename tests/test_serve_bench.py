"""The `kg serve` load benchmark, run small: every phase runs and every answer is right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import serve_bench


def test_parameters_are_written_in_where_the_variable_is() -> None:
    text = "SELECT ?d WHERE { { SELECT ?d ?x WHERE { ?x ?p ?d } } VALUES ?c { 1 } OPTIONAL { ?x ?q ?d } }"
    assert serve_bench.with_values(text, {"d": "CIFAR-10"}) == (
        'SELECT ?d WHERE { VALUES ?d { "CIFAR-10" } { SELECT ?d ?x WHERE { VALUES ?d { "CIFAR-10" } ?x ?p ?d } } '
        'VALUES ?c { 1 } OPTIONAL { VALUES ?d { "CIFAR-10" } ?x ?q ?d } }')
    assert serve_bench.with_values(text, {}) == text


@pytest.mark.slow
def test_serve_bench_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "serve.json"
    assert serve_bench.main(["--small", "--data", str(tmp_path / "data"), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "(a) 50 clients at once: 50 requests" in printed and "errors 0" in printed
    assert "(c) 2 fresh servers" in printed and "2 of 2 with every answer right" in printed
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["concurrent"]["errors"] == figures["mixed"]["errors"] == 0
    assert figures["mixed"]["requests"] == 20 and figures["bursts"]["all_right"] == 2

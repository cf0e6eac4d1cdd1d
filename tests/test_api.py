"""kg's Python API behind the commands (`kg.jobs`, `kg.rdf.inputs`, `kg.train.inputs`): what a
caller gets back, what it is told and what it is refused."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kg.errors import InputError, KgError, OptionError, Problem, QueryError
from kg.jobs import extract_to_file, read_to_file, score_gold
from kg.rdf.inputs import parse_params, prepare_query, resolve_rdf
from kg.train.inputs import training_files


def _papers(tmp_path: Path) -> Path:
    src = tmp_path / "papers.jsonl"
    src.write_text('{"id": "a", "title": "T", "abstract": "BERT on SQuAD."}\n{"id": "b", "title": \n'
                   '{"id": "c", "title": "U", "abstract": "ResNet reaches 76.1% top-1 accuracy on ImageNet."}\n',
                   encoding="utf-8")
    return src


def test_importing_the_api_loads_no_model() -> None:
    code = ("import sys, kg, kg.cli, kg.jobs, kg.rdf.inputs, kg.train.inputs; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'thinc')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_read_to_file_skips_bad_records_and_counts_the_rest(tmp_path: Path) -> None:
    problems: list[Problem] = []
    seen: list[str] = []

    def progress(items: Iterable[Any], what: str) -> Iterator[Any]:
        seen.append(what)
        yield from items

    out = tmp_path / "out.jsonl"
    assert read_to_file([_papers(tmp_path)], out, on_problem=problems.append, progress=progress) == 2
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["a", "c"]
    assert [p.skipped for p in problems] == [True] and ":2" in str(problems[0])
    assert seen == ["papers"]


def test_read_to_file_strict_stops_and_writes_nothing(tmp_path: Path) -> None:
    src = _papers(tmp_path)
    with pytest.raises(InputError, match=":2"):
        read_to_file([src], tmp_path / "out.jsonl", strict=True)
    assert list(tmp_path.iterdir()) == [src]


def test_read_to_file_never_writes_over_its_input(tmp_path: Path) -> None:
    src = _papers(tmp_path)
    before = src.read_bytes()
    with pytest.raises(KgError, match="is also an input"):
        read_to_file([src], src)
    assert src.read_bytes() == before


@pytest.mark.slow
def test_extract_to_file_in_input_order_with_the_fast_pipeline(tmp_path: Path) -> None:
    out = tmp_path / "records.jsonl"
    assert extract_to_file([_papers(tmp_path)], out, pipeline="fast", on_problem=lambda p: None) == 2
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["a", "c"]
    assert [e["text"] for e in records[1]["entities"]] == ["ResNet", "top-1 accuracy", "ImageNet"]
    assert [(c["text"], c["metric"], c["dataset"]) for c in records[1]["claims"]] == [
        ("76.1%", "top-1 accuracy", "ImageNet")]


def test_extract_to_file_refuses_a_folder_and_an_unknown_pipeline_before_reading(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"  # never read: the refusals come first
    with pytest.raises(KgError, match="is a folder"):
        extract_to_file([missing], tmp_path, pipeline="fast")
    with pytest.raises(OptionError, match="unknown pipeline 'quick'; use default, fast"):
        extract_to_file([missing], tmp_path / "r.jsonl", pipeline="quick")
    assert list(tmp_path.iterdir()) == []


def test_score_gold_scores_given_predictions(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "g", "title": "", "abstract": "We fine-tune BERT on SQuAD.", "entities": [
        {"field": "abstract", "start": 13, "end": 17, "text": "BERT", "label": "METHOD"},
        {"field": "abstract", "start": 21, "end": 26, "text": "SQuAD", "label": "DATASET"}]}) + "\n")
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps({"id": "g", "entities": [
        {"field": "abstract", "start": 13, "end": 17, "text": "BERT", "label": "METHOD"}], "claims": []}) + "\n")
    warnings: list[str] = []
    scores = score_gold(gold, pred=pred, warn=warnings.append).to_json()["entities"]["exact"]["micro"]
    assert (scores["precision"], scores["recall"]) == (1.0, 0.5)
    assert warnings == []  # nothing was extracted, so no tagger was asked


def test_resolve_rdf_finds_the_graph_of_a_build(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="run `kg build` first"):
        resolve_rdf(tmp_path)
    (tmp_path / "graph.jsonld").write_text("{}")
    (tmp_path / "graph.ttl").write_text("")
    assert resolve_rdf(tmp_path) == tmp_path / "graph.ttl"
    assert resolve_rdf(tmp_path / "graph.jsonld") == tmp_path / "graph.jsonld"


def test_parse_params_keeps_equals_signs_in_values() -> None:
    assert parse_params([" metric =a=b", "dataset="]) == {"metric": "a=b", "dataset": ""}
    with pytest.raises(OptionError):
        parse_params(["=x"])


def test_prepare_query_binds_named_parameters_and_checks_text() -> None:
    prepared = prepare_query(named="leaderboard", params={"metric": "accuracy", "dataset": "CIFAR-10"})
    assert prepared.bindings == {"metric": "accuracy", "dataset": "CIFAR-10"}
    assert prepared.drop == ["metric", "dataset"]
    assert prepare_query(named="leaderboard", params=["metric=accuracy", "dataset=CIFAR-10"]) == prepared
    with pytest.raises(QueryError, match="needs --param dataset"):
        prepare_query(named="leaderboard", params={"metric": "accuracy"})
    with pytest.raises(QueryError, match="SERVICE"):
        prepare_query(sparql="SELECT * WHERE { SERVICE <http://127.0.0.1/> { ?s ?p ?o } }")


def test_prepare_query_takes_exactly_one_query(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="exactly one"):
        prepare_query()
    with pytest.raises(OptionError, match="exactly one"):
        prepare_query(sparql="ASK {}", named="top-datasets")
    with pytest.raises(OptionError, match="--param goes with --named"):
        prepare_query(sparql="ASK {}", params=["a=b"])


def test_prepare_query_reads_a_file_and_names_it_when_it_cannot(tmp_path: Path) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { ?s ?p ?o }", encoding="utf-8")
    assert prepare_query(file=rq).text == "ASK { ?s ?p ?o }"
    rq.write_bytes(b"ASK { \xff }")
    with pytest.raises(InputError, match=r"q\.rq.*not UTF-8 text \(byte 6\)"):
        prepare_query(file=rq)
    with pytest.raises(InputError, match="cannot read query"):
        prepare_query(file=tmp_path / "missing.rq")


def test_training_files_without_gold_is_one_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import kg.train.crf

    monkeypatch.setattr(kg.train.crf, "DEFAULT_GOLD", (tmp_path / "absent.jsonl",))
    with pytest.raises(InputError, match="pass --gold FILE"):
        training_files()
    gold = tmp_path / "g.jsonl"
    assert training_files([gold]) == [gold]


@pytest.mark.slow
def test_serve_store_answers_until_sigterm_and_says_so(tmp_path: Path) -> None:
    import signal
    import urllib.parse
    import urllib.request

    from kg.rdf.store import create_store

    (tmp_path / "g.nt").write_text('<http://x/a> <http://x/b> "c" .\n', encoding="utf-8")
    create_store(tmp_path / "g.nt", tmp_path / "store")
    code = ("import sys\nfrom kg.rdf.serving import serve_store\nif __name__ == '__main__':\n"
            f"    serve_store({str(tmp_path / 'store')!r}, port=0, quiet=True, say=lambda l: print(l, flush=True))\n")
    script = tmp_path / "serve.py"
    script.write_text(code, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(f"serving {tmp_path / 'store'} (") and line.rstrip().endswith("(Ctrl-C stops)")
        url = line.split(" at ")[1].split(" ")[0]
        query = urllib.parse.urlencode({"query": "SELECT ?o WHERE { ?s ?p ?o }"})
        with urllib.request.urlopen(f"{url}?{query}", timeout=60) as answer:
            assert json.load(answer)["results"]["bindings"][0]["o"]["value"] == "c"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert proc.stdout.read() == "stopped\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

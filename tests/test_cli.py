"""The `kg` command on small real inputs: outputs, messages and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "abstracts.jsonl"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example:" in result.output, f"kg {name} --help lacks an example"
        assert command.help and len(command.help.split()) > 5


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"kg {name}" in readme, f"README does not document kg {name}"


def test_extract_writes_one_record_per_paper_in_order(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "records.jsonl"
    result = runner.invoke(main, ["extract", str(EXAMPLES), "-o", str(out)])
    assert result.exit_code == 0, result.output
    papers = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [p["id"] for p in papers]
    by_id = {p["id"]: p for p in papers}
    labels = set()
    kinds = set()
    for record in records:
        assert set(record) >= {"id", "entities", "claims"}
        paper = by_id[record["id"]]
        for ent in record["entities"]:
            labels.add(ent["label"])
            assert paper[ent["field"]][ent["start"]:ent["end"]] == ent["text"]
            assert 0 < ent["score"] <= 1
        for claim in record["claims"]:
            kinds.add(claim["kind"])
            assert paper[claim["field"]][claim["start"]:claim["end"]] == claim["text"]
    assert labels == {"METHOD", "DATASET", "METRIC", "TASK"}
    assert {"score", "improvement", "reduction", "speedup", "size"} <= kinds


def test_bad_records_are_skipped_and_named(runner: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "papers.jsonl"
    src.write_text('{"id": "a", "title": "T", "abstract": "BERT on SQuAD."}\n{"id": "b", "title": \n'
                   '{"id": "c", "title": "U", "abstract": "ResNet on ImageNet."}\n', encoding="utf-8")
    out = tmp_path / "records.jsonl"
    result = runner.invoke(main, ["extract", str(src), "-o", str(out)])
    assert result.exit_code == 0
    assert f"{src}:2" in result.output
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["a", "c"]


def test_strict_stops_with_one_line_and_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "papers.jsonl"
    src.write_text('{"id": "a", "title": "T", "abstract": "BERT."}\nnot json\n', encoding="utf-8")
    out = tmp_path / "records.jsonl"
    result = runner.invoke(main, ["extract", str(src), "-o", str(out), "--strict"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{src}:2" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]


def test_missing_input_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["extract", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "r.jsonl")])
    assert result.exit_code == 1
    assert "nope.jsonl" in result.output and len(result.output.strip().splitlines()) == 1


def test_unknown_format_lists_the_valid_ones(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["extract", str(EXAMPLES), "-o", str(tmp_path / "r.jsonl"), "--format", "docx"])
    assert result.exit_code == 1
    assert "jsonl" in result.output and "Traceback" not in result.output


def test_eval_on_own_predictions(runner: CliRunner, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "g", "title": "", "abstract": "We fine-tune BERT on SQuAD.", "entities": [
        {"field": "abstract", "start": 13, "end": 17, "text": "BERT", "label": "METHOD"},
        {"field": "abstract", "start": 21, "end": 26, "text": "SQuAD", "label": "DATASET"}]}) + "\n")
    result = runner.invoke(main, ["eval", str(gold), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["entities"]["exact"]["micro"]["f1"] == 1.0


def test_read_recovers_papers(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "papers.jsonl"
    result = runner.invoke(main, ["read", str(EXAMPLES), "-o", str(out)])
    assert result.exit_code == 0
    assert len(out.read_text().splitlines()) == len(EXAMPLES.read_text().splitlines())

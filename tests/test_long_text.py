"""Issue 13 item 4: a paper whose text is longer than `MAX_TEXT_CHARS` is extracted from its beginning,
with one warning naming file:line, and the build goes on with every paper."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.extract.limits import MAX_TEXT_CHARS, text_limit

SENTENCE = "We fine-tune ResNet on ImageNet. "


def _papers(tmp_path: Path, size: int) -> Path:
    long_text = (SENTENCE * (size // len(SENTENCE) + 1))[:size]
    src = tmp_path / "papers.jsonl"
    rows = [{"id": "a", "title": "A", "abstract": "We fine-tune BERT on SQuAD and reach 91.2 F1."},
            {"id": "long", "title": "Long", "abstract": long_text},
            {"id": "c", "title": "C", "abstract": "T5 reaches 40.1 BLEU on WMT14."}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return src


def _check_warning(output: str, src: Path, size: int) -> None:
    long_text = json.loads(src.read_text(encoding="utf-8").splitlines()[1])["abstract"]
    warnings = [line for line in output.splitlines() if "warning" in line]
    assert warnings == [f"kg: warning: {src}:2: abstract has {size:,} characters: only its first "
                        f"{text_limit(long_text):,} are extracted (the paper is kept)"]
    assert "Traceback" not in output and "internal error" not in output


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "default"])
@pytest.mark.slow
def test_extract_cuts_a_text_just_over_the_limit(tmp_path: Path, fast: bool) -> None:
    src, out = _papers(tmp_path, MAX_TEXT_CHARS + 1), tmp_path / "records.jsonl"
    result = CliRunner().invoke(main, ["extract", str(src), "-o", str(out), *(["--fast"] if fast else [])])
    assert result.exit_code == 0, result.output
    _check_warning(result.output, src, MAX_TEXT_CHARS + 1)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["a", "long", "c"]
    long_text = json.loads(src.read_text(encoding="utf-8").splitlines()[1])["abstract"]
    mentions = [m for m in records[1]["entities"] if m["field"] == "abstract"]
    assert mentions and max(m["end"] for m in mentions) <= text_limit(long_text)
    assert all(long_text[m["start"]:m["end"]] == m["text"] for m in mentions)  # offsets into the original


@pytest.mark.slow
@pytest.mark.parametrize("size", [MAX_TEXT_CHARS + 1, 5_000_001])
def test_build_goes_on_past_a_huge_abstract(tmp_path: Path, size: int) -> None:
    """5,000,001 characters used to end the build with spaCy's E088 (no file:line, on every rerun)."""
    src, out = _papers(tmp_path, size), tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(out), "--fast", "--no-html"])
    assert result.exit_code == 0, result.output
    _check_warning(result.output, src, size)
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert stats["nodes"]["Paper"] == 3
    assert stats["extraction"] == {"papers cut to the length limit": 1}
    assert "papers cut to the length limit: 1" in result.output


def test_a_text_under_the_limit_is_extracted_whole() -> None:
    assert text_limit("x " * 1000) == 2000
    assert text_limit("word " * MAX_TEXT_CHARS) <= MAX_TEXT_CHARS

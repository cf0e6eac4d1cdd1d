"""Inputs in other encodings, garbage record files and endless lines (issue 13, item 10).

UTF-16 input was reported as bad JSON or invalid UTF-8 without naming the encoding; now UTF-16 and
UTF-32 with a byte order mark (and UTF-16 without one, for mostly Latin text) are read as such by
every reader. `--records` and `kg eval` given a binary file, a file of the wrong shape or one
endless line ended in "internal error"; now it is one line with file:line, and reading is bounded.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.errors import InputError, Problem
from kg.ingest import detect_format, read_papers
from kg.textio import MAX_LINE
from kg.types import Paper
from tests.paths import EXAMPLES
from tests.paths import GOLD_CLAIMS as GOLD
from tests.paths import INGEST_FIXTURES as FIXTURES

KG = [sys.executable, "-c", "from kg.cli import main; main()"]
FILES = sorted(p.name for p in FIXTURES.iterdir())
ENCODINGS = {
    "utf-16": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16-be": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "utf-32": lambda text: codecs.BOM_UTF32_LE + text.encode("utf-32-le"),
    "utf-32-be": lambda text: codecs.BOM_UTF32_BE + text.encode("utf-32-be"),
    "utf-16-no-bom": lambda text: text.encode("utf-16-le"),
    "utf-8-bom": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
}


def _read(path: Path | str, **options: object) -> tuple[list[Paper], list[Problem]]:
    problems: list[Problem] = []
    papers = list(read_papers([path], on_problem=problems.append, **options))  # type: ignore[arg-type]
    return papers, problems


def _same(papers: list[Paper]) -> list[tuple[object, ...]]:
    """The papers without their file name (the line numbers stay)."""
    return [(p.id, p.title, p.abstract, p.authors, p.date, p.categories, p.url, p.source.rpartition(":")[2])
            for p in papers]


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("name", FILES)
def test_every_reader_reads_utf16_and_utf32_as_it_reads_utf8(name: str, encoding: str, tmp_path: Path) -> None:
    expected, expected_problems = _read(FIXTURES / name)
    assert expected
    text = (FIXTURES / name).read_text(encoding="utf-8")
    if encoding == "utf-16-no-bom" and max(map(ord, text[:512])) > 0xFF:
        pytest.skip("UTF-16 without a BOM is told only from mostly Latin text")
    (tmp_path / "plain").write_text(text, encoding="utf-8")
    try:
        detect_format(tmp_path / "plain")
        targets = [tmp_path / name, tmp_path / "sniffed"]  # by extension, and by content alone
    except InputError:  # plain text is told by its extension only
        targets = [tmp_path / name]
    for target in targets:
        target.write_bytes(ENCODINGS[encoding](text))
        papers, problems = _read(target)
        assert _same(papers) == _same(expected), target
        assert [(p.line, p.message) for p in problems] == [(p.line, p.message) for p in expected_problems]


def test_utf16_on_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = ENCODINGS["utf-16"](EXAMPLES.read_text(encoding="utf-8"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    papers, problems = _read("-")
    assert len(papers) == 24 and not problems and papers[0].id == "ex-01"


def test_a_lone_surrogate_in_utf16_skips_just_that_record(tmp_path: Path) -> None:
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines(keepends=True)
    data = codecs.BOM_UTF16_LE + "".join(lines[:2]).encode("utf-16-le")
    data += lines[2].replace("a", "\udc00", 1).encode("utf-16-le", "surrogatepass")
    data += "".join(lines[3:]).encode("utf-16-le") + b"x"  # and a last byte cut off half-way
    path = tmp_path / "broken.jsonl"
    path.write_bytes(data)
    papers, problems = _read(path)
    assert len(papers) == 23
    assert [str(p) for p in problems] == [f"{path}:3: lone surrogate U+DC00 at character 2 in title",
                                          f"{path}:25: bad JSON: Expecting value at column 1"]


def test_kg_read_names_no_encoding_error_for_utf16(tmp_path: Path) -> None:
    path = tmp_path / "papers.jsonl"
    path.write_bytes(ENCODINGS["utf-16"](EXAMPLES.read_text(encoding="utf-8")))
    result = CliRunner().invoke(main, ["read", str(path), "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0 and "skipped" not in result.output, result.output
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == \
        CliRunner().invoke(main, ["read", str(EXAMPLES), "-o", "-"]).stdout.replace(str(EXAMPLES), str(path))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32-be", "utf-16-no-bom"])
def test_eval_reads_gold_and_predictions_in_utf16(encoding: str, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_bytes(ENCODINGS[encoding](GOLD.read_text(encoding="utf-8")))
    want = CliRunner().invoke(main, ["eval", str(GOLD), "--pred", str(GOLD), "--json"])
    got = CliRunner().invoke(main, ["eval", str(gold), "--pred", str(gold), "--json"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.output) == json.loads(want.output)


def test_a_fifo_input_is_sniffed_and_read_once(tmp_path: Path) -> None:
    fifo = tmp_path / "papers"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(EXAMPLES.read_bytes()), daemon=True)
    writer.start()
    papers, problems = _read(fifo)
    writer.join(timeout=60)
    assert len(papers) == 24 and not problems


# --- garbage where records are expected ------------------------------------------------------------


GARBAGE = {
    "binary": (b"\xff\xd8\xff\xe0" + bytes(range(128, 256)) * 20, ":1: bad {what}: invalid UTF-8 byte 0xFF at "
                                                                 "character 0; is this a binary file? kg reads "
                                                                 "JSON Lines text"),
    "not-json": (b'{"id": "a", "entities": []}\nnot json at all\n', ":2: bad {what}: not JSON (Expecting value at "
                                                                      "column 1)"),
    "array": (b"[1, 2]\n", ":1: bad {what}: "),
    "entities-a-number": (b'{"id": "a", "entities": 5, "claims": []}\n', ":1: bad {what}: "),
    "entity-a-string": (b'{"id": "a", "entities": ["BERT"]}\n', ":1: bad {what}: "),
    "offsets-strings": (b'{"id": "a", "entities": [{"start": "zero", "end": "4", "label": "METHOD", '
                        b'"text": "BERT"}]}\n', ":1: bad {what}: "),
    "deep": (b"[" * 100000 + b"\n", ":1: bad {what}: "),
}


def _one_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1 and "internal error" not in lines[0] and "Traceback" not in output, output
    return lines[0]


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_garbage_records_are_one_line_with_file_and_line(kind: str, tmp_path: Path) -> None:
    data, message = GARBAGE[kind]
    path = tmp_path / f"{kind}.jsonl"
    path.write_bytes(data)
    runs = {
        "extraction record": ["build", str(EXAMPLES), "--records", str(path), "-o", str(tmp_path / "out"), "--fast"],
        "gold record": ["eval", str(path), "--pred", str(EXAMPLES)],
    }
    for what, args in runs.items():
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        line = _one_line(result.output)
        assert line.startswith(f"Error: {path}{message.format(what=what)}"), line
    result = CliRunner().invoke(main, ["eval", str(GOLD), "--pred", str(path)])
    assert result.exit_code == 1 and _one_line(result.output).startswith(f"Error: {path}:")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_an_endless_line_is_bounded_and_named(tmp_path: Path) -> None:
    path = tmp_path / "endless.jsonl"
    with path.open("wb") as out:  # one record of 40 Mi characters and no newline
        out.write(b'{"id": "x", "title": "')
        for _ in range(40):
            out.write(b"x" * 2**20)
    line = f"{path}:1: line longer than {MAX_LINE:,} characters, the most kg reads as one record"
    for args in (["eval", str(path), "--pred", str(path)], ["build", str(EXAMPLES), "--records", str(path), "-o",
                                                             str(tmp_path / "out"), "--fast"]):
        done = subprocess.run([*KG, *args], capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 1
        assert _one_line(done.stderr) == f"Error: {line}"
    # a paper file: that record is skipped, named, and the papers after it are read
    papers = tmp_path / "papers.jsonl"
    with papers.open("wb") as out:
        out.write(path.read_bytes() + b"\n" + EXAMPLES.read_bytes())
    got, problems = _read(papers)
    assert len(got) == 24 and [str(p) for p in problems] == [f"{papers}:1: " + line.split(": ", 1)[1] + "; skipped"]
    # a JSON document holding a value that long stops there, with the line
    document = tmp_path / "papers.json"
    document.write_bytes(b'[{"title": "T", "abstract": "A."},\n' + path.read_bytes() + b'"}]')
    got, problems = _read(document)
    assert len(got) == 1 and problems[0].line == 2 and "JSON value longer than" in problems[0].message

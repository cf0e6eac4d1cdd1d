"""Careless command lines lose no data, and fail in one line (issue 13, item 10).

`kg build D -o D` replaced a good build with an empty one; `kg view G -o G` and `kg extract x -o x`
overwrote their input; two builds into one folder at once silently dropped the update's papers;
`kg build -o FILE`, a read-only file system and a full disk under the cache were internal errors.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from tests.paths import EXAMPLES, ROOT

KG = [sys.executable, "-c", "from kg.cli import main; main()"]


def _kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KG, *args], capture_output=True, text=True, timeout=600, check=False)


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "internal error" not in lines[0], result.stderr
    return lines[0]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good build of the example corpus (copied by each test that may change it)."""
    out = tmp_path_factory.mktemp("built") / "out"
    result = CliRunner().invoke(main, ["build", str(EXAMPLES), "-o", str(out), "--fast"])
    assert result.exit_code == 0, result.output
    return out


def _copy(built: Path, to: Path) -> Path:
    to.mkdir()
    for p in built.iterdir():
        (to / p.name).write_bytes(p.read_bytes())
    return to


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


# --- the output is an input ---------------------------------------------------------------------


@pytest.mark.slow
def test_build_of_its_own_output_folder_is_refused_and_keeps_the_build(built: Path, tmp_path: Path) -> None:
    out = _copy(built, tmp_path / "out")
    before = _snapshot(out)
    for spelling in (str(out), f"{out}/", str(tmp_path / "." / "out")):
        code, output = _invoke("build", spelling, "-o", str(out), "--fast")
        assert code == 1 and "the output folder is also an input folder" in output, output
        assert len(output.strip().splitlines()) == 1
    code, output = _invoke("build", "--update", str(out), str(out), "--fast")
    assert code == 1 and "also an input folder" in output
    assert _snapshot(out) == before


def test_build_reading_one_of_its_outputs_is_refused(built: Path, tmp_path: Path) -> None:
    out = _copy(built, tmp_path / "out")
    before = _snapshot(out)
    os.link(out / "records.jsonl", tmp_path / "hard.jsonl")
    for source in (out / "records.jsonl", tmp_path / "hard.jsonl"):
        code, output = _invoke("build", str(source), "-o", str(out), "--fast")
        assert code == 1 and "is also an input" in output, output
    assert _snapshot(out) == before


def test_a_build_without_papers_never_replaces_a_good_one(built: Path, tmp_path: Path) -> None:
    out = _copy(built, tmp_path / "out")
    before = _snapshot(out)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    code, output = _invoke("build", str(empty), "-o", str(out), "--fast")
    assert code == 1
    assert output.strip().splitlines() == [f"Error: {out}: no papers in the inputs; nothing was written"]
    assert _snapshot(out) == before


@pytest.mark.slow
def test_an_input_folder_holding_the_output_folder_does_not_read_the_outputs(tmp_path: Path) -> None:
    (tmp_path / "papers.jsonl").write_bytes(EXAMPLES.read_bytes())
    out = tmp_path / "out"
    for _ in range(2):  # the second build finds the first one's outputs inside its input folder
        result = CliRunner().invoke(main, ["build", str(tmp_path), "-o", str(out), "--fast"])
        assert result.exit_code == 0, result.output
        assert "skipped" not in result.output
    assert json.loads((out / "stats.json").read_text(encoding="utf-8"))["nodes"]["Paper"] == 24


@pytest.mark.parametrize("command", ["read", "extract"])
def test_an_output_that_is_the_input_is_refused_and_the_input_kept(command: str, tmp_path: Path) -> None:
    papers = tmp_path / "papers.jsonl"
    papers.write_bytes(EXAMPLES.read_bytes())
    os.link(papers, tmp_path / "hard.jsonl")
    (tmp_path / "link.jsonl").symlink_to(papers.name)
    for output in (papers, tmp_path / "." / "papers.jsonl", tmp_path / "hard.jsonl", tmp_path / "link.jsonl"):
        code, shown = _invoke(command, str(papers), "-o", str(output), "--format", "jsonl")
        assert code == 1, shown
        assert shown.strip().splitlines() == [f"Error: {output}: is also an input ({papers}); "
                                              "write the output to another file"]
    assert papers.read_bytes() == EXAMPLES.read_bytes()


@pytest.mark.slow
def test_extract_into_its_input_folder_does_not_read_its_previous_output(tmp_path: Path) -> None:
    (tmp_path / "papers.jsonl").write_bytes(EXAMPLES.read_bytes())
    out = tmp_path / "records.jsonl"
    for _ in range(2):
        code, shown = _invoke("extract", str(tmp_path), "-o", str(out), "--fast")
        assert code == 0 and "skipped" not in shown, shown
    assert len(out.read_text(encoding="utf-8").splitlines()) == 24


def test_view_onto_its_graph_is_refused_and_the_graph_kept(built: Path, tmp_path: Path) -> None:
    out = _copy(built, tmp_path / "out")
    before = _snapshot(out)
    os.link(out / "graph.json", tmp_path / "hard.json")
    cases = [(out / "graph.json", out / "graph.json"), (out / "graph.json", out / "." / "graph.json"),
             (tmp_path / "hard.json", out / "graph.json"), (out, out / "graph.json"), (out, out / "graph.ttl")]
    for graph, output in cases:
        code, shown = _invoke("view", str(graph), "-o", str(output))
        assert code == 1 and "is also an input" in shown, (graph, output, shown)
    code, shown = _invoke("view", str(out), "-o", str(out))
    assert code == 1 and "is a folder" in shown
    assert _snapshot(out) == before


# --- one build at a time --------------------------------------------------------------------------


def _open_for_writing(fifo: Path, seconds: float = 300) -> int:
    """Opens the FIFO once a reader has it open (the build reading it), or fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
            continue
        os.set_blocking(fd, True)
        return fd


@pytest.mark.slow
def test_a_second_build_into_a_folder_being_built_is_refused_and_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _kg("build", str(EXAMPLES), "-o", str(out), "--fast").returncode == 0
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    new = tmp_path / "new.jsonl"  # three new papers for the update
    new.write_text("".join(json.dumps({**json.loads(line), "id": f"new-{i}", "title": f"New {i}"}) + "\n"
                           for i, line in enumerate(lines[:3])), encoding="utf-8")
    fifo = tmp_path / "papers"  # the first build waits on it, holding the folder, until the test writes
    os.mkfifo(fifo)
    first = subprocess.Popen([*KG, "build", "--update", str(out), str(fifo), "--fast"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        fd = _open_for_writing(fifo)
        second = _kg("build", "--update", str(out), str(new), "--fast")
        assert _one_line(second) == (f"Error: {out}: another kg build is writing into this folder; wait for it "
                                     "to finish, or build into another folder")
        again = _kg("build", str(EXAMPLES), "-o", str(out), "--fast")  # a plain rebuild waits its turn too
        assert "another kg build is writing into this folder" in _one_line(again)
        with os.fdopen(fd, "wb") as writer:
            writer.write("".join(json.dumps({**json.loads(line), "id": f"fifo-{i}", "title": f"Fifo {i}"}) + "\n"
                                 for i, line in enumerate(lines[3:5])).encode())
        _, errors = first.communicate(timeout=600)
        assert first.returncode == 0, errors
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert _kg("build", "--update", str(out), str(new), "--fast").returncode == 0
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert stats["nodes"]["Paper"] == 24 + 2 + 3  # nobody's papers were dropped
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # the lock leaves nothing behind


# --- file systems that refuse -------------------------------------------------------------------


@contextlib.contextmanager
def _tmpfs(path: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted at `path` with `options` (root only: skips otherwise)."""
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_new_outdir_on_a_read_only_file_system_is_one_line(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as ro:
        line = _one_line(_kg("build", str(EXAMPLES), "-o", str(ro / "new" / "out"), "--fast"))
        assert line == f"Error: {ro / 'new' / 'out'}: cannot create the output folder: Read-only file system"
        line = _one_line(_kg("read", str(EXAMPLES), "-o", str(ro / "papers.jsonl")))
        assert line == f"Error: {ro / 'papers.jsonl'}: cannot write: Read-only file system"


@pytest.mark.slow
def test_the_cache_on_a_full_disk_is_one_line(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "small", "size=120k") as small:
        out = small / "out"
        line = _one_line(_kg("build", str(EXAMPLES), "-o", str(out), "--fast"))
        assert line.startswith(f"Error: {out / 'cache.sqlite'}: cannot write the build cache: ")
        assert "full" in line
        assert not (out / "graph.json").exists()


# --- kg train -o -----------------------------------------------------------------------------------


def test_train_never_deletes_a_folder_that_is_not_a_model(tmp_path: Path) -> None:
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work", encoding="utf-8")
    gold = ROOT / "gold" / "claims.jsonl"
    code, output = _invoke("train", "--gold", str(gold), "-o", str(folder))
    assert code == 1
    assert output.strip().splitlines() == [f"Error: {folder}: holds files that are not a kg model; give a new "
                                           "folder, an empty one or a model folder"]
    assert (folder / "thesis.tex").read_text(encoding="utf-8") == "years of work"
    afile = tmp_path / "model"
    afile.write_text("x", encoding="utf-8")
    code, output = _invoke("train", "--gold", str(gold), "-o", str(afile))
    assert code == 1 and "is a file, not a folder" in output and afile.read_text(encoding="utf-8") == "x"

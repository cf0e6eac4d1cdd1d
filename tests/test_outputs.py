"""Where `-o` writes: regular files atomically, special files directly and never replaced.

Issue 13, item 3: atomic writes renamed a temporary file over the target, so `-o /dev/full` (as root)
replaced the system's /dev/full with a regular file, and a private device node or a FIFO became a
file. Every command with a file `-o` is run onto each kind of target; the node must still be the
node afterwards.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.graph_io import write_node_link
from tests.paths import EXAMPLES

KG = [sys.executable, "-c", "from kg.cli import main; main()"]
ROOT_ONLY = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod needs root")


@pytest.fixture
def system_devices() -> Iterator[None]:
    """Puts /dev/null, /dev/full and /dev/stdout back (as root) should a regression have replaced
    them with files, so that a failing test does not break the machine for everything else on it."""
    yield
    broken = []
    for path, number in {"/dev/null": os.makedev(1, 3), "/dev/full": os.makedev(1, 7)}.items():
        if os.path.lexists(path) and not stat.S_ISCHR(os.lstat(path).st_mode) and os.geteuid() == 0:
            os.unlink(path)
            os.mknod(path, stat.S_IFCHR | 0o666, number)
            os.chmod(path, 0o666)
            broken.append(path)
    if not os.path.islink("/dev/stdout") and os.geteuid() == 0:
        os.unlink("/dev/stdout")
        os.symlink("/proc/self/fd/1", "/dev/stdout")
        broken.append("/dev/stdout")
    if broken:
        pytest.fail(f"{', '.join(broken)} replaced by regular files (put back)")


def _graph(folder: Path) -> Path:
    g = nx.MultiDiGraph()
    g.add_node("paper:p1", kind="Paper", label="On BERT", paper_id="p1", title="On BERT", abstract="", date=None,
               year=None, authors=[], source="", url=None)  # every attribute kg.schema guarantees: kg view checks
    g.add_node("method/bert", kind="Method", label="BERT", aliases=[], paper_count=1, kb_id=None)
    g.add_edge("paper:p1", "method/bert", key="uses", relation="uses", evidence=[])
    path = folder / "graph.json"
    write_node_link(g, path)
    return path


def _args(command: str, tmp_path: Path, output: str) -> list[str]:
    """The command line of `command` writing its one file output to `output`."""
    if command == "read":
        return ["read", str(EXAMPLES), "-o", output]
    if command == "extract":
        return ["extract", str(EXAMPLES), "-o", output, "--fast"]
    return ["view", str(_graph(tmp_path)), "-o", output]


COMMANDS = ["read", "extract", "view"]


def _check_content(command: str, data: bytes) -> None:
    text = data.decode("utf-8")
    if command == "view":
        assert text.startswith("<!DOCTYPE html>") and "BERT" in text
    else:
        assert len(text.splitlines()) == 24 and json.loads(text.splitlines()[0])["id"] == "ex-01"


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_a_fifo_is_written_into_and_stays_a_fifo(command: str, tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = CliRunner().invoke(main, _args(command, tmp_path, str(fifo)))
    reader.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    _check_content(command, received[0])
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file


@ROOT_ONLY
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.slow
def test_a_private_character_device_stays_a_device(command: str, tmp_path: Path) -> None:
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the null device under another name
    result = CliRunner().invoke(main, _args(command, tmp_path, str(node)))
    assert result.exit_code == 0, result.output
    st = os.lstat(node)
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)


@ROOT_ONLY
@pytest.mark.parametrize("command", ["read", "view"])
def test_a_block_device_is_refused_in_one_line_and_kept(command: str, tmp_path: Path) -> None:
    node = tmp_path / "disk"
    os.mknod(node, stat.S_IFBLK | 0o600, os.makedev(240, 99))  # an experimental major number: no driver
    result = CliRunner().invoke(main, _args(command, tmp_path, str(node)))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {node}: is a block device (a disk); kg writes files, "
                                                  "FIFOs and character devices only"]
    assert stat.S_ISBLK(os.lstat(node).st_mode)


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_dev_null_stays_the_null_device(command: str, tmp_path: Path, system_devices: None) -> None:
    before = os.stat("/dev/null")
    result = CliRunner().invoke(main, _args(command, tmp_path, "/dev/null"))
    assert result.exit_code == 0, result.output
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("command", ["read", "view"])
def test_dev_full_is_one_line_and_a_failure(command: str, tmp_path: Path, system_devices: None) -> None:
    before = os.stat("/dev/full")
    done = subprocess.run([*KG, *_args(command, tmp_path, "/dev/full")], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == ["Error: /dev/full: cannot write: No space left on device"]
    after = os.stat("/dev/full")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_dash_is_standard_output(command: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, _args(command, tmp_path, "-"))
    assert result.exit_code == 0, result.output
    _check_content(command, result.stdout_bytes)
    assert not (tmp_path / "-").exists()


def test_dev_stdout_writes_into_the_open_descriptor_and_keeps_an_append(tmp_path: Path,
                                                                        system_devices: None) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text("kept\n", encoding="utf-8")
    with log.open("a", encoding="utf-8") as appended:  # `kg read ... -o /dev/stdout >> log.jsonl`
        done = subprocess.run([*KG, "read", str(EXAMPLES), "-o", "/dev/stdout"], stdout=appended,
                              stderr=subprocess.PIPE, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "kept" and len(lines) == 25
    assert stat.S_ISREG(os.lstat(log).st_mode)


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_a_symlink_stays_a_link_and_its_target_gets_the_output(command: str, tmp_path: Path) -> None:
    target = tmp_path / "real.out"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "link.out"
    link.symlink_to(target.name)
    result = CliRunner().invoke(main, _args(command, tmp_path, str(link)))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == target.name
    _check_content(command, target.read_bytes())
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the replaced file keeps its permissions


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.jsonl"
    link.symlink_to("new.jsonl")
    result = CliRunner().invoke(main, _args("read", tmp_path, str(link)))
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    _check_content("read", (tmp_path / "new.jsonl").read_bytes())


@pytest.mark.parametrize("command", COMMANDS)
def test_a_folder_where_a_file_is_expected_is_one_line(command: str, tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    result = CliRunner().invoke(main, _args(command, tmp_path, str(folder)))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {folder}: is a folder; give the name of a file to write"]
    assert folder.is_dir() and not list(folder.iterdir())


@pytest.mark.parametrize("make", [os.mkfifo, lambda p: p.write_text("x", encoding="utf-8")], ids=["fifo", "file"])
def test_build_into_something_that_is_not_a_folder_is_one_line(make: Callable[[Path], None], tmp_path: Path) -> None:
    out = tmp_path / "out"
    make(out)
    kind = os.lstat(out).st_mode
    result = CliRunner().invoke(main, ["build", str(EXAMPLES), "-o", str(out), "--fast"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {out}: is a file, not a folder; give a folder for the build's outputs "
        "(a new one, or one that kg build wrote)"]
    assert os.lstat(out).st_mode == kind


def test_build_onto_standard_output_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(EXAMPLES), "-o", "-", "--fast"])
    assert result.exit_code == 1
    assert "cannot hold it" in result.output and not Path("-").exists()

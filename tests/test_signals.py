"""Issue 13 item 7, with real signals: killed builds and loads leave no process and no folder behind.

Each test runs the real `kg` entry point (or a Python child doing what kg does) in a process of its
own, sends it SIGTERM, SIGKILL or SIGINT, and then looks at what is left: processes (with psutil),
open pipes, staging and temporary folders.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from kg.atomic import STAGING_PREFIX
from kg.leftovers import LOCK_NAME
from tests.paths import EXAMPLES

KG = str(Path(sys.executable).with_name("kg"))

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc: Linux")


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _corpus(tmp_path: Path, copies: int) -> Path:
    """The example papers `copies` times over, under new ids: enough to keep workers busy a while."""
    rows = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    src = tmp_path / "papers.jsonl"
    with src.open("w", encoding="utf-8") as out:
        for k in range(copies):
            for row in rows:
                out.write(json.dumps({**row, "id": f"{row['id']}-{k}"}) + "\n")
    return src


def _start_build(tmp_path: Path, out: Path) -> tuple[subprocess.Popen[bytes], list[psutil.Process]]:
    """`kg build --workers 2` (default pipeline) on a corpus, once its two workers are extracting."""
    src = _corpus(tmp_path, 150)
    build = subprocess.Popen([KG, "build", str(src), "-o", str(out), "--workers", "2", "--no-html"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    parent = psutil.Process(build.pid)

    def workers() -> list[psutil.Process]:
        return [p for p in parent.children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]

    try:
        _wait_for(lambda: len(workers()) >= 2 and (out / "cache.sqlite").exists(), 120, "two workers")
        time.sleep(3)  # they load their pipelines, then extract
        assert build.poll() is None, "the build ended before it could be killed; give it more papers"
        return build, parent.children(recursive=True)
    except BaseException:
        build.kill()
        raise


def _read_all(build: subprocess.Popen[bytes], seconds: float) -> tuple[bytes, bytes]:
    """stdout and stderr read to their end, which must come within `seconds`."""
    got: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda n=n, s=s: got.__setitem__(n, s.read()), daemon=True)
               for n, s in (("out", build.stdout), ("err", build.stderr))]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(seconds)
    assert not any(r.is_alive() for r in readers), "a process still holds the build's stdout or stderr"
    return got["out"], got["err"]


def _gone(processes: list[psutil.Process], seconds: float = 10) -> None:
    def none_left() -> bool:
        return not [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]

    try:
        _wait_for(none_left, seconds, "the build's processes to exit")
    finally:
        for p in processes:  # a failed test leaves nothing running either
            if p.is_running():
                p.kill()


def _staging(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(STAGING_PREFIX) or p.name.endswith(".tmp"))


@pytest.mark.slow
def test_sigterm_ends_a_build_with_workers_like_ctrl_c(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build, children = _start_build(tmp_path, out)
    assert len(children) >= 3  # two workers and multiprocessing's resource tracker
    build.send_signal(signal.SIGTERM)
    _, err = _read_all(build, 30)
    assert build.wait(10) == 143
    assert err.decode().splitlines() == ["kg: terminated; outputs were left as they were"]
    _gone(children)
    assert _staging(out) == []
    assert not (out / "graph.json").exists()  # no half outputs: a new build wrote none


@pytest.mark.slow
def test_sigkill_of_a_build_leaves_no_process_holding_its_output(tmp_path: Path) -> None:
    build, children = _start_build(tmp_path, tmp_path / "out")
    build.kill()
    _read_all(build, 15)  # end of file: nobody holds the pipes any more
    assert build.wait(10) == -signal.SIGKILL
    _gone(children)


_HOLD_STAGE = """
import sys, time
from pathlib import Path
from kg.atomic import staged_outputs
with staged_outputs(Path(sys.argv[1])) as stage:
    (stage / "graph.json").write_text("half")
    print(stage.name, flush=True)
    time.sleep(600)
"""


def _holder(code: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    return child, child.stdout.readline().strip()


@pytest.mark.slow
def test_staging_folders_of_killed_builds_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    out = tmp_path / "out"
    killed, killed_stage = _holder(_HOLD_STAGE, str(out))
    live, live_stage = _holder(_HOLD_STAGE, str(out))
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert (out / killed_stage / LOCK_NAME).exists()  # what a SIGKILL leaves
        result = CliRunner().invoke(main, ["build", str(EXAMPLES), "-o", str(out), "--fast", "--no-html"])
        assert result.exit_code == 0, result.output
        assert not (out / killed_stage).exists()
        assert (out / live_stage / "graph.json").read_text() == "half"  # in use: left alone
    finally:
        live.kill()
        live.wait()


def _triples(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(f'<http://x/s{i}> <http://x/p{i % 50}> "literal value number {i}" .\n')
    return path


def _tmp_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if ".tmp-" in p.name)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_kg_load_stops_at_once(tmp_path: Path, sig: signal.Signals) -> None:
    """The bulk load (Rust, minutes on a big graph) used to run on, deaf to Ctrl-C, until it ended."""
    graph = _triples(tmp_path / "big.nt", 600_000)  # about 8 s to load on a loaded 2-core machine
    load = subprocess.Popen([KG, "load", str(graph), "--store", str(tmp_path / "store")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for(lambda: bool(_tmp_dirs(tmp_path)), 30, "the load to start")
    time.sleep(1)
    children = psutil.Process(load.pid).children(recursive=True)
    assert children, "the load runs in a process of its own"
    clock = time.monotonic()
    load.send_signal(sig)
    _, err = _read_all(load, 30)
    code = load.wait(10)
    assert time.monotonic() - clock < 4, "the load did not stop at once"
    assert code == (130 if sig == signal.SIGINT else 143)
    assert len(err.decode().splitlines()) == 1 and "Traceback" not in err.decode()
    _gone(children)
    assert _tmp_dirs(tmp_path) == [] and not (tmp_path / "store").exists()


_LOAD = """
import sys
from kg.rdf.store import create_store
create_store(sys.argv[1], sys.argv[2])
"""


@pytest.mark.slow
def test_store_folders_of_killed_loads_are_removed_by_the_next_load(tmp_path: Path) -> None:
    from kg.rdf.store import create_store

    graph = _triples(tmp_path / "big.nt", 300_000)
    killed = subprocess.Popen([sys.executable, "-c", _LOAD, str(graph), str(tmp_path / "store")])
    _wait_for(lambda: bool(_tmp_dirs(tmp_path)) and bool(psutil.Process(killed.pid).children()), 30, "the load")
    loader = psutil.Process(killed.pid).children(recursive=True)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    _gone(loader)  # the loading process died with it
    left = _tmp_dirs(tmp_path)
    assert len(left) == 1 and (left[0] / LOCK_NAME).exists()
    small = _triples(tmp_path / "small.nt", 3)
    assert create_store(small, tmp_path / "store").triples == 3
    assert _tmp_dirs(tmp_path) == []
    assert os.listdir(tmp_path / "store")

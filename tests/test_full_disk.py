"""A disk that fills up while `kg build` writes its outputs.

The kernel's file-size limit (RLIMIT_FSIZE; Python ignores SIGXFSZ, so a write past it fails with
EFBIG "File too large") stands in for a full disk: the write fails half-way through a real file.
The build must say so in one line, exit 1, leave every previous output byte for byte as it was (not a
mix of old and new files), leave no temporary file behind, and keep what it extracted: the next run
without the limit finishes from the cache.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import EXAMPLES

resource = pytest.importorskip("resource")

KG = [sys.executable, "-c", "from kg.cli import main; main()"]
# the same, writing the RDF in a background process however small the graph
KG_BACKGROUND = [sys.executable, "-c", "import kg.build as p; p.BACKGROUND_RDF_PAPERS = 0; p._cores = lambda: 2; "
                 "from kg.cli import main; main()"]


def _kg(*args: str, file_limit: int | None = None, background: bool = False) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if file_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run([*(KG_BACKGROUND if background else KG), *args], capture_output=True, text=True,
                          preexec_fn=limit, timeout=600, check=False)


def _three_times(path: Path) -> Path:
    """The example corpus three times over, each copy with its own ids and titles (new papers)."""
    out = []
    for copy in range(3):
        for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            record["id"] = f"{record['id']}-copy{copy}"
            record["title"] = f"{record['title']} (copy {copy})"
            out.append(json.dumps(record))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("background", [False, True], ids=["inline", "background-rdf"])
@pytest.mark.slow
def test_a_full_disk_while_writing_leaves_the_previous_outputs_whole(tmp_path: Path, background: bool) -> None:
    out = tmp_path / "out"
    first = _kg("build", str(EXAMPLES), "-o", str(out), "--fast", background=background)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.name != "cache.sqlite"}
    assert {"graph.ttl", "graph.json", "records.jsonl", "stats.json", "graph.html"} <= set(before)

    # Three times the papers: the cache and records still fit under the limit, graph.json does not.
    bigger = _three_times(tmp_path / "bigger.jsonl")
    limit = int(len(before["graph.ttl"]) * 1.8)
    failed = _kg("build", str(bigger), "-o", str(out), "--fast", file_limit=limit, background=background)

    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1, failed.stderr
    assert "cannot write: File too large" in lines[0] and str(out) in lines[0]
    assert "previous outputs were left as they were" in lines[0]
    assert ".kg-staging" not in lines[0] and "Traceback" not in failed.stderr
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.name != "cache.sqlite"}
    assert after == before  # every old output intact, no temporary file or staging folder left
    with sqlite3.connect(out / "cache.sqlite") as db:  # what was extracted before the failure is kept
        assert db.execute("SELECT count(*) FROM records").fetchone()[0] == 72 + 24

    resumed = _kg("build", str(bigger), "-o", str(out), "--fast", background=background)
    assert resumed.returncode == 0, resumed.stderr
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert stats["nodes"]["Paper"] == 72
    assert not [p for p in out.iterdir() if p.name.startswith(".")]

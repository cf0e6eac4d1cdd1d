"""notebooks/walkthrough.ipynb runs top to bottom with no error (nbclient, the venv's python3 kernel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.paths import ROOT

NOTEBOOK = ROOT / "notebooks" / "walkthrough.ipynb"

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (it provides the python3 kernel)")


def _texts(cell: Any) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        for mime in ("text/plain", "text/html"):
            parts.append("".join(output.get("data", {}).get(mime, "")))
    return "\n".join(parts)


def test_the_notebook_is_stored_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.slow
def test_the_walkthrough_runs_top_to_bottom(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=False,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = "\n".join(_texts(cell) for cell in notebook.cells if cell.cell_type == "code")
    for expected in ("graph.ttl", "<caption>nodes</caption>", "top-datasets", "leaderboard: top-1 accuracy",
                     "methods-on-dataset: ImageNet", '<iframe sandbox="allow-scripts" srcdoc='):
        assert expected in outputs
    assert "ImageNet" in outputs
    # everything went to a temporary folder: nothing new in the repository
    assert sorted(p.name for p in NOTEBOOK.parent.iterdir() if not p.name.startswith(".")) == ["walkthrough.ipynb"]

"""kg's structure: no import cycle between its modules, no module over 450 lines.

The layering itself (independent stages, the CLI over the composing modules over the stages over
the shared base) is declared in pyproject.toml and checked by `lint-imports` in `make test`.
"""

from __future__ import annotations

from pathlib import Path

import grimp
import networkx as nx

KG = Path(__file__).resolve().parents[1] / "kg"
MAX_LINES = 450


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("kg")
    imports = nx.DiGraph()
    for module in graph.modules:
        imports.add_node(module)
        imports.add_edges_from((module, other) for other in graph.find_modules_directly_imported_by(module))
    cycles = sorted(nx.simple_cycles(imports), key=len)
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_no_module_is_over_450_lines() -> None:
    sizes = {str(p.relative_to(KG.parent)): len(p.read_text(encoding="utf-8").splitlines()) for p in KG.rglob("*.py")}
    assert len(sizes) > 50
    assert {p: n for p, n in sizes.items() if n > MAX_LINES} == {}

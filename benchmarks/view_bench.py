"""How fast `kg view` pages are written in Python and drawn in Chromium, for kg-shaped graphs.

    python -m benchmarks.view_bench [--sizes 500,2000,5000] [--repeat 3] [--json out.json]
    python -m benchmarks.view_bench --screenshot docs/graph.png --page out/demo/graph.html

For each size a synthetic graph shaped like kg's (12 % papers, 40 % methods/datasets/metrics/tasks
with a long-tailed paper count, the rest claims linked to their paper and to up to three of its
entities) is rendered by `kg.view.render_html` in a child process (so peak RSS is its own), then
opened from disk in headless Chromium (/usr/bin/chromium through playwright, no network) `--repeat`
times. Reported, medians over the repeats:

* render s: Python time of `render_html` (selection, layout, HTML) and the page size;
* peak RSS: of the rendering process;
* drawn ms: from navigation start to vis-network's first "afterDrawing" event (the page is usable);
* settled ms: with physics on, to the end of stabilization (only for the `--physics` row);
* JS heap: the page's used JavaScript heap once drawn.

`--screenshot` instead opens one page and saves a PNG of it (what `make screenshot` runs).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import networkx as nx

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage",
        "--disable-default-apps", "--disable-sync", "--no-first-run", "--disable-gpu"]
KINDS = ("Method", "Dataset", "Metric", "Task")
RELATION = {"Method": "uses", "Dataset": "evaluatesOn", "Metric": "measures", "Task": "addresses"}
CLAIM_RELATION = {"Method": "claimMethod", "Dataset": "claimDataset", "Metric": "claimMetric"}


def synthetic_graph(n_nodes: int, *, seed: int = 0) -> nx.MultiDiGraph:
    """A kg-shaped graph of exactly `n_nodes` nodes (at least 10), deterministic for a seed."""
    rng = random.Random(seed)
    n_papers = max(1, round(n_nodes * 0.12))
    n_entities = max(4, round(n_nodes * 0.40))
    n_claims = n_nodes - n_papers - n_entities
    graph = nx.MultiDiGraph()
    entities = []
    for i in range(n_entities):
        kind = KINDS[i % 4]
        node = f"{kind.lower()}/synthetic-{i}"
        graph.add_node(node, kind=kind, label=f"{kind} {i}", aliases=[f"{kind[:2].upper()}{i}"], paper_count=0,
                       kb_id=None)
        entities.append(node)
    weights = [1.0 / (i + 1) ** 0.9 for i in range(n_entities)]
    papers = []
    for p in range(n_papers):
        node = f"paper:syn-{p}"
        graph.add_node(node, kind="Paper", label=f"Synthetic paper {p}", paper_id=f"syn-{p}",
                       title=f"Synthetic paper {p} on scaling knowledge graphs", abstract="An abstract. " * 20,
                       date="2024-01-01", year=2024, authors=["A. Author", "B. Author"], source="synthetic",
                       url=None)
        papers.append(node)
    linked: dict[str, list[str]] = {p: [] for p in papers}
    for i, entity in enumerate(entities):  # every entity in at least one paper
        linked[papers[i % n_papers]].append(entity)
    for paper in papers:
        linked[paper].extend(rng.choices(entities, weights=weights, k=4))
    for paper, mine in linked.items():
        for entity in dict.fromkeys(mine):
            relation = RELATION[graph.nodes[entity]["kind"]]
            graph.add_edge(paper, entity, key=relation, relation=relation,
                           evidence=[{"paper": paper[6:], "field": "abstract", "start": 0, "end": 1, "text": "x",
                                      "extractor": "kb", "confidence": 1.0}])
    for c in range(n_claims):
        paper = papers[c % n_papers]
        node = f"claim:{paper[6:]}:abstract:{c}-{c + 4}"
        graph.add_node(node, kind="Claim", label="92.3%", text="92.3%", value=92.3, high=None, unit="%",
                       claim_kind="score", sentence="The method reaches 92.3% accuracy.", paper_id=paper[6:],
                       field="abstract", start=c, end=c + 4)
        graph.add_edge(paper, node, key="reports", relation="reports", evidence=[])
        targets = [e for e in dict.fromkeys(linked[paper]) if graph.nodes[e]["kind"] in CLAIM_RELATION]
        for entity in rng.sample(targets, k=min(3, len(targets))):
            relation = CLAIM_RELATION[graph.nodes[entity]["kind"]]
            graph.add_edge(node, entity, key=relation, relation=relation, evidence=[])
    for entity in entities:
        graph.nodes[entity]["paper_count"] = sum(1 for _ in graph.predecessors(entity) if _.startswith("paper:"))
    assert graph.number_of_nodes() == n_nodes
    return graph


def _render(n_nodes: int, path: Path, physics: bool | None) -> dict[str, Any]:
    """Renders one synthetic graph (in this process) and reports time and peak RSS."""
    from kg.view import render_html

    graph = synthetic_graph(n_nodes)
    start = time.perf_counter()
    result = render_html(graph, path, title=f"synthetic {n_nodes}", physics=physics)
    seconds = time.perf_counter() - start
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"nodes": result.nodes, "edges": result.edges, "physics": result.physics, "render_s": seconds,
            "peak_rss_mb": rss_kb / 1024, "page_mb": path.stat().st_size / 2**20}


def launch(playwright: Any) -> Any:
    """Headless Debian Chromium with background networking off."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)


def measure_page(browser: Any, path: Path, *, physics: bool, timeout_s: float = 300) -> dict[str, Any]:
    """Opens a page from disk; the time to the first drawing (and to stabilization with physics)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, service_workers="block")
    page = context.new_page()
    errors: list[str] = []
    remote: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: remote.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
    page.wait_for_function("window.kgView && window.kgView.ready", timeout=timeout_s * 1000, polling=50)
    if physics:
        page.wait_for_function("window.kgView.stabilizedAt !== null", timeout=timeout_s * 1000, polling=100)
    out = page.evaluate("""() => ({drawn: kgView.drawnAt, settled: kgView.stabilizedAt,
        nodes: kgView.network.body.nodeIndices.length, edges: kgView.network.body.edgeIndices.length,
        heap: performance.memory ? performance.memory.usedJSHeapSize : null})""")
    context.close()
    out["errors"] = errors
    out["remote"] = remote
    return out


def screenshot(page_path: Path, png: Path, *, width: int = 1024, height: int = 640, search: str = "ImageNet") -> None:
    """Saves a PNG of a kg view page once drawn, with `search` typed in the search box and its first
    match selected (the README's picture)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(page_path.resolve().as_uri())
        page.wait_for_function("window.kgView && window.kgView.ready", timeout=60_000)
        if page.evaluate("window.kgView.network.physics.options.enabled"):
            page.wait_for_function("window.kgView.stabilizedAt !== null", timeout=60_000)
        if search:
            page.fill("#kg-search", search)
            page.press("#kg-search", "Enter")
            page.evaluate("kgView.network.fit({animation: false})")
        page.wait_for_timeout(300)
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png), type="png")
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500,2000,5000", help="comma-separated node counts")
    parser.add_argument("--physics", default="500", help="sizes also measured with live physics on")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    parser.add_argument("--screenshot", type=Path, default=None, help="save a PNG of --page instead")
    parser.add_argument("--page", type=Path, default=None, help="the page to screenshot")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        n, path, physics = args.child.split("|")
        print(json.dumps(_render(int(n), Path(path), {"on": True, "off": False, "auto": None}[physics])))
        return 0
    if args.screenshot is not None:
        if args.page is None:
            parser.error("--screenshot needs --page")
        screenshot(args.page, args.screenshot)
        print(f"wrote {args.screenshot}")
        return 0
    from playwright.sync_api import sync_playwright

    sizes = [int(s) for s in args.sizes.split(",") if s]
    physics_sizes = [int(s) for s in args.physics.split(",") if s]
    jobs = [(n, "auto") for n in sizes] + [(n, "on") for n in physics_sizes]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = launch(pw)
        for n, physics in jobs:
            path = Path(tmp) / f"view-{n}-{physics}.html"
            child = subprocess.run([sys.executable, "-m", "benchmarks.view_bench", "--child", f"{n}|{path}|{physics}"],
                                   check=True, capture_output=True, text=True)
            row = json.loads(child.stdout)
            runs = [measure_page(browser, path, physics=row["physics"]) for _ in range(args.repeat)]
            row["drawn_ms"] = statistics.median(r["drawn"] for r in runs)
            settled = [r["settled"] for r in runs if r["settled"] is not None]
            row["settled_ms"] = statistics.median(settled) if settled else None
            row["heap_mb"] = statistics.median((r["heap"] or 0) for r in runs) / 2**20
            row["drawn_nodes"], row["drawn_edges"] = runs[0]["nodes"], runs[0]["edges"]
            row["console_errors"] = sum(len(r["errors"]) for r in runs)
            row["remote_requests"] = sum(len(r["remote"]) for r in runs)
            rows.append(row)
        browser.close()
    header = (f"{'nodes':>6} {'edges':>6} {'physics':>7} {'render s':>8} {'peak RSS':>9} {'page MB':>7} "
              f"{'drawn ms':>8} {'settled ms':>10} {'JS heap':>8} {'errors':>6} {'remote':>6}")
    print(header)
    for r in rows:
        settled = f"{r['settled_ms']:.0f}" if r["settled_ms"] is not None else "-"
        print(f"{r['nodes']:>6} {r['edges']:>6} {'on' if r['physics'] else 'off':>7} {r['render_s']:>8.2f} "
              f"{r['peak_rss_mb']:>6.0f} MB {r['page_mb']:>7.2f} {r['drawn_ms']:>8.0f} {settled:>10} "
              f"{r['heap_mb']:>5.0f} MB {r['console_errors']:>6} {r['remote_requests']:>6}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

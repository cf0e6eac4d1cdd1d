"""kg view pages in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright).

Each page is opened from disk with background networking off; every test also checks that the page
logged no console error, raised no JavaScript error, opened no dialog and requested nothing but itself.
Skipped when Chromium or the playwright package is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kg.view import render_html
from tests.view_graphs import IMG_TITLE, SCRIPT_TITLE, SVG_ALIAS, hostile_graph, sized_graph

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
    if os.environ.get("CI"):
        # CI installs Chromium (`make test`); a missing browser there must not pass as a skip.
        raise RuntimeError(f"{CHROMIUM} is missing in CI: `make chromium` should have installed it")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@dataclass
class Opened:
    """A page and what it did: console errors, page errors, dialogs, requests other than itself."""

    page: Any
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def clean(self) -> None:
        assert self.errors == []
        assert self.dialogs == []
        assert self.requests == []

    def js(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                  "--disable-dev-shm-usage", "--disable-default-apps", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def opener(path: Path) -> Opened:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page)
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))

        def dialog(d: Any) -> None:
            opened.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        url = path.resolve().as_uri()
        page.on("request", lambda r: opened.requests.append(r.url) if r.url not in (url,)
                and not r.url.startswith("data:") else None)
        page.goto(url)
        page.wait_for_function("window.kgView && window.kgView.ready", timeout=60_000)
        if opened.js("kgView.network.physics.options.enabled"):
            page.wait_for_function("kgView.stabilizedAt !== null", timeout=60_000)
        return opened

    yield opener
    for context in contexts:
        context.close()


def _hover(opened: Opened, node_id: int) -> None:
    """Moves the mouse onto a node, where vis-network draws it."""
    point = opened.js("""(id) => {
        const p = kgView.network.canvasToDOM(kgView.network.getPosition(id));
        const box = document.getElementById('mynetwork').getBoundingClientRect();
        return {x: box.left + p.x, y: box.top + p.y};
    }""", node_id)
    opened.page.mouse.move(point["x"] + 25, point["y"] + 25)
    opened.page.mouse.move(point["x"], point["y"], steps=4)


def _node_id(opened: Opened, name: str) -> int:
    ids = opened.js("(name) => kgView.nodes.getIds().filter(i => kgView.describe(i).startsWith(name))", name)
    assert len(ids) == 1, (name, ids)
    return int(ids[0])


@pytest.mark.parametrize("n_nodes", [40, 400])
@pytest.mark.slow
def test_every_node_and_edge_is_drawn_offline(open_page: Any, tmp_path: Path, n_nodes: int) -> None:
    graph = sized_graph(n_nodes)
    result = render_html(graph, tmp_path / "graph.html")
    assert result.physics is (n_nodes <= 300)
    opened = open_page(result.path)
    drawn = opened.js("[kgView.network.body.nodeIndices.length, kgView.network.body.edgeIndices.length]")
    assert drawn == [graph.number_of_nodes(), graph.number_of_edges()]
    assert opened.page.locator("#kg-counts").inner_text().startswith(f"{n_nodes} of {n_nodes} nodes")
    legend = opened.page.locator("#kg-legend").inner_text()
    for kind in ("Paper", "Method", "Dataset", "Metric", "Task", "Claim"):
        assert kind in legend
    opened.clean()


@pytest.mark.slow
def test_search_finds_a_node_by_alias_and_selects_it(open_page: Any, tmp_path: Path) -> None:
    opened = open_page(render_html(sized_graph(400), tmp_path / "graph.html").path)
    imagenet = _node_id(opened, "ImageNet")
    opened.page.fill("#kg-search", "ilsvrc")
    assert opened.page.locator("#kg-results button").first.inner_text().startswith("ImageNet")
    opened.page.press("#kg-search", "Enter")
    assert opened.js("kgView.network.getSelectedNodes()") == [imagenet]
    details = opened.page.locator("#kg-details").inner_text()
    assert "ImageNet" in details and "ILSVRC" in details and IMG_TITLE in details and SCRIPT_TITLE in details
    opened.page.fill("#kg-search", "generated paper 7")
    opened.page.locator("#kg-results button").first.click()
    assert opened.js("kgView.describe(kgView.network.getSelectedNodes()[0])").startswith("Generated paper 7")
    opened.clean()


def test_type_filter_and_paper_slider_hide_nodes(open_page: Any, tmp_path: Path) -> None:
    graph = sized_graph(400)
    claims = sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "Claim")
    opened = open_page(render_html(graph, tmp_path / "graph.html").path)
    opened.page.uncheck("#kg-type-Claim")
    visible = opened.js("[kgView.visibleNodes, kgView.network.body.nodeIndices.length]")
    assert visible == [400 - claims, 400 - claims]
    opened.page.check("#kg-type-Claim")
    assert opened.js("kgView.network.body.nodeIndices.length") == 400
    opened.page.locator("#kg-min-papers").fill("2")
    rare = sum(1 for n, d in graph.nodes(data=True)
               if d["kind"] in ("Method", "Dataset", "Metric", "Task") and d["paper_count"] < 2)
    assert rare > 0
    assert opened.js("kgView.network.body.nodeIndices.length") == 400 - rare
    # searching a hidden node shows it again
    opened.page.fill("#kg-search", "FooNet")
    opened.page.press("#kg-search", "Enter")
    assert _node_id(opened, "FooNet") in opened.js("kgView.network.body.nodeIndices")
    opened.clean()


def test_tooltips_show_hostile_text_as_text_and_run_nothing(open_page: Any, tmp_path: Path) -> None:
    opened = open_page(render_html(hostile_graph(), tmp_path / "graph.html", title=SCRIPT_TITLE).path)
    assert opened.page.title() == SCRIPT_TITLE
    for name, shown in ((IMG_TITLE, IMG_TITLE), (SCRIPT_TITLE, SCRIPT_TITLE), ("ResNet", SVG_ALIAS)):
        _hover(opened, _node_id(opened, name))
        tooltip = opened.page.locator("#kg-tooltip")
        tooltip.wait_for(state="visible")
        assert shown in tooltip.inner_text()
    assert opened.js("document.querySelectorAll('img, svg, #kg-tooltip script, #kg-details script').length") == 0
    claim = _node_id(opened, "92.3%")
    _hover(opened, claim)
    text = opened.page.locator("#kg-tooltip").inner_text()
    for part in ("92.3", "accuracy", "ImageNet", "FooNet", "<b>accuracy</b>", IMG_TITLE):
        assert part in text
    opened.page.mouse.click(0, 0)
    opened.js("(id) => kgView.jump(id)", claim)
    assert "<b>accuracy</b>" in opened.page.locator("#kg-details").inner_text()
    assert opened.js("document.querySelectorAll('b').length") == 0
    opened.clean()

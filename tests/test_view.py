"""kg view without a browser: what the page holds, what is drawn, loading graphs, refusing big ones."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.errors import FormatError, GraphError, InputError, OptionError
from kg.graph_io import load_any_graph, write_node_link
from kg.rdf.export import write_rdf
from kg.rdf.mapping import to_rdf
from kg.rdf.to_nx import from_rdf
from kg.view import PHYSICS_MAX_NODES, find_node, layout, page_html, paper_counts, parse_types, render_html, select
from kg.view.page import _size
from tests.view_graphs import IMG_TITLE, SCRIPT_TITLE, SENTENCE, SVG_ALIAS, hostile_graph, sized_graph

REMOTE = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?\s*(https?:)?//""", re.IGNORECASE)


def _data(page: str, name: str) -> object:
    """A JSON value the template wrote as `var NAME = ...;` (one line)."""
    match = re.search(rf"var {name} = (?:new vis\.DataSet\((.*)\)|(.*));\n", page)
    assert match, name
    return json.loads(match.group(1) or match.group(2))


@pytest.fixture(scope="module")
def page() -> str:
    return page_html(hostile_graph(), title=IMG_TITLE)[0]


# --- the page ------------------------------------------------------------------------------------


def test_hostile_text_never_appears_as_markup(page: str) -> None:
    for text in (IMG_TITLE, SCRIPT_TITLE, SVG_ALIAS, "<b>accuracy</b>"):
        assert text not in page
    assert "<img" not in page.lower().replace("<img src=x", "")  # not even the heading's
    # the heading is HTML-escaped; data is JSON with <, >, & escaped as \uXXXX
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in page
    assert r"\u003cimg src=x onerror=alert(1)\u003e" in page
    assert r"\u003c/script\u003e\u003cscript\u003ealert(2)\u003c/script\u003e" in page
    # only the template's two script elements end: no text closes one early
    assert page.count("</script>") == 2


def test_hostile_text_survives_as_data(page: str) -> None:
    meta = _data(page, "KG")
    assert isinstance(meta, dict)
    names = [d["name"] for d in meta["details"]]
    assert IMG_TITLE in names and SCRIPT_TITLE in names
    resnet = next(d for d in meta["details"] if d["name"] == "ResNet")
    assert resnet["aliases"] == [SVG_ALIAS]
    claim = next(d for d in meta["details"] if d["kind"] == "Claim")
    assert claim["sentence"] == SENTENCE
    assert (claim["value"], claim["unit"], claim["metric"], claim["dataset"], claim["method"]) == (
        "92.3", "%", "accuracy", "ImageNet", "FooNet")
    assert [meta["titles"][i] for i in claim["papers"]] == [IMG_TITLE]
    imagenet = next(d for d in meta["details"] if d["name"] == "ImageNet")
    assert sorted(meta["titles"][i] for i in imagenet["papers"]) == sorted([IMG_TITLE, SCRIPT_TITLE])
    assert imagenet["paperCount"] == 2


def test_the_page_is_self_contained(page: str) -> None:
    assert not REMOTE.search(page)
    for cdn in ("cdnjs", "jsdelivr", "unpkg", "bootstrap"):
        assert cdn not in page.lower()
    assert "vis.Network" in page  # vis-network is inlined
    assert re.search(r"<script\b[^>]*\bsrc=", page) is None
    assert re.search(r"<link\b[^>]*\bhref=(?!\"data:)", page) is None


def test_every_node_and_edge_is_drawn_with_its_style(page: str) -> None:
    graph = hostile_graph()
    nodes, edges = _data(page, "nodes"), _data(page, "edges")
    assert isinstance(nodes, list) and isinstance(edges, list)
    assert len(nodes) == graph.number_of_nodes() and len(edges) == graph.number_of_edges()
    shapes = {n["kind"]: (n["shape"], n["color"]) for n in nodes}
    assert len(set(shapes.values())) == 6  # one shape and colour per kind
    assert {e["relation"] for e in edges} == {k for _, _, k in graph.edges(keys=True)}
    sizes = {n["label"]: n["size"] for n in nodes}
    assert sizes["ImageNet"] > sizes["ResNet"]  # two papers against one


def test_physics_is_on_for_small_graphs_only() -> None:
    assert page_html(sized_graph(PHYSICS_MAX_NODES))[1].physics
    assert not page_html(sized_graph(PHYSICS_MAX_NODES + 1))[1].physics
    assert not page_html(hostile_graph(), physics=False)[1].physics


def test_render_html_writes_the_page(tmp_path: Path) -> None:
    out = render_html(hostile_graph(), tmp_path / "deep" / "graph.html")
    assert out.path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (out.nodes, out.edges) == (11, 12)
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["graph.html"]  # no lib/ folder, no temp file


# --- what is drawn -------------------------------------------------------------------------------


def test_focus_and_hops() -> None:
    graph = hostile_graph()
    assert sorted(select(graph, focus="imagenet", hops=0).nodes) == ["dataset/imagenet"]
    one = set(select(graph, focus="ILSVRC", hops=1).nodes)
    assert one == {"dataset/imagenet", "paper:p1", "paper:p2", "claim:p1:abstract:15-20"}
    two = set(select(graph, focus="ImageNet", hops=2).nodes)
    assert {"method/resnet", "new/method/foonet", "metric/accuracy"} <= two
    assert "method/bert" not in two  # another component
    assert find_node(graph, IMG_TITLE) == "paper:p1"
    assert find_node(graph, "p3") == "paper:p3"


def test_unknown_focus_suggests_close_names() -> None:
    with pytest.raises(OptionError, match=r"no node named 'ImagNet'; did you mean 'ImageNet'"):
        select(hostile_graph(), focus="ImagNet")


def test_types_keep_papers_as_links() -> None:
    part = select(hostile_graph(), types="Method,Dataset")
    assert {d["kind"] for _, d in part.nodes(data=True)} == {"Paper", "Method", "Dataset"}
    assert part.number_of_nodes() == 3 + 3 + 2
    only = select(hostile_graph(), types=["Task"])
    assert set(only.nodes) == {"task/image-classification", "paper:p1"}
    with pytest.raises(OptionError, match="unknown type 'Model'; use Paper, Method"):
        parse_types("Method,Model")


def test_top_keeps_the_most_connected_entities_and_the_papers_between_them() -> None:
    graph = sized_graph(200)
    counts = paper_counts(graph)
    part = select(graph, top=5)
    entities = [n for n, d in part.nodes(data=True) if d["kind"] not in ("Paper", "Claim")]
    assert len(entities) == 5
    rest = [counts[n] for n, d in graph.nodes(data=True) if d["kind"] not in ("Paper", "Claim") and n not in part]
    assert min(counts[n] for n in entities) >= max(rest)
    for node, data in part.nodes(data=True):
        if data["kind"] == "Paper":
            assert sum(1 for v in graph.successors(node) if v in entities) >= 2
    assert not any(d["kind"] == "Claim" for _, d in part.nodes(data=True))
    assert any(d["kind"] == "Claim" for _, d in select(graph, top=5, types="Method,Dataset,Metric,Task,Claim")
               .nodes(data=True))


def test_top_fits_its_papers_in_the_limit(tmp_path: Path) -> None:
    graph = sized_graph(600)
    papers = [n for n, d in select(graph, top=150).nodes(data=True) if d["kind"] == "Paper"]
    assert len(papers) > 10
    limit = 150 + len(papers) // 2
    assert render_html(graph, tmp_path / "graph.html", top=150, limit=limit).nodes == limit
    part = select(graph, top=150, max_nodes=limit)
    kept = [n for n, d in part.nodes(data=True) if d["kind"] == "Paper"]
    assert len(kept) == len(papers) // 2
    links = {p: sum(1 for v in set(graph.successors(p)) if v in part) for p in papers}
    assert min(links[p] for p in kept) >= max(links[p] for p in papers if p not in kept)


def test_min_papers_leaves_out_rare_entities() -> None:
    part = select(hostile_graph(), min_papers=2)
    assert {n for n, d in part.nodes(data=True) if d["kind"] not in ("Paper", "Claim")} == {"dataset/imagenet"}
    assert "paper:p3" not in part  # nothing left to link


def test_bad_numbers_are_refused() -> None:
    for kwargs in ({"hops": -1}, {"top": 0}, {"min_papers": -2}):
        with pytest.raises(OptionError):
            select(hostile_graph(), **kwargs)  # type: ignore[arg-type]


def test_over_the_limit_refuses_and_suggests_narrowing(tmp_path: Path) -> None:
    target = tmp_path / "graph.html"
    with pytest.raises(OptionError, match=r"would draw 11 nodes, over the limit of 10.*--top.*--focus"):
        render_html(hostile_graph(), target, limit=10)
    assert not target.exists()
    assert render_html(hostile_graph(), target, limit=10, focus="BERT").nodes == 2


# --- layout --------------------------------------------------------------------------------------


def test_layout_is_deterministic_and_leaves_no_overlap() -> None:
    graph = sized_graph(400)
    counts = paper_counts(graph)
    radius = {n: _size(d["kind"], counts[n]) for n, d in graph.nodes(data=True)}
    first = layout(graph, radius=radius, seed=3)
    assert first == layout(graph, radius=radius, seed=3)
    nodes = list(graph)
    import numpy as np

    xy = np.array([first[n] for n in nodes])
    r = np.minimum(np.array([radius[n] for n in nodes]), 20.0)
    gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) - (r[:, None] + r[None, :])
    np.fill_diagonal(gaps, np.inf)
    assert gaps.min() > -2.0


def test_layout_of_tiny_and_disconnected_graphs() -> None:
    assert layout(nx.Graph()) == {}
    assert layout(nx.empty_graph(1)) == {0: (0.0, 0.0)}
    pos = layout(nx.empty_graph(5))  # no edges at all
    assert len(set(pos.values())) == 5


# --- loading -------------------------------------------------------------------------------------


def _same_graph(got: nx.MultiDiGraph, want: nx.MultiDiGraph) -> None:
    assert set(got.nodes) == set(want.nodes)
    assert set(got.edges(keys=True)) == set(want.edges(keys=True))
    for node, attrs in want.nodes(data=True):
        for key in ("kind", "label", "title", "sentence", "value", "paper_count"):
            assert got.nodes[node].get(key) == attrs.get(key), (node, key)


@pytest.mark.parametrize("name", ["graph.json", "graph.graphml", "graph.ttl", "graph.nt", "graph.jsonld", "folder"])
def test_load_any_graph(tmp_path: Path, name: str) -> None:
    graph = hostile_graph()
    if name in ("graph.json", "folder"):
        write_node_link(graph, tmp_path / "graph.json")
        write_rdf(graph, tmp_path / "graph.ttl")  # a folder prefers graph.json
    elif name == "graph.graphml":
        write_node_link(graph, tmp_path / name, fmt="graphml")
    else:
        write_rdf(graph, tmp_path / name, format=name.split(".")[1])
    loaded = load_any_graph(tmp_path if name == "folder" else tmp_path / name)
    _same_graph(loaded, graph)
    assert loaded.nodes["dataset/imagenet"]["aliases"] == ["ILSVRC", "ImageNet-1k"]
    assert len(loaded.edges["paper:p1", "dataset/imagenet", "evaluatesOn"]["evidence"]) == 1


def test_rdf_round_trip_keeps_every_attribute() -> None:
    graph = hostile_graph()
    back = from_rdf(to_rdf(graph))
    for node, attrs in graph.nodes(data=True):
        for key, value in attrs.items():
            got = back.nodes[node].get(key)
            if key in ("aliases", "authors"):
                value = sorted(v for v in value if v != attrs.get("label"))
            assert got == value or (value in (None, "") and got in (None, "")), (node, key, value, got)
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        assert back.edges[u, v, key]["relation"] == key
        assert len(back.edges[u, v, key]["evidence"]) == len(attrs["evidence"])


def test_loading_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_any_graph(tmp_path / "missing.json")
    with pytest.raises(InputError, match=r"holds no graph file.*run kg build first"):
        load_any_graph(tmp_path)
    (tmp_path / "graph.csv").write_text("a,b\n")
    with pytest.raises(FormatError, match="cannot tell the graph format"):
        load_any_graph(tmp_path / "graph.csv")
    (tmp_path / "stats.json").write_text('{"nodes": {"Paper": 1}}')
    with pytest.raises(GraphError, match="not a node-link graph"):
        load_any_graph(tmp_path / "stats.json")
    (tmp_path / "other.json").write_text(json.dumps(nx.node_link_data(nx.path_graph(2), edges="edges")))
    with pytest.raises(GraphError, match="has kind None"):
        load_any_graph(tmp_path / "other.json")


def test_a_loaded_graph_is_checked_against_the_contract_once(tmp_path: Path) -> None:
    graph = hostile_graph()
    del graph.nodes["method/bert"]["aliases"]
    write_node_link(graph, tmp_path / "graph.json")
    with pytest.raises(GraphError, match=r"graph.json: node 'method/bert' \(Method\): aliases: Field required"):
        load_any_graph(tmp_path / "graph.json")
    graph = hostile_graph()
    graph.nodes["paper:p2"]["year"] = "2024"
    write_node_link(graph, tmp_path / "graph.json")
    with pytest.raises(GraphError, match=r"node 'paper:p2' \(Paper\): year: Input should be a valid integer"):
        load_any_graph(tmp_path / "graph.json")
    graph = hostile_graph()
    graph.edges["paper:p3", "method/bert", "uses"]["evidence"] = "none"
    write_node_link(graph, tmp_path / "graph.json")
    with pytest.raises(GraphError, match=r"edge 'paper:p3' -> 'method/bert' \(uses\): evidence"):
        load_any_graph(tmp_path / "graph.json")
    # GraphML cannot hold None: what is missing and may be None reads back as None
    write_node_link(hostile_graph(), tmp_path / "graph.graphml", fmt="graphml")
    loaded = load_any_graph(tmp_path / "graph.graphml")
    assert loaded.nodes["paper:p2"]["url"] is None and loaded.nodes["method/bert"]["kb_id"] is None


# --- the command ---------------------------------------------------------------------------------


def test_kg_view_command(tmp_path: Path) -> None:
    write_node_link(hostile_graph(), tmp_path / "graph.json")
    runner = CliRunner()
    result = runner.invoke(main, ["view", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "11 nodes and 12 edges drawn (physics on)" in result.output
    assert (tmp_path / "graph.html").is_file()
    out = tmp_path / "focus.html"
    result = runner.invoke(main, ["view", str(tmp_path / "graph.json"), "--focus", "SQuAD", "--hops", "2",
                                  "-o", str(out), "--title", "SQuAD"])
    assert result.exit_code == 0, result.output
    assert "<title>SQuAD</title>" in out.read_text(encoding="utf-8")
    result = runner.invoke(main, ["view", str(tmp_path), "--limit", "5", "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 1
    assert "over the limit of 5" in result.output and "--top" in result.output
    assert not (tmp_path / "x.html").exists()
    result = runner.invoke(main, ["view", str(tmp_path), "--focus", "SQuAd2"])
    assert result.exit_code == 1 and "did you mean 'SQuAD'" in result.output


def test_the_page_does_not_depend_on_the_process_hash_seed(tmp_path: Path) -> None:
    """A narrowed view is laid out in the graph's node order, not in the order of a set of strings,
    which Python shuffles per process: two processes write the same page."""
    import hashlib
    import os
    import subprocess
    import sys

    code = ("import sys; sys.path.insert(0, 'tests'); from view_graphs import sized_graph; "
            "from kg.view import render_html; render_html(sized_graph(600), sys.argv[1], top=40)")
    root = Path(__file__).resolve().parents[1]
    digests = set()
    for seed in ("1", "2"):
        page = tmp_path / f"page-{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(page)], cwd=root, env=env, check=True, timeout=300)
        digests.add(hashlib.sha256(page.read_bytes()).hexdigest())
    assert len(digests) == 1

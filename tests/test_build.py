"""`kg build` end to end on the example corpus: outputs, determinism, SHACL, named queries, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from kg.build import BuildOptions, build, read_node_link
from kg.cli import main
from kg.rdf.query import run_named
from kg.rdf.read import load_graph
from kg.rdf.shacl import validate
from tests.paths import EXAMPLES


@pytest.fixture(scope="module")
def demo(example_build: Path) -> Path:
    return example_build


def triples(path: Path) -> set[tuple[object, object, object]]:
    return set(load_graph(path))


@pytest.mark.slow
def test_build_writes_every_output(demo: Path) -> None:
    names = {p.name for p in demo.iterdir()}
    assert {"graph.ttl", "graph.json", "records.jsonl", "stats.json"} <= names
    assert not [n for n in names if n.startswith(".")], "temporary files left behind"
    stats = json.loads((demo / "stats.json").read_text())
    graph = read_node_link(demo / "graph.json")
    assert sum(stats["nodes"].values()) == graph.number_of_nodes()
    assert sum(stats["edges"].values()) == graph.number_of_edges()
    assert stats["nodes"]["Paper"] == 24
    assert all(stats["nodes"][k] > 0 for k in ("Method", "Dataset", "Metric", "Task", "Claim"))
    assert all(n > 0 for n in stats["edges"].values()), stats["edges"]


@pytest.mark.slow
def test_two_builds_give_the_same_rdf_graph(demo: Path, tmp_path: Path) -> None:
    build([EXAMPLES], tmp_path, BuildOptions(pipeline="fast", html=False))
    first, second = triples(demo / "graph.ttl"), triples(tmp_path / "graph.ttl")
    # No blank nodes: equal triple sets means isomorphic with the same IRIs.
    assert first == second
    assert not any(type(t).__name__ == "BNode" for triple in first for t in triple)


@pytest.mark.slow
def test_every_rdf_format_holds_the_same_graph(demo: Path, tmp_path: Path) -> None:
    records = demo / "records.jsonl"
    for fmt in ("nt", "jsonld"):
        build([EXAMPLES], tmp_path / fmt, BuildOptions(pipeline="fast", rdf_format=fmt, records=records, html=False))
        assert triples(tmp_path / fmt / f"graph.{fmt}") == triples(demo / "graph.ttl")


@pytest.mark.slow
def test_export_conforms_to_the_shapes(demo: Path) -> None:
    assert validate(demo / "graph.ttl") == []


def test_proposes_is_told_from_uses(demo: Path) -> None:
    rows = run_named(demo / "graph.ttl", "paper-proposes", {"paper": "ex-03"}).rows
    assert [r[-1] for r in rows] == ["SparseRoute"]
    graph = read_node_link(demo / "graph.json")
    uses = {graph.nodes[v]["label"] for _, v, k in graph.out_edges("paper:ex-03", keys=True) if k == "uses"}
    assert "SparseRoute" not in uses and uses  # the paper also uses existing methods


def test_variant_spellings_are_one_entity(demo: Path) -> None:
    # ex-04 writes "CIFAR10", ex-18 "CIFAR-10": both evaluate on dataset/cifar-10.
    graph = read_node_link(demo / "graph.json")
    papers = {u for u, _, k in graph.in_edges("dataset/cifar-10", keys=True) if k == "evaluatesOn"}
    assert {"paper:ex-04", "paper:ex-18"} <= papers
    assert graph.nodes["dataset/cifar-10"]["paper_count"] >= 2


def test_named_queries_on_the_example_corpus(demo: Path) -> None:
    ttl = demo / "graph.ttl"
    board = run_named(ttl, "leaderboard", {"metric": "accuracy", "dataset": "CIFAR-10"})
    assert ("ResNet-18", "ex-04") in {(row[board.columns.index("method")], row[board.columns.index("paper")])
                                      for row in board.rows}
    top = run_named(ttl, "top-datasets").rows
    assert top[0][0] == "ImageNet" and top[0][1] >= top[-1][1]
    aliases = {row[0] for row in run_named(ttl, "papers-with-alias", {"alias": "LLMs"}).rows}
    assert {"ex-01", "ex-14"} <= aliases
    speed = run_named(ttl, "claims-above", {"kind": "speedup", "threshold": 5}).rows
    assert any(row[1] == "5.8×" and row[-1] == "ex-08" for row in speed)
    tasks = {row[0] for row in run_named(ttl, "tasks-by-method", {"method": "BERT"}).rows}
    assert "named entity recognition" in tasks
    near = {row[0] for row in run_named(ttl, "cooccurring", {"entity": "GSM8K"}).rows}
    assert {"MMLU", "HellaSwag"} <= near


def test_query_errors_are_one_line(demo: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix kg: <https://w3id.org/kg-ml/ontology#> .\nkg:a kg:b \n", encoding="utf-8")
    cases = [
        ([str(bad), "SELECT * WHERE { ?s ?p ?o }"], "bad.ttl"),
        ([str(tmp_path / "missing.ttl"), "SELECT * WHERE { ?s ?p ?o }"], "missing.ttl"),
        ([str(demo), "--named", "no-such-query"], "leaderboard"),
        ([str(demo), "--named", "leaderboard", "--param", "metric=accuracy"], "--param dataset="),
        ([str(demo), "INSERT DATA { <urn:a> <urn:b> <urn:c> }"], "read-only"),
        ([str(demo), "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"], "SERVICE"),
    ]
    for args, expected in cases:
        result = runner.invoke(main, ["query", *args])
        assert result.exit_code == 1, args
        assert expected in result.output, (args, result.output)
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_query_command_formats(demo: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["query", str(demo), "--named", "top-datasets", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["dataset"] == "ImageNet"
    csv = runner.invoke(main, ["query", str(demo / "graph.ttl"), "SELECT (COUNT(*) AS ?n) WHERE { ?p a kg:Paper }",
                               "--format", "csv"])
    assert csv.output.splitlines() == ["n", "24"]


@pytest.mark.slow
def test_validate_command(demo: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(demo)]).exit_code == 0
    broken = Graph()
    broken.parse(demo / "graph.ttl")
    for triple in list(broken.triples((None, None, None))):
        if str(triple[1]).endswith("#value"):
            broken.remove(triple)
            break
    path = tmp_path / "broken.nt"
    broken.serialize(path, format="nt")
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1 and "kg:value" in result.output


@pytest.mark.parametrize("nodes", [0, 1, 999, 1000, 1001, 2500])
def test_node_link_json_is_what_networkx_writes(tmp_path: Path, nodes: int) -> None:
    """The streamed graph.json equals json.dumps of networkx's node-link data, at batch boundaries too."""
    import networkx as nx

    from kg.graph_io import write_node_link

    graph = nx.MultiDiGraph()
    for i in range(nodes):
        graph.add_node(f"paper:p{i}", kind="Paper", title=f'T "{i}" é')
        if i:
            graph.add_edge(f"paper:p{i}", f"paper:p{i - 1}", key="uses", evidence=[{"paper": f"p{i}"}])
    write_node_link(graph, tmp_path / "g.json")
    expected = json.dumps(nx.node_link_data(graph, edges="edges"), ensure_ascii=False, sort_keys=True)
    assert (tmp_path / "g.json").read_text(encoding="utf-8") == expected
    assert nx.utils.graphs_equal(read_node_link(tmp_path / "g.json"), graph)


def test_the_build_knows_the_pipelines_extraction_defines() -> None:
    from kg.cache import PIPELINES
    from kg.extract import PIPELINES as defined

    assert list(PIPELINES) == list(defined)

"""SPARQL: named queries on the small graph, refusals, bindings, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from pyoxigraph import RdfFormat
from rdflib import Graph

from kg.errors import GraphError, InputError, QueryError
from kg.rdf.export import write_rdf
from kg.rdf.formats import RDF_FORMATS
from kg.rdf.mapping import to_rdf
from kg.rdf.query import (
    QueryResult,
    check_query,
    get_named,
    list_named,
    load_store,
    run_named,
    run_query,
)
from tests.paths import RDF_FIXTURES as FIXTURES

TITLE1 = 'BERT Rocks: "Deep" <Transformers>'
TITLE2 = "ResNet on ImageNet and CIFAR-10"


def small_graph() -> nx.MultiDiGraph:
    data = json.loads((FIXTURES / "small_graph.json").read_text("utf-8"))
    return nx.node_link_graph(data, edges="edges", directed=True, multigraph=True)


@pytest.fixture(scope="module")
def rdf() -> Graph:
    return to_rdf(small_graph())


# --- every named query on the small graph, with its expected rows ---------------------------------

EXPECTED: list[tuple[str, dict[str, Any], list[str], list[tuple[Any, ...]]]] = [
    ("top-datasets", {}, ["dataset", "papers"], [("CIFAR-10", 2), ("GLUE", 1), ("ImageNet", 1)]),
    ("top-methods", {}, ["method", "papers"], [("BERT", 2), ("ResNet-50", 1), ("TransEnc", 1)]),
    ("methods-on-dataset", {"dataset": "cifar10"}, ["method", "papers"],
     [("BERT", 1), ("ResNet-50", 1), ("TransEnc", 1)]),
    ("methods-on-dataset", {"dataset": "glue"}, ["method", "papers"], [("BERT", 1)]),
    ("leaderboard", {"metric": "ACC", "dataset": "CIFAR-10"},
     ["value", "claim", "unit", "method", "paper", "title"],
     [(95.0, "95.0%", "%", "ResNet-50", "p 2", TITLE2),
      (92.3, "92.3%", "%", "TransEnc", "2401.00001", TITLE1)]),
    ("leaderboard", {"metric": "top-1 accuracy", "dataset": "ILSVRC-2012"},
     ["value", "claim", "unit", "method", "paper", "title"],
     [(76.1, "76.1%", "%", "ResNet-50", "p 2", TITLE2)]),
    ("paper-proposes", {"paper": TITLE1.upper()}, ["id", "title", "method"],
     [("2401.00001", TITLE1, "TransEnc")]),
    ("paper-proposes", {"paper": "p 2"}, ["id", "title", "method"], [("p 2", TITLE2, None)]),
    ("paper-proposes", {"paper": "nothing"}, ["id", "title", "method"], []),
    ("tasks-by-method", {"method": "bert"}, ["task", "papers"],
     [("image classification", 1), ("natural language understanding", 1)]),
    ("tasks-by-method", {"method": "ResNet50"}, ["task", "papers"], [("image classification", 1)]),
    ("papers-with-alias", {"alias": "cifar10"}, ["paper", "title", "entity", "type"],
     [("2401.00001", TITLE1, "CIFAR-10", "Dataset"), ("p 2", TITLE2, "CIFAR-10", "Dataset")]),
    ("papers-with-alias", {"alias": "nlu"}, ["paper", "title", "entity", "type"],
     [("2403.00003", None, "natural language understanding", "Task")]),
    ("cooccurring", {"entity": "BERT"}, ["other", "type", "papers"],
     [("CIFAR-10", "Dataset", 1), ("GLUE", "Dataset", 1), ("TransEnc", "Method", 1),
      ("accuracy", "Metric", 1), ("image classification", "Task", 1),
      ("natural language understanding", "Task", 1)]),
    ("cooccurring", {"entity": "accuracy"}, ["other", "type", "papers"],
     [("CIFAR-10", "Dataset", 2), ("image classification", "Task", 2), ("ImageNet", "Dataset", 1),
      ("BERT", "Method", 1), ("ResNet-50", "Method", 1), ("TransEnc", "Method", 1)]),
    ("claims-above", {"kind": "score", "threshold": "90"},
     ["value", "claim", "unit", "metric", "dataset", "method", "paper"],
     [(95.0, "95.0%", "%", "accuracy", "CIFAR-10", "ResNet-50", "p 2"),
      (92.3, "92.3%", "%", "accuracy", "CIFAR-10", "TransEnc", "2401.00001")]),
    ("claims-above", {"kind": "SPEEDUP", "threshold": 2.5},
     ["value", "claim", "unit", "metric", "dataset", "method", "paper"],
     [(3.0, "3 to 5x", "x", None, "GLUE", "BERT", "2403.00003")]),
    ("claims-above", {"kind": "score", "threshold": "not a number"},
     ["value", "claim", "unit", "metric", "dataset", "method", "paper"], []),
    ("entity-aliases", {}, ["type", "entity", "alias"],
     [("Dataset", "CIFAR-10", "CIFAR10"), ("Dataset", "CIFAR-10", "cifar-10"),
      ("Dataset", "ImageNet", "ILSVRC-2012"),
      ("Method", "BERT", "Bidirectional Encoder Representations from Transformers"),
      ("Method", "ResNet-50", "ResNet50"), ("Method", "TransEnc", "Trans-Enc"), ("Metric", "accuracy", "acc"),
      ("Metric", "accuracy", "top-1 accuracy"), ("Task", "natural language understanding", "NLU")]),
    ("evidence", {"paper": "2401.00001"},
     ["field", "start", "end", "text", "relation", "object", "extractor", "confidence"],
     [("abstract", 11, 19, "TransEnc", "proposes", "TransEnc", "ner", 0.8),
      ("abstract", 37, 41, "BERT", "uses", "BERT", "kb", 1.0),
      ("abstract", 46, 66, "image classification", "addresses", "image classification", "kb", 1.0),
      ("abstract", 71, 79, "CIFAR-10", "claimDataset", "CIFAR-10", "claims", 0.9),
      ("abstract", 71, 79, "CIFAR-10", "evaluatesOn", "CIFAR-10", "kb", 1.0),
      ("abstract", 80, 88, "TransEnc", "claimMethod", "TransEnc", "claims", 0.6),
      ("abstract", 97, 102, "92.3%", "reports", "92.3%", "claims", 0.9),
      ("abstract", 103, 111, "accuracy", "claimMetric", "accuracy", "claims", 0.9),
      ("abstract", 103, 111, "accuracy", "measures", "accuracy", "kb", 1.0),
      ("abstract", 113, 123, "1.5 points", "reports", "1.5 points", "claims", 0.7),
      ("title", 0, 4, "BERT", "uses", "BERT", "kb", 1.0)]),
    ("evidence", {"paper": "p 2"},
     ["field", "start", "end", "text", "relation", "object", "extractor", "confidence"], []),
]


@pytest.mark.parametrize(
    ("name", "params", "columns", "rows"), EXPECTED, ids=[f"{e[0]}-{i}" for i, e in enumerate(EXPECTED)]
)
def test_named_query_rows(rdf: Graph, name: str, params: dict[str, Any], columns: list[str],
                          rows: list[tuple[Any, ...]]) -> None:
    result = run_named(rdf, name, params)
    assert result.columns == columns
    assert result.rows == rows


def test_every_named_query_is_tested_and_documented() -> None:
    names = {q.name for q in list_named()}
    assert names == {e[0] for e in EXPECTED}
    assert len(names) >= 9
    for q in list_named():
        assert q.description, q.name
        for param in q.params:
            assert f"?{param}" in q.text, (q.name, param)
            assert q.param_help[param], (q.name, param)
        check_query(q.text)


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=[f.file_extension for f in RDF_FORMATS])
def test_every_file_format_gives_the_same_rows(tmp_path: Path, fmt: RdfFormat) -> None:
    path = write_rdf(small_graph(), tmp_path / f"g.{fmt.file_extension}", format=fmt)
    store = load_store(path)
    for name, params, _, rows in EXPECTED:
        by_path = run_named(path, name, params)
        by_store = run_named(store, name, params)
        assert by_path == by_store, name
        assert by_path.rows == rows, name


# --- named query errors --------------------------------------------------------------------------


def test_unknown_named_query_lists_the_names() -> None:
    with pytest.raises(QueryError, match=r"unknown named query 'x'; use one of: claims-above, cooccurring, "):
        get_named("x")


def test_missing_parameter() -> None:
    with pytest.raises(QueryError) as info:
        run_named(Graph(), "leaderboard", {"dataset": "CIFAR-10"})
    assert str(info.value) == (
        "named query 'leaderboard' needs --param metric=... (the metric label or alias, e.g. accuracy)"
    )


def test_unknown_parameter() -> None:
    message = "named query 'top-datasets' has no parameter 'x'; it takes: no parameters"
    with pytest.raises(QueryError, match=message):
        run_named(Graph(), "top-datasets", {"x": "1"})


# --- refusals ------------------------------------------------------------------------------------

REFUSED_UPDATES = [
    "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
    "insert data { <http://x/a> <http://x/b> 'c' }",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX ex: <http://x/>\n# a comment\ndelete { ?s ex:p ?o } where { ?s ex:p ?o }",
    "DELETE DATA { <http://x/a> <http://x/b> 'delete' }",
    "WITH <http://x/g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "load silent <http://example.org/data.ttl> into graph <http://x/g>",
    "CLEAR ALL",
    "clear default",
    "DROP ALL",
    "drop silent graph <http://x/g>",
    "CREATE GRAPH <http://x/g>",
    "ADD DEFAULT TO <http://x/g>",
    "MOVE <http://x/a> TO <http://x/b>",
    "COPY DEFAULT TO <http://x/g>",
    "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
    "DROP GRAPH",  # malformed, still an update
    "PREFIX ex: <http://x/> BASE <http://y/> INSERT { ?s ex:p 1 } WHERE { ?s ex:p ",  # malformed update
]


@pytest.mark.parametrize("sparql", REFUSED_UPDATES)
def test_updates_are_refused(rdf: Graph, sparql: str) -> None:
    before = len(rdf)
    with pytest.raises(QueryError, match=r"^updates are refused: kg query is read-only$"):
        run_query(rdf, sparql)
    assert len(rdf) == before


REFUSED_SERVICE = [
    "SELECT * WHERE { SERVICE <http://dbpedia.org/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://x/sparql> { ?s ?p ?o } }",
    "PREFIX kg: <https://w3id.org/kg-ml/ontology#> # SERVICE in a comment\n"
    "SELECT ?p WHERE { ?p a kg:Paper OPTIONAL { SERVICE ?endpoint { ?p ?q ?r } } }",
    "ASK { FILTER EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }",
]


@pytest.mark.parametrize("sparql", REFUSED_SERVICE)
def test_service_is_refused(rdf: Graph, sparql: str) -> None:
    with pytest.raises(QueryError, match=r"^SERVICE is refused: kg query answers from the local graph only$"):
        run_query(rdf, sparql)


def test_from_is_refused(rdf: Graph) -> None:
    with pytest.raises(QueryError, match="FROM and FROM NAMED are refused"):
        run_query(rdf, "SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }")


ALLOWED = [
    'SELECT ?s WHERE { ?s ?p "delete" }',
    "SELECT ?s WHERE { ?s ?p 'DROP ALL; INSERT DATA {}' }",
    'SELECT ?s WHERE { ?s ?p """\nLOAD <http://x>\n""" }',
    "# DROP ALL\nSELECT ?s WHERE { ?s <http://x/delete#service> ?o }",
    "PREFIX delete: <http://x/> SELECT ?insert WHERE { ?insert delete:load ?service }",
]


@pytest.mark.parametrize("sparql", ALLOWED)
def test_words_inside_strings_iris_and_comments_are_allowed(rdf: Graph, sparql: str) -> None:
    assert run_query(rdf, sparql).rows == []


def test_malformed_query_names_line_and_column(rdf: Graph) -> None:
    with pytest.raises(QueryError, match=r"^malformed query at line 4, column 1: expected"):
        run_query(rdf, "SELECT ?s\nWHERE {\n  ?s ?p .\n}")
    # an update keyword in the wrong place of a malformed query is still reported as a syntax error
    with pytest.raises(QueryError, match=r"^malformed query at line 1"):
        run_query(rdf, "SELECT ?s WHERE { ?s ?p ?o FILTER(?o = copy) }")


def test_unknown_prefix_is_a_query_error(rdf: Graph) -> None:
    with pytest.raises(QueryError, match=r"line 1, column 28: unknown prefix 'foo:'; declare it with PREFIX"):
        run_query(rdf, "SELECT * WHERE { ?s foo:bar ?o }")


# --- bindings ------------------------------------------------------------------------------------

INJECTIONS = ['x" } ; DROP ALL ; #', "x' } ; DROP ALL ; #", '") || true || ("', "> } <", "?label", "*"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_bindings_cannot_inject(rdf: Graph, value: str) -> None:
    before = len(rdf)
    for name, params in (
        ("leaderboard", {"metric": value, "dataset": "CIFAR-10"}),
        ("paper-proposes", {"paper": value}),
        ("papers-with-alias", {"alias": value}),
        ("claims-above", {"kind": value, "threshold": value}),
    ):
        assert run_named(rdf, name, params).rows == [], name  # type: ignore[arg-type]
    assert len(rdf) == before


def test_iri_and_number_bindings(rdf: Graph) -> None:
    q = "SELECT ?m ?label WHERE { ?m skos:prefLabel ?label }"
    result = run_query(rdf, q, bindings={"m": "https://w3id.org/kg-ml/id/method/bert"})
    assert result.rows == [("https://w3id.org/kg-ml/id/method/bert", "BERT")]
    q = "SELECT ?n ?m WHERE { ?m kg:paperCount ?n } ORDER BY ?m"
    result = run_query(rdf, q, bindings={"?n": 2})
    assert len(result.rows) == 4 and {row[0] for row in result.rows} == {2}
    q = "SELECT ?v ?c WHERE { ?c kg:value ?v }"
    assert run_query(rdf, q, bindings={"v": 92.3}).rows[0][0] == 92.3  # type: ignore[arg-type]


def test_binding_rules(rdf: Graph) -> None:
    with pytest.raises(QueryError, match=r"add \?label to the SELECT clause"):
        run_query(rdf, "SELECT ?m WHERE { ?m skos:prefLabel ?label }", bindings={"label": "BERT"})
    with pytest.raises(QueryError, match="sub-select uses it without selecting it"):
        run_query(rdf, "SELECT ?label ?m WHERE { { SELECT ?m WHERE { ?m skos:prefLabel ?label } } }",
                  bindings={"label": "BERT"})
    with pytest.raises(QueryError, match=r"no variable \?nope"):
        run_query(rdf, "SELECT ?m WHERE { ?m a kg:Method }", bindings={"nope": 1})
    with pytest.raises(QueryError, match="not a SPARQL variable name"):
        run_query(rdf, "SELECT ?m WHERE { ?m a kg:Method }", bindings={"a b": 1})


# --- other query forms, sources and options ------------------------------------------------------


def test_ask_and_construct(rdf: Graph) -> None:
    assert run_query(rdf, "ASK { ?p a kg:Paper }").rows == [(True,)]  # type: ignore[arg-type]
    result = run_query(rdf, "CONSTRUCT { ?m a kg:Method } WHERE { ?p kg:proposes ?m }")
    assert result.columns == ["subject", "predicate", "object"]
    assert result.rows == [("https://w3id.org/kg-ml/id/new/method/transenc",
                            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                            "https://w3id.org/kg-ml/ontology#Method")]


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        run_query(tmp_path / "none.ttl", "ASK {}")
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://x/a> <http://x/b> .\n")
    with pytest.raises(GraphError, match="cannot parse as Turtle"):
        run_query(bad, "ASK {}")


def test_query_result_helpers() -> None:
    result = QueryResult(["a", "b"], [(1, None)])
    assert result.as_dicts() == [{"a": 1, "b": None}]
    assert len(result) == 1

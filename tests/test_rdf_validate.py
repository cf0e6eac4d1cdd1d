"""Every export conforms to ontology/shapes.ttl; broken graphs give one line per violation."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pyshacl
import pytest
from pyoxigraph import RdfFormat
from rdflib import Graph, Literal

from kg.rdf.export import write_rdf
from kg.rdf.formats import RDF_FORMATS
from kg.rdf.mapping import to_rdf
from kg.rdf.namespace import KG, claim_iri, entity_iri
from kg.rdf.shacl import ontology_graph, shapes_graph, validate
from tests.paths import RDF_FIXTURES as FIXTURES

CLAIM = "claim:2401.00001:abstract:97-102"


def small_graph() -> nx.MultiDiGraph:
    data = json.loads((FIXTURES / "small_graph.json").read_text("utf-8"))
    return nx.node_link_graph(data, edges="edges", directed=True, multigraph=True)


def test_shapes_and_ontology_are_valid_shacl() -> None:
    conforms, _, text = pyshacl.validate(shapes_graph(), shacl_graph=None, meta_shacl=True)
    assert len(shapes_graph()) > 100 and len(ontology_graph()) > 100
    assert conforms, text


def test_small_graph_conforms() -> None:
    assert validate(small_graph()) == []


def test_golden_file_conforms_through_pyshacl_directly() -> None:
    data = Graph().parse(FIXTURES / "expected_small.ttl", format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes_graph(), ont_graph=ontology_graph())
    assert conforms, text


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=[f.file_extension for f in RDF_FORMATS])
def test_validate_a_file(tmp_path: Path, fmt: RdfFormat) -> None:
    path = write_rdf(small_graph(), tmp_path / f"g.{fmt.file_extension}", format=fmt)
    assert validate(path) == []


def test_claim_without_value_fails() -> None:
    g = small_graph()
    del g.nodes[CLAIM]["value"]
    assert validate(g) == [
        "claim:7e6630b2f4b8b8dd: kg:value: a claim has exactly one kg:value (an xsd:double)"
    ]


def test_claim_with_unknown_kind_and_two_units_fails() -> None:
    rdf = to_rdf(small_graph())
    claim = claim_iri(CLAIM)
    rdf.set((claim, KG.claimKind, Literal("guess")))
    rdf.add((claim, KG.unit, Literal("points")))
    lines = validate(rdf)
    assert any("kg:claimKind" in line and '(value "guess")' in line for line in lines), lines
    assert any("kg:unit: a claim has at most one kg:unit" in line for line in lines), lines


def test_relation_to_the_wrong_class_fails() -> None:
    g = small_graph()
    g.add_edge("paper:p 2", "metric/accuracy", key="evaluatesOn", relation="evaluatesOn", evidence=[])
    lines = validate(g)
    assert lines == [
        "paper:p%202: kg:evaluatesOn: kg:evaluatesOn points at a kg:Dataset (value metric:accuracy)"
    ]


def test_entity_without_label_and_negative_count_fails() -> None:
    rdf = to_rdf(small_graph())
    bert = entity_iri("method/bert")
    rdf.remove((bert, None, Literal("BERT")))
    rdf.set((bert, KG.paperCount, Literal(-1)))
    lines = validate(rdf)
    label = "method:bert: skos:prefLabel: an entity has exactly one non-empty skos:prefLabel (a plain string)"
    assert label in lines
    assert any(line.startswith("method:bert: kg:paperCount:") for line in lines), lines


def test_mention_with_backwards_span_fails() -> None:
    g = small_graph()
    g.edges["paper:2401.00001", "new/method/transenc", "proposes"]["evidence"][0].update(start=30, end=19)
    lines = validate(g)
    assert len(lines) == 1 and "kg:start" in lines[0] and "less than kg:end" in lines[0], lines


def test_dangling_claim_fails() -> None:
    g = small_graph()
    g.remove_edge("paper:2401.00001", CLAIM, key="reports")
    assert "claim:7e6630b2f4b8b8dd: ^kg:reports: every claim is reported by a paper" in validate(g)

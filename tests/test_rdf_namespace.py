"""The kg: vocabulary agrees with ontology/kg.ttl, and resource IRIs are stable, flat and valid."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.term import _is_valid_uri

from kg.rdf.namespace import (
    ID_BASE,
    KG,
    KG_NS,
    claim_iri,
    encode_segment,
    entity_iri,
    mention_iri,
    node_iri,
    paper_iri,
)
from kg.schema import NODE_KINDS, RELATIONS


def ontology() -> Graph:
    text = resources.files("kg.ontology").joinpath("kg.ttl").read_text("utf-8")
    return Graph().parse(data=text, format="turtle")


def defined_terms() -> set[str]:
    onto = ontology()
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {
        str(s)[len(KG_NS):]
        for kind in kinds
        for s in onto.subjects(RDF.type, kind)
        if str(s).startswith(KG_NS)
    }


def test_namespace_class_lists_exactly_the_terms_of_kg_ttl() -> None:
    declared = set(KG.__annotations__)
    assert declared == defined_terms()


def test_every_class_and_property_has_label_and_comment() -> None:
    onto = ontology()
    for term in defined_terms():
        iri = KG[term]
        assert onto.value(iri, RDFS.label) is not None, term
        assert onto.value(iri, RDFS.comment) is not None, term


def test_graph_vocabulary_is_in_the_ontology() -> None:
    terms = defined_terms()
    assert set(RELATIONS) <= terms
    assert {k for k in NODE_KINDS} <= terms


def test_entity_classes_are_skos_concepts_and_proposes_is_a_kind_of_uses() -> None:
    onto = ontology()
    for kind in ("Method", "Dataset", "Metric", "Task"):
        assert (KG[kind], RDFS.subClassOf, KG.Entity) in onto
    assert (KG.Entity, RDFS.subClassOf, URIRef("http://www.w3.org/2004/02/skos/core#Concept")) in onto
    assert (KG.proposes, RDFS.subPropertyOf, KG.uses) in onto


def test_typo_in_a_term_fails() -> None:
    with pytest.raises(AttributeError):
        KG.evaluateOn  # noqa: B018


def test_iri_examples() -> None:
    assert paper_iri("2411.04997") == URIRef(ID_BASE + "paper/2411.04997")
    assert paper_iri("a b/c") == URIRef(ID_BASE + "paper/a%20b%2Fc")
    assert paper_iri("") == URIRef(ID_BASE + "paper/_")
    assert paper_iri("_") == URIRef(ID_BASE + "paper/%5F")
    assert paper_iri("..") == URIRef(ID_BASE + "paper/%2E%2E")
    assert entity_iri("method/bert") == URIRef(ID_BASE + "method/bert")
    assert entity_iri("new/method/trans-encoder") == URIRef(ID_BASE + "new/method/trans-encoder")
    assert entity_iri("claim/x") == URIRef(ID_BASE + "entity/claim/x")
    assert node_iri("paper:x") == paper_iri("x")
    assert node_iri("claim:p:abstract:1-2") == claim_iri("claim:p:abstract:1-2")
    assert str(claim_iri("claim:p:abstract:1-2")).rsplit("/", 1)[1].isalnum()
    assert len(str(claim_iri("claim:p:abstract:1-2")).rsplit("/", 1)[1]) == 16


def test_mention_iris_are_stable_and_distinguish_statements() -> None:
    a = mention_iri("paper:p", "uses", "method/bert", "p", "abstract", 0, 4, "kb")
    assert a == mention_iri("paper:p", "uses", "method/bert", "p", "abstract", 0, 4, "kb")
    assert a != mention_iri("paper:p", "proposes", "method/bert", "p", "abstract", 0, 4, "kb")
    assert a != mention_iri("paper:p", "uses", "method/bert", "p", "abstract", 0, 4, "ner")


@given(st.text())
def test_paper_iris_are_valid_and_flat(paper_id: str) -> None:
    iri = paper_iri(paper_id)
    assert _is_valid_uri(iri)
    assert not any(c.isspace() for c in iri)
    assert iri.startswith(ID_BASE + "paper/")
    assert "/" not in iri[len(ID_BASE + "paper/"):]
    assert all(ord(c) < 128 for c in iri)


@given(st.text(), st.text())
def test_encode_segment_is_injective(a: str, b: str) -> None:
    if a != b:
        assert encode_segment(a) != encode_segment(b)


@given(st.lists(st.text(), min_size=1, max_size=4).map("/".join), st.text())
def test_entity_iris_are_valid_and_never_collide_with_papers(entity_id: str, paper_id: str) -> None:
    iri = entity_iri(entity_id)
    assert _is_valid_uri(iri)
    assert not any(c.isspace() for c in iri)
    assert iri != paper_iri(paper_id)
    assert not iri.startswith((ID_BASE + "paper/", ID_BASE + "claim/", ID_BASE + "mention/"))

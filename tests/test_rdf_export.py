"""to_rdf against a hand-written golden file; writing and reading every format; hostile input."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import RdfFormat
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS, XSD
from rdflib.term import _is_valid_uri

from kg.errors import FormatError, GraphError, InputError, KgError
from kg.rdf.export import write_rdf
from kg.rdf.formats import RDF_FORMATS, rdf_format, rdf_format_of
from kg.rdf.mapping import iter_triples, to_rdf
from kg.rdf.namespace import KG, paper_iri
from kg.rdf.read import load_graph
from kg.rdf.terms import nt_term
from tests.paths import RDF_FIXTURES as FIXTURES

FORMATS = list(RDF_FORMATS)


def small_graph() -> nx.MultiDiGraph:
    data = json.loads((FIXTURES / "small_graph.json").read_text("utf-8"))
    return nx.node_link_graph(data, edges="edges", directed=True, multigraph=True)


def assert_isomorphic(got: Graph, want: Graph) -> None:
    if not isomorphic(got, want):
        _, only_got, only_want = graph_diff(to_isomorphic(got), to_isomorphic(want))
        lines = [f"+ {t}" for t in sorted(only_got)] + [f"- {t}" for t in sorted(only_want)]
        pytest.fail("graphs differ:\n" + "\n".join(lines[:40]))


def test_small_graph_matches_the_golden_turtle() -> None:
    expected = Graph().parse(FIXTURES / "expected_small.ttl", format="turtle")
    assert_isomorphic(to_rdf(small_graph()), expected)


def test_literals_are_typed() -> None:
    rdf = to_rdf(small_graph())
    p1 = paper_iri("2401.00001")
    assert rdf.value(p1, DCTERMS.date) == Literal("2024-01-15", datatype=XSD.date)
    assert rdf.value(p1, KG.year).datatype == XSD.integer
    assert rdf.value(paper_iri("p 2"), DCTERMS.date) == Literal("Nov 7, 2024")
    for _, _, value in rdf.triples((None, KG.value, None)):
        assert value.datatype == XSD.double
    for _, _, value in rdf.triples((None, KG.confidence, None)):
        assert value.datatype == XSD.double
    for prop in (KG.start, KG.end, KG.paperCount):
        for _, _, value in rdf.triples((None, prop, None)):
            assert value.datatype == XSD.integer
    assert all(o.language is None for o in rdf.objects() if isinstance(o, Literal))


def test_invalid_iso_date_stays_a_string() -> None:
    g = nx.MultiDiGraph()
    g.add_node("paper:x", kind="Paper", paper_id="x", date="2024-02-30")
    assert to_rdf(g).value(paper_iri("x"), DCTERMS.date) == Literal("2024-02-30")


def test_export_is_deterministic() -> None:
    a, b = to_rdf(small_graph()), to_rdf(small_graph())
    assert set(a) == set(b)


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.file_extension for f in FORMATS])
def test_round_trip(tmp_path: Path, fmt: RdfFormat) -> None:
    path = write_rdf(small_graph(), tmp_path / f"small.{fmt.file_extension}", format=fmt)
    assert_isomorphic(load_graph(path), to_rdf(small_graph()))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.file_extension for f in FORMATS])
def test_files_parse_with_pyoxigraph_too(tmp_path: Path, fmt: RdfFormat) -> None:
    path = write_rdf(small_graph(), tmp_path / f"small.{fmt.file_extension}", format=fmt)
    oxformat = pyoxigraph.RdfFormat.from_extension(fmt.file_extension)
    assert len(set(pyoxigraph.parse(path=str(path), format=oxformat))) == len(to_rdf(small_graph()))


def test_write_accepts_an_rdflib_graph_and_format_names(tmp_path: Path) -> None:
    rdf = to_rdf(small_graph())
    for name in ("turtle", "nt", "json-ld"):
        fmt = rdf_format(name)
        path = write_rdf(rdf, tmp_path / f"g.{fmt.file_extension}", format=name)
        assert_isomorphic(load_graph(path), rdf)


def test_write_replaces_an_existing_file_atomically(tmp_path: Path) -> None:
    target = tmp_path / "g.ttl"
    target.write_text("old")
    write_rdf(small_graph(), target)
    assert "kg:Paper" in target.read_text("utf-8")


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "g.nt"
    target.write_text("old")
    bad = small_graph()
    bad.add_node("oops", kind="Paperish")
    with pytest.raises(GraphError, match="kind 'Paperish'"):
        write_rdf(bad, target, format="nt")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.nt"]


def test_write_into_a_missing_directory_creates_it(tmp_path: Path) -> None:
    assert write_rdf(small_graph(), tmp_path / "no" / "g.ttl").is_file()


def test_write_under_a_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    with pytest.raises(KgError, match=r"plain/g.ttl: cannot write"):
        write_rdf(small_graph(), tmp_path / "plain" / "g.ttl")


def test_unknown_format() -> None:
    with pytest.raises(FormatError, match=r"^unknown RDF format 'x'; use ttl, nt, jsonld$"):
        rdf_format("x")
    with pytest.raises(FormatError, match=r"\.ttl, \.nt or \.jsonld"):
        rdf_format_of("graph.rdf")


def test_unknown_kind_or_relation_is_a_graph_error() -> None:
    g = nx.MultiDiGraph()
    g.add_node("paper:p", kind="Paper", paper_id="p")
    g.add_node("method/m", kind="Method", label="M")
    g.add_edge("paper:p", "method/m", key="invents", relation="invents", evidence=[])
    with pytest.raises(GraphError, match="relation 'invents'; expected one of proposes, uses"):
        to_rdf(g)


def test_evidence_without_span_is_a_graph_error() -> None:
    g = nx.MultiDiGraph()
    g.add_node("paper:p", kind="Paper", paper_id="p")
    g.add_node("method/m", kind="Method", label="M")
    g.add_edge("paper:p", "method/m", key="uses", relation="uses", evidence=[{"paper": "p"}])
    with pytest.raises(GraphError, match="evidence without paper, field, start and end"):
        to_rdf(g)


def test_load_missing_file() -> None:
    with pytest.raises(InputError, match="no such file"):
        load_graph("does/not/exist.ttl")


def test_load_bad_turtle_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text('@prefix ex: <http://x/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n')
    with pytest.raises(GraphError) as info:
        load_graph(path)
    message = str(info.value)
    assert message.startswith(f"{path}: cannot parse as Turtle: line 3")
    assert "\n" not in message


def test_load_bad_ntriples_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.nt"
    path.write_text('<http://x/a> <http://x/b> <http://x/c> .\n<http://x/a> <http://x/b> "x .\n')
    with pytest.raises(GraphError, match=r"cannot parse as N-Triples: .*line 2"):
        load_graph(path)


def test_load_bad_jsonld(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonld"
    path.write_text('{"@id": ')
    with pytest.raises(GraphError, match="cannot parse as JSON-LD"):
        load_graph(path)


def test_nt_term_escapes_control_characters() -> None:
    assert nt_term(Literal('a"\\\n\r\t\x00\x7f')) == '"a\\"\\\\\\n\\r\\t\\u0000\\u007F"'
    assert nt_term(URIRef("http://x/a")) == "<http://x/a>"


def test_lone_surrogates_are_replaced() -> None:
    g = nx.MultiDiGraph()
    g.add_node("paper:p", kind="Paper", paper_id="p", title="a\ud800b")
    assert to_rdf(g).value(paper_iri("p"), DCTERMS.title) == Literal("a\ufffdb")


# --- property test: hostile text -----------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
HOSTILE = st.one_of(TEXT, st.sampled_from(['"', '"""', "'''", "<>", "\\", "a\nb", "\r\n", " ", "", "\\u0041",
                                           "x\x00y", '<script>"&', "é\u0301", "\U0001F600", "#", "%20"]))


@st.composite
def hostile_graphs(draw: Any) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    paper_ids = draw(st.lists(HOSTILE, min_size=1, max_size=3, unique=True))
    entities = []
    for i in range(draw(st.integers(0, 3))):
        kind = ("Method", "Dataset", "Metric", "Task")[i % 4]
        entity_id = f"{kind.lower()}/" + draw(HOSTILE)
        label = draw(HOSTILE) or "x"
        g.add_node(entity_id, kind=kind, label=label, aliases=draw(st.lists(HOSTILE, max_size=3)),
                   paper_count=draw(st.integers(0, 5)), kb_id=draw(st.none() | HOSTILE))
        entities.append((entity_id, kind))
    for pid in paper_ids:
        node = "paper:" + pid
        g.add_node(node, kind="Paper", label=pid, paper_id=pid, title=draw(HOSTILE), abstract=draw(HOSTILE),
                   date=draw(st.none() | HOSTILE | st.just("2024-11-07")),
                   year=draw(st.none() | st.integers(1900, 2100)),
                   authors=draw(st.lists(HOSTILE, max_size=2)), source=draw(HOSTILE),
                   url=draw(st.none() | HOSTILE))
        relation = {"Method": "uses", "Dataset": "evaluatesOn", "Metric": "measures", "Task": "addresses"}
        for entity_id, kind in entities:
            text = draw(HOSTILE)
            g.add_edge(node, entity_id, key=relation[kind], relation=relation[kind], evidence=[
                {"paper": pid, "field": "abstract", "start": 0, "end": max(1, len(text)), "text": text,
                 "extractor": "kb", "confidence": draw(st.floats(0, 1))}])
        claim = f"claim:{pid}:abstract:0-4"
        g.add_node(claim, kind="Claim", label=draw(HOSTILE), text="x",
                   value=draw(st.floats(allow_nan=False, allow_infinity=False)), high=None,
                   unit=draw(st.none() | HOSTILE), claim_kind="score", sentence=draw(HOSTILE), paper_id=pid,
                   field="abstract", start=0, end=4)
        g.add_edge(node, claim, key="reports", relation="reports", evidence=[])
    return g


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostile_graphs())
@pytest.mark.slow
def test_hostile_text_round_trips_in_every_format(tmp_path: Path, graph: nx.MultiDiGraph) -> None:
    rdf = to_rdf(graph)
    for s, p, o in rdf:
        for term in (s, p, o):
            if isinstance(term, URIRef):
                assert _is_valid_uri(term), term
                assert not any(c.isspace() or c in '<>"{}|\\^`' for c in term), term
    for fmt in FORMATS:
        path = write_rdf(graph, tmp_path / f"h.{fmt.file_extension}", format=fmt)
        assert_isomorphic(load_graph(path), rdf)
        oxformat = pyoxigraph.RdfFormat.from_extension(fmt.file_extension)
        assert len(set(pyoxigraph.parse(path=str(path), format=oxformat))) == len(rdf), fmt
        os.unlink(path)


def test_iter_triples_streams_the_same_triples_as_to_rdf() -> None:
    assert set(iter_triples(small_graph())) == set(to_rdf(small_graph()))

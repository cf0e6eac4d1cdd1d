"""Small kg graphs for the view tests, with hostile paper text: built through kg.graph like a real build."""

from __future__ import annotations

import random

import networkx as nx

from kg.graph import build_graph
from kg.schema import ENTITY_KINDS, RELATION_OF_LABEL, REPORTS, claim_node, paper_node
from kg.types import Claim, Entity, Extraction, Linked, Mention, Paper

IMG_TITLE = "<img src=x onerror=alert(1)>"
SCRIPT_TITLE = "</script><script>alert(2)</script>"
SVG_ALIAS = '"><svg onload=alert(3)>'
SENTENCE = "FooNet reaches 92.3% <b>accuracy</b> on ImageNet & more."


def _mention(text: str, field: str, needle: str, label: str, entity: str) -> Mention:
    start = text.index(needle)
    return Mention(field, start, start + len(needle), needle, label, entity_id=entity)  # type: ignore[arg-type]


def hostile_graph() -> nx.MultiDiGraph:
    """Three papers (two with script-like titles), five entities (one with a script-like alias), one claim.

    p1 "<img ...>" proposes FooNet, evaluates on ImageNet, measures accuracy, addresses image classification
    and reports "92.3%"; p2 "</script>..." uses ResNet on ImageNet; p3 uses BERT on SQuAD (a second component).
    """
    a1 = SENTENCE + " It is a FooNet for image classification."
    a2 = "ResNet is trained on ImageNet."
    a3 = "BERT is fine-tuned on SQuAD."
    papers = [Paper("p1", IMG_TITLE, a1, authors=("A. Author",), date="2024-05-01"),
              Paper("p2", SCRIPT_TITLE, a2), Paper("p3", "Reading with BERT", a3)]
    entities = (
        Entity("new/method/foonet", "METHOD", "FooNet", aliases=("Foo-Net",), paper_count=1),
        Entity("dataset/imagenet", "DATASET", "ImageNet", aliases=("ILSVRC", "ImageNet-1k"), paper_count=2),
        Entity("metric/accuracy", "METRIC", "accuracy", paper_count=1),
        Entity("task/image-classification", "TASK", "image classification", paper_count=1),
        Entity("method/resnet", "METHOD", "ResNet", aliases=(SVG_ALIAS,), paper_count=1),
        Entity("method/bert", "METHOD", "BERT", paper_count=1),
        Entity("dataset/squad", "DATASET", "SQuAD", paper_count=1),
    )
    start = a1.index("92.3%")
    claim = Claim("abstract", start, start + 5, "92.3%", 92.3, "%", "score", metric="accuracy",
                  dataset="ImageNet", method="FooNet", sentence=(0, len(SENTENCE)))
    extractions = (
        Extraction("p1", (_mention(a1, "abstract", "FooNet", "METHOD", "new/method/foonet"),
                          _mention(a1, "abstract", "ImageNet", "DATASET", "dataset/imagenet"),
                          _mention(a1, "abstract", "accuracy", "METRIC", "metric/accuracy"),
                          _mention(a1, "abstract", "image classification", "TASK", "task/image-classification")),
                   (claim,), proposes=(0,)),
        Extraction("p2", (_mention(a2, "abstract", "ResNet", "METHOD", "method/resnet"),
                          _mention(a2, "abstract", "ImageNet", "DATASET", "dataset/imagenet"))),
        Extraction("p3", (_mention(a3, "abstract", "BERT", "METHOD", "method/bert"),
                          _mention(a3, "abstract", "SQuAD", "DATASET", "dataset/squad"))),
    )
    return build_graph(papers, Linked(entities, extractions))


def sized_graph(n_nodes: int, *, seed: int = 0) -> nx.MultiDiGraph:
    """A kg-shaped graph of exactly `n_nodes` nodes (>= 20): papers, entities with a long-tailed paper
    count, and claims; plus the hostile graph's papers, so that hostile text is drawn among many nodes."""
    graph = hostile_graph()
    rng = random.Random(seed)
    kinds = ENTITY_KINDS
    relation = {kind: RELATION_OF_LABEL[kind.upper()] for kind in kinds}
    rest = n_nodes - graph.number_of_nodes()
    n_papers, n_entities = max(1, rest // 8), max(4, rest * 4 // 10)
    n_claims = rest - n_papers - n_entities
    entities = []
    for i in range(n_entities):
        kind = kinds[i % 4]
        node = f"{kind.lower()}/gen-{i}"
        graph.add_node(node, kind=kind, label=f"{kind} {i}", aliases=[f"alias-{i}"], paper_count=0, kb_id=None)
        entities.append(node)
    papers = []
    for p in range(n_papers):
        node = paper_node(f"gen-{p}")
        graph.add_node(node, kind="Paper", label=f"Generated paper {p}", paper_id=f"gen-{p}",
                       title=f"Generated paper {p}", abstract="Text.", date=None, year=None, authors=[],
                       source="test", url=None)
        papers.append(f"gen-{p}")
    for i, entity in enumerate(entities):
        for paper in {papers[i % n_papers], rng.choice(papers)}:
            key = relation[graph.nodes[entity]["kind"]]
            graph.add_edge(paper_node(paper), entity, key=key, relation=key, evidence=[])
    for c in range(n_claims):
        paper = papers[c % n_papers]
        node = claim_node(paper, "abstract", c, c + 1)
        graph.add_node(node, kind="Claim", label=f"{c}%", text=f"{c}%", value=float(c), high=None, unit="%",
                       claim_kind="score", sentence=f"It reaches {c}%.", paper_id=paper, field="abstract",
                       start=c, end=c + 1)
        graph.add_edge(paper_node(paper), node, key=REPORTS, relation=REPORTS, evidence=[])
    for entity in entities:
        graph.nodes[entity]["paper_count"] = len(set(graph.predecessors(entity)))
    assert graph.number_of_nodes() == n_nodes
    return graph

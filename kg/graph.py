"""The NetworkX graph of papers, entities and claims, built from linked extractions. Pure: no I/O.

The graph follows the contract of `kg.schema`: a Paper node `paper:<id>` (`PaperAttrs`), a Method /
Dataset / Metric / Task node per entity id (`EntityAttrs`), a Claim node per claim (`ClaimAttrs`),
edges keyed by relation, each with the evidence of every supporting mention (`EdgeAttrs`,
`Evidence`). Graph files are written and read by `kg.graph_io`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from kg.schema import (
    CLAIM_DATASET,
    CLAIM_METHOD,
    CLAIM_METRIC,
    KIND_OF_LABEL,
    NODE_KINDS,
    PROPOSES,
    RELATION_OF_LABEL,
    RELATIONS,
    REPORTS,
    EntityAttrs,
    Evidence,
    PaperAttrs,
    claim_node,
    paper_node,
)
from kg.types import MAX_TEXT_CHARS, Claim, Entity, Extraction, Label, Linked, Mention, Paper, mention_named


def _evidence(paper_id: str, field: str, start: int, end: int, text: str, extractor: str,
              confidence: float) -> Evidence:
    return {"paper": paper_id, "field": field, "start": start, "end": end, "text": text,
            "extractor": extractor, "confidence": round(float(confidence), 4)}


def _add_edge(graph: nx.MultiDiGraph, u: str, v: str, relation: str, *evidence: Mapping[str, Any]) -> None:
    """Adds the edge with this evidence, or adds the evidence to the edge already there."""
    if graph.has_edge(u, v, key=relation):
        graph.edges[u, v, relation]["evidence"].extend(evidence)
    else:
        graph.add_edge(u, v, key=relation, relation=relation, evidence=list(evidence))


def add_entity(graph: nx.MultiDiGraph, entity: Entity) -> None:
    """Adds (or replaces) an entity node."""
    attrs: EntityAttrs = {"kind": KIND_OF_LABEL[entity.label], "label": entity.name, "aliases": list(entity.aliases),
                          "paper_count": entity.paper_count, "kb_id": entity.kb_id}
    graph.add_node(entity.id, **attrs)


def add_paper(graph: nx.MultiDiGraph, paper: Paper, extraction: Extraction | None) -> None:
    """Adds a paper node, its edges to the entities it mentions, and its claims.

    The entities must be in the graph already (`add_entity`); mentions without an entity id are skipped.
    """
    node = paper_node(paper.id)
    new = node not in graph
    attrs: PaperAttrs = {"kind": "Paper", "label": paper.title or paper.id, "paper_id": paper.id,
                         "title": paper.title, "abstract": paper.abstract, "date": paper.date, "year": paper.year,
                         "authors": list(paper.authors), "source": paper.source, "url": paper.url}
    graph.add_node(node, **attrs)
    if extraction is None:
        return
    for (target, relation), evidence in _mention_edges(graph, paper.id, extraction).items():
        if new:  # a paper added now has no edge yet: no need to look for one
            graph.add_edge(node, target, key=relation, relation=relation, evidence=evidence)
        else:
            _add_edge(graph, node, target, relation, *evidence)
    for claim in extraction.claims:
        _add_claim(graph, paper, claim, extraction.mentions)


def _mention_edges(graph: nx.MultiDiGraph, paper_id: str,
                   extraction: Extraction) -> dict[tuple[str, str], list[Evidence]]:
    """The paper's edges to the entities its mentions name, in the order first named, each with the
    evidence of every mention (collected first, so that each edge is added to the graph once)."""
    proposed = {extraction.mentions[i].entity_id for i in extraction.proposes if i < len(extraction.mentions)}
    nodes = graph.nodes
    relations: dict[str, str] = {}
    edges: dict[tuple[str, str], list[Evidence]] = {}
    for mention in extraction.mentions:
        eid = mention.entity_id
        if eid is None:
            continue
        relation = relations.get(eid)
        if relation is None:
            if eid not in graph:
                continue
            kind: str = nodes[eid]["kind"]
            relation = RELATION_OF_LABEL[kind.upper()]
            if eid in proposed and kind == "Method":
                relation = PROPOSES
            relations[eid] = relation
        evidence = _evidence(paper_id, mention.field, mention.start, mention.end, mention.text, mention.source,
                             mention.score)
        edge = edges.get((eid, relation))
        if edge is None:
            edges[(eid, relation)] = [evidence]
        else:
            edge.append(evidence)
    return edges


def _add_claim(graph: nx.MultiDiGraph, paper: Paper, claim: Claim, mentions: Sequence[Mention]) -> None:
    cnode = claim_node(paper.id, claim.field, claim.start, claim.end)
    text = paper.text(claim.field)
    sentence = text[claim.sentence[0]:claim.sentence[1]] if claim.sentence else ""
    graph.add_node(cnode, kind="Claim", label=claim.text, text=claim.text, value=claim.value, high=claim.high,
                   unit=claim.unit, claim_kind=claim.kind, sentence=sentence, paper_id=paper.id,
                   field=claim.field, start=claim.start, end=claim.end)
    evidence = _evidence(paper.id, claim.field, claim.start, claim.end, claim.text, "claims", 1.0)
    _add_edge(graph, paper_node(paper.id), cnode, REPORTS, evidence)
    for relation, (name, index, label) in zip((CLAIM_METRIC, CLAIM_DATASET, CLAIM_METHOD), claim.about(),
                                              strict=True):
        if not name:
            continue
        target = _entity_named(name, index, label, claim, mentions)
        if target is not None and target in graph:
            _add_edge(graph, cnode, target, relation, dict(evidence))


def _entity_named(name: str, index: int | None, label: Label, claim: Claim,
                  mentions: Sequence[Mention]) -> str | None:
    """The entity of the mention a claim's metric/dataset/method refers to: the one at `index` in
    the paper's mentions; in records without the index, the nearest linked mention of that name."""
    if index is None or not 0 <= index < len(mentions) or mentions[index].entity_id is None:
        index = mention_named(mentions, name, label, claim, linked_only=True)
    return mentions[index].entity_id if index is not None else None


def build_graph(papers: Iterable[Paper], linked: Linked) -> nx.MultiDiGraph:
    """The graph of the papers and the linked extractions (matched by paper id).

    >>> from kg.types import Entity, Extraction, Linked, Mention, Paper
    >>> p = Paper(id="p1", title="", abstract="BERT on SQuAD.")
    >>> ms = (Mention("abstract", 0, 4, "BERT", "METHOD", entity_id="method/bert"),
    ...       Mention("abstract", 8, 13, "SQuAD", "DATASET", entity_id="dataset/squad"))
    >>> ents = (Entity("method/bert", "METHOD", "BERT", paper_count=1),
    ...         Entity("dataset/squad", "DATASET", "SQuAD", paper_count=1))
    >>> g = build_graph([p], Linked(ents, (Extraction("p1", ms),)))
    >>> sorted((u, v, k) for u, v, k in g.edges(keys=True))
    [('paper:p1', 'dataset/squad', 'evaluatesOn'), ('paper:p1', 'method/bert', 'uses')]
    """
    graph = nx.MultiDiGraph()
    for entity in linked.entities:
        add_entity(graph, entity)
    by_paper = {e.paper_id: e for e in linked.extractions}
    for paper in papers:
        add_paper(graph, paper, by_paper.get(paper.id))
    return graph


def stats(graph: nx.MultiDiGraph) -> dict[str, dict[str, int]]:
    """Counts of nodes per kind and edges per relation, every kind and relation listed, and (in
    "extraction", when there are any) the papers of which only a part was extracted.

    >>> stats(nx.MultiDiGraph())["nodes"]["Paper"]
    0
    """
    nodes: Counter[str] = Counter(kind for _, kind in graph.nodes(data="kind"))
    edges: Counter[str] = Counter(key for _, _, key in graph.edges(keys=True))
    out: dict[str, dict[str, int]] = {"nodes": {k: nodes.get(k, 0) for k in NODE_KINDS},
                                      "edges": {r: edges.get(r, 0) for r in RELATIONS}}
    cut = sum(1 for _, data in graph.nodes(data=True) if data["kind"] == "Paper"
              and max(len(data["title"]), len(data["abstract"])) > MAX_TEXT_CHARS)
    if cut:  # papers of which only the first MAX_TEXT_CHARS characters of a field were extracted
        out["extraction"] = {"papers cut to the length limit": cut}
    return out


def format_stats(counts: Mapping[str, Mapping[str, int]]) -> str:
    """The counts as aligned text lines."""
    lines = []
    for section in ("nodes", "edges"):
        per = counts[section]
        lines.append(f"{section}: {sum(per.values())}")
        lines.extend(f"  {name:<14}{n:>8}" for name, n in per.items())
    lines.extend(f"{name}: {n}" for name, n in counts.get("extraction", {}).items())
    return "\n".join(lines)

"""The contract of kg's NetworkX graph: node kinds, edge relations, node ids and typed attributes.

Every stage that writes or reads the graph (the graph builder, the RDF mapping, the RDF→NetworkX
reader, the view, the graph files) imports these names from here, so that a kind, a relation or an
id format is defined once.

The graph is an `nx.MultiDiGraph`:
- a Paper node `paper:<paper id>` (`PaperAttrs`);
- a Method / Dataset / Metric / Task node, with the entity id as its node id (`EntityAttrs`);
- a Claim node `claim:<paper id>:<field>:<start>-<end>` (`ClaimAttrs`);
- edges keyed by their relation (`RELATIONS`), each with the evidence of every mention that supports it
  (`EdgeAttrs`, `Evidence`).
"""

from __future__ import annotations

from typing import Literal, TypedDict

NodeKind = Literal["Paper", "Method", "Dataset", "Metric", "Task", "Claim"]
NODE_KINDS: tuple[NodeKind, ...] = ("Paper", "Method", "Dataset", "Metric", "Task", "Claim")
EntityKind = Literal["Method", "Dataset", "Metric", "Task"]
ENTITY_KINDS: tuple[EntityKind, ...] = ("Method", "Dataset", "Metric", "Task")
KIND_OF_LABEL: dict[str, EntityKind] = {
    "METHOD": "Method",
    "DATASET": "Dataset",
    "METRIC": "Metric",
    "TASK": "Task",
}
"""The node kind of an extraction label."""

# Edge keys in the nx.MultiDiGraph (also the local names of the ontology's properties).
PROPOSES = "proposes"          # Paper -> Method: the paper introduces it
USES = "uses"                  # Paper -> Method
EVALUATES_ON = "evaluatesOn"   # Paper -> Dataset
MEASURES = "measures"          # Paper -> Metric
ADDRESSES = "addresses"        # Paper -> Task
REPORTS = "reports"            # Paper -> Claim
CLAIM_METRIC = "claimMetric"   # Claim -> Metric
CLAIM_DATASET = "claimDataset"  # Claim -> Dataset
CLAIM_METHOD = "claimMethod"   # Claim -> Method
RELATIONS: tuple[str, ...] = (
    PROPOSES, USES, EVALUATES_ON, MEASURES, ADDRESSES, REPORTS, CLAIM_METRIC, CLAIM_DATASET, CLAIM_METHOD,
)
RELATION_OF_LABEL: dict[str, str] = {
    "METHOD": USES,
    "DATASET": EVALUATES_ON,
    "METRIC": MEASURES,
    "TASK": ADDRESSES,
}
"""The relation of a paper to an entity it mentions, by the mention's label."""
CLAIM_RELATIONS: tuple[str, ...] = (CLAIM_METRIC, CLAIM_DATASET, CLAIM_METHOD)

PAPER_PREFIX = "paper:"
CLAIM_PREFIX = "claim:"


def paper_node(paper_id: str) -> str:
    """The node id of a paper.

    >>> paper_node("2401.01234")
    'paper:2401.01234'
    """
    return PAPER_PREFIX + paper_id


def paper_id_of(node: str) -> str | None:
    """The paper id of a paper node id, or None when the node is not a paper.

    >>> paper_id_of("paper:2401.01234"), paper_id_of("method/bert")
    ('2401.01234', None)
    """
    return node[len(PAPER_PREFIX):] if node.startswith(PAPER_PREFIX) else None


def claim_node(paper_id: str, field: str, start: int | None, end: int | None) -> str:
    """The node id of a claim: stable, from the paper and the claim's span.

    >>> claim_node("p1", "abstract", 10, 14)
    'claim:p1:abstract:10-14'
    """
    return f"{CLAIM_PREFIX}{paper_id}:{field}:{start}-{end}"


def is_claim_node(node: str) -> bool:
    """Whether a node id is a claim's.

    >>> is_claim_node("claim:p1:abstract:10-14"), is_claim_node("paper:p1")
    (True, False)
    """
    return node.startswith(CLAIM_PREFIX)


class PaperAttrs(TypedDict):
    """The attributes of a Paper node."""

    kind: Literal["Paper"]
    label: str
    paper_id: str
    title: str
    abstract: str
    date: str | None
    year: int | None
    authors: list[str]
    source: str
    url: str | None


class EntityAttrs(TypedDict):
    """The attributes of a Method, Dataset, Metric or Task node."""

    kind: EntityKind
    label: str
    aliases: list[str]
    paper_count: int
    kb_id: str | None


class ClaimAttrs(TypedDict):
    """The attributes of a Claim node (`claim_kind` is one of `kg.types.CLAIM_KINDS`)."""

    kind: Literal["Claim"]
    label: str
    text: str
    value: float | None
    high: float | None
    unit: str | None
    claim_kind: str | None
    sentence: str
    paper_id: str | None
    field: str | None
    start: int | None
    end: int | None


class Evidence(TypedDict):
    """One mention that supports an edge: where it is, its text, what found it and how sure."""

    paper: str | None
    field: str | None
    start: int | None
    end: int | None
    text: str | None
    extractor: str | None
    confidence: float | None


class EdgeAttrs(TypedDict):
    """The attributes of every edge (its key is its relation too)."""

    relation: str
    evidence: list[Evidence]


NodeAttrs = PaperAttrs | EntityAttrs | ClaimAttrs
"""The attributes of any node; `kind` tells which (`if attrs["kind"] == "Paper":` narrows it)."""

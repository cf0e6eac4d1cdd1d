"""The `kg:` vocabulary and the IRIs of papers, entities, claims and mentions.

IRIs are stable (derived from ids or content hashes, so a rebuild gives the same graph), flat (one
or two path segments under the resource base, which keeps rdflib's Turtle writer fast) and always
valid: every character outside the RFC 3986 unreserved set is percent-encoded, so untrusted paper
ids with spaces, quotes, angle brackets or newlines cannot break a serialization.

>>> paper_iri("2411.04997")
rdflib.term.URIRef('https://w3id.org/kg-ml/id/paper/2411.04997')
>>> entity_iri("method/bert")
rdflib.term.URIRef('https://w3id.org/kg-ml/id/method/bert')
>>> KG.evaluatesOn
rdflib.term.URIRef('https://w3id.org/kg-ml/ontology#evaluatesOn')
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import rdflib.namespace
from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kg.schema import is_claim_node, paper_id_of

ONTOLOGY_IRI = "https://w3id.org/kg-ml/ontology"
"""The IRI of the ontology itself (kg.ttl's owl:Ontology)."""
KG_NS = ONTOLOGY_IRI + "#"
"""The namespace of classes and properties (prefix `kg:`)."""
ID_BASE = "https://w3id.org/kg-ml/id/"
"""The base of every resource IRI an export writes."""

PREFIXES: dict[str, str] = {
    "kg": KG_NS,
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "paper": ID_BASE + "paper/",
    "claim": ID_BASE + "claim/",
    "mention": ID_BASE + "mention/",
    "method": ID_BASE + "method/",
    "dataset": ID_BASE + "dataset/",
    "metric": ID_BASE + "metric/",
    "task": ID_BASE + "task/",
}
"""Prefixes bound in exports and known to every named query (the vocabularies are rdflib's
`rdflib.namespace` classes)."""


class KG(rdflib.namespace.DefinedNamespace):
    """The terms of ontology/kg.ttl; a typo such as `KG.evaluateOn` raises AttributeError.

    >>> KG.Paper
    rdflib.term.URIRef('https://w3id.org/kg-ml/ontology#Paper')
    """

    _NS = Namespace(KG_NS)
    _fail = True

    # classes
    Paper: URIRef
    Entity: URIRef
    Method: URIRef
    Dataset: URIRef
    Metric: URIRef
    Task: URIRef
    Claim: URIRef
    Mention: URIRef
    # relations (the edge keys of the NetworkX graph)
    proposes: URIRef
    uses: URIRef
    evaluatesOn: URIRef
    measures: URIRef
    addresses: URIRef
    reports: URIRef
    claimMetric: URIRef
    claimDataset: URIRef
    claimMethod: URIRef
    # evidence
    subject: URIRef
    relation: URIRef
    refersTo: URIRef
    field: URIRef
    start: URIRef
    end: URIRef
    text: URIRef
    extractor: URIRef
    confidence: URIRef
    # claims
    value: URIRef
    high: URIRef
    unit: URIRef
    claimKind: URIRef
    sentence: URIRef
    # papers and entities
    year: URIRef
    url: URIRef
    paperCount: URIRef
    kbId: URIRef


_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.~")
# Namespaces under ID_BASE that are not entity kinds; an entity id starting with one is moved under
# "entity/" so that it can never collide with a paper, claim or mention IRI.
_RESERVED = frozenset({"paper", "claim", "mention", "entity"})


def encode_segment(text: str) -> str:
    """Percent-encode `text` as one IRI path segment, injectively.

    Every byte of the UTF-8 form outside A-Z a-z 0-9 - . ~ becomes %XX (upper-case hex), including
    "_", "/" and "%"; the empty string becomes "_" and the dot segments "." and ".." are encoded so
    that no IRI resolver rewrites them. Distinct inputs give distinct segments.

    >>> encode_segment('a b"<c>/é')
    'a%20b%22%3Cc%3E%2F%C3%A9'
    >>> encode_segment(""), encode_segment("_"), encode_segment("..")
    ('_', '%5F', '%2E%2E')
    """
    if text == "":
        return "_"
    if text in (".", ".."):
        return "%2E" * len(text)
    data = text.encode("utf-8", "surrogatepass")
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in data)


def _digest(parts: Iterable[str]) -> str:
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha1(joined).hexdigest()[:16]


def paper_iri(paper_id: str) -> URIRef:
    """The IRI of a paper: the resource base, "paper/" and the percent-encoded paper id.

    >>> paper_iri('arXiv:2411 "x"')
    rdflib.term.URIRef('https://w3id.org/kg-ml/id/paper/arXiv%3A2411%20%22x%22')
    """
    return URIRef(paper_iri_str(paper_id))


def paper_iri_str(paper_id: str) -> str:
    """`paper_iri` as a plain string (for writers that never build rdflib terms)."""
    return ID_BASE + "paper/" + encode_segment(paper_id)


def entity_iri(entity_id: str) -> URIRef:
    """The IRI of an entity: its slash-separated id under the resource base, each part encoded.

    An id whose first part is "paper", "claim", "mention" or "entity" (never one the linker makes)
    is moved under "entity/" so that it cannot collide with another kind of resource.

    >>> entity_iri("new/method/trans-encoder")
    rdflib.term.URIRef('https://w3id.org/kg-ml/id/new/method/trans-encoder')
    >>> entity_iri("paper/x")
    rdflib.term.URIRef('https://w3id.org/kg-ml/id/entity/paper/x')
    """
    return URIRef(entity_iri_str(entity_id))


def entity_iri_str(entity_id: str) -> str:
    """`entity_iri` as a plain string."""
    parts = entity_id.split("/")
    if parts[0] in _RESERVED:
        parts.insert(0, "entity")
    return ID_BASE + "/".join(encode_segment(p) for p in parts)


def claim_iri(node_id: str) -> URIRef:
    """The IRI of a claim: "claim/" and the first 16 hex digits of the SHA-1 of its graph node id.

    >>> claim_iri("claim:p1:abstract:10-15")
    rdflib.term.URIRef('https://w3id.org/kg-ml/id/claim/2e7df7eeb226183f')
    """
    return URIRef(claim_iri_str(node_id))


def claim_iri_str(node_id: str) -> str:
    """`claim_iri` as a plain string."""
    return ID_BASE + "claim/" + _digest([node_id])


def mention_iri(subject: str, relation: str, obj: str, paper: str, field: str, start: int, end: int,
                extractor: str) -> URIRef:
    """The IRI of a mention: "mention/" and a hash of the statement it supports and its span.

    `subject` and `obj` are graph node ids; the same span found by the same extractor for the same
    statement always gets the same IRI.

    >>> str(mention_iri("paper:p1", "uses", "method/bert", "p1", "abstract", 0, 4, "kb"))[:34]
    'https://w3id.org/kg-ml/id/mention/'
    """
    return URIRef(mention_iri_str(subject, relation, obj, paper, field, start, end, extractor))


def mention_iri_str(subject: str, relation: str, obj: str, paper: str, field: str, start: int, end: int,
                    extractor: str) -> str:
    """`mention_iri` as a plain string."""
    parts = [subject, relation, obj, paper, field, str(start), str(end), extractor]
    return ID_BASE + "mention/" + _digest(parts)


def node_iri(node_id: str) -> URIRef:
    """The IRI of any node of the NetworkX graph, by the prefix of its id.

    >>> node_iri("paper:p 1")
    rdflib.term.URIRef('https://w3id.org/kg-ml/id/paper/p%201')
    >>> node_iri("dataset/cifar-10")
    rdflib.term.URIRef('https://w3id.org/kg-ml/id/dataset/cifar-10')
    """
    paper_id = paper_id_of(node_id)
    if paper_id is not None:
        return paper_iri(paper_id)
    if is_claim_node(node_id):
        return claim_iri(node_id)
    return entity_iri(node_id)

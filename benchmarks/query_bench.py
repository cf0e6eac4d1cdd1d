"""The named SPARQL queries on a graph of over a million triples: pyoxigraph against plain rdflib.

    python -m benchmarks.query_bench [--papers 2000] [--limit 120] [--json out.json] [--keep DIR]

One run does everything:

1. generates a kg-shaped NetworkX graph (`synthetic_graph`): papers with titles, abstracts, dates,
   authors and URLs; the methods, datasets, metrics and tasks of kg's own knowledge base (with their
   aliases) plus newly proposed methods, chosen with Zipf-like popularity; 3 to 8 claims per paper
   with value, unit, kind and sentence, attributed to a metric, dataset and method of the paper; and
   the evidence of every edge (the mention's span in the generated title or abstract, extractor,
   confidence). The default 2,000 papers give about 1.1 million triples, like kg's own graphs
   (the demo has ~570 triples per paper);
2. writes it as N-Triples with `kg.rdf.export.write_rdf` (streamed, no rdflib graph built);
3. in a child process, loads the file into an in-memory pyoxigraph store (`kg.rdf.query.load_store`)
   and runs every named query with `kg.rdf.query.run_named` (median of `--repeat` runs);
4. in another child process, parses it with rdflib (`Graph.parse`, through `kg.rdf.read.load_graph`)
   and runs every named query once with plain rdflib, as a comparison baseline (kg itself no longer
   has a rdflib engine): `Graph.query(text, initNs=PREFIXES, initBindings=...)`, the values bound as
   the terms of `kg.rdf.bindings.binding_term`. Each query runs in a forked grandchild that is killed
   after `--limit` seconds (reported as ">limit"), so one slow query cannot hang the run;
5. with `--store`, also bulk-loads the file into a persistent store (`kg.rdf.store.create_store`) and
   times the queries on it opened read-only, which is what `kg query --store` and `kg serve` do.

Each child reports its load time and peak RSS (its own `ru_maxrss`, so one engine's memory does not
hide the other's). An oxigraph query time is the whole `run_named` call: kg's query guard
(`check_query`, a pure-Python lexer; the "check s" column), pyoxigraph parsing and evaluating it, and
converting the rows to Python values. A rdflib time is `Graph.query` (rdflib's own parser, no kg
guard) and the same conversion. Both drop the named query's parameter columns, as `run_named` does;
the rows of both engines are compared after sorting, and any difference is reported.

Parameters are picked from the generated data: the most common dataset, method and (metric,
dataset) pair of score claims, the title of a paper, an alias of the most popular method, and the
99th percentile of the score claims as the threshold.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import multiprocessing as mp
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import networkx as nx

KINDS = ("Method", "Dataset", "Metric", "Task")
RELATION = {"Method": "uses", "Dataset": "evaluatesOn", "Metric": "measures", "Task": "addresses"}
CLAIM_KINDS = (("score", 0.40), ("improvement", 0.22), ("reduction", 0.14), ("other", 0.10), ("size", 0.08),
               ("speedup", 0.06))
AGGREGATIONS = frozenset({"top-datasets", "top-methods", "methods-on-dataset", "tasks-by-method", "cooccurring"})
FILLERS = (
    "Despite rapid progress, existing approaches remain brittle when the training distribution shifts.",
    "We analyse why this happens and show that a simple change to the training objective suffices.",
    "Our analysis reveals a trade-off between model capacity and the amount of labelled data.",
    "Extensive ablations isolate the contribution of each component.",
    "The approach requires no additional supervision and adds negligible inference cost.",
    "Code and pretrained models are publicly available.",
    "We further study the robustness of the learned representations under distribution shift.",
    "Qualitative examples illustrate the failure modes that remain.",
)
SYLLABLES = ("ka", "ro", "mi", "ten", "sha", "lu", "vor", "ne", "di", "zan", "po", "qui", "el", "mar", "tis", "or")


def _zipf(n: int, s: float = 1.1) -> list[float]:
    """Zipf-like weights for n items in rank order (the first is the most popular)."""
    return [1.0 / (rank + 1) ** s for rank in range(n)]


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


class _Text:
    """A title or abstract being written, with the spans of the mentions placed in it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> tuple[int, int]:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    def __str__(self) -> str:
        return "".join(self.parts)


def synthetic_graph(n_papers: int, *, seed: int = 0) -> nx.MultiDiGraph:
    """A kg-shaped graph of `n_papers` papers, deterministic for a seed (about 560 triples a paper).

    The node and edge attributes are those of `kg.graph` (see its module docstring), so `write_rdf`
    exports it like a graph that `kg build` made.

    >>> g = synthetic_graph(5)
    >>> sum(1 for _, kind in g.nodes(data="kind") if kind == "Paper")
    5
    """
    from kg.knowledge_base import read_kb

    rng = random.Random(seed)
    graph = nx.MultiDiGraph()
    pools: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for entry in read_kb():
        kind = entry.type.capitalize()
        if kind not in pools:
            continue
        graph.add_node(entry.id, kind=kind, label=entry.name, aliases=list(entry.aliases), paper_count=0,
                       kb_id=entry.id)
        pools[kind].append(entry.id)
    weights: dict[str, list[float]] = {}
    for kind in KINDS:
        rng.shuffle(pools[kind])  # popularity does not follow the file order
        weights[kind] = _zipf(len(pools[kind]))
    authors = [f"{_name(rng, 2)} {_name(rng, 3)}" for _ in range(max(50, n_papers // 2))]
    author_weights = _zipf(len(authors), 0.8)
    for p in range(n_papers):
        _add_paper(graph, rng, p, pools, weights, authors, author_weights)
    unused = []
    for node, kind in list(graph.nodes(data="kind")):
        if kind in KINDS:
            count = sum(1 for u in graph.predecessors(node) if u.startswith("paper:"))
            graph.nodes[node]["paper_count"] = count
            if not count:
                unused.append(node)
    graph.remove_nodes_from(unused)  # like kg build, the graph holds only the entities some paper mentions
    return graph


def _pick(rng: random.Random, pool: list[str], weights: list[float], k: int) -> list[str]:
    picked: list[str] = []
    while len(picked) < k:
        entity = rng.choices(pool, weights=weights, k=1)[0]
        if entity not in picked:
            picked.append(entity)
    return picked


def _add_paper(graph: nx.MultiDiGraph, rng: random.Random, p: int, pools: dict[str, list[str]],
               weights: dict[str, list[float]], authors: list[str], author_weights: list[float]) -> None:
    paper_id = f"{2015 + p % 11}{(p // 11) % 12 + 1:02d}.{p:05d}"
    node = f"paper:{paper_id}"
    chosen = {
        "Method": _pick(rng, pools["Method"], weights["Method"], rng.choice((1, 2, 2, 3, 3, 4, 5))),
        "Dataset": _pick(rng, pools["Dataset"], weights["Dataset"], rng.choice((1, 1, 2, 2, 3))),
        "Metric": _pick(rng, pools["Metric"], weights["Metric"], rng.choice((1, 1, 2, 3))),
        "Task": _pick(rng, pools["Task"], weights["Task"], rng.choice((1, 1, 2))),
    }
    proposed: str | None = None
    if rng.random() < 0.45:
        name = f"{_name(rng, 2)}{rng.choice(('Net', 'Former', 'GAN', 'BERT', 'Diff', 'RL'))}-{p}"
        proposed = f"new/method/{name.lower()}"
        graph.add_node(proposed, kind="Method", label=name, aliases=[name.upper()] if rng.random() < 0.3 else [],
                       paper_count=0, kb_id=None)
        chosen["Method"].insert(0, proposed)
    mentions: list[tuple[str, str, int, int, str, str, float]] = []  # entity, field, start, end, text, ...

    def say(text: _Text, field: str, entity: str, *, extractor: str = "kb") -> tuple[int, int]:
        attrs = graph.nodes[entity]
        surface = attrs["label"]
        if attrs["aliases"] and rng.random() < 0.3:
            surface = rng.choice(attrs["aliases"])
        start, end = text.add(surface)
        confidence = {"kb": 0.95, "pattern": 0.8, "abbrev": 0.9, "ner": 0.72}[extractor]
        mentions.append((entity, field, start, end, surface, extractor, confidence))
        return start, end

    method, task = chosen["Method"][0], chosen["Task"][0]
    title = _Text()
    if proposed:
        say(title, "title", proposed, extractor="pattern")
        title.add(": ")
    title.add("Towards Better ")
    say(title, "title", task)
    title.add(" with ")
    say(title, "title", chosen["Method"][-1])

    abstract = _Text()
    abstract.add("Recent work on ")
    say(abstract, "abstract", task)
    abstract.add(" relies on ")
    say(abstract, "abstract", chosen["Method"][-1])
    abstract.add(". " + rng.choice(FILLERS) + " ")
    if proposed:
        abstract.add("We propose ")
        say(abstract, "abstract", proposed, extractor="ner")
        abstract.add(", a method for ")
        say(abstract, "abstract", chosen["Task"][-1])
        abstract.add(" that builds on ")
        say(abstract, "abstract", chosen["Method"][1] if len(chosen["Method"]) > 1 else method)
        abstract.add(". ")
    for extra in chosen["Method"][1:]:
        abstract.add("We compare against ")
        say(abstract, "abstract", extra, extractor=rng.choice(("kb", "kb", "abbrev")))
        abstract.add(". ")
    abstract.add("Experiments on ")
    for i, d in enumerate(chosen["Dataset"]):
        abstract.add(", " if i else "")
        say(abstract, "abstract", d)
    abstract.add(" measure ")
    for i, m in enumerate(chosen["Metric"]):
        abstract.add(" and " if i else "")
        say(abstract, "abstract", m)
    abstract.add(". ")

    claims: list[dict[str, Any]] = []
    for _ in range(rng.randint(3, 8)):
        kind = rng.choices([k for k, _ in CLAIM_KINDS], weights=[w for _, w in CLAIM_KINDS], k=1)[0]
        c_metric = rng.choice(chosen["Metric"])
        c_dataset = rng.choice(chosen["Dataset"])
        c_method = rng.choice(chosen["Method"])
        sentence_start = abstract.length
        refs: dict[str, str | None] = {"claimMetric": None, "claimDataset": None, "claimMethod": None}
        if kind == "score":
            value = round(rng.uniform(40, 99.5), 1)
            written, unit = f"{value}%", "%"
            abstract.add("On ")
            say(abstract, "abstract", c_dataset)
            abstract.add(", ")
            say(abstract, "abstract", c_method)
            abstract.add(" reaches ")
            start, end = abstract.add(written)
            abstract.add(" ")
            say(abstract, "abstract", c_metric)
            refs = {"claimMetric": c_metric, "claimDataset": c_dataset, "claimMethod": c_method}
        elif kind in ("improvement", "reduction"):
            value = round(rng.uniform(0.1, 15), 1)
            written, unit = f"{value} points", "points"
            say(abstract, "abstract", c_method)
            abstract.add(" improves " if kind == "improvement" else " lowers the error in ")
            say(abstract, "abstract", c_metric)
            abstract.add(" by ")
            start, end = abstract.add(written)
            refs = {"claimMetric": c_metric, "claimDataset": None, "claimMethod": c_method}
        elif kind == "speedup":
            value = float(rng.randint(2, 40))
            written, unit = f"{value:g}x", "x"
            say(abstract, "abstract", c_method)
            abstract.add(" is ")
            start, end = abstract.add(written)
            abstract.add(" faster")
            refs = {"claimMetric": None, "claimDataset": None, "claimMethod": c_method}
        elif kind == "size":
            value = float(rng.choice((7, 13, 70, 110, 340))) * 1e6
            written, unit = f"{value / 1e6:g}M parameters", "params"
            abstract.add("The model has ")
            start, end = abstract.add(written)
            refs = {"claimMetric": None, "claimDataset": None, "claimMethod": None}
        else:
            value = float(rng.randint(2, 64))
            written, unit = str(int(value)), ""
            abstract.add("Training uses ")
            start, end = abstract.add(written)
            abstract.add(" GPUs on ")
            say(abstract, "abstract", c_dataset)
            refs = {"claimMetric": None, "claimDataset": c_dataset, "claimMethod": None}
        abstract.add(".")
        sentence = str(abstract)[sentence_start:]
        abstract.add(" ")
        claims.append({"kind": kind, "value": value, "text": written, "unit": unit or None, "start": start,
                       "end": end, "sentence": sentence, "refs": refs})
    abstract.add(rng.choice(FILLERS))

    year = 2015 + p % 11
    graph.add_node(node, kind="Paper", label=str(title), paper_id=paper_id, title=str(title),
                   abstract=str(abstract), date=f"{year}-{(p // 11) % 12 + 1:02d}-{p % 28 + 1:02d}", year=year,
                   authors=rng.choices(authors, weights=author_weights, k=rng.randint(2, 7)), source="arxiv",
                   url=f"https://arxiv.org/abs/{paper_id}")
    for entity, field, start, end, surface, extractor, confidence in mentions:
        relation = "proposes" if entity == proposed else RELATION[graph.nodes[entity]["kind"]]
        _edge(graph, node, entity, relation, {"paper": paper_id, "field": field, "start": start, "end": end,
                                              "text": surface, "extractor": extractor, "confidence": confidence})
    for claim in claims:
        cnode = f"claim:{paper_id}:abstract:{claim['start']}-{claim['end']}"
        graph.add_node(cnode, kind="Claim", label=claim["text"], text=claim["text"], value=claim["value"],
                       high=None, unit=claim["unit"], claim_kind=claim["kind"], sentence=claim["sentence"],
                       paper_id=paper_id, field="abstract", start=claim["start"], end=claim["end"])
        evidence = {"paper": paper_id, "field": "abstract", "start": claim["start"], "end": claim["end"],
                    "text": claim["text"], "extractor": "claims", "confidence": 1.0}
        _edge(graph, node, cnode, "reports", evidence)
        for relation, target in claim["refs"].items():
            if target is not None and rng.random() < 0.85:
                _edge(graph, cnode, target, relation, dict(evidence, confidence=round(rng.uniform(0.5, 1), 2)))


def _edge(graph: nx.MultiDiGraph, u: str, v: str, relation: str, evidence: dict[str, Any]) -> None:
    if graph.has_edge(u, v, key=relation):
        graph.edges[u, v, relation]["evidence"].append(evidence)
    else:
        graph.add_edge(u, v, key=relation, relation=relation, evidence=[evidence])


# --- parameters -------------------------------------------------------------------------------------


def pick_params(graph: nx.MultiDiGraph, *, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Sensible parameters for every named query, chosen from the generated data.

    >>> sorted(pick_params(synthetic_graph(20)))[:3]
    ['claims-above', 'cooccurring', 'entity-aliases']
    """
    rng = random.Random(seed)
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    pairs: Counter[tuple[str, str]] = Counter()
    scores: list[float] = []
    proposing: list[str] = []
    papers: list[str] = []
    for node, attrs in graph.nodes(data=True):
        kind = attrs["kind"]
        if kind in KINDS:
            counts[kind][node] = attrs["paper_count"]
        elif kind == "Paper":
            papers.append(node)
            if any(k == "proposes" for _, _, k in graph.out_edges(node, keys=True)):
                proposing.append(node)
        elif kind == "Claim" and attrs["claim_kind"] == "score":
            scores.append(float(attrs["value"]))
            targets = {k: v for _, v, k in graph.out_edges(node, keys=True)}
            if "claimMetric" in targets and "claimDataset" in targets:
                pairs[(targets["claimMetric"], targets["claimDataset"])] += 1

    def label(node: str) -> str:
        return str(graph.nodes[node]["label"])

    top_method = counts["Method"].most_common(1)[0][0]
    top_dataset = counts["Dataset"].most_common(1)[0][0]
    metric, dataset = pairs.most_common(1)[0][0] if pairs else (counts["Metric"].most_common(1)[0][0], top_dataset)
    aliases = graph.nodes[top_method]["aliases"]
    scores.sort()
    threshold = scores[min(len(scores) - 1, int(len(scores) * 0.99))] if scores else 90.0
    title = graph.nodes[rng.choice(papers)]["title"]
    proposer = graph.nodes[rng.choice(proposing or papers)]
    return {
        "claims-above": {"kind": "score", "threshold": threshold},
        "cooccurring": {"entity": label(top_dataset)},
        "entity-aliases": {},
        "evidence": {"paper": str(title).upper()},
        "leaderboard": {"metric": label(metric).upper(), "dataset": label(dataset)},
        "methods-on-dataset": {"dataset": label(top_dataset)},
        "paper-proposes": {"paper": str(proposer["paper_id"])},
        "papers-with-alias": {"alias": str(aliases[0]) if aliases else label(top_method)},
        "tasks-by-method": {"method": label(top_method).lower()},
        "top-datasets": {},
        "top-methods": {},
    }


# --- the engines, each in its own process -------------------------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _warm_up() -> None:
    from rdflib import Graph

    from kg.rdf.namespace import PREFIXES
    from kg.rdf.query import check_query

    sparql = "SELECT ?s WHERE { ?s a kg:Paper } LIMIT 1"
    check_query(sparql)
    Graph().query(sparql, initNs=PREFIXES)  # imports rdflib's SPARQL machinery


_CHECKS: list[float] = []


def _time_checks() -> None:
    """Make this process record how long each `check_query` call takes (in `_CHECKS`): kg's query
    guard (`kg.rdf.guard`, a pure-Python lexer) that `run_named` runs before pyoxigraph parses and
    evaluates anything."""
    import kg.rdf.query as query_module

    original = query_module.check_query
    if getattr(original, "timed", False):
        return

    def timed(sparql: str) -> Any:
        start = time.perf_counter()
        try:
            return original(sparql)
        finally:
            _CHECKS.append(time.perf_counter() - start)

    timed.timed = True  # type: ignore[attr-defined]
    query_module.check_query = timed  # type: ignore[assignment]


def _run_timed(source: Any, name: str, values: dict[str, Any], repeat: int) -> dict[str, Any]:
    """`run_named` `repeat` times: the rows, the median seconds and the median of its query guard."""
    from kg.rdf.query import run_named

    _time_checks()
    totals, checks = [], []
    result = None
    for _ in range(repeat):
        _CHECKS.clear()
        start = time.perf_counter()
        result = run_named(source, name, values)
        totals.append(time.perf_counter() - start)
        checks.append(sum(_CHECKS))
    evals = [t - c for t, c in zip(totals, checks, strict=True)]
    return {"seconds": statistics.median(totals), "check": statistics.median(checks),
            "eval": statistics.median(evals), **_rows_payload(result)}


def _rdflib_value(term: Any) -> Any:
    """A rdflib term as the Python value kg gives (as kg's former rdflib engine converted it)."""
    from rdflib import BNode, Literal

    from kg.rdf.bindings import literal_value

    if term is None:
        return None
    if isinstance(term, Literal):
        return literal_value(str(term), str(term.datatype) if term.datatype else None)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _run_rdflib(graph: Any, name: str, values: dict[str, Any]) -> dict[str, Any]:
    """A named query on plain rdflib (`Graph.query`, rdflib's own parser; no kg guard), with the
    values bound as `binding_term` makes them and the parameter columns dropped as `run_named` does."""
    from kg.rdf.bindings import binding_term
    from kg.rdf.namespace import PREFIXES
    from kg.rdf.query import get_named

    named = get_named(name)
    terms = {var: binding_term(value) for var, value in named.bindings(values).items()}
    start = time.perf_counter()
    answer = graph.query(named.text, initNs=PREFIXES, initBindings=terms)
    columns = [str(v) for v in answer.vars or ()]
    rows = [tuple(_rdflib_value(term) for term in row) for row in answer]
    seconds = time.perf_counter() - start
    keep = [i for i, column in enumerate(columns) if column not in named.params]
    return {"seconds": seconds, "check": 0.0, "eval": seconds, "columns": [columns[i] for i in keep],
            "rows": [[row[i] for i in keep] for row in rows]}


def _rows_payload(result: Any) -> dict[str, Any]:
    return {"columns": list(result.columns), "rows": [list(row) for row in result.rows]}


def _oxigraph_worker(path: str, params: dict[str, dict[str, Any]], repeat: int, out: Connection) -> None:
    """Load the file into an in-memory pyoxigraph store and run every named query `repeat` times."""
    from kg.rdf.query import load_store

    _warm_up()
    start = time.perf_counter()
    store = load_store(path)
    load_s = time.perf_counter() - start
    report: dict[str, Any] = {"load_s": load_s, "triples": len(store), "queries": {}}
    for name, values in params.items():
        report["queries"][name] = _run_timed(store, name, values, repeat)
    report["peak_rss_mb"] = _peak_rss_mb()
    out.send(report)


def _store_worker(path: str, folder: str, params: dict[str, dict[str, Any]], repeat: int, out: Connection) -> None:
    """Bulk-load the file into a persistent store, open it read-only and run every named query."""
    from kg.rdf.store import create_store, open_store

    _warm_up()
    start = time.perf_counter()
    info = create_store(path, Path(folder) / "store")
    load_s = time.perf_counter() - start
    report: dict[str, Any] = {"load_s": load_s, "triples": info.triples, "queries": {}}
    start = time.perf_counter()
    with open_store(Path(folder) / "store") as opened:
        report["open_s"] = time.perf_counter() - start
        for name, values in params.items():
            report["queries"][name] = _run_timed(opened.store, name, values, repeat)
    report["peak_rss_mb"] = _peak_rss_mb()
    out.send(report)


def _rdflib_query(graph: Any, name: str, values: dict[str, Any], out: Connection) -> None:
    out.send(_run_rdflib(graph, name, values))


def _rdflib_worker(path: str, params: dict[str, dict[str, Any]], limit: float, out: Connection) -> None:
    """Parse the file with rdflib, then run each named query in a forked child killed after `limit` s."""
    from kg.rdf.read import load_graph

    _warm_up()
    start = time.perf_counter()
    graph = load_graph(path)
    load_s = time.perf_counter() - start
    report: dict[str, Any] = {"load_s": load_s, "triples": len(graph), "peak_rss_mb": _peak_rss_mb(),
                              "queries": {}}
    gc.collect()
    gc.freeze()  # keeps the forked children from copying the graph's pages when they collect
    fork = mp.get_context("fork")
    for name, values in params.items():
        receive, send = fork.Pipe(duplex=False)
        child = fork.Process(target=_rdflib_query, args=(graph, name, values, send), daemon=True)
        child.start()
        send.close()
        if receive.poll(limit):
            try:
                report["queries"][name] = receive.recv()
            except EOFError:
                report["queries"][name] = {"error": f"the query process died (exit code {child.exitcode})"}
        else:
            report["queries"][name] = {"timeout": True}
            child.kill()
        child.join()
        receive.close()
    out.send(report)


def _in_child(target: Callable[..., None], *args: Any) -> dict[str, Any]:
    """Runs `target(*args, connection)` in a fresh (spawned) process and returns what it sends."""
    spawn = mp.get_context("spawn")
    receive, send = spawn.Pipe(duplex=False)
    child = spawn.Process(target=target, args=(*args, send))
    child.start()
    send.close()
    try:
        report: dict[str, Any] = receive.recv()
    except EOFError:
        raise SystemExit(f"{target.__name__} died with exit code {child.join() or child.exitcode}") from None
    child.join()
    return report


# --- the report -------------------------------------------------------------------------------------------


def _sort_key(row: list[Any]) -> tuple[str, ...]:
    return tuple(repr(v) for v in row)


def compare(a: dict[str, Any], b: dict[str, Any]) -> str:
    """"same" when both answers have the same columns and rows (in any order), else what differs.

    >>> compare({"columns": ["x"], "rows": [[1], [2]]}, {"columns": ["x"], "rows": [[2], [1]]})
    'same'
    >>> compare({"columns": ["x"], "rows": [[1]]}, {"columns": ["x"], "rows": [[2]]})
    'rows differ: 1 only on oxigraph, 1 only on rdflib; e.g. [1]'
    """
    if a["columns"] != b["columns"]:
        return f"columns differ: {a['columns']} vs {b['columns']}"
    left = sorted(a["rows"], key=_sort_key)
    right = sorted(b["rows"], key=_sort_key)
    if left == right:
        return "same"
    only_left = Counter(map(_sort_key, left)) - Counter(map(_sort_key, right))
    only_right = Counter(map(_sort_key, right)) - Counter(map(_sort_key, left))
    example = next(iter(only_left or only_right))
    return (f"rows differ: {sum(only_left.values())} only on oxigraph, {sum(only_right.values())} only on rdflib; "
            f"e.g. [{', '.join(example)}]")


def _seconds(entry: dict[str, Any], limit: float) -> str:
    if entry.get("timeout"):
        return f">{limit:g}"
    if "error" in entry:
        return "error"
    return f"{entry['seconds']:.3f}"


def _ratio(o: dict[str, Any], r: dict[str, Any], *, evaluation: bool) -> float:
    """How many times longer rdflib took (the limit for a query over it); with `evaluation`, the
    oxigraph time without kg's query guard (rdflib's has none; it includes rdflib's parser)."""
    key = "eval" if evaluation else "seconds"
    rdflib_s = r[key] if key in r else r.get("limit", math.inf)
    return float(rdflib_s / max(o[key], 1e-4))


def _verdict(name: str, ox: dict[str, Any], rdf: dict[str, Any] | None, store: dict[str, Any] | None) -> str:
    verdict = "-"
    if rdf is not None and "rows" in rdf["queries"][name]:
        verdict = compare(ox["queries"][name], rdf["queries"][name])
    if store is not None:
        on_store = compare(ox["queries"][name], store["queries"][name])
        if on_store != "same":
            verdict = f"{verdict}; store: {on_store}"
    return verdict


def report_table(params: dict[str, dict[str, Any]], ox: dict[str, Any], rdf: dict[str, Any] | None,
                 store: dict[str, Any] | None, limit: float) -> str:
    """The table of the run: rows, check time, seconds per engine, ratios, whether the rows agree."""
    head = (f"{'query':<19} {'rows':>5} {'check s':>7} {'oxigraph s':>10} {'rdflib s':>9} {'ratio':>7} "
            f"{'eval ratio':>10}")
    head += f" {'store s':>8}" if store else ""
    lines = [head + "  rows"]
    for name in params:
        o = ox["queries"][name]
        line = f"{name:<19} {len(o['rows']):>5} {o['check']:>7.3f} {o['seconds']:>10.3f}"
        if rdf is not None:
            r = rdf["queries"][name]
            over = ">" if r.get("timeout") else ""
            if "seconds" in r or r.get("timeout"):
                r = {**r, "limit": limit}
                ratio = f"{over}{_ratio(o, r, evaluation=False):.0f}x"
                eval_ratio = f"{over}{_ratio(o, r, evaluation=True):.0f}x"
            else:
                ratio = eval_ratio = "-"
            line += f" {_seconds(r, limit):>9} {ratio:>7} {eval_ratio:>10}"
        else:
            line += f" {'-':>9} {'-':>7} {'-':>10}"
        if store:
            line += f" {store['queries'][name]['seconds']:>8.3f}"
        lines.append(f"{line}  {_verdict(name, ox, rdf, store)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; the exit status is 1 when the engines disagree."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=2000, help="papers to generate (default 2000, ~1.1M triples)")
    parser.add_argument("--limit", type=float, default=120.0, help="seconds allowed to each rdflib query")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each oxigraph query (the median is kept)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--store", action="store_true", help="also time a persistent store (kg load / kg serve)")
    parser.add_argument("--no-rdflib", action="store_true", help="skip rdflib (for tuning queries quickly)")
    parser.add_argument("--keep", type=Path, default=None, help="write graph.nt into this folder and keep it")
    parser.add_argument("--json", type=Path, default=None, help="also write the measurements as JSON")
    args = parser.parse_args(argv)

    from kg.rdf.export import write_rdf

    start = time.perf_counter()
    graph = synthetic_graph(args.papers, seed=args.seed)
    generate_s = time.perf_counter() - start
    params = pick_params(graph, seed=args.seed)
    nodes, edges = graph.number_of_nodes(), graph.number_of_edges()
    with tempfile.TemporaryDirectory(prefix="kg-query-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "graph.nt"
        start = time.perf_counter()
        write_rdf(graph, path, format="nt")
        write_s = time.perf_counter() - start
        del graph
        gc.collect()
        with path.open("rb") as handle:
            triples = sum(1 for _ in handle)
        size_mb = path.stat().st_size / 2**20
        print(f"graph: {args.papers:,} papers, {nodes:,} nodes, {edges:,} edges -> {triples:,} triples, "
              f"{size_mb:.0f} MB of N-Triples", flush=True)
        print(f"generate {generate_s:.1f} s; write_rdf (nt, streamed) {write_s:.1f} s = "
              f"{triples / write_s:,.0f} triples/s", flush=True)
        if triples < 1_000_000:
            print(f"warning: only {triples:,} triples; use --papers {math.ceil(args.papers * 1e6 / triples)} "
                  "or more for a million", flush=True)
        ox = _in_child(_oxigraph_worker, str(path), params, args.repeat)
        print(f"oxigraph: load {ox['load_s']:.1f} s = {ox['triples'] / ox['load_s']:,.0f} triples/s, "
              f"peak RSS {ox['peak_rss_mb']:,.0f} MB", flush=True)
        store = None
        if args.store:
            store = _in_child(_store_worker, str(path), str(folder), params, args.repeat)
            print(f"store:    kg load {store['load_s']:.1f} s = {store['triples'] / store['load_s']:,.0f} "
                  f"triples/s, open read-only {store['open_s']:.3f} s, peak RSS {store['peak_rss_mb']:,.0f} MB",
                  flush=True)
        rdf: dict[str, Any] | None = None
        if not args.no_rdflib:
            rdf = _in_child(_rdflib_worker, str(path), params, args.limit)
            print(f"rdflib:   load {rdf['load_s']:.1f} s = {rdf['triples'] / rdf['load_s']:,.0f} triples/s, "
                  f"peak RSS {rdf['peak_rss_mb']:,.0f} MB", flush=True)

    print("\n" + report_table(params, ox, rdf, store, args.limit))
    disagreements = sum(1 for name in params if _verdict(name, ox, rdf, store) not in ("same", "-"))
    print("\nparameters: " + "; ".join(f"{n} {v}" for n, v in params.items() if v))
    if rdf is not None:
        totals = [_ratio(ox["queries"][n], rdf["queries"][n], evaluation=False) for n in sorted(AGGREGATIONS)]
        evals = [_ratio(ox["queries"][n], rdf["queries"][n], evaluation=True) for n in sorted(AGGREGATIONS)]
        print(f"aggregation queries ({', '.join(sorted(AGGREGATIONS))}): oxigraph is "
              f"{min(totals):.0f}x to {max(totals):.0f}x faster than rdflib per query, "
              f"{min(evals):.0f}x to {max(evals):.0f}x without kg's guard (a rdflib query over the limit counts as "
              "the limit)")
    slowest = max(params, key=lambda n: ox["queries"][n]["seconds"])
    print(f"slowest on oxigraph: {slowest} {ox['queries'][slowest]['seconds']:.3f} s"
          + (f"; on the store: {max(s['seconds'] for s in store['queries'].values()):.3f} s" if store else ""))
    if args.json is not None:
        for report in (ox, store, rdf):
            for entry in (report or {}).get("queries", {}).values():
                entry["row_count"] = len(entry.pop("rows", []))
        summary = {"papers": args.papers, "nodes": nodes, "edges": edges, "triples": triples, "write_s": write_s,
                   "params": params, "oxigraph": ox, "store": store, "rdflib": rdf}
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 1 if disagreements else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())

"""`kg serve` under load, on a store of over a million triples, all traffic to 127.0.0.1.

    python -m benchmarks.serve_bench [--papers 2000] [--small] [--data /tmp/kg-bench] [--json out.json]

1. The store: a kg-shaped graph of `--papers` generated papers (`benchmarks.query_bench.synthetic_graph`;
   2,000 papers give about 1.1 million triples) written as N-Triples and bulk-loaded with
   `kg.rdf.store.create_store`, once: it is kept as ``<data>/serve-<papers>-s<seed>/store`` with the
   named queries' parameters (picked from the data by `query_bench.pick_params`) beside it.
2. The queries: every shipped named query (ontology/queries/*.rq) with its parameters written into
   the text as `VALUES` at the start of each `WHERE` group (the SPARQL Protocol has no bindings); the
   row counts are checked against `kg.rdf.query.run_named` on the same store. The expected answer of
   every query sent is computed first with pyoxigraph directly on the store.
3. `kg serve --store ... --port 0` in a child process (its URL read from its banner), then
   (a) `--clients` clients (500) at once, each one request (the title of a paper, a different one
       each) from its own thread, released together by a barrier;
   (b) `--threads` threads (50) x `--requests` requests (20) each, of the named queries in turn;
   (c) `--bursts` times (20) a fresh server, and as soon as it listens, 8 distinct queries from 8
       threads at once, then the other named queries.
   For (a) and (b): requests/s (requests over the phase's wall time), p50 and p99 latency, errors (any
   answer that is not 200 with the expected rows; target: none), and the resident memory of the server
   process and of server plus workers before and after. For (c): the bursts with every answer right.

Bounded: a fixed number of requests, each with a 120 s client timeout; the servers are stopped with
SIGTERM (SIGKILL after 30 s). Nothing but 127.0.0.1 is contacted. `--small` runs the same phases on
40 papers with 50 clients, 5 x 4 requests and 2 bursts (the unit test runs that).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import queue
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path("/tmp/kg-bench")
CLIENT_TIMEOUT = 120.0
JSON = "application/sparql-results+json"


# --- the store and the queries ---------------------------------------------------------------------------


def build_store(papers: int, seed: int, data: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    """The benchmark's store and named-query parameters, generated once and kept under `data`."""
    from benchmarks.query_bench import pick_params, synthetic_graph
    from kg.rdf.export import write_rdf
    from kg.rdf.store import create_store, is_store

    folder = data / f"serve-{papers}-s{seed}"
    store, params_file = folder / "store", folder / "params.json"
    if is_store(store) and params_file.exists():
        return store, json.loads(params_file.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    graph = synthetic_graph(papers, seed=seed)
    params = pick_params(graph, seed=seed)
    write_rdf(graph, folder / "graph.nt", format="nt")
    del graph
    info = create_store(folder / "graph.nt", store, replace=True)
    (folder / "graph.nt").unlink()
    params_file.write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    print(f"built {store}: {info.triples:,} triples in {time.perf_counter() - started:.0f} s", flush=True)
    return store, params


def with_values(text: str, values: dict[str, Any]) -> str:
    """A named query with its parameters written in: `VALUES ?name { term }` opening every group
    (not the data blocks of the query's own VALUES, nor the braces around a sub-select), so that
    the value is in scope wherever the variable is, as with a binding.

    >>> with_values("SELECT ?d WHERE { ?x ?y ?d VALUES ?y { <http://x/> } }", {"d": "CIFAR-10"})
    'SELECT ?d WHERE { VALUES ?d { "CIFAR-10" } ?x ?y ?d VALUES ?y { <http://x/> } }'
    """
    from kg.rdf.bindings import binding_term

    block = " ".join(f"VALUES ?{name} {{ {binding_term(value).n3()} }}" for name, value in values.items())
    if not block:
        return text
    out, last = [], 0
    for match in re.finditer(r"\{", text):
        if re.search(r"VALUES\s+(?:[?$]\w+|\([^)]*\))\s*$", text[: match.start()]) or re.match(
                r"\s*SELECT\b", text[match.end():], re.IGNORECASE):  # a data block, or a sub-select's braces
            continue
        out += [text[last : match.end()], f" {block}"]
        last = match.end()
    return "".join([*out, text[last:]])


def named_queries(params: dict[str, dict[str, Any]]) -> dict[str, str]:
    from kg.rdf.query import list_named

    return {q.name: with_values(q.text, params.get(q.name, {})) for q in list_named()}


def burst_queries() -> list[str]:
    """The 8 distinct queries of a burst (the report's reproduction: LIMIT 100+i, from 8 threads)."""
    return [f"SELECT ?t WHERE {{ ?p dcterms:title ?t }} ORDER BY ?t LIMIT {100 + i}" for i in range(8)]


def light_queries(store: Path, n: int) -> list[str]:
    """`n` distinct cheap queries: the title and date of one paper each."""
    from kg.rdf.namespace import PREFIXES
    from kg.rdf.store import open_store

    with open_store(store) as opened:
        papers = [str(s["p"].value) for s in opened.store.query(
            f"SELECT ?p WHERE {{ ?p a kg:Paper }} ORDER BY ?p LIMIT {n}", prefixes=PREFIXES)]
    return [f"SELECT ?t ?d WHERE {{ <{papers[i % len(papers)]}> dcterms:title ?t . "
            f"OPTIONAL {{ <{papers[i % len(papers)]}> dcterms:date ?d }} }} # {i}" for i in range(n)]


def rows(body: bytes) -> Any:
    """A SPARQL JSON answer in a form to compare: the boolean, or the sorted bindings."""
    answer = json.loads(body)
    if "boolean" in answer:
        return answer["boolean"]
    return sorted(json.dumps(b, sort_keys=True) for b in answer["results"]["bindings"])


def expected_answers(store: Path, queries: list[str], params: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What each query must answer, from pyoxigraph on the store; also checks that the texts with
    VALUES give as many rows as `run_named` with bindings."""
    import pyoxigraph as ox

    from kg.rdf.namespace import PREFIXES
    from kg.rdf.query import run_named
    from kg.rdf.store import open_store

    answers: dict[str, Any] = {}
    with open_store(store) as opened:
        for query in dict.fromkeys(queries):
            result = opened.store.query(query, prefixes=PREFIXES)
            answers[query] = rows(result.serialize(format=ox.QueryResultsFormat.JSON))
        for name, text in named_queries(params).items():
            got, want = len(answers[text]), len(run_named(opened.store, name, params.get(name, {})).rows)
            if got != want:
                raise SystemExit(f"serve_bench: {name} with VALUES gives {got} rows, run_named {want}")
    return answers


# --- the server ------------------------------------------------------------------------------------------


class Server:
    """`kg serve` in a child process on a free 127.0.0.1 port."""

    def __init__(self, store: Path, *, max_running: int, timeout: float, max_wait: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from kg.cli import main; main()", "serve", "--store", str(store), "--port", "0",
             "--host", "127.0.0.1", "--quiet", "--max-running", str(max_running), "--timeout", str(timeout),
             "--max-wait", str(max_wait)],
            stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        err = self.process.stderr
        assert err is not None
        threading.Thread(target=lambda: [self.lines.put(line) for line in err], daemon=True).start()
        try:
            banner = self.lines.get(timeout=120)
        except queue.Empty:
            self.stop()
            raise SystemExit("serve_bench: kg serve printed nothing in 120 s") from None
        if " at http://" not in banner:
            self.stop()
            raise SystemExit(f"serve_bench: kg serve did not start: {banner.strip()}")
        self.url = banner.split(" at ")[1].split()[0]

    def rss_mb(self) -> tuple[float, float]:
        """Resident memory of the server process, and of it plus its children (the workers)."""
        own = _rss_mb(self.process.pid)
        children = [int(c) for task in Path(f"/proc/{self.process.pid}/task").iterdir()
                    for c in (task / "children").read_text().split()]
        return own, own + sum(_rss_mb(pid) for pid in children)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def ask(url: str, query: str) -> tuple[int, bytes, float]:
    """One GET request: status, body, seconds (status 0 when the connection failed)."""
    request = urllib.request.Request(f"{url}?{urllib.parse.urlencode({'query': query})}", headers={"Accept": JSON})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            status, body = error.code, error.read()
    except OSError as error:
        status, body = 0, str(error).encode()
    return status, body, time.perf_counter() - started


def check(result: tuple[int, bytes, float], want: Any) -> str | None:
    """None when the answer is right; else what was wrong, in one line."""
    status, body, _ = result
    if status != 200:
        return f"{status or 'no answer'}: {body[:120]!r}"
    if rows(body) != want:
        return "200 with wrong rows"
    return None


# --- the phases ------------------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load_phase(server: Server, jobs: list[list[str]], answers: dict[str, Any]) -> dict[str, Any]:
    """Each list of `jobs` is one client thread's requests; all threads start together."""
    barrier = threading.Barrier(len(jobs))
    results: list[tuple[str, tuple[int, bytes, float]]] = []
    lock = threading.Lock()

    def client(queries: list[str]) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=60)
        for query in queries:
            result = ask(server.url, query)
            with lock:
                results.append((query, result))

    rss_before = server.rss_mb()
    threads = [threading.Thread(target=client, args=(queries,)) for queries in jobs]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    rss_after = server.rss_mb()
    errors = [e for query, result in results if (e := check(result, answers[query])) is not None]
    latencies = [result[2] for _, result in results]
    return {"requests": len(results), "seconds": wall, "per_s": len(results) / wall,
            "p50_ms": 1000 * _percentile(latencies, 0.5), "p99_ms": 1000 * _percentile(latencies, 0.99),
            "mean_ms": 1000 * statistics.fmean(latencies), "errors": len(errors), "error_kinds": sorted(set(errors)),
            "rss_before_mb": rss_before, "rss_after_mb": rss_after}


def burst_phase(store: Path, bursts: int, answers: dict[str, Any], rest: list[str], *, max_running: int,
                timeout: float, max_wait: float) -> dict[str, Any]:
    """`bursts` fresh servers, each sent 8 distinct queries at once as soon as it listens, then `rest`."""
    first = burst_queries()
    right, wrong = 0, []
    for _ in range(bursts):
        server = Server(store, max_running=max_running, timeout=timeout, max_wait=max_wait)
        try:
            with ThreadPoolExecutor(8) as threads:
                got = list(threads.map(lambda q: ask(server.url, q), first))  # noqa: B023
                got += list(threads.map(lambda q: ask(server.url, q), rest))  # noqa: B023
        finally:
            server.stop()
        problems = [e for q, r in zip([*first, *rest], got, strict=True) if (e := check(r, answers[q]))]
        if problems:
            wrong.append(problems)
        else:
            right += 1
    return {"bursts": bursts, "all_right": right, "wrong": wrong}


def _line(name: str, phase: dict[str, Any]) -> str:
    before, after = phase["rss_before_mb"], phase["rss_after_mb"]
    return (f"{name}: {phase['requests']} requests in {phase['seconds']:.1f} s = {phase['per_s']:.0f}/s, "
            f"p50 {phase['p50_ms']:.0f} ms, p99 {phase['p99_ms']:.0f} ms, errors {phase['errors']}; "
            f"RSS server {before[0]:.0f} -> {after[0]:.0f} MB, server+workers {before[1]:.0f} -> {after[1]:.0f} MB"
            + (f"\n    errors: {'; '.join(phase['error_kinds'][:5])}" if phase["errors"] else ""))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the figures; exit status 1 when any answer was wrong or missing."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=2000, help="papers to generate (default 2000, ~1.1M triples)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clients", type=int, default=500, help="clients at once in phase (a)")
    parser.add_argument("--threads", type=int, default=50, help="client threads in phase (b)")
    parser.add_argument("--requests", type=int, default=20, help="requests per thread in phase (b)")
    parser.add_argument("--bursts", type=int, default=20, help="fresh servers in phase (c)")
    parser.add_argument("--max-running", type=int, default=4, help="kg serve --max-running")
    parser.add_argument("--timeout", type=float, default=30.0, help="kg serve --timeout")
    parser.add_argument("--max-wait", type=float, default=60.0, help="kg serve --max-wait")
    parser.add_argument("--small", action="store_true", help="40 papers, 50 clients, 5 x 4 requests, 2 bursts")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="where the store is kept between runs")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.small:
        args.papers, args.clients, args.threads, args.requests, args.bursts = 40, 50, 5, 4, 2

    from kg.rdf.store import store_info

    store, params = build_store(args.papers, args.seed, args.data)
    triples = store_info(store).triples or 0
    print(f"store {store}: {triples:,} triples", flush=True)
    if triples < 900_000 and not args.small:
        print(f"warning: only {triples:,} triples; use more --papers for 900k", flush=True)
    named = list(named_queries(params).values())
    light = light_queries(store, args.clients)
    mixed = [[named[(t * args.requests + r) % len(named)] for r in range(args.requests)] for t in range(args.threads)]
    answers = expected_answers(store, [*named, *light, *burst_queries()], params)

    server = Server(store, max_running=args.max_running, timeout=args.timeout, max_wait=args.max_wait)
    try:
        for query in named:  # the workers have started, and every named query has run once
            ask(server.url, query)
        concurrent = load_phase(server, [[q] for q in light], answers)
        print(_line(f"(a) {args.clients} clients at once", concurrent), flush=True)
        mixed_phase = load_phase(server, mixed, answers)
        print(_line(f"(b) {args.threads} threads x {args.requests} named queries", mixed_phase), flush=True)
    finally:
        server.stop()
    bursts = burst_phase(store, args.bursts, answers, named, max_running=args.max_running, timeout=args.timeout,
                         max_wait=args.max_wait)
    print(f"(c) {bursts['bursts']} fresh servers, 8 distinct queries at once then {len(named)} named queries: "
          f"{bursts['all_right']} of {bursts['bursts']} with every answer right", flush=True)
    for problems in bursts["wrong"][:3]:
        print(f"    wrong: {'; '.join(problems[:3])}")
    if args.json is not None:
        summary = {"papers": args.papers, "triples": triples, "max_running": args.max_running,
                   "concurrent": concurrent, "mixed": mixed_phase, "bursts": bursts}
        args.json.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    failed = concurrent["errors"] or mixed_phase["errors"] or bursts["wrong"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

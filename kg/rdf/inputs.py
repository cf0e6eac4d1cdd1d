"""What the RDF commands read, checked before any graph is loaded: the RDF file of a build, and
the query to run (SPARQL text, a .rq file or a named query with its parameters).

`kg query`, `kg validate` and `kg load` call these, so that a wrong path or a bad query is one line
before a large graph is parsed or a child process started.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import InputError, OptionError

RDF_SUFFIXES = (".ttl", ".nt", ".jsonld")
"""The RDF files `kg build` writes into its folder, as graph.ttl, graph.nt or graph.jsonld."""


def resolve_rdf(path: str | Path) -> Path:
    """The RDF file itself, or the graph.ttl/.nt/.jsonld inside a build folder (the first found in
    that order); an `InputError` when there is none.

    >>> import tempfile, pathlib
    >>> build = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (build / "graph.nt").write_text("")
    >>> resolve_rdf(build).name
    'graph.nt'
    >>> resolve_rdf(build / "graph.ttl")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    kg.errors.InputError: ...graph.ttl: no such graph file; give a file or folder that `kg build` wrote
    """
    path = Path(path)
    if path.is_dir():
        for suffix in RDF_SUFFIXES:
            candidate = path / f"graph{suffix}"
            if candidate.exists():
                return candidate
        raise InputError("no graph.ttl, graph.nt or graph.jsonld in this folder; run `kg build` first",
                         source=str(path))
    if not path.exists():
        raise InputError("no such graph file; give a file or folder that `kg build` wrote", source=str(path))
    return path


def parse_params(pairs: Iterable[str]) -> dict[str, str]:
    """Named-query parameters given as "key=value" strings (the value may hold "=" and be empty).

    >>> parse_params(["metric=accuracy", "dataset=CIFAR-10"])
    {'metric': 'accuracy', 'dataset': 'CIFAR-10'}
    >>> parse_params(["metric"])
    Traceback (most recent call last):
    kg.errors.OptionError: --param takes key=value, got 'metric'
    """
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise OptionError(f"--param takes key=value, got {pair!r}")
        out[key.strip()] = value
    return out


@dataclass(frozen=True, slots=True)
class PreparedQuery:
    """A query that passed kg's guard: its `text`, the `bindings` of its variables and the columns
    to `drop` from its answer (a named query's parameters, which only echo the values given)."""

    text: str
    bindings: dict[str, Any] = field(default_factory=dict)
    drop: list[str] = field(default_factory=list)


def prepare_query(*, sparql: str | None = None, file: str | Path | None = None, named: str | None = None,
                  params: Mapping[str, str] | Iterable[str] | None = None) -> PreparedQuery:
    """The query given as SPARQL text, as a .rq `file` or as the `named` query shipped with kg with
    its `params` (a mapping, or "key=value" strings as `parse_params` reads them), checked by kg's
    guard (read-only, no SERVICE, bindings selected) without loading any graph. Exactly one of
    `sparql`, `file` and `named` is given; `params` only with `named`.

    >>> prepare_query(named="leaderboard", params={"metric": "accuracy", "dataset": "CIFAR-10"}).drop
    ['metric', 'dataset']
    >>> prepare_query(sparql="SELECT ?s WHERE { ?s ?p ?o }").text
    'SELECT ?s WHERE { ?s ?p ?o }'
    >>> prepare_query(named="top-datasets", params=["min=2"])
    Traceback (most recent call last):
    kg.errors.QueryError: named query 'top-datasets' has no parameter 'min'; it takes: no parameters
    >>> prepare_query(sparql="DELETE WHERE { ?s ?p ?o }")
    Traceback (most recent call last):
    kg.errors.QueryError: updates are refused: kg query is read-only
    """
    from kg.rdf.bindings import _binding_terms
    from kg.rdf.query import check_bindings, check_query, get_named

    if sum(x is not None for x in (sparql, file, named)) != 1:
        raise OptionError("give exactly one of: a SPARQL string, -f FILE or --named NAME")
    if params and named is None:
        raise OptionError("--param goes with --named; in your own queries write the values in the query")
    bindings: dict[str, Any] = {}
    drop: list[str] = []
    if named is not None:
        shipped = get_named(named)
        given = params if isinstance(params, Mapping) else parse_params(params or ())
        bindings = dict(shipped.bindings(given))
        text, drop = shipped.text, list(shipped.params)
    elif file is not None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read query: {exc.strerror}", source=str(file)) from None
        except UnicodeDecodeError as exc:
            raise InputError(f"the query is not UTF-8 text (byte {exc.start})", source=str(file)) from None
    else:
        assert sparql is not None
        text = sparql
    check_bindings(check_query(text), _binding_terms(bindings))
    return PreparedQuery(text, bindings, drop)

"""Read an RDF file into an rdflib graph, offline, with one-line messages for syntax errors."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from pyoxigraph import RdfFormat
from rdflib import Graph

from kg.errors import GraphError
from kg.rdf.formats import existing_rdf_file, rdf_format, rdf_format_of
from kg.rdf.mapping import new_graph


def _syntax_message(exc: Exception, path: Path, fmt: RdfFormat) -> str:
    why = getattr(exc, "_why", None)
    lines = getattr(exc, "lines", None)
    if why is not None and isinstance(lines, int):  # rdflib's Turtle parser (BadSyntax)
        return f"line {lines + 1}: {why}"
    located = _oxigraph_message(path, fmt)
    if located:
        return located
    return " ".join(str(exc).split())


def _oxigraph_message(path: Path, fmt: RdfFormat) -> str | None:
    """pyoxigraph's message, which gives line and column, for a file rdflib could not parse."""
    import pyoxigraph

    try:
        for _ in pyoxigraph.parse(path=str(path), format=fmt):
            pass
    except SyntaxError as exc:
        return " ".join(str(exc).split())
    except Exception:
        return None
    return None


def load_graph(path: str | os.PathLike[str], *, format: RdfFormat | str | None = None) -> Graph:
    """Read an RDF file into an rdflib graph, guessing the format from the extension.

    Raises InputError when the file is missing and GraphError ("PATH: cannot parse as Turtle: line 3:
    ...") when it is not valid in its format.

    >>> load_graph("no/such/file.ttl")
    Traceback (most recent call last):
    ...
    kg.errors.InputError: no/such/file.ttl: no such file
    """
    source = existing_rdf_file(path)
    fmt = rdf_format(format) if format is not None else rdf_format_of(source)
    from kg.rdf.offline import NetworkRefused, offline

    graph = new_graph()
    try:
        with offline(), warnings.catch_warnings():
            # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            graph.parse(source, format=fmt.media_type)  # rdflib knows the media types
    except NetworkRefused as exc:
        raise GraphError(f"{path}: {exc}") from None
    except Exception as exc:
        refused = exc.__context__ if isinstance(exc.__context__, NetworkRefused) else None
        if refused is not None:  # rdflib wrapped the refusal
            raise GraphError(f"{path}: {refused}") from None
        raise GraphError(f"{path}: cannot parse as {fmt.name}: {_syntax_message(exc, source, fmt)}") from exc
    return graph

"""The RDF serializations kg writes and reads: Turtle, N-Triples and JSON-LD, as pyoxigraph's
`RdfFormat` objects (which know their file extension, media type and name).

>>> rdf_format("nt").name, rdf_format("turtle").file_extension, rdf_format("jsonld").media_type
('N-Triples', 'ttl', 'application/ld+json')
"""

from __future__ import annotations

import os
from pathlib import Path

from pyoxigraph import RdfFormat

from kg.errors import FormatError, InputError

RDF_FORMATS: tuple[RdfFormat, ...] = (RdfFormat.TURTLE, RdfFormat.N_TRIPLES, RdfFormat.JSON_LD)
"""The formats kg writes, in the order messages list them."""

_LONG_NAMES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld"}


def _known(extension: str) -> RdfFormat | None:
    fmt = RdfFormat.from_extension(_LONG_NAMES.get(extension, extension))
    return fmt if fmt in RDF_FORMATS else None


def rdf_format(name: str | RdfFormat) -> RdfFormat:
    """The format called `name`: its extension ("ttl", "nt", "jsonld") or a long name ("turtle",
    "n-triples", "json-ld").

    >>> rdf_format("xml")
    Traceback (most recent call last):
    ...
    kg.errors.FormatError: unknown RDF format 'xml'; use ttl, nt, jsonld
    """
    if isinstance(name, RdfFormat):
        return name
    fmt = _known(str(name).strip().lower().lstrip("."))
    if fmt is None:
        raise FormatError(f"unknown RDF format '{name}'; use {', '.join(f.file_extension for f in RDF_FORMATS)}")
    return fmt


def rdf_format_of(path: str | os.PathLike[str]) -> RdfFormat:
    """The format of a file, from its extension.

    >>> rdf_format_of("out/graph.ttl").name
    'Turtle'
    """
    fmt = _known(Path(path).suffix.lower().lstrip("."))
    if fmt is None:
        raise FormatError(
            f"{path}: cannot tell the RDF format from the extension '{Path(path).suffix}'; "
            "use a .ttl, .nt or .jsonld file"
        )
    return fmt


def existing_rdf_file(path: str | os.PathLike[str]) -> Path:
    """`path` as a Path, or an InputError when it is missing or a directory.

    >>> existing_rdf_file("no/such/graph.ttl")
    Traceback (most recent call last):
    ...
    kg.errors.InputError: no/such/graph.ttl: no such file
    """
    source = Path(path)
    if not source.exists():
        raise InputError("no such file", source=str(path))
    if source.is_dir():
        raise InputError("is a directory, not an RDF file", source=str(path))
    return source

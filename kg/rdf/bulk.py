"""Bulk-loading an RDF file into a new Oxigraph directory in a process of its own, so it can be stopped.

pyoxigraph's `Store.bulk_load` runs in Rust and never returns to Python until it is done, so in the
`kg load` process Ctrl-C and SIGTERM would wait for the whole load (minutes on a large graph).
`bulk_load` runs it in a `kg.background.BackgroundProcess` instead, which dies with kg (even a SIGKILLed
kg: `kg.lifetime.die_with_parent`) and which kg kills when it is interrupted; the caller then
removes the half-loaded directory.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kg.errors import GraphError

COUNT_NAME = ".kg-triples"
"""The file in which the loading process leaves the number of triples it loaded."""


def bulk_load(folder: Path, source: Path, fmt: str, label: str, target: Path) -> int:
    """Loads `source` (kg's RDF format `fmt`, e.g. "ttl", named `label` in messages) into the new store
    directory `folder`, on its way to `target`; returns the number of triples.

    Raises GraphError when the file does not parse, KgError when it cannot be loaded, and
    KeyboardInterrupt (Ctrl-C, or `kg.lifetime.Terminated` for SIGTERM) at once, having killed the load.
    """
    from kg.background import BackgroundProcess

    with BackgroundProcess(preload="pyoxigraph") as process, \
            process.run(_load, [], str(folder), str(source), fmt, label, str(target)):
        pass
    count = folder / COUNT_NAME
    triples = int(count.read_text(encoding="ascii"))
    count.unlink()
    return triples


def _load(parts: Iterable[bytes], folder: str, source: str, fmt: str, label: str, target: str) -> None:
    """In the background process: the load itself."""
    import pyoxigraph

    from kg.rdf.formats import rdf_format
    from kg.rdf.store_lock import StoreError

    ox = pyoxigraph.Store(folder)
    try:
        ox.bulk_load(path=source, format=rdf_format(fmt))
    except SyntaxError as exc:
        raise GraphError(f"{source}: cannot parse as {label}: {' '.join(str(exc).split())}") from None
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot load {source} into {target}: {' '.join(str(exc).split())}") from None
    triples = len(ox)
    ox.flush()
    del ox  # closes the RocksDB instance and releases folder/LOCK
    (Path(folder) / COUNT_NAME).write_text(str(triples), encoding="ascii")

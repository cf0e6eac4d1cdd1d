"""Persistent SPARQL stores: a kg graph bulk-loaded once into an on-disk Oxigraph store.

`kg query GRAPH` parses the whole file on every call (1–4 s per million triples with pyoxigraph,
about 30 s with rdflib). A store is loaded once (`create_store`, `kg load`) and then opened in
milliseconds (`open_store`) by `kg query --store` and `kg serve`.

A store is an Oxigraph (RocksDB) directory plus `kg-store.json`, which records what was loaded
(source file, format, triple count, date, versions). Other Oxigraph tools can open it too, e.g.
`oxigraph serve-read-only --location DIR`.

Loading is atomic: the graph is bulk-loaded into a sibling directory `DIR.tmp-XXXX`, which is
renamed into place only once complete, so a failed or interrupted load leaves no half store (an
existing store is replaced only with `replace=True`, and stays as it was when the load fails).

Readers open the store read-only (several processes may read it at once) and hold a shared lock
on its `LOCK` file, the file RocksDB locks when a process opens the store for writing. So:

* a store opened for writing by another program (`oxigraph serve`, a script) cannot be opened by
  kg: reading it meanwhile would be undefined behaviour in RocksDB;
* a store being read by `kg serve` or `kg query` cannot be replaced by `kg load --replace` or
  opened for writing by another program until they stop.

Both cases raise `StoreInUseError` ("store DIR is in use by another process (...); stop it or use
another --store").
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from kg.rdf.formats import existing_rdf_file, rdf_format, rdf_format_of
from kg.rdf.store_lock import LOCK_NAME as LOCK_NAME
from kg.rdf.store_lock import StoreError as StoreError
from kg.rdf.store_lock import StoreInUseError as StoreInUseError
from kg.rdf.store_lock import _exclusive, _lock_shared, _unlock

if TYPE_CHECKING:
    import pyoxigraph

META_NAME = "kg-store.json"
"""The file in a store directory that records what was loaded into it."""
_CURRENT = "CURRENT"  # RocksDB's pointer to its manifest: present in every store directory


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What `kg-store.json` records about a store; fields are None when unknown (e.g. a store
    made by another Oxigraph tool).

    >>> StoreInfo(Path("s"), source="g.nt", format="nt", triples=1234, loaded_at="2024-01-02T03:04:05Z",
    ...           seconds=0.5).describe()
    '1,234 triples from g.nt (N-Triples), loaded 2024-01-02T03:04:05Z in 0.5 s'
    """

    path: Path
    source: str | None = None
    format: str | None = None
    triples: int | None = None
    loaded_at: str | None = None
    seconds: float | None = None
    kg_version: str | None = None
    pyoxigraph_version: str | None = None

    def describe(self) -> str:
        """One line for messages: how many triples from which file, when."""
        count = f"{self.triples:,} triples" if self.triples is not None else "an unknown number of triples"
        source = f" from {self.source}" if self.source else ""
        label = f" ({rdf_format(self.format).name})" if self.format else ""
        when = f", loaded {self.loaded_at}" if self.loaded_at else ""
        took = f" in {self.seconds:.1f} s" if self.seconds is not None else ""
        return f"{count}{source}{label}{when}{took}"

    def to_json(self) -> dict[str, Any]:
        """The JSON object written to `kg-store.json`."""
        return {"kg_store": 1, "source": self.source, "format": self.format, "triples": self.triples,
                "loaded_at": self.loaded_at, "seconds": self.seconds, "kg_version": self.kg_version,
                "pyoxigraph_version": self.pyoxigraph_version}


def is_store(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a store directory (kg's, or any Oxigraph/RocksDB one).

    >>> is_store("no/such/dir")
    False
    """
    folder = Path(path)
    return folder.is_dir() and ((folder / _CURRENT).is_file() or (folder / META_NAME).is_file())


def store_info(path: str | os.PathLike[str]) -> StoreInfo:
    """What was loaded into the store at `path`, from its `kg-store.json` (without opening it).

    >>> store_info("no/such/dir")
    Traceback (most recent call last):
    ...
    kg.rdf.store_lock.StoreError: no store at no/such/dir; create one with `kg load GRAPH --store no/such/dir`
    """
    folder = Path(path)
    _check_store(folder)
    try:
        data = json.loads((folder / META_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return StoreInfo(folder)
    if not isinstance(data, dict):
        return StoreInfo(folder)
    triples = data.get("triples")
    seconds = data.get("seconds")
    return StoreInfo(
        folder,
        source=_text(data.get("source")),
        format=_text(data.get("format")),
        triples=triples if isinstance(triples, int) else None,
        loaded_at=_text(data.get("loaded_at")),
        seconds=float(seconds) if isinstance(seconds, int | float) else None,
        kg_version=_text(data.get("kg_version")),
        pyoxigraph_version=_text(data.get("pyoxigraph_version")),
    )


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None


def _check_store(folder: Path) -> None:
    if not folder.exists():
        raise StoreError(f"no store at {folder}; create one with `kg load GRAPH --store {folder}`")
    if not folder.is_dir():
        raise StoreError(f"{folder} is a file, not a store directory; give the directory `kg load` wrote")
    if not is_store(folder):
        raise StoreError(f"{folder} is not a store (no {_CURRENT} or {META_NAME} in it); "
                         f"create one with `kg load GRAPH --store {folder}`")


# --- loading -------------------------------------------------------------------------------------


def _versions() -> tuple[str, str]:
    import pyoxigraph

    from kg import __version__

    return __version__, pyoxigraph.__version__


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def create_store(
    graph: str | os.PathLike[str],
    store: str | os.PathLike[str],
    *,
    format: pyoxigraph.RdfFormat | str | None = None,
    replace: bool = False,
) -> StoreInfo:
    """Bulk-load an RDF file (kg's .ttl, .nt or .jsonld) into a new persistent store at `store`.

    The file is loaded into `STORE.tmp-XXXX` next to `store` (by a process of its own, which Ctrl-C
    stops at once: `kg.rdf.bulk`) and renamed into place once complete; on any error (a syntax
    error in the file, a full disk, Ctrl-C, SIGTERM) the temporary directory is removed and `store`
    is left as it was. One that a killed load left is removed by the next load (`kg.leftovers`).
    `store` must not exist, be an empty directory, or (with `replace=True`) be a store that no
    process is using. Returns what was loaded.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "g.nt").write_text('<http://x/a> <http://x/b> "c" .\\n')
    >>> create_store(folder / "g.nt", folder / "store").triples
    1
    >>> create_store(folder / "g.nt", folder / "store")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.rdf.store_lock.StoreError: store .../store already holds 1 triples from .../g.nt (N-Triples), ...; \
use --replace to load .../g.nt in its place
    """
    from kg import leftovers
    from kg.leftovers import claim, remove_leftovers
    from kg.rdf.bulk import bulk_load

    source = existing_rdf_file(graph)
    target = Path(store)
    fmt = rdf_format(format) if format is not None else rdf_format_of(source)
    existing = _existing_store(target, source, replace=replace)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(parent, f"{target.name}.tmp-*")  # of killed loads; never one still loading
        tmp = Path(tempfile.mkdtemp(prefix=f"{target.name}.tmp-", dir=parent))
        in_use = claim(tmp)
    except OSError as exc:
        raise StoreError(f"cannot create the store {target}: {exc.strerror or exc}") from exc
    try:
        start = time.perf_counter()
        triples = bulk_load(tmp, source, fmt.file_extension, fmt.name, target)  # in a process that Ctrl-C stops
        seconds = time.perf_counter() - start
        kg_version, ox_version = _versions()
        info = StoreInfo(
            target,
            source=str(source.resolve()),
            format=fmt.file_extension,
            triples=triples,
            loaded_at=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            seconds=round(seconds, 3),
            kg_version=kg_version,
            pyoxigraph_version=ox_version,
        )
        with open(tmp / META_NAME, "w", encoding="utf-8") as out:
            json.dump(info.to_json(), out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.unlink(tmp / leftovers.LOCK_NAME)  # still locked (by descriptor) until it has its name
        _swap_in(tmp, target, existing)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        os.close(in_use)
    _fsync_dir(parent)
    return info


def _existing_store(target: Path, source: Path, *, replace: bool) -> bool:
    """Whether `target` is a store to replace; raises when it may not be written."""
    if not target.exists():
        return False
    if not target.is_dir():
        raise StoreError(f"{target} is a file; give a new or empty directory for the store")
    if not any(target.iterdir()):
        return False
    if not is_store(target):
        raise StoreError(f"{target} is a directory that is not a store; give a new or empty directory")
    if not replace:
        raise StoreError(f"store {target} already holds {store_info(target).describe()}; "
                         f"use --replace to load {source} in its place")
    with _exclusive(target):  # fail now, before a long load, when it is in use
        pass
    return True


def _swap_in(tmp: Path, target: Path, existing: bool) -> None:
    """Move the loaded `tmp` into place at `target`, replacing the store there when `existing`."""
    if not existing:
        try:
            os.rename(tmp, target)  # atomic; fails when target is a non-empty directory
        except OSError as exc:
            raise StoreError(f"cannot move the new store into {target}: {exc.strerror or exc} "
                             "(did another load create it meanwhile?)") from exc
        return
    with _exclusive(target):
        old = Path(tempfile.mkdtemp(prefix=f"{target.name}.old-", dir=target.parent))
        os.rmdir(old)
        os.rename(target, old)
        try:
            os.rename(tmp, target)
        except OSError as exc:
            os.rename(old, target)
            raise StoreError(f"cannot move the new store into {target}: {exc.strerror or exc}") from exc
    shutil.rmtree(old, ignore_errors=True)


# --- reading -------------------------------------------------------------------------------------


class OpenStore:
    """A store opened read-only: `store` is the pyoxigraph Store; close it (or use `with`) to let
    `kg load --replace` and writers at it again.

    Any number of threads may query `store` at once.
    """

    def __init__(self, path: Path, store: pyoxigraph.Store, info: StoreInfo, key: tuple[int, int] | None) -> None:
        self.path = path
        self.store = store
        self.info = info
        self._key = key
        self._closed = False

    def close(self) -> None:
        """Release the lock (idempotent). Queries still running keep their view of the store."""
        if not self._closed:
            self._closed = True
            _unlock(self._key)

    def __enter__(self) -> OpenStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<OpenStore {self.path}: {self.info.describe()}>"


def open_store(path: str | os.PathLike[str]) -> OpenStore:
    """Open the store at `path` read-only, for queries; StoreInUseError when a process has it
    open for writing, StoreError when it is missing or not a store.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "g.nt").write_text('<http://x/a> <http://x/b> "c" .\\n')
    >>> _ = create_store(folder / "g.nt", folder / "store")
    >>> with open_store(folder / "store") as opened:
    ...     [str(s["o"].value) for s in opened.store.query("SELECT ?o WHERE { ?s ?p ?o }")]
    ['c']
    """
    import pyoxigraph

    folder = Path(path)
    _check_store(folder)
    for _ in range(3):
        key = _lock_shared(folder)
        try:
            if key is not None:  # the store may have been swapped by `kg load --replace` meanwhile
                st = os.stat(folder / LOCK_NAME)
                if (st.st_dev, st.st_ino) != key:
                    _unlock(key)
                    continue
            try:
                store = pyoxigraph.Store.read_only(str(folder))
            except OSError as exc:
                raise StoreError(f"cannot open the store {folder}: {' '.join(str(exc).split())}") from None
        except BaseException:
            _unlock(key)
            raise
        return OpenStore(folder, store, store_info(folder), key)
    raise StoreError(f"store {folder} kept changing while being opened (is `kg load --replace` looping?)")

"""The knowledge base of known entities: records read from `ontology/entities/*.jsonl`.

Both extraction (which names to look for) and linking (which entity a name means) read it, so the
records and their reader live here, apart from either stage. The files ship inside the installed
package as `kg.ontology.entities`; a source checkout also finds them in `ontology/entities/`.
Records look like ``{"id": "dataset/cifar-10", "name": "CIFAR-10", "type": "DATASET", "aliases": ["CIFAR10"]}``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.types import LABELS, Label

_PACKAGE = "kg.ontology.entities"
_SOURCE_TREE = Path(__file__).resolve().parents[1] / "ontology" / "entities"


@dataclass(frozen=True, slots=True)
class KBEntry:
    """One known entity: a stable id ("dataset/cifar-10"), its name, type and other names.

    >>> KBEntry.from_json({"id": "metric/f1", "name": "F1", "type": "METRIC", "aliases": ["F-score"]})
    KBEntry(id='metric/f1', name='F1', type='METRIC', aliases=('F-score',))
    """

    id: str
    name: str
    type: Label
    aliases: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        """The name followed by the aliases."""
        return (self.name, *self.aliases)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type, "aliases": list(self.aliases)}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> KBEntry:
        """Parse one record; raises ValueError naming what is wrong."""
        ident, name, kind = obj.get("id"), obj.get("name"), obj.get("type")
        aliases = obj.get("aliases") or []
        if not isinstance(ident, str) or not ident:
            raise ValueError("record has no string 'id'")
        if not isinstance(name, str) or not name:
            raise ValueError(f"{ident}: record has no string 'name'")
        if kind not in LABELS:
            raise ValueError(f"{ident}: unknown type {kind!r}; use one of {', '.join(LABELS)}")
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ValueError(f"{ident}: 'aliases' must be a list of strings")
        return cls(id=ident, name=name, type=kind, aliases=tuple(aliases))


def read_kb(paths: Iterable[Path | str] | None = None) -> Iterator[KBEntry]:
    """Every record of the given JSONL files or directories (their ``*.jsonl``, in name order).

    Without paths, the files shipped in the package; a bad record raises `InputError` naming the
    file and line.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "m.jsonl").write_text('{"id": "method/bert", "name": "BERT", "type": "METHOD"}\\n')
    >>> [e.id for e in read_kb([d])]
    ['method/bert']
    """
    files: list[Path | Traversable] = []
    if paths is None:
        files = packaged_kb_files()
    else:
        for path in map(Path, paths):
            files.extend(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])
    for file in files:
        yield from _read(file)


def packaged_kb_files() -> list[Path | Traversable]:
    roots: list[Path | Traversable] = []
    with contextlib.suppress(ModuleNotFoundError, FileNotFoundError, TypeError):
        roots.append(resources.files(_PACKAGE))
    roots.append(_SOURCE_TREE)
    for root in roots:
        if root.is_dir():
            found = sorted((f for f in root.iterdir() if f.name.endswith(".jsonl")), key=lambda f: f.name)
            if found:
                return list(found)
    return []


def _read(file: Path | Traversable) -> Iterator[KBEntry]:
    source = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read knowledge base: {exc.strerror or exc}", source=source) from exc
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("a record must be a JSON object")
            yield KBEntry.from_json(obj)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            raise InputError(f"bad knowledge-base record: {exc}", source=source, line=number) from exc

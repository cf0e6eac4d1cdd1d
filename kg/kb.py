"""The knowledge base of known entities: records read from `ontology/entities/*.jsonl`.

Both extraction (which names to look for) and linking (which entity a name means) read it, so the
records and their reader live here, apart from either stage. The files ship inside the installed
package as `kg.ontology.entities`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.types import LABELS, Label


@dataclass(frozen=True, slots=True)
class KBEntry:
    """One known entity: a stable id, its canonical name, its type and the other ways to write it.

    >>> e = KBEntry("dataset/cifar-10", "CIFAR-10", "DATASET", ("CIFAR10",))
    >>> e.names
    ('CIFAR-10', 'CIFAR10')
    """

    id: str
    name: str
    type: Label
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name followed by every alias."""
        return (self.name, *self.aliases)

    @classmethod
    def from_json(cls, obj: dict[str, Any], *, source: str = "", line: int | None = None) -> KBEntry:
        """Checks the fields so that a broken entry is named by file and line."""
        try:
            label = obj["type"]
            if label not in LABELS:
                raise InputError(f"unknown type {label!r}; use one of {', '.join(LABELS)}", source=source,
                                 line=line)
            aliases = obj.get("aliases") or []
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise InputError("'aliases' must be a list of strings", source=source, line=line)
            return cls(id=str(obj["id"]), name=str(obj["name"]), type=label, aliases=tuple(aliases))
        except KeyError as exc:
            raise InputError(f"knowledge-base entry lacks {exc.args[0]!r}", source=source, line=line) from None


def packaged_kb_files() -> list[Path]:
    """The knowledge-base files shipped in the package, sorted by name."""
    root = resources.files("kg.ontology.entities")
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".jsonl"))


def read_kb(paths: Iterable[str | Path] | None = None) -> Iterator[KBEntry]:
    """Every entry of the given JSONL files (the packaged knowledge base when `paths` is None)."""
    for path in packaged_kb_files() if paths is None else [Path(p) for p in paths]:
        try:
            handle = path.open(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read knowledge base: {exc.strerror}", source=str(path)) from None
        with handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"bad JSON: {exc.msg}", source=str(path), line=number) from None
                yield KBEntry.from_json(obj, source=str(path), line=number)

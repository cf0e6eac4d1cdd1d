"""Checks on the shipped knowledge-base files in ontology/entities/*.jsonl.

The files are read as plain text relative to the repository, so these tests need neither spaCy nor
an installed package.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ENTITY_DIR = Path(__file__).parents[1] / "ontology" / "entities"
FILES = {
    "methods.jsonl": ("METHOD", 350),
    "datasets.jsonl": ("DATASET", 350),
    "metrics.jsonl": ("METRIC", 170),
    "tasks.jsonl": ("TASK", 170),
}
KEYS = {"id", "name", "type", "aliases"}
ID_PATTERN = re.compile(r"^(method|dataset|metric|task)/[a-z0-9]+(-[a-z0-9]+)*$")


def _load(filename: str) -> list[dict[str, Any]]:
    path = ENTITY_DIR / filename
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{filename}:{number}: blank line"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:  # pragma: no cover - only reached on a broken file
            pytest.fail(f"{filename}:{number}: bad JSON: {exc.msg}")
        assert isinstance(obj, dict), f"{filename}:{number}: not a JSON object"
        entries.append(obj)
    return entries


@pytest.fixture(scope="module")
def kb() -> dict[str, list[dict[str, Any]]]:
    return {filename: _load(filename) for filename in FILES}


@pytest.mark.parametrize("filename", sorted(FILES))
def test_file_exists(filename: str) -> None:
    assert (ENTITY_DIR / filename).is_file()


@pytest.mark.parametrize("filename", sorted(FILES))
def test_keys_and_field_types(kb: dict[str, list[dict[str, Any]]], filename: str) -> None:
    for entry in kb[filename]:
        assert set(entry) == KEYS, entry
        assert isinstance(entry["id"], str)
        assert isinstance(entry["name"], str) and entry["name"].strip() == entry["name"] != ""
        assert isinstance(entry["aliases"], list)
        assert all(isinstance(a, str) and a.strip() == a != "" for a in entry["aliases"]), entry


@pytest.mark.parametrize("filename", sorted(FILES))
def test_ids_well_formed_and_type_matches(kb: dict[str, list[dict[str, Any]]], filename: str) -> None:
    label, _ = FILES[filename]
    for entry in kb[filename]:
        assert ID_PATTERN.match(entry["id"]), entry["id"]
        assert entry["type"] == label, entry["id"]
        assert entry["id"].split("/", 1)[0] == label.lower(), entry["id"]


def test_ids_unique_across_files(kb: dict[str, list[dict[str, Any]]]) -> None:
    counts = Counter(entry["id"] for entries in kb.values() for entry in entries)
    assert [i for i, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("filename", sorted(FILES))
def test_name_not_among_own_aliases(kb: dict[str, list[dict[str, Any]]], filename: str) -> None:
    for entry in kb[filename]:
        assert entry["name"] not in entry["aliases"], entry["id"]
        assert len(set(entry["aliases"])) == len(entry["aliases"]), entry["id"]


@pytest.mark.parametrize("filename", sorted(FILES))
def test_no_alias_repeated_within_type(kb: dict[str, list[dict[str, Any]]], filename: str) -> None:
    owners: dict[str, set[str]] = {}
    for entry in kb[filename]:
        for alias in entry["aliases"]:
            owners.setdefault(alias, set()).add(entry["id"])
    assert {a: sorted(ids) for a, ids in owners.items() if len(ids) > 1} == {}


@pytest.mark.parametrize("filename", sorted(FILES))
def test_no_alias_is_another_entrys_name(kb: dict[str, list[dict[str, Any]]], filename: str) -> None:
    names = {entry["name"]: entry["id"] for entry in kb[filename]}
    clashes = {
        alias: (entry["id"], names[alias])
        for entry in kb[filename]
        for alias in entry["aliases"]
        if alias in names and names[alias] != entry["id"]
    }
    assert clashes == {}


@pytest.mark.parametrize("filename", sorted(FILES))
def test_names_unique_within_type(kb: dict[str, list[dict[str, Any]]], filename: str) -> None:
    counts = Counter(entry["name"] for entry in kb[filename])
    assert [n for n, c in counts.items() if c > 1] == []


@pytest.mark.parametrize("filename", sorted(FILES))
def test_minimum_counts(kb: dict[str, list[dict[str, Any]]], filename: str) -> None:
    _, minimum = FILES[filename]
    assert len(kb[filename]) >= minimum


@pytest.mark.parametrize(
    ("filename", "entity_id", "alias"),
    [
        ("methods.jsonl", "method/bert", "Bidirectional Encoder Representations from Transformers"),
        ("methods.jsonl", "method/large-language-model", "LLMs"),
        ("datasets.jsonl", "dataset/cifar-10", "CIFAR10"),
        ("metrics.jsonl", "metric/f1-score", "F1"),
        ("tasks.jsonl", "task/named-entity-recognition", "NER"),
    ],
)
def test_known_examples_present(
    kb: dict[str, list[dict[str, Any]]], filename: str, entity_id: str, alias: str
) -> None:
    by_id = {entry["id"]: entry for entry in kb[filename]}
    assert entity_id in by_id
    assert alias in by_id[entity_id]["aliases"]

"""The paths the tests share: the repository, its example corpus and gold, the test fixtures, and
`../shared` (real corpus and gold sets; tests that need it skip when it is absent)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "abstracts.jsonl"
GOLD_CLAIMS = ROOT / "gold" / "claims.jsonl"
FIXTURES = ROOT / "tests" / "fixtures"
INGEST_FIXTURES = FIXTURES / "ingest"
RDF_FIXTURES = FIXTURES / "rdf"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SHARED_GOLD = SHARED / "gold"

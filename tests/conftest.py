"""Fixtures every test file may use: the paths of `tests.paths`, the two spaCy pipelines (built once
per session: building one costs a second or more), the CLI runner, a fast build of the example
corpus (session-wide, to be read, not written), and the hostile graph of `tests.view_graphs`.

`make test-fast` runs every test not marked `slow` (each slow one takes more than ~1.3 s); `make test`
runs them all.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from spacy.language import Language

from tests.paths import CORPUS, EXAMPLES, ROOT


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def examples() -> Path:
    """The example corpus of `make demo` (24 fictional abstracts written for kg)."""
    return EXAMPLES


@pytest.fixture(scope="session")
def corpus() -> Path:
    """`../shared/corpus`, the real listing pages; the test skips without it."""
    if not CORPUS.is_dir():
        pytest.skip("needs ../shared/corpus")
    return CORPUS


@pytest.fixture(scope="session")
def nlp_fast() -> Language:
    """The "fast" extraction pipeline (rules and knowledge base), built once."""
    from kg.extract import build_nlp

    return build_nlp("fast")


@pytest.fixture(scope="session")
def nlp_default() -> Language:
    """The "default" extraction pipeline (with the trained tagger), built once."""
    from kg.extract import build_nlp

    return build_nlp("default")


@pytest.fixture
def runner() -> CliRunner:
    """click's runner for the `kg` command (`runner.invoke(main, [...])`)."""
    return CliRunner()


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `--fast` build of the example corpus, without the HTML page; tests read it, never write into it."""
    from kg.build import BuildOptions, build

    out = tmp_path_factory.mktemp("example-build")
    build([EXAMPLES], out, BuildOptions(pipeline="fast", html=False))
    return out


@pytest.fixture
def hostile_graph() -> nx.MultiDiGraph:
    """A small kg graph whose titles, labels, aliases and sentences hold HTML and script."""
    from tests.view_graphs import hostile_graph as make

    return make()


SLOW_DOCTESTS = {
    "kg.build.build",
    "kg.extract.pipeline.build_nlp",
    "kg.jobs.score_gold",
    "kg.jobs.extract_to_file",
    "kg.extract.claims_component.find_claims_in_doc",
}
"""Doctests that take more than ~1.3 s (they build a pipeline or a whole example)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the doctests of `SLOW_DOCTESTS` slow (a doctest cannot carry a marker itself)."""
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.name in SLOW_DOCTESTS:
            item.add_marker(pytest.mark.slow)

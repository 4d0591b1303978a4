"""docs/addons.md: its tables are the registry's and the scenarios', its examples run."""

from __future__ import annotations

from typing import Any

import pytest

from clusterready.addons import REGISTRY, reference_table
from clusterready.testing import scenarios
from test_docs import DOCS, blocks


def test_the_tables_are_generated_from_the_registry_and_the_scenarios() -> None:
    """docs/addons.md's tables are reference_table()s: regenerate them, never edit them."""
    text = (DOCS / "addons.md").read_text()
    assert reference_table() + "\n" in text
    assert scenarios.reference_table() + "\n" in text
    for name in REGISTRY:
        assert f"| `{name}`" in text
    for name in scenarios.BREAKAGES:
        assert f"| `{name}` |" in text


def test_the_examples_run(pytester: pytest.Pytester) -> None:
    """Its python blocks run in order; the block holding tests runs as a test module."""
    ran = modules = 0
    namespace: dict[str, Any] = {}
    for block in blocks(DOCS / "addons.md", "python"):
        if "def test_" in block:
            pytester.makepyfile(**{f"test_doc_{modules}": block})
            modules += 1
            continue
        exec(compile(block, "docs/addons.md", "exec"), namespace)
        ran += 1
    assert ran >= 2
    assert modules == 1
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1 + len(scenarios.BREAKAGES))

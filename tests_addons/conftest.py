"""The add-on suite's own wiring: every test here is marked ``addons`` and ``kube``,
so ``pytest -m addons`` selects exactly this suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterready.suites import mark_suite


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_suite(items, "addons", Path(__file__).parent)

"""Fixtures of clusterready's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture(autouse=True)
def _no_spec_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's CLUSTERREADY_SPEC must not leak into the tests."""
    monkeypatch.delenv("CLUSTERREADY_SPEC", raising=False)

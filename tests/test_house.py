"""The habits of the house: one version, told the same everywhere; a changelog for it."""

from __future__ import annotations

import importlib.metadata
import re

import clusterready
from clusterready.version import __version__
from conftest import ROOT


def test_the_installed_version_is_the_source_s() -> None:
    """pyproject.toml reads version.py; a stale install (reinstall: make) shows here."""
    assert importlib.metadata.version("clusterready") == __version__ == clusterready.__version__


def test_the_changelog_has_unreleased_and_this_version() -> None:
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert headings[0] == "Unreleased"
    assert __version__ in headings

"""What both shipped suites share.

Every test under tests_preflight/ is a preflight check that calls AWS; every
test under tests_addons/ is an add-on check that reads the Kubernetes API. The
markers come from the location, so `pytest -m preflight` selects exactly the
preflight suite and no test can forget its marker.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).parent
SUITE_MARKERS = {
    ROOT / "tests_preflight": ("preflight", "aws"),
    ROOT / "tests_addons": ("addons", "kube"),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for suite, markers in SUITE_MARKERS.items():
            if item.path.is_relative_to(suite):
                for name in markers:
                    item.add_marker(name)

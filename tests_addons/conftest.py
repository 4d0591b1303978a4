"""The add-on suite's own wiring: every test here is marked ``addons`` and ``kube``,
so ``pytest -m addons`` selects exactly this suite; ``addon_checks`` is the checks of
the add-on a module is marked with."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterready.addons import lookup
from clusterready.addons.checks import AddOnChecks
from clusterready.kube import Cluster
from clusterready.retry import Eventually
from clusterready.spec import ClusterSpec
from clusterready.suites import mark_suite


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_suite(items, "addons", Path(__file__).parent)


@pytest.fixture
def addon_checks(
    request: pytest.FixtureRequest, kube: Cluster, cluster_spec: ClusterSpec, eventually: Eventually
) -> AddOnChecks:
    """:class:`~clusterready.addons.checks.AddOnChecks` of the test's add-on
    (``pytest.mark.addon``), with the spec's version of it and the run's retry cap."""
    mark = request.node.get_closest_marker("addon")
    if mark is None:
        raise pytest.UsageError(f"{request.node.nodeid}: addon_checks needs @pytest.mark.addon")
    addon = lookup(mark.args[0])
    if addon is None:
        raise pytest.UsageError(f"{request.node.nodeid}: no add-on {mark.args[0]!r} is known")
    names = (addon.name, *addon.aliases)
    version = next(filter(None, map(cluster_spec.addon_version, names)), None)
    return AddOnChecks(kube, addon, version, eventually)

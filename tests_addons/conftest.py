"""The add-on suite's own wiring: every test here is marked ``addons`` and ``kube``,
so ``pytest -m addons`` selects exactly this suite; ``addon_checks`` is the checks of
the add-on a module is marked with."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterready.addons import lookup, parse_spec_version
from clusterready.addons.checks import AddOnChecks
from clusterready.errors import SpecError
from clusterready.kube import Cluster
from clusterready.plugin import spec_of
from clusterready.retry import Eventually
from clusterready.spec import ClusterSpec
from clusterready.suites import mark_suite


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mark_suite(items, "addons", Path(__file__).parent)
    _check_versions(spec_of(config), items)
    # The cluster-level checks last: an add-on that is still starting fails (or passes)
    # its own checks first, where the report names its workloads, and kube-system's pods
    # are looked at once the add-ons' checks have waited for them.
    items.sort(key=_cluster_level)


def _cluster_level(item: pytest.Item) -> bool:
    mark = item.get_closest_marker("addon")
    return mark is not None and mark.args[:1] == ("cluster",)


def _check_versions(spec: ClusterSpec, items: list[pytest.Item]) -> None:
    """A spec version of a checked add-on that is no version (``latest``) is bad input:
    exit 4 before anything reads the cluster, not a failure of its version check."""
    marks = (m for i in items for m in i.iter_markers("addon"))
    for name in {str(m.args[0]) for m in marks if m.args}:
        addon, version = lookup(name), spec.addon_version(name)
        if addon is not None and version is not None and spec.addon_enabled(name):
            try:
                parse_spec_version(version, addon=addon.name)
            except SpecError as err:
                raise pytest.UsageError(f"clusterready: {err}") from None


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

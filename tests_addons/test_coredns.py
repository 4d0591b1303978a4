"""CoreDNS, the cluster DNS: its Deployment rolled out, its pods Ready, the spec's
version running, the Service kube-dns with ready endpoints.

Driven by the add-on registry (clusterready.addons); skipped when the spec says
coredns is `none` or does not list it.
"""

from __future__ import annotations

import pytest

from clusterready.addons.checks import AddOnChecks

pytestmark = pytest.mark.addon("coredns")


def test_rolled_out(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_rolled_out()


def test_pods_ready(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_pods_ready()


def test_runs_the_spec_version(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_version()


def test_serving(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_serving()

"""aws-load-balancer-controller: its Deployment rolled out, its pods Ready, the spec's
version running, its webhooks' Service with ready endpoints, its CRDs Established.

Driven by the add-on registry (clusterready.addons); skipped when the spec says
aws-load-balancer-controller is `none` or does not list it.
"""

from __future__ import annotations

import pytest

from clusterready.addons.checks import AddOnChecks

pytestmark = pytest.mark.addon("aws-load-balancer-controller")


def test_rolled_out(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_rolled_out()


def test_pods_ready(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_pods_ready()


def test_runs_the_spec_version(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_version()


def test_serving(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_serving()

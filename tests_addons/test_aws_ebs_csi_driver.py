"""aws-ebs-csi-driver: its controller Deployment rolled out and its node DaemonSet on every
eligible node, their pods Ready, the spec's version running, the CSIDriver registered.

Driven by the add-on registry (clusterready.addons); skipped when the spec says
aws-ebs-csi-driver is `none` or does not list it.
"""

from __future__ import annotations

import pytest

from clusterready.addons.checks import AddOnChecks

pytestmark = pytest.mark.addon("aws-ebs-csi-driver")


def test_rolled_out(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_rolled_out()


def test_pods_ready(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_pods_ready()


def test_runs_the_spec_version(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_version()


def test_serving(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_serving()

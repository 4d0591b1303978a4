"""fluent-bit (aws-for-fluent-bit), the logging agent: its DaemonSet on every eligible node,
its pods Ready, the spec's version running.

Driven by the add-on registry (clusterready.addons); skipped when the spec says
fluent-bit is `none` or does not list it.
"""

from __future__ import annotations

import pytest

from clusterready.addons.checks import AddOnChecks

pytestmark = pytest.mark.addon("fluent-bit")


def test_rolled_out(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_rolled_out()


def test_pods_ready(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_pods_ready()


def test_runs_the_spec_version(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_version()

"""metrics-server: two pods, one service, both pods running, the metrics API served.

The checks of the BATS validation stage, as DETIK sentences, then the registry's
readiness checks in plain Python (rolled out, pods Ready, the spec's version, the
Service and the APIService answering); skipped when the spec says metrics-server
is `none` or does not list it.
"""

from __future__ import annotations

import pytest

from clusterready.addons.checks import AddOnChecks
from clusterready.detik import Detik

pytestmark = pytest.mark.addon("metrics-server")


def test_two_pods(detik: Detik) -> None:
    detik.verify("there are 2 pods named '^metrics-server-'")


def test_one_service(detik: Detik) -> None:
    detik.verify("there is 1 service named '^metrics-server$'")


def test_both_pods_run(detik: Detik) -> None:
    detik.try_(
        "at most 12 times every 5s to find 2 pods named '^metrics-server-' "
        "with 'status' being 'running'"
    )


def test_metrics_api_is_available(detik: Detik) -> None:
    detik.try_(
        "at most 12 times every 5s to get apiservices named '^v1beta1\\.metrics\\.k8s\\.io$' "
        "and verify that '.status.conditions[?(@.type==\"Available\")].status' is 'true'"
    )


# The readiness checks of the registry (clusterready.addons.checks), in plain Python.


def test_rolled_out(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_rolled_out()


def test_pods_ready(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_pods_ready()


def test_runs_the_spec_version(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_version()


def test_serving(addon_checks: AddOnChecks) -> None:
    addon_checks.assert_serving()

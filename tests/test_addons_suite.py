"""The shipped add-on suite (tests_addons/) against FakeCluster states."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clusterready.testing import FakeCluster, load_objects, scenarios
from conftest import ROOT


def run_suite(
    pytester: pytest.Pytester, fake: FakeCluster, *args: str
) -> tuple[int, dict[str, Any]]:
    """The shipped suite, as `pytest tests_addons` runs it in this repository."""
    report = pytester.path / "summary.json"
    result = pytester.runpytest(
        "--rootdir",
        str(ROOT),
        "-c",
        str(ROOT / "pyproject.toml"),
        str(ROOT / "tests_addons"),
        "-p",
        "no:cacheprovider",
        "--kubeconfig",
        fake.kubeconfig,
        "--namespace",
        "kube-system",
        "--json-report",
        str(report),
        "--detik-max-attempts",
        "1",
        *args,
    )
    return int(result.ret), json.loads(report.read_text())


def outcomes(summary: dict[str, Any]) -> dict[str, str]:
    return {t["id"].split("::")[1]: t["outcome"] for t in summary["tests"]}


def test_healthy_metrics_server_passes(pytester: pytest.Pytester) -> None:
    with scenarios.cluster() as fake:
        code, summary = run_suite(pytester, fake, "--param", "METRICS-SERVER=v0.7.2")
    assert code == 0, summary
    ran = {t["id"]: t["outcome"] for t in summary["tests"] if t["outcome"] != "skipped"}
    assert set(ran.values()) == {"passed"}
    modules = [test_id.split("::")[0].rsplit("/", 1)[1] for test_id in ran]
    # its DETIK sentences and the registry's readiness checks, and the cluster-level checks
    assert sorted(set(modules)) == ["test_cluster.py", "test_metrics_server.py"]
    assert modules.count("test_metrics_server.py") == 8


def test_pending_pods_fail_with_the_observed_state(
    pytester: pytest.Pytester, fake_cluster: FakeCluster
) -> None:
    for obj in load_objects(ROOT / "examples" / "demo-cluster.yaml"):
        fake_cluster.apply(obj)
    code, summary = run_suite(
        pytester, fake_cluster, "--param", "METRICS-SERVER=v0.7.2", "-k", "addon[metrics-server]"
    )
    assert code == 1
    assert {k: v for k, v in outcomes(summary).items() if v != "skipped"} == {
        "test_two_pods": "passed",
        "test_one_service": "passed",
        "test_both_pods_run": "failed",
        "test_metrics_api_is_available": "failed",
        "test_rolled_out": "failed",
        "test_pods_ready": "failed",
        "test_runs_the_spec_version": "passed",
        "test_serving": "failed",
    }
    failed = {t["id"].split("::")[1]: t["message"] for t in summary["tests"]}
    assert failed["test_both_pods_run"].endswith(
        "2 pods named '^metrics-server-' expected with 'status' being 'running', 0 found: "
        "metrics-server-7d9f8b6c5-q8wz1 is 'Pending', metrics-server-7d9f8b6c5-x2k4p is "
        "'Pending' (1 attempt in " + failed["test_both_pods_run"].rsplit(" in ", 1)[1]
    )
    assert failed["test_rolled_out"].startswith(
        "clusterready.errors.CheckFailed: Deployment kube-system/metrics-server: 0 of 2 replicas "
        "ready, 0 updated, 0 available (after 1 attempt in "
    ), failed["test_rolled_out"]


def test_metrics_server_none_skips_the_suite(
    pytester: pytest.Pytester, fake_cluster: FakeCluster
) -> None:
    code, summary = run_suite(
        pytester, fake_cluster, "--param", "METRICS-SERVER=none", "-k", "addon[metrics-server]"
    )
    assert code == 5  # nothing was checked: never a pass (docs/exit-codes.md)
    assert set(outcomes(summary).values()) == {"skipped"}
    assert fake_cluster.requests == []  # skipped checks never touch the cluster


@pytest.mark.parametrize("attempts", ["0", "-1"])
def test_bad_max_attempts_is_a_usage_error(pytester: pytest.Pytester, attempts: str) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--detik-max-attempts", attempts)
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        [f"ERROR: clusterready: --max-attempts: expected at least 1, found {attempts}"]
    )

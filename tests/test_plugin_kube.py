"""The plugin's kube fixtures: the `kube` Cluster of the spec, and `fake_cluster`."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterready.testing import FakeCluster

USES_KUBE = """
def test_pods(kube):
    assert kube.namespace == "kube-system"
    assert [p["metadata"]["name"] for p in kube.list("pods")] == ["metrics-server-1"]
"""


def test_kube_fixture_follows_the_spec_and_options(
    pytester: pytest.Pytester, fake_cluster: FakeCluster
) -> None:
    fake_cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "metrics-server-1", "namespace": "kube-system"},
        }
    )
    pytester.makepyfile(USES_KUBE)
    result = pytester.runpytest(
        "--kubeconfig", fake_cluster.kubeconfig, "--namespace", "kube-system"
    )
    assert result.ret == 0, result.stdout.str()


def test_unreachable_cluster_is_exit_75(pytester: pytest.Pytester, gone_kubeconfig: Path) -> None:
    pytester.makepyfile(USES_KUBE)
    result = pytester.runpytest(  # the shortest request budget (1 s): few retries to wait for
        "--kubeconfig",
        str(gone_kubeconfig),
        "--namespace",
        "kube-system",
        "--set",
        "run.retry_deadline=1",
    )
    assert result.ret == 75
    result.stdout.fnmatch_lines(
        [
            "*::test_pods: CannotEvaluate: cluster 'fake': cannot read discovery: connection "
            "refused (http://127.0.0.1:*)*"
        ]
    )


def test_missing_kubeconfig_is_exit_75_with_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_KUBE)
    result = pytester.runpytest("--kubeconfig", "nope.yaml")
    assert result.ret == 75
    result.stdout.fnmatch_lines(
        ["*::test_pods: CannotEvaluate: kubeconfig nope.yaml: file not found"]
    )

"""The `detik` fixture and the collection-time lint, black-box through pytester."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterready.testing import FakeCluster


def pod(name: str, phase: str, namespace: str = "kube-system") -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "status": {"phase": phase},
    }


BAD_SENTENCE = """
def test_fine(detik):
    detik.verify("there are 2 pods named 'metrics-server'")

def test_typo(detik):
    detik.try_("at most 5 times every 30s to find 2 pods nammed 'metrics-server' "
               "with 'status' being 'running'")
"""


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_bad_sentence_stops_the_run_before_any_request(
    pytester: pytest.Pytester, fake_cluster: FakeCluster, xdist: list[str]
) -> None:
    pytester.makepyfile(test_checks=BAD_SENTENCE)
    result = pytester.runpytest("--kubeconfig", fake_cluster.kubeconfig, *xdist)
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        [
            "ERROR: test_checks.py:5: column 42: expected 'named', found 'nammed' in "
            "\"at most 5 times every 30s to find 2 pods nammed 'metrics-server' with 'status' "
            "being 'running'\""
        ]
    )
    assert fake_cluster.requests == []


def test_detik_fixture_reads_the_cluster(
    pytester: pytest.Pytester, fake_cluster: FakeCluster
) -> None:
    fake_cluster.apply(pod("metrics-server-1", "Running"))
    fake_cluster.apply(pod("metrics-server-2", "Running"))
    pytester.makepyfile("""
        def test_metrics_server(detik):
            outcome = detik.verify("there are 2 pods named 'metrics-server'")
            assert outcome.attempts == 1
            detik.verify("'status' is 'running' for pods named 'metrics-server'")
    """)
    result = pytester.runpytest(
        "--kubeconfig", fake_cluster.kubeconfig, "--namespace", "kube-system"
    )
    assert result.ret == 0, result.stdout.str()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DETIK_CLIENT_NAMESPACE": "kube-system"}, 2),
        ({"DETIK_CLIENT_NAMESPACE_ALL": "TRUE"}, 3),
        ({}, 0),  # the context's namespace: default
    ],
)
def test_detik_namespace_variables(
    pytester: pytest.Pytester,
    fake_cluster: FakeCluster,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    expected: int,
) -> None:
    fake_cluster.apply(pod("metrics-server-1", "Running"))
    fake_cluster.apply(pod("metrics-server-2", "Running"))
    fake_cluster.apply(pod("metrics-server-3", "Running", namespace="monitoring"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(f"""
        def test_count(detik):
            detik.verify("there are {expected} pods named 'metrics-server'")
    """)
    assert pytester.runpytest("--kubeconfig", fake_cluster.kubeconfig).ret == 0


def test_the_namespace_option_wins_over_the_variables(
    pytester: pytest.Pytester, fake_cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_cluster.apply(pod("metrics-server-3", "Running", namespace="monitoring"))
    monkeypatch.setenv("DETIK_CLIENT_NAMESPACE", "kube-system")
    pytester.makepyfile("""
        def test_count(detik):
            detik.verify("there is 1 pod named 'metrics-server'")
    """)
    result = pytester.runpytest(
        "--kubeconfig", fake_cluster.kubeconfig, "--namespace", "monitoring"
    )
    assert result.ret == 0


def test_a_failure_points_at_the_users_line_and_shows_what_was_seen(
    pytester: pytest.Pytester, fake_cluster: FakeCluster
) -> None:
    fake_cluster.apply(pod("metrics-server-1", "Running"))
    fake_cluster.apply(pod("metrics-server-2", "Pending"))
    pytester.makepyfile(
        test_ms="""
        def test_pods_run(detik):
            detik.try_("at most 2 times every 0s to find 2 pods named 'metrics-server' "
                       "with 'status' being 'running'")
    """
    )
    result = pytester.runpytest(
        "--kubeconfig",
        fake_cluster.kubeconfig,
        "--namespace",
        "kube-system",
        "--json-report",
        "r.json",
    )
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            ">       detik.try_(*",
            "E       clusterready.errors.CheckFailed: 2 pods named 'metrics-server' expected "
            "with 'status' being 'running', 1 found: metrics-server-2 is 'Pending' (2 attempts "
            "in *s)",
            "E         try \"at most 2 times every 0s to find 2 pods named 'metrics-server' with "
            "'status' being 'running'\"",
            "E         query: pods in namespace 'kube-system', property .status.phase",
            "E         last attempt:",
            "E           metrics-server-1 has the right value (running).",
            "E           Current value for metrics-server-2 is pending...",
            "E           Expected 2 pods named metrics-server to have this value (running). "
            "Found 1.",
            "E         observed (name, value):",
            "E           metrics-server-1  Running",
            "E           metrics-server-2  Pending",
            "test_ms.py:2: CheckFailed",
        ]
    )
    assert "engine.py" not in result.stdout.str()  # __tracebackhide__


def test_a_retry_succeeds_when_the_pod_becomes_running(
    pytester: pytest.Pytester, fake_cluster: FakeCluster
) -> None:
    fake_cluster.apply(pod("metrics-server-1", "Running"))
    fake_cluster.apply(pod("metrics-server-2", "Pending"))
    fake_cluster.schedule(0.5, pod("metrics-server-2", "Running"), after="/pods$")
    pytester.makepyfile("""
        def test_pods_run(detik):
            outcome = detik.try_("at most 10 times every 1s to find 2 pods named "
                                 "'metrics-server' with 'status' being 'running'")
            assert outcome.attempts in (2, 3)  # the first list sees Pending, a retry Running
    """)
    result = pytester.runpytest(
        "--kubeconfig", fake_cluster.kubeconfig, "--namespace", "kube-system"
    )
    assert result.ret == 0, result.stdout.str()


@pytest.mark.slow  # its retries wait in real time; tests/test_plugin_kube.py has one fast
def test_an_unreachable_cluster_during_a_try_is_exit_75(
    pytester: pytest.Pytester, gone_kubeconfig: Path
) -> None:
    pytester.makepyfile("""
        def test_pods_run(detik):
            detik.try_("at most 2 times every 0s to find 2 pods named 'x' with 'status' "
                       "being 'running'")
    """)
    # the request's budget is its shortest (1 s), so that its retries take little time
    result = pytester.runpytest(
        "--kubeconfig", str(gone_kubeconfig), "--set", "run.retry_deadline=1"
    )
    assert result.ret == 75
    result.stdout.fnmatch_lines(
        [
            "*CannotEvaluate: cluster 'fake': cannot read discovery: "
            # the request gave up after its budget: no second attempt of the try
            "connection refused*last of 1 attempts of: at most 2 times*"
        ]
    )

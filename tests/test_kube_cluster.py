"""clusterready.kube.Cluster against FakeCluster: lists, discovery, selectors, faults."""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from clusterready.errors import CannotEvaluate
from clusterready.kube import Cluster, RequestPolicy, UnknownResourceType
from clusterready.testing import FakeCluster


class Sleeps(list[float]):
    """An injected sleep that records instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def names(objects: list[dict[str, Any]]) -> list[str]:
    return [o["metadata"]["name"] for o in objects]


@pytest.fixture
def cluster(state_cluster: FakeCluster) -> Cluster:
    return Cluster.from_kubeconfig(state_cluster.kubeconfig)


def test_context_name_and_namespace_come_from_the_kubeconfig(cluster: Cluster) -> None:
    assert (cluster.name, cluster.namespace) == ("fake", "default")


def test_list_defaults_to_the_context_namespace(cluster: Cluster) -> None:
    assert names(cluster.list("pods")) == []
    assert names(cluster.list("pods", namespace="demo")) == [
        "batch-job-42-xk2p9",
        "nginx-6799fc88d8-yy8wj",
        "nginx-6799fc88d8-zz9xk",
    ]


def test_namespace_override(state_cluster: FakeCluster) -> None:
    cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig, namespace="kube-system")
    assert len(cluster.list("pods")) == 5


@pytest.mark.parametrize(
    "name",
    [
        "pods",
        "pod",
        "po",
        "Pod",
        "PODS",
        "deployments.apps",
        "deployments.v1.apps",
        "deploy",
        "Deployment",
    ],
)
def test_every_name_kubectl_accepts(cluster: Cluster, name: str) -> None:
    assert cluster.list(name, namespace="kube-system")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("settings.management.cattle.io", ["first-login"]),
        ("setting", ["first-login"]),
        ("ec2nodeclass", ["default"]),
        ("ec2nodeclasses.karpenter.k8s.aws", ["default"]),
        ("apiservices", ["v1beta1.metrics.k8s.io"]),
        (
            "nodes",
            ["ip-10-0-1-10.eu-west-1.compute.internal", "ip-10-0-2-20.eu-west-1.compute.internal"],
        ),
    ],
)
def test_crds_and_cluster_scoped_types(cluster: Cluster, name: str, expected: list[str]) -> None:
    assert names(cluster.list(name, namespace="kube-system")) == expected


def test_items_carry_kind_and_api_version(cluster: Cluster) -> None:
    deployment = cluster.list("deploy", namespace="kube-system")[0]
    assert (deployment["kind"], deployment["apiVersion"]) == ("Deployment", "apps/v1")


def test_get_reads_one_object_and_none_when_it_is_missing(cluster: Cluster) -> None:
    pod = cluster.get("po", "nginx-6799fc88d8-yy8wj", namespace="demo")
    assert pod is not None
    assert (pod["kind"], pod["metadata"]["namespace"]) == ("Pod", "demo")
    assert cluster.get("pods", "nginx-6799fc88d8-yy8wj") is None  # not in "default"
    assert cluster.get("namespace", "demo", namespace="ignored") is not None


def test_get_still_cannot_evaluate_when_refused(state_cluster: FakeCluster) -> None:
    state_cluster.fail("/api/v1/namespaces/demo/pods/web", status=403, times=1)
    cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig)
    with pytest.raises(CannotEvaluate, match="cannot get pod 'web' in namespace 'demo'"):
        cluster.get("pods", "web", namespace="demo")


def test_all_namespaces(cluster: Cluster) -> None:
    assert len(cluster.list("pods", all_namespaces=True)) == 8


def test_label_and_field_selectors_are_sent_to_the_server(
    cluster: Cluster, state_cluster: FakeCluster
) -> None:
    found = cluster.list(
        "pods",
        all_namespaces=True,
        label_selector="k8s-app in (kube-dns)",
        field_selector="status.phase=Running",
    )
    assert names(found) == ["coredns-5d78c9869d-abcde", "coredns-5d78c9869d-fghij"]
    last = state_cluster.requests[-1]
    assert last.query["labelSelector"] == "k8s-app in (kube-dns)"
    assert last.query["fieldSelector"] == "status.phase=Running"


def test_pagination_follows_continue_tokens(state_cluster: FakeCluster) -> None:
    cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig, page_size=2)
    assert len(cluster.list("pods", all_namespaces=True)) == 8
    pages = [r.query for r in state_cluster.requests if r.path == "/api/v1/pods"]
    assert [q["limit"] for q in pages] == ["2"] * 4
    assert ["continue" in q for q in pages] == [False, True, True, True]


def test_iter_list_reads_each_page_when_the_iteration_reaches_it(
    state_cluster: FakeCluster,
) -> None:
    cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig, page_size=2)
    with pytest.raises(UnknownResourceType):
        cluster.iter_list("poddz")  # resolved at once, before any page
    objects = cluster.iter_list("pods", all_namespaces=True)

    def pages() -> int:
        return sum(r.path == "/api/v1/pods" for r in state_cluster.requests)

    assert pages() == 0
    first = [next(objects), next(objects)]
    assert pages() == 1
    third = next(objects)
    assert pages() == 2
    rest = list(objects)
    assert pages() == 4
    assert [o["kind"] for o in [*first, third, *rest]] == ["Pod"] * 8
    assert names([*first, third, *rest]) == names(cluster.list("pods", all_namespaces=True))


def test_discovery_is_fetched_once_per_cluster(
    cluster: Cluster, state_cluster: FakeCluster
) -> None:
    for _ in range(3):
        cluster.list("pods", namespace="demo")
        cluster.list("deployments", namespace="demo")
        cluster.list("ec2nodeclasses")
    discovery = [
        r.path
        for r in state_cluster.requests
        if r.path == "/api/v1" or (r.path.count("/") <= 3 and r.path.startswith("/apis"))
    ]
    assert sorted(discovery) == sorted(set(discovery))  # each document once
    assert "/api/v1" in discovery


def test_core_types_need_no_group_discovery(cluster: Cluster, state_cluster: FakeCluster) -> None:
    cluster.list("pods")
    assert [r.path for r in state_cluster.requests] == [
        "/api/v1",
        "/api/v1/namespaces/default/pods",
    ]


def test_unknown_type_names_close_matches(cluster: Cluster) -> None:
    with pytest.raises(UnknownResourceType) as err:
        cluster.list("podz")
    assert str(err.value) == (
        "cluster 'fake': the server has no resource type 'podz' (did you mean pods, po?)"
    )
    assert isinstance(err.value, CannotEvaluate)


# --------------------------------------------------------------------------- faults


def test_503_then_success_is_retried(state_cluster: FakeCluster) -> None:
    sleeps = Sleeps()
    cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig, sleep=sleeps)
    state_cluster.fail("/pods$", status=503, times=2)
    assert len(cluster.list("pods", namespace="demo")) == 3
    assert len(sleeps) == 2
    assert all(0 <= s <= RequestPolicy().max_backoff for s in sleeps)


def test_429_retry_after_is_honoured(state_cluster: FakeCluster) -> None:
    sleeps = Sleeps()
    cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig, sleep=sleeps)
    state_cluster.fail("/pods$", status=429, retry_after=7, times=1)
    assert len(cluster.list("pods", namespace="demo")) == 3
    assert sleeps == [7.0]


def test_retry_after_beyond_the_deadline_gives_up_at_once(state_cluster: FakeCluster) -> None:
    sleeps = Sleeps()
    cluster = Cluster.from_kubeconfig(
        state_cluster.kubeconfig, sleep=sleeps, policy=RequestPolicy(deadline=10)
    )
    state_cluster.fail("/pods$", status=429, retry_after=60, times=1)
    with pytest.raises(CannotEvaluate, match="429 TooManyRequests"):
        cluster.list("pods", namespace="demo")
    assert sleeps == []


def test_exhausted_retries_cannot_evaluate(state_cluster: FakeCluster) -> None:
    cluster = Cluster.from_kubeconfig(
        state_cluster.kubeconfig, sleep=Sleeps(), policy=RequestPolicy(attempts=3)
    )
    state_cluster.fail("/pods$", status=503, times=10)
    with pytest.raises(CannotEvaluate) as err:
        cluster.list("pods", namespace="demo")
    message = str(err.value)
    assert message.startswith(
        "cluster 'fake': cannot list pods in namespace 'demo': GET "
        "/api/v1/namespaces/demo/pods: 503 ServiceUnavailable: injected fault: 503 "
        "(gave up after 3 attempts in "
    )
    assert "\n" not in message


@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "the credentials were rejected"), (403, "the credentials lack permission")],
)
def test_401_and_403_are_not_retried(state_cluster: FakeCluster, status: int, hint: str) -> None:
    sleeps = Sleeps()
    cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig, sleep=sleeps)
    state_cluster.fail("/pods$", status=status, times=5)
    with pytest.raises(CannotEvaluate) as err:
        cluster.list("pods", namespace="demo")
    assert str(err.value).startswith(
        f"cluster 'fake': cannot list pods in namespace 'demo' ({hint}): GET "
        f"/api/v1/namespaces/demo/pods: {status} "
    )
    assert "\n" not in str(err.value)
    assert sleeps == []


@pytest.mark.slow  # waits for the timeout in real time
def test_a_hung_server_is_cut_by_the_read_timeout(state_cluster: FakeCluster) -> None:
    cluster = Cluster.from_kubeconfig(
        state_cluster.kubeconfig, policy=RequestPolicy(read_timeout=0.2, attempts=2)
    )
    cluster.list("pods")  # discovery done
    state_cluster.fail("/pods$", delay=30, times=5)
    with pytest.raises(CannotEvaluate, match=r"no answer within 0\.2s \(read timeout\)"):
        cluster.list("pods", namespace="demo")


def test_a_read_timeout_then_an_answer_is_retried(state_cluster: FakeCluster) -> None:
    cluster = Cluster.from_kubeconfig(
        state_cluster.kubeconfig, policy=RequestPolicy(read_timeout=0.2), sleep=Sleeps()
    )
    state_cluster.fail("/pods$", delay=30, times=1)
    assert len(cluster.list("pods", namespace="demo")) == 3


def test_a_dropped_connection_is_retried(state_cluster: FakeCluster) -> None:
    cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig, sleep=Sleeps())
    state_cluster.fail("/pods$", drop=True, times=1)
    assert len(cluster.list("pods", namespace="demo")) == 3


def test_an_unreachable_server_cannot_evaluate(refused_url: str) -> None:
    cluster = Cluster(refused_url, name="gone", sleep=Sleeps(), policy=RequestPolicy(attempts=2))
    with pytest.raises(
        CannotEvaluate,
        match=r"cluster 'gone': cannot read discovery: "
        r"connection refused \(http://127\.0\.0\.1:\d+\) \(gave up after 2",
    ):
        cluster.list("pods")


# --------------------------------------------------------------------------- kubeconfig


def test_missing_kubeconfig(tmp_path: Path) -> None:
    with pytest.raises(CannotEvaluate, match=r"^kubeconfig .*/nope: file not found$"):
        Cluster.from_kubeconfig(tmp_path / "nope")


def test_unknown_context(state_cluster: FakeCluster) -> None:
    with pytest.raises(CannotEvaluate, match=r"kubeconfig .*: .*prod"):
        Cluster.from_kubeconfig(state_cluster.kubeconfig, context="prod")


EXEC_PLUGIN = """#!{python}
import json, pathlib
counter = pathlib.Path({counter!r})
counter.write_text(str(int(counter.read_text() or 0) + 1) if counter.exists() else "1")
print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1beta1",
                  "kind": "ExecCredential",
                  "status": {{"token": "s3cr3t-token",
                             "expirationTimestamp": "2999-01-01T00:00:00Z"}}}}))
"""


def test_exec_plugin_runs_once_and_its_token_is_sent(
    fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    counter = tmp_path / "calls"
    plugin = tmp_path / "get-token"
    plugin.write_text(EXEC_PLUGIN.format(python=sys.executable, counter=str(counter)))
    plugin.chmod(plugin.stat().st_mode | stat.S_IEXEC)
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(f"""
apiVersion: v1
kind: Config
clusters: [{{name: eks, cluster: {{server: "{fake_cluster.url}"}}}}]
users: [{{name: eks, user: {{exec: {{apiVersion: client.authentication.k8s.io/v1beta1,
                                    command: "{plugin}", interactiveMode: Never}}}}}}]
contexts: [{{name: prod-eu, context: {{cluster: eks, user: eks, namespace: kube-system}}}}]
current-context: prod-eu
""")
    cluster = Cluster.from_kubeconfig(kubeconfig)
    for _ in range(3):
        cluster.list("pods")
    assert counter.read_text() == "1"
    assert (cluster.name, cluster.namespace) == ("prod-eu", "kube-system")
    assert {r.headers.get("authorization") for r in fake_cluster.requests} == {
        "Bearer s3cr3t-token"
    }
    fake_cluster.fail("/pods$", status=401, times=1)
    with pytest.raises(CannotEvaluate) as err:
        cluster.list("pods")
    assert "s3cr3t" not in str(err.value)  # credentials never reach a message


def test_no_kubeconfig_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # so ~/.kube/config does not exist
    with pytest.raises(CannotEvaluate) as err:
        Cluster.from_kubeconfig()
    assert str(err.value) == (
        "no kubeconfig: ~/.kube/config does not exist and this is not a pod with a "
        "service account (set --kubeconfig, kube.kubeconfig or $KUBECONFIG)"
    )


def test_kubeconfig_from_the_environment(
    state_cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", state_cluster.kubeconfig)
    assert Cluster.from_kubeconfig().list("pods", namespace="demo")


def test_logs_are_read_with_their_bounds(state_cluster: FakeCluster) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "cni-1", "namespace": "kube-system"},
        "spec": {"containers": [{"name": "aws-node"}, {"name": "aws-eks-nodeagent"}]},
    }
    state_cluster.apply(pod)
    try:
        state_cluster.set_logs(
            "cni-1", "one\ntwo\nthree\n", namespace="kube-system", container="aws-node"
        )
        cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig)
        text = cluster.logs("cni-1", "kube-system", container="aws-node", tail_lines=2)
        assert text == "two\nthree\n"
        with pytest.raises(CannotEvaluate, match="a container name must be specified"):
            cluster.logs("cni-1", "kube-system")
    finally:
        state_cluster.delete("Pod", "cni-1", "kube-system")


def test_readyz_reports_failed_checks_as_an_answer(state_cluster: FakeCluster) -> None:
    cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig)
    assert cluster.readyz() == (True, 200, (), cluster.readyz().text)
    state_cluster.set_health("etcd", "informer-sync")
    try:
        health = cluster.readyz()
        assert (health.ok, health.status, health.failed) == (False, 500, ("etcd", "informer-sync"))
        assert health.text.endswith("readyz check failed\n")
    finally:
        state_cluster.set_health()


def test_a_500_without_a_health_report_is_retried(state_cluster: FakeCluster) -> None:
    state_cluster.fail("/readyz", status=500, times=1)
    sleeps = Sleeps()
    cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig, sleep=sleeps)
    assert cluster.readyz().ok
    assert len(sleeps) == 1


@pytest.mark.parametrize("server", ["k8s.example:6443", "https://x:port", "ftp://x"])
def test_a_server_that_is_not_an_http_url_is_one_line(server: str) -> None:
    with pytest.raises(CannotEvaluate, match=r"is not an http:// or https:// URL$") as err:
        Cluster(server)
    assert not err.value.retryable

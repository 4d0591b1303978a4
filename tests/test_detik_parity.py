"""The same sentences give the same verdict, lines and rows through Cluster
(in process) as through KubectlSource(["kubectl", ...]) against the same FakeCluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clusterready.detik import Detik, KubectlSource
from clusterready.kube import Cluster
from clusterready.testing import FakeCluster

SENTENCES = [
    # counts
    ("verify", "there are 2 pods named 'metrics-server'"),
    ("verify", "there is 1 pod named 'metrics-server-7d9f8b6c5-x2k4p'"),
    ("verify", "there is 0 pod named 'nope'"),
    ("verify", "there are 5 pods named '.*'"),
    ("verify", "there are more than 1 pods named 'coredns'"),
    ("verify", "there are less than 2 pods named 'aws-node'"),
    ("verify", "there are 3 po named 'nginx'"),
    ("verify", "There Are 2 PODS named '^coredns-[a-z0-9]{10}-[a-z0-9]{5}$'"),
    ("verify", "there are 2 svc named 'metrics-server|kube-dns'"),
    ("verify", "there are 2 deployments named '.'"),
    ("verify", "there is 1 deploy.apps named 'coredns'"),
    ("verify", "there are 2 nodes named 'eu-west-1'"),
    ("verify", "there is 1 settings.management.cattle.io named 'first-login'"),
    ("verify", "there is 1 ec2nodeclass named 'default'"),
    ("verify", "there is 1 apiservice named 'v1beta1.metrics.k8s.io'"),
    ("verify", "there are 1 daemonsets named 'aws-node'"),
    ("verify", "there is 1 configmap named 'aws-auth'"),
    ("verify", "there are 3 pods named 'Coredns'"),
    # properties
    ("verify", "'status' is 'running' for pods named 'coredns'"),
    ("verify", "'status' is 'running' for pods named 'metrics-server'"),
    ("verify", "'status' matches '^(Running|Pending)$' for pods named 'metrics-server'"),
    ("verify", "'.status.containerStatuses[*].ready' is 'true' for pods named 'coredns'"),
    ("verify", "'.status.containerStatuses[*].ready' matches 'false' for pods named 'aws-node'"),
    (
        "verify",
        "'.status.containerStatuses[?(@.name==\"aws-node\")].restartCount' is '1' "
        "for pods named 'aws-node'",
    ),
    ("verify", "'port' is '443' for svc named 'metrics-server'"),
    ("verify", "'port' is '53,53' for svc named 'kube-dns'"),
    ("verify", "'targetPort' is 'https' for services named 'metrics-server'"),
    ("verify", "'.spec.type' is 'ClusterIP' for svc named 'metrics-server'"),
    ("verify", "'.spec.type' is '<none>' for svc named 'kube-dns'"),
    ("verify", "'status.readyReplicas' is '2' for deployment named 'coredns'"),
    ("verify", "'.metadata.labels.k8s-app' is 'metrics-server' for pods named 'metrics'"),
    (
        "verify",
        "'.metadata.labels' matches 'pod-template-hash:7d9f8b6c5' for pods named 'metrics-server'",
    ),
    (
        "verify",
        "'.status.conditions[?(@.type==\"Ready\")].status' is 'true' for nodes named 'ip-10'",
    ),
    ("verify", "'.value' is 'false' for settings.management.cattle.io named 'first-login'"),
    ("verify", "'.spec.amiFamily' matches '^AL20' for ec2nodeclasses named 'default'"),
    (
        "verify",
        "'.status.conditions[?(@.type==\"Available\")].status' is 'True' for "
        "apiservices named 'metrics'",
    ),
    ("verify", "'status' is 'running' for pods named 'nothing-here'"),
    (
        "verify",
        "'.status.podIP' matches '^10\\.0\\.' for pods named 'metrics-server-7d9f8b6c5-x2k4p'",
    ),
    # tries
    (
        "try",
        "at most 2 times every 1s to find 2 pods named 'metrics-server' with 'status' "
        "being 'running'",
    ),
    (
        "try",
        "at most 1 times every 1s to find 1 pods named 'metrics-server' with 'status' "
        "being 'running'",
    ),
    (
        "try",
        "at most 1 times every 1s to find 2 pods named 'coredns' with "
        "'.status.containerStatuses[0].restartCount' matching '^[0-9]$'",
    ),
    ("try", "at most 1 times every 1s to find 0 pods named 'metrics' with 'status' being 'failed'"),
    (
        "try",
        "at most 3 times every 1s to get deployment named 'metrics-server' and verify "
        "that 'status.readyReplicas' is more than '1'",
    ),
    (
        "try",
        "at most 1 times every 1s to get deployment named 'coredns' and verify that "
        "'status.readyReplicas' is more than '1'",
    ),
    (
        "try",
        "at most 1 times every 1s to get deployment named 'metrics-server' and verify "
        "that 'status.readyReplicas' is less than '2'",
    ),
    (
        "try",
        "at most 1 times every 1s to get pods named 'nginx' and verify that 'status' "
        "matches 'Running|Failed|Succeeded'",
    ),
    (
        "try",
        "at most 2 times every 1s to get pods named 'nginx' and verify that 'status' is 'running'",
    ),
    (
        "try",
        "at most 1 times every 1s to get daemonset named 'aws-node' and verify that "
        "'.status.numberReady' is '3'",
    ),
]


@pytest.fixture(scope="module")
def both(
    cluster_state: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Detik, Detik]]:
    """Detik in process and through kubectl, over one FakeCluster for the module: the
    sentences only read it (each test's teardown proves that)."""
    with FakeCluster() as fake:
        for obj in cluster_state:
            fake.apply(obj)
        kubectl = KubectlSource(
            [
                *("kubectl", "--kubeconfig", fake.kubeconfig),
                *("--cache-dir", str(tmp_path_factory.mktemp("kube-cache"))),
            ]
        )
        cluster = Cluster.from_kubeconfig(fake.kubeconfig)

        def sleep(seconds: float) -> None:
            """No waiting: the state does not change."""

        yield (
            Detik(cluster, namespace="kube-system", sleep=sleep),
            Detik(kubectl, namespace="kube-system", sleep=sleep),
        )


@pytest.mark.parametrize(("verb", "sentence"), SENTENCES, ids=[s for _, s in SENTENCES])
def test_same_verdict_in_process_and_through_kubectl(
    both: tuple[Detik, Detik], verb: str, sentence: str
) -> None:
    in_process, via_kubectl = both
    first = getattr(in_process, "try_" if verb == "try" else "verify")(sentence, check=False)
    second = getattr(via_kubectl, "try_" if verb == "try" else "verify")(sentence, check=False)
    assert (first.status, first.lines, first.rows) == (second.status, second.lines, second.rows)
    assert first.status in (0, 3)


def test_the_sentences_both_pass_and_fail(both: tuple[Detik, Detik]) -> None:
    in_process, _ = both
    statuses = [
        getattr(in_process, "try_" if verb == "try" else "verify")(s, check=False).status
        for verb, s in SENTENCES
    ]
    assert len(SENTENCES) >= 40
    assert statuses.count(0) >= 15
    assert statuses.count(3) >= 8


def test_all_namespaces(state_cluster: FakeCluster, tmp_path: Path) -> None:
    sentence = "there are 3 pods named 'nginx|batch'"
    kubectl = KubectlSource(
        ["kubectl", "--kubeconfig", state_cluster.kubeconfig, "--cache-dir", str(tmp_path / "c")]
    )
    cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig)
    for source in (kubectl, cluster):
        assert Detik(source, all_namespaces=True).verify(sentence).passed
        assert not Detik(source).verify(sentence, check=False).passed  # context ns: default

"""clusterready.kube.readiness: rollouts, DaemonSets, pods and nodes, against FakeCluster."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clusterready.errors import CheckFailed, ObjectRef
from clusterready.kube import Cluster
from clusterready.kube.readiness import (
    assert_daemonset_ready,
    assert_deployment_rolled_out,
    assert_nodes_ready,
    assert_pods_ready,
    assert_rolled_out,
    check_daemonset,
    check_pods,
    eligible_nodes,
    pods_ready,
    rollout,
    selector_string,
)
from clusterready.testing import FakeCluster

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
_names = itertools.count()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCluster]:
    with FakeCluster() as server:
        yield server


@pytest.fixture(scope="module")
def cluster(fake: FakeCluster) -> Cluster:
    return Cluster.from_kubeconfig(fake.kubeconfig)


@pytest.fixture
def ns() -> str:
    """A namespace of this test's own (the module shares one FakeCluster)."""
    return f"t{next(_names)}"


def deployment(name: str, ns: str, replicas: int = 2, **status: Any) -> dict[str, Any]:
    counts = {
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": replicas,
        "availableReplicas": replicas,
        "observedGeneration": 1,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "generation": 1},
        "spec": {"replicas": replicas},
        "status": {**counts, **status},
    }


def node(name: str, *, ready: str = "True", **extra: Any) -> dict[str, Any]:
    conditions = [{"type": "Ready", "status": ready, **extra.pop("ready_detail", {})}]
    conditions += extra.pop("conditions", [])
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": extra.pop("labels", {})},
        "spec": extra.pop("spec", {}),
        "status": {"conditions": conditions},
    }


def daemonset(name: str, ns: str, n: int, **status: Any) -> dict[str, Any]:
    counts = {
        "desiredNumberScheduled": n,
        "currentNumberScheduled": n,
        "updatedNumberScheduled": n,
        "numberReady": n,
        "numberAvailable": n,
        "numberMisscheduled": 0,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "selector": {"matchLabels": {"k8s-app": name}},
            "template": {"spec": status.pop("pod_spec", {})},
        },
        "status": {**counts, **status},
    }


def pod(
    name: str, ns: str, *, labels: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    container = {"name": "main", "ready": True, "restartCount": 0, "state": {"running": {}}}
    container.update(extra.pop("container", {}))
    status = {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [container],
    }
    status.update(extra.pop("status", {}))
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {"app": "web"}},
        "spec": {"nodeName": extra.pop("node_name", ""), "containers": [{"name": "main"}]},
        "status": status,
    }


def failure(call: Any, *args: Any) -> CheckFailed:
    with pytest.raises(CheckFailed) as caught:
        call(*args)
    return caught.value


# --------------------------------------------------------------------------- Deployment


def test_a_rolled_out_deployment_passes(fake: FakeCluster, cluster: Cluster, ns: str) -> None:
    fake.apply(deployment("coredns", ns))
    assert_deployment_rolled_out(cluster, "coredns", ns)


def test_a_partly_ready_deployment_says_what_was_seen(
    fake: FakeCluster, cluster: Cluster, ns: str
) -> None:
    fake.apply(deployment("coredns", ns, readyReplicas=1, availableReplicas=1))
    failed = failure(assert_deployment_rolled_out, cluster, "coredns", ns)
    assert str(failed) == f"Deployment {ns}/coredns: 1 of 2 replicas ready, 2 updated, 1 available"
    assert failed.subjects == (ObjectRef("Deployment", "coredns", ns),)


def test_progress_deadline_exceeded_is_named(fake: FakeCluster, cluster: Cluster, ns: str) -> None:
    stuck = {
        "type": "Progressing",
        "status": "False",
        "reason": "ProgressDeadlineExceeded",
        "message": 'ReplicaSet "coredns-5d78c9869d" has timed out progressing.',
    }
    fake.apply(deployment("coredns", ns, updatedReplicas=1, conditions=[stuck]))
    assert str(failure(assert_deployment_rolled_out, cluster, "coredns", ns)).endswith(
        ", Progressing: ProgressDeadlineExceeded "
        '(ReplicaSet "coredns-5d78c9869d" has timed out progressing.)'
    )


def test_a_spec_the_controller_has_not_seen_is_not_rolled_out(
    fake: FakeCluster, cluster: Cluster, ns: str
) -> None:
    obj = deployment("coredns", ns)
    obj["metadata"]["generation"] = 2
    fake.apply(obj)
    assert "observedGeneration 1, generation 2" in str(
        failure(assert_deployment_rolled_out, cluster, "coredns", ns)
    )


def test_old_replicas_still_there_are_counted(fake: FakeCluster, cluster: Cluster, ns: str) -> None:
    obj = deployment("coredns", ns, replicas=2)
    obj["status"]["replicas"] = 3  # an old ReplicaSet's pod is still there
    fake.apply(obj)
    assert str(failure(assert_deployment_rolled_out, cluster, "coredns", ns)).endswith(
        "2 of 2 replicas ready, 2 updated, 2 available, 3 in all"
    )


def test_a_missing_deployment_is_not_found(cluster: Cluster, ns: str) -> None:
    failed = failure(assert_deployment_rolled_out, cluster, "coredns", ns)
    assert str(failed) == f"Deployment {ns}/coredns: not found"
    assert failed.subjects == (ObjectRef("Deployment", "coredns", ns),)


def test_assert_rolled_out_takes_either_kind(fake: FakeCluster, cluster: Cluster, ns: str) -> None:
    fake.apply(deployment("coredns", ns))
    assert_rolled_out(cluster, "Deployment", "coredns", ns)
    assert str(failure(assert_rolled_out, cluster, "DaemonSet", "coredns", ns)) == (
        f"DaemonSet {ns}/coredns: not found"
    )


def test_rollout_takes_only_deployments_and_daemonsets(cluster: Cluster) -> None:
    with pytest.raises(ValueError, match="expected a Deployment or a DaemonSet, found 'Job'"):
        rollout(cluster, "Job", "x")


# --------------------------------------------------------------------------- DaemonSet


def test_a_daemonset_on_every_node_passes(fake: FakeCluster, cluster: Cluster, ns: str) -> None:
    fake.apply(daemonset("aws-node", ns, 1))
    fake.apply(node(f"{ns}-a"))
    fake.apply(pod(f"aws-node-{ns}", ns, labels={"k8s-app": "aws-node"}, node_name=f"{ns}-a"))
    nodes = [n for n in fake.objects("Node") if n["metadata"]["name"].startswith(f"{ns}-")]
    pods = fake.objects("Pod")
    assert check_daemonset(fake.objects("DaemonSet")[-1], nodes, pods).ok


def test_a_daemonset_short_of_ready_pods_says_its_counts(ns: str) -> None:
    ds = daemonset("aws-node", ns, 3, numberReady=2, numberAvailable=2)
    assert check_daemonset(ds, []).problems == (
        f"DaemonSet {ns}/aws-node: 2 of 3 pods ready, 3 scheduled, 3 updated, 2 available",
    )


def test_misscheduled_daemonset_pods_are_named(ns: str) -> None:
    ds = daemonset("aws-node", ns, 2, numberMisscheduled=1)
    assert check_daemonset(ds, []).problems[0].endswith(", 1 misscheduled")


def test_an_eligible_node_without_a_pod_is_named(
    fake: FakeCluster, cluster: Cluster, ns: str
) -> None:
    fake.apply(daemonset("kube-proxy", ns, 1))
    fake.apply(node(f"{ns}-lonely"))  # (the other tests' nodes are eligible too)
    failed = failure(assert_daemonset_ready, cluster, "kube-proxy", ns)
    assert "no pod on eligible node" in str(failed)
    assert f"{ns}-lonely" in str(failed)
    assert failed.subjects[0] == ObjectRef("DaemonSet", "kube-proxy", ns)
    assert ObjectRef("Node", f"{ns}-lonely") in failed.subjects


def test_fewer_desired_than_eligible_nodes_is_a_problem(ns: str) -> None:
    nodes = [node("a"), node("b")]
    pods = [pod("p", ns, node_name="a")]
    found = check_daemonset(daemonset("aws-node", ns, 1), nodes, pods)
    assert found.problems == (
        f"DaemonSet {ns}/aws-node: 1 pods desired for 2 eligible nodes, no pod on eligible node b",
    )
    assert ObjectRef("Node", "b") in found.subjects


def test_not_ready_and_cordoned_nodes_are_not_eligible() -> None:
    nodes = [node("ready"), node("notready", ready="False"), node("cordoned")]
    nodes[2]["spec"] = {"unschedulable": True}
    assert [n["metadata"]["name"] for n in eligible_nodes({}, nodes)] == ["ready"]


def test_a_taint_not_tolerated_makes_a_node_ineligible() -> None:
    gpu = node("gpu", spec={"taints": [{"key": "nvidia.com/gpu", "effect": "NoSchedule"}]})
    prefer = node("prefer", spec={"taints": [{"key": "x", "effect": "PreferNoSchedule"}]})
    tolerant = {"spec": {"template": {"spec": {"tolerations": [{"operator": "Exists"}]}}}}
    assert [n["metadata"]["name"] for n in eligible_nodes({}, [gpu, prefer])] == ["prefer"]
    assert len(eligible_nodes(tolerant, [gpu, prefer])) == 2


def test_a_toleration_with_a_value_must_equal_the_taints() -> None:
    tainted = node("t", spec={"taints": [{"key": "role", "value": "infra", "effect": "NoExecute"}]})

    def tolerating(value: str) -> dict[str, Any]:
        toleration = {"key": "role", "operator": "Equal", "value": value}
        return {"spec": {"template": {"spec": {"tolerations": [toleration]}}}}

    assert eligible_nodes(tolerating("infra"), [tainted]) == [tainted]
    assert eligible_nodes(tolerating("web"), [tainted]) == []


def test_the_taints_the_daemonset_controller_tolerates_keep_a_node_eligible() -> None:
    pressure = {"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"}
    assert len(eligible_nodes({}, [node("n", spec={"taints": [pressure]})])) == 1


def test_node_selector_and_required_affinity_choose_the_eligible_nodes() -> None:
    linux = node("linux", labels={"kubernetes.io/os": "linux", "arch": "arm64"})
    windows = node("windows", labels={"kubernetes.io/os": "windows"})
    by_selector = {"spec": {"template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"}}}}}
    term = {"matchExpressions": [{"key": "arch", "operator": "NotIn", "values": ["arm64"]}]}
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}
        }
    }
    by_affinity = {"spec": {"template": {"spec": {"affinity": affinity}}}}
    assert eligible_nodes(by_selector, [linux, windows]) == [linux]
    assert eligible_nodes(by_affinity, [linux, windows]) == [windows]


def test_a_missing_daemonset_is_not_found(cluster: Cluster, ns: str) -> None:
    assert str(failure(assert_daemonset_ready, cluster, "aws-node", ns)) == (
        f"DaemonSet {ns}/aws-node: not found"
    )


# --------------------------------------------------------------------------- pods


def test_ready_pods_pass(fake: FakeCluster, cluster: Cluster, ns: str) -> None:
    fake.apply(pod("web-1", ns))
    assert_pods_ready(cluster, ns, "app=web")


def test_a_crash_looping_container_names_its_restarts_and_last_exit(ns: str) -> None:
    crashing = pod(
        "aws-node-7xk2p",
        ns,
        status={"conditions": [{"type": "Ready", "status": "False"}]},
        container={
            "name": "aws-node",
            "ready": False,
            "restartCount": 27,
            "state": {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": "back-off 5m0s restarting failed container=aws-node",
                }
            },
            "lastState": {"terminated": {"reason": "Error", "exitCode": 1}},
        },
    )
    found = check_pods([crashing], now=NOW)
    assert found.problems == (
        f"Pod {ns}/aws-node-7xk2p: container aws-node waiting: CrashLoopBackOff (back-off 5m0s "
        "restarting failed container=aws-node), 27 restarts, last terminated: Error (exit 1)",
    )
    assert found.subjects == (ObjectRef("Pod", "aws-node-7xk2p", ns),)


def test_an_image_that_cannot_be_pulled_is_named(ns: str) -> None:
    waiting = {
        "waiting": {"reason": "ImagePullBackOff", "message": 'Back-off pulling image "x:v9"'}
    }
    found = check_pods(
        [pod("web-1", ns, status={"phase": "Pending"}, container={"state": waiting})], now=NOW
    )
    assert found.problems == (
        f"Pod {ns}/web-1: Pending; container main waiting: ImagePullBackOff "
        '(Back-off pulling image "x:v9")',
    )


def test_a_running_pod_that_is_not_ready_is_not_ready(ns: str) -> None:
    found = check_pods([pod("web-1", ns, container={"ready": False})], now=NOW)
    assert found.problems == (
        f"Pod {ns}/web-1: container main running but not ready (its readiness probe fails)",
    )


def test_a_ready_condition_false_alone_is_named(ns: str) -> None:
    condition = {"type": "Ready", "status": "False", "reason": "ReadinessGatesNotReady"}
    found = check_pods([pod("web-1", ns, status={"conditions": [condition]})], now=NOW)
    assert found.problems == (f"Pod {ns}/web-1: not Ready (ReadinessGatesNotReady)",)


def test_a_recent_restart_is_restart_looping_an_old_one_is_not(ns: str) -> None:
    def restarted(minutes: int) -> dict[str, Any]:
        finished = (NOW - timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
        last = {"terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": finished}}
        return pod("web-1", ns, container={"restartCount": 3, "lastState": last})

    assert check_pods([restarted(2)], now=NOW).problems == (
        f"Pod {ns}/web-1: container main restart-looping, 3 restarts, "
        "last terminated: OOMKilled (exit 137)",
    )
    assert check_pods([restarted(60)], now=NOW).ok


def test_an_unschedulable_pod_says_why(ns: str) -> None:
    scheduled = {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": "0/3 nodes are available: 3 Insufficient cpu.",
    }
    pending = pod("web-1", ns, status={"phase": "Pending", "conditions": [scheduled]})
    pending["status"].pop("containerStatuses")
    assert check_pods([pending], now=NOW).problems == (
        f"Pod {ns}/web-1: Pending: Unschedulable (0/3 nodes are available: 3 Insufficient cpu.)",
    )


def test_a_waiting_init_container_is_named(ns: str) -> None:
    init = {"name": "aws-vpc-cni-init", "state": {"waiting": {"reason": "PodInitializing"}}}
    pending = pod("aws-node-1", ns, status={"phase": "Pending", "initContainerStatuses": [init]})
    assert (
        "init container aws-vpc-cni-init waiting: PodInitializing"
        in (check_pods([pending], now=NOW).problems[0])
    )


def test_no_pods_is_a_problem_that_says_what_was_listed(cluster: Cluster, ns: str) -> None:
    assert str(failure(assert_pods_ready, cluster, ns, "k8s-app=kube-dns")) == (
        f"no pods match k8s-app=kube-dns in namespace {ns}"
    )


def test_pods_are_selected_server_side(fake: FakeCluster, cluster: Cluster, ns: str) -> None:
    fake.apply(pod("web-1", ns))
    fake.apply(pod("other-1", ns, labels={"app": "other"}, status={"phase": "Failed"}))
    assert pods_ready(cluster, ns, "app=web").ok
    listed = [r for r in fake.requests if r.path == f"/api/v1/namespaces/{ns}/pods"]
    assert listed[-1].query["labelSelector"] == "app=web"


# --------------------------------------------------------------------------- nodes


def test_a_node_not_ready_names_the_kubelets_reason(fake: FakeCluster, cluster: Cluster) -> None:
    detail = {
        "reason": "KubeletNotReady",
        "message": "container runtime network not ready: NetworkReady=false "
        "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not "
        "initialized",
    }
    fake.apply(node("ip-10-0-9-9", ready="False", ready_detail=detail))
    try:
        failed = failure(assert_nodes_ready, cluster)
    finally:
        fake.delete("Node", "ip-10-0-9-9")
    assert (
        "Node ip-10-0-9-9: not Ready (False): KubeletNotReady (container runtime network not "
        "ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns "
        "error: cni plugin not initialized)"
    ) in str(failed).splitlines()
    assert ObjectRef("Node", "ip-10-0-9-9") in failed.subjects


def test_pressure_conditions_are_named(fake: FakeCluster, cluster: Cluster) -> None:
    memory = {"type": "MemoryPressure", "status": "True", "reason": "KubeletHasInsufficientMemory"}
    fake.apply(node("ip-10-0-9-8", conditions=[memory]))
    try:
        failed = failure(assert_nodes_ready, cluster)
    finally:
        fake.delete("Node", "ip-10-0-9-8")
    assert "Node ip-10-0-9-8: MemoryPressure (KubeletHasInsufficientMemory)" in str(failed)


def test_a_cluster_without_nodes_is_not_ready() -> None:
    with FakeCluster() as empty:
        failed = failure(assert_nodes_ready, Cluster.from_kubeconfig(empty.kubeconfig))
    assert str(failed) == "no nodes: the cluster has no node registered"


# --------------------------------------------------------------------------- selectors


def test_selector_string_writes_every_operator() -> None:
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "NotIn", "values": ["db"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "zone", "operator": "Exists"},
        ],
    }
    assert selector_string(selector) == "app=web,tier notin (db),!canary,zone"

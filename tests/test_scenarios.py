"""The EKS scenarios: the healthy cluster holds together as a real one does, each breakage
changes what it says and nothing else, and FakeCluster serves them to kubectl."""

from __future__ import annotations

import copy
import json
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusterready.addons import REGISTRY, AddOn
from clusterready.spec import ClusterSpec
from clusterready.testing import FakeCluster, scenarios
from clusterready.testing.scenarios import BREAKAGES, NODES, VERSIONS
from conftest import ROOT

NOW = datetime(2026, 12, 2, 3, 0, 0, tzinfo=UTC)
Obj = dict[str, Any]


@pytest.fixture(scope="module")
def healthy() -> list[Obj]:
    return scenarios.healthy(now=NOW)


def of_kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]


def by_uid(objects: list[Obj]) -> dict[str, Obj]:
    return {o["metadata"]["uid"]: o for o in objects if "uid" in o["metadata"]}


def ready(pod: Obj) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", [])
    )


def owner(objects: list[Obj], obj: Obj) -> Obj:
    (ref,) = obj["metadata"]["ownerReferences"]
    found = by_uid(objects)[ref["uid"]]
    assert (found["kind"], found["metadata"]["name"]) == (ref["kind"], ref["name"])
    assert found["metadata"]["namespace"] == obj["metadata"]["namespace"]
    return found


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def check_consistent(objects: list[Obj]) -> None:
    """What a real cluster guarantees: unique names and uids, owners that exist and
    select their pods, status counts computed from the pods, endpoints from ready pods."""
    __tracebackhide__ = True
    keys = [(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects]
    assert len(keys) == len(set(keys))
    uids = [o["metadata"]["uid"] for o in objects if o["kind"] != "PodLogs"]
    assert len(uids) == len(set(uids))
    pods = of_kind(objects, "Pod")
    nodes = {n["metadata"]["name"] for n in of_kind(objects, "Node")}
    ips = [p["status"].get("podIP") for p in pods if not p["spec"].get("hostNetwork")]
    ips = [ip for ip in ips if ip]
    assert len(ips) == len(set(ips)), "two pods share an IP"
    for pod in pods:
        parent = owner(objects, pod)
        assert selects(parent["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"])
        if pod["status"]["phase"] != "Pending" or pod["spec"].get("nodeName"):
            assert pod["spec"]["nodeName"] in nodes
        if parent["kind"] == "ReplicaSet":
            deployment = owner(objects, parent)
            assert deployment["kind"] == "Deployment"
            assert selects(deployment["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"])
    for rs in of_kind(objects, "ReplicaSet"):
        mine = [
            p for p in pods if p["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]
        ]
        assert rs["status"]["replicas"] == len(mine) == rs["spec"]["replicas"]
        assert rs["status"]["readyReplicas"] == sum(map(ready, mine))
    for deployment in of_kind(objects, "Deployment"):
        sets = [r for r in of_kind(objects, "ReplicaSet") if owner(objects, r) is deployment]
        mine = [
            p for p in pods if by_uid(objects)[p["metadata"]["ownerReferences"][0]["uid"]] in sets
        ]
        status = deployment["status"]
        assert status["replicas"] == len(mine) == deployment["spec"]["replicas"]
        assert status["readyReplicas"] == status["availableReplicas"] == sum(map(ready, mine))
        available = next(c for c in status["conditions"] if c["type"] == "Available")
        assert (available["status"] == "True") is (status["readyReplicas"] == len(mine))
    for daemonset in of_kind(objects, "DaemonSet"):
        mine = [p for p in pods if owner(objects, p) is daemonset]
        status = daemonset["status"]
        assert status["desiredNumberScheduled"] == len(NODES)
        assert status["currentNumberScheduled"] == len(mine)
        assert status["numberReady"] == sum(map(ready, mine))
        assert len({p["spec"]["nodeName"] for p in mine}) == len(mine)  # one pod per node
    services = {
        (s["metadata"]["namespace"], s["metadata"]["name"]): s for s in of_kind(objects, "Service")
    }
    for endpoints in of_kind(objects, "Endpoints"):
        service = services[(endpoints["metadata"]["namespace"], endpoints["metadata"]["name"])]
        if "selector" not in service["spec"]:
            continue
        selected = [
            p
            for p in pods
            if p["metadata"]["namespace"] == service["metadata"]["namespace"]
            and selects(service["spec"]["selector"], p["metadata"]["labels"])
        ]
        assert selected, f"Service {service['metadata']['name']} selects no pod"
        backing = [p for p in selected if p["status"].get("podIP")]
        seen = [
            (a["targetRef"]["name"], key)
            for subset in endpoints["subsets"]
            for key in ("addresses", "notReadyAddresses")
            for a in subset.get(key, [])
        ]
        assert sorted(seen) == sorted(
            (p["metadata"]["name"], "addresses" if ready(p) else "notReadyAddresses")
            for p in backing
        )
    for endpointslice in of_kind(objects, "EndpointSlice"):
        name = endpointslice["metadata"]["labels"]["kubernetes.io/service-name"]
        endpoints = next(e for e in of_kind(objects, "Endpoints") if e["metadata"]["name"] == name)
        ready_ips = {a["ip"] for s in endpoints["subsets"] for a in s.get("addresses", [])}
        assert {
            e["addresses"][0] for e in endpointslice["endpoints"] if e["conditions"]["ready"]
        } == ready_ips
    for event in of_kind(objects, "Event"):
        involved = event["involvedObject"]
        target = by_uid(objects).get(involved["uid"])
        assert target is not None, event["message"]
        assert (target["kind"], target["metadata"]["name"]) == (involved["kind"], involved["name"])
    for logs in of_kind(objects, "PodLogs"):
        meta = logs["metadata"]
        pod = next(p for p in pods if p["metadata"]["name"] == meta["name"])
        assert set(logs["containers"]) <= {c["name"] for c in pod["spec"]["containers"]}


# --------------------------------------------------------------------------- healthy


def test_the_healthy_cluster_is_consistent(healthy: list[Obj]) -> None:
    check_consistent(healthy)
    assert all(ready(p) and p["status"]["phase"] == "Running" for p in of_kind(healthy, "Pod"))


def test_healthy_nodes_are_ready_eks_1_31_nodes(healthy: list[Obj]) -> None:
    nodes = of_kind(healthy, "Node")
    assert [n["metadata"]["name"] for n in nodes] == [name for name, _, _ in NODES]
    for node in nodes:
        conditions = {c["type"]: c for c in node["status"]["conditions"]}
        assert conditions["Ready"]["status"] == "True"
        assert conditions["Ready"]["reason"] == "KubeletReady"
        for kind in ("MemoryPressure", "DiskPressure", "PIDPressure"):
            assert conditions[kind]["status"] == "False"
        assert node["status"]["nodeInfo"]["kubeletVersion"].startswith("v1.31.")
        assert "-eks-" in node["status"]["nodeInfo"]["kubeletVersion"]
        assert not node["spec"].get("taints")


@pytest.mark.parametrize("addon", REGISTRY.values(), ids=lambda a: a.name)
def test_every_addon_rolls_out_with_the_spec_version(healthy: list[Obj], addon: AddOn) -> None:
    for workload in addon.workloads:
        (found,) = [
            o
            for o in of_kind(healthy, workload.kind)
            if o["metadata"]["name"] == workload.name
            and o["metadata"]["namespace"] == addon.namespace
        ]
        assert found["spec"]["selector"]["matchLabels"] == dict(workload.labels)
        pods = [
            p
            for p in of_kind(healthy, "Pod")
            if p["metadata"]["namespace"] == addon.namespace
            and selects(dict(workload.labels), p["metadata"]["labels"])
        ]
        expected = len(NODES) if workload.kind == "DaemonSet" else found["spec"]["replicas"]
        assert len(pods) == expected
        for pod in pods:
            assert [c["name"] for c in pod["spec"]["containers"]] == list(workload.containers)
            images = {s["name"]: s["image"] for s in pod["status"]["containerStatuses"]}
            image = images[workload.version_container]
            assert workload.image in image
            assert addon.version_satisfied(VERSIONS[addon.name], image), image
    kinds = {(o["kind"], o["metadata"]["name"]) for o in healthy}
    assert {("Service", s) for s in addon.services} <= kinds
    assert {("Endpoints", s) for s in addon.services} <= kinds
    assert {("APIService", s) for s in addon.apiservices} <= kinds
    assert {(f"{w.kind.capitalize()}WebhookConfiguration", w.name) for w in addon.webhooks} <= kinds
    assert {("CustomResourceDefinition", c) for c in addon.crds} <= kinds
    assert {("CSIDriver", d) for d in addon.csidrivers} <= kinds


def test_healthy_answers_apis_webhooks_and_crds(healthy: list[Obj]) -> None:
    for apiservice in of_kind(healthy, "APIService"):
        assert apiservice["status"]["conditions"][0]["status"] == "True"
    for crd in of_kind(healthy, "CustomResourceDefinition"):
        conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
        assert conditions["Established"] == "True"
        names = crd["spec"]["names"]
        assert crd["metadata"]["name"] == f"{names['plural']}.{crd['spec']['group']}"
    services = {
        (s["metadata"]["namespace"], s["metadata"]["name"]) for s in of_kind(healthy, "Service")
    }
    for kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
        for configuration in of_kind(healthy, kind):
            for webhook in configuration["webhooks"]:
                ref = webhook["clientConfig"]["service"]
                assert (ref["namespace"], ref["name"]) in services


def test_the_spec_lists_every_addon_and_is_valid() -> None:
    spec = ClusterSpec.from_mapping(scenarios.spec())
    assert dict(spec.addons) == dict(VERSIONS)
    assert set(VERSIONS) == set(REGISTRY)
    assert spec.cluster.version == scenarios.KUBERNETES_VERSION
    assert spec.kube.namespace == "kube-system"


def test_versions_can_be_chosen() -> None:
    objects = scenarios.healthy(versions={"coredns": "v1.11.4-eksbuild.1"}, now=NOW)
    images = {
        c["image"]
        for p in of_kind(objects, "Pod")
        if p["metadata"]["name"].startswith("coredns-")
        for c in p["spec"]["containers"]
    }
    assert images == {"602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/coredns:v1.11.4-eksbuild.1"}
    check_consistent(objects)
    assert scenarios.spec({"coredns": "v1.11.4-eksbuild.1"})["addons"]["coredns"] == (
        "v1.11.4-eksbuild.1"
    )
    with pytest.raises(KeyError, match="no add-on 'corends' in the registry"):
        scenarios.healthy(versions={"corends": "v1.11.4"})


# --------------------------------------------------------------------------- breakages


def addon_objects(objects: list[Obj], addon: AddOn) -> dict[tuple[str, str], Obj]:
    """Everything of an add-on: workloads, their ReplicaSets and pods, Services and their
    endpoints, APIServices, webhook configurations, CRDs, CSI drivers."""
    local: dict[tuple[str, str], str] = {
        **{(w.kind, w.name): addon.namespace for w in addon.workloads},
        **{(k, s): addon.namespace for s in addon.services for k in ("Service", "Endpoints")},
    }
    cluster_wide = {
        *(("APIService", s) for s in addon.apiservices),
        *((f"{w.kind.capitalize()}WebhookConfiguration", w.name) for w in addon.webhooks),
        *(("CustomResourceDefinition", c) for c in addon.crds),
        *(("CSIDriver", d) for d in addon.csidrivers),
    }
    found: dict[tuple[str, str], Obj] = {}
    for obj in objects:
        meta = obj["metadata"]
        key = (obj["kind"], meta["name"])
        service = meta.get("labels", {}).get("kubernetes.io/service-name")
        if (
            local.get(key, "-") == meta.get("namespace")
            or key in cluster_wide
            or (obj["kind"] == "EndpointSlice" and service in addon.services)
        ):
            found[key] = obj
    owners = {o["metadata"]["uid"] for o in found.values()}
    for obj in objects:  # ReplicaSets, then their pods
        if obj["kind"] == "ReplicaSet" and obj["metadata"]["ownerReferences"][0]["uid"] in owners:
            found[("ReplicaSet", obj["metadata"]["name"])] = obj
            owners.add(obj["metadata"]["uid"])
    for obj in objects:
        if obj["kind"] == "Pod" and obj["metadata"]["ownerReferences"][0]["uid"] in owners:
            found[("Pod", obj["metadata"]["name"])] = obj
    return found


@pytest.mark.parametrize("breakage", BREAKAGES.values(), ids=lambda b: b.name)
def test_each_breakage_is_consistent_and_touches_only_what_it_breaks(
    healthy: list[Obj], breakage: scenarios.Breakage
) -> None:
    before = copy.deepcopy(healthy)
    broken = breakage.apply(healthy, now=NOW)
    assert healthy == before, "apply changed its input"
    check_consistent(broken)
    assert breakage.description
    assert breakage.broken <= {*REGISTRY, "cluster"}
    for addon in REGISTRY.values():
        changed = addon_objects(broken, addon) != addon_objects(healthy, addon)
        assert changed is (addon.name in breakage.broken), addon.name
    nodes_changed = of_kind(broken, "Node") != of_kind(healthy, "Node")
    system = [p for p in of_kind(broken, "Pod") if p["metadata"]["namespace"] == "kube-system"]
    assert (nodes_changed or not all(map(ready, system))) is ("cluster" in breakage.broken)
    # What a report must show is in the objects, or is what the spec asked for.
    text = json.dumps(broken)
    asked = {REGISTRY[n].expected_tag(VERSIONS[n]) for n in breakage.broken if n in REGISTRY}
    for reason in breakage.reasons:
        assert reason in text or reason in asked, reason


def pod(objects: list[Obj], prefix: str, node: int | None = None) -> Obj:
    return next(
        p
        for p in of_kind(objects, "Pod")
        if p["metadata"]["name"].startswith(prefix)
        and (node is None or p["spec"].get("nodeName") == NODES[node][0])
    )


def named(objects: list[Obj], kind: str, name: str) -> Obj:
    return next(o for o in of_kind(objects, kind) if o["metadata"]["name"] == name)


def test_cni_crashloop(healthy: list[Obj]) -> None:
    broken = BREAKAGES["cni-crashloop"].apply(healthy, now=NOW)
    aws_node = pod(broken, "aws-node-", 2)
    status = aws_node["status"]["containerStatuses"][0]
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert status["restartCount"] == 27
    assert status["lastState"]["terminated"]["reason"] == "Error"
    logs = next(
        d
        for d in of_kind(broken, "PodLogs")
        if d["metadata"]["name"] == aws_node["metadata"]["name"]
    )
    assert "UnauthorizedOperation" in logs["containers"]["aws-node"]
    node = named(broken, "Node", NODES[2][0])
    ready_condition = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    assert ready_condition["status"] == "False"
    assert "NetworkPluginNotReady" in ready_condition["message"]
    assert "cni plugin not initialized" in ready_condition["message"]
    assert named(broken, "DaemonSet", "aws-node")["status"]["numberReady"] == 2
    sandbox = pod(broken, "ebs-csi-node-", 2)
    assert sandbox["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == (
        "ContainerCreating"
    )


def test_coredns_image_pull(healthy: list[Obj]) -> None:
    broken = BREAKAGES["coredns-image-pull"].apply(healthy, now=NOW)
    for p in [p for p in of_kind(broken, "Pod") if p["metadata"]["name"].startswith("coredns-")]:
        waiting = p["status"]["containerStatuses"][0]["state"]["waiting"]
        assert waiting["reason"] == "ImagePullBackOff"
        assert p["spec"]["containers"][0]["image"] in waiting["message"]
    endpoints = named(broken, "Endpoints", "kube-dns")
    assert [list(s) for s in endpoints["subsets"]] == [["notReadyAddresses", "ports"]]
    assert named(broken, "Deployment", "coredns")["status"]["readyReplicas"] == 0


def test_kube_proxy_old_version(healthy: list[Obj]) -> None:
    broken = BREAKAGES["kube-proxy-old-version"].apply(healthy, now=NOW)
    kube_proxy = REGISTRY["kube-proxy"]
    images = {
        s["image"]
        for p in of_kind(broken, "Pod")
        if p["metadata"]["name"].startswith("kube-proxy-")
        for s in p["status"]["containerStatuses"]
    }
    (image,) = images
    assert kube_proxy.version_mismatch(VERSIONS["kube-proxy"], image) == (
        "expected v1.31.2-minimal-eksbuild.3, running v1.30.6-minimal-eksbuild.3"
    )
    assert named(broken, "DaemonSet", "kube-proxy")["status"]["numberReady"] == 3


def test_webhook_without_endpoints(healthy: list[Obj]) -> None:
    broken = BREAKAGES["webhook-no-endpoints"].apply(healthy, now=NOW)
    endpoints = named(broken, "Endpoints", "aws-load-balancer-webhook-service")
    assert all("addresses" not in s for s in endpoints["subsets"])
    assert all(p["status"]["phase"] == "Running" for p in of_kind(broken, "Pod"))


def test_daemonset_short_of_a_node(healthy: list[Obj]) -> None:
    broken = BREAKAGES["daemonset-short"].apply(healthy, now=NOW)
    status = named(broken, "DaemonSet", "aws-for-fluent-bit")["status"]
    assert (status["desiredNumberScheduled"], status["numberReady"]) == (3, 2)
    nodes = {
        p["spec"]["nodeName"]
        for p in of_kind(broken, "Pod")
        if p["metadata"]["name"].startswith("aws-for-fluent-bit-")
    }
    assert nodes == {NODES[0][0], NODES[1][0]}


def test_unschedulable_pod(healthy: list[Obj]) -> None:
    broken = BREAKAGES["unschedulable"].apply(healthy, now=NOW)
    (pending,) = [p for p in of_kind(broken, "Pod") if p["status"]["phase"] == "Pending"]
    (scheduled,) = pending["status"]["conditions"]
    assert (scheduled["type"], scheduled["status"], scheduled["reason"]) == (
        "PodScheduled",
        "False",
        "Unschedulable",
    )
    assert scheduled["message"].startswith("0/3 nodes are available: 3 Insufficient cpu")
    events = [
        e
        for e in of_kind(broken, "Event")
        if e["involvedObject"]["name"] == pending["metadata"]["name"]
    ]
    assert [e["reason"] for e in events] == ["FailedScheduling"]


def test_node_pressure(healthy: list[Obj]) -> None:
    broken = BREAKAGES["node-pressure"].apply(healthy, now=NOW)
    node = named(broken, "Node", NODES[1][0])
    conditions = {c["type"]: c["status"] for c in node["status"]["conditions"]}
    assert conditions == {
        "MemoryPressure": "True",
        "DiskPressure": "True",
        "PIDPressure": "False",
        "Ready": "True",
    }


def test_metrics_api_unavailable(healthy: list[Obj]) -> None:
    broken = BREAKAGES["metrics-api-unavailable"].apply(healthy, now=NOW)
    (condition,) = named(broken, "APIService", "v1beta1.metrics.k8s.io")["status"]["conditions"]
    assert (condition["status"], condition["reason"]) == ("False", "MissingEndpoints")


def test_an_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: healthy, cni-crashloop, "):
        scenarios.scenario("cni-crash")


# --------------------------------------------------------------------------- served


Kubectl = Callable[..., Any]


def table(done: Any) -> list[list[str]]:
    assert done.returncode == 0, done.stderr
    return [line.split() for line in done.stdout.splitlines()]


def test_kubectl_shows_the_healthy_cluster(kubectl: Kubectl) -> None:
    with scenarios.cluster() as fake:
        rows = table(kubectl(fake, "get", "pods", "-A"))
        assert rows[0][:4] == ["NAMESPACE", "NAME", "READY", "STATUS"]
        assert len(rows) == 1 + len(of_kind(scenarios.healthy(), "Pod"))
        assert {r[3] for r in rows[1:]} == {"Running"}
        aws_node = next(r for r in rows if r[1].startswith("aws-node-"))
        assert (aws_node[0], aws_node[2]) == ("kube-system", "2/2")
        nodes = table(kubectl(fake, "get", "nodes"))
        assert [r[1] for r in nodes[1:]] == ["Ready"] * 3
        assert {r[4] for r in nodes[1:]} == {"v1.31.2-eks-7f9249a"}
        crds = table(kubectl(fake, "get", "crd", "-o", "name"))
        assert len(crds) == 12
        for resource in ("endpoints", "endpointslices", "apiservices", "csidrivers"):
            assert len(table(kubectl(fake, "get", resource, "-A"))) > 1, resource


def test_kubectl_shows_the_breakages(kubectl: Kubectl) -> None:
    with scenarios.cluster("cni-crashloop") as fake:
        pods = {r[0]: r for r in table(kubectl(fake, "get", "pods", "-n", "kube-system"))[1:]}
        crashing = next(
            r for n, r in pods.items() if n.startswith("aws-node-") and r[2] == "CrashLoopBackOff"
        )
        assert crashing[1:4] == ["1/2", "CrashLoopBackOff", "27"]
        pending = [n for n, r in pods.items() if r[2] == "ContainerCreating"]
        assert sorted(n.rsplit("-", 1)[0] for n in pending) == [
            "aws-for-fluent-bit",
            "ebs-csi-node",
        ]
        nodes = table(kubectl(fake, "get", "nodes"))
        assert [r[1] for r in nodes[1:]] == ["Ready", "Ready", "NotReady"]
        logs = kubectl(fake, "logs", "-n", "kube-system", crashing[0], "-c", "aws-node", "--tail=1")
        assert "Timed out waiting for IPAM daemon" in logs.stdout
    with scenarios.cluster("coredns-image-pull") as fake:
        rows = table(kubectl(fake, "get", "pods", "-n", "kube-system", "-l", "k8s-app=kube-dns"))
        assert [r[2] for r in rows[1:]] == ["ImagePullBackOff"] * 2
        events = kubectl(
            fake, "get", "events", "-n", "kube-system", "--field-selector", "reason=Failed"
        )
        assert "i/o timeout" in events.stdout
    with scenarios.load(FakeCluster(), "unschedulable") as fake:  # the shared fixture's way
        rows = table(kubectl(fake, "get", "pods", "-n", "istio-system"))
        assert sorted(r[2] for r in rows[1:]) == ["Pending", "Running"]


# --------------------------------------------------------------------------- the suite


def run_addons_suite(pytester: pytest.Pytester, fake: FakeCluster) -> dict[str, str]:
    """The shipped add-on suite on a scenario, with the scenario's spec: test -> outcome."""
    spec = pytester.path / "spec.json"
    spec.write_text(json.dumps(scenarios.spec()))
    report = pytester.path / "summary.json"
    pytester.runpytest(
        "--rootdir",
        str(ROOT),
        "-c",
        str(ROOT / "pyproject.toml"),
        str(ROOT / "tests_addons"),
        "-p",
        "no:cacheprovider",
        "--spec",
        str(spec),
        "--kubeconfig",
        fake.kubeconfig,
        "--json-report",
        str(report),
        "--detik-max-attempts",
        "1",
    )
    summary = json.loads(report.read_text())
    return {t["id"].split("::")[1]: t["outcome"] for t in summary["tests"]}


def test_the_shipped_metrics_server_checks_pass_on_the_healthy_cluster(
    pytester: pytest.Pytester,
) -> None:
    with scenarios.cluster() as fake:
        outcomes = run_addons_suite(pytester, fake)
    assert "failed" not in outcomes.values()
    assert [outcomes[t] for t in ("test_two_pods", "test_one_service", "test_both_pods_run")] == [
        "passed"
    ] * 3


def test_the_shipped_metrics_server_checks_fail_when_its_api_is_unavailable(
    pytester: pytest.Pytester,
) -> None:
    with scenarios.cluster("metrics-api-unavailable") as fake:
        outcomes = run_addons_suite(pytester, fake)
    assert outcomes["test_metrics_api_is_available"] == "failed"


def test_the_module_serves_a_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from clusterready.testing.__main__ import main

    assert main(["--scenario", "cni-crash"]) == 4
    assert "invalid choice: 'cni-crash'" in capsys.readouterr().err
    server = subprocess.Popen(
        [sys.executable, "-m", "clusterready.testing", "--scenario", "cni-crashloop"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        kubeconfig = json.loads(server.stdout.readline())["kubeconfig"]
        done = subprocess.run(
            ["kubectl", "--kubeconfig", kubeconfig, "--cache-dir", str(tmp_path), "get", "nodes"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    assert [r[1] for r in table(done)[1:]] == ["Ready", "Ready", "NotReady"]
    assert "v1.31.2-eks-7f9249a" in done.stdout


VERSION_TEXTS = st.builds(
    lambda v, core, build: v + ".".join(map(str, core)) + (f"-eksbuild.{build}" if build else ""),
    st.sampled_from(["v", ""]),
    st.lists(st.integers(0, 40), min_size=3, max_size=3),
    st.one_of(st.none(), st.integers(1, 9)),
)


@settings(max_examples=25, derandomize=True, deadline=None, database=None)
@given(st.dictionaries(st.sampled_from(sorted(REGISTRY)), VERSION_TEXTS, max_size=4))
def test_any_versions_roll_out_images_that_satisfy_them(versions: dict[str, str]) -> None:
    objects = scenarios.healthy(versions=versions, now=NOW)
    check_consistent(objects)
    wanted = {**VERSIONS, **versions}
    pods = of_kind(objects, "Pod")
    for addon in REGISTRY.values():
        for workload in addon.workloads:
            for pod in pods:
                if pod["metadata"]["namespace"] == addon.namespace and selects(
                    dict(workload.labels), pod["metadata"]["labels"]
                ):
                    image = next(
                        c["image"]
                        for c in pod["spec"]["containers"]
                        if c["name"] == workload.version_container
                    )
                    assert addon.version_satisfied(wanted[addon.name], image), image

"""Diagnostics of a failing check's subjects (clusterready.kube.diagnostics) against
FakeCluster: what is gathered, the bounds, masking, reads that fail."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clusterready.errors import ObjectRef
from clusterready.kube import Cluster
from clusterready.kube.diagnostics import LEVELS, Bounds, gather, render
from clusterready.redact import SecretFilter
from clusterready.testing import FakeCluster

NS = "kube-system"
CRASHING = "metrics-server-7d4b9c8f5-abcde"
PULLING = "metrics-server-7d4b9c8f5-fghij"
HEALTHY = "metrics-server-7d4b9c8f5-klmno"
NODE = "ip-10-0-1-5.ec2.internal"
GOOD_NODE = "ip-10-0-2-7.ec2.internal"
LABELS = {"k8s-app": "metrics-server"}


def pod(name: str, status: dict[str, Any], node: str | None = NODE) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "metrics-server"}]}
    if node:
        spec["nodeName"] = node
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NS, "labels": LABELS},
        "spec": spec,
        "status": status,
    }


def not_ready(reason: str = "ContainersNotReady") -> list[dict[str, Any]]:
    return [
        {"type": "PodScheduled", "status": "True"},
        {
            "type": "Ready",
            "status": "False",
            "reason": reason,
            "message": "containers with unready status: [metrics-server]",
        },
    ]


def event(name: str, reason: str, message: str, when: str, **extra: Any) -> dict[str, Any]:
    kind = extra.pop("kind", "Pod")
    namespace = extra.pop("namespace", NS)
    involved = {"kind": kind, "name": name, **({"namespace": namespace} if kind != "Node" else {})}
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{name}.{reason}.{''.join(filter(str.isdigit, when))}".lower(),
            "namespace": namespace,
        },
        "involvedObject": involved,
        "type": extra.pop("type", "Warning"),
        "reason": reason,
        "message": message,
        "lastTimestamp": when,
        **extra,
    }


STATE: list[dict[str, Any]] = [
    pod(
        CRASHING,
        {
            "phase": "Running",
            "conditions": not_ready(),
            "containerStatuses": [
                {
                    "name": "metrics-server",
                    "ready": False,
                    "restartCount": 27,
                    "image": "registry.k8s.io/metrics-server/metrics-server:v0.7.1",
                    "state": {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": "back-off 5m0s restarting failed container=metrics-server",
                        }
                    },
                    "lastState": {
                        "terminated": {
                            "reason": "Error",
                            "exitCode": 1,
                            "finishedAt": "2026-12-02T01:40:00Z",
                        }
                    },
                }
            ],
        },
    ),
    pod(
        PULLING,
        {
            "phase": "Pending",
            "conditions": not_ready(),
            "containerStatuses": [
                {
                    "name": "metrics-server",
                    "ready": False,
                    "restartCount": 0,
                    "image": "registry.k8s.io/metrics-server/metrics-server:v9.9.9",
                    "state": {
                        "waiting": {
                            "reason": "ImagePullBackOff",
                            "message": 'Back-off pulling image "registry.k8s.io/'
                            'metrics-server/metrics-server:v9.9.9"',
                        }
                    },
                }
            ],
        },
        node=GOOD_NODE,
    ),
    pod(
        HEALTHY,
        {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {
                    "name": "metrics-server",
                    "ready": True,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": "2026-12-02T01:00:00Z"}},
                }
            ],
        },
        node=GOOD_NODE,
    ),
    {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": NODE},
        "spec": {
            "unschedulable": True,
            "taints": [
                {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"},
                {"key": "dedicated", "value": "infra", "effect": "NoExecute"},
            ],
        },
        "status": {
            "conditions": [
                {"type": "MemoryPressure", "status": "False"},
                {
                    "type": "DiskPressure",
                    "status": "True",
                    "reason": "KubeletHasDiskPressure",
                    "message": "kubelet has disk pressure",
                },
                {
                    "type": "Ready",
                    "status": "False",
                    "reason": "KubeletNotReady",
                    "message": "PLEG is not healthy: pleg was last seen active 3m0s ago",
                },
            ]
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": GOOD_NODE},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]},
    },
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "metrics-server", "namespace": NS},
        "spec": {"replicas": 3, "selector": {"matchLabels": LABELS}},
        "status": {
            "observedGeneration": 4,
            "replicas": 3,
            "readyReplicas": 1,
            "availableReplicas": 1,
            "unavailableReplicas": 2,
            "conditions": [
                {
                    "type": "Available",
                    "status": "False",
                    "reason": "MinimumReplicasUnavailable",
                    "message": "Deployment does not have minimum availability.",
                },
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
            ],
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "metrics-server", "namespace": NS},
        "spec": {"selector": LABELS},
    },
    {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "metrics-server", "namespace": NS},
        "subsets": [
            {
                "addresses": [{"ip": "10.0.2.31", "targetRef": {"kind": "Pod", "name": HEALTHY}}],
                "notReadyAddresses": [
                    {"ip": "10.0.1.17", "targetRef": {"kind": "Pod", "name": CRASHING}}
                ],
            }
        ],
    },
    {
        "apiVersion": "apiregistration.k8s.io/v1",
        "kind": "APIService",
        "metadata": {"name": "v1beta1.metrics.k8s.io"},
        "status": {
            "conditions": [
                {
                    "type": "Available",
                    "status": "False",
                    "reason": "FailedDiscoveryCheck",
                    "message": "failing or missing response from https://10.0.1.17:10250",
                }
            ]
        },
    },
    event(CRASHING, "BackOff", "Back-off restarting failed container", "2026-12-02T01:45:00Z"),
    event(CRASHING, "Pulled", "Container image already present", "2026-12-02T01:39:00Z"),
    event(CRASHING, "Started", "Started container metrics-server", "2026-12-02T01:39:30Z"),
    event(PULLING, "Failed", "Error: ImagePullBackOff", "2026-12-02T01:44:00Z", count=12),
    event(NODE, "NodeNotReady", "Node status is now: NodeNotReady", "2026-12-02T01:30:00Z",
          kind="Node", namespace="default"),
    event("metrics-server", "ScalingReplicaSet", "Scaled up replica set metrics-server-7d4b9c8f5"
          " to 3", "2026-12-02T01:00:00Z", kind="Deployment", type="Normal"),
]  # fmt: skip

CRASH_LOG = "".join(f"I1202 01:39:{i:02d} starting step {i}\n" for i in range(40)) + (
    "E1202 01:39:59 unable to fully scrape metrics: x509: certificate signed by unknown "
    "authority\npanic: token=eyJhbGciOiJSUzI1NiJ9.s3cr3t-value failed\n"
)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCluster]:
    """One FakeCluster with the broken metrics-server for the tests that only read."""
    with FakeCluster(objects=STATE) as server:
        server.set_logs(CRASHING, CRASH_LOG, namespace=NS)
        yield server


@pytest.fixture
def cluster(fake: FakeCluster) -> Cluster:
    return Cluster.from_kubeconfig(fake.kubeconfig)


def only(found: dict[str, Any]) -> dict[str, Any]:
    assert len(found["subjects"]) == 1, found
    subject: dict[str, Any] = found["subjects"][0]
    return subject


def test_a_crash_looping_pod_shows_its_reason_restarts_node_events_and_last_words(
    cluster: Cluster, fake: FakeCluster
) -> None:
    found = gather(cluster, [ObjectRef("Pod", CRASHING, NS)])
    subject = only(found)
    assert subject["phase"] == "Running"
    assert subject["conditions"] == [
        {
            "type": "Ready",
            "status": "False",
            "reason": "ContainersNotReady",
            "message": "containers with unready status: [metrics-server]",
        }
    ]
    (container,) = subject["containers"]
    assert container == {
        "name": "metrics-server",
        "init": False,
        "ready": False,
        "restarts": 27,
        "state": "waiting",
        "reason": "CrashLoopBackOff",
        "message": "back-off 5m0s restarting failed container=metrics-server",
        "last": {"reason": "Error", "exit_code": 1, "finished": "2026-12-02T01:40:00Z"},
    }
    assert subject["node"] == {
        "name": NODE,
        "ready": "False",
        "reason": "KubeletNotReady",
        "message": "PLEG is not healthy: pleg was last seen active 3m0s ago",
    }
    assert [e["reason"] for e in subject["events"]] == ["BackOff", "Started", "Pulled"]
    log = subject["log"]
    assert (log["container"], log["previous"]) == ("metrics-server", True)
    assert log["lines"][-2].startswith("E1202 01:39:59 unable to fully scrape metrics")
    assert len(log["lines"]) == Bounds().log_lines
    log_requests = [r for r in fake.requests if r.path.endswith(f"/pods/{CRASHING}/log")]
    assert log_requests[-1].query == {
        "container": "metrics-server",
        "tailLines": "20",
        "limitBytes": "4096",
        "previous": "true",
    }
    text = render(found)
    assert text.splitlines()[:4] == [
        f"Pod {NS}/{CRASHING}: Running on node {NODE}",
        "  condition Ready=False: ContainersNotReady: containers with unready status: "
        "[metrics-server]",
        "  container metrics-server: waiting: CrashLoopBackOff: back-off 5m0s restarting "
        "failed container=metrics-server; 27 restarts; last terminated: Error (exit code 1)",
        f"  node {NODE}: Ready=False: KubeletNotReady: PLEG is not healthy: pleg was last "
        "seen active 3m0s ago",
    ]
    assert "  events (newest first):" in text
    assert (
        "    Warning BackOff at 2026-12-02T01:45:00Z: Back-off restarting failed container" in text
    )
    assert "  log of metrics-server (previous run, last 20 lines):" in text


def test_an_image_pull_back_off_pod_names_the_image_and_reads_no_log(
    cluster: Cluster, fake: FakeCluster
) -> None:
    before = len(fake.requests)
    found = gather(cluster, [ObjectRef("Pod", PULLING, NS)])
    subject = only(found)
    assert subject["phase"] == "Pending"
    assert subject["containers"][0]["reason"] == "ImagePullBackOff"
    assert "metrics-server:v9.9.9" in subject["containers"][0]["message"]
    assert subject["node"]["ready"] == "True"
    assert subject["events"] == [
        {
            "type": "Warning",
            "reason": "Failed",
            "message": "Error: ImagePullBackOff",
            "count": 12,
            "last_seen": "2026-12-02T01:44:00Z",
        }
    ]
    assert "log" not in subject  # the container never ran: no log to read
    assert not [r for r in fake.requests[before:] if r.path.endswith("/log")]
    text = render(found)
    assert f"node {GOOD_NODE}:" not in text  # a Ready node is not worth a line
    assert "    Warning Failed x12 at 2026-12-02T01:44:00Z: Error: ImagePullBackOff" in text
    # The events were asked of the server for this pod only.
    events = [r for r in fake.requests[before:] if r.path.endswith("/events")]
    assert events[-1].query["fieldSelector"] == (
        f"involvedObject.kind=Pod,involvedObject.name={PULLING},involvedObject.namespace={NS}"
    )


def test_a_not_ready_node_shows_its_conditions_taints_and_events(cluster: Cluster) -> None:
    found = gather(cluster, [ObjectRef("Node", NODE)])
    subject = only(found)
    assert (subject["ready"], subject["reason"]) == ("False", "KubeletNotReady")
    assert subject["unschedulable"] is True
    assert subject["taints"] == [
        "node.kubernetes.io/not-ready:NoSchedule",
        "dedicated=infra:NoExecute",
    ]
    assert [c["type"] for c in subject["conditions"]] == ["DiskPressure"]  # not MemoryPressure
    assert [e["reason"] for e in subject["events"]] == ["NodeNotReady"]
    assert render(found).splitlines()[:4] == [
        f"Node {NODE}: Ready=False: KubeletNotReady: PLEG is not healthy: pleg was last seen "
        "active 3m0s ago",
        "  unschedulable (cordoned)",
        "  taints: node.kubernetes.io/not-ready:NoSchedule, dedicated=infra:NoExecute",
        "  condition DiskPressure=True: KubeletHasDiskPressure: kubelet has disk pressure",
    ]


def test_a_deployment_shows_its_counts_conditions_and_unhealthy_pods(cluster: Cluster) -> None:
    found = gather(cluster, [ObjectRef("Deployment", "metrics-server", NS)])
    subject = only(found)
    assert subject["status"] == {
        "desired": 3,
        "replicas": 3,
        "readyReplicas": 1,
        "availableReplicas": 1,
        "unavailableReplicas": 2,
    }
    assert [c["type"] for c in subject["conditions"]] == ["Available"]
    assert [e["reason"] for e in subject["events"]] == ["ScalingReplicaSet"]
    assert subject["unhealthy_pods"] == 2  # not the healthy one
    assert [p["name"] for p in subject["pods"]] == [CRASHING, PULLING]
    assert "log" in subject["pods"][0]
    assert "log" not in subject["pods"][1]
    text = render(found)
    assert text.splitlines()[0] == (
        f"Deployment {NS}/metrics-server: desired 3, replicas 3, readyReplicas 1, "
        "availableReplicas 1, unavailableReplicas 2"
    )
    assert "  2 unhealthy pods" in text
    assert f"    Pod {NS}/{PULLING}: Pending on node {GOOD_NODE}" in text


def test_brief_shows_fewer_pods_and_no_log(cluster: Cluster) -> None:
    found = gather(cluster, [ObjectRef("Deployment", "metrics-server", NS)], LEVELS["brief"])
    subject = only(found)
    assert [p["name"] for p in subject["pods"]] == [CRASHING]
    assert "log" not in subject["pods"][0]
    assert "  2 unhealthy pods (1 more not shown)" in render(found)


def test_a_service_shows_its_endpoints_and_an_apiservice_its_availability(
    cluster: Cluster,
) -> None:
    found = gather(
        cluster,
        [
            ObjectRef("Service", "metrics-server", NS),
            ObjectRef("APIService", "v1beta1.metrics.k8s.io"),
        ],
    )
    service, apiservice = found["subjects"]
    assert service["endpoints"] == {
        "ready": [f"10.0.2.31 (pod {HEALTHY})"],
        "not_ready": [f"10.0.1.17 (pod {CRASHING})"],
        "ready_count": 1,
        "not_ready_count": 1,
    }
    assert apiservice["conditions"][0]["reason"] == "FailedDiscoveryCheck"
    assert render(found).splitlines() == [
        f"Service {NS}/metrics-server",
        f"  endpoints: 1 ready (10.0.2.31 (pod {HEALTHY})); 1 not ready (10.0.1.17 (pod "
        f"{CRASHING}))",
        "APIService v1beta1.metrics.k8s.io",
        "  condition Available=False: FailedDiscoveryCheck: failing or missing response from "
        "https://10.0.1.17:10250",
    ]


def test_a_missing_object_is_said_so(cluster: Cluster) -> None:
    found = gather(cluster, [ObjectRef("Pod", "gone-1", NS)])
    assert only(found)["missing"] is True
    assert render(found) == f"Pod {NS}/gone-1: not found"


def test_secrets_in_a_log_line_and_in_messages_are_masked(cluster: Cluster) -> None:
    found = gather(
        cluster,
        [ObjectRef("Pod", CRASHING, NS)],
        redact=SecretFilter(["x509: certificate signed"]).redact,
    )
    lines = only(found)["log"]["lines"]
    assert lines[-1] == "panic: token=<redacted> failed"
    assert "<redacted> by unknown authority" in lines[-2]
    everything = json.dumps(found) + render(found)
    assert "s3cr3t" not in everything
    assert "x509: certificate signed" not in everything


def test_every_bound_holds(fake_cluster: FakeCluster) -> None:
    long = "word " * 2000
    statuses = [
        {"name": f"c{i}", "ready": False, "restartCount": 1, "state": {"running": {}}}
        for i in range(30)
    ]
    fake_cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "big", "namespace": "default"},
            "spec": {"containers": [{"name": f"c{i}"} for i in range(30)]},
            "status": {
                "phase": "Running",
                "message": long,
                "conditions": [
                    {"type": f"Custom{i}", "status": "False", "message": long} for i in range(30)
                ],
                "containerStatuses": statuses,
            },
        }
    )
    for i in range(40):
        fake_cluster.apply(
            event("big", "BackOff", long, f"2026-12-02T01:{i:02d}:00Z", namespace="default")
        )
    fake_cluster.set_logs("big", ("x" * 5000 + "\n") * 100, container="c0")
    refs = [ObjectRef("Pod", "big", "default")] + [
        ObjectRef("Pod", f"other-{i}", "default") for i in range(20)
    ]
    bounds = Bounds(subjects=2, events=3, items=4, log_lines=5, log_bytes=1000, field=100)
    found = gather(Cluster.from_kubeconfig(fake_cluster.kubeconfig), refs, bounds)
    assert len(found["subjects"]) == 2
    assert found["omitted"] == 19
    big = found["subjects"][0]
    assert len(big["events"]) == 3
    assert [e["last_seen"][-9:-4] for e in big["events"]] == ["01:39", "01:38", "01:37"]
    assert len(big["conditions"]) == 4
    assert len(big["containers"]) == 4
    assert all(len(e["message"]) <= 100 for e in big["events"] + big["conditions"])
    assert len(big["message"]) <= 100
    lines = big["log"]["lines"]
    assert 0 < len(lines) <= 5
    assert sum(len(line) + 1 for line in lines) <= 1000
    assert len(json.dumps(found)) < 5000
    text = render(found, limit=600)
    assert len(text) <= 600
    assert text.endswith("(diagnostics cut at 600 characters)")


def test_a_read_that_fails_is_one_line_and_the_breaker_is_left_closed(
    fake_cluster: FakeCluster,
) -> None:
    for obj in STATE:
        fake_cluster.apply(obj)
    cluster = Cluster.from_kubeconfig(fake_cluster.kubeconfig)
    fake_cluster.fail("/events$", status=403, times=5)
    found = gather(cluster, [ObjectRef("Pod", PULLING, NS)])
    subject = only(found)
    assert subject["containers"][0]["reason"] == "ImagePullBackOff"  # the rest is there
    (problem,) = subject["problems"]
    assert problem.startswith(
        "events: cannot read: cluster 'fake': cannot list events in namespace 'kube-system' "
        "(the credentials lack permission): GET /api/v1/namespaces/kube-system/events: 403"
    )
    assert problem in render(found).splitlines()[-1]
    assert not cluster.breaker.is_open  # the next check is not failed fast
    assert cluster.get("pods", PULLING, NS) is not None


def test_the_time_bound_stops_the_gathering(fake_cluster: FakeCluster) -> None:
    for obj in STATE:
        fake_cluster.apply(obj)
    cluster = Cluster.from_kubeconfig(fake_cluster.kubeconfig)
    fake_cluster.fail(f"/pods/{CRASHING}$", status=200, delay=0.3)
    refs = [ObjectRef("Pod", CRASHING, NS), ObjectRef("Node", NODE)]
    found = gather(cluster, refs, Bounds(seconds=0.1))
    assert found["problems"] == ["stopped: the diagnostics' time bound of 0.1s passed"]
    assert len(found["subjects"]) == 1  # the node was never read
    assert found["omitted"] == 1
    assert render(found).endswith("diagnostics stopped: the diagnostics' time bound of 0.1s passed")


def test_a_subject_named_without_its_namespace_is_found_in_every_namespace(
    cluster: Cluster,
) -> None:
    found = gather(cluster, [ObjectRef("Pod", PULLING)])
    subject = only(found)
    assert (subject["object"], subject["namespace"]) == (f"Pod {NS}/{PULLING}", NS)
    assert subject["containers"][0]["reason"] == "ImagePullBackOff"


def test_terminal_escapes_and_control_characters_never_reach_the_output(
    fake_cluster: FakeCluster,
) -> None:
    fake_cluster.apply(STATE[0])
    fake_cluster.set_logs(CRASHING, "\x1b[31mERROR\x1b[0m bad\rworse\x07\n", namespace=NS)
    found = gather(
        Cluster.from_kubeconfig(fake_cluster.kubeconfig), [ObjectRef("Pod", CRASHING, NS)]
    )
    assert only(found)["log"]["lines"] == ["ERROR bad", "worse\N{REPLACEMENT CHARACTER}"]


# --------------------------------------------------------------------------- the plugin

FAILING = f"""
import pytest
from clusterready.errors import CheckFailed, ObjectRef

def test_metrics_server(kube):
    raise CheckFailed(
        "metrics-server is not ready",
        subjects=[ObjectRef("Pod", "{CRASHING}", "{NS}"), ObjectRef("Node", "{NODE}")],
    )

def test_no_subjects(kube):
    raise CheckFailed("something else is wrong")

def test_passes(kube):
    assert kube.get("pods", "{HEALTHY}", "{NS}") is not None
"""


def run_failing(
    pytester: pytest.Pytester, fake: FakeCluster, *args: str
) -> tuple[pytest.RunResult, dict[str, Any], ET.Element]:
    pytester.makepyfile(test_checks=FAILING)
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--kubeconfig",
        fake.kubeconfig,
        "--junitxml=out.xml",
        "--json-report=out.json",
        *args,
    )
    summary = json.loads((pytester.path / "out.json").read_text())
    return result, summary, ET.parse(pytester.path / "out.xml").getroot()


def by_name(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["id"].split("::")[1]: t for t in summary["tests"]}


def system_out(junit: ET.Element, name: str) -> str:
    (case,) = [c for c in junit.iter("testcase") if c.get("name") == name]
    return "".join(e.text or "" for e in case.iter("system-out"))


@pytest.mark.parametrize(
    "workers",
    [
        pytest.param([], id="in-process"),
        pytest.param(["-n", "2"], id="xdist", marks=pytest.mark.slow),
    ],
)
def test_a_failure_reports_its_subjects_in_the_terminal_junit_and_json(
    pytester: pytest.Pytester, fake: FakeCluster, workers: list[str]
) -> None:
    result, summary, junit = run_failing(pytester, fake, *workers)
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*- diagnostics -*",
            f"Pod {NS}/{CRASHING}: Running on node {NODE}",
            "  container metrics-server: waiting: CrashLoopBackOff: back-off 5m0s *; 27 restarts; "
            "last terminated: Error (exit code 1)",
            f"Node {NODE}: Ready=False: KubeletNotReady: *",
        ]
    )
    tests = by_name(summary)
    assert tests["test_metrics_server"]["message"] == (
        "clusterready.errors.CheckFailed: metrics-server is not ready"
    )
    diagnostics = tests["test_metrics_server"]["diagnostics"]
    assert diagnostics == gather(
        Cluster.from_kubeconfig(fake.kubeconfig),
        [ObjectRef("Pod", CRASHING, NS), ObjectRef("Node", NODE)],
    )  # the same with and without xdist: what the library gathers, nothing lost on the wire
    assert "diagnostics" not in tests["test_no_subjects"]
    assert "diagnostics" not in tests["test_passes"]
    text = system_out(junit, "test_metrics_server")
    assert text == render(diagnostics)
    assert system_out(junit, "test_no_subjects") == ""
    case = next(c for c in junit.iter("testcase") if c.get("name") == "test_metrics_server")
    assert [child.tag for child in case] == ["failure", "system-out"]


def test_diagnostics_off_and_brief(pytester: pytest.Pytester, fake: FakeCluster) -> None:
    result, summary, junit = run_failing(pytester, fake, "--diagnostics=off")
    assert result.ret == 1
    assert "- diagnostics -" not in result.stdout.str()
    assert "diagnostics" not in by_name(summary)["test_metrics_server"]
    assert system_out(junit, "test_metrics_server") == ""
    result, summary, junit = run_failing(pytester, fake, "--diagnostics=brief")
    subjects = by_name(summary)["test_metrics_server"]["diagnostics"]["subjects"]
    assert "log" not in subjects[0]
    assert len(subjects[0]["events"]) == LEVELS["brief"].events  # type: ignore[union-attr]
    result = pytester.runpytest("--kubeconfig", fake.kubeconfig, "--diagnostics=loud")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--diagnostics: invalid choice: 'loud'*"])


def test_a_gathering_failure_is_one_line_and_the_test_still_failed(
    pytester: pytest.Pytester, fake_cluster: FakeCluster
) -> None:
    for obj in STATE:
        fake_cluster.apply(obj)
    fake_cluster.fail("/events$", status=403, times=100)
    result, summary, _ = run_failing(pytester, fake_cluster, "-p", "no:randomly")
    assert result.ret == 1  # failed, not could-not-evaluate (75)
    tests = by_name(summary)
    assert tests["test_metrics_server"]["outcome"] == "failed"
    assert tests["test_passes"]["outcome"] == "passed"  # the breaker was left closed
    result.stdout.fnmatch_lines(
        [
            "  events: cannot read: cluster 'fake': cannot list events in namespace 'kube-system' "
            "(the credentials lack permission): GET /api/v1/namespaces/kube-system/events: 403*"
        ]
    )
    assert result.stdout.str().count("events: cannot read:") == 2  # the pod's, the node's


def test_a_secret_in_a_log_line_is_masked_in_the_terminal_junit_and_json(
    pytester: pytest.Pytester, fake_cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYdiag3xmpl"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    for obj in STATE:
        fake_cluster.apply(obj)
    fake_cluster.set_logs(CRASHING, f"loaded credentials {secret}\nfatal\n", namespace=NS)
    result, summary, junit = run_failing(pytester, fake_cluster)
    log = by_name(summary)["test_metrics_server"]["diagnostics"]["subjects"][0]["log"]
    assert log["lines"] == ["loaded credentials <redacted>", "fatal"]
    result.stdout.fnmatch_lines(["    | loaded credentials <redacted>"])
    assert "| loaded credentials <redacted>" in system_out(junit, "test_metrics_server")
    for text in (result.stdout.str(), (pytester.path / "out.xml").read_text(), json.dumps(summary)):
        assert secret not in text


def test_the_docs_example_prints_what_the_docs_show(capsys: pytest.CaptureFixture[str]) -> None:
    doc = (Path(__file__).parent.parent / "docs" / "diagnostics.md").read_text()
    (code,) = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    shown = re.findall(r"```text\n(.*?)```", doc, flags=re.S)[-1]
    exec(compile(code, "docs/diagnostics.md", "exec"), {})
    assert capsys.readouterr().out == shown


def test_merged_junit_carries_the_diagnostics(cluster: Cluster) -> None:
    from clusterready.junit import to_junit
    from clusterready.merge import merge

    found = gather(cluster, [ObjectRef("Pod", PULLING, NS)])
    summary = {
        "duration": 1.0,
        "tests": [
            {"id": "t.py::test_a", "outcome": "failed", "duration": 0.5, "message": "boom",
             "diagnostics": found},
            {"id": "t.py::test_b", "outcome": "passed", "duration": 0.5, "message": ""},
        ],
    }  # fmt: skip
    shard = {"schema": 1, "exit_code": 1, "cluster": "", "context": "", "region": "", **summary}
    merged = merge([("a.json", shard)])
    assert merged["tests"][0]["diagnostics"] == found  # the fan-in keeps them
    assert "diagnostics" not in merged["tests"][1]
    root = ET.fromstring(to_junit(merged))
    assert system_out(root, "test_a") == render(found)
    assert system_out(root, "test_b") == ""


def test_a_failed_detik_sentence_headlines_the_offenders_and_diagnoses_them_first(
    pytester: pytest.Pytester, fake: FakeCluster
) -> None:
    pytester.makepyfile(
        test_ms="""
        def test_ready(detik):
            detik.verify("'condition Ready' is 'true' for pods named '^metrics-server-'")
        """
    )
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--kubeconfig", fake.kubeconfig, "--namespace", NS,
        "--json-report=out.json", "-rf",
    )  # fmt: skip
    assert result.ret == 1
    headline = (
        "'condition Ready' of pods named '^metrics-server-' expected to be 'true': "
        f"{CRASHING} is 'False', {PULLING} is 'False'"
    )
    (test,) = json.loads((pytester.path / "out.json").read_text())["tests"]
    assert test["message"].startswith(f"clusterready.errors.CheckFailed: {headline} (1 attempt")
    result.stdout.fnmatch_lines(["FAILED test_ms.py::test_ready - *CheckFailed: 'condition R*"])
    subjects = test["diagnostics"]["subjects"]
    assert [s["name"] for s in subjects] == [CRASHING, PULLING, HEALTHY]  # offenders first
    assert subjects[0]["containers"][0]["reason"] == "CrashLoopBackOff"
    assert subjects[1]["containers"][0]["reason"] == "ImagePullBackOff"


def test_a_failed_spot_check_prints_its_diagnostics(
    fake: FakeCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    from clusterready.cli import main

    sentence = f"'condition Ready' is 'true' for pods named '^{CRASHING}$'"
    assert main(["verify", sentence, "--kubeconfig", fake.kubeconfig, "-n", NS]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"\n'condition Ready' of pods named '^{CRASHING}$' expected to be")
    diagnostics = err.split("\ndiagnostics:\n", 1)[1]
    assert diagnostics.splitlines()[0] == f"Pod {NS}/{CRASHING}: Running on node {NODE}"
    assert "CrashLoopBackOff" in diagnostics


def test_the_checks_deadline_stops_the_gathering_not_the_verdict(
    pytester: pytest.Pytester, fake_cluster: FakeCluster
) -> None:
    for obj in STATE:
        fake_cluster.apply(obj)
    fake_cluster.fail(f"/pods/{CRASHING}$", status=200, delay=5)  # a read that hangs
    result, summary, _ = run_failing(
        pytester, fake_cluster, "--set", "run.check_deadline=1", "-k", "metrics_server"
    )
    assert result.ret == 1  # failed, not could-not-evaluate: the check did fail
    (test,) = summary["tests"]
    assert test["outcome"] == "failed"
    assert test["diagnostics"]["problems"] == [
        "stopped: the check's deadline of 1s passed (run.check_deadline)"
    ]  # whether it came during the gathering or just before it
    assert test["diagnostics"]["omitted"] + len(test["diagnostics"]["subjects"]) == 2


def test_an_object_of_an_unexpected_shape_is_one_line(fake_cluster: FakeCluster) -> None:
    odd = pod("odd-1", {"phase": "Running", "containerStatuses": [{"restartCount": "many"}]})
    odd["metadata"]["namespace"] = "default"
    fake_cluster.apply(odd)
    found = gather(Cluster.from_kubeconfig(fake_cluster.kubeconfig), [ObjectRef("Pod", "odd-1")])
    assert only(found)["problems"] == [
        "pod: cannot read: ValueError: invalid literal for int() with base 10: 'many'"
    ]
    assert render(found).splitlines()[-1] == (
        "  pod: cannot read: ValueError: invalid literal for int() with base 10: 'many'"
    )


def test_a_stop_that_came_first_is_recorded_and_nothing_read(
    cluster: Cluster, fake: FakeCluster
) -> None:
    from contextlib import contextmanager

    from clusterready.errors import Interrupted

    @contextmanager
    def stopped() -> Iterator[None]:  # as the run clock's phase does with a pending stop
        raise Interrupted("the run was stopped by SIGTERM")
        yield

    before = len(fake.requests)
    found = gather(cluster, [ObjectRef("Pod", CRASHING, NS)], within=stopped)
    assert found == {
        "subjects": [],
        "omitted": 1,
        "problems": ["stopped: the run was stopped by SIGTERM"],
    }
    assert len(fake.requests) == before

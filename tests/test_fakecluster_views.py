"""What kubectl shows against FakeCluster: server-side Tables, pod logs; its command line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from clusterready.testing import FakeCluster, StateError, load_objects
from clusterready.testing.tables import human_duration

Kubectl = Callable[..., CompletedProcess[str]]
TEN_DAYS_AGO = (datetime.now(UTC) - timedelta(days=10, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def running(name: str, restarts: int = 0, ready: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "ready": ready,
        "restartCount": restarts,
        "state": {"running": {"startedAt": TEN_DAYS_AGO}},
    }


PODS = [
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "demo", "creationTimestamp": TEN_DAYS_AGO},
        "spec": {"containers": [{"name": "app"}, {"name": "proxy"}], "nodeName": "node-a"},
        "status": {
            "phase": "Running",
            "podIP": "10.0.0.7",
            "containerStatuses": [running("app", 3), running("proxy")],
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-2", "namespace": "demo", "creationTimestamp": TEN_DAYS_AGO},
        "spec": {"containers": [{"name": "app"}]},
        "status": {
            "phase": "Pending",
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 0,
                    "state": {"waiting": {"reason": "ImagePullBackOff"}},
                }
            ],
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "init-1", "namespace": "demo", "creationTimestamp": TEN_DAYS_AGO},
        "spec": {"initContainers": [{"name": "setup"}], "containers": [{"name": "app"}]},
        "status": {
            "phase": "Pending",
            "initContainerStatuses": [
                {"name": "setup", "ready": False, "restartCount": 1, "state": {"running": {}}}
            ],
        },
    },
]


def rows(result: CompletedProcess[str]) -> list[list[str]]:
    assert result.returncode == 0, result.stderr
    return [line.split() for line in result.stdout.splitlines()]


def test_kubectl_get_pods_shows_ready_status_restarts(
    fake_cluster: FakeCluster, kubectl: Kubectl
) -> None:
    for pod in PODS:
        fake_cluster.apply(pod)
    assert rows(kubectl(fake_cluster, "get", "pods", "-n", "demo")) == [
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        ["init-1", "0/1", "Init:0/1", "1", "10d"],
        ["web-1", "2/2", "Running", "3", "10d"],
        ["web-2", "0/1", "ImagePullBackOff", "0", "10d"],
    ]
    wide = rows(kubectl(fake_cluster, "get", "pod", "web-1", "-n", "demo", "-o", "wide"))
    assert wide[0][5:7] == ["IP", "NODE"]
    assert wide[1][5:7] == ["10.0.0.7", "node-a"]
    tables = [r for r in fake_cluster.requests if "as=Table" in r.headers.get("accept", "")]
    assert tables, "kubectl asked for no Table"


def test_kubectl_get_nodes_deployments_services_and_a_crd(
    fake_cluster: FakeCluster, kubectl: Kubectl
) -> None:
    fake_cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": "node-a",
                "creationTimestamp": TEN_DAYS_AGO,
                "labels": {"node-role.kubernetes.io/control-plane": ""},
            },
            "spec": {"unschedulable": True},
            "status": {
                "conditions": [{"type": "Ready", "status": "True"}],
                "nodeInfo": {"kubeletVersion": "v1.32.1"},
            },
        }
    )
    fake_cluster.apply(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "creationTimestamp": TEN_DAYS_AGO},
            "spec": {"replicas": 3},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
        }
    )
    fake_cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "creationTimestamp": TEN_DAYS_AGO},
            "spec": {
                "type": "NodePort",
                "clusterIP": "10.96.0.10",
                "ports": [
                    {"port": 80, "nodePort": 30080, "protocol": "TCP"},
                    {"port": 53, "protocol": "UDP"},
                ],
            },
        }
    )
    fake_cluster.apply(
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w1", "namespace": "default", "creationTimestamp": TEN_DAYS_AGO},
        }
    )
    assert rows(kubectl(fake_cluster, "get", "nodes")) == [
        ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        ["node-a", "Ready,SchedulingDisabled", "control-plane", "10d", "v1.32.1"],
    ]
    assert rows(kubectl(fake_cluster, "get", "deploy")) == [
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        ["web", "2/3", "3", "2", "10d"],
    ]
    assert rows(kubectl(fake_cluster, "get", "svc")) == [
        ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
        ["web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "10d"],
    ]
    assert rows(kubectl(fake_cluster, "get", "widgets")) == [["NAME", "AGE"], ["w1", "10d"]]
    assert rows(kubectl(fake_cluster, "get", "ns", "default"))[0] == ["NAME", "STATUS", "AGE"]


def test_kubectl_logs(fake_cluster: FakeCluster, kubectl: Kubectl) -> None:
    for pod in PODS:
        fake_cluster.apply(pod)
    fake_cluster.set_logs("web-1", "one\ntwo\nthree\n", namespace="demo", container="app")
    fake_cluster.set_logs("web-2", "pulling\n", namespace="demo")
    out = kubectl(fake_cluster, "logs", "web-1", "-n", "demo", "-c", "app", "--tail=2")
    assert (out.returncode, out.stdout) == (0, "two\nthree\n"), out.stderr
    assert kubectl(fake_cluster, "logs", "web-2", "-n", "demo").stdout == "pulling\n"
    both = kubectl(fake_cluster, "logs", "web-1", "-n", "demo")  # kubectl picks the first
    assert (both.stdout, both.stderr) == (
        "one\ntwo\nthree\n",
        'Defaulted container "app" out of: app, proxy\n',
    )
    log = next(r for r in fake_cluster.requests if r.path.endswith("/log"))
    assert log.query["container"] == "app"
    assert log.query["tailLines"] == "2"


@pytest.mark.parametrize(
    ("query", "code", "body"),
    [
        ("", 400, "a container name must be specified for pod web-1, choose one of: [app proxy]"),
        ("?container=nope", 400, "container nope is not valid for pod web-1"),
        ("?container=proxy", 200, ""),
        ("?container=app&tailLines=0", 200, ""),
        ("?container=app&tailLines=x", 400, "tailLines: invalid value 'x'"),
    ],
)
def test_pod_log_answers(fake_cluster: FakeCluster, query: str, code: int, body: str) -> None:
    import urllib.error
    import urllib.request

    fake_cluster.apply(PODS[0])
    fake_cluster.set_logs("web-1", "x\n", namespace="demo", container="app")
    url = f"{fake_cluster.url}/api/v1/namespaces/demo/pods/web-1/log{query}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            answer = (response.status, response.read().decode())
    except urllib.error.HTTPError as err:
        answer = (err.code, json.loads(err.read())["message"])
    assert answer == (code, body)


def test_logs_from_a_state_document(tmp_path: Path) -> None:
    state = tmp_path / "state.yaml"
    state.write_text(
        json.dumps(PODS[1])
        + "\n---\n"
        + "apiVersion: clusterready.testing/v1\nkind: PodLogs\n"
        + 'metadata: {name: web-2, namespace: demo}\ncontainers: {app: "Back-off pulling\\n"}\n'
    )
    import urllib.request

    with FakeCluster(objects=load_objects(state)) as fake:
        url = f"{fake.url}/api/v1/namespaces/demo/pods/web-2/log"
        assert urllib.request.urlopen(url, timeout=10).read() == b"Back-off pulling\n"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (119, "119s"),
        (125, "2m5s"),
        (600, "10m"),
        (3900, "65m"),
        (4 * 3600, "4h"),
        (30 * 3600, "30h"),
        (3 * 86400 + 3600, "3d1h"),
        (800 * 86400, "2y70d"),
    ],
)
def test_ages_read_as_kubectl_prints_them(seconds: int, shown: str) -> None:
    assert human_duration(seconds) == shown


# ------------------------------------------------------------------ python -m clusterready.testing


def serve(*args: str) -> CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clusterready.testing", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_module_help_names_state_files_and_exit_codes() -> None:
    done = serve("--help")
    assert done.returncode == 0
    assert "STATE" in done.stdout
    assert "Exit codes" in done.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "missing.yaml: no such file"),
        ("a: [1, 2\n", "not valid YAML"),
        ("apiVersion: v1\nmetadata: {name: x}\n", "document 1: object without kind"),
        ("kind: Pod\nmetadata: {}\n", "document 1: Pod without metadata.name"),
        ("- 1\n", "expected a Kubernetes object"),
    ],
)
def test_module_bad_state_is_one_line_and_exit_4(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / ("missing.yaml" if content is None else "state.yaml")
    if content is not None:
        path.write_text(content)
    done = serve(str(path))
    assert done.returncode == 4
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_module_rejects_a_directory_and_a_bad_version(tmp_path: Path) -> None:
    assert "is a directory" in serve(str(tmp_path)).stderr
    done = serve("--version-minor", "latest")
    assert done.returncode == 4
    assert "expected 1.N" in done.stderr


def test_load_objects_reports_the_document(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text("kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {}\n")
    with pytest.raises(StateError, match="document 2"):
        load_objects(path)

"""clusterready.kube.jsonpath.project prints what `kubectl -o custom-columns` prints.

The parity table runs real kubectl against a FakeCluster holding the same object.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from subprocess import CompletedProcess
from typing import Any

import pytest

from clusterready.kube import Cluster, JsonPathError, project
from clusterready.kube.jsonpath import relax
from clusterready.testing import FakeCluster

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "web-0",
        "namespace": "demo",
        "labels": {"app": "web", "tier": "front"},
        "annotations": {"kubernetes.io/psp": "eks", "note": ""},
    },
    "spec": {
        "containers": [
            {
                "name": "nginx",
                "image": "nginx:1.27",
                "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443}],
                "resources": {"limits": {"cpu": "500m"}},
            },
            {"name": "sidecar", "image": "envoy:1.30", "args": ["--a", "--b"]},
        ],
        "priority": 0,
        "nodeSelector": None,
        "hostNetwork": False,
        "weights": [0.5, 1000000.0, 1234567.0, 0.00001, 1.0, 123456.7, 0.0001, 1e22],
    },
    "status": {
        "phase": "Running",
        "containerStatuses": [
            {"name": "nginx", "ready": True, "restartCount": 3},
            {"name": "sidecar", "ready": False, "restartCount": 0},
        ],
        "conditions": [],
        "empty": {},
    },
}

# (path, what kubectl prints; "ERROR" where kubectl fails)
PARITY = [
    ("metadata.name", "web-0"),
    (".metadata.name", "web-0"),
    ("{metadata.name}", "web-0"),
    ("{.metadata.name}", "web-0"),
    ("kind", "Pod"),
    ("apiVersion", "v1"),
    ("status.phase", "Running"),
    (".metadata.labels", "map[app:web tier:front]"),
    (".metadata.labels.app", "web"),
    (r".metadata.annotations.kubernetes\.io/psp", "eks"),
    (".metadata.annotations['kubernetes.io/psp']", "<none>"),
    (".metadata.annotations['note']", ""),
    (".spec.containers[*].name", "nginx,sidecar"),
    (".spec.containers[0].image", "nginx:1.27"),
    (".spec.containers[-1].name", "sidecar"),
    (".spec.containers[0:1].name", "nginx"),
    (".spec.containers[1:].name", "sidecar"),
    (".spec.containers[::2].name", "nginx"),
    (".spec.containers[0].ports", "[map[containerPort:80 protocol:TCP] map[containerPort:443]]"),
    (".spec.containers[*].ports[*].containerPort", "80,443"),
    ('.spec.containers[?(@.name=="sidecar")].image', "envoy:1.30"),
    (".spec.containers[?(@.name=='nginx')].resources.limits.cpu", "500m"),
    (".status.containerStatuses[?(@.ready==true)].name", "nginx"),
    (".status.containerStatuses[?(@.restartCount>1)].name", "nginx"),
    (".status.containerStatuses[?(@.restartCount<=0)].name", "sidecar"),
    (".spec.containers[?(@.args)].name", "sidecar"),
    (".spec.containers[?(@.ports[0].containerPort==80)].name", "nginx"),
    (".spec.containers[1].args", "[--a --b]"),
    (".spec.priority", "0"),
    (".spec.nodeSelector", "<nil>"),
    (".spec.hostNetwork", "false"),
    (".spec.weights", "[0.5 1000000 1234567 1e-05 1 123456.7 0.0001 1e+22]"),
    (".spec.weights[*]", "0.5,1000000,1234567,1e-05,1,123456.7,0.0001,1e+22"),
    (".status.conditions", "[]"),
    (".status.conditions[*].type", "<none>"),
    (".status.empty", "map[]"),
    (".status.missing.deep", "<none>"),
    (".spec.containers[0].name.x", "<none>"),
    ("..ready", "true,false"),
    (".spec.containers[5].name", "ERROR"),
    (".status.conditions[0]", "ERROR"),
    (".metadata.name[0]", "ERROR"),
    (".spec.containers[0:10].name", "ERROR"),
    (".spec.containers[0,1].name", "ERROR"),
    ('.spec.containers[?(@.name=~"^side")].image', "ERROR"),
    ('.spec.containers[?(@.priority=="x")].name', "<none>"),
]


@pytest.fixture(scope="module")
def kubectl_printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Any]:
    """What real kubectl prints for each PARITY path (or "ERROR"), and the Pod as stored.

    The paths kubectl accepts run in one kubectl call, a column each, cut where its
    header puts them; each path it rejects runs alone (one bad column fails them all).
    """
    with FakeCluster() as fake:
        fake.apply(POD)
        get = [
            *("kubectl", "--kubeconfig", fake.kubeconfig),
            *("--cache-dir", str(tmp_path_factory.mktemp("kubectl-cache"))),
            *("get", "pods", "-n", "demo", "-o"),
        ]

        def kubectl(*args: str) -> CompletedProcess[str]:
            return subprocess.run(
                [*get, *args], capture_output=True, text=True, timeout=60, check=False
            )

        printed = {}
        for path, expected in PARITY:
            if expected == "ERROR":
                result = kubectl(f"custom-columns=P:{path}", "--no-headers")
                printed[path] = result.stdout.rstrip("\n") if result.returncode == 0 else "ERROR"
        accepted = [path for path, expected in PARITY if expected != "ERROR"]
        result = kubectl("custom-columns=" + ",".join(f"C{i}:{p}" for i, p in enumerate(accepted)))
        assert result.returncode == 0, result.stderr
        header, row = result.stdout.splitlines()
        starts = [m.start() for m in re.finditer(r"C\d+", header)]
        assert len(starts) == len(accepted), header
        for path, start, end in zip(accepted, starts, [*starts[1:], None], strict=True):
            printed[path] = row[start:end].rstrip()
        return printed, fake.objects("Pod")[0]


@pytest.mark.parametrize(("path", "expected"), PARITY, ids=[p for p, _ in PARITY])
def test_projection_matches_real_kubectl(
    kubectl_printed: tuple[dict[str, str], Any], path: str, expected: str
) -> None:
    printed, stored = kubectl_printed
    assert printed[path] == expected  # the table itself is checked against kubectl
    if expected == "ERROR":
        with pytest.raises(JsonPathError):
            project(stored, path)
    else:
        assert project(stored, path) == expected


def test_listed_objects_project_like_kubectl(
    state_cluster: FakeCluster, kubectl: Callable[..., CompletedProcess[str]]
) -> None:
    """Over a whole list: Cluster.list + project gives kubectl's rows, kind included."""
    column = "NAME:.metadata.name,PROP:.status.containerStatuses[*].ready,K:kind"
    result = kubectl(
        state_cluster, "get", "pods", "-A", "--no-headers", "-o", f"custom-columns={column}"
    )
    expected = [line.split() for line in result.stdout.splitlines()]
    cluster = Cluster.from_kubeconfig(state_cluster.kubeconfig)
    mine = [
        [
            project(obj, ".metadata.name"),
            project(obj, ".status.containerStatuses[*].ready"),
            project(obj, "kind"),
        ]
        for obj in cluster.list("pods", all_namespaces=True)
    ]
    assert mine == expected
    assert len(mine) == 8


@pytest.mark.parametrize(
    ("path", "relaxed"),
    [
        ("a.b", "{.a.b}"),
        (".a.b", "{.a.b}"),
        ("{a.b}", "{.a.b}"),
        ("{.a.b}", "{.a.b}"),
        ("..a", "{..a}"),
    ],
)
def test_relaxed_paths(path: str, relaxed: str) -> None:
    assert relax(path) == relaxed


@pytest.mark.parametrize(
    "path",
    [
        "{.a}{.b}",
        ".a[",
        ".a[?(@.b==1)",
        ".a['x",
        ".a[x]",
        ".a[1:2:0]",
        "....a",
        ".a b",
        ".a[*].b c",
    ],
)
def test_malformed_paths_raise(path: str) -> None:
    with pytest.raises(JsonPathError):
        project({"a": [{"b": 1}, {"b": 2}]}, path)


def test_comparing_incompatible_types_raises_like_kubectl() -> None:
    with pytest.raises(JsonPathError, match="incompatible types for comparison"):
        project({"a": [{"b": 1}]}, '.a[?(@.b=="1")].b')

"""FakeCluster: real kubectl and the official Python client work against it."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from subprocess import CompletedProcess
from typing import Any

import pytest

from clusterready.testing import FakeCluster

Kubectl = Callable[..., CompletedProcess[str]]


def pod(
    name: str, namespace: str = "demo", phase: str = "Running", **labels: str
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "status": {"phase": phase},
    }


@pytest.fixture
def web(fake_cluster: FakeCluster) -> FakeCluster:
    fake_cluster.apply(pod("web-1", app="web", tier="front"))
    fake_cluster.apply(pod("web-2", phase="Pending", app="web", tier="back"))
    fake_cluster.apply(pod("db-1", app="db"))
    fake_cluster.apply(pod("dns-1", namespace="kube-system", app="dns"))
    return fake_cluster


def names(result: CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_kubectl_get_json(web: FakeCluster, kubectl: Kubectl) -> None:
    data = json.loads(names_ok(kubectl(web, "get", "pods", "-n", "demo", "-o", "json")))
    assert data["kind"] == "List"
    assert [p["metadata"]["name"] for p in data["items"]] == ["db-1", "web-1", "web-2"]
    assert {p["kind"] for p in data["items"]} == {"Pod"}


def names_ok(result: CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_kubectl_custom_columns(web: FakeCluster, kubectl: Kubectl) -> None:
    out = names_ok(
        kubectl(
            web,
            "get",
            "pods",
            "-n",
            "demo",
            "-o",
            "custom-columns=NAME:.metadata.name,PROP:.status.phase",
        )
    )
    assert [line.split() for line in out.splitlines()] == [
        ["NAME", "PROP"],
        ["db-1", "Running"],
        ["web-1", "Running"],
        ["web-2", "Pending"],
    ]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", ["pod/web-1", "pod/web-2"]),
        ("app==web,tier=front", ["pod/web-1"]),
        ("app!=web", ["pod/db-1"]),
        ("tier in (front,back)", ["pod/web-1", "pod/web-2"]),
        ("app notin (web)", ["pod/db-1"]),
        ("tier", ["pod/web-1", "pod/web-2"]),
        ("!tier", ["pod/db-1"]),
    ],
)
def test_kubectl_selector(
    web: FakeCluster, kubectl: Kubectl, selector: str, expected: list[str]
) -> None:
    assert (
        names(kubectl(web, "get", "pods", "-n", "demo", f"--selector={selector}", "-o", "name"))
        == expected
    )


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("metadata.name=web-2", ["pod/web-2"]),
        ("status.phase!=Running", ["pod/web-2"]),
        ("metadata.namespace=demo,status.phase=Running", ["pod/db-1", "pod/web-1"]),
    ],
)
def test_kubectl_field_selector(
    web: FakeCluster, kubectl: Kubectl, selector: str, expected: list[str]
) -> None:
    assert (
        names(
            kubectl(web, "get", "pods", "-n", "demo", f"--field-selector={selector}", "-o", "name")
        )
        == expected
    )


def test_kubectl_all_namespaces_in_chunks(web: FakeCluster, kubectl: Kubectl) -> None:
    assert names(kubectl(web, "get", "pods", "-A", "--chunk-size=2", "-o", "name")) == [
        "pod/db-1",
        "pod/web-1",
        "pod/web-2",
        "pod/dns-1",
    ]
    lists = [r.query for r in web.requests if r.path == "/api/v1/pods"]
    assert [q.get("limit") for q in lists] == ["2", "2"]
    assert "continue" in lists[1]


def test_kubectl_get_one_and_not_found(web: FakeCluster, kubectl: Kubectl) -> None:
    assert names(kubectl(web, "get", "pod", "web-1", "-n", "demo", "-o", "name")) == ["pod/web-1"]
    missing = kubectl(web, "get", "pod", "nope", "-n", "demo")
    assert missing.returncode == 1
    assert 'pods "nope" not found' in missing.stderr


def test_kubectl_short_names_crds_and_unknown_types(
    fake_cluster: FakeCluster, kubectl: Kubectl
) -> None:
    fake_cluster.apply(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
        }
    )
    fake_cluster.apply(
        {
            "apiVersion": "management.cattle.io/v3",
            "kind": "Setting",
            "metadata": {"name": "first-login"},
            "value": "false",
        }
    )
    assert names(kubectl(fake_cluster, "get", "deploy", "-o", "name")) == ["deployment.apps/web"]
    out = names_ok(
        kubectl(
            fake_cluster,
            "get",
            "settings.management.cattle.io",
            "-o",
            "custom-columns=N:.metadata.name,V:.value",
            "--no-headers",
        )
    )
    assert out.split() == ["first-login", "false"]
    unknown = kubectl(fake_cluster, "get", "podz")
    assert 'the server doesn\'t have a resource type "podz"' in unknown.stderr


def test_the_fake_takes_every_name_discovery_resolves(web: FakeCluster) -> None:
    web.apply(
        {"apiVersion": "management.cattle.io/v3", "kind": "Setting", "metadata": {"name": "a"}}
    )
    pods = {p["metadata"]["name"] for p in web.objects("pods")}
    for name in ("po", "pod", "Pod", "PODS"):
        assert {p["metadata"]["name"] for p in web.objects(name)} == pods, name
    assert [s["metadata"]["name"] for s in web.objects("settings.management.cattle.io")] == ["a"]
    assert web.objects("deployments.apps") == []
    with pytest.raises(KeyError, match=r"no resource type 'pods\.apps'"):
        web.objects("pods.apps")


def test_official_python_client(web: FakeCluster) -> None:
    from kubernetes import client, config

    api_client = config.new_client_from_config(config_file=web.kubeconfig)
    core = client.CoreV1Api(api_client)
    pods = core.list_namespaced_pod(
        "demo", label_selector="app=web", field_selector="status.phase=Running"
    )
    assert [p.metadata.name for p in pods.items] == ["web-1"]
    with pytest.raises(client.ApiException) as err:
        core.read_namespaced_pod("nope", "demo")
    assert err.value.status == 404
    assert json.loads(err.value.body)["reason"] == "NotFound"


def get(
    fake: FakeCluster, path: str, method: str = "GET"
) -> tuple[int, dict[str, Any], dict[str, str]]:
    request = urllib.request.Request(fake.url + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), dict(err.headers)


def test_pagination_with_limit_and_continue(web: FakeCluster) -> None:
    status, page1, _ = get(web, "/api/v1/pods?limit=3")
    assert status == 200
    assert len(page1["items"]) == 3
    token = page1["metadata"]["continue"]
    _, page2, _ = get(web, f"/api/v1/pods?limit=3&continue={token}")
    assert len(page2["items"]) == 1
    assert "continue" not in page2["metadata"]


def test_lists_carry_kind_api_version_and_resource_version(web: FakeCluster) -> None:
    _, body, headers = get(web, "/apis/apps/v1/namespaces/demo/deployments")
    assert (body["kind"], body["apiVersion"]) == ("DeploymentList", "apps/v1")
    assert body["metadata"]["resourceVersion"]
    assert headers["Content-Type"] == "application/json"


def test_not_found_is_a_status_body(web: FakeCluster) -> None:
    status, body, _ = get(web, "/api/v1/namespaces/demo/pods/nope")
    assert status == 404
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "nope" not found',
        "reason": "NotFound",
        "code": 404,
        "details": {"name": "nope", "kind": "pods"},
    }


@pytest.mark.writes_on_purpose
def test_clients_cannot_write() -> None:
    with FakeCluster() as fake:
        status, body, _ = get(fake, "/api/v1/namespaces/default/pods", method="POST")
    assert status == 405
    assert body["reason"] == "MethodNotAllowed"


def test_bad_selector_is_a_400(web: FakeCluster) -> None:
    status, body, _ = get(web, "/api/v1/pods?labelSelector=a%20in%20b")
    assert status == 400
    assert body["reason"] == "BadRequest"


def test_scheduled_change_makes_a_pod_run(web: FakeCluster) -> None:
    web.schedule(0.05, pod("web-2", phase="Running", app="web", tier="back"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        phases = {p["metadata"]["name"]: p["status"]["phase"] for p in web.objects("Pod")}
        if phases["web-2"] == "Running":
            break
        time.sleep(0.01)
    assert phases["web-2"] == "Running"


def test_scheduled_callable_and_delete(web: FakeCluster) -> None:
    web.schedule(0.0, lambda fake: fake.delete("Pod", "db-1", "demo"))
    deadline = time.monotonic() + 10
    while "db-1" in {p["metadata"]["name"] for p in web.objects("pods")}:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_fault_status_with_retry_after(web: FakeCluster) -> None:
    web.fail("/pods$", status=429, retry_after=2, times=1)
    status, body, headers = get(web, "/api/v1/pods")
    assert (status, body["reason"], headers["Retry-After"]) == (429, "TooManyRequests", "2")
    assert get(web, "/api/v1/pods")[0] == 200  # only the next one


def test_fault_drop_closes_without_answer(web: FakeCluster) -> None:
    web.fail("/version", drop=True)
    host, port = web.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100) == b""


def test_requests_are_recorded(web: FakeCluster) -> None:
    get(web, "/api/v1/namespaces/demo/pods?labelSelector=app%3Dweb&limit=5")
    last = web.requests[-1]
    assert (last.method, last.path, dict(last.query)) == (
        "GET",
        "/api/v1/namespaces/demo/pods",
        {"labelSelector": "app=web", "limit": "5"},
    )


def test_version_reports_the_given_minor() -> None:
    with FakeCluster(version="1.29") as fake:
        _, body, _ = get(fake, "/version")
    assert (body["major"], body["minor"], body["gitVersion"]) == ("1", "29", "v1.29.0")


def test_url_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        FakeCluster().url  # noqa: B018


def test_a_scheduled_change_can_wait_for_a_first_request(web: FakeCluster) -> None:
    web.schedule(0.0, pod("web-2", phase="Running", app="web", tier="back"), after="/pods$")
    time.sleep(0.2)
    assert {p["metadata"]["name"]: p["status"]["phase"] for p in web.objects("Pod")}[
        "web-2"
    ] == "Pending"  # nobody has listed pods yet
    get(web, "/api/v1/namespaces/demo/pods")
    deadline = time.monotonic() + 10
    while {p["metadata"]["name"]: p["status"]["phase"] for p in web.objects("Pod")}[
        "web-2"
    ] != "Running":
        assert time.monotonic() < deadline
        time.sleep(0.01)

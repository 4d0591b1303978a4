"""FaultProxy itself: each fault is what a client really meets on the wire."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from clusterready.testing import FakeCluster
from clusterready.testing.faultproxy import UNRESOLVABLE_URL, FaultProxy, closed_port


@pytest.fixture
def proxy(fake_cluster: FakeCluster) -> Iterator[FaultProxy]:
    with FaultProxy(fake_cluster.url) as proxy:
        yield proxy


def get(
    proxy: FaultProxy, path: str = "/api/v1/namespaces", **headers: str
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", int(proxy.url.rsplit(":", 1)[1]), timeout=5)
    conn.request("GET", path, headers=headers)
    return conn.getresponse()


def test_forwards_when_no_fault(proxy: FaultProxy) -> None:
    answer = get(proxy)
    assert answer.status == 200
    assert json.loads(answer.read())["kind"] == "NamespaceList"
    assert [r.fault for r in proxy.requests] == [""]


def test_a_fault_applies_times_then_forwards(proxy: FaultProxy) -> None:
    proxy.status(500, times=2, path="/namespaces$")
    assert [get(proxy).status for _ in range(3)] == [500, 500, 200]
    assert get(proxy, "/api/v1/pods").status == 200


def test_load_balancer_bodies(proxy: FaultProxy) -> None:
    proxy.status(503, times=1)
    answer = get(proxy)
    assert (answer.status, answer.getheader("Content-Type")) == (503, "text/html")
    assert b"<h1>503 Service Unavailable</h1>" in answer.read()
    proxy.status(401, times=1)
    answer = get(proxy)
    assert (answer.status, answer.read()) == (401, b"401 Unauthorized\n")


def test_retry_after_header(proxy: FaultProxy) -> None:
    proxy.status(429, retry_after=2, times=1)
    answer = get(proxy)
    assert (answer.status, answer.getheader("Retry-After")) == (429, "2")


def test_service_bodies_follow_the_request_protocol(proxy: FaultProxy) -> None:
    proxy.status(403, body="service")
    kube = json.loads(get(proxy).read())
    assert (kube["kind"], kube["code"], kube["reason"]) == ("Status", 403, "AccessDenied")
    signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=x"}
    ssm = get(proxy, **signed, **{"X-Amz-Target": "AmazonSSM.GetParameters"})
    assert (ssm.getheader("x-amzn-ErrorType"), json.loads(ssm.read())["__type"]) == (
        "AccessDenied",
        "AccessDenied",
    )
    sts = get(proxy, **signed).read().decode()
    assert "<ErrorResponse" in sts
    assert "<Code>AccessDenied</Code>" in sts
    proxy.clear()
    proxy.status(429, body="service", code="")
    assert "<Code>" not in get(proxy, **signed).read().decode()


def test_hang_never_answers(proxy: FaultProxy) -> None:
    proxy.hang()
    conn = http.client.HTTPConnection("127.0.0.1", int(proxy.url.rsplit(":", 1)[1]), timeout=0.5)
    conn.request("GET", "/api/v1/namespaces")
    with pytest.raises(TimeoutError):
        conn.getresponse()


def test_trickle_sends_the_body_slowly(proxy: FaultProxy) -> None:
    proxy.trickle(bytes_per_second=2, path="/version")
    conn = http.client.HTTPConnection("127.0.0.1", int(proxy.url.rsplit(":", 1)[1]), timeout=5)
    conn.request("GET", "/version")
    answer = conn.getresponse()
    assert answer.status == 200  # the head at once
    assert conn.sock is not None
    conn.sock.settimeout(0.2)  # each byte of the body comes 0.5 s after the one before
    with pytest.raises(TimeoutError):
        answer.read()


def test_truncate_closes_early(proxy: FaultProxy) -> None:
    proxy.truncate()
    with pytest.raises(http.client.IncompleteRead):
        get(proxy).read()


def test_reset_mid_body(proxy: FaultProxy) -> None:
    proxy.reset()
    with pytest.raises((ConnectionResetError, http.client.IncompleteRead)):
        get(proxy).read()


def test_garbage_is_a_200_html_page(proxy: FaultProxy) -> None:
    proxy.garbage()
    answer = get(proxy)
    assert answer.status == 200
    with pytest.raises(ValueError):
        json.loads(answer.read())


def test_closed_port_refuses_and_unresolvable_host_does_not_resolve() -> None:
    with closed_port() as url, pytest.raises(urllib.error.URLError) as refused:
        urllib.request.urlopen(url, timeout=5)
    assert isinstance(refused.value.reason, ConnectionRefusedError)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo(UNRESOLVABLE_URL.split("//")[1].split(":")[0], 80)


def test_kubeconfig_points_at_the_proxy(fake_cluster: FakeCluster, proxy: FaultProxy) -> None:
    config = json.loads(Path(proxy.kubeconfig(fake_cluster.kubeconfig)).read_text())
    assert config["clusters"][0]["cluster"]["server"] == proxy.url


def test_upstream_must_be_http() -> None:
    with pytest.raises(ValueError, match="http://host:port"):
        FaultProxy("https://example.com")

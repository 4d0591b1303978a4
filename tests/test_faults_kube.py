"""The Kubernetes client under faults: a total deadline per request, the breaker, DETIK try."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clusterready.budget import RequestPolicy
from clusterready.detik import Detik
from clusterready.errors import CannotEvaluate
from clusterready.kube import Cluster
from clusterready.testing import FakeCluster
from clusterready.testing.faultproxy import UNRESOLVABLE_URL, FaultProxy

#: a hang takes one attempt of 1 s (no time for a retry); the other faults are retried,
#: after short pauses
FAST = RequestPolicy.within(1, 1, attempts=3)._replace(backoff=0.01, max_backoff=0.02)


@pytest.fixture
def proxy(state_cluster: FakeCluster) -> Iterator[FaultProxy]:
    with FaultProxy(state_cluster.url) as proxy:
        yield proxy


def cluster(fake: FakeCluster, proxy: FaultProxy, policy: RequestPolicy = FAST) -> Cluster:
    return Cluster.from_kubeconfig(proxy.kubeconfig(fake.kubeconfig), policy=policy)


def test_a_trickling_body_ends_at_the_request_deadline(
    state_cluster: FakeCluster, proxy: FaultProxy
) -> None:
    # 1 byte/s: every read succeeds within its timeout; only a total deadline ends it.
    kube = cluster(state_cluster, proxy, RequestPolicy.within(1, 1, attempts=1))
    proxy.trickle(bytes_per_second=1)
    with pytest.raises(CannotEvaluate) as err:
        kube.list("pods")
    assert "no complete answer within 1s (request deadline)" in str(err.value)
    assert "gave up after 1 attempt in 1." in str(err.value)


def test_the_breaker_fails_later_requests_fast(
    state_cluster: FakeCluster, proxy: FaultProxy
) -> None:
    kube = cluster(state_cluster, proxy)
    proxy.hang()
    with pytest.raises(CannotEvaluate, match="request deadline"):
        kube.list("pods")
    sent = len(proxy.requests)
    for resource in ("services", "deployments"):
        with pytest.raises(CannotEvaluate, match=r"cluster 'fake' is down \(known for") as err:
            kube.list(resource)
        assert not err.value.retryable
    assert len(proxy.requests) == sent  # failed fast: nothing sent


def test_a_due_probe_closes_the_breaker_when_the_cluster_is_back(
    state_cluster: FakeCluster, proxy: FaultProxy
) -> None:
    policy = RequestPolicy(attempts=2, deadline=1, backoff=0.01, reprobe_after=0)
    kube = cluster(state_cluster, proxy, policy)
    proxy.status(503)
    with pytest.raises(CannotEvaluate, match="gave up after 2 attempts"):
        kube.list("pods")
    with pytest.raises(CannotEvaluate, match="the probe failed: GET /api/v1: 503"):
        kube.list("pods")
    assert [r.fault for r in proxy.requests] == ["status 503"] * 3  # the probe: one attempt
    proxy.clear()
    assert len(kube.list("pods", namespace="demo")) == 3
    assert not kube.breaker.is_open


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_open_the_breaker(
    state_cluster: FakeCluster, proxy: FaultProxy, status: int
) -> None:
    kube = cluster(state_cluster, proxy)
    proxy.status(status)
    with pytest.raises(CannotEvaluate, match=f"{status} "):
        kube.list("pods")
    with pytest.raises(CannotEvaluate, match="is down"):
        kube.list("pods")
    assert len(proxy.requests) == 1


def test_a_404_is_not_retried_and_does_not_open_the_breaker(
    state_cluster: FakeCluster, proxy: FaultProxy
) -> None:
    kube = cluster(state_cluster, proxy)
    kube.list("pods")  # discovery read
    proxy.status(404, times=1, path="/pods$")
    with pytest.raises(CannotEvaluate, match="404 Not Found"):
        kube.list("pods")
    assert not kube.breaker.is_open
    assert len(kube.list("pods", namespace="demo")) == 3


@pytest.mark.parametrize("fault", ["truncate", "reset", "garbage"])
def test_broken_answers_are_retried(
    state_cluster: FakeCluster, proxy: FaultProxy, fault: str
) -> None:
    kube = cluster(state_cluster, proxy)
    getattr(proxy, fault)(times=1)
    assert len(kube.list("pods", namespace="demo")) == 3
    assert [r.fault for r in proxy.requests][:2] == [fault, ""]


# --------------------------------------------------------------------------- DETIK try


def attempts_of(sentence: str, kube: Cluster) -> int:
    with pytest.raises(CannotEvaluate) as err:
        Detik(kube, sleep=lambda s: None).try_(sentence)
    assert not err.value.retryable
    return int(str(err.value).rsplit("(last of ", 1)[1].split()[0])


@pytest.mark.parametrize("status", [401, 403])
def test_try_stops_at_refused_credentials(
    state_cluster: FakeCluster, proxy: FaultProxy, status: int
) -> None:
    proxy.status(status)
    sentence = "at most 12 times every 5s to find 1 pod named 'web' with 'status' being 'running'"
    assert attempts_of(sentence, cluster(state_cluster, proxy)) == 1
    assert len(proxy.requests) == 1


def test_try_stops_at_an_unknown_resource_type(
    state_cluster: FakeCluster, proxy: FaultProxy
) -> None:
    sentence = "at most 12 times every 5s to get poddz named 'web' and verify that 'x' is 'y'"
    assert attempts_of(sentence, cluster(state_cluster, proxy)) == 1
    paths = [r.path for r in proxy.requests]
    assert paths.count("/api/v1") == 1  # discovery read once


def test_discovery_is_read_once_per_cluster(state_cluster: FakeCluster, proxy: FaultProxy) -> None:
    kube = cluster(state_cluster, proxy)
    sentence = "at most 3 times every 1s to find 9 pods named 'web' with 'status' being 'running'"
    outcome = Detik(kube, namespace="demo", sleep=lambda s: None).try_(sentence, check=False)
    assert outcome.attempts == 3
    Detik(kube, sleep=lambda s: None).verify("there are 0 deploy named 'nothing'")
    paths = [r.path for r in proxy.requests]
    assert paths.count("/api/v1") == 1
    assert paths.count("/apis") == 1


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (lambda p: p.status(503), "GET /api/v1: 503 Service Unavailable: 503 Service Unavailable"),
        (
            lambda p: p.status(403),
            r"\(the credentials lack permission\): GET /api/v1: 403 Forbidden",
        ),
        (lambda p: p.status(404, body="service"), "GET /api/v1: 404 Not Found: injected fault"),
        (lambda p: p.reset(), r"a truncated answer \(\d+ of \d+ bytes\)|the connection was reset"),
        (lambda p: p.truncate(), r"a truncated answer \(\d+ of \d+ bytes\)"),
        (lambda p: p.garbage(), "GET /api/v1: the answer is not JSON"),
        # A hang meets the read timeout and the request deadline at the same second:
        # whichever fires first names the cause (the trickle test proves the deadline).
        # It waits that second: slow (the breaker test meets a hang in `make test`).
        pytest.param(
            lambda p: p.hang(),
            r"no (complete )?answer within 1s \((request deadline|read timeout)\)",
            marks=pytest.mark.slow,
        ),
    ],
    ids=["503-html", "403-text", "404-status", "reset", "truncate", "garbage", "hang"],
)
def test_every_fault_is_one_line(
    state_cluster: FakeCluster, proxy: FaultProxy, fault: Any, message: str
) -> None:
    fault(proxy)
    with pytest.raises(CannotEvaluate, match=message) as err:
        cluster(state_cluster, proxy).list("pods")
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("cluster 'fake': cannot read discovery")


def test_an_unresolvable_host() -> None:
    with pytest.raises(CannotEvaluate, match="cannot resolve the host of http://unresolvable"):
        Cluster(UNRESOLVABLE_URL, policy=FAST).list("pods")

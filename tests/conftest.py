"""Fixtures of clusterready's own tests."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from clusterready.testing import FakeCluster, Request
from clusterready.testing.moto import AwsRequest, MotoServer
from clusterready.version import USER_AGENT

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent

# The property tests' examples: deterministic, 200 per property by default (and in
# `make test-slow`, which CI runs); `make check` and `make test` pass `--hypothesis-profile
# clusterready-fast`: 50 per property.
for _name, _examples in (("clusterready", 200), ("clusterready-fast", 50)):
    settings.register_profile(
        _name,
        max_examples=_examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
settings.load_profile("clusterready")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: an end-to-end test whose cost is inherent (whole processes, real waits, "
        "builds, the demo); `make check` and `make test` leave them out, `make test-slow` "
        "and CI run them.",
    )
    config.addinivalue_line(
        "markers",
        "writes_on_purpose: the test sends writes to see them refused; the read-only "
        "audit of its teardown is off.",
    )
    if not config.pluginmanager.hasplugin("xdist"):  # -p no:xdist: its marker, unused
        config.addinivalue_line("markers", "xdist_group(name): the xdist worker group")


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture(autouse=True)
def _no_spec_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's CLUSTERREADY_SPEC must not leak into the tests."""
    monkeypatch.delenv("CLUSTERREADY_SPEC", raising=False)


@pytest.fixture(scope="session")
def cluster_state() -> list[dict[str, Any]]:
    """The varied cluster state of tests/data/cluster-state.yaml."""
    import yaml

    text = (ROOT / "tests" / "data" / "cluster-state.yaml").read_text()
    return [doc for doc in yaml.safe_load_all(text) if doc]


# --------------------------------------------------------------------------- read-only audit

#: The moto servers of this process, with how many of their requests were audited.
_AUDITED_MOTO: dict[int, tuple[MotoServer, int]] = {}


@pytest.fixture(scope="session")
def moto_server(moto_server: MotoServer) -> MotoServer:
    """The plugin's moto_server, whose request log every test's teardown audits."""
    _AUDITED_MOTO.setdefault(id(moto_server), (moto_server, 0))
    return moto_server


def writes_seen(kube: Iterable[Request], aws: Iterable[AwsRequest]) -> list[str]:
    """What in these request logs was not a read: a Kubernetes request other than a GET,
    an AWS request sent by clusterready (its user agent) other than Describe/Get/List.
    Other AWS requests are the tests' own seeding."""
    found = [f"Kubernetes: {r.method} {r.path}" for r in kube if r.method != "GET"]
    found += [
        f"AWS: {r.method} {r.path} {r.operation or '(REST)'}"
        for r in aws
        if USER_AGENT in r.user_agent and not r.is_read
    ]
    return found


@pytest.fixture(autouse=True)
def _read_only(request: pytest.FixtureRequest) -> Iterator[None]:
    """Read-only by construction, proved from the servers' side at every teardown: each
    FakeCluster of this process saw only GETs, and the moto server only reads from
    clusterready, whichever client sent them (Cluster, kubectl, a child pytest)."""
    with FakeCluster.recording() as kube:
        yield
    aws: list[AwsRequest] = []
    for key, (server, audited) in list(_AUDITED_MOTO.items()):
        new = server.requests(since=audited)
        _AUDITED_MOTO[key] = (server, audited + len(new))
        aws += new
    if request.node.get_closest_marker("writes_on_purpose") is None:
        writes = writes_seen(kube, aws)
        assert not writes, "clusterready is read-only, but these requests write:\n" + "\n".join(
            writes
        )


@pytest.fixture
def state_cluster(fake_cluster: FakeCluster, cluster_state: list[dict[str, Any]]) -> FakeCluster:
    """fake_cluster holding the varied cluster state."""
    for obj in cluster_state:
        fake_cluster.apply(obj)
    return fake_cluster


@pytest.fixture
def kubectl(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run real kubectl with a private cache dir: kubectl(fake, "get", "pods", ...)."""

    def run(fake: FakeCluster, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                "kubectl",
                "--kubeconfig",
                fake.kubeconfig,
                "--cache-dir",
                str(tmp_path / "kc"),
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run


@pytest.fixture
def refused_url() -> Iterator[str]:
    """An http URL on loopback that refuses connections: the port is bound (so no
    other server can take it) but nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def gone_kubeconfig(tmp_path: Path, refused_url: str) -> Path:
    """A kubeconfig whose API server is gone: every connection is refused."""
    path = tmp_path / "gone-kubeconfig"
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "fake",
                "clusters": [{"name": "fake", "cluster": {"server": refused_url}}],
                "users": [{"name": "fake", "user": {}}],
                "contexts": [
                    {
                        "name": "fake",
                        "context": {"cluster": "fake", "user": "fake", "namespace": "default"},
                    }
                ],
            }
        )
    )
    return path


#: (moto URL, service, operation) already made by warm_up in this process
_WARM: set[tuple[str, str, str]] = set()


def warm_up(moto: Any, calls: list[tuple[str, str]]) -> None:
    """Make these calls once straight to moto, which loads a service's back end at its
    first call (seconds on a busy machine): later calls fit in a test's small deadlines.
    A call already made to this server in this process is not made again."""
    import boto3
    import botocore.config

    config = botocore.config.Config(read_timeout=300, retries={"total_max_attempts": 3})
    session = boto3.session.Session(
        region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    for service, operation in calls:
        if (moto.url, service, operation) in _WARM:
            continue
        client = session.client(service, endpoint_url=moto.url, config=config)
        kwargs = {"Names": ["/warm"]} if operation == "get_parameters" else {}
        getattr(client, operation)(**kwargs)
        _WARM.add((moto.url, service, operation))

"""Fixtures of clusterready's own tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clusterready.testing import FakeCluster

pytest_plugins = ["pytester"]

#: When set, every request a fake_cluster saw is appended to this file (JSON lines).
REQUEST_LOG = "CLUSTERREADY_TEST_REQUEST_LOG"

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.fixture
def fake_cluster(fake_cluster: FakeCluster) -> Iterator[FakeCluster]:
    """The plugin's fake_cluster, whose requests are also logged (tests/test_read_only.py)."""
    yield fake_cluster
    log = os.environ.get(REQUEST_LOG)
    if log:
        with open(log, "a", encoding="utf-8") as out:
            for r in fake_cluster.requests:
                out.write(json.dumps({"method": r.method, "path": r.path}) + "\n")


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


def warm_up(moto: Any, calls: list[tuple[str, str]]) -> None:
    """Make these calls once straight to moto, which loads a service's back end at its
    first call (seconds on a busy machine): later calls fit in a test's small deadlines."""
    import boto3
    import botocore.config

    config = botocore.config.Config(read_timeout=300, retries={"total_max_attempts": 3})
    session = boto3.session.Session(
        region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    for service, operation in calls:
        client = session.client(service, endpoint_url=moto.url, config=config)
        kwargs = {"Names": ["/warm"]} if operation == "get_parameters" else {}
        getattr(client, operation)(**kwargs)

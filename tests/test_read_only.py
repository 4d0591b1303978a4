"""Read-only by construction, proved from the request logs.

Every test's teardown (``_read_only`` in tests/conftest.py) audits what the servers
saw: each FakeCluster only GETs, the moto server only Describe/Get/List from
clusterready. These tests show the audit sees real traffic and catches a write.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

from clusterready.aws import AwsSession
from clusterready.kube import Cluster
from clusterready.testing import FakeCluster
from clusterready.testing.moto import MotoServer
from clusterready.version import USER_AGENT
from conftest import writes_seen


def test_every_test_is_audited(request: pytest.FixtureRequest) -> None:
    assert "_read_only" in request.fixturenames


def test_the_audit_sees_every_client_of_every_fake(
    fake_cluster: FakeCluster, kubectl: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    with FakeCluster.recording() as seen, FakeCluster() as other:
        Cluster.from_kubeconfig(fake_cluster.kubeconfig).list("pods")
        assert kubectl(other, "get", "pods", "-o", "name").returncode == 0
    clients = {(r.method, r.headers.get("user-agent", "").split(" ")[0]) for r in seen}
    assert ("GET", USER_AGENT) in clients
    assert any(agent.startswith("kubectl/") for _, agent in clients)
    assert writes_seen(seen, []) == []


@pytest.mark.writes_on_purpose
def test_a_kubernetes_write_is_caught(fake_cluster: FakeCluster) -> None:
    with FakeCluster.recording() as seen:
        post = urllib.request.Request(f"{fake_cluster.url}/api/v1/namespaces", method="POST")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(post, timeout=10)
    assert writes_seen(seen, []) == ["Kubernetes: POST /api/v1/namespaces"]


def test_the_audit_names_clusterready_s_aws_operations(moto_server: MotoServer) -> None:
    before = len(moto_server.requests())
    aws = AwsSession(region="eu-west-1")
    aws.client("ec2").describe_subnets()
    aws.client("ssm").get_parameters(Names=["/nope"])  # a JSON protocol: X-Amz-Target
    ours = [r for r in moto_server.requests(since=before) if USER_AGENT in r.user_agent]
    assert [r.operation for r in ours] == ["DescribeSubnets", "GetParameters"]
    assert all(r.is_read for r in ours)


@pytest.mark.writes_on_purpose
def test_an_aws_write_by_clusterready_is_caught(moto_server: MotoServer) -> None:
    """AwsSession refuses writes before sending them; a client with its user agent
    that does send one is what the audit catches."""
    import boto3
    import botocore.config

    before = len(moto_server.requests())
    config = botocore.config.Config(user_agent_extra=USER_AGENT)
    boto3.session.Session(region_name="eu-west-1").client("ec2", config=config).create_vpc(
        CidrBlock="10.99.0.0/16"
    )
    boto3.session.Session(region_name="eu-west-1").client("ec2").create_vpc(
        CidrBlock="10.98.0.0/16"  # no clusterready user agent: the tests' own seeding
    )
    assert writes_seen([], moto_server.requests(since=before)) == ["AWS: POST / CreateVpc"]


def test_child_processes_are_audited_too(moto_server: MotoServer) -> None:
    """A child pytest's AWS requests land in the same server log."""
    before = len(moto_server.requests())
    code = "from clusterready.aws import AwsSession; AwsSession().identity()"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    ours = [r for r in moto_server.requests(since=before) if USER_AGENT in r.user_agent]
    assert [r.operation for r in ours] == ["GetCallerIdentity"]

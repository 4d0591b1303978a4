"""Each preflight check, passing and failing, against moto in server mode over HTTP."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from clusterready.aws import (
    AwsSession,
    CheckResult,
    Inventory,
    PreflightWarning,
    check_account,
    check_az_spread,
    check_dhcp_options,
    check_egress,
    check_export,
    check_free_ips,
    check_iam_role,
    check_lb_tags,
    check_ssm_parameter,
    check_vpc_dns,
    check_vpc_endpoint,
)
from clusterready.errors import CannotEvaluate, CheckFailed
from clusterready.spec import ClusterSpec
from clusterready.testing.moto import MotoServer, seed_account

BASE: dict[str, Any] = {
    "vpc": {"cidr": "10.30.0.0/16"},
    "dhcp": {
        "domain-name-servers": ["AmazonProvidedDNS"],
        "domain-name": ["eu-west-1.compute.internal"],
    },
    "subnets": [
        {"name": "private-a", "az": "eu-west-1a", "cidr": "10.30.0.0/24", "role": "private"},
        {"name": "private-b", "az": "eu-west-1b", "cidr": "10.30.1.0/24", "role": "private"},
        {"name": "public-a", "az": "eu-west-1a", "cidr": "10.30.2.0/24", "role": "public"},
    ],
}

Account = Callable[..., tuple[dict[str, Any], Inventory]]


@pytest.fixture(scope="module")
def aws_session(moto_server: MotoServer) -> AwsSession:
    return AwsSession(region="eu-west-1")


@pytest.fixture(scope="module")
def seeded() -> dict[str, dict[str, Any]]:
    """The accounts seeded so far in this module, by description and region."""
    return {}


@pytest.fixture
def account(
    moto_server: MotoServer, aws_session: AwsSession, seeded: dict[str, dict[str, Any]]
) -> Account:
    """account(description_changes, preflight) -> (ids, Inventory over a VPC so described).

    A description is seeded once per module: the checks only read it (every test's
    teardown proves that), so tests that ask for the same one share it.
    """

    def make(
        preflight: dict[str, Any] | None = None,
        region: str = "eu-west-1",
        session: AwsSession | None = None,
        **changes: Any,
    ) -> tuple[dict[str, Any], Inventory]:
        description = {**copy.deepcopy(BASE), **changes}
        key = json.dumps([description, region], sort_keys=True)
        if key not in seeded:
            seeded[key] = seed_account(description, region, moto_server.url)
        ids = seeded[key]
        spec = {
            "vpc_id": ids["vpc_id"],
            "subnets": [{"id": s["id"], "role": s["role"]} for s in ids["subnets"]],
            **(preflight or {}),
        }
        return ids, Inventory(
            session or aws_session, ClusterSpec.from_mapping({"preflight": spec}).preflight
        )

    return make


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def failed(result: CheckResult) -> str:
    assert not result.ok, result
    with pytest.raises(CheckFailed) as err:
        result.check()
    assert str(err.value) == f"{result.subject}: {result.message}"
    return result.message


# --------------------------------------------------------------------------- subnets


def test_free_ips_pass_and_fail_at_the_threshold(account: Account) -> None:
    subnets = [
        {
            "name": "busy",
            "az": "eu-west-1a",
            "cidr": "10.30.0.0/24",
            "role": "private",
            "used_ips": 151,
        }
    ]
    _ids, inventory = account(subnets=subnets, preflight={"min_free_ips": 100})
    subnet = inventory.spec.subnets[0]
    assert check_free_ips(inventory, subnet).check().observed["free_ips"] == 100
    _, strict = account(subnets=subnets, preflight={"min_free_ips": 101})
    assert failed(check_free_ips(strict, strict.spec.subnets[0])) == (
        "100 free IPs of 256 in 10.30.0.0/24, eu-west-1a, below the threshold of 101"
    )


def test_free_ips_threshold_per_subnet(account: Account) -> None:
    _ids, inventory = account(
        subnets=[{"name": "tiny", "az": "eu-west-1a", "cidr": "10.30.0.0/28", "role": "private"}]
    )
    subnet = inventory.spec.subnets[0]
    assert failed(check_free_ips(inventory, subnet)) == (
        "11 free IPs of 16 in 10.30.0.0/28, eu-west-1a, below the threshold of 100"
    )
    _, lenient = account(
        subnets=[{"name": "tiny", "az": "eu-west-1a", "cidr": "10.30.0.0/28", "role": "private"}]
    )
    from clusterready.spec import SubnetSpec

    assert check_free_ips(lenient, SubnetSpec(id=lenient.spec.subnets[0].id, min_free_ips=10)).ok


def test_a_missing_subnet(account: Account) -> None:
    _, inventory = account(preflight={"subnets": ["subnet-0123456789abcdef0"]})
    assert failed(check_free_ips(inventory, inventory.spec.subnets[0])) == (
        "subnet not found in this account and region"
    )


def test_az_spread(account: Account) -> None:
    _, inventory = account(preflight={"min_azs": 2})
    zones = sorted({s["AvailabilityZoneId"] for s in inventory.subnets.values()})
    assert len(zones) == 2  # eu-west-1a and eu-west-1b, by zone id
    assert check_az_spread(inventory).check().observed["az_ids"] == zones
    _, narrow = account(preflight={"min_azs": 3})
    assert failed(check_az_spread(narrow)) == (
        f"span 2 availability zone(s) ({', '.join(zones)}), 3 needed"
    )


def test_disallowed_az_ids(account: Account, moto_server: MotoServer) -> None:
    east = AwsSession(region="us-east-1")
    subnets = [
        {"name": "e", "az": "us-east-1e", "cidr": "10.30.0.0/24", "role": "private"},
        {"name": "a", "az": "us-east-1a", "cidr": "10.30.1.0/24", "role": "private"},
    ]
    ids, inventory = account(subnets=subnets, region="us-east-1", session=east, dhcp=None)
    message = failed(check_az_spread(inventory))
    assert (
        message == f"in availability zones EKS does not support: {ids['subnets'][0]['id']} "
        "(use1-az3)"
    )


def test_lb_tags(account: Account) -> None:
    subnets = [
        {"name": "tagged", "az": "eu-west-1a", "cidr": "10.30.0.0/24", "role": "public"},
        {
            "name": "bare",
            "az": "eu-west-1b",
            "cidr": "10.30.1.0/24",
            "role": "private",
            "lb_tag": False,
        },
    ]
    _, inventory = account(subnets=subnets)
    tagged, bare = inventory.spec.subnets
    assert check_lb_tags(inventory, tagged).check().message == "kubernetes.io/role/elb=1"
    assert failed(check_lb_tags(inventory, bare)) == (
        "private subnet: tag kubernetes.io/role/internal-elb is missing, expected '1'"
    )


def test_lb_tags_as_a_warning(account: Account) -> None:
    subnets = [
        {
            "name": "bare",
            "az": "eu-west-1b",
            "cidr": "10.30.1.0/24",
            "role": "private",
            "lb_tag": False,
        }
    ]
    _, inventory = account(subnets=subnets, preflight={"lb_subnet_tags": "warn"})
    with pytest.warns(PreflightWarning, match="tag kubernetes.io/role/internal-elb is missing"):
        check_lb_tags(inventory, inventory.spec.subnets[0]).check()


def test_egress_routes(account: Account) -> None:
    _, inventory = account()
    private, _, public = inventory.spec.subnets
    assert check_egress(inventory, private).check().message.endswith("(available)")
    assert check_egress(inventory, public).check().message.startswith("0.0.0.0/0 -> igw-")


def test_private_subnet_without_nat_uses_the_main_table_and_fails(account: Account) -> None:
    subnets = [{"name": "lonely", "az": "eu-west-1a", "cidr": "10.30.0.0/24", "role": "private"}]
    _, inventory = account(subnets=subnets)
    message = failed(check_egress(inventory, inventory.spec.subnets[0]))
    assert message.startswith("private subnet: 0.0.0.0/0 goes to none in rtb-")
    assert message.endswith(", expected an available NAT gateway")


# --------------------------------------------------------------------------- VPC


def test_vpc_dns(account: Account) -> None:
    _, inventory = account()
    assert check_vpc_dns(inventory).check().observed == {
        "enableDnsSupport": True,
        "enableDnsHostnames": True,
    }
    _, off = account(vpc={"cidr": "10.30.0.0/16", "dns_hostnames": False})
    assert failed(check_vpc_dns(off)) == (
        "enableDnsHostnames off (nodes cannot register without DNS resolution and hostnames)"
    )


@pytest.mark.parametrize(
    ("dhcp", "message"),
    [
        (None, "DHCP options set is 'default' (no DNS server, no domain name)"),
        (
            {"domain-name-servers": ["10.0.0.2"], "domain-name": ["corp.example"]},
            "domain-name-servers ['10.0.0.2'] holds none of ['AmazonProvidedDNS']",
        ),
        (
            {"domain-name-servers": ["AmazonProvidedDNS"], "domain-name": ["a.example b.example"]},
            "domain-name holds 2 names (a.example b.example), expected exactly one",
        ),
    ],
)
def test_dhcp_options_fail(account: Account, dhcp: dict[str, Any] | None, message: str) -> None:
    _, inventory = account(dhcp=dhcp)
    assert failed(check_dhcp_options(inventory)) == message


def test_dhcp_options_pass(account: Account) -> None:
    _, inventory = account()
    assert check_dhcp_options(inventory).check().message == (
        "resolvers ['AmazonProvidedDNS'], domain eu-west-1.compute.internal"
    )


def test_vpc_not_found(account: Account) -> None:
    _, inventory = account(preflight={"vpc_id": "vpc-0123456789abcdef0", "subnets": []})
    assert failed(check_vpc_dns(inventory)) == "VPC not found"


def test_vpc_endpoints(account: Account) -> None:
    _, inventory = account(vpc_endpoints=["ecr.api", "s3"])
    assert check_vpc_endpoint(inventory, "ecr.api").check().ok
    assert check_vpc_endpoint(inventory, "s3").check().ok
    assert failed(check_vpc_endpoint(inventory, "logs")) == (
        f"no VPC endpoint for com.amazonaws.eu-west-1.logs in {inventory.vpc_id}"
    )


# --------------------------------------------------------------------------- account


def test_exports(account: Account) -> None:
    stack = unique("stack")
    vpc_export, name_export = unique("VpcId"), unique("AccountName")
    _, inventory = account(
        stack={"name": stack, "exports": {vpc_export: "${VpcId}", name_export: "platform-prod"}}
    )
    from clusterready.spec import ExportSpec

    assert check_export(inventory, ExportSpec(name=vpc_export)).check().observed == {
        "value": inventory.vpc_id
    }
    assert check_export(inventory, ExportSpec(name=name_export, value="platform-prod")).ok
    assert failed(check_export(inventory, ExportSpec(name=name_export, value="x"))) == (
        "value 'platform-prod', expected 'x'"
    )
    assert failed(check_export(inventory, ExportSpec(name=name_export, pattern="^prod"))) == (
        "value 'platform-prod' does not match '^prod'"
    )
    assert failed(check_export(inventory, ExportSpec(name=unique("Missing")))) == (
        "export not found"
    )


def test_ssm_parameters(account: Account) -> None:
    plain, secret = unique("/eks/ami"), unique("/eks/api-key")
    from clusterready.spec import SsmParameterSpec as P

    _, inventory = account(
        ssm_parameters=[
            {"name": plain, "value": "ami-0abc"},
            {"name": secret, "type": "SecureString", "value": "s3cr3t-v4lue"},
        ],
        preflight={"ssm_parameters": [plain, secret]},
    )
    assert check_ssm_parameter(inventory, P(name=plain, type="String", pattern="^ami-")).ok
    assert check_ssm_parameter(inventory, P(name=secret, type="SecureString", pattern="^s3cr3t")).ok
    assert failed(check_ssm_parameter(inventory, P(name=plain, pattern="^x"))) == (
        "value 'ami-0abc' does not match '^x'"
    )
    assert failed(check_ssm_parameter(inventory, P(name=secret, pattern="^x"))) == (
        "value (a SecureString: value not shown) does not match '<not shown>'"
    )
    assert failed(check_ssm_parameter(inventory, P(name=plain, type="SecureString"))) == (
        "type String, expected SecureString"
    )
    assert failed(check_ssm_parameter(inventory, P(name=unique("/nope")))) == (
        "parameter not found"
    )
    assert "s3cr3t" not in repr(inventory.parameters)


def test_ssm_parameters_are_read_ten_at_a_time(account: Account, aws_session: AwsSession) -> None:
    names = [unique(f"/p{i}") for i in range(23)]
    _, inventory = account(
        ssm_parameters=[{"name": n, "value": "v"} for n in names],
        preflight={"ssm_parameters": names},
    )
    before = aws_session.calls["ssm:GetParameters"]
    assert len(inventory.parameters) == 23
    assert aws_session.calls["ssm:GetParameters"] - before == 3


def test_iam_roles(account: Account) -> None:
    node = unique("node-role")
    from clusterready.spec import IamRoleSpec as R

    _, inventory = account(
        iam_roles=[
            {"name": node, "trust": "ec2.amazonaws.com", "policies": ["AmazonEKSWorkerNodePolicy"]}
        ],
        preflight={"iam_roles": [node]},
    )
    assert check_iam_role(
        inventory,
        R(
            name=node,
            trust_principal="ec2.amazonaws.com",
            managed_policies=("AmazonEKSWorkerNodePolicy",),
        ),
    ).ok
    assert failed(check_iam_role(inventory, R(name=node, trust_principal="eks.amazonaws.com"))) == (
        "trusts ['ec2.amazonaws.com'], expected eks.amazonaws.com with sts:AssumeRole"
    )
    assert (
        failed(check_iam_role(inventory, R(name=node, managed_policies=("AmazonEKS_CNI_Policy",))))
        == "managed policies missing: AmazonEKS_CNI_Policy"
    )
    _, other = account(preflight={"iam_roles": [unique("ghost")]})
    assert failed(check_iam_role(other, other.spec.iam_roles[0])) == "role not found"


def test_account(account: Account) -> None:
    _, inventory = account()
    assert check_account(inventory, "123456789012").check().ok
    assert failed(check_account(inventory, "210987654321")) == (
        "the credentials are in account 123456789012 (arn:aws:sts::123456789012:user/moto), "
        "expected 210987654321"
    )


# --------------------------------------------------------------------------- session


def test_describes_are_batched(account: Account, aws_session: AwsSession) -> None:
    _, inventory = account()
    before = dict(aws_session.calls)
    for subnet in inventory.spec.subnets:
        check_free_ips(inventory, subnet)
        check_lb_tags(inventory, subnet)
        check_egress(inventory, subnet)
    made = {k: v - before.get(k, 0) for k, v in aws_session.calls.items() if v != before.get(k, 0)}
    assert made == {
        "ec2:DescribeSubnets": 1,
        "ec2:DescribeRouteTables": 1,
        "ec2:DescribeNatGateways": 1,
        "ec2:DescribeInternetGateways": 1,
    }


def test_the_session_refuses_writes(aws_session: AwsSession) -> None:
    ec2 = aws_session.client("ec2")
    vpcs = len(ec2.describe_vpcs()["Vpcs"])
    with pytest.raises(PermissionError, match="read-only: ec2:CreateVpc is not sent"):
        ec2.create_vpc(CidrBlock="10.99.0.0/16")
    assert len(ec2.describe_vpcs()["Vpcs"]) == vpcs


def test_clients_are_created_once(aws_session: AwsSession) -> None:
    assert aws_session.client("ssm") is aws_session.client("ssm")
    config = aws_session.client("ec2").meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}  # retried by call()
    assert (config.connect_timeout, config.read_timeout) == (5.0, 15.0)


def test_unknown_region(moto_server: MotoServer) -> None:
    with pytest.raises(CannotEvaluate, match=r"^AWS: unknown region 'xx-nowhere-1'"):
        AwsSession(region="xx-nowhere-1").client("ec2")


# --------------------------------------------------------------------------- sessions


def test_sessions_share_the_service_models_and_honour_aws_data_path(
    moto_server: MotoServer, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = AwsSession(region="eu-west-1"), AwsSession(region="eu-west-1")
    loader = first.session._loader
    assert second.session._loader is loader
    assert len(loader.search_paths) == len(set(loader.search_paths))
    assert second.call("sts", "get_caller_identity")["Account"]
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    own = AwsSession(region="eu-west-1").session._loader
    assert own is not loader
    assert str(tmp_path) in own.search_paths


def test_a_server_whose_preload_names_no_service_still_serves() -> None:
    with MotoServer(preload=("sts", "no-such-service")) as server:
        session = AwsSession(region="eu-west-1")
        client = session.session.client(
            "sts",
            endpoint_url=server.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert client.get_caller_identity()["Account"] == "123456789012"

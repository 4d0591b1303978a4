"""moto in server mode for preflight tests: a server per process, and a realistic account.

:class:`MotoServer` runs ``moto.server`` on 127.0.0.1 (a free port) in a child
process; :meth:`MotoServer.environ` gives the variables that point boto3 at it
(``AWS_ENDPOINT_URL``, dummy credentials, a region, no profile or config file),
so checks run unchanged. The pytest fixture ``moto_server`` starts one per
process (so one per xdist worker) and sets those variables for the session.
:meth:`MotoServer.requests` reads the server's request log (moto's recorder), so a
test can prove from the server's side that what it ran only read.

:func:`seed_account` builds a VPC as a cluster needs it (public and private
subnets over several AZs, an internet gateway, NAT gateways, route tables, a
proper DHCP options set, VPC endpoints) and the SSM parameters, CloudFormation
exports and IAM roles a description asks for. ``make demo`` seeds it from
``examples/demo-aws.yaml``.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from clusterready.aws.session import READ_PREFIXES
from clusterready.testing.lifecycle import LoopbackServer

__all__ = ["PREFLIGHT_SERVICES", "AwsRequest", "MotoServer", "seed_account"]

#: The services the preflight checks read (their botocore names).
PREFLIGHT_SERVICES = ("sts", "ec2", "ssm", "iam", "cloudformation")

#: ``moto.server`` with the back ends named in argv[1] (comma-separated) loaded in a
#: thread as it starts: moto imports a service's back end at its first call otherwise,
#: and IAM's managed policies (for every partition) at an account's second request.
_SERVE = """
import sys, threading
from moto.backends import get_backend
from moto.server import main

def preload(services):
    for name in services:
        get_backend(name)
    if "iam" in services:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.iam.models import get_account_id_from
        get_backend("iam")[DEFAULT_ACCOUNT_ID]
        get_account_id_from("")

services = [name for name in sys.argv[1].split(",") if name]
threading.Thread(target=preload, args=(services,), daemon=True).start()
main(sys.argv[2:])
"""

_RUNNING = re.compile(r"Running on (http://127\.0\.0\.1:\d+)")
# Authorization: AWS4-HMAC-SHA256 Credential=KEY/20261201/eu-west-1/ec2/aws4_request, ...
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")

#: Variables that could point boto3 at a real account; moto runs never inherit them.
_REAL_AWS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
)


@dataclass(frozen=True)
class AwsRequest:
    """One request a moto server received, as its recorder logged it."""

    method: str
    path: str
    #: The service signed for ("ec2", "ssm"...), from the SigV4 credential scope.
    service: str
    #: The API operation (``Action`` of the query protocols, ``X-Amz-Target`` of the
    #: JSON ones), or "" for a REST API (S3, EKS...), where the method says it all.
    operation: str
    user_agent: str

    @property
    def is_read(self) -> bool:
        """A Describe*/Get*/List* operation, or a GET/HEAD of a REST API.

        >>> AwsRequest("POST", "/", "ec2", "DescribeSubnets", "").is_read
        True
        >>> AwsRequest("POST", "/", "ec2", "CreateVpc", "").is_read
        False
        """
        if self.operation:
            return self.operation.startswith(READ_PREFIXES)
        return self.method in ("GET", "HEAD")


def _aws_request(entry: Mapping[str, Any]) -> AwsRequest:
    headers = {str(k).lower(): str(v) for k, v in entry.get("headers", {}).items()}
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    split = urlsplit(str(entry.get("url", "")))
    target = headers.get("x-amz-target", "")
    if target:
        operation = target.rpartition(".")[2]
    else:
        form = parse_qs(split.query)
        if "x-www-form-urlencoded" in headers.get("content-type", ""):
            form.update(parse_qs(body))
        operation = (form.get("Action") or [""])[0]
    scope = _CREDENTIAL_SCOPE.search(headers.get("authorization", ""))
    return AwsRequest(
        str(entry.get("method", "")),
        split.path,
        scope.group(1) if scope else "",
        operation,
        headers.get("user-agent", ""),
    )


class MotoServer(LoopbackServer):
    """A moto server on loopback, in its own process.

    Use it as a context manager; ``environ(region)`` gives the variables that
    point a child process at it (tests/test_preflight_suite.py shows it at work).
    """

    def __init__(self, start_timeout: float = 60.0, preload: Sequence[str] = ()) -> None:
        """:param preload: services whose back ends the server loads as it starts, beside
        serving (moto loads one at its first call: EC2's and CloudFormation's take about
        a second of CPU each), e.g. :data:`PREFLIGHT_SERVICES`."""
        self.start_timeout = start_timeout
        self.preload = tuple(preload)
        self._proc: subprocess.Popen[str] | None = None
        self._url: str | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def start(self) -> MotoServer:
        if self._proc is not None:
            return self
        self._tmp = tempfile.TemporaryDirectory(prefix="motoserver-")
        env = {
            **os.environ,
            "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
            # No public AMIs: loading them is 3/4 of EC2's start-up, and no check reads them.
            "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
            # moto's recorder logs every request (headers and body) as a JSON line.
            "MOTO_ENABLE_RECORDING": "true",
            "MOTO_RECORDER_FILEPATH": str(self._log),
        }
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _SERVE, ",".join(self.preload), "-H", "127.0.0.1", "-p", "0"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        found: list[str] = []
        ready = threading.Event()
        assert self._proc.stderr is not None
        stderr = self._proc.stderr

        def drain() -> None:  # werkzeug logs every request: keep the pipe empty
            for line in stderr:
                match = _RUNNING.search(line)
                if match and not found:
                    found.append(match.group(1))
                    ready.set()
            ready.set()

        threading.Thread(target=drain, name="moto-stderr", daemon=True).start()
        if not ready.wait(self.start_timeout) or not found:
            self.stop()
            raise RuntimeError(f"moto server did not start within {self.start_timeout:g}s")
        self._url = found[0]
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=5).read()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self._proc is not None:
            # SIGKILL: the server holds nothing worth a clean exit, and its SIGTERM
            # handler's interpreter teardown takes seconds.
            self._proc.kill()
            self._proc.wait(timeout=10)
            self._proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def _log(self) -> Path:
        if self._tmp is None:
            raise self.not_started("MotoServer")
        return Path(self._tmp.name) / "requests.jsonl"

    def requests(self, since: int = 0) -> list[AwsRequest]:
        """The requests received so far (from the ``since``-th on), in order.

        Every client's requests are there, the seeding's too: a request's
        ``user_agent`` tells who sent it (clusterready's carry ``clusterready/``).
        """
        if not self._log.exists():
            return []
        lines = self._log.read_text(encoding="utf-8").splitlines()[since:]
        return [_aws_request(json.loads(line)) for line in lines if line.strip()]

    @property
    def url(self) -> str:
        if self._url is None:
            raise self.not_started("MotoServer")
        return self._url

    def environ(
        self, region: str = "eu-west-1", base: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """``base`` (default: os.environ) pointed at this server, with no real credentials."""
        env = {
            k: v for k, v in (os.environ if base is None else base).items() if k not in _REAL_AWS
        }
        env.update(
            {
                "AWS_ENDPOINT_URL": self.url,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": region,
                "AWS_REGION": region,
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true",
            }
        )
        return env

    def reset(self) -> None:
        """Forget every resource (about 0.1-0.5 s)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=30).read()


@functools.cache
def _seeding_client(name: str, region: str, endpoint_url: str) -> Any:
    """A boto3 client for seed_account, made once per process: making one loads its
    service model (EC2's is large): a large part of each seeding's cost otherwise."""
    import boto3

    session = boto3.session.Session(
        region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return session.client(name, endpoint_url=endpoint_url)


def seed_account(description: Mapping[str, Any], region: str, endpoint_url: str) -> dict[str, Any]:
    """Create the resources ``description`` asks for; return the ids AWS gave them.

    The description (see ``examples/demo-aws.yaml``) has ``vpc``, ``subnets`` (name,
    az, cidr, role, optional ``used_ips``), ``dhcp``, ``vpc_endpoints``,
    ``ssm_parameters``, ``stack`` (name and exports) and ``iam_roles``. The result
    has ``vpc_id`` and ``subnets`` as ``[{"id", "name", "role"}]``.
    """

    def client(name: str) -> Any:
        return _seeding_client(name, region, endpoint_url)

    ec2 = client("ec2")
    vpc_spec = description.get("vpc", {})
    vpc_id = ec2.create_vpc(CidrBlock=vpc_spec.get("cidr", "10.0.0.0/16"))["Vpc"]["VpcId"]
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        key = "dns_support" if attribute == "EnableDnsSupport" else "dns_hostnames"
        ec2.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": vpc_spec.get(key, True)}})
    dhcp = description.get("dhcp")
    if dhcp:
        options = ec2.create_dhcp_options(
            DhcpConfigurations=[
                {"Key": key, "Values": list(values)} for key, values in dhcp.items()
            ]
        )
        ec2.associate_dhcp_options(
            DhcpOptionsId=options["DhcpOptions"]["DhcpOptionsId"], VpcId=vpc_id
        )
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)

    created: list[dict[str, Any]] = []
    for subnet in description.get("subnets", []):
        made = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=subnet["cidr"], AvailabilityZone=subnet["az"]
        )["Subnet"]
        tags = [{"Key": "Name", "Value": subnet["name"]}]
        if subnet.get("lb_tag", True) and subnet.get("role") in ("public", "private"):
            key = (
                "kubernetes.io/role/elb"
                if subnet["role"] == "public"
                else ("kubernetes.io/role/internal-elb")
            )
            tags.append({"Key": key, "Value": "1"})
        ec2.create_tags(Resources=[made["SubnetId"]], Tags=tags)
        if subnet.get("used_ips"):  # ENIs with secondary IPs take exactly used_ips addresses
            ec2.create_network_interface(
                SubnetId=made["SubnetId"], SecondaryPrivateIpAddressCount=subnet["used_ips"] - 1
            )
        created.append(
            {
                "id": made["SubnetId"],
                "name": subnet["name"],
                "role": subnet.get("role", ""),
                "az": subnet["az"],
            }
        )

    public_rt = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    nat_by_az: dict[str, str] = {}
    for subnet in created:
        if subnet["role"] == "public":
            ec2.associate_route_table(RouteTableId=public_rt, SubnetId=subnet["id"])
            if subnet["az"] not in nat_by_az:
                allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
                nat = ec2.create_nat_gateway(SubnetId=subnet["id"], AllocationId=allocation)
                nat_by_az[subnet["az"]] = nat["NatGateway"]["NatGatewayId"]
    private_tables: list[str] = []
    for subnet in created:
        if subnet["role"] == "private" and nat_by_az:
            nat_id = nat_by_az.get(subnet["az"]) or next(iter(nat_by_az.values()))
            table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
            ec2.create_route(
                RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id
            )
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnet["id"])
            private_tables.append(table)

    private_ids = [s["id"] for s in created if s["role"] == "private"]
    for service in description.get("vpc_endpoints", []):
        name = f"com.amazonaws.{region}.{service}"
        if service == "s3":
            ec2.create_vpc_endpoint(
                VpcId=vpc_id,
                ServiceName=name,
                VpcEndpointType="Gateway",
                RouteTableIds=private_tables or [public_rt],
            )
        else:
            ec2.create_vpc_endpoint(
                VpcId=vpc_id,
                ServiceName=name,
                VpcEndpointType="Interface",
                SubnetIds=private_ids[:1] or [created[0]["id"]],
                PrivateDnsEnabled=True,
            )

    ssm = client("ssm")
    for parameter in description.get("ssm_parameters", []):
        ssm.put_parameter(
            Name=parameter["name"],
            Value=str(parameter["value"]),
            Type=parameter.get("type", "String"),
            Overwrite=True,
        )

    stack = description.get("stack")
    if stack:
        template = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {
                "Marker": {
                    "Type": "AWS::SSM::Parameter",
                    "Properties": {
                        "Name": f"/clusterready/{stack['name']}",
                        "Type": "String",
                        "Value": vpc_id,
                    },
                }
            },
            "Outputs": {
                re.sub(r"[^A-Za-z0-9]", "", name) or "Output": {
                    "Value": str(value).replace("${VpcId}", vpc_id),
                    "Export": {"Name": name},
                }
                for name, value in stack.get("exports", {}).items()
            },
        }
        client("cloudformation").create_stack(
            StackName=stack["name"], TemplateBody=json.dumps(template)
        )

    iam = client("iam")
    for role in description.get("iam_roles", []):
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": role["trust"]},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        iam.create_role(RoleName=role["name"], AssumeRolePolicyDocument=json.dumps(trust))
        for policy in role.get("policies", []):
            iam.attach_role_policy(
                RoleName=role["name"], PolicyArn=f"arn:aws:iam::aws:policy/{policy}"
            )
    return {"vpc_id": vpc_id, "subnets": created}

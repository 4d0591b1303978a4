"""What the preflight checks read from AWS, fetched lazily, batched and kept.

Each kind of data is read once per run with as few calls as the APIs allow: all
the spec's subnets in one ``DescribeSubnets``, all route tables, NAT and internet
gateways and endpoints of the VPC in one call each, exports through the
``ListExports`` paginator, parameters through ``GetParameters`` in chunks of 10.
The checks (:mod:`clusterready.aws.checks`) then read from here.

SecureString values are kept as :class:`Secret`, which never prints its value.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from clusterready.aws.session import AwsSession
from clusterready.errors import CannotEvaluate
from clusterready.spec import PreflightSection

__all__ = ["Inventory", "Parameter", "Role", "Secret"]


class Secret(str):
    """A string whose value never shows in ``repr``/``str``/formatting.

    >>> s = Secret("hunter2")
    >>> f"{s} {s!r}", s.reveal() == "hunter2"
    ('<secret> <secret>', True)
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "<secret>"

    def __str__(self) -> str:
        return "<secret>"

    def __format__(self, spec: str) -> str:
        return format("<secret>", spec)

    def reveal(self) -> str:
        """The value itself, for a comparison (never print it)."""
        return str.__str__(self)


@dataclass(frozen=True)
class Parameter:
    """An SSM parameter as read (a SecureString value is a :class:`Secret`)."""

    name: str
    type: str
    value: str = field(repr=False)


@dataclass(frozen=True)
class Role:
    """An IAM role with its trust policy and attached managed policies."""

    name: str
    arn: str
    trust: dict[str, Any]
    policies: tuple[str, ...]  # policy names and ARNs


class Inventory:
    """The AWS state the preflight checks look at, read once per run."""

    def __init__(self, aws: AwsSession, spec: PreflightSection) -> None:
        self.aws = aws
        self.spec = spec

    def _call(
        self, service: str, operation: str, allow: tuple[str, ...] = (), **kwargs: Any
    ) -> dict[str, Any]:
        """One call; ClientErrors other than the ``allow``-ed codes cannot be evaluated."""
        return self.aws.call(service, operation, allow, **kwargs)

    def _pages(self, service: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
        return self.aws.pages(service, operation, key, **kwargs)

    # ------------------------------------------------------------------ network

    @functools.cached_property
    def subnets(self) -> dict[str, dict[str, Any]]:
        """The spec's subnets by id (a missing one is absent, not an error)."""
        ids = [s.id for s in self.spec.subnets]
        if not ids:
            return {}
        found = self._pages(
            "ec2", "describe_subnets", "Subnets", Filters=[{"Name": "subnet-id", "Values": ids}]
        )
        return {s["SubnetId"]: s for s in found}

    @functools.cached_property
    def vpc_id(self) -> str:
        """The spec's VPC, or the one its subnets are in."""
        if self.spec.vpc_id:
            return self.spec.vpc_id
        vpcs: set[str] = {s["VpcId"] for s in self.subnets.values()}
        if len(vpcs) != 1:
            raise CannotEvaluate(
                "AWS: cannot tell the cluster's VPC: set preflight.vpc_id in the spec "
                f"(the subnets found are in {len(vpcs)} VPCs)"
            )
        return vpcs.pop()

    @functools.cached_property
    def vpc(self) -> dict[str, Any] | None:
        """The VPC, or None when it does not exist."""
        import botocore.exceptions

        try:
            found = self._call("ec2", "describe_vpcs", allow=_VPC_MISSING, VpcIds=[self.vpc_id])[
                "Vpcs"
            ]
        except botocore.exceptions.ClientError:
            return None
        return found[0] if found else None

    @functools.cached_property
    def vpc_dns(self) -> dict[str, bool]:
        """``enableDnsSupport`` and ``enableDnsHostnames`` (one call each: the API's limit)."""
        result = {}
        for attribute in ("enableDnsSupport", "enableDnsHostnames"):
            answer = self._call(
                "ec2", "describe_vpc_attribute", VpcId=self.vpc_id, Attribute=attribute
            )
            key = attribute[0].upper() + attribute[1:]
            result[attribute] = bool(answer.get(key, {}).get("Value"))
        return result

    @functools.cached_property
    def dhcp_options(self) -> dict[str, list[str]] | None:
        """The VPC's DHCP options (key -> values), or None when it is on ``default``."""
        vpc = self.vpc
        options_id = (vpc or {}).get("DhcpOptionsId", "default")
        if options_id == "default":
            return None
        sets = self._call("ec2", "describe_dhcp_options", DhcpOptionsIds=[options_id])[
            "DhcpOptions"
        ]
        return {
            c["Key"]: [v["Value"] for v in c.get("Values", [])]
            for c in (sets[0]["DhcpConfigurations"] if sets else [])
        }

    @functools.cached_property
    def route_tables(self) -> list[dict[str, Any]]:
        return self._pages(
            "ec2",
            "describe_route_tables",
            "RouteTables",
            Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}],
        )

    @functools.cached_property
    def nat_gateways(self) -> dict[str, dict[str, Any]]:
        found = self._pages(
            "ec2",
            "describe_nat_gateways",
            "NatGateways",
            Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}],
        )
        return {n["NatGatewayId"]: n for n in found}

    @functools.cached_property
    def internet_gateways(self) -> set[str]:
        found = self._pages(
            "ec2",
            "describe_internet_gateways",
            "InternetGateways",
            Filters=[{"Name": "attachment.vpc-id", "Values": [self.vpc_id]}],
        )
        return {g["InternetGatewayId"] for g in found}

    @functools.cached_property
    def vpc_endpoints(self) -> list[dict[str, Any]]:
        return self._pages(
            "ec2",
            "describe_vpc_endpoints",
            "VpcEndpoints",
            Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}],
        )

    def route_table_of(self, subnet_id: str) -> dict[str, Any] | None:
        """The subnet's route table: its explicit association, else the VPC's main table."""
        main = None
        for table in self.route_tables:
            for assoc in table.get("Associations", []):
                if assoc.get("SubnetId") == subnet_id:
                    return table
                if assoc.get("Main"):
                    main = table
        return main

    # ------------------------------------------------------------------ account

    @functools.cached_property
    def exports(self) -> dict[str, str]:
        return {
            e["Name"]: e["Value"] for e in self._pages("cloudformation", "list_exports", "Exports")
        }

    @functools.cached_property
    def parameters(self) -> dict[str, Parameter]:
        """The spec's SSM parameters by name, decrypted; a missing one is absent."""
        names = [p.name for p in self.spec.ssm_parameters]
        found: dict[str, Parameter] = {}
        for chunk in _chunks(names, 10):
            answer = self._call("ssm", "get_parameters", Names=chunk, WithDecryption=True)
            for p in answer.get("Parameters", []):
                value = Secret(p["Value"]) if p["Type"] == "SecureString" else p["Value"]
                found[p["Name"]] = Parameter(p["Name"], p["Type"], value)
        return found

    @functools.cached_property
    def roles(self) -> dict[str, Role | None]:
        """The spec's IAM roles by name (None when a role does not exist)."""
        import botocore.exceptions

        roles: dict[str, Role | None] = {}
        for spec in self.spec.iam_roles:
            try:
                role = self._call("iam", "get_role", allow=("NoSuchEntity",), RoleName=spec.name)[
                    "Role"
                ]
            except botocore.exceptions.ClientError:
                roles[spec.name] = None
                continue
            attached = self._pages(
                "iam", "list_attached_role_policies", "AttachedPolicies", RoleName=spec.name
            )
            policies = tuple(p[k] for p in attached for k in ("PolicyName", "PolicyArn"))
            roles[spec.name] = Role(
                spec.name, role["Arn"], role["AssumeRolePolicyDocument"], policies
            )
        return roles

    @functools.cached_property
    def caller(self) -> dict[str, Any]:
        return self.aws.identity()


def _chunks(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


_VPC_MISSING = ("InvalidVpcID.NotFound", "InvalidVpcID.Malformed")

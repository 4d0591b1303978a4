"""The preflight checks: functions over an Inventory and a spec entry.

Each returns a :class:`CheckResult` carrying what was observed; ``.check()``
raises :class:`~clusterready.errors.CheckFailed` with a message that shows it.
SecureString values never appear in a result.

>>> result = CheckResult(False, "subnet-0a", "12 free IPs, below 100", {"free": 12})
>>> result.check()
Traceback (most recent call last):
...
clusterready.errors.CheckFailed: subnet-0a: 12 free IPs, below 100
"""

from __future__ import annotations

import ipaddress
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from clusterready.aws.inventory import Inventory, Secret
from clusterready.errors import CheckFailed
from clusterready.spec import ExportSpec, IamRoleSpec, SsmParameterSpec, SubnetSpec

__all__ = [
    "CheckResult",
    "PreflightWarning",
    "check_account",
    "check_az_spread",
    "check_dhcp_options",
    "check_egress",
    "check_export",
    "check_free_ips",
    "check_iam_role",
    "check_lb_tags",
    "check_ssm_parameter",
    "check_vpc_dns",
    "check_vpc_endpoint",
]

LB_TAGS = {"public": "kubernetes.io/role/elb", "private": "kubernetes.io/role/internal-elb"}


class PreflightWarning(UserWarning):
    """A finding the spec asks to report without failing (e.g. lb_subnet_tags: warn)."""


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check on one subject, with what was observed."""

    ok: bool
    subject: str
    message: str
    observed: dict[str, Any] = field(default_factory=dict)
    warn_only: bool = False

    def check(self) -> CheckResult:
        """Raise CheckFailed when not ok (or warn, when the spec says warn); return self."""
        __tracebackhide__ = True
        if not self.ok:
            text = f"{self.subject}: {self.message}"
            if self.warn_only:
                warnings.warn(PreflightWarning(text), stacklevel=2)
            else:
                raise CheckFailed(text)
        return self


def _subnet_where(subnet: dict[str, Any]) -> str:
    return f"{subnet.get('CidrBlock')}, {subnet.get('AvailabilityZone')}"


def _missing_subnet(subnet_id: str) -> CheckResult:
    return CheckResult(False, subnet_id, "subnet not found in this account and region")


# --------------------------------------------------------------------------- subnets


def check_free_ips(inventory: Inventory, subnet: SubnetSpec) -> CheckResult:
    """At least the threshold of free IPs (``min_free_ips``, else preflight.min_free_ips)."""
    found = inventory.subnets.get(subnet.id)
    if found is None:
        return _missing_subnet(subnet.id)
    threshold = (
        subnet.min_free_ips if subnet.min_free_ips is not None else inventory.spec.min_free_ips
    )
    free = int(found.get("AvailableIpAddressCount", 0))
    observed = {
        "free_ips": free,
        "threshold": threshold,
        "cidr": found.get("CidrBlock"),
        "az": found.get("AvailabilityZone"),
    }
    if free >= threshold:
        return CheckResult(True, subnet.id, f"{free} free IPs ({_subnet_where(found)})", observed)
    size = ipaddress.ip_network(found["CidrBlock"]).num_addresses if found.get("CidrBlock") else "?"
    return CheckResult(
        False,
        subnet.id,
        f"{free} free IPs of {size} in {_subnet_where(found)}, below the threshold of {threshold}",
        observed,
    )


def check_az_spread(inventory: Inventory) -> CheckResult:
    """The subnets span ``min_azs`` zones, none in a zone id EKS does not support."""
    spec = inventory.spec
    subnets = [inventory.subnets.get(s.id) for s in spec.subnets]
    missing = [s.id for s, found in zip(spec.subnets, subnets, strict=True) if found is None]
    zones = sorted({s["AvailabilityZoneId"] for s in subnets if s})
    observed = {"az_ids": zones, "missing_subnets": missing}
    disallowed = sorted(
        f"{s['SubnetId']} ({s['AvailabilityZoneId']})"
        for s in subnets
        if s and s["AvailabilityZoneId"] in spec.disallowed_az_ids
    )
    if disallowed:
        return CheckResult(
            False,
            "subnets",
            "in availability zones EKS does not support: " + ", ".join(disallowed),
            observed,
        )
    if len(zones) < spec.min_azs:
        return CheckResult(
            False,
            "subnets",
            f"span {len(zones)} availability zone(s) "
            f"({', '.join(zones) or 'none'}), {spec.min_azs} needed",
            observed,
        )
    return CheckResult(True, "subnets", f"span {len(zones)} zones: {', '.join(zones)}", observed)


def check_lb_tags(inventory: Inventory, subnet: SubnetSpec) -> CheckResult:
    """Public subnets tagged ``kubernetes.io/role/elb=1``, private ``.../internal-elb=1``."""
    found = inventory.subnets.get(subnet.id)
    if found is None:
        return _missing_subnet(subnet.id)
    warn = inventory.spec.lb_subnet_tags == "warn"
    tags = {t["Key"]: t["Value"] for t in found.get("Tags", [])}
    if not subnet.role:
        return CheckResult(True, subnet.id, "no role in the spec: no load-balancer tag needed")
    key = LB_TAGS[subnet.role]
    observed = {"role": subnet.role, key: tags.get(key)}
    if tags.get(key) == "1":
        return CheckResult(True, subnet.id, f"{key}=1", observed)
    shown = "missing" if key not in tags else f"{tags[key]!r}"
    return CheckResult(
        False,
        subnet.id,
        f"{subnet.role} subnet: tag {key} is {shown}, expected '1'",
        observed,
        warn_only=warn,
    )


def check_egress(inventory: Inventory, subnet: SubnetSpec) -> CheckResult:
    """Private subnets route 0.0.0.0/0 to an available NAT gateway, public ones to an IGW."""
    found = inventory.subnets.get(subnet.id)
    if found is None:
        return _missing_subnet(subnet.id)
    if not subnet.role:
        return CheckResult(True, subnet.id, "no role in the spec: egress not checked")
    table = inventory.route_table_of(subnet.id)
    if table is None:
        return CheckResult(False, subnet.id, "no route table (neither associated nor main)")
    default = next(
        (r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == "0.0.0.0/0"), None
    )
    observed = {"route_table": table["RouteTableId"], "default_route": default}
    target = (
        "none"
        if default is None
        else (
            default.get("NatGatewayId")
            or default.get("GatewayId")
            or default.get("TransitGatewayId")
            or "another target"
        )
    )
    if subnet.role == "public":
        if target in inventory.internet_gateways:
            return CheckResult(True, subnet.id, f"0.0.0.0/0 -> {target}", observed)
        return CheckResult(
            False,
            subnet.id,
            f"public subnet: 0.0.0.0/0 goes to {target} in "
            f"{table['RouteTableId']}, expected an internet gateway",
            observed,
        )
    nat = inventory.nat_gateways.get(target)
    if nat is not None and nat.get("State") == "available":
        return CheckResult(True, subnet.id, f"0.0.0.0/0 -> {target} (available)", observed)
    state = f" ({nat.get('State')})" if nat else ""
    return CheckResult(
        False,
        subnet.id,
        f"private subnet: 0.0.0.0/0 goes to {target}{state} in "
        f"{table['RouteTableId']}, expected an available NAT gateway",
        observed,
    )


# --------------------------------------------------------------------------- VPC


def check_vpc_dns(inventory: Inventory) -> CheckResult:
    """``enableDnsSupport`` and ``enableDnsHostnames`` are both on."""
    if inventory.vpc is None:
        return CheckResult(False, inventory.vpc_id, "VPC not found")
    dns = inventory.vpc_dns
    off = [name for name, on in dns.items() if not on]
    if off:
        return CheckResult(
            False,
            inventory.vpc_id,
            f"{' and '.join(off)} off (nodes cannot register without DNS resolution and hostnames)",
            dict(dns),
        )
    return CheckResult(True, inventory.vpc_id, "DNS support and hostnames on", dict(dns))


def check_dhcp_options(inventory: Inventory) -> CheckResult:
    """Not on ``default``; the resolvers include an accepted one; a single domain name."""
    if inventory.vpc is None:
        return CheckResult(False, inventory.vpc_id, "VPC not found")
    options = inventory.dhcp_options
    spec = inventory.spec.dhcp
    if options is None:
        return CheckResult(
            False, inventory.vpc_id, "DHCP options set is 'default' (no DNS server, no domain name)"
        )
    servers = options.get("domain-name-servers", [])
    names = " ".join(options.get("domain-name", [])).split()
    observed = {"domain-name-servers": servers, "domain-name": names}
    if not set(servers) & set(spec.domain_name_servers):
        return CheckResult(
            False,
            inventory.vpc_id,
            f"domain-name-servers {servers} holds none of {list(spec.domain_name_servers)}",
            observed,
        )
    if spec.single_domain_name and len(names) != 1:
        return CheckResult(
            False,
            inventory.vpc_id,
            f"domain-name holds {len(names)} names "
            f"({' '.join(names) or 'none'}), expected exactly one",
            observed,
        )
    return CheckResult(
        True,
        inventory.vpc_id,
        f"resolvers {servers}, domain {names[0] if names else '-'}",
        observed,
    )


def check_vpc_endpoint(inventory: Inventory, service: str) -> CheckResult:
    """An endpoint for ``service`` (e.g. ``ecr.api``) exists in the VPC and is available."""
    region = inventory.aws.region
    wanted = (
        service if service.startswith("com.amazonaws.") else (f"com.amazonaws.{region}.{service}")
    )
    matching = [e for e in inventory.vpc_endpoints if e.get("ServiceName") == wanted]
    observed = {"service": wanted, "states": [e.get("State") for e in matching]}
    if any(str(e.get("State", "")).lower() == "available" for e in matching):
        return CheckResult(True, service, f"{wanted} available", observed)
    if matching:
        return CheckResult(
            False,
            service,
            f"{wanted}: endpoint state "
            f"{', '.join(str(s) for s in observed['states'])}, expected available",
            observed,
        )
    return CheckResult(
        False, service, f"no VPC endpoint for {wanted} in {inventory.vpc_id}", observed
    )


# --------------------------------------------------------------------------- account


def check_export(inventory: Inventory, export: ExportSpec) -> CheckResult:
    """The CloudFormation export exists (with the expected value or pattern)."""
    value = inventory.exports.get(export.name)
    if value is None:
        return CheckResult(False, export.name, "export not found")
    observed = {"value": value}
    if export.value and value != export.value:
        return CheckResult(
            False, export.name, f"value {value!r}, expected {export.value!r}", observed
        )
    if export.pattern and not re.search(export.pattern, value):
        return CheckResult(
            False, export.name, f"value {value!r} does not match {export.pattern!r}", observed
        )
    return CheckResult(True, export.name, f"= {value!r}", observed)


def check_ssm_parameter(inventory: Inventory, parameter: SsmParameterSpec) -> CheckResult:
    """The parameter exists, with the expected type and a value matching the pattern.

    A SecureString's value is compared but never shown.
    """
    found = inventory.parameters.get(parameter.name)
    if found is None:
        return CheckResult(False, parameter.name, "parameter not found")
    observed: dict[str, Any] = {"type": found.type}
    if parameter.type and found.type != parameter.type:
        return CheckResult(
            False, parameter.name, f"type {found.type}, expected {parameter.type}", observed
        )
    secret = isinstance(found.value, Secret)
    value = found.value.reveal() if isinstance(found.value, Secret) else found.value
    if parameter.pattern and not re.search(parameter.pattern, value):
        shown = "(a SecureString: value not shown)" if secret else repr(value)
        pattern = parameter.HIDDEN if secret else parameter.pattern  # it may give the value away
        return CheckResult(
            False, parameter.name, f"value {shown} does not match {pattern!r}", observed
        )
    return CheckResult(True, parameter.name, f"{found.type} present", observed)


def check_iam_role(inventory: Inventory, role: IamRoleSpec) -> CheckResult:
    """The role exists, trusts the expected service, has the managed policies attached."""
    found = inventory.roles.get(role.name)
    if found is None:
        return CheckResult(False, role.name, "role not found")
    principals = sorted(_trusted_services(found.trust))
    observed = {"arn": found.arn, "trusts": principals, "policies": list(found.policies)}
    if role.trust_principal and role.trust_principal not in principals:
        return CheckResult(
            False,
            role.name,
            f"trusts {principals or 'no service'}, expected "
            f"{role.trust_principal} with sts:AssumeRole",
            observed,
        )
    attached = set(found.policies)
    missing = [p for p in role.managed_policies if p not in attached]
    if missing:
        return CheckResult(
            False, role.name, f"managed policies missing: {', '.join(missing)}", observed
        )
    return CheckResult(
        True,
        role.name,
        f"trusts {principals}, {len(role.managed_policies)} policies attached",
        observed,
    )


def _trusted_services(document: dict[str, Any]) -> set[str]:
    services: set[str] = set()
    for statement in _as_list(document.get("Statement")):
        if statement.get("Effect") != "Allow" or "sts:AssumeRole" not in _as_list(
            statement.get("Action")
        ):
            continue
        principal = statement.get("Principal", {})
        if isinstance(principal, dict):
            services.update(_as_list(principal.get("Service")))
    return services


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def check_account(inventory: Inventory, account: str) -> CheckResult:
    """The credentials are in the spec's account."""
    caller = inventory.caller
    observed = {"account": caller.get("Account"), "arn": caller.get("Arn")}
    if caller.get("Account") == account:
        return CheckResult(True, account, f"caller {caller.get('Arn')}", observed)
    return CheckResult(
        False,
        account,
        f"the credentials are in account {caller.get('Account')} "
        f"({caller.get('Arn')}), expected {account}",
        observed,
    )

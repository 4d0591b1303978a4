"""The VPC: DNS attributes, DHCP options, endpoints for a private cluster."""

from __future__ import annotations

import pytest

from clusterready.aws import Inventory, check_dhcp_options, check_vpc_dns, check_vpc_endpoint


@pytest.fixture
def vpc(aws_inventory: Inventory) -> Inventory:
    spec = aws_inventory.spec
    if not spec.vpc_id and not spec.subnets:
        pytest.skip("the spec names no VPC (preflight.vpc_id) and no subnets")
    return aws_inventory


def test_dns_support_and_hostnames(vpc: Inventory) -> None:
    if not vpc.spec.vpc_dns:
        pytest.skip("preflight.vpc_dns is false")
    check_vpc_dns(vpc).check()


def test_dhcp_options(vpc: Inventory) -> None:
    check_dhcp_options(vpc).check()


def test_vpc_endpoint(vpc: Inventory, vpc_endpoint: str) -> None:
    check_vpc_endpoint(vpc, vpc_endpoint).check()

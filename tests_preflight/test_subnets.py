"""Subnets: free IPs, availability zones, load-balancer tags, egress routes."""

from __future__ import annotations

import pytest

from clusterready.aws import (
    Inventory,
    check_az_spread,
    check_egress,
    check_free_ips,
    check_lb_tags,
)
from clusterready.spec import SubnetSpec


def test_free_ips(aws_inventory: Inventory, subnet: SubnetSpec) -> None:
    check_free_ips(aws_inventory, subnet).check()


def test_availability_zones(aws_inventory: Inventory) -> None:
    if not aws_inventory.spec.subnets:
        pytest.skip("the spec lists no preflight.subnets")
    check_az_spread(aws_inventory).check()


def test_load_balancer_tags(aws_inventory: Inventory, subnet: SubnetSpec) -> None:
    if aws_inventory.spec.lb_subnet_tags == "off":
        pytest.skip("preflight.lb_subnet_tags is off")
    check_lb_tags(aws_inventory, subnet).check()


def test_egress(aws_inventory: Inventory, subnet: SubnetSpec) -> None:
    if not aws_inventory.spec.egress:
        pytest.skip("preflight.egress is false")
    check_egress(aws_inventory, subnet).check()

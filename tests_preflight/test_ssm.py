"""SSM parameters the cluster build reads (SecureString values are never shown)."""

from __future__ import annotations

from clusterready.aws import Inventory, check_ssm_parameter
from clusterready.spec import SsmParameterSpec


def test_parameter(aws_inventory: Inventory, ssm_parameter: SsmParameterSpec) -> None:
    check_ssm_parameter(aws_inventory, ssm_parameter).check()

"""CloudFormation exports the cluster build reads."""

from __future__ import annotations

from clusterready.aws import Inventory, check_export
from clusterready.spec import ExportSpec


def test_export(aws_inventory: Inventory, cfn_export: ExportSpec) -> None:
    check_export(aws_inventory, cfn_export).check()

"""IAM roles of the cluster and its nodes: trust and managed policies."""

from __future__ import annotations

from clusterready.aws import Inventory, check_iam_role
from clusterready.spec import IamRoleSpec


def test_role(aws_inventory: Inventory, iam_role: IamRoleSpec) -> None:
    check_iam_role(aws_inventory, iam_role).check()

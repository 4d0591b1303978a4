"""The credentials reach the account the spec names."""

from __future__ import annotations

import pytest

from clusterready.aws import Inventory, check_account
from clusterready.spec import ClusterSpec


def test_caller_account(aws_inventory: Inventory, cluster_spec: ClusterSpec) -> None:
    if not cluster_spec.aws.account:
        pytest.skip("the spec names no aws.account")
    check_account(aws_inventory, cluster_spec.aws.account).check()

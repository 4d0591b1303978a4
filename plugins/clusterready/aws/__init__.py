"""AWS preflight: one boto3 session, batched reads, and the checks as functions.

>>> from clusterready.aws import AwsSession, Inventory, check_free_ips
"""

from clusterready.aws.checks import (
    CheckResult,
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
from clusterready.aws.inventory import Inventory, Parameter, Role, Secret
from clusterready.aws.session import AwsSession, RetryPolicy, aws_errors

__all__ = [
    "AwsSession",
    "CheckResult",
    "Inventory",
    "Parameter",
    "PreflightWarning",
    "RetryPolicy",
    "Role",
    "Secret",
    "aws_errors",
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

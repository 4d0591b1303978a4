"""The add-on registry: what each add-on is in an EKS cluster, how its version is read.

>>> from clusterready.addons import REGISTRY, lookup
>>> lookup("vpc-cni") is REGISTRY["aws-node"]
True
>>> lookup("aws-node").version_satisfied("1.19.0", "amazon-k8s-cni:v1.19.0-eksbuild.1")
True
"""

from clusterready.addons.registry import (
    REGISTRY,
    AddOn,
    Webhook,
    Workload,
    known_names,
    lookup,
    reference_table,
)
from clusterready.addons.versions import (
    Version,
    format_tag,
    image_tag,
    parse_spec_version,
    parse_tag,
    satisfies,
)

__all__ = [
    "REGISTRY",
    "AddOn",
    "Version",
    "Webhook",
    "Workload",
    "format_tag",
    "image_tag",
    "known_names",
    "lookup",
    "parse_spec_version",
    "parse_tag",
    "reference_table",
    "satisfies",
]

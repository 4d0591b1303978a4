"""The cluster spec: the one input that says what to check.

The package: :mod:`~clusterready.spec.schema` (the sections, their fields' docs and
validators), :mod:`~clusterready.spec.convert` (a strict typed converter),
:mod:`~clusterready.spec.documents` (YAML and JSON within the input limits) and
:mod:`~clusterready.spec.sources` (files, the environment, Argo documents, parameters).

Sources, later ones winning::

    defaults < --spec PATH or CLUSTERREADY_SPEC (path or inline JSON)
             < --param NAME=VALUE (Argo workflow parameters) < --set dotted.key=value

A spec file may be a spec document (YAML or JSON), an Argo Events payload
(``{"context": ..., "data": {"body": ...}}``), an Argo Workflow manifest (its
``spec.arguments.parameters``) or a flat map of workflow parameters.

>>> spec = ClusterSpec.load(params=["CLUSTER_NAME=prod-eu", "METRICS-SERVER=none"],
...                         sets=["aws.region=eu-west-1"])
>>> spec.cluster.name, spec.aws.region, spec.addon_version("metrics-server")
('prod-eu', 'eu-west-1', 'none')
>>> spec.addon_enabled("metrics-server")
False
"""

from clusterready.spec.convert import apply_override
from clusterready.spec.schema import (
    NOT_INSTALLED,
    AwsSection,
    ClusterSection,
    ClusterSpec,
    DhcpSpec,
    ExportSpec,
    IamRoleSpec,
    KubeSection,
    PreflightSection,
    SsmParameterSpec,
    SubnetSpec,
    reference_table,
)
from clusterready.spec.sources import ENV_SPEC, PARAMETERS, apply_param, param_key

__all__ = [
    "ENV_SPEC",
    "NOT_INSTALLED",
    "PARAMETERS",
    "AwsSection",
    "ClusterSection",
    "ClusterSpec",
    "DhcpSpec",
    "ExportSpec",
    "IamRoleSpec",
    "KubeSection",
    "PreflightSection",
    "SsmParameterSpec",
    "SubnetSpec",
    "apply_override",
    "apply_param",
    "param_key",
    "reference_table",
]

"""clusterready: check that an EKS cluster and its AWS account are production-ready.

The library works without pytest; the pytest plugin (``clusterready.plugin``)
is a thin layer over it.

>>> from clusterready import ClusterSpec
>>> ClusterSpec.load(params=["CLUSTER_NAME=demo"]).cluster.name
'demo'
"""

from clusterready.errors import (
    CannotEvaluate,
    CheckFailed,
    ClusterReadyError,
    DetikSyntaxError,
    SpecError,
    UsageError,
)
from clusterready.spec import ClusterSpec
from clusterready.version import __version__

__all__ = [
    "CannotEvaluate",
    "CheckFailed",
    "ClusterReadyError",
    "ClusterSpec",
    "DetikSyntaxError",
    "SpecError",
    "UsageError",
    "__version__",
]

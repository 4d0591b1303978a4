"""clusterready: check that an EKS cluster and its AWS account are production-ready.

The library works without pytest; the pytest plugin (``clusterready.plugin``)
is a thin layer over it.

>>> from clusterready import ClusterSpec
>>> ClusterSpec.load(params=["CLUSTER_NAME=demo"]).cluster.name
'demo'
"""

from typing import TYPE_CHECKING, Any

from clusterready.errors import (
    CannotEvaluate,
    CheckFailed,
    ClusterReadyError,
    DetikSyntaxError,
    SpecError,
    UsageError,
)

if TYPE_CHECKING:
    from clusterready.spec import ClusterSpec

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # ClusterSpec on first use: `clusterready verify` needs no spec, and spec's
    # import is a tenth of its start-up.
    if name == "ClusterSpec":
        from clusterready.spec import ClusterSpec

        return ClusterSpec
    raise AttributeError(f"module 'clusterready' has no attribute {name!r}")


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

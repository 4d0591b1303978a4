"""clusterready: check that an EKS cluster and its AWS account are production-ready.

The library works without pytest; the pytest plugin (``clusterready.plugin``)
is a thin layer over it. (PYTEST_DONT_REWRITE: the library raises its own
messages; ``clusterready run`` imports it before pytest starts, and pytest would
otherwise warn that it cannot rewrite a module already imported.)

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
from clusterready.retry import Eventually, eventually
from clusterready.version import __version__

if TYPE_CHECKING:
    from clusterready.spec import ClusterSpec


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
    "Eventually",
    "SpecError",
    "UsageError",
    "__version__",
    "eventually",
]

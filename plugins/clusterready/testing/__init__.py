"""What tests (ours and our users') run against: FakeCluster, FaultProxy, moto helpers,
and EKS cluster states (:mod:`clusterready.testing.scenarios`).

>>> from clusterready.testing import FakeCluster
>>> with FakeCluster() as fake:
...     fake.url.startswith("http://127.0.0.1:")
True
"""

from clusterready.kube.discovery import ResourceType
from clusterready.testing import scenarios
from clusterready.testing.fakekube import (
    FakeCluster,
    Request,
    StateError,
    load_objects,
)
from clusterready.testing.faultproxy import UNRESOLVABLE_URL, FaultProxy, closed_port

__all__ = [
    "UNRESOLVABLE_URL",
    "FakeCluster",
    "FaultProxy",
    "Request",
    "ResourceType",
    "StateError",
    "closed_port",
    "load_objects",
    "scenarios",
]

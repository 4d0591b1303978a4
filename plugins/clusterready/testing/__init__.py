"""What tests (ours and our users') run against: FakeCluster, moto helpers.

>>> from clusterready.testing import FakeCluster
>>> with FakeCluster() as fake:
...     fake.url.startswith("http://127.0.0.1:")
True
"""

from clusterready.testing.fakekube import (
    FakeCluster,
    Request,
    ResourceKind,
    StateError,
    load_objects,
)

__all__ = ["FakeCluster", "Request", "ResourceKind", "StateError", "load_objects"]

"""The DETIK language in Python: parse, lint, verify, try_ (bats-detik v1.4.0 compatible).

>>> from clusterready.detik import Detik, StaticSource
>>> Detik(StaticSource([("web-1", "Running")])).verify("there is 1 pod named 'web'").passed
True
"""

from clusterready.detik.engine import Detik, DetikResult, DetikStatus, TryInterrupted
from clusterready.detik.grammar import ALIASES, Statement, parse, property_path
from clusterready.detik.sources import (
    ClusterSource,
    KubectlSource,
    Query,
    Row,
    Source,
    StaticSource,
)

__all__ = [
    "ALIASES",
    "ClusterSource",
    "Detik",
    "DetikResult",
    "DetikStatus",
    "KubectlSource",
    "Query",
    "Row",
    "Source",
    "Statement",
    "StaticSource",
    "TryInterrupted",
    "parse",
    "property_path",
]

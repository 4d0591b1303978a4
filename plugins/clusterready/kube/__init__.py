"""Cluster access: read-only lists over one connection pool, kubectl-exact projection.

>>> from clusterready.kube import Cluster, project
"""

from clusterready.kube.cluster import Cluster, RequestPolicy
from clusterready.kube.discovery import ResourceType, UnknownResourceType
from clusterready.kube.jsonpath import JsonPathError, project

__all__ = [
    "Cluster",
    "JsonPathError",
    "RequestPolicy",
    "ResourceType",
    "UnknownResourceType",
    "project",
]

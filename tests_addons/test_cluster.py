"""The cluster itself: every node Ready, kubelets within the supported version skew of
the control plane, the API server ready (``/readyz``), kube-system's pods healthy.

Marked ``addon("cluster")``: the validation's ``cluster`` step selects these with
``-k "addon[cluster]"``.
"""

from __future__ import annotations

import pytest

from clusterready.addons.checks import (
    api_server_problems,
    assert_eventually,
    kube_system_problems,
    kubelet_skew_problems,
    node_problems,
)
from clusterready.kube import Cluster
from clusterready.retry import Eventually
from clusterready.spec import ClusterSpec

pytestmark = pytest.mark.addon("cluster")


def test_every_node_ready(kube: Cluster, eventually: Eventually) -> None:
    assert_eventually(lambda: node_problems(kube), eventually)


def test_kubelets_within_the_supported_skew(kube: Cluster, cluster_spec: ClusterSpec) -> None:
    kubelet_skew_problems(kube, expected=cluster_spec.cluster.version).raise_if_problems()


def test_api_server_ready(kube: Cluster, eventually: Eventually) -> None:
    assert_eventually(lambda: api_server_problems(kube), eventually)


def test_kube_system_pods_healthy(kube: Cluster, eventually: Eventually) -> None:
    assert_eventually(lambda: kube_system_problems(kube), eventually)

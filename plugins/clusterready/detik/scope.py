"""Which namespace DETIK queries look in: one policy for the CLI and the pytest fixture.

An explicit namespace (``-n``, ``--namespace``, the spec's ``kube.namespace``)
wins, then an explicit ``-A``; else bats-detik's variables:
``DETIK_CLIENT_NAMESPACE``, then ``DETIK_CLIENT_NAMESPACE_ALL=true`` (any case);
else the kubeconfig context's namespace (``namespace`` None, not all).

>>> choose_namespace(None, False, {"DETIK_CLIENT_NAMESPACE": "kube-system"})
('kube-system', False)
>>> choose_namespace(None, False, {"DETIK_CLIENT_NAMESPACE_ALL": "TRUE"})
(None, True)
>>> choose_namespace("web", False, {"DETIK_CLIENT_NAMESPACE": "kube-system"})
('web', False)
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["ENV_NAMESPACE", "ENV_NAMESPACE_ALL", "choose_namespace"]

ENV_NAMESPACE = "DETIK_CLIENT_NAMESPACE"
ENV_NAMESPACE_ALL = "DETIK_CLIENT_NAMESPACE_ALL"


def choose_namespace(
    namespace: str | None,
    all_namespaces: bool = False,
    environ: Mapping[str, str] | None = None,
) -> tuple[str | None, bool]:
    """``(namespace, all_namespaces)`` for a :class:`~clusterready.detik.Detik`."""
    env = os.environ if environ is None else environ
    if namespace:
        return namespace, False
    if all_namespaces:
        return None, True
    if env.get(ENV_NAMESPACE):
        return env[ENV_NAMESPACE], False
    return None, env.get(ENV_NAMESPACE_ALL, "").lower() == "true"

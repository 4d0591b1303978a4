"""The shipped checks: each add-on of the registry, and the cluster itself.

:class:`AddOnChecks` checks one add-on as the registry describes it: its
workloads rolled out, their pods Ready (listed server-side by the workload's
labels), the spec's version running, what it serves answering (Services with
ready endpoints, APIServices Available, webhook Services with endpoints, CRDs
Established, CSI drivers registered). The cluster-level checks read the nodes,
``/version``, ``/readyz`` and kube-system's pods. Each ``*_problems`` function
returns a :class:`~clusterready.kube.readiness.Readiness`; each ``assert_*``
retries it with :func:`~clusterready.retry.eventually` (a rollout may still be
going on) and raises :class:`~clusterready.errors.CheckFailed` with what it saw.

>>> from clusterready.addons import lookup
>>> from clusterready.kube import Cluster
>>> from clusterready.testing import FakeCluster
>>> with FakeCluster() as fake:
...     checks = AddOnChecks(Cluster.from_kubeconfig(fake.kubeconfig), lookup("coredns"))
...     print(checks.rollout_problems().problems[0])
Deployment kube-system/coredns: not found
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from clusterready.addons.registry import AddOn, Workload
from clusterready.errors import ObjectRef
from clusterready.kube.cluster import Cluster
from clusterready.kube.readiness import (
    Readiness,
    check_nodes,
    check_pods,
    pods_ready,
    ref,
    rollout,
)
from clusterready.retry import Eventually

__all__ = [
    "ATTEMPTS",
    "EVERY",
    "MAX_KUBELET_SKEW",
    "AddOnChecks",
    "api_server_problems",
    "assert_eventually",
    "kube_system_problems",
    "kubelet_skew_problems",
    "node_problems",
    "service_problems",
    "webhook_problems",
]

#: How the shipped checks retry: 6 attempts, 5 s apart (a rollout has 25 s to finish);
#: ``--max-attempts`` lowers it.
ATTEMPTS, EVERY = 6, 5.0

#: How many minor versions a kubelet may be older than the API server (Kubernetes >= 1.28).
MAX_KUBELET_SKEW = 3


def assert_eventually(check: Callable[[], Readiness], eventually: Eventually) -> None:
    """Retry ``check`` (ATTEMPTS times, EVERY seconds apart, capped by the run) until it
    finds no problem; then raise the last problems as CheckFailed."""
    __tracebackhide__ = True
    eventually(lambda: check().raise_if_problems(), times=ATTEMPTS, every=EVERY)


@dataclass(frozen=True)
class AddOnChecks:
    """The checks of one add-on in one cluster.

    :param version: the spec's version of the add-on (only :meth:`version_problems`
        needs it).
    :param eventually: how the ``assert_*`` methods retry (the ``eventually`` fixture
        applies the run's ``--max-attempts``).
    """

    cluster: Cluster
    addon: AddOn
    version: str | None = None
    eventually: Eventually = field(default_factory=Eventually)

    def __repr__(self) -> str:  # what a failure report shows of the fixture: one line
        version = f" {self.version}" if self.version else ""
        return f"<AddOnChecks {self.addon.name}{version} in cluster {self.cluster.name!r}>"

    # ------------------------------------------------------------------ problems

    def rollout_problems(self) -> Readiness:
        """Every workload rolled out (``readiness.rollout``: a DaemonSet on every
        eligible node)."""
        found = Readiness()
        for workload in self.addon.workloads:
            found += rollout(self.cluster, workload.kind, workload.name, self.addon.namespace)
        return found

    def pod_problems(self, *, now: datetime | None = None) -> Readiness:
        """Every pod of every workload Ready (listed by the workload's labels)."""
        found = Readiness()
        for workload in self.addon.workloads:
            found += pods_ready(self.cluster, self.addon.namespace, workload.selector(), now=now)
        return found

    def version_problems(self) -> Readiness:
        """Every pod of each workload with a ``version_container`` runs the spec's version
        (that container's image tag); a mismatch names the pod, the expected and the
        running tag."""
        if not self.version:
            raise ValueError(f"{self.addon.name}: the spec gives no version to compare with")
        found = Readiness()
        for workload in self.addon.workloads:
            if workload.version_container:
                found += self._workload_version(workload, workload.version_container)
        return found

    def _workload_version(self, workload: Workload, container: str) -> Readiness:
        assert self.version is not None
        selector = workload.selector()
        pods = self.cluster.list("pods", self.addon.namespace, label_selector=selector)
        if not pods:
            return Readiness(
                (
                    f"{workload.kind} {self.addon.namespace}/{workload.name}: no pods match "
                    f"{selector}: no version to read",
                ),
                (ObjectRef(workload.kind, workload.name, self.addon.namespace),),
            )
        found = Readiness()
        for pod in pods:
            images = {
                c.get("name"): str(c.get("image", ""))
                for c in (pod.get("spec") or {}).get("containers") or ()
            }
            if container not in images:
                has = ", ".join(map(str, images))
                found += Readiness(
                    (f"{ref(pod)}: no container {container} (it has {has})",), (ref(pod),)
                )
                continue
            mismatch = self.addon.version_mismatch(self.version, images[container])
            if mismatch:
                found += Readiness(
                    (f"{ref(pod)}: container {container}: {mismatch} ({images[container]})",),
                    (ref(pod),),
                )
        return found

    def serving_problems(self) -> Readiness:
        """What the add-on serves answers: its Services have ready endpoints, its
        APIServices are Available, its webhook configurations exist and the Services
        they call have ready endpoints, its CRDs are Established, its CSI drivers are
        registered."""
        namespace = self.addon.namespace
        found = Readiness()
        for service in self.addon.services:
            found += service_problems(self.cluster, service, namespace)
        for name in self.addon.apiservices:
            found += _condition_problems(self.cluster, "APIService", name, "Available")
        for webhook in self.addon.webhooks:
            found += webhook_problems(self.cluster, webhook.resource, webhook.name)
        for name in self.addon.crds:
            crd = "CustomResourceDefinition"
            found += _condition_problems(self.cluster, crd, name, "Established")
        for name in self.addon.csidrivers:
            if self.cluster.get("csidrivers", name) is None:
                subject = ObjectRef("CSIDriver", name)
                found += Readiness((f"{subject}: not registered",), (subject,))
        return found

    # ------------------------------------------------------------------ assertions

    def assert_rolled_out(self) -> None:
        """Raise CheckFailed unless :meth:`rollout_problems` finds none (retried)."""
        __tracebackhide__ = True
        assert_eventually(self.rollout_problems, self.eventually)

    def assert_pods_ready(self) -> None:
        """Raise CheckFailed unless :meth:`pod_problems` finds none (retried)."""
        __tracebackhide__ = True
        assert_eventually(self.pod_problems, self.eventually)

    def assert_version(self) -> None:
        """Raise CheckFailed unless :meth:`version_problems` finds none (retried: a
        rollout replaces the old pods)."""
        __tracebackhide__ = True
        assert_eventually(self.version_problems, self.eventually)

    def assert_serving(self) -> None:
        """Raise CheckFailed unless :meth:`serving_problems` finds none (retried)."""
        __tracebackhide__ = True
        assert_eventually(self.serving_problems, self.eventually)


# --------------------------------------------------------------------------- serving


def service_problems(cluster: Cluster, name: str, namespace: str) -> Readiness:
    """A Service exists and its Endpoints have at least one ready address.

    >>> from clusterready.testing import FakeCluster
    >>> svc = {"apiVersion": "v1", "kind": "Service",
    ...        "metadata": {"name": "kube-dns", "namespace": "kube-system"}}
    >>> with FakeCluster(objects=[svc]) as fake:
    ...     service_problems(Cluster.from_kubeconfig(fake.kubeconfig), "kube-dns",
    ...                      "kube-system").problems
    ('Service kube-system/kube-dns: no ready endpoints (no Endpoints object)',)
    """
    subject = ObjectRef("Service", name, namespace)
    if cluster.get("services", name, namespace) is None:
        return Readiness((f"{subject}: not found",), (subject,))
    endpoints = cluster.get("endpoints", name, namespace)
    if endpoints is None:
        return Readiness((f"{subject}: no ready endpoints (no Endpoints object)",), (subject,))
    subsets = endpoints.get("subsets") or ()
    ready = sum(len(s.get("addresses") or ()) for s in subsets)
    if ready:
        return Readiness()
    waiting = [
        str((a.get("targetRef") or {}).get("name") or a.get("ip", ""))
        for s in subsets
        for a in s.get("notReadyAddresses") or ()
    ]
    detail = f"{len(waiting)} not ready: {', '.join(waiting)}" if waiting else "no addresses"
    return Readiness((f"{subject}: no ready endpoints ({detail})",), (subject,))


def webhook_problems(cluster: Cluster, resource: str, name: str) -> Readiness:
    """A webhook configuration exists and every Service its webhooks call
    (``clientConfig.service``) has ready endpoints."""
    kind = (
        "MutatingWebhookConfiguration"
        if resource.startswith("mutating")
        else "ValidatingWebhookConfiguration"
    )
    subject = ObjectRef(kind, name)
    config = cluster.get(resource, name)
    if config is None:
        return Readiness((f"{subject}: not found",), (subject,))
    services = dict.fromkeys(
        (str(svc.get("namespace") or ""), str(svc.get("name") or ""))
        for hook in config.get("webhooks") or ()
        if (svc := (hook.get("clientConfig") or {}).get("service"))
    )
    found = Readiness()
    for namespace, service in services:
        problems = service_problems(cluster, service, namespace)
        found += Readiness(
            tuple(f"{subject} calls {line}" for line in problems.problems),
            (subject, *problems.subjects) if problems.problems else (),
        )
    return found


def _condition_problems(cluster: Cluster, kind: str, name: str, condition: str) -> Readiness:
    """A cluster-scoped object exists and its condition ``condition`` is True (else its
    status, reason and message)."""
    subject = ObjectRef(kind, name)
    resource = {"APIService": "apiservices", "CustomResourceDefinition": "crds"}[kind]
    obj = cluster.get(resource, name)
    if obj is None:
        return Readiness((f"{subject}: not found",), (subject,))
    for cond in (obj.get("status") or {}).get("conditions") or ():
        if cond.get("type") == condition:
            if cond.get("status") == "True":
                return Readiness()
            reason = str(cond.get("reason") or "")
            message = " ".join(str(cond.get("message") or "").split())
            detail = f"{reason} ({message})" if reason and message else reason or message
            text = f"{subject}: not {condition} ({cond.get('status')})"
            return Readiness((f"{text}: {detail}" if detail else text,), (subject,))
    return Readiness((f"{subject}: no {condition} condition",), (subject,))


# --------------------------------------------------------------------------- the cluster


def node_problems(cluster: Cluster) -> Readiness:
    """Every node Ready, no pressure condition (``readiness.check_nodes``)."""
    return check_nodes(cluster.list("nodes"))


_MINOR = re.compile(r"v?(\d+)\.(\d+)")


def _minor(version: str) -> tuple[int, int] | None:
    found = _MINOR.match(version.strip())
    return (int(found.group(1)), int(found.group(2))) if found else None


def kubelet_skew_problems(cluster: Cluster, *, expected: str = "") -> Readiness:
    """Every kubelet is the API server's minor version or at most :data:`MAX_KUBELET_SKEW`
    older, never newer (Kubernetes' version skew policy since 1.28); with ``expected``
    (the spec's ``cluster.version``, "1.32"), the API server runs that minor version.

    >>> from clusterready.testing import FakeCluster
    >>> node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
    ...         "status": {"nodeInfo": {"kubeletVersion": "v1.28.15-eks-1a2b3c4"}}}
    >>> with FakeCluster(objects=[node], version="1.32") as fake:
    ...     print(kubelet_skew_problems(Cluster.from_kubeconfig(fake.kubeconfig)).problems[0])
    Node n1: kubelet v1.28.15-eks-1a2b3c4 is 4 minor versions older than the API server v1.32.0 (at most 3 are supported)
    """  # noqa: E501
    server = str(cluster.server_version().get("gitVersion") or "")
    control = _minor(server)
    if control is None:
        return Readiness(
            (f"the API server reports no version it can be compared with: {server!r}",)
        )
    found = Readiness()
    wanted = _minor(expected) if expected else None
    if wanted is not None and wanted != control:
        found += Readiness(
            (f"the API server runs {server}, the spec asks for Kubernetes {expected}",)
        )
    for node in cluster.list("nodes"):
        info = (node.get("status") or {}).get("nodeInfo") or {}
        kubelet = str(info.get("kubeletVersion") or "")
        mine = _minor(kubelet)
        subject = ref(node)
        if mine is None:
            problem = f"reports no kubelet version ({kubelet!r})"
        elif mine[0] != control[0] or mine[1] > control[1]:
            problem = f"kubelet {kubelet} is newer than the API server {server} (never supported)"
        elif control[1] - mine[1] > MAX_KUBELET_SKEW:
            problem = (
                f"kubelet {kubelet} is {control[1] - mine[1]} minor versions older than the "
                f"API server {server} (at most {MAX_KUBELET_SKEW} are supported)"
            )
        else:
            continue
        found += Readiness((f"{subject}: {problem}",), (subject,))
    return found


def api_server_problems(cluster: Cluster) -> Readiness:
    """The API server's ``/readyz`` is ok; else the checks it says failed."""
    health = cluster.readyz()
    if health.ok:
        return Readiness()
    failed = ", ".join(health.failed) or "no check named"
    return Readiness(
        (f"the API server is not ready: /readyz answered {health.status}, failed: {failed}",)
    )


def kube_system_problems(cluster: Cluster, *, now: datetime | None = None) -> Readiness:
    """Every pod of kube-system Ready and not restart-looping (``readiness.check_pods``);
    pods that ran to completion (Jobs' ``Succeeded`` pods) are left out."""
    pods = [
        p
        for p in cluster.list("pods", "kube-system")
        if (p.get("status") or {}).get("phase") != "Succeeded"
    ]
    return check_pods(pods, now=now, selection="in namespace kube-system")

"""Readiness of workloads, pods and nodes: rolled out, Ready, not restart-looping.

Each ``check_*`` function reads raw objects (dicts as ``kubectl get -o json``
shows them) and returns a :class:`Readiness`: one line per problem, saying what
was seen, and the objects the problems are about. The ``assert_*`` functions
read the objects from a :class:`~clusterready.kube.Cluster` and raise
:class:`~clusterready.errors.CheckFailed` (its ``subjects`` name those objects)
when there is a problem.

>>> deploy = {"kind": "Deployment", "metadata": {"name": "coredns", "namespace": "kube-system"},
...           "spec": {"replicas": 2},
...           "status": {"replicas": 2, "updatedReplicas": 2, "readyReplicas": 1,
...                      "availableReplicas": 1}}
>>> check_deployment(deploy).problems
('Deployment kube-system/coredns: 1 of 2 replicas ready, 2 updated, 1 available',)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from clusterready.errors import CheckFailed, ObjectRef
from clusterready.kube.cluster import Cluster

__all__ = [
    "RESTART_WINDOW",
    "Readiness",
    "assert_daemonset_ready",
    "assert_deployment_rolled_out",
    "assert_nodes_ready",
    "assert_pods_ready",
    "assert_rolled_out",
    "check_daemonset",
    "check_deployment",
    "check_nodes",
    "check_pods",
    "eligible_nodes",
    "pods_ready",
    "ref",
    "rollout",
    "selector_string",
]

Obj = Mapping[str, Any]

#: A container that restarted and last terminated within this window is restart-looping.
RESTART_WINDOW = timedelta(minutes=10)

#: The tolerations the DaemonSet controller adds to every DaemonSet pod
#: (NoExecute for not-ready/unreachable, NoSchedule for the rest).
_DAEMONSET_TOLERATIONS: tuple[dict[str, str], ...] = (
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
)
_HOST_NETWORK_TOLERATION = {
    "key": "node.kubernetes.io/network-unavailable",
    "operator": "Exists",
    "effect": "NoSchedule",
}
_PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
_LONGEST_MESSAGE = 200


@dataclass(frozen=True)
class Readiness:
    """What a readiness check saw: its problems (none: ready) and the objects they are about.

    >>> bad = Readiness(("Pod demo/web-1: Pending",), (ObjectRef("Pod", "web-1", "demo"),))
    >>> (Readiness() + bad).ok, str((Readiness() + bad).subjects[0])
    (False, 'Pod demo/web-1')
    """

    problems: tuple[str, ...] = ()
    subjects: tuple[ObjectRef, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def __add__(self, other: Readiness) -> Readiness:
        subjects = dict.fromkeys((*self.subjects, *other.subjects))
        return Readiness(self.problems + other.problems, tuple(subjects))

    def raise_if_problems(self) -> None:
        """Raise CheckFailed (one problem a line, the subjects attached) unless ready.

        >>> Readiness(("Node n1: not Ready",), (ObjectRef("Node", "n1"),)).raise_if_problems()
        Traceback (most recent call last):
        ...
        clusterready.errors.CheckFailed: Node n1: not Ready
        """
        __tracebackhide__ = True
        if self.problems:
            raise CheckFailed("\n".join(self.problems), subjects=self.subjects)


# --------------------------------------------------------------------------- objects


def ref(obj: Obj) -> ObjectRef:
    """The :class:`ObjectRef` of a raw object."""
    meta = obj.get("metadata") or {}
    return ObjectRef(str(obj.get("kind", "")), str(meta.get("name", "")), meta.get("namespace"))


def _problem(obj: Obj, text: str) -> Readiness:
    return Readiness((f"{ref(obj)}: {text}",), (ref(obj),))


def _int(mapping: Obj, key: str, default: int = 0) -> int:
    value = mapping.get(key)
    return value if isinstance(value, int) else default


def _condition(obj: Obj, kind: str) -> Obj | None:
    for condition in (obj.get("status") or {}).get("conditions") or ():
        if condition.get("type") == kind:
            return dict(condition)
    return None


def _explained(condition: Obj) -> str:
    """``Reason (message)`` of a condition, whichever of the two it has."""
    reason = str(condition.get("reason") or "")
    message = _one_line(condition.get("message"))
    if reason and message:
        return f"{reason} ({message})"
    return reason or message or f"{condition.get('type')} is {condition.get('status')}"


def _one_line(text: object) -> str:
    words = " ".join(str(text or "").split())
    if len(words) > _LONGEST_MESSAGE:
        return words[: _LONGEST_MESSAGE - 3] + "..."
    return words


def selector_string(selector: Obj | None) -> str:
    """A LabelSelector (``matchLabels``, ``matchExpressions``) as a ``labelSelector`` query.

    >>> selector_string({"matchLabels": {"k8s-app": "kube-dns"},
    ...                  "matchExpressions": [{"key": "tier", "operator": "In",
    ...                                        "values": ["b", "a"]}]})
    'k8s-app=kube-dns,tier in (a,b)'
    """
    selector = selector or {}
    terms = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or ():
        key, op = str(expr.get("key", "")), str(expr.get("operator", "")).lower()
        values = ",".join(sorted(str(v) for v in expr.get("values") or ()))
        if op == "exists":
            terms.append(key)
        elif op == "doesnotexist":
            terms.append(f"!{key}")
        else:
            terms.append(f"{key} {op} ({values})")
    return ",".join(terms)


# --------------------------------------------------------------------------- Deployment


def check_deployment(deploy: Obj) -> Readiness:
    """Has a Deployment rolled out? Its controller saw the latest spec (``observedGeneration``
    >= ``generation``), and ``updatedReplicas``, ``replicas`` (old ones gone),
    ``readyReplicas`` and ``availableReplicas`` all equal ``spec.replicas`` (default 1).
    Not rolled out, a failed ``Progressing`` condition (``ProgressDeadlineExceeded``),
    ``ReplicaFailure`` and a paused rollout are named.

    >>> check_deployment({"kind": "Deployment", "metadata": {"name": "web"},
    ...                   "spec": {"replicas": 1}, "status": {"replicas": 1,
    ...                   "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1}}).ok
    True
    """
    spec, status, meta = deploy.get("spec") or {}, deploy.get("status") or {}, deploy["metadata"]
    desired = _int(spec, "replicas", 1)
    counts = {
        key: _int(status, key)
        for key in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")
    }
    problems: list[str] = []
    problems.extend(_generation_problems(meta, status))
    if any(value != desired for value in counts.values()):
        text = (
            f"{counts['readyReplicas']} of {desired} replicas ready, "
            f"{counts['updatedReplicas']} updated, {counts['availableReplicas']} available"
        )
        if counts["replicas"] != desired:
            text += f", {counts['replicas']} in all"
        problems.append(text)
    if problems:
        if spec.get("paused"):
            problems.append("its rollout is paused")
        for kind, bad in (("Progressing", "False"), ("ReplicaFailure", "True")):
            condition = _condition(deploy, kind)
            if condition and condition.get("status") == bad:
                problems.append(f"{kind}: {_explained(condition)}")
    if not problems:
        return Readiness()
    return _problem(deploy, ", ".join(problems))


# --------------------------------------------------------------------------- DaemonSet


def eligible_nodes(daemonset: Obj, nodes: Iterable[Obj]) -> list[Obj]:
    """The nodes a DaemonSet must run a pod on: Ready, schedulable (not cordoned), matching
    its pods' ``nodeSelector`` and required node affinity, and whose ``NoSchedule`` and
    ``NoExecute`` taints its pods tolerate (their tolerations plus those its controller
    adds: not-ready, unreachable, the pressures, unschedulable; network-unavailable for
    host-network pods).

    >>> ds = {"spec": {"template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"}}}}}
    >>> linux = {"metadata": {"name": "n1", "labels": {"kubernetes.io/os": "linux"}},
    ...          "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    >>> windows = {"metadata": {"name": "n2", "labels": {"kubernetes.io/os": "windows"}},
    ...            "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    >>> [n["metadata"]["name"] for n in eligible_nodes(ds, [linux, windows])]
    ['n1']
    """
    pod = ((daemonset.get("spec") or {}).get("template") or {}).get("spec") or {}
    tolerations = [*(pod.get("tolerations") or ()), *_DAEMONSET_TOLERATIONS]
    if pod.get("hostNetwork"):
        tolerations.append(_HOST_NETWORK_TOLERATION)
    return [
        node
        for node in nodes
        if _is_ready(node)
        and not (node.get("spec") or {}).get("unschedulable")
        and _matches_node_selector(pod.get("nodeSelector") or {}, node)
        and _matches_required_affinity(pod.get("affinity") or {}, node)
        and all(
            any(_tolerates(toleration, taint) for toleration in tolerations)
            for taint in (node.get("spec") or {}).get("taints") or ()
            if taint.get("effect") in ("NoSchedule", "NoExecute")
        )
    ]


def _is_ready(node: Obj) -> bool:
    ready = _condition(node, "Ready")
    return ready is not None and ready.get("status") == "True"


def _labels(obj: Obj) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def _matches_node_selector(selector: Mapping[str, str], node: Obj) -> bool:
    labels = _labels(node)
    return all(labels.get(key) == value for key, value in selector.items())


def _matches_required_affinity(affinity: Obj, node: Obj) -> bool:
    required = (affinity.get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if not required:
        return True
    # The terms are ORed; a term ANDs its requirements; an empty term matches nothing.
    fields = {"metadata.name": str((node.get("metadata") or {}).get("name", ""))}
    return any(
        (term.get("matchExpressions") or term.get("matchFields"))
        and all(_requirement(e, _labels(node)) for e in term.get("matchExpressions") or ())
        and all(_requirement(e, fields) for e in term.get("matchFields") or ())
        for term in required.get("nodeSelectorTerms") or ()
    )


def _requirement(expr: Obj, values: Mapping[str, str]) -> bool:
    key, op = str(expr.get("key", "")), str(expr.get("operator", ""))
    wanted = [str(v) for v in expr.get("values") or ()]
    value = values.get(key)
    if op == "In":
        return value in wanted
    if op == "NotIn":
        return value not in wanted
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and len(wanted) == 1:
        try:
            number, bound = int(value), int(wanted[0])
        except ValueError:
            return False
        return number > bound if op == "Gt" else number < bound
    return False


def _tolerates(toleration: Obj, taint: Obj) -> bool:
    effect = toleration.get("effect")
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key")
    if key and key != taint.get("key"):
        return False
    if toleration.get("operator") == "Exists":
        return True
    return bool(key) and str(toleration.get("value") or "") == str(taint.get("value") or "")


def check_daemonset(
    daemonset: Obj, nodes: Iterable[Obj], pods: Iterable[Obj] | None = None
) -> Readiness:
    """Is a DaemonSet ready on every node it must run on?

    Its controller saw the latest spec; ``desiredNumberScheduled`` equals
    ``currentNumberScheduled``, ``updatedNumberScheduled``, ``numberReady`` and
    ``numberAvailable``; ``numberMisscheduled`` is 0; and ``desiredNumberScheduled`` is
    at least the number of :func:`eligible_nodes` (at least, not exactly: its controller
    also counts the NotReady and cordoned nodes its pods tolerate, which are not
    eligible here). With ``pods`` (the DaemonSet's), every eligible node runs one:
    the nodes without are named.

    >>> ds = {"kind": "DaemonSet", "metadata": {"name": "aws-node", "namespace": "kube-system"},
    ...       "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3,
    ...                  "updatedNumberScheduled": 3, "numberReady": 2, "numberAvailable": 2}}
    >>> check_daemonset(ds, []).problems
    ('DaemonSet kube-system/aws-node: 2 of 3 pods ready, 3 scheduled, 3 updated, 2 available',)
    """
    status, meta = daemonset.get("status") or {}, daemonset["metadata"]
    desired = _int(status, "desiredNumberScheduled")
    current = _int(status, "currentNumberScheduled")
    updated = _int(status, "updatedNumberScheduled")
    ready, available = _int(status, "numberReady"), _int(status, "numberAvailable")
    misscheduled = _int(status, "numberMisscheduled")
    problems: list[str] = []
    problems.extend(_generation_problems(meta, status))
    if {current, updated, ready, available} != {desired} or misscheduled:
        text = (
            f"{ready} of {desired} pods ready, {current} scheduled, {updated} updated, "
            f"{available} available"
        )
        problems.append(text + (f", {misscheduled} misscheduled" if misscheduled else ""))
    eligible = eligible_nodes(daemonset, nodes)
    subjects = [ref(daemonset)]
    if desired < len(eligible):
        problems.append(f"{desired} pods desired for {len(eligible)} eligible nodes")
    if pods is not None:
        running = {str((p.get("spec") or {}).get("nodeName") or "") for p in pods}
        missing = [n for n in eligible if n["metadata"]["name"] not in running]
        if missing:
            names = ", ".join(n["metadata"]["name"] for n in missing)
            problems.append(f"no pod on eligible node{'s' if len(missing) > 1 else ''} {names}")
            subjects += [ref(n) for n in missing]
    if not problems:
        return Readiness()
    return Readiness((f"{ref(daemonset)}: {', '.join(problems)}",), tuple(subjects))


# --------------------------------------------------------------------------- pods


def check_pods(
    pods: Sequence[Obj],
    *,
    now: datetime | None = None,
    restart_window: timedelta = RESTART_WINDOW,
    selection: str = "",
) -> Readiness:
    """Is every pod Ready? Phase ``Running`` and condition ``Ready`` True, no container
    (init containers included) waiting (its reason and message: ``CrashLoopBackOff``,
    ``ImagePullBackOff``...) or restart-looping (waiting in ``CrashLoopBackOff``, or
    restarted and last terminated within ``restart_window`` of ``now``): the restart count
    and the last termination's reason and exit code are named. No pod at all is a problem
    too (``selection`` says which pods were listed).

    >>> pod = {"kind": "Pod", "metadata": {"name": "aws-node-7xk2p", "namespace": "kube-system"},
    ...        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
    ...                   "containerStatuses": [{"name": "aws-node", "ready": False,
    ...                       "restartCount": 27,
    ...                       "state": {"waiting": {"reason": "CrashLoopBackOff",
    ...                                 "message": "back-off 5m0s restarting failed container"}},
    ...                       "lastState": {"terminated": {"reason": "Error", "exitCode": 1}}}]}}
    >>> print(check_pods([pod]).problems[0])
    Pod kube-system/aws-node-7xk2p: container aws-node waiting: CrashLoopBackOff (back-off 5m0s restarting failed container), 27 restarts, last terminated: Error (exit 1)
    """  # noqa: E501
    if not pods:
        return Readiness((f"no pods {selection}".rstrip(),))
    moment = now or datetime.now(UTC)
    found = Readiness()
    for pod in pods:
        problems = _pod_problems(pod, moment, restart_window)
        if problems:
            found += _problem(pod, "; ".join(problems))
    return found


def _pod_problems(pod: Obj, now: datetime, window: timedelta) -> list[str]:
    status = pod.get("status") or {}
    phase = str(status.get("phase") or "Unknown")
    problems: list[str] = []
    if phase != "Running":
        text = phase
        scheduled = _condition(pod, "PodScheduled")
        if scheduled and scheduled.get("status") == "False":
            text += f": {_explained(scheduled)}"
        elif status.get("reason") or status.get("message"):
            text += f": {_explained(status)}"
        problems.append(text)
    statuses = [
        *(("init container", s) for s in status.get("initContainerStatuses") or ()),
        *(("container", s) for s in status.get("containerStatuses") or ()),
    ]
    for what, container in statuses:
        problem = _container_problem(what, container, phase, now, window)
        if problem:
            problems.append(problem)
    if phase == "Running" and not problems:
        ready = _condition(pod, "Ready")
        if ready is None or ready.get("status") != "True":
            problems.append(f"not Ready ({_explained(ready)})" if ready else "not Ready")
    return problems


def _container_problem(
    what: str, container: Obj, phase: str, now: datetime, window: timedelta
) -> str:
    name = container.get("name", "")
    state = container.get("state") or {}
    restarts = _int(container, "restartCount")
    last = (container.get("lastState") or {}).get("terminated") or {}
    history = f", {restarts} restart{'s' if restarts != 1 else ''}" if restarts else ""
    if last:
        history += f", last terminated: {_termination(last)}"
    if "waiting" in state:
        waiting = state["waiting"] or {}
        reason = waiting.get("reason") or "waiting"
        message = _one_line(waiting.get("message"))
        shown = f"{reason} ({message})" if message else reason
        return f"{what} {name} waiting: {shown}{history}"
    if "terminated" in state:
        ended = state["terminated"] or {}
        if what == "init container" and ended.get("exitCode") == 0:
            return ""
        return f"{what} {name} terminated: {_termination(ended)}{history}"
    if restarts and last and _recent(last.get("finishedAt"), now, window):
        return f"{what} {name} restart-looping{history}"
    if what == "container" and phase == "Running" and container.get("ready") is False:
        return f"{what} {name} running but not ready (its readiness probe fails)"
    return ""


def _termination(terminated: Obj) -> str:
    reason = terminated.get("reason") or "terminated"
    code = terminated.get("exitCode")
    return f"{reason} (exit {code})" if code is not None else str(reason)


def _recent(stamp: object, now: datetime, window: timedelta) -> bool:
    if not isinstance(stamp, str):
        return False
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return now - when <= window


# --------------------------------------------------------------------------- nodes


def check_nodes(nodes: Sequence[Obj]) -> Readiness:
    """Is every node Ready, with no pressure? A node whose ``Ready`` condition is not True
    is named with its reason and message (``KubeletNotReady``, ``container runtime network
    not ready: NetworkPluginNotReady ...``); a ``MemoryPressure``, ``DiskPressure``,
    ``PIDPressure`` or ``NetworkUnavailable`` condition that is True is named too.

    >>> node = {"kind": "Node", "metadata": {"name": "ip-10-0-1-5"}, "status": {"conditions": [
    ...     {"type": "Ready", "status": "True"}, {"type": "DiskPressure", "status": "True",
    ...      "reason": "KubeletHasDiskPressure", "message": "kubelet has disk pressure"}]}}
    >>> check_nodes([node]).problems
    ('Node ip-10-0-1-5: DiskPressure (KubeletHasDiskPressure: kubelet has disk pressure)',)
    """
    if not nodes:
        return Readiness(("no nodes: the cluster has no node registered",))
    found = Readiness()
    for node in nodes:
        problems = []
        ready = _condition(node, "Ready")
        if ready is None:
            problems.append("not Ready (the kubelet never reported a Ready condition)")
        elif ready.get("status") != "True":
            problems.append(f"not Ready ({ready.get('status')}): {_explained(ready)}")
        for kind in _PRESSURES:
            condition = _condition(node, kind)
            if condition and condition.get("status") == "True":
                reason = condition.get("reason") or ""
                message = _one_line(condition.get("message"))
                detail = ": ".join(part for part in (reason, message) if part)
                problems.append(f"{kind} ({detail})" if detail else kind)
        if problems:
            found += _problem(node, "; ".join(problems))
    return found


# --------------------------------------------------------------------------- from a Cluster


def _missing(kind: str, name: str, namespace: str | None) -> Readiness:
    subject = ObjectRef(kind, name, namespace)
    return Readiness((f"{subject}: not found",), (subject,))


def rollout(cluster: Cluster, kind: str, name: str, namespace: str | None = None) -> Readiness:
    """Read a Deployment or a DaemonSet (with the nodes and its pods) and check it:
    :func:`check_deployment`, :func:`check_daemonset`; one that does not exist is a problem.

    >>> from clusterready.testing import FakeCluster
    >>> deploy = {"apiVersion": "apps/v1", "kind": "Deployment",
    ...           "metadata": {"name": "web", "namespace": "demo"}, "spec": {"replicas": 2}}
    >>> with FakeCluster(objects=[deploy]) as fake:
    ...     cluster = Cluster.from_kubeconfig(fake.kubeconfig)
    ...     rollout(cluster, "Deployment", "web", "demo").problems
    ('Deployment demo/web: 0 of 2 replicas ready, 0 updated, 0 available, 0 in all',)
    """
    namespace = namespace or cluster.namespace
    if kind not in ("Deployment", "DaemonSet"):
        raise ValueError(f"rollout: expected a Deployment or a DaemonSet, found {kind!r}")
    obj = cluster.get(kind.lower() + "s", name, namespace)
    if obj is None:
        return _missing(kind, name, namespace)
    if kind == "Deployment":
        return check_deployment(obj)
    selector = selector_string((obj.get("spec") or {}).get("selector"))
    pods = cluster.list("pods", namespace, label_selector=selector or None)
    return check_daemonset(obj, cluster.list("nodes"), pods)


def pods_ready(
    cluster: Cluster,
    namespace: str | None = None,
    label_selector: str | None = None,
    *,
    now: datetime | None = None,
) -> Readiness:
    """List pods (server-side, by ``label_selector``) and :func:`check_pods` them."""
    namespace = namespace or cluster.namespace
    pods = cluster.list("pods", namespace, label_selector=label_selector)
    where = f"in namespace {namespace}"
    selection = f"match {label_selector} {where}" if label_selector else where
    return check_pods(pods, now=now, selection=selection)


def assert_rolled_out(cluster: Cluster, kind: str, name: str, namespace: str | None = None) -> None:
    """Raise CheckFailed unless the Deployment or DaemonSet has rolled out (:func:`rollout`)."""
    __tracebackhide__ = True
    rollout(cluster, kind, name, namespace).raise_if_problems()


def assert_deployment_rolled_out(cluster: Cluster, name: str, namespace: str | None = None) -> None:
    """Raise CheckFailed unless the Deployment has rolled out (:func:`check_deployment`).

    >>> from clusterready.testing import FakeCluster
    >>> with FakeCluster() as fake:
    ...     assert_deployment_rolled_out(Cluster.from_kubeconfig(fake.kubeconfig), "coredns",
    ...                                  "kube-system")
    Traceback (most recent call last):
    ...
    clusterready.errors.CheckFailed: Deployment kube-system/coredns: not found
    """
    __tracebackhide__ = True
    rollout(cluster, "Deployment", name, namespace).raise_if_problems()


def assert_daemonset_ready(cluster: Cluster, name: str, namespace: str | None = None) -> None:
    """Raise CheckFailed unless the DaemonSet is ready on every eligible node
    (:func:`check_daemonset`, with the nodes and the DaemonSet's pods)."""
    __tracebackhide__ = True
    rollout(cluster, "DaemonSet", name, namespace).raise_if_problems()


def assert_pods_ready(
    cluster: Cluster, namespace: str | None = None, label_selector: str | None = None
) -> None:
    """Raise CheckFailed unless there are such pods and every one is Ready (:func:`pods_ready`)."""
    __tracebackhide__ = True
    pods_ready(cluster, namespace, label_selector).raise_if_problems()


def assert_nodes_ready(cluster: Cluster) -> None:
    """Raise CheckFailed unless every node is Ready with no pressure (:func:`check_nodes`)."""
    __tracebackhide__ = True
    check_nodes(cluster.list("nodes")).raise_if_problems()


def _generation_problems(meta: Mapping[str, Any], status: Mapping[str, Any]) -> list[str]:
    """Whether the controller has seen the latest spec (a rollout not yet begun)."""
    generation, observed = _int(meta, "generation"), _int(status, "observedGeneration")
    if observed < generation:
        return [
            f"its controller has not seen the latest spec yet (observedGeneration "
            f"{observed}, generation {generation})"
        ]
    return []

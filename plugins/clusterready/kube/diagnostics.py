"""Diagnostics of a failing check's subjects: why the objects it is about are not right.

A :class:`~clusterready.errors.CheckFailed` names the objects it is about
(``subjects``); :func:`gather` reads their state through a
:class:`~clusterready.kube.Cluster`, bounded, and :func:`render` shows it:

- a Pod: its phase, the conditions that are not right, each container's (and
  init container's) state with its reason and message, restarts and last
  termination, its node and that node's Ready condition, the latest events about
  it, and a tail of the failing container's log (the previous run's when it
  restarted);
- a Deployment, DaemonSet, ReplicaSet or StatefulSet: its status counts and
  conditions, its events, and its unhealthy pods (through its selector);
- a Node: its conditions, taints, whether it is cordoned, its events;
- a Service: its endpoints (ready and not ready addresses);
- an APIService: its Available condition; any other kind: conditions and events.

Everything is bounded (:class:`Bounds`: subjects, events, pods, log lines and
bytes, the length of each message and of the whole text, the seconds spent).
A read that fails is one line of the output (``events: cannot read: ...``),
never an exception: diagnostics never turn a failure into could-not-evaluate,
and they leave the cluster's breaker as they found it. Secrets are masked by
the run's filter (:mod:`clusterready.redact`).

>>> from clusterready.errors import ObjectRef
>>> from clusterready.testing import FakeCluster
>>> pod = {"apiVersion": "v1", "kind": "Pod",
...        "metadata": {"name": "web-1", "namespace": "demo"},
...        "spec": {"containers": [{"name": "web"}]},
...        "status": {"phase": "Pending", "containerStatuses": [{"name": "web",
...            "ready": False, "restartCount": 0, "image": "web:1",
...            "state": {"waiting": {"reason": "ImagePullBackOff",
...                                  "message": "Back-off pulling image \\"web:1\\""}}}]}}
>>> with FakeCluster(objects=[pod]) as fake:
...     cluster = Cluster.from_kubeconfig(fake.kubeconfig)
...     found = gather(cluster, [ObjectRef("Pod", "web-1", "demo")])
>>> print(render(found))
Pod demo/web-1: Pending, not scheduled
  container web: waiting: ImagePullBackOff: Back-off pulling image "web:1"
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from clusterready.errors import CannotEvaluate, Interrupted, ObjectRef
from clusterready.kube.cluster import Cluster
from clusterready.redact import secrets_filter

__all__ = ["LEVELS", "Bounds", "gather", "render"]

Json = dict[str, Any]


@dataclass(frozen=True)
class Bounds:
    """How much :func:`gather` reads and :func:`render` shows.

    >>> Bounds().events, LEVELS["brief"].log_lines, LEVELS["off"]
    (5, 0, None)
    """

    subjects: int = 5  # objects diagnosed, the failing ones first
    events: int = 5  # the latest events per object
    pods: int = 3  # unhealthy pods per workload
    items: int = 10  # conditions, containers, taints, addresses per object
    log_lines: int = 20  # 0: no logs
    log_bytes: int = 4096
    field: int = 300  # characters of one message or log line
    text: int = 8000  # characters of the whole rendering
    seconds: float = 15.0  # no read starts after this (each read has its own deadline)


#: The ``--diagnostics`` levels (``off`` gathers nothing).
LEVELS: dict[str, Bounds | None] = {
    "off": None,
    "brief": Bounds(subjects=3, events=3, pods=1, items=5, log_lines=0, text=3000, seconds=10.0),
    "full": Bounds(),
}

_WORKLOADS = ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet")
# Conditions that say something is wrong when they are True.
_BAD_WHEN_TRUE = frozenset(
    {
        "ReplicaFailure",
        "MemoryPressure",
        "DiskPressure",
        "PIDPressure",
        "NetworkUnavailable",
        "Failed",
        "FailureTarget",
    }
)
_NOT_COUNTS = frozenset({"observedGeneration", "collisionCount"})
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")  # colours in a log line
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


class _OutOfTime(Exception):
    pass


def gather(
    cluster: Cluster,
    subjects: Iterable[ObjectRef],
    bounds: Bounds | None = None,
    *,
    redact: Callable[[str], str] | None = None,
    within: Callable[[], AbstractContextManager[None]] = nullcontext,
) -> Json:
    """The diagnostics of these objects, a JSON-ready dict::

        {"subjects": [{"object": "Pod demo/web-1", "kind": "Pod", ...}, ...],
         "omitted": 0, "problems": []}

    ``omitted`` counts the subjects not diagnosed (beyond ``bounds.subjects``, or
    after the gathering stopped); ``problems`` holds what stopped it (the time
    bound, a deadline).
    Never raises for a read that fails (each subject's own ``problems`` say so);
    the cluster's breaker is left as it was found. The gathering runs ``within``
    a context (the run clock's phase, where a deadline or a signal raises
    :class:`~clusterready.errors.Interrupted`: it stops the gathering, recorded).
    """
    bounds = bounds or Bounds()
    redact = redact or secrets_filter().redact
    refs = list(dict.fromkeys(subjects))
    gatherer = _Gatherer(cluster, bounds)
    was_down = cluster.breaker.is_open
    out: list[Json] = []
    problems: list[str] = []
    try:
        with within():
            for ref in refs[: bounds.subjects]:
                entry = _entry(ref)
                out.append(entry)
                with gatherer.step(entry, ref.kind.lower()):  # a bug here is one line too
                    gatherer.subject(ref, entry)
    except _OutOfTime:
        problems.append(f"stopped: the diagnostics' time bound of {bounds.seconds:g}s passed")
    except Interrupted as err:  # the check's or the run's deadline, a signal
        problems.append(f"stopped: {err}")
    finally:
        if cluster.breaker.is_open and not was_down:
            cluster.breaker.close()  # a refused read of diagnostics says nothing of the checks
    result: Json = {
        "subjects": out,
        "omitted": len(refs) - len(out),
        "problems": problems,
    }
    masked: Json = _masked(result, redact)
    return masked


def render(diagnostics: Mapping[str, Any], limit: int | None = None) -> str:
    """The text of :func:`gather`'s result, at most ``limit`` characters (default
    :attr:`Bounds.text`), cut at a line.

    >>> render({"subjects": [{"object": "Node ip-1", "kind": "Node", "missing": True}],
    ...         "omitted": 2, "problems": []})
    'Node ip-1: not found\\n(2 more objects not diagnosed)'
    """
    limit = Bounds.text if limit is None else limit
    lines: list[str] = []
    for entry in diagnostics.get("subjects") or ():
        lines += _render_subject(entry, "")
    omitted = diagnostics.get("omitted") or 0
    if omitted:
        lines.append(f"({omitted} more object{'s' if omitted != 1 else ''} not diagnosed)")
    lines += [f"diagnostics {p}" for p in diagnostics.get("problems") or ()]
    return _cut("\n".join(lines), limit)


# --------------------------------------------------------------------------- gathering


class _Gatherer:
    """One gathering: its bounds, its clock, the nodes it has read."""

    def __init__(self, cluster: Cluster, bounds: Bounds) -> None:
        self.cluster = cluster
        self.bounds = bounds
        self.until = time.monotonic() + bounds.seconds
        self.nodes: dict[str, Json | str | None] = {}

    # -- reading

    def _read(self, call: Callable[[], Any]) -> Any:
        if time.monotonic() > self.until:
            raise _OutOfTime
        return call()

    @contextmanager
    def step(self, entry: Json, what: str) -> Iterator[None]:
        """Record a failed read as one line of ``entry['problems']``; the breaker it
        opened is closed again (a read refused here may be allowed there; the time
        bound keeps a cluster that is down from costing a retry budget per read)."""
        was_down = self.cluster.breaker.is_open
        try:
            yield
        except (_OutOfTime, Interrupted):
            raise
        except CannotEvaluate as err:
            if self.cluster.breaker.is_open and not was_down:
                self.cluster.breaker.close()
            _problem(entry, f"{what}: cannot read: {_one_line(str(err), self.bounds.field * 2)}")
        except Exception as err:  # an object of an unexpected shape
            problem = f"{what}: cannot read: {type(err).__name__}: {err}"
            _problem(entry, _one_line(problem, self.bounds.field * 2))

    # -- subjects

    def subject(self, ref: ObjectRef, entry: Json) -> None:
        obj: Json | None = None
        with self.step(entry, ref.kind.lower()):
            obj = self._find(ref)
            if obj is None:
                entry["missing"] = True
            elif ref.namespace is None and _meta(obj).get("namespace"):
                entry["namespace"] = _meta(obj)["namespace"]
                entry["object"] = str(ref._replace(namespace=entry["namespace"]))
        if obj is None:
            return
        if ref.kind == "Pod":
            self.pod(obj, entry)
            return
        namespace = _meta(obj).get("namespace") or None
        if ref.kind in _WORKLOADS:
            self.workload(obj, entry)
        elif ref.kind == "Node":
            self.node(obj, entry)
        elif ref.kind == "APIService":
            entry["conditions"] = [
                _condition(c, self._text) for c in _conditions(obj) if c.get("type") == "Available"
            ]
        else:
            entry["conditions"] = self._bad_conditions(obj)
        if ref.kind == "Service":
            with self.step(entry, "endpoints"):
                entry["endpoints"] = self.endpoints(ref.name, namespace)
        self.events(ref.kind, ref.name, namespace, entry)

    def _find(self, ref: ObjectRef) -> Json | None:
        """The object; one of a namespaced type named without a namespace is looked
        for in every namespace (a check over all namespaces names it so)."""
        if ref.namespace is None and self._read(lambda: self.cluster.resolve(ref.kind)).namespaced:
            found = self._read(
                lambda: self.cluster.list(
                    ref.kind, all_namespaces=True, field_selector=f"metadata.name={ref.name}"
                )
            )
            return found[0] if found else None
        got: Json | None = self._read(lambda: self.cluster.get(ref.kind, ref.name, ref.namespace))
        return got

    def pod(self, pod: Json, entry: Json, *, log: bool = True) -> None:
        meta, spec, status = _meta(pod), _dict(pod.get("spec")), _dict(pod.get("status"))
        namespace = meta.get("namespace") or None
        entry["phase"] = str(status.get("phase") or "Unknown")
        for key in ("reason", "message"):
            if status.get(key):
                entry[key] = self._text(status[key])
        entry["conditions"] = self._bad_conditions(pod)
        containers = [
            self._container(c, init=True) for c in _list(status.get("initContainerStatuses"))
        ] + [self._container(c, init=False) for c in _list(status.get("containerStatuses"))]
        entry["containers"] = containers[: self.bounds.items]
        node = str(spec.get("nodeName") or "")
        entry["node"] = self.pod_node(node, entry) if node else None
        self.events("Pod", str(meta.get("name", "")), namespace, entry)
        if log and self.bounds.log_lines > 0:
            self.log(pod, status, entry)

    def workload(self, obj: Json, entry: Json) -> None:
        spec, status = _dict(obj.get("spec")), _dict(obj.get("status"))
        counts = {k: v for k, v in status.items() if isinstance(v, int) and k not in _NOT_COUNTS}
        if isinstance(spec.get("replicas"), int):
            counts = {"desired": spec["replicas"], **counts}
        entry["status"] = counts
        entry["conditions"] = self._bad_conditions(obj)
        selector = _label_selector(_dict(spec.get("selector")))
        if not selector:
            return
        namespace = _meta(obj).get("namespace") or None
        pods: list[Json] = []
        with self.step(entry, "pods"):
            listed = self._read(
                lambda: self.cluster.list("pods", namespace, label_selector=selector)
            )
            unhealthy = [p for p in listed if not _healthy(p)]
            entry["unhealthy_pods"] = len(unhealthy)
            for pod in unhealthy[: self.bounds.pods]:
                meta = _meta(pod)
                sub = _entry(ObjectRef("Pod", meta.get("name", ""), meta.get("namespace")))
                pods.append(sub)
                self.pod(pod, sub, log=not pods[:-1])  # one log per workload
        entry["pods"] = pods

    def node(self, node: Json, entry: Json) -> None:
        spec = _dict(node.get("spec"))
        entry.update(self._ready(node))  # ready, reason, message
        entry["conditions"] = [
            c
            for c in self._bad_conditions(node)
            if c["type"] != "Ready"  # in "ready" already
        ]
        entry["unschedulable"] = bool(spec.get("unschedulable"))
        entry["taints"] = [
            self._text(
                f"{t.get('key', '')}{'=' + t['value'] if t.get('value') else ''}"
                f":{t.get('effect', '')}"
            )
            for t in _list(spec.get("taints"))[: self.bounds.items]
        ]

    def pod_node(self, name: str, entry: Json) -> Json:
        if name not in self.nodes:
            self.nodes[name] = "unread"
            with self.step(entry, f"node {name}"):
                self.nodes[name] = self._read(lambda: self.cluster.get("nodes", name))
        node = self.nodes[name]
        if isinstance(node, str):
            return {"name": name}  # a problem line says why
        if node is None:
            return {"name": name, "missing": True}
        return {"name": name, **self._ready(node)}

    def endpoints(self, name: str, namespace: str | None) -> Json:
        found = self._read(lambda: self.cluster.get("endpoints", name, namespace))
        if found is None:
            return {"missing": True}
        ready: list[str] = []
        not_ready: list[str] = []
        for subset in _list(found.get("subsets")):
            ready += [_address(a) for a in _list(subset.get("addresses"))]
            not_ready += [_address(a) for a in _list(subset.get("notReadyAddresses"))]
        return {
            "ready": ready[: self.bounds.items],
            "not_ready": not_ready[: self.bounds.items],
            "ready_count": len(ready),
            "not_ready_count": len(not_ready),
        }

    def events(self, kind: str, name: str, namespace: str | None, entry: Json) -> None:
        if self.bounds.events <= 0:
            return
        fields = f"involvedObject.kind={kind},involvedObject.name={name}"
        if namespace:
            fields += f",involvedObject.namespace={namespace}"
        with self.step(entry, "events"):
            listed = self._read(
                lambda: self.cluster.list(
                    "events",
                    namespace,
                    all_namespaces=namespace is None,
                    field_selector=fields,
                )
            )
            listed.sort(key=_event_time, reverse=True)
            entry["events"] = [self._event(e) for e in listed[: self.bounds.events]]

    def log(self, pod: Json, status: Json, entry: Json) -> None:
        chosen = _failing_container(status)
        if chosen is None:
            return
        container, previous = chosen
        meta = _meta(pod)
        what = f"log of {container}" + (" (previous run)" if previous else "")
        with self.step(entry, what):
            text = self._read(
                lambda: self.cluster.logs(
                    meta.get("name", ""),
                    meta.get("namespace") or None,
                    container=container,
                    tail_lines=self.bounds.log_lines,
                    limit_bytes=self.bounds.log_bytes,
                    previous=previous,
                )
            )
            entry["log"] = {
                "container": container,
                "previous": previous,
                "lines": self._tail(str(text)),
            }

    # -- shaping

    def _text(self, value: object) -> str:
        return _one_line(str(value), self.bounds.field)

    def _tail(self, text: str) -> list[str]:
        lines = [_cut_line(line, self.bounds.field) for line in text.splitlines()]
        lines = lines[-self.bounds.log_lines :]
        kept: list[str] = []
        size = 0
        for line in reversed(lines):
            size += len(line.encode()) + 1
            if size > self.bounds.log_bytes:
                break
            kept.append(line)
        return kept[::-1]

    def _bad_conditions(self, obj: Json) -> list[Json]:
        return [_condition(c, self._text) for c in _conditions(obj) if _bad(c)][: self.bounds.items]

    def _ready(self, node: Json) -> Json:
        ready = next((c for c in _conditions(node) if c.get("type") == "Ready"), None)
        if ready is None:
            return {"ready": "Unknown", "reason": "", "message": "no Ready condition"}
        condition = _condition(ready, self._text)
        return {"ready": condition["status"], **_pick(condition, "reason", "message")}

    def _container(self, status: Json, *, init: bool) -> Json:
        state_name, state = next(iter(_dict(status.get("state")).items()), ("unknown", {}))
        state = _dict(state)
        out: Json = {
            "name": str(status.get("name", "")),
            "init": init,
            "ready": bool(status.get("ready")),
            "restarts": int(status.get("restartCount") or 0),
            "state": str(state_name),
        }
        for key in ("reason", "message"):
            if state.get(key):
                out[key] = self._text(state[key])
        if "exitCode" in state:
            out["exit_code"] = state["exitCode"]
        last = _dict(_dict(status.get("lastState")).get("terminated"))
        if last:
            out["last"] = {
                k: (self._text(last[key]) if isinstance(last[key], str) else last[key])
                for k, key in (
                    ("reason", "reason"),
                    ("exit_code", "exitCode"),
                    ("message", "message"),
                    ("finished", "finishedAt"),
                )
                if last.get(key) not in (None, "")
            }
        return out

    def _event(self, event: Json) -> Json:
        series = _dict(event.get("series"))
        out: Json = {
            "type": str(event.get("type") or ""),
            "reason": str(event.get("reason") or ""),
            "message": self._text(event.get("message") or event.get("note") or ""),
            "count": int(series.get("count") or event.get("count") or 1),
            "last_seen": _event_time(event),
        }
        return out


# --------------------------------------------------------------------------- rendering


def _render_subject(entry: Mapping[str, Any], indent: str) -> list[str]:
    head = f"{indent}{entry.get('object', '?')}"
    inner = indent + "  "
    if entry.get("missing"):
        return [f"{head}: not found", *_problems(entry, inner)]
    kind = entry.get("kind")
    lines: list[str] = []
    if kind == "Pod":
        head += f": {entry.get('phase', 'Unknown')}"
        node = entry.get("node")
        head += f" on node {node['name']}" if node else ", not scheduled"
        if entry.get("reason"):
            head += f": {entry['reason']}" + (
                f": {entry['message']}" if entry.get("message") else ""
            )
        lines.append(head)
    elif kind == "Node":
        lines.append(f"{head}: {_ready_text(entry)}")
        if entry.get("unschedulable"):
            lines.append(f"{inner}unschedulable (cordoned)")
        if entry.get("taints"):
            lines.append(f"{inner}taints: {', '.join(entry['taints'])}")
    elif "status" in entry:
        counts = ", ".join(f"{k} {v}" for k, v in entry["status"].items())
        lines.append(f"{head}: {counts or 'no status'}")
    else:
        lines.append(head)
    for condition in entry.get("conditions") or ():
        lines.append(f"{inner}{_condition_text(condition)}")
    for container in entry.get("containers") or ():
        lines.append(f"{inner}{_container_text(container)}")
    node = entry.get("node")
    if node and (node.get("missing") or node.get("ready") not in (None, "True")):
        state = "not found" if node.get("missing") else _ready_text(node)
        lines.append(f"{inner}node {node['name']}: {state}")
    if "endpoints" in entry:
        lines.append(f"{inner}{_endpoints_text(entry['endpoints'])}")
    events = entry.get("events")
    if events:
        lines.append(f"{inner}events (newest first):")
        lines += [f"{inner}  {_event_text(e)}" for e in events]
    log = entry.get("log")
    if log:
        run = "previous run, " if log.get("previous") else ""
        lines.append(f"{inner}log of {log['container']} ({run}last {len(log['lines'])} lines):")
        lines += [f"{inner}  | {line}" for line in log["lines"]]
    if "unhealthy_pods" in entry:
        shown = len(entry.get("pods") or ())
        total = entry["unhealthy_pods"]
        more = f" ({total - shown} more not shown)" if total > shown else ""
        lines.append(f"{inner}{total} unhealthy pod{'s' if total != 1 else ''}{more}")
        for pod in entry.get("pods") or ():
            lines += _render_subject(pod, inner + "  ")
    return lines + _problems(entry, inner)


def _problems(entry: Mapping[str, Any], indent: str) -> list[str]:
    return [f"{indent}{p}" for p in entry.get("problems") or ()]


def _with_reason(text: str, entry: Mapping[str, Any]) -> str:
    """``text``, then the entry's reason and message when it has them."""
    for key in ("reason", "message"):
        if entry.get(key):
            text += f": {entry[key]}"
    return text


def _ready_text(entry: Mapping[str, Any]) -> str:
    return _with_reason(f"Ready={entry.get('ready', 'Unknown')}", entry)


def _condition_text(condition: Mapping[str, Any]) -> str:
    return _with_reason(f"condition {condition.get('type')}={condition.get('status')}", condition)


def _container_text(c: Mapping[str, Any]) -> str:
    kind = "init container" if c.get("init") else "container"
    text = _with_reason(f"{kind} {c.get('name')}: {c.get('state')}", c)
    if c.get("exit_code") is not None:
        text += f" (exit code {c['exit_code']})"
    details = []
    if c.get("state") == "running":
        details.append("ready" if c.get("ready") else "not ready")
    if c.get("restarts"):
        details.append(f"{c['restarts']} restart{'s' if c['restarts'] != 1 else ''}")
    last = c.get("last")
    if last:
        words = f"last terminated: {last.get('reason') or 'unknown'}"
        if last.get("exit_code") is not None:
            words += f" (exit code {last['exit_code']})"
        if last.get("message"):
            words += f": {last['message']}"
        details.append(words)
    return text + ("; " + "; ".join(details) if details else "")


def _endpoints_text(endpoints: Mapping[str, Any]) -> str:
    if endpoints.get("missing"):
        return "endpoints: none (no Endpoints object)"
    parts = []
    for key, label in (("ready", "ready"), ("not_ready", "not ready")):
        count = endpoints.get(f"{key}_count", 0)
        shown = endpoints.get(key) or []
        listed = ", ".join(shown) + (
            f", ... ({count - len(shown)} more)" if count > len(shown) else ""
        )
        parts.append(f"{count} {label}" + (f" ({listed})" if listed else ""))
    return "endpoints: " + "; ".join(parts)


def _event_text(event: Mapping[str, Any]) -> str:
    count = event.get("count", 1)
    times = f" x{count}" if count and count > 1 else ""
    when = f" at {event['last_seen']}" if event.get("last_seen") else ""
    return f"{event.get('type')} {event.get('reason')}{times}{when}: {event.get('message')}"


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    note = f"\n(diagnostics cut at {limit} characters)"
    head = text[: max(0, limit - len(note))]
    if "\n" in head:
        head = head[: head.rindex("\n")]
    return head + note


# --------------------------------------------------------------------------- helpers


def _entry(ref: ObjectRef) -> Json:
    return {
        "object": str(ref),
        "kind": ref.kind,
        "name": ref.name,
        "namespace": ref.namespace,
        "problems": [],
    }


def _dict(value: object) -> Json:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Json]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _meta(obj: Json) -> Json:
    return _dict(obj.get("metadata"))


def _conditions(obj: Json) -> list[Json]:
    return _list(_dict(obj.get("status")).get("conditions"))


def _bad(condition: Json) -> bool:
    status = condition.get("status")
    return status == "True" if condition.get("type") in _BAD_WHEN_TRUE else status != "True"


def _condition(condition: Json, text: Callable[[object], str] = str) -> Json:
    out: Json = {"type": str(condition.get("type", "")), "status": str(condition.get("status"))}
    for key in ("reason", "message"):
        if condition.get(key):
            out[key] = text(condition[key])
    return out


def _pick(mapping: Json, *keys: str) -> Json:
    return {k: mapping[k] for k in keys if k in mapping}


def _problem(entry: Json, line: str) -> None:
    entry["problems"].append(line)


def _one_line(text: str, limit: int) -> str:
    return _cut_line(" ".join(text.split()), limit)


def _cut_line(text: str, limit: int) -> str:
    """At most ``limit`` characters, without terminal escapes or control characters."""
    text = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", _ESCAPES.sub("", text))
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."


def _address(address: Json) -> str:
    target = _dict(address.get("targetRef"))
    ip = str(address.get("ip", "?"))
    return f"{ip} ({target.get('kind', '').lower()} {target['name']})" if target.get("name") else ip


def _label_selector(selector: Json) -> str:
    """A LabelSelector as the ``labelSelector`` query parameter writes it."""
    terms = [f"{k}={v}" for k, v in sorted(_dict(selector.get("matchLabels")).items())]
    for expr in _list(selector.get("matchExpressions")):
        key, op = expr.get("key", ""), expr.get("operator")
        values = ",".join(str(v) for v in expr.get("values") or ())
        if op == "In":
            terms.append(f"{key} in ({values})")
        elif op == "NotIn":
            terms.append(f"{key} notin ({values})")
        elif op == "Exists":
            terms.append(str(key))
        elif op == "DoesNotExist":
            terms.append(f"!{key}")
    return ",".join(terms)


def _healthy(pod: Json) -> bool:
    status = _dict(pod.get("status"))
    if status.get("phase") == "Succeeded":
        return True
    ready = next((c for c in _conditions(pod) if c.get("type") == "Ready"), None)
    return status.get("phase") == "Running" and ready is not None and ready.get("status") == "True"


def _failing_container(status: Json) -> tuple[str, bool] | None:
    """The container whose log tells why the pod fails, and whether to read its previous
    run: the first init container not done, else the first container not ready, that has
    run (a container still pulling its image has no log)."""
    inits = [
        c
        for c in _list(status.get("initContainerStatuses"))
        if _dict(_dict(c.get("state")).get("terminated")).get("exitCode") != 0
    ]
    for container in inits + _list(status.get("containerStatuses")):
        if container.get("ready"):
            continue
        state = _dict(container.get("state"))
        last = _dict(_dict(container.get("lastState")).get("terminated"))
        if "waiting" in state and last:
            return str(container.get("name", "")), True
        if "running" in state or "terminated" in state:
            return str(container.get("name", "")), False
    return None


def _event_time(event: Json) -> str:
    series = _dict(event.get("series"))
    for value in (
        series.get("lastObservedTime"),
        event.get("lastTimestamp"),
        event.get("eventTime"),
        event.get("firstTimestamp"),
        _meta(event).get("creationTimestamp"),
    ):
        if value:
            return str(value)
    return ""


def _masked(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _masked(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, redact) for v in value]
    return value

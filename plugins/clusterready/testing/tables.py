"""The server-side Table format (``Accept: application/json;as=Table;...``).

What ``kubectl get`` prints comes from the API server: its printers choose the
columns and render the cells. These are the columns kube-apiserver's printers
give for the common types (pods: NAME READY STATUS RESTARTS AGE, and so on);
other types get NAME and AGE, as CRDs without printer columns do.

>>> pod = {"metadata": {"name": "web-1"}, "spec": {"containers": [{"name": "app"}]},
...        "status": {"phase": "Running", "containerStatuses": [
...            {"name": "app", "ready": True, "restartCount": 2, "state": {"running": {}}}]}}
>>> table("", "pods", [pod])["rows"][0]["cells"][:4]
['web-1', '1/1', 'Running', '2']
>>> human_duration(3 * 3600 + 25 * 60)
'3h25m'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from clusterready.kube.readiness import selector_string

__all__ = ["human_duration", "table", "wants_table"]

Obj = Mapping[str, Any]
Column = tuple[str, str, int]  # name, type, priority (1: -o wide only)


def wants_table(accept: str) -> bool:
    """Whether an Accept header asks for a meta.k8s.io Table (v1 or v1beta1)."""
    first = accept.split(",")[0]
    return "as=Table" in first


def table(
    group: str, plural: str, objects: Iterable[Obj], list_meta: Obj | None = None
) -> dict[str, Any]:
    """The Table the API server answers for these objects of ``group``/``plural``."""
    columns, render = _PRINTERS.get(f"{group}/{plural}", _GENERIC)
    now = datetime.now(UTC)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": dict(list_meta or {}),
        "columnDefinitions": [
            {
                "name": name,
                "type": kind,
                "format": "name" if name == "Name" else "",
                "description": "",
                "priority": priority,
            }
            for name, kind, priority in columns
        ],
        "rows": [
            {
                "cells": render(obj, now),
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj.get("metadata", {}),
                },
            }
            for obj in objects
        ],
    }


# --------------------------------------------------------------------------- cells


def human_duration(seconds: float) -> str:
    """apimachinery's ``duration.HumanDuration``: ``45s``, ``3m20s``, ``3h25m``, ``5d``."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def _since(stamp: object, now: datetime) -> str:
    if not isinstance(stamp, str) or not stamp:
        return "<unknown>"
    try:
        then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return "<unknown>"
    return human_duration((now - then).total_seconds())


def _age(obj: Obj, now: datetime) -> str:
    return _since(obj.get("metadata", {}).get("creationTimestamp"), now)


def _get(obj: Any, path: str, default: Any = None) -> Any:
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, Mapping) else None
    return default if obj is None else obj


def _name(obj: Obj) -> str:
    return str(_get(obj, "metadata.name", ""))


def _none(value: object) -> str:
    return str(value) if value not in (None, "", [], {}) else "<none>"


# --------------------------------------------------------------------------- printers


def _pod(obj: Obj, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    restarts, ready, last_restart = 0, 0, ""
    reason = status.get("reason") or status.get("phase") or ""
    initializing = False
    init_specs = spec.get("initContainers") or []
    for i, container in enumerate(status.get("initContainerStatuses") or []):
        restarts += int(container.get("restartCount") or 0)
        last_restart = max(last_restart, _finished(container))
        state = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated and int(terminated.get("exitCode") or 0) == 0:
            continue
        if container.get("started") and _restartable(init_specs, container.get("name")):
            continue
        if terminated:
            reason = "Init:" + (terminated.get("reason") or _exit(terminated))
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    if not initializing:
        restarts, has_running = 0, False
        for container in reversed(status.get("containerStatuses") or []):
            restarts += int(container.get("restartCount") or 0)
            last_restart = max(last_restart, _finished(container))
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting") or {}, state.get("terminated")
            if waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated:
                reason = terminated.get("reason") or _exit(terminated)
            elif container.get("ready") and "running" in state:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
            reason = "Running" if conditions.get("Ready") == "True" else "NotReady"
    if _get(obj, "metadata.deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif status.get("phase") not in ("Succeeded", "Failed"):
            reason = "Terminating"
    restarts_cell = str(restarts)
    if last_restart:
        restarts_cell += f" ({_since(last_restart, now)} ago)"
    ips = status.get("podIPs") or []
    gates = spec.get("readinessGates") or []
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    gates_cell = (
        f"{sum(conditions.get(g.get('conditionType')) == 'True' for g in gates)}/{len(gates)}"
        if gates
        else "<none>"
    )
    return [
        _name(obj),
        f"{ready}/{len(spec.get('containers') or [])}",
        reason,
        restarts_cell,
        _age(obj, now),
        _none(ips[0].get("ip") if ips else status.get("podIP")),
        _none(spec.get("nodeName")),
        _none(status.get("nominatedNodeName")),
        gates_cell,
    ]


def _finished(container: Obj) -> str:
    return str(_get(container, "lastState.terminated.finishedAt", ""))


def _restartable(specs: list[Obj], name: object) -> bool:
    return any(s.get("name") == name and s.get("restartPolicy") == "Always" for s in specs)


def _exit(terminated: Obj) -> str:
    signal = int(terminated.get("signal") or 0)
    return f"Signal:{signal}" if signal else f"ExitCode:{int(terminated.get('exitCode') or 0)}"


def _node(obj: Obj, now: datetime) -> list[Any]:
    conditions = {c.get("type"): c.get("status") for c in _get(obj, "status.conditions", [])}
    ready = {"True": "Ready", "False": "NotReady"}.get(conditions.get("Ready") or "", "Unknown")
    states = [ready] + (["SchedulingDisabled"] if _get(obj, "spec.unschedulable") else [])
    labels = _get(obj, "metadata.labels", {})
    roles = sorted(
        {
            k.removeprefix("node-role.kubernetes.io/")
            for k in labels
            if k.startswith("node-role.kubernetes.io/")
        }
        | ({labels["kubernetes.io/role"]} if labels.get("kubernetes.io/role") else set())
    )
    addresses = _get(obj, "status.addresses", [])

    def address(kind: str) -> str:
        return _none(next((a.get("address") for a in addresses if a.get("type") == kind), None))

    info = _get(obj, "status.nodeInfo", {})
    return [
        _name(obj),
        ",".join(states),
        ",".join(r for r in roles if r) or "<none>",
        _age(obj, now),
        str(info.get("kubeletVersion", "")),
        address("InternalIP"),
        address("ExternalIP"),
        _none(info.get("osImage")),
        _none(info.get("kernelVersion")),
        _none(info.get("containerRuntimeVersion")),
    ]


def _containers(obj: Obj) -> tuple[str, str]:
    containers = _get(obj, "spec.template.spec.containers", [])
    return (
        ",".join(str(c.get("name", "")) for c in containers),
        ",".join(str(c.get("image", "")) for c in containers),
    )


def _selector(obj: Obj) -> str:
    return selector_string(_get(obj, "spec.selector", {})) or "<none>"


def _deployment(obj: Obj, now: datetime) -> list[Any]:
    names, images = _containers(obj)
    return [
        _name(obj),
        f"{_get(obj, 'status.readyReplicas', 0)}/{_get(obj, 'spec.replicas', 1)}",
        int(_get(obj, "status.updatedReplicas", 0)),
        int(_get(obj, "status.availableReplicas", 0)),
        _age(obj, now),
        names,
        images,
        _selector(obj),
    ]


def _daemonset(obj: Obj, now: datetime) -> list[Any]:
    names, images = _containers(obj)
    node_selector = _get(obj, "spec.template.spec.nodeSelector", {})
    return [
        _name(obj),
        *(
            int(_get(obj, f"status.{f}", 0))
            for f in (
                "desiredNumberScheduled",
                "currentNumberScheduled",
                "numberReady",
                "updatedNumberScheduled",
                "numberAvailable",
            )
        ),
        ",".join(f"{k}={v}" for k, v in sorted(node_selector.items())) or "<none>",
        _age(obj, now),
        names,
        images,
        _selector(obj),
    ]


def _replicaset(obj: Obj, now: datetime) -> list[Any]:
    names, images = _containers(obj)
    return [
        _name(obj),
        int(_get(obj, "spec.replicas", 1)),
        int(_get(obj, "status.replicas", 0)),
        int(_get(obj, "status.readyReplicas", 0)),
        _age(obj, now),
        names,
        images,
        _selector(obj),
    ]


def _statefulset(obj: Obj, now: datetime) -> list[Any]:
    names, images = _containers(obj)
    ready = f"{_get(obj, 'status.readyReplicas', 0)}/{_get(obj, 'spec.replicas', 1)}"
    return [_name(obj), ready, _age(obj, now), names, images]


def _service(obj: Obj, now: datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    external: list[str] = list(spec.get("externalIPs") or [])
    if kind == "LoadBalancer":
        ingress = _get(obj, "status.loadBalancer.ingress", [])
        external = [i.get("ip") or i.get("hostname") or "" for i in ingress] + external
        shown = ",".join(e for e in external if e) or "<pending>"
    elif kind == "ExternalName":
        shown = str(spec.get("externalName") or "<none>")
    else:
        shown = ",".join(external) or "<none>"
    ports = []
    for port in spec.get("ports") or []:
        protocol = port.get("protocol") or "TCP"
        node_port = f":{port['nodePort']}" if port.get("nodePort") else ""
        ports.append(f"{port.get('port')}{node_port}/{protocol}")
    selector = spec.get("selector") or {}
    return [
        _name(obj),
        kind,
        _none(spec.get("clusterIP")),
        shown,
        ",".join(ports) or "<none>",
        _age(obj, now),
        ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>",
    ]


def _namespace(obj: Obj, now: datetime) -> list[Any]:
    return [_name(obj), str(_get(obj, "status.phase", "Active")), _age(obj, now)]


def _event(obj: Obj, now: datetime) -> list[Any]:
    involved = obj.get("involvedObject") or {}
    last = (
        obj.get("lastTimestamp") or obj.get("eventTime") or _get(obj, "metadata.creationTimestamp")
    )
    first = (
        obj.get("firstTimestamp") or obj.get("eventTime") or _get(obj, "metadata.creationTimestamp")
    )
    source = obj.get("source") or {}
    return [
        _since(last, now),
        str(obj.get("type", "")),
        str(obj.get("reason", "")),
        f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        str(involved.get("fieldPath", "")),
        ", ".join(str(v) for v in (source.get("component"), source.get("host")) if v),
        str(obj.get("message", "")).strip(),
        _since(first, now),
        int(obj.get("count") or 1),
        _name(obj),
    ]


def _configmap(obj: Obj, now: datetime) -> list[Any]:
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [_name(obj), count, _age(obj, now)]


def _secret(obj: Obj, now: datetime) -> list[Any]:
    return [
        _name(obj),
        str(obj.get("type") or "Opaque"),
        len(obj.get("data") or {}),
        _age(obj, now),
    ]


def _generic(obj: Obj, now: datetime) -> list[Any]:
    return [_name(obj), _age(obj, now)]


_S, _I = "string", "integer"
_Printer = tuple[list[Column], Callable[[Obj, datetime], list[Any]]]
_CONTAINERS: list[Column] = [("Containers", _S, 1), ("Images", _S, 1), ("Selector", _S, 1)]
_GENERIC: _Printer = ([("Name", _S, 0), ("Age", _S, 0)], _generic)
_PRINTERS: dict[str, _Printer] = {
    "/pods": (
        [
            ("Name", _S, 0),
            ("Ready", _S, 0),
            ("Status", _S, 0),
            ("Restarts", _S, 0),
            ("Age", _S, 0),
            ("IP", _S, 1),
            ("Node", _S, 1),
            ("Nominated Node", _S, 1),
            ("Readiness Gates", _S, 1),
        ],
        _pod,
    ),
    "/nodes": (
        [
            ("Name", _S, 0),
            ("Status", _S, 0),
            ("Roles", _S, 0),
            ("Age", _S, 0),
            ("Version", _S, 0),
            ("Internal-IP", _S, 1),
            ("External-IP", _S, 1),
            ("OS-Image", _S, 1),
            ("Kernel-Version", _S, 1),
            ("Container-Runtime", _S, 1),
        ],
        _node,
    ),
    "apps/deployments": (
        [
            ("Name", _S, 0),
            ("Ready", _S, 0),
            ("Up-to-date", _I, 0),
            ("Available", _I, 0),
            ("Age", _S, 0),
            *_CONTAINERS,
        ],
        _deployment,
    ),
    "apps/daemonsets": (
        [
            ("Name", _S, 0),
            ("Desired", _I, 0),
            ("Current", _I, 0),
            ("Ready", _I, 0),
            ("Up-to-date", _I, 0),
            ("Available", _I, 0),
            ("Node Selector", _S, 0),
            ("Age", _S, 0),
            *_CONTAINERS,
        ],
        _daemonset,
    ),
    "apps/replicasets": (
        [
            ("Name", _S, 0),
            ("Desired", _I, 0),
            ("Current", _I, 0),
            ("Ready", _I, 0),
            ("Age", _S, 0),
            *_CONTAINERS,
        ],
        _replicaset,
    ),
    "apps/statefulsets": (
        [
            ("Name", _S, 0),
            ("Ready", _S, 0),
            ("Age", _S, 0),
            ("Containers", _S, 1),
            ("Images", _S, 1),
        ],
        _statefulset,
    ),
    "/services": (
        [
            ("Name", _S, 0),
            ("Type", _S, 0),
            ("Cluster-IP", _S, 0),
            ("External-IP", _S, 0),
            ("Port(s)", _S, 0),
            ("Age", _S, 0),
            ("Selector", _S, 1),
        ],
        _service,
    ),
    "/namespaces": ([("Name", _S, 0), ("Status", _S, 0), ("Age", _S, 0)], _namespace),
    "/events": (
        [
            ("Last Seen", _S, 0),
            ("Type", _S, 0),
            ("Reason", _S, 0),
            ("Object", _S, 0),
            ("Subobject", _S, 1),
            ("Source", _S, 1),
            ("Message", _S, 0),
            ("First Seen", _S, 1),
            ("Count", _I, 1),
            ("Name", _S, 1),
        ],
        _event,
    ),
    "/configmaps": ([("Name", _S, 0), ("Data", _I, 0), ("Age", _S, 0)], _configmap),
    "/secrets": ([("Name", _S, 0), ("Type", _S, 0), ("Data", _I, 0), ("Age", _S, 0)], _secret),
}

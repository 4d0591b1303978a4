"""FakeCluster: a real Kubernetes API server on loopback, for tests.

It serves what ``kubectl get`` (every machine-readable output), the official
Python client and :class:`clusterready.kube.Cluster` read: ``/version``,
discovery, lists and gets with label and field selectors and ``limit`` /
``continue`` pagination, and ``Status`` bodies for errors. Clients can only
read (any other method is answered 405); tests change its state from Python.

>>> pod = {"apiVersion": "v1", "kind": "Pod",
...        "metadata": {"name": "web-1", "namespace": "demo"}, "status": {"phase": "Running"}}
>>> with FakeCluster(objects=[pod]) as fake:
...     import json, urllib.request
...     body = urllib.request.urlopen(fake.url + "/api/v1/namespaces/demo/pods").read()
...     [p["metadata"]["name"] for p in json.loads(body)["items"]]
['web-1']
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import socket
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from clusterready.kube.discovery import ResourceType
from clusterready.testing.lifecycle import HttpLoopbackServer
from clusterready.testing.selectors import (
    field_label_error,
    parse_fields,
    parse_labels,
    selectable_fields,
)
from clusterready.testing.tables import table, wants_table

Obj = dict[str, Any]

#: The apiVersion of the ``kind: PodLogs`` documents a state file may hold.
LOGS_API_VERSION = "clusterready.testing/v1"


def _kind(
    api_version: str,
    plural: str,
    kind: str,
    *short: str,
    namespaced: bool = True,
    all_: bool = False,
) -> ResourceType:
    group, _, version = api_version.rpartition("/")
    return ResourceType(
        group=group,
        version=version,
        plural=plural,
        kind=kind,
        namespaced=namespaced,
        short_names=short,
        categories=("all",) if all_ else (),
    )


BUILTIN_KINDS: tuple[ResourceType, ...] = (
    _kind("v1", "pods", "Pod", "po", all_=True),
    _kind("v1", "services", "Service", "svc", all_=True),
    _kind("v1", "namespaces", "Namespace", "ns", namespaced=False),
    _kind("v1", "nodes", "Node", "no", namespaced=False),
    _kind("v1", "configmaps", "ConfigMap", "cm"),
    _kind("v1", "secrets", "Secret"),
    _kind("v1", "serviceaccounts", "ServiceAccount", "sa"),
    _kind("v1", "endpoints", "Endpoints", "ep"),
    _kind("v1", "events", "Event", "ev"),
    _kind("v1", "persistentvolumeclaims", "PersistentVolumeClaim", "pvc"),
    _kind("v1", "persistentvolumes", "PersistentVolume", "pv", namespaced=False),
    _kind("apps/v1", "deployments", "Deployment", "deploy", all_=True),
    _kind("apps/v1", "daemonsets", "DaemonSet", "ds", all_=True),
    _kind("apps/v1", "replicasets", "ReplicaSet", "rs", all_=True),
    _kind("apps/v1", "statefulsets", "StatefulSet", "sts", all_=True),
    _kind("batch/v1", "jobs", "Job", all_=True),
    _kind("batch/v1", "cronjobs", "CronJob", "cj", all_=True),
)


@dataclass(frozen=True)
class Request:
    """One request the fake received."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class _Fault:
    pattern: re.Pattern[str]
    times: int
    status: int
    retry_after: float | None
    delay: float
    drop: bool


class FakeCluster(HttpLoopbackServer):
    """A Kubernetes API server on 127.0.0.1 (a random port), for tests.

    :param objects: objects to serve (dicts as ``kubectl get -o json`` shows them).
    :param version: the minor Kubernetes version it reports ("1.32").
    :param kinds: extra resource types (CRDs) beyond the built-in ones and those
        inferred from ``objects``.
    """

    _recordings: ClassVar[list[list[Request]]] = []
    _recordings_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        objects: Iterable[Obj] = (),
        version: str = "1.32",
        kinds: Iterable[ResourceType] = (),
    ) -> None:
        major, _, minor = version.partition(".")
        self.version = {
            "major": major,
            "minor": minor,
            "gitVersion": f"v{version}.0",
            "platform": "linux/amd64",
        }
        self._lock = threading.RLock()
        self._kinds: dict[tuple[str, str], ResourceType] = {}
        self._store: dict[tuple[str, str], dict[tuple[str, str], Obj]] = {}
        self._rv = 1000
        self._requests: list[Request] = []
        self._snapshots: dict[tuple[str, ...], tuple[int, list[Obj]]] = {}
        self._faults: list[_Fault] = []
        self._timers: list[threading.Timer] = []
        self._armed: list[tuple[re.Pattern[str], threading.Timer]] = []
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._logs: dict[tuple[str, str], dict[str, str]] = {}
        self._failing_checks: tuple[str, ...] = ()
        for kind in (*BUILTIN_KINDS, *kinds):
            self._kinds[(kind.group, kind.plural)] = kind
        for namespace in ("default", "kube-system"):
            self._ensure_namespace(namespace)
        for obj in objects:
            self.apply(obj)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeCluster:
        """Start serving (idempotent); returns self."""
        if self._server is None:
            self._server = _Server(("127.0.0.1", 0), _handler_for(self))
            # A short poll interval: stop() (each test's teardown) waits for one.
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},
                name="fakecluster",
                daemon=True,
            )
            self._thread.start()
            self._tmp = tempfile.TemporaryDirectory(prefix="fakecluster-")
            self._write_kubeconfig()
        return self

    def stop(self) -> None:
        """Stop serving, cancel scheduled changes and pending delays."""
        for timer in self._timers:
            timer.cancel()
        self._close()

    @property
    def kubeconfig(self) -> str:
        """Path of a kubeconfig file (context ``fake``, namespace ``default``)."""
        if self._tmp is None:
            raise self.not_started("FakeCluster")
        return str(Path(self._tmp.name) / "kubeconfig")

    def _write_kubeconfig(self) -> None:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "fake", "user": {}}],
            "contexts": [
                {
                    "name": "fake",
                    "context": {"cluster": "fake", "user": "fake", "namespace": "default"},
                }
            ],
            "current-context": "fake",
        }
        Path(self.kubeconfig).write_text(json.dumps(config, indent=1), encoding="utf-8")

    # ------------------------------------------------------------------ state

    def apply(self, obj: Obj) -> Obj:
        """Create or replace an object (a deep copy is stored); returns the stored object.

        A ``kind: PodLogs`` document (``apiVersion: clusterready.testing/v1``, the
        pod's ``metadata.name``/``namespace``, ``containers: {name: text}``) sets
        logs instead, so a state file can carry them.
        """
        if obj.get("kind") == "PodLogs" and obj.get("apiVersion") == LOGS_API_VERSION:
            meta = obj.get("metadata") or {}
            for container, text in (obj.get("containers") or {}).items():
                self.set_logs(
                    str(meta.get("name", "")),
                    str(text),
                    namespace=str(meta.get("namespace") or "default"),
                    container=str(container),
                )
            return copy.deepcopy(obj)
        kind = self._kind_of(obj)
        stored = copy.deepcopy(obj)
        meta = stored.setdefault("metadata", {})
        if not meta.get("name"):
            raise ValueError(f"object without metadata.name: {obj!r}")
        with self._lock:
            if kind.namespaced:
                meta.setdefault("namespace", "default")
                self._ensure_namespace(meta["namespace"])
            else:
                meta.pop("namespace", None)
            self._rv += 1
            meta["resourceVersion"] = str(self._rv)
            meta.setdefault("uid", f"00000000-0000-4000-8000-{self._rv:012d}")
            meta.setdefault("creationTimestamp", _now())
            stored.setdefault("apiVersion", kind.api_version)
            stored.setdefault("kind", kind.kind)
            key = (meta.get("namespace", ""), meta["name"])
            self._store.setdefault((kind.group, kind.plural), {})[key] = stored
        return stored

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        """Delete an object by Kind (or plural), name and namespace; KeyError if absent."""
        resource = self._resolve(kind)
        ns = namespace if resource.namespaced else ""
        with self._lock:
            del self._store.setdefault((resource.group, resource.plural), {})[(ns, name)]
            self._rv += 1

    def set_logs(
        self, pod: str, text: str, *, namespace: str = "default", container: str | None = None
    ) -> None:
        """What ``kubectl logs`` (``GET .../pods/POD/log``) shows for a container of a pod.

        Without ``container``, the pod's only container (or its first one, as it
        is named in the pod's spec when the pod exists; else ``""``).
        """
        with self._lock:
            if container is None:
                found = self._store.get(("", "pods"), {}).get((namespace, pod))
                names = [c.get("name", "") for c in _containers(found)] if found else []
                container = names[0] if names else ""
            self._logs.setdefault((namespace, pod), {})[container] = text

    def set_health(self, *failing: str) -> None:
        """Make ``/readyz`` and ``/livez`` report these checks failed (``etcd``,
        ``informer-sync``, ...), answering 500 as an API server does; none: healthy.

        >>> import urllib.error, urllib.request
        >>> with FakeCluster() as fake:
        ...     fake.set_health("etcd")
        ...     try:
        ...         urllib.request.urlopen(fake.url + "/readyz?verbose")
        ...     except urllib.error.HTTPError as err:
        ...         print(err.code, err.read().decode().splitlines()[2])
        500 [-]etcd failed: reason withheld
        """
        with self._lock:
            self._failing_checks = failing

    def objects(self, kind: str) -> list[Obj]:
        """Deep copies of the stored objects of a Kind (or plural)."""
        resource = self._resolve(kind)
        with self._lock:
            return copy.deepcopy(
                list(self._store.get((resource.group, resource.plural), {}).values())
            )

    def schedule(
        self,
        seconds: float,
        change: Callable[[FakeCluster], object] | Obj,
        *,
        after: str | None = None,
    ) -> None:
        """After ``seconds``, apply ``change`` (an object) or call it with this fake.

        With ``after`` (a regex), the clock starts at the first request whose path
        matches it, not now: ``schedule(3, pod, after="/pods$")`` changes the pod 3 s
        after a client first lists pods, however long the client took to start.
        """

        def run() -> None:
            if self._closing.is_set():
                return
            if callable(change):
                change(self)
            else:
                self.apply(change)

        timer = threading.Timer(seconds, run)
        timer.daemon = True
        with self._lock:
            self._timers.append(timer)
            if after is not None:
                self._armed.append((re.compile(after), timer))
                return
        timer.start()

    def fail(
        self,
        path: str = ".*",
        *,
        times: int = 1,
        status: int = 503,
        retry_after: float | None = None,
        delay: float = 0.0,
        drop: bool = False,
    ) -> None:
        """Make the next ``times`` requests whose path matches ``path`` (a regex) misbehave.

        ``status`` answers with that code (and a ``Retry-After`` header when
        given); ``delay`` waits first (a hung server when longer than the
        client's read timeout; status 200 then answers normally); ``drop``
        closes the connection without an answer.
        """
        with self._lock:
            self._faults.append(_Fault(re.compile(path), times, status, retry_after, delay, drop))

    @property
    def requests(self) -> list[Request]:
        """Every request received so far, in order."""
        with self._lock:
            return list(self._requests)

    @classmethod
    @contextmanager
    def recording(cls) -> Iterator[list[Request]]:
        """Every request that any FakeCluster of this process receives inside the block.

        It proves a whole test (whichever fakes it starts) stayed read-only:

        >>> import urllib.request
        >>> with FakeCluster.recording() as seen, FakeCluster() as fake:
        ...     _ = urllib.request.urlopen(fake.url + "/version").read()
        >>> [(r.method, r.path) for r in seen]
        [('GET', '/version')]
        """
        seen: list[Request] = []
        with cls._recordings_lock:
            cls._recordings.append(seen)
        try:
            yield seen
        finally:
            with cls._recordings_lock:
                cls._recordings[:] = [r for r in cls._recordings if r is not seen]

    # ------------------------------------------------------------------ resource types

    def _kind_of(self, obj: Obj) -> ResourceType:
        api_version = str(obj.get("apiVersion", "v1"))
        kind = str(obj.get("kind", ""))
        group, _, version = api_version.rpartition("/")
        with self._lock:
            for resource in self._kinds.values():
                if resource.group == group and resource.kind == kind:
                    return resource
            if not kind:
                raise ValueError(f"object without kind: {obj!r}")
            # A CRD object: infer its type; namespaced when the object has a namespace.
            resource = ResourceType(
                group=group,
                version=version,
                plural=_plural(kind),
                kind=kind,
                namespaced=bool(obj.get("metadata", {}).get("namespace")),
            )
            self._kinds[(group, resource.plural)] = resource
            return resource

    def _resolve(self, name: str) -> ResourceType:
        with self._lock:
            for resource in self._kinds.values():
                if resource.matches(name):
                    return resource
        raise KeyError(f"FakeCluster serves no resource type {name!r}")

    def _ensure_namespace(self, name: str) -> None:
        namespaces = self._store.setdefault(("", "namespaces"), {})
        if ("", name) not in namespaces:
            self._rv += 1
            namespaces[("", name)] = {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": name,
                    "resourceVersion": str(self._rv),
                    "uid": f"00000000-0000-4000-8000-{self._rv:012d}",
                    "creationTimestamp": _now(),
                },
                "status": {"phase": "Active"},
            }

    # ------------------------------------------------------------------ serving

    def _record(self, request: Request) -> _Fault | None:
        with self._recordings_lock:
            for seen in self._recordings:
                seen.append(request)
        with self._lock:
            self._requests.append(request)
            for armed in [a for a in self._armed if a[0].search(request.path)]:
                self._armed.remove(armed)
                armed[1].start()
            for fault in self._faults:
                if fault.times > 0 and fault.pattern.search(request.path):
                    fault.times -= 1
                    return fault
        return None

    def _answer(
        self, method: str, path: str, query: Mapping[str, str], accept: str = ""
    ) -> tuple[int, Obj | str]:
        if method != "GET":
            return _status(
                405,
                "MethodNotAllowed",
                f"FakeCluster is read-only for clients: {method} is not allowed",
            )
        parts = [p for p in path.split("/") if p]
        if parts == ["version"]:
            return 200, dict(self.version)
        if parts in (["readyz"], ["livez"]):
            return self._health(parts[0], "verbose" in query)
        if parts == ["api"]:
            return 200, {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}
                ],
            }
        if parts == ["apis"]:
            return 200, self._group_list()
        if parts[:2] == ["api", "v1"]:
            return self._serve_group("", "v1", parts[2:], query, accept)
        if parts[:1] == ["apis"] and len(parts) >= 3:
            return self._serve_group(parts[1], parts[2], parts[3:], query, accept)
        return _status(404, "NotFound", "the server could not find the requested resource")

    _HEALTH_CHECKS = ("ping", "log", "etcd", "informer-sync", "poststarthook/start-informers")

    def _health(self, endpoint: str, verbose: bool) -> tuple[int, str]:
        with self._lock:
            failing = self._failing_checks
        if not failing and not verbose:
            return 200, "ok"
        checks = (*self._HEALTH_CHECKS, *(c for c in failing if c not in self._HEALTH_CHECKS))
        lines = [
            f"[-]{c} failed: reason withheld" if c in failing else f"[+]{c} ok" for c in checks
        ]
        verdict = f"{endpoint} check failed" if failing else f"{endpoint} check passed"
        return (500 if failing else 200), "\n".join([*lines, verdict]) + "\n"

    def _group_list(self) -> Obj:
        groups: dict[str, list[str]] = {}
        with self._lock:
            for resource in self._kinds.values():
                if resource.group and resource.version not in groups.setdefault(resource.group, []):
                    groups[resource.group].append(resource.version)
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                {
                    "name": group,
                    "versions": [{"groupVersion": f"{group}/{v}", "version": v} for v in versions],
                    "preferredVersion": {
                        "groupVersion": f"{group}/{versions[0]}",
                        "version": versions[0],
                    },
                }
                for group, versions in sorted(groups.items())
            ],
        }

    def _serve_group(
        self, group: str, version: str, rest: list[str], query: Mapping[str, str], accept: str
    ) -> tuple[int, Obj | str]:
        with self._lock:
            kinds = [k for k in self._kinds.values() if k.group == group and k.version == version]
        if not kinds:
            return _status(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            return 200, _resource_list(group, version, kinds)
        namespace = ""
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        by_plural = {k.plural: k for k in kinds}
        resource = by_plural.get(rest[0])
        if rest[2:] == ["log"] and resource is not None and resource.plural == "pods":
            return self._pod_log(namespace, rest[1], query)
        if resource is None or len(rest) > 2:
            return _status(404, "NotFound", "the server could not find the requested resource")
        if namespace and not resource.namespaced:
            return _status(404, "NotFound", "the server could not find the requested resource")
        code, body = (
            self._get(resource, namespace, rest[1])
            if len(rest) == 2
            else self._list(resource, namespace, query)
        )
        if code != 200 or not wants_table(accept):
            return code, body
        if len(rest) == 2:
            return 200, table(resource.group, resource.plural, [body])
        return 200, table(resource.group, resource.plural, body["items"], body["metadata"])

    def _pod_log(
        self, namespace: str, name: str, query: Mapping[str, str]
    ) -> tuple[int, Obj | str]:
        code, pod = self._get(self._kinds[("", "pods")], namespace, name)
        if code != 200:
            return code, pod
        names = [c.get("name", "") for c in _containers(pod)]
        container = query.get("container", "")
        if not container:
            if len(names) > 1:
                return _status(
                    400,
                    "BadRequest",
                    f"a container name must be specified for pod {name}, "
                    f"choose one of: [{' '.join(names)}]",
                )
            container = names[0] if names else ""
        elif container not in names:
            return _status(400, "BadRequest", f"container {container} is not valid for pod {name}")
        with self._lock:
            logs = self._logs.get((namespace, name), {})
            text = logs.get(container, logs.get("", "") if len(names) <= 1 else "")
        tail = query.get("tailLines")
        if tail is not None:
            try:
                count = int(tail)
            except ValueError:
                return _status(400, "BadRequest", f"tailLines: invalid value {tail!r}")
            lines = text.splitlines(keepends=True)
            text = "".join(lines[-count:]) if count > 0 else ""
        return 200, text

    def _get(self, resource: ResourceType, namespace: str, name: str) -> tuple[int, Obj]:
        with self._lock:
            obj = self._store.get((resource.group, resource.plural), {}).get((namespace, name))
            if obj is None:
                return _status(
                    404,
                    "NotFound",
                    f'{resource.plural} "{name}" not found',
                    details={"name": name, "kind": resource.plural},
                )
            return 200, copy.deepcopy(obj)

    def _list(
        self, resource: ResourceType, namespace: str, query: Mapping[str, str]
    ) -> tuple[int, Obj]:
        try:
            labels = parse_labels(query.get("labelSelector", ""))
            fields = parse_fields(query.get("fieldSelector", ""))
            limit = int(query.get("limit") or 0)
            offset = _decode_continue(query.get("continue", ""))
        except ValueError as err:
            return _status(400, "BadRequest", str(err))
        unsupported = field_label_error(fields, resource.plural, resource.group)
        if unsupported:
            return _status(400, "BadRequest", unsupported)
        with self._lock:
            # Like the API server, pages of one list come from one snapshot
            # (per resourceVersion), not from a re-sort of the store per page.
            key = (
                resource.group,
                resource.plural,
                namespace,
                query.get("labelSelector", ""),
                query.get("fieldSelector", ""),
            )
            cached = self._snapshots.get(key)
            if cached is None or cached[0] != self._rv:
                items = [
                    _as_item(obj)
                    for (ns, _), obj in sorted(
                        self._store.get((resource.group, resource.plural), {}).items()
                    )
                    if (not namespace or ns == namespace)
                    and labels.matches(obj.get("metadata", {}).get("labels") or {})
                    and fields.matches(selectable_fields(resource.plural, obj, resource.group))
                ]
                if len(self._snapshots) > 32:
                    self._snapshots.clear()
                cached = self._snapshots[key] = (self._rv, items)
            items = cached[1]
            rv = str(self._rv)
            page = items[offset : offset + limit] if limit else items[offset:]
            metadata: Obj = {"resourceVersion": rv}
            if limit and offset + limit < len(items):
                metadata["continue"] = _encode_continue(offset + limit)
                metadata["remainingItemCount"] = len(items) - offset - limit
            # Stored objects are never mutated (apply stores a fresh copy), so the
            # answer may be serialised after the lock is released.
            return 200, {
                "kind": f"{resource.kind}List",
                "apiVersion": resource.api_version,
                "metadata": metadata,
                "items": page,
            }


# --------------------------------------------------------------------------- HTTP


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


def _handler_for(fake: FakeCluster) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeCluster"

        def setup(self) -> None:
            super().setup()
            # Without it Nagle + delayed ACK stall every keep-alive answer by ~40 ms.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read FakeCluster.requests instead."""

        def _handle(self) -> None:
            split = urlsplit(self.path)
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            request = Request(
                self.command, split.path, query, {k.lower(): v for k, v in self.headers.items()}
            )
            fault = fake._record(request)
            if fault is not None:
                if fault.delay and fake._closing.wait(fault.delay):
                    return
                if fault.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fault.status != 200:
                    code, body = _status(
                        fault.status,
                        _REASONS.get(fault.status, "Error"),
                        f"injected fault: {fault.status}",
                    )
                    extra = {}
                    if fault.retry_after is not None:
                        extra["Retry-After"] = f"{fault.retry_after:g}"
                    self._send(code, body, extra)
                    return
            answer = fake._answer(self.command, split.path, query, self.headers.get("Accept", ""))
            self._send(*answer, {})

        def _send(self, code: int, body: Obj | str, extra: Mapping[str, str]) -> None:
            if isinstance(body, str):
                payload, content_type = body.encode(), "text/plain"
            else:
                payload = json.dumps(body, separators=(",", ":")).encode()
                content_type = "application/json"
            head = [
                f"HTTP/1.1 {code} {_REASONS.get(code, 'OK')}",
                f"Content-Type: {content_type}",
                f"Content-Length: {len(payload)}",
                *(f"{k}: {v}" for k, v in extra.items()),
            ]
            # Headers and body in one write: one segment for small answers.
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
            self.wfile.flush()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    return Handler


_REASONS = {
    200: "OK",
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    410: "Gone",
    429: "TooManyRequests",
    500: "InternalError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def _status(code: int, reason: str, message: str, details: Obj | None = None) -> tuple[int, Obj]:
    body: Obj = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return code, body


def _resource_list(group: str, version: str, kinds: list[ResourceType]) -> Obj:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": [
            {
                "name": k.plural,
                "singularName": k.singular or k.kind.lower(),
                "namespaced": k.namespaced,
                "kind": k.kind,
                "verbs": ["get", "list"],
                **({"shortNames": list(k.short_names)} if k.short_names else {}),
                **({"categories": list(k.categories)} if k.categories else {}),
            }
            for k in sorted(kinds, key=lambda k: k.plural)
        ],
    }


def _containers(pod: Obj) -> list[Obj]:
    return list((pod.get("spec") or {}).get("containers") or [])


def _as_item(obj: Obj) -> Obj:
    """Items of a list carry no kind/apiVersion on a real API server."""
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


def _plural(kind: str) -> str:
    lowered = kind.lower()
    if lowered.endswith(("s", "x", "ch", "sh")):
        return lowered + "es"
    if lowered.endswith("y") and lowered[-2:-1] not in "aeiou":
        return lowered[:-1] + "ies"
    return lowered + "s"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _encode_continue(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_continue(token: str) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"invalid continue token {token!r}") from err


class StateError(ValueError):
    """A state file that cannot be served: unreadable, not YAML, or an object without
    ``kind`` or ``metadata.name``. The message names the file and the document."""


def load_objects(*paths: str | os.PathLike[str]) -> list[Obj]:
    """The objects of YAML or JSON files: multi-document YAML, or ``kind: List`` items.

    Raises :class:`StateError` with one line saying what is wrong and where.

    >>> load_objects()
    []
    """
    import yaml  # deferred: only files need it

    found: list[Obj] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except IsADirectoryError:
            raise StateError(f"{path}: is a directory, expected a YAML or JSON file") from None
        except FileNotFoundError:
            raise StateError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as err:
            raise StateError(f"{path}: cannot read: {err}") from None
        try:
            docs = list(yaml.safe_load_all(text))
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
            problem = getattr(err, "problem", None) or str(err).splitlines()[0]
            raise StateError(f"{path}{where}: not valid YAML: {problem}") from None
        for number, doc in enumerate(docs, 1):
            if doc is None:
                continue
            items = (
                doc["items"]
                if isinstance(doc, dict)
                and str(doc.get("kind", "")).endswith("List")
                and isinstance(doc.get("items"), list)
                else [doc]
            )
            for item in items:
                found.append(_checked(item, f"{path}: document {number}"))
    return found


def _checked(obj: object, where: str) -> Obj:
    if not isinstance(obj, dict):
        raise StateError(
            f"{where}: expected a Kubernetes object (a mapping), found {type(obj).__name__}"
        )
    if not obj.get("kind"):
        raise StateError(f"{where}: object without kind (expected e.g. kind: Pod)")
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name"):
        raise StateError(f"{where}: {obj['kind']} without metadata.name")
    return obj

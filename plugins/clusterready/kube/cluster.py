"""Cluster: fast, read-only access to one Kubernetes API server.

One connection pool, one discovery (fetched once, kept in memory), lists
paginated (``limit`` 500 + ``continue``) and decoded as raw JSON. Every request
has a connect timeout and a total deadline (connect, send and the whole body);
429 (honouring ``Retry-After``), 5xx, dropped connections, truncated or garbled
answers are retried with backoff and jitter within a deadline; 401/403/404 and
exhausted retries raise :class:`~clusterready.errors.CannotEvaluate`, and the
first two and exhaustion open the cluster's :class:`~clusterready.breaker.Breaker`:
later requests fail fast, after one short probe. Only GET is ever sent.

>>> from clusterready.testing import FakeCluster
>>> pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1"}}
>>> with FakeCluster(objects=[pod]) as fake:
...     cluster = Cluster.from_kubeconfig(fake.kubeconfig)
...     [p["metadata"]["name"] for p in cluster.list("po")]
['web-1']
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar
from urllib.parse import quote, urlencode

from clusterready.breaker import Breaker
from clusterready.budget import Refused, RequestPolicy, Transient, within_budget
from clusterready.deadline import DeadlineExceeded, request_deadline
from clusterready.errors import CannotEvaluate
from clusterready.kube.discovery import Discovery, ResourceType
from clusterready.kube.transport import Transport, TransportError
from clusterready.version import USER_AGENT

__all__ = ["Cluster", "Health", "ObjectNotFound", "RequestPolicy"]

_T = TypeVar("_T")


class Health(NamedTuple):
    """What ``/readyz`` (or ``/livez``) answered: ``ok``, the HTTP status, the names
    of the failed checks (``etcd``, ...) and the server's text."""

    ok: bool
    status: int
    failed: tuple[str, ...]
    text: str


class ObjectNotFound(CannotEvaluate):
    """The server answered 404: no such object (or no such namespace)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class Cluster:
    """Read-only access to one cluster.

    Build it with :meth:`from_kubeconfig`; the constructor is for callers that
    already know the server and its credentials.
    """

    def __init__(
        self,
        server: str,
        *,
        name: str = "",
        namespace: str = "default",
        auth: Callable[[], Mapping[str, str]] | None = None,
        ca_file: str | None = None,
        cert_file: str | None = None,
        key_file: str | None = None,
        verify: bool = True,
        tls_server_name: str | None = None,
        policy: RequestPolicy | None = None,
        page_size: int = 500,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.server = server.rstrip("/")
        self.name = name or self.server
        self.namespace = namespace
        self.policy = policy or RequestPolicy()
        self.page_size = page_size
        self._auth = auth
        self._sleep = sleep
        try:
            self._transport = Transport(
                self.server,
                ca_file=ca_file,
                cert_file=cert_file,
                key_file=key_file,
                verify=verify,
                tls_server_name=tls_server_name,
            )
        except TransportError as err:
            raise CannotEvaluate(f"cluster {self.name!r}: {err}", retryable=False) from None
        self.breaker = Breaker(f"cluster {self.name!r}", self.policy.reprobe_after)
        self.discovery = Discovery(
            lambda path: self._get_json(path, {}, "read discovery"), self.name
        )

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_kubeconfig(
        cls,
        path: str | os.PathLike[str] | None = None,
        context: str | None = None,
        **kwargs: Any,
    ) -> Cluster:
        """A Cluster from a kubeconfig (default: ``$KUBECONFIG``, ``~/.kube/config``),
        or from the pod's service account when there is no kubeconfig and the
        process runs in a cluster.

        Credentials are read by :mod:`clusterready.kube.kubeconfig` (tokens,
        client certificates, exec plugins such as ``aws eks get-token``, which run
        once here and again only when their token expires) without importing the
        official client, whose import alone costs more than a ``kubectl get``.
        """
        from clusterready.kube import kubeconfig

        creds = kubeconfig.load(path, context)
        kwargs.setdefault("name", creds.name)
        kwargs.setdefault("namespace", creds.namespace)
        return cls(
            creds.server,
            auth=creds.auth,
            ca_file=creds.ca_file,
            cert_file=creds.cert_file,
            key_file=creds.key_file,
            verify=creds.verify,
            tls_server_name=creds.tls_server_name,
            **kwargs,
        )

    # ------------------------------------------------------------------ reading

    def resolve(self, resource: str) -> ResourceType:
        """The resource type ``resource`` names (plural, singular, short name, Kind,
        ``plural.group``); :class:`~clusterready.kube.discovery.UnknownResourceType`
        (a CannotEvaluate) with close matches when the cluster serves none."""
        return self.discovery.resolve(resource)

    def list(
        self,
        resource: str,
        namespace: str | None = None,
        all_namespaces: bool = False,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every object of a type, as raw JSON dicts (with ``kind`` and ``apiVersion``).

        The namespace defaults to the context's; ``all_namespaces`` lists them
        all; cluster-scoped types ignore both. It holds the whole list:
        :meth:`iter_list` holds one page.
        """
        return list(
            self.iter_list(resource, namespace, all_namespaces, label_selector, field_selector)
        )

    def iter_list(
        self,
        resource: str,
        namespace: str | None = None,
        all_namespaces: bool = False,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """:meth:`list`, streamed: the objects of each page as it arrives (``limit``
        ``page_size`` + ``continue``), so a caller that keeps only what it projects
        holds one page at a time, whatever the size of the cluster.

        The type is resolved at once (an unknown one raises here); pages are read
        as the iteration reaches them.

        >>> from clusterready.testing import FakeCluster
        >>> from clusterready.kube import project
        >>> pods = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"web-{i}"}}
        ...         for i in range(5)]
        >>> with FakeCluster(objects=pods) as fake:
        ...     cluster = Cluster.from_kubeconfig(fake.kubeconfig, page_size=2)
        ...     names = [project(p, ".metadata.name") for p in cluster.iter_list("po")]
        ...     pages = [r.query.get("continue", "") != "" for r in fake.requests[-3:]]
        >>> names, pages
        (['web-0', 'web-1', 'web-2', 'web-3', 'web-4'], [False, True, True])
        """
        rtype = self.resolve(resource)
        ns = None if all_namespaces or not rtype.namespaced else (namespace or self.namespace)
        query: dict[str, str] = {"limit": str(self.page_size)}
        if label_selector:
            query["labelSelector"] = label_selector
        if field_selector:
            query["fieldSelector"] = field_selector
        return self._pages(rtype, ns, query)

    def _pages(
        self, rtype: ResourceType, ns: str | None, query: dict[str, str]
    ) -> Iterator[dict[str, Any]]:
        path = rtype.collection_path(ns)
        what = f"list {rtype.plural}" + (f" in namespace {ns!r}" if ns else "")
        while True:
            page = self._get_json(path, query, what)
            for item in page.get("items") or ():
                item.setdefault("kind", rtype.kind)
                item.setdefault("apiVersion", rtype.api_version)
                yield item
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return
            query["continue"] = token

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """One object as a raw JSON dict, or ``None`` when the server has no such object.

        The namespace defaults to the context's; cluster-scoped types ignore it.

        >>> from clusterready.testing import FakeCluster
        >>> node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "ip-10-0-1-5"}}
        >>> with FakeCluster(objects=[node]) as fake:
        ...     cluster = Cluster.from_kubeconfig(fake.kubeconfig)
        ...     cluster.get("node", "ip-10-0-1-5")["kind"], cluster.get("node", "gone")
        ('Node', None)
        """
        rtype = self.resolve(resource)
        ns = (namespace or self.namespace) if rtype.namespaced else None
        path = rtype.collection_path(ns) + "/" + quote(name, safe="")
        what = f"get {rtype.singular or rtype.kind.lower()} {name!r}"
        what += f" in namespace {ns!r}" if ns else ""
        try:
            obj = self._get_json(path, {}, what)
        except ObjectNotFound:
            return None
        obj.setdefault("kind", rtype.kind)
        obj.setdefault("apiVersion", rtype.api_version)
        return obj

    def logs(
        self,
        pod: str,
        namespace: str | None = None,
        *,
        container: str | None = None,
        tail_lines: int | None = None,
        limit_bytes: int | None = None,
        previous: bool = False,
    ) -> str:
        """What ``kubectl logs`` shows of a pod's container (``pods/log`` is a read).

        ``tail_lines`` and ``limit_bytes`` bound it; ``previous`` reads the
        container's previous run (a crash-looping one's last words).

        >>> from clusterready.testing import FakeCluster
        >>> pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1"},
        ...        "spec": {"containers": [{"name": "web"}]}}
        >>> with FakeCluster(objects=[pod]) as fake:
        ...     fake.set_logs("web-1", "starting\\nlistening on :8080\\n")
        ...     cluster = Cluster.from_kubeconfig(fake.kubeconfig)
        ...     cluster.logs("web-1", tail_lines=1)
        'listening on :8080\\n'
        """
        ns = namespace or self.namespace
        query: dict[str, str] = {}
        if container:
            query["container"] = container
        if tail_lines is not None:
            query["tailLines"] = str(tail_lines)
        if limit_bytes is not None:
            query["limitBytes"] = str(limit_bytes)
        if previous:
            query["previous"] = "true"
        path = f"/api/v1/namespaces/{quote(ns, safe='')}/pods/{quote(pod, safe='')}/log"
        what = f"read the log of pod {pod!r} in namespace {ns!r}"
        return self._get(path, query, what, _text, accept="text/plain, */*")

    def server_version(self) -> dict[str, Any]:
        """What ``GET /version`` answers: ``gitVersion``, ``major``, ``minor``...

        >>> from clusterready.testing import FakeCluster
        >>> with FakeCluster(version="1.31") as fake:
        ...     Cluster.from_kubeconfig(fake.kubeconfig).server_version()["gitVersion"]
        'v1.31.0'
        """
        return self._get_json("/version", {}, "read /version")

    def readyz(self, endpoint: str = "readyz") -> Health:
        """The API server's own health report (``/readyz?verbose``, or ``livez``).

        A 500 that lists failed checks is an answer, not an outage: it is returned.

        >>> from clusterready.testing import FakeCluster
        >>> with FakeCluster() as fake:
        ...     cluster = Cluster.from_kubeconfig(fake.kubeconfig)
        ...     healthy = cluster.readyz().ok
        ...     fake.set_health("etcd")
        ...     healthy, cluster.readyz().failed
        (True, ('etcd',))
        """
        return self._get(
            f"/{endpoint}",
            {"verbose": ""},
            f"read /{endpoint}",
            _health,
            accept="text/plain, */*",
            answers=(200, 500),
        )

    # ------------------------------------------------------------------ HTTP

    def _get_json(self, path: str, query: Mapping[str, str], what: str) -> dict[str, Any]:
        return self._get(path, query, what, _json_object)

    def _get(
        self,
        path: str,
        query: Mapping[str, str],
        what: str,
        decode: Callable[[str, int, bytes], _T],
        *,
        accept: str = "application/json",
        answers: tuple[int, ...] = (200,),
    ) -> _T:
        """GET within the retry budget; ``decode`` turns an answer whose status is
        one of ``answers`` into the result (raising Transient to retry)."""
        target = path + ("?" + urlencode(query) if query else "")
        failing = f"cluster {self.name!r}: cannot {what}"

        def attempt(seconds: float) -> _T:
            return decode(path, *self._get_once(target, failing, seconds, accept, answers))

        return within_budget(
            attempt,
            self.policy,
            self.breaker,
            failing,
            self._sleep,
        )

    def _get_once(
        self, target: str, failing: str, seconds: float, accept: str, answers: tuple[int, ...]
    ) -> tuple[int, bytes]:
        path = target.partition("?")[0]
        headers = {"Accept": accept, "User-Agent": USER_AGENT}
        if self._auth is not None:
            headers.update(self._auth())
        with request_deadline(seconds) as watch:
            try:
                answer = self._transport.get(
                    target,
                    headers,
                    connect_timeout=min(self.policy.connect_timeout, seconds),
                    read_timeout=min(self.policy.read_timeout, seconds),
                )
            except TransportError as err:
                if watch.expired:
                    raise Transient(f"{DeadlineExceeded(seconds)} from {self.server}") from None
                if err.permanent:
                    raise Refused(f"{failing}: {err}") from None
                raise Transient(str(err)) from None
        status = answer.status
        if status in answers:
            return status, answer.data
        message = _status_message(answer.data)
        summary = f"GET {path}: {status} {answer.reason}".rstrip()
        if message:
            summary += f": {message}"
        if status == 429 or status >= 500:
            raise Transient(summary, _retry_after(answer.headers.get("Retry-After")))
        if status in (401, 403):
            hint = (
                "the credentials were rejected"
                if status == 401
                else "the credentials lack permission"
            )
            raise Refused(f"{failing} ({hint}): {summary}")
        if status == 404:
            raise ObjectNotFound(f"{failing}: {summary}")
        raise CannotEvaluate(f"{failing}: {summary}", retryable=False)


def _json_object(path: str, status: int, data: bytes) -> dict[str, Any]:
    try:
        body = json.loads(data)
    except ValueError:
        raise Transient(f"GET {path}: the answer is not JSON") from None
    if not isinstance(body, dict):
        raise Transient(f"GET {path}: the answer is not a JSON object")
    return body


def _text(path: str, status: int, data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _health(path: str, status: int, data: bytes) -> Health:
    text = data.decode("utf-8", "replace")
    failed = tuple(re.findall(r"^\[-\](\S+) failed", text, re.MULTILINE))
    if status != 200 and not failed:  # a 500 that is not the server's health report
        raise Transient(f"GET {path}: {status}: {_status_message(data) or 'no health report'}")
    return Health(status == 200, status, failed, text)


def _status_message(data: bytes) -> str:
    """The message of a Status body; of another body (a proxy's page), its first words."""
    try:
        body = json.loads(data)
    except ValueError:
        text = data[:2000].decode("utf-8", "replace")
        title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        text = title.group(1) if title else re.sub(r"<[^>]*>", " ", text)
        return " ".join(text.split())[:120]
    return " ".join(str(body.get("message", "")).split()) if isinstance(body, dict) else ""


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff

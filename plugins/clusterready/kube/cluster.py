"""Cluster: fast, read-only access to one Kubernetes API server.

One connection pool, one discovery (fetched once, kept in memory), lists
paginated (``limit`` 500 + ``continue``) and decoded as raw JSON. Every request
has connect and read timeouts; 429 (honouring ``Retry-After``), 5xx and
connection errors are retried with backoff and jitter within a deadline;
401/403 and exhausted retries raise :class:`~clusterready.errors.CannotEvaluate`.
Only GET is ever sent.

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
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import tenacity
import urllib3

from clusterready.errors import CannotEvaluate
from clusterready.kube.discovery import Discovery, ResourceType

__all__ = ["Cluster", "RequestPolicy"]

_USER_AGENT = "clusterready/0.1"


@dataclass(frozen=True)
class RequestPolicy:
    """Timeouts and retry budget of every request.

    A request is tried at most ``attempts`` times and never past ``deadline``
    seconds (a ``Retry-After`` longer than what is left ends it at once).
    """

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    attempts: int = 5
    deadline: float = 60.0
    backoff: float = 0.25
    max_backoff: float = 4.0


class _Transient(Exception):
    """A failure worth retrying: 429, 5xx, a dropped connection, a timeout."""

    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retry_after = retry_after


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
        pool_args: dict[str, Any] = {"maxsize": 4, "block": False, "retries": False}
        if self.server.startswith("https://"):
            pool_args.update(
                cert_reqs="CERT_REQUIRED" if verify else "CERT_NONE",
                ca_certs=ca_file,
                cert_file=cert_file,
                key_file=key_file,
            )
            if tls_server_name:
                pool_args["server_hostname"] = tls_server_name
        self._pool = urllib3.PoolManager(**pool_args)
        self._timeout = urllib3.Timeout(
            connect=self.policy.connect_timeout, read=self.policy.read_timeout
        )
        self._backoff = tenacity.wait_random_exponential(
            multiplier=self.policy.backoff, max=self.policy.max_backoff
        )
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
        all; cluster-scoped types ignore both.
        """
        rtype = self.resolve(resource)
        ns = None if all_namespaces or not rtype.namespaced else (namespace or self.namespace)
        path = rtype.collection_path(ns)
        what = f"list {rtype.plural}" + (f" in namespace {ns!r}" if ns else "")
        query: dict[str, str] = {"limit": str(self.page_size)}
        if label_selector:
            query["labelSelector"] = label_selector
        if field_selector:
            query["fieldSelector"] = field_selector
        items: list[dict[str, Any]] = []
        while True:
            page = self._get_json(path, query, what)
            for item in page.get("items") or ():
                item.setdefault("kind", rtype.kind)
                item.setdefault("apiVersion", rtype.api_version)
                items.append(item)
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items
            query["continue"] = token

    # ------------------------------------------------------------------ HTTP

    def _get_json(self, path: str, query: Mapping[str, str], what: str) -> dict[str, Any]:
        url = self.server + path + ("?" + urlencode(query) if query else "")
        policy = self.policy

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _Transient) and exc.retry_after is not None:
                return exc.retry_after
            return float(self._backoff(state))

        def stop(state: tenacity.RetryCallState) -> bool:
            return (
                state.attempt_number >= policy.attempts
                or (state.seconds_since_start or 0.0) + state.upcoming_sleep > policy.deadline
            )

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Transient),
            wait=wait,
            stop=stop,
            sleep=self._sleep,
            reraise=True,
        )
        started = time.monotonic()
        try:
            return retrying(self._get_once, url, path, what)
        except _Transient as exc:
            attempts = retrying.statistics.get("attempt_number", 1)
            raise CannotEvaluate(
                f"cluster {self.name!r}: cannot {what}: {exc.problem} "
                f"(gave up after {attempts} attempt{'s' if attempts > 1 else ''} "
                f"in {time.monotonic() - started:.1f}s)"
            ) from None

    def _get_once(self, url: str, path: str, what: str) -> dict[str, Any]:
        headers = {"Accept": "application/json", "User-Agent": _USER_AGENT}
        if self._auth is not None:
            headers.update(self._auth())
        try:
            response = self._pool.request(
                "GET", url, headers=headers, timeout=self._timeout, retries=False, redirect=False
            )
        except urllib3.exceptions.ReadTimeoutError:
            raise _Transient(
                f"no answer within {self.policy.read_timeout:g}s (read timeout) from {self.server}"
            ) from None
        except urllib3.exceptions.NewConnectionError as err:  # before its base class below
            reason = "connection refused" if "refused" in str(err).lower() else _first_line(err)
            raise _Transient(f"{reason} ({self.server})") from None
        except urllib3.exceptions.ConnectTimeoutError:
            raise _Transient(
                f"cannot connect to {self.server} within "
                f"{self.policy.connect_timeout:g}s (connect timeout)"
            ) from None
        except urllib3.exceptions.HTTPError as err:
            raise _Transient(f"connection error: {_first_line(err)} ({self.server})") from None
        status = response.status
        if status == 200:
            try:
                body = json.loads(response.data)
            except ValueError:
                raise _Transient(f"GET {path}: the answer is not JSON") from None
            if not isinstance(body, dict):
                raise _Transient(f"GET {path}: the answer is not a JSON object")
            return body
        message = _status_message(response.data)
        summary = f"GET {path}: {status} {response.reason or ''}".rstrip()
        if message:
            summary += f": {message}"
        if status == 429 or status >= 500:
            raise _Transient(summary, _retry_after(response.headers.get("Retry-After")))
        if status in (401, 403):
            hint = (
                "the credentials were rejected"
                if status == 401
                else "the credentials lack permission"
            )
            raise CannotEvaluate(f"cluster {self.name!r}: cannot {what} ({hint}): {summary}")
        raise CannotEvaluate(f"cluster {self.name!r}: cannot {what}: {summary}")


def _status_message(data: bytes) -> str:
    try:
        body = json.loads(data)
    except ValueError:
        return data[:200].decode("utf-8", "replace").strip()
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__

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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import urllib3

from clusterready.breaker import Breaker
from clusterready.budget import Refused, RequestPolicy, Transient, within_budget
from clusterready.deadline import DeadlineExceeded, request_deadline, watched_pools
from clusterready.errors import CannotEvaluate
from clusterready.kube.discovery import Discovery, ResourceType

__all__ = ["Cluster", "RequestPolicy"]

_SA_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
_USER_AGENT = "clusterready/0.1"


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
        self._pool.pool_classes_by_scheme = watched_pools(
            urllib3.HTTPConnectionPool, urllib3.HTTPSConnectionPool
        )
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

        Credentials come from the official client's loader, so exec plugins
        such as ``aws eks get-token`` work; they run once here and again only
        when their token expires.
        """
        from kubernetes import config as kconfig  # deferred: 250-350 ms to import
        from kubernetes.client import Configuration

        configuration = Configuration()
        # Read now: the client library captures $KUBECONFIG once, when it is imported.
        default = os.environ.get("KUBECONFIG") or "~/.kube/config"
        where = str(path) if path is not None else default
        if path is not None and not Path(path).is_file():
            raise CannotEvaluate(f"kubeconfig {where}: file not found")
        if (
            path is None
            and not _in_cluster_only(default)
            and not any(Path(p).expanduser().is_file() for p in default.split(os.pathsep) if p)
        ):
            raise CannotEvaluate(
                f"no kubeconfig: {default} does not exist and this is not a pod with a "
                "service account (set --kubeconfig, kube.kubeconfig or $KUBECONFIG)"
            )
        try:
            if path is None and _in_cluster_only(default):
                kconfig.load_incluster_config(client_configuration=configuration)
                name = "in-cluster"
                namespace = (_SA_DIR / "namespace").read_text().strip() or "default"
            else:
                config_file = default if path is None else str(path)
                kconfig.load_kube_config(
                    config_file=config_file,
                    context=context,
                    client_configuration=configuration,
                    persist_config=False,
                )
                contexts, active = kconfig.list_kube_config_contexts(config_file)
                chosen = next((c for c in contexts if c["name"] == context), active)
                name = chosen["name"]
                namespace = chosen.get("context", {}).get("namespace") or "default"
        except (kconfig.ConfigException, OSError, ValueError, KeyError, TypeError) as err:
            detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise CannotEvaluate(f"kubeconfig {where}: {detail}") from None
        kwargs.setdefault("name", name)
        kwargs.setdefault("namespace", namespace)
        return cls(
            configuration.host,
            auth=lambda: _auth_headers(configuration),
            ca_file=configuration.ssl_ca_cert,
            cert_file=configuration.cert_file,
            key_file=configuration.key_file,
            verify=bool(configuration.verify_ssl),
            tls_server_name=getattr(configuration, "tls_server_name", None),
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
        failing = f"cluster {self.name!r}: cannot {what}"
        return within_budget(
            lambda seconds: self._get_once(url, path, failing, seconds),
            self.policy,
            self.breaker,
            failing,
            self._sleep,
        )

    def _get_once(self, url: str, path: str, failing: str, seconds: float) -> dict[str, Any]:
        headers = {"Accept": "application/json", "User-Agent": _USER_AGENT}
        if self._auth is not None:
            headers.update(self._auth())
        timeout = urllib3.Timeout(
            connect=min(self.policy.connect_timeout, seconds),
            read=min(self.policy.read_timeout, seconds),
        )
        with request_deadline(seconds) as watch:
            try:
                response = self._pool.request(
                    "GET", url, headers=headers, timeout=timeout, retries=False, redirect=False
                )
            except urllib3.exceptions.HTTPError as err:
                if watch.expired:
                    raise Transient(f"{DeadlineExceeded(seconds)} from {self.server}") from None
                raise Transient(self._transport_problem(err)) from None
        status = response.status
        if status == 200:
            try:
                body = json.loads(response.data)
            except ValueError:
                raise Transient(f"GET {path}: the answer is not JSON") from None
            if not isinstance(body, dict):
                raise Transient(f"GET {path}: the answer is not a JSON object")
            return body
        message = _status_message(response.data)
        summary = f"GET {path}: {status} {response.reason or ''}".rstrip()
        if message:
            summary += f": {message}"
        if status == 429 or status >= 500:
            raise Transient(summary, _retry_after(response.headers.get("Retry-After")))
        if status in (401, 403):
            hint = (
                "the credentials were rejected"
                if status == 401
                else "the credentials lack permission"
            )
            raise Refused(f"{failing} ({hint}): {summary}")
        raise CannotEvaluate(f"{failing}: {summary}", retryable=False)

    def _transport_problem(self, err: urllib3.exceptions.HTTPError) -> str:
        if isinstance(err, urllib3.exceptions.ReadTimeoutError):
            return (
                f"no answer within {self.policy.read_timeout:g}s (read timeout) from {self.server}"
            )
        if isinstance(err, urllib3.exceptions.NameResolutionError):  # before its bases
            return f"cannot resolve the host of {self.server}"
        if isinstance(err, urllib3.exceptions.NewConnectionError):
            reason = "connection refused" if "refused" in str(err).lower() else _first_line(err)
            return f"{reason} ({self.server})"
        if isinstance(err, urllib3.exceptions.ConnectTimeoutError):
            return (
                f"cannot connect to {self.server} within "
                f"{self.policy.connect_timeout:g}s (connect timeout)"
            )
        cut = re.search(r"IncompleteRead\((\d+) bytes read, (\d+) more expected\)", str(err))
        if cut:
            got, missing = int(cut.group(1)), int(cut.group(2))
            return f"a truncated answer ({got} of {got + missing} bytes) from {self.server}"
        if "ConnectionResetError" in repr(err):
            return f"the connection was reset ({self.server})"
        return f"connection error: {_first_line(err)} ({self.server})"


def _in_cluster_only(default_kubeconfig: str) -> bool:
    return (
        not Path(os.path.expanduser(default_kubeconfig.split(os.pathsep)[0])).exists()
        and bool(os.environ.get("KUBERNETES_SERVICE_HOST"))
        and (_SA_DIR / "token").exists()
    )


def _auth_headers(configuration: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    for setting in configuration.auth_settings().values():
        if setting.get("in") == "header" and setting.get("value"):
            headers[setting["key"]] = setting["value"]
    if configuration.username or configuration.password:
        headers["authorization"] = configuration.get_basic_auth_token()
    return headers


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


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__

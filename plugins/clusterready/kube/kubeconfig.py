"""Read a kubeconfig (or a pod's service account) without the official client.

Importing ``kubernetes`` costs most of a second (its config module loads the
whole generated client), several times what a ``kubectl get`` takes. This
module reads the common cases itself, with PyYAML: ``$KUBECONFIG`` lists
(merged as kubectl merges them), contexts, tokens and token files, client
certificates (files or ``-data``), basic auth, ``exec`` plugins (``aws eks
get-token``: run once, again when the credential expires) and in-cluster
service accounts (the token re-read as the kubelet rotates it). Only a user
with a legacy ``auth-provider`` (gcp, oidc, azure) goes to the official
client's loader, which is what it does best.

>>> import tempfile, pathlib
>>> tmp = tempfile.TemporaryDirectory()
>>> path = pathlib.Path(tmp.name) / "config"
>>> _ = path.write_text('''
... clusters: [{name: c, cluster: {server: "https://k8s.example:6443"}}]
... users: [{name: u, user: {token: abc}}]
... contexts: [{name: prod, context: {cluster: c, user: u, namespace: web}}]
... current-context: prod''')
>>> creds = load(path)
>>> creds.server, creds.name, creds.namespace, creds.auth()
('https://k8s.example:6443', 'prod', 'web', {'Authorization': 'Bearer abc'})
>>> tmp.cleanup()
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from clusterready.errors import CannotEvaluate

__all__ = ["SERVICE_ACCOUNT_DIR", "Credentials", "load"]

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
EXEC_TIMEOUT = 60.0
TOKEN_FILE_TTL = 60.0  # seconds a token file is trusted before it is read again

Auth = Callable[[], dict[str, str]]


class Credentials(NamedTuple):  # not a dataclass: defining one costs a ms at start-up
    """Where a cluster is and how to authenticate to it (what a Cluster needs)."""

    server: str
    name: str
    namespace: str
    auth: Auth | None = None
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    verify: bool = True
    tls_server_name: str | None = None


class _Problem(Exception):
    """A kubeconfig that cannot be used; the message never holds a credential."""


def load(
    path: str | os.PathLike[str] | None = None,
    context: str | None = None,
    *,
    service_account_dir: Path = SERVICE_ACCOUNT_DIR,
) -> Credentials:
    """The credentials of ``context`` (default: the current one) of a kubeconfig.

    ``path`` None means ``$KUBECONFIG`` (a ``:``-separated list) or
    ``~/.kube/config``; when none exists and the process runs in a pod with a
    service account, that account. Raises CannotEvaluate naming the file.
    """
    default = os.environ.get("KUBECONFIG") or "~/.kube/config"
    where = str(path) if path is not None else default
    if path is not None and not Path(path).expanduser().is_file():
        raise CannotEvaluate(f"kubeconfig {where}: file not found")
    files = (
        [Path(path).expanduser()]
        if path is not None
        else [Path(p).expanduser() for p in default.split(os.pathsep) if p]
    )
    existing = [f for f in files if f.is_file()]
    if not existing:
        if os.environ.get("KUBERNETES_SERVICE_HOST") and (service_account_dir / "token").exists():
            try:
                return _in_cluster(service_account_dir)
            except _Problem as err:
                raise CannotEvaluate(f"in-cluster config: {err}") from None
        raise CannotEvaluate(
            f"no kubeconfig: {default} does not exist and this is not a pod with a "
            "service account (set --kubeconfig, kube.kubeconfig or $KUBECONFIG)"
        )
    try:
        return _from_files(existing, context)
    except _Problem as err:
        raise CannotEvaluate(f"kubeconfig {where}: {err}") from None


# --------------------------------------------------------------------------- kubeconfig files


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise _Problem(f"cannot read {path}: {err.__class__.__name__}") from None
    data: Any = None
    if text.lstrip().startswith("{"):  # JSON (kubectl accepts it): no YAML parser to import
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    if data is None:
        data = _yaml(text)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _Problem("expected a mapping (apiVersion: v1, kind: Config)")
    return data


def _yaml(text: str) -> Any:
    import yaml  # PyYAML: ~25 ms to import, a house dependency

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise _Problem(f"not valid YAML{at}") from None


def _from_files(files: list[Path], context: str | None) -> Credentials:
    """Merge as kubectl does: the first file to name an entry wins."""
    merged: dict[str, dict[str, tuple[dict[str, Any], Path]]] = {
        "clusters": {},
        "users": {},
        "contexts": {},
    }
    current = ""
    for file in files:
        data = _read(file)
        current = current or str(data.get("current-context") or "")
        for section, key in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
            for entry in data.get(section) or []:
                if isinstance(entry, dict) and entry.get("name") is not None:
                    body = entry.get(key) or {}
                    merged[section].setdefault(str(entry["name"]), (body, file))
    chosen = context or current
    if not chosen:
        raise _Problem("no current-context is set (pass --context)")
    if chosen not in merged["contexts"]:
        known = ", ".join(sorted(merged["contexts"])) or "none"
        raise _Problem(f"context {chosen!r} not found (contexts: {known})")
    ctx = merged["contexts"][chosen][0]
    cluster_name, user_name = str(ctx.get("cluster") or ""), str(ctx.get("user") or "")
    if cluster_name not in merged["clusters"]:
        raise _Problem(f"context {chosen!r}: cluster {cluster_name!r} not found")
    cluster, cluster_file = merged["clusters"][cluster_name]
    user, user_file = merged["users"].get(user_name, ({}, cluster_file))
    server = str(cluster.get("server") or "")
    if not server:
        raise _Problem(f"cluster {cluster_name!r} has no server")
    if user.get("auth-provider"):
        return _official_client(files, chosen)
    base = cluster_file.parent
    ca_file = _file_or_data(cluster, "certificate-authority", base, "ca")
    cert_file = _file_or_data(user, "client-certificate", user_file.parent, "crt")
    key_file = _file_or_data(user, "client-key", user_file.parent, "key")
    auth: Auth | None = None
    if user.get("exec"):
        plugin = _ExecPlugin(user["exec"], user_file.parent, server)
        auth = plugin.headers
        if cert_file is None and key_file is None:
            cert_file, key_file = plugin.client_certificate()
    elif user.get("token"):
        token = str(user["token"])

        def auth() -> dict[str, str]:
            return {"Authorization": f"Bearer {token}"}

    elif user.get("tokenFile"):
        auth = _TokenFile(_resolve(str(user["tokenFile"]), user_file.parent)).headers
    elif user.get("username") or user.get("password"):
        pair = f"{user.get('username', '')}:{user.get('password', '')}".encode()
        basic = "Basic " + base64.b64encode(pair).decode()

        def auth() -> dict[str, str]:
            return {"Authorization": basic}

    return Credentials(
        server=server,
        name=chosen,
        namespace=str(ctx.get("namespace") or "default"),
        auth=auth,
        ca_file=ca_file,
        cert_file=cert_file,
        key_file=key_file,
        verify=not bool(cluster.get("insecure-skip-tls-verify")),
        tls_server_name=cluster.get("tls-server-name") or None,
    )


def _resolve(path: str, base: Path) -> str:
    expanded = Path(path).expanduser()
    return str(expanded if expanded.is_absolute() else base / expanded)


def _file_or_data(entry: Mapping[str, Any], key: str, base: Path, suffix: str) -> str | None:
    data = entry.get(f"{key}-data")
    if data:
        try:
            return _private_file(base64.b64decode(str(data), validate=False), suffix)
        except ValueError:
            raise _Problem(f"{key}-data is not base64") from None
    if entry.get(key):
        resolved = _resolve(str(entry[key]), base)
        if not Path(resolved).is_file():
            raise _Problem(f"{key} {resolved}: file not found")
        return resolved
    return None


_written: dict[str, str] = {}
_lock = threading.Lock()


def _private_file(content: bytes, suffix: str) -> str:
    """A 0600 temporary file holding ``content`` (urllib3 reads certificates from files)."""
    import atexit
    import hashlib
    import tempfile

    digest = hashlib.sha256(content).hexdigest()[:16]
    with _lock:
        if digest not in _written or not Path(_written[digest]).exists():
            fd, name = tempfile.mkstemp(prefix="clusterready-", suffix=f".{suffix}")
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            if not _written:
                atexit.register(_cleanup)
            _written[digest] = name
        return _written[digest]


def _cleanup() -> None:
    for name in _written.values():
        Path(name).unlink(missing_ok=True)


# --------------------------------------------------------------------------- credentials


class _TokenFile:
    """A bearer token read from a file, again at most every TOKEN_FILE_TTL seconds."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._token = ""
        self._read_at = -TOKEN_FILE_TTL
        self._lock = threading.Lock()

    def headers(self) -> dict[str, str]:
        with self._lock:
            if time.monotonic() - self._read_at >= TOKEN_FILE_TTL or not self._token:
                try:
                    self._token = Path(self.path).read_text(encoding="utf-8").strip()
                except OSError as err:
                    raise CannotEvaluate(
                        f"token file {self.path}: cannot read ({err.__class__.__name__})"
                    ) from None
                self._read_at = time.monotonic()
            return {"Authorization": f"Bearer {self._token}"}


class _ExecPlugin:
    """A client-go credential plugin (``users[].user.exec``): run when needed."""

    def __init__(self, spec: Mapping[str, Any], base: Path, server: str) -> None:
        command = str(spec.get("command") or "")
        if not command:
            raise _Problem("exec plugin without a command")
        self.command = _resolve(command, base) if os.sep in command else command
        self.args = [str(a) for a in spec.get("args") or []]
        self.env = {
            str(e.get("name")): str(e.get("value", ""))
            for e in spec.get("env") or []
            if isinstance(e, dict) and e.get("name")
        }
        self.api_version = str(spec.get("apiVersion") or "client.authentication.k8s.io/v1beta1")
        self.interactive = str(spec.get("interactiveMode") or "IfAvailable") != "Never"
        self.server = server
        self._status: dict[str, Any] | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def headers(self) -> dict[str, str]:
        status = self._current()
        token = status.get("token")
        return {"Authorization": f"Bearer {token}"} if token else {}

    def client_certificate(self) -> tuple[str | None, str | None]:
        status = self._current()
        cert, key = status.get("clientCertificateData"), status.get("clientKeyData")
        if not cert or not key:
            return None, None
        return _private_file(str(cert).encode(), "crt"), _private_file(str(key).encode(), "key")

    def _current(self) -> dict[str, Any]:
        with self._lock:
            if self._status is None or time.time() >= self._expires:
                self._status, self._expires = self._run()
            return self._status

    def _run(self) -> tuple[dict[str, Any], float]:
        import subprocess
        from datetime import datetime

        name = Path(self.command).name
        info = {
            "apiVersion": self.api_version,
            "kind": "ExecCredential",
            "spec": {"interactive": False},
        }
        env = {**os.environ, **self.env, "KUBERNETES_EXEC_INFO": json.dumps(info)}
        try:
            done = subprocess.run(
                [self.command, *self.args],
                capture_output=True,
                text=True,
                env=env,
                timeout=EXEC_TIMEOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except FileNotFoundError:
            raise CannotEvaluate(f"exec plugin {name}: command not found") from None
        except PermissionError:
            raise CannotEvaluate(f"exec plugin {name}: not executable") from None
        except subprocess.TimeoutExpired:
            raise CannotEvaluate(
                f"exec plugin {name}: no answer within {EXEC_TIMEOUT:g}s"
            ) from None
        if done.returncode != 0:
            detail = next((s.strip() for s in done.stderr.splitlines() if s.strip()), "")
            raise CannotEvaluate(
                f"exec plugin {name}: exit {done.returncode}" + (f": {detail}" if detail else "")
            )
        try:
            status = json.loads(done.stdout).get("status") or {}
        except (ValueError, AttributeError):
            raise CannotEvaluate(
                f"exec plugin {name}: its output is not an ExecCredential"
            ) from None
        if not isinstance(status, dict) or not (status.get("token") or status.get("clientKeyData")):
            raise CannotEvaluate(f"exec plugin {name}: the ExecCredential has no token")
        expires = float("inf")
        stamp = status.get("expirationTimestamp")
        if stamp:
            try:
                expires = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
            except ValueError:
                raise CannotEvaluate(
                    f"exec plugin {name}: expirationTimestamp {stamp!r} is not RFC 3339"
                ) from None
        return status, expires


# --------------------------------------------------------------------------- in-cluster


def _in_cluster(directory: Path) -> Credentials:
    host = os.environ.get("KUBERNETES_SERVICE_HOST", "")
    port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
    if not host:
        raise _Problem("KUBERNETES_SERVICE_HOST is not set")
    if ":" in host:  # IPv6
        host = f"[{host}]"
    namespace_file = directory / "namespace"
    namespace = (
        namespace_file.read_text(encoding="utf-8").strip() if namespace_file.exists() else ""
    )
    ca = directory / "ca.crt"
    return Credentials(
        server=f"https://{host}:{port}",
        name="in-cluster",
        namespace=namespace or "default",
        auth=_TokenFile(str(directory / "token")).headers,
        ca_file=str(ca) if ca.exists() else None,
    )


# --------------------------------------------------------------------------- the official client


def _official_client(files: list[Path], context: str) -> Credentials:
    """A user with a legacy auth-provider: the official client's loader knows them."""
    from kubernetes import config as kconfig  # deferred: most of a second to import
    from kubernetes.client import Configuration

    configuration = Configuration()
    try:
        kconfig.load_kube_config(
            config_file=os.pathsep.join(str(f) for f in files),
            context=context,
            client_configuration=configuration,
            persist_config=False,
        )
    except (kconfig.ConfigException, OSError, ValueError, KeyError, TypeError) as err:
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise _Problem(detail) from None

    def auth() -> dict[str, str]:
        headers: dict[str, str] = {}
        for setting in configuration.auth_settings().values():
            if setting.get("in") == "header" and setting.get("value"):
                headers[setting["key"]] = setting["value"]
        return headers

    contexts, _active = kconfig.list_kube_config_contexts(str(files[0]))
    chosen: dict[str, Any] = next((c for c in contexts if c["name"] == context), {})
    return Credentials(
        server=configuration.host,
        name=context,
        namespace=chosen.get("context", {}).get("namespace") or "default",
        auth=auth,
        ca_file=configuration.ssl_ca_cert,
        cert_file=configuration.cert_file,
        key_file=configuration.key_file,
        verify=bool(configuration.verify_ssl),
        tls_server_name=getattr(configuration, "tls_server_name", None),
    )

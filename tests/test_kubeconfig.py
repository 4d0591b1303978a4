"""Kubeconfigs and service accounts read without the official client (the cold-start path)."""

from __future__ import annotations

import base64
import json
import re
import stat
import sys
from pathlib import Path

import pytest

from clusterready.errors import CannotEvaluate
from clusterready.kube import Cluster, kubeconfig
from clusterready.testing import FakeCluster


def config(tmp_path: Path, users: str, clusters: str = "", name: str = "config") -> Path:
    path = tmp_path / name
    path.write_text(
        f"""
apiVersion: v1
kind: Config
clusters: [{clusters or '{name: c, cluster: {server: "https://k8s.example:6443"}}'}]
users: [{users}]
contexts: [{{name: ctx, context: {{cluster: c, user: u, namespace: web}}}}]
current-context: ctx
"""
    )
    return path


def test_token_is_sent_to_the_server(fake_cluster: FakeCluster, tmp_path: Path) -> None:
    path = config(
        tmp_path,
        "{name: u, user: {token: t0k3n}}",
        f'{{name: c, cluster: {{server: "{fake_cluster.url}"}}}}',
    )
    cluster = Cluster.from_kubeconfig(path)
    assert cluster.list("pods") == []
    assert {r.headers.get("authorization") for r in fake_cluster.requests} == {"Bearer t0k3n"}
    assert (cluster.name, cluster.namespace) == ("ctx", "web")


def test_token_file_relative_to_the_kubeconfig(tmp_path: Path) -> None:
    (tmp_path / "tok").write_text("from-file\n")
    creds = kubeconfig.load(config(tmp_path, "{name: u, user: {tokenFile: tok}}"))
    assert creds.auth is not None
    assert creds.auth() == {"Authorization": "Bearer from-file"}


def test_basic_auth_and_insecure(tmp_path: Path) -> None:
    creds = kubeconfig.load(
        config(
            tmp_path,
            "{name: u, user: {username: admin, password: pw}}",
            '{name: c, cluster: {server: "https://x:6443", insecure-skip-tls-verify: true, '
            "tls-server-name: api.internal}}",
        )
    )
    assert creds.auth is not None
    assert creds.auth() == {"Authorization": "Basic " + base64.b64encode(b"admin:pw").decode()}
    assert (creds.verify, creds.tls_server_name) == (False, "api.internal")


def test_certificate_data_is_written_to_private_files(tmp_path: Path) -> None:
    ca = base64.b64encode(b"CA PEM").decode()
    crt = base64.b64encode(b"CERT PEM").decode()
    key = base64.b64encode(b"KEY PEM").decode()
    creds = kubeconfig.load(
        config(
            tmp_path,
            f"{{name: u, user: {{client-certificate-data: {crt}, client-key-data: {key}}}}}",
            f'{{name: c, cluster: {{server: "https://x", certificate-authority-data: {ca}}}}}',
        )
    )
    assert Path(str(creds.ca_file)).read_bytes() == b"CA PEM"
    assert Path(str(creds.cert_file)).read_bytes() == b"CERT PEM"
    assert Path(str(creds.key_file)).read_bytes() == b"KEY PEM"
    assert stat.S_IMODE(Path(str(creds.key_file)).stat().st_mode) == 0o600
    assert creds.auth is None


def test_certificate_files_relative_and_missing(tmp_path: Path) -> None:
    (tmp_path / "ca.crt").write_text("x")
    creds = kubeconfig.load(
        config(
            tmp_path,
            "{name: u, user: {}}",
            '{name: c, cluster: {server: "https://x", certificate-authority: ca.crt}}',
        )
    )
    assert creds.ca_file == str(tmp_path / "ca.crt")
    with pytest.raises(CannotEvaluate, match=r"client-certificate .*/nope.crt: file not found"):
        kubeconfig.load(config(tmp_path, "{name: u, user: {client-certificate: nope.crt}}"))


def test_kubeconfig_lists_merge_first_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = config(tmp_path, "{name: u, user: {token: first}}", name="a")
    second = tmp_path / "b"
    second.write_text(
        "users: [{name: u, user: {token: second}}]\n"
        "contexts: [{name: other, context: {cluster: c, user: u}}]\n"
        "current-context: other\n"
    )
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'absent'}:{first}:{second}")
    creds = kubeconfig.load()
    assert (creds.name, creds.auth() if creds.auth else None) == (
        "ctx",
        {"Authorization": "Bearer first"},
    )
    assert kubeconfig.load(context="other").namespace == "default"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [1, 2\n", "not valid YAML at line 2"),
        ("- 1\n", "expected a mapping"),
        ("contexts: []\n", "no current-context is set"),
        ("current-context: x\n", "context 'x' not found (contexts: none)"),
        (
            "contexts: [{name: x, context: {cluster: nope}}]\ncurrent-context: x\n",
            "cluster 'nope' not found",
        ),
    ],
)
def test_bad_kubeconfigs_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(
        CannotEvaluate, match=f"^kubeconfig {re.escape(str(path))}: .*{re.escape(message)}"
    ):
        kubeconfig.load(path)


PLUGIN = """#!{python}
import json, os, pathlib, sys
calls = pathlib.Path({calls!r})
calls.write_text(calls.read_text() + "x" if calls.exists() else "x")
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
assert info["kind"] == "ExecCredential", info
if os.environ.get("FAIL"):
    print("token s3cr3t expired; run aws sso login", file=sys.stderr)
    sys.exit(3)
print(json.dumps({{"apiVersion": info["apiVersion"], "kind": "ExecCredential",
                  "status": {{"token": "s3cr3t-" + sys.argv[1],
                             "expirationTimestamp": os.environ["EXPIRES"]}}}}))
"""


def plugin_config(tmp_path: Path, expires: str, fail: bool = False) -> Path:
    plugin = tmp_path / "bin" / "get-token"
    plugin.parent.mkdir(exist_ok=True)
    plugin.write_text(PLUGIN.format(python=sys.executable, calls=str(tmp_path / "calls")))
    plugin.chmod(0o755)
    env = [{"name": "EXPIRES", "value": expires}] + (
        [{"name": "FAIL", "value": "1"}] if fail else []
    )
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "bin/get-token",
            "args": ["eks"],
            "env": env,
            "interactiveMode": "Never",
        }
    }
    return config(tmp_path, json.dumps({"name": "u", "user": user}))


def test_exec_plugin_runs_again_when_its_token_expires(tmp_path: Path) -> None:
    creds = kubeconfig.load(plugin_config(tmp_path, "2000-01-01T00:00:00Z"))
    assert creds.auth is not None
    assert creds.auth() == {"Authorization": "Bearer s3cr3t-eks"}
    creds.auth()
    assert (tmp_path / "calls").read_text() == "xxx"  # expired: every use runs it again


def test_exec_plugin_failure_names_the_plugin_not_the_token(tmp_path: Path) -> None:
    with pytest.raises(CannotEvaluate) as err:
        kubeconfig.load(plugin_config(tmp_path, "2999-01-01T00:00:00Z", fail=True))
    assert (
        str(err.value) == "exec plugin get-token: exit 3: token s3cr3t expired; run aws sso login"
    )


def test_in_cluster_service_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "token").write_text("sa-token-1")
    (tmp_path / "ca.crt").write_text("pem")
    (tmp_path / "namespace").write_text("addons\n")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "fd00::1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "8443")
    creds = kubeconfig.load(service_account_dir=tmp_path)
    assert (creds.server, creds.name, creds.namespace, creds.ca_file) == (
        "https://[fd00::1]:8443",
        "in-cluster",
        "addons",
        str(tmp_path / "ca.crt"),
    )
    assert creds.auth is not None
    assert creds.auth() == {"Authorization": "Bearer sa-token-1"}


def test_a_legacy_auth_provider_goes_to_the_official_client(tmp_path: Path) -> None:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    jwt = f"{part({'alg': 'none'})}.{part({'exp': 4102444800, 'iss': 'x'})}.sig"
    user = {
        "auth-provider": {
            "name": "oidc",
            "config": {"id-token": jwt, "idp-issuer-url": "https://x"},
        }
    }
    creds = kubeconfig.load(config(tmp_path, json.dumps({"name": "u", "user": user})))
    assert creds.auth is not None
    assert creds.auth() == {"authorization": f"Bearer {jwt}"}
    assert (creds.server, creds.namespace) == ("https://k8s.example:6443", "web")

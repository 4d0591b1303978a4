"""Cluster over TLS: the kubeconfig's CA, client certificate, insecure-skip-tls-verify
and tls-server-name, against FakeCluster behind a TLS front (a relay on loopback
that terminates TLS with certificates made here)."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from clusterready.budget import RequestPolicy
from clusterready.errors import CannotEvaluate
from clusterready.kube import Cluster
from clusterready.testing import FakeCluster

ONCE = RequestPolicy.within(3, 3, attempts=1)


def issue(
    directory: Path,
    name: str,
    *,
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    dns: str | None = None,
    ip: str | None = None,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, Path, Path]:
    """A certificate (a CA when ``ca`` is None) and its key, also written as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca[0].subject if ca else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca is None, path_length=None), critical=True)
    )
    names: list[x509.GeneralName] = []
    if dns:
        names.append(x509.DNSName(dns))
    if ip:
        names.append(x509.IPAddress(ipaddress.ip_address(ip)))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(ca[1] if ca else key, hashes.SHA256())
    crt, pem = directory / f"{name}.crt", directory / f"{name}.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key, crt, pem


@dataclass
class TlsFront:
    """A TLS listener on 127.0.0.1 relaying each connection to a plain HTTP server."""

    context: ssl.SSLContext
    backend: tuple[str, int]
    clients: list[str] = field(default_factory=list)  # the client certificates' CNs seen

    def __post_init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"https://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                raw, _ = self.listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            tls = self.context.wrap_socket(raw, server_side=True)
        except OSError:  # the client refused our certificate, or we refused it
            raw.close()
            return
        peer = tls.getpeercert(binary_form=True)
        if peer:
            cn = x509.load_der_x509_certificate(peer).subject.get_attributes_for_oid(
                NameOID.COMMON_NAME
            )
            self.clients.append(str(cn[0].value))
        back = socket.create_connection(self.backend)
        threading.Thread(target=_pump, args=(back, tls), daemon=True).start()
        _pump(tls, back)

    def close(self) -> None:
        self.listener.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@dataclass
class Pki:
    ca: Path
    server: tuple[Path, Path]  # for 127.0.0.1
    named: tuple[Path, Path]  # for api.internal only
    client: tuple[Path, Path]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca_cert, ca_key, ca_file, _ = issue(directory, "cluster-ca", ca=None)
    ca = (ca_cert, ca_key)
    *_, server_crt, server_key = issue(directory, "server", ca=ca, ip="127.0.0.1")
    *_, named_crt, named_key = issue(directory, "named", ca=ca, dns="api.internal")
    *_, client_crt, client_key = issue(directory, "alice", ca=ca)
    return Pki(ca_file, (server_crt, server_key), (named_crt, named_key), (client_crt, client_key))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCluster]:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1"}}
    with FakeCluster(objects=[pod]) as fake:
        yield fake


def front(fake: FakeCluster, chain: tuple[Path, Path], client_ca: Path | None = None) -> TlsFront:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*chain)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    host, _, port = fake.url.removeprefix("http://").partition(":")
    return TlsFront(context, (host, int(port)))


def names(cluster: Cluster) -> list[str]:
    return [p["metadata"]["name"] for p in cluster.list("pods")]


def test_the_kubeconfig_ca_verifies_the_server(pki: Pki, fake: FakeCluster) -> None:
    tls = front(fake, pki.server)
    try:
        cluster = Cluster(tls.url, ca_file=str(pki.ca), policy=ONCE)
        assert names(cluster) == ["web-1"]
        assert names(cluster) == ["web-1"]  # again, over the kept-alive connection
    finally:
        tls.close()


def test_a_server_the_ca_did_not_sign_is_refused(pki: Pki, fake: FakeCluster) -> None:
    tls = front(fake, pki.server)
    try:
        sleeps: list[float] = []
        with pytest.raises(CannotEvaluate, match="cannot verify the certificate of https://"):
            names(Cluster(tls.url, sleep=sleeps.append))  # the system's CAs
        assert sleeps == []  # not retried: trying again cannot help
        cluster = Cluster(tls.url, verify=False, policy=ONCE)  # insecure-skip-tls-verify
        assert names(cluster) == ["web-1"]
    finally:
        tls.close()


def test_tls_server_name_is_the_name_sent_and_checked(pki: Pki, fake: FakeCluster) -> None:
    tls = front(fake, pki.named)
    try:
        with pytest.raises(CannotEvaluate, match="cannot verify the certificate") as err:
            names(Cluster(tls.url, ca_file=str(pki.ca), policy=ONCE))
        assert "127.0.0.1" in str(err.value)
        cluster = Cluster(tls.url, ca_file=str(pki.ca), tls_server_name="api.internal", policy=ONCE)
        assert names(cluster) == ["web-1"]
    finally:
        tls.close()


def test_a_client_certificate_is_presented(pki: Pki, fake: FakeCluster) -> None:
    tls = front(fake, pki.server, client_ca=pki.ca)
    try:
        crt, key = pki.client
        cluster = Cluster(
            tls.url, ca_file=str(pki.ca), cert_file=str(crt), key_file=str(key), policy=ONCE
        )
        assert names(cluster) == ["web-1"]
        assert tls.clients == ["alice"]
        with pytest.raises(CannotEvaluate, match=r"TLS error: |the connection was reset") as err:
            names(Cluster(tls.url, ca_file=str(pki.ca), policy=ONCE))
        assert str(err.value).startswith("cluster 'https://127.0.0.1:")
        assert "\n" not in str(err.value)
    finally:
        tls.close()


def test_a_certificate_that_cannot_be_loaded_is_one_line(pki: Pki, tmp_path: Path) -> None:
    broken = tmp_path / "broken.crt"
    broken.write_text("not a certificate")
    with pytest.raises(CannotEvaluate, match=r"cannot load the client certificate .*broken\.crt"):
        Cluster("https://127.0.0.1:1", cert_file=str(broken), key_file=str(pki.client[1]))

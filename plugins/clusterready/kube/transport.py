"""The HTTP transport of :class:`~clusterready.kube.cluster.Cluster`: GET over kept-alive
standard-library connections (:mod:`http.client`, :mod:`ssl`), no third-party client.

Importing urllib3 alone cost more than twice a whole ``kubectl get`` process, for
what one API server needs: a few kept-alive connections, TLS with the kubeconfig's
CA, client certificate and ``tls-server-name``, and a connect and a read timeout.
Every socket registers with the request being timed
(:func:`~clusterready.deadline.request_deadline`), so the total deadline cuts it.
A failure below HTTP raises :class:`TransportError`: one line naming the server.

>>> from clusterready.testing import FakeCluster
>>> with FakeCluster() as fake:
...     transport = Transport(fake.url)
...     answer = transport.get("/version", {}, connect_timeout=5, read_timeout=5)
...     answer.status, b"gitVersion" in answer.data
(200, True)
"""

from __future__ import annotations

import http.client
import re
import select
import socket
import ssl
import threading
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

from clusterready.deadline import watch_socket

__all__ = ["Answer", "Transport", "TransportError"]


class TransportError(Exception):
    """An attempt failed below HTTP: connect, TLS, a dropped, reset, cut or slow answer.

    ``permanent``: trying again cannot help (the server's certificate is not trusted).
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Answer(NamedTuple):
    """An HTTP answer read whole: status, reason, headers and body."""

    status: int
    reason: str
    headers: http.client.HTTPMessage
    data: bytes


class Transport:
    """GET requests to one server (``http://`` or ``https://``) over at most ``maxsize``
    idle kept-alive connections (more may be open at once; the extra ones close).

    ``ca_file`` (else the system's CAs), ``cert_file`` and ``key_file`` (a client
    certificate), ``verify`` (False: ``insecure-skip-tls-verify``) and
    ``tls_server_name`` (the name sent as SNI and checked in the certificate)
    apply to ``https://`` servers.
    """

    def __init__(
        self,
        server: str,
        *,
        ca_file: str | None = None,
        cert_file: str | None = None,
        key_file: str | None = None,
        verify: bool = True,
        tls_server_name: str | None = None,
        maxsize: int = 4,
    ) -> None:
        self.server = server.rstrip("/")
        parts = urlsplit(self.server)
        default_port = {"http": 80, "https": 443}.get(parts.scheme)
        try:
            port = parts.port
        except ValueError:  # not a number, or out of range
            default_port = None
        if default_port is None or not parts.hostname:
            raise TransportError(f"the server {server!r} is not an http:// or https:// URL")
        self._host = parts.hostname
        self._port = port or default_port
        # An ASCII host resolves as bytes: a str would load the IDNA codec (a few ms).
        self._address: str | bytes = self._host.encode() if self._host.isascii() else self._host
        self._prefix = parts.path
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._host_header = host if self._port == default_port else f"{host}:{self._port}"
        self._context: ssl.SSLContext | None = None
        self._server_hostname = tls_server_name or self._host
        if parts.scheme == "https":
            self._context = _tls_context(ca_file, cert_file, key_file, verify)
        self._maxsize = maxsize
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def get(
        self,
        target: str,
        headers: Mapping[str, str],
        *,
        connect_timeout: float,
        read_timeout: float,
    ) -> Answer:
        """GET ``target`` (path and query): the whole answer, whatever its status.

        Connecting (TCP and the TLS handshake) gets ``connect_timeout``; each read
        of the answer ``read_timeout``.
        """
        conn = self._idle_connection()
        try:
            if conn is None:
                conn = self._connect(connect_timeout)
            else:
                watch_socket(conn.sock)
            assert conn.sock is not None
            conn.sock.settimeout(read_timeout)
            sent: dict[str, str] = {"Host": self._host_header, **headers}
            conn.request("GET", self._prefix + target, headers=sent)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as err:
            _close(conn)
            raise TransportError(self._problem(err, read_timeout)) from None
        if response.will_close:
            _close(conn)
        else:
            self._release(conn)
        return Answer(response.status, response.reason or "", response.headers, data)

    def _problem(self, err: OSError | http.client.HTTPException, read_timeout: float) -> str:
        if isinstance(err, TimeoutError):
            return f"no answer within {read_timeout:g}s (read timeout) from {self.server}"
        if isinstance(err, http.client.IncompleteRead):
            got = len(err.partial)
            size = f"{got} of {got + err.expected}" if err.expected is not None else f"{got}"
            return f"a truncated answer ({size} bytes) from {self.server}"
        if isinstance(err, http.client.RemoteDisconnected):  # before its base
            return f"the connection closed without an answer ({self.server})"
        if isinstance(err, ConnectionResetError):
            return f"the connection was reset ({self.server})"
        if isinstance(err, ssl.SSLError):  # an alert: a client certificate is wanted, ...
            return f"TLS error: {_first_line(err)} ({self.server})"
        if isinstance(err, http.client.HTTPException):
            return f"not an HTTP answer: {_first_line(err)} ({self.server})"
        return f"connection error: {_first_line(err)} ({self.server})"

    # ------------------------------------------------------------------ connections

    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        try:
            address = (self._address, self._port)  # getaddrinfo takes bytes; typeshed does not
            sock = socket.create_connection(address, timeout)  # type: ignore[arg-type]
        except socket.gaierror:
            raise TransportError(f"cannot resolve the host of {self.server}") from None
        except ConnectionRefusedError:
            raise TransportError(f"connection refused ({self.server})") from None
        except TimeoutError:
            raise TransportError(
                f"cannot connect to {self.server} within {timeout:g}s (connect timeout)"
            ) from None
        except OSError as err:
            raise TransportError(f"cannot connect: {_first_line(err)} ({self.server})") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        watch_socket(sock)
        if self._context is not None:
            sock = self._handshake(sock, timeout)
        conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        conn.auto_open = 0  # never reconnect behind our back (without TLS, unwatched)
        conn.sock = sock
        return conn

    def _handshake(self, sock: socket.socket, timeout: float) -> ssl.SSLSocket:
        assert self._context is not None
        tls = self._context.wrap_socket(
            sock, server_hostname=self._server_hostname, do_handshake_on_connect=False
        )
        watch_socket(tls)  # the wrapped socket owns the connection now
        try:
            tls.do_handshake()
        except ssl.SSLCertVerificationError as err:
            tls.close()
            raise TransportError(
                f"cannot verify the certificate of {self.server}: {err.verify_message}",
                permanent=True,
            ) from None
        except TimeoutError:
            tls.close()
            raise TransportError(
                f"no TLS handshake with {self.server} within {timeout:g}s (connect timeout)"
            ) from None
        except OSError as err:  # ssl.SSLError included
            tls.close()
            raise TransportError(
                f"TLS handshake failed: {_first_line(err)} ({self.server})"
            ) from None
        return tls

    def _idle_connection(self) -> http.client.HTTPConnection | None:
        while True:
            with self._lock:
                if not self._idle:
                    return None
                conn = self._idle.pop()
            if conn.sock is not None and not _dropped(conn.sock):
                return conn
            conn.close()  # the server closed it while idle: open another

    def _release(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self._maxsize:
                self._idle.append(conn)
                return
        conn.close()


def _tls_context(
    ca_file: str | None, cert_file: str | None, key_file: str | None, verify: bool
) -> ssl.SSLContext:
    """The client side of TLS; a CA or client certificate that cannot be loaded is a
    TransportError naming the file."""
    what = f"the CA certificate {ca_file}"
    try:
        if verify:
            context = ssl.create_default_context(cafile=ca_file)
        else:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if cert_file:
            what = f"the client certificate {cert_file}"
            what += f" and key {key_file}" if key_file else ""
            context.load_cert_chain(cert_file, key_file)
    except (OSError, ValueError) as err:  # ssl.SSLError is an OSError
        raise TransportError(f"cannot load {what}: {_first_line(err)}") from None
    return context


def _dropped(sock: socket.socket) -> bool:
    """Whether an idle connection is readable: closed by the server (or out of step)."""
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):  # closed
        return True


def _close(conn: http.client.HTTPConnection | None) -> None:
    if conn is not None:
        conn.close()


def _first_line(err: BaseException) -> str:
    if isinstance(err, ssl.SSLError) and len(err.args) > 1:  # "[SSL: X] what (_ssl.c:N)"
        return re.sub(r"^\[[^]]*\]\s*|\s*\(_ssl\.c:\d+\)$", "", str(err.args[1])) or str(err)
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__

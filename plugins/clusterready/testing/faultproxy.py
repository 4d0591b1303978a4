"""FaultProxy: an HTTP proxy on loopback that misbehaves on purpose, between checks and a back end.

Put it between your checks and :class:`~clusterready.testing.FakeCluster` (use
:meth:`FaultProxy.kubeconfig`) or a moto server (set ``AWS_ENDPOINT_URL`` to
:attr:`FaultProxy.url`), then inject faults: every request is read off a real
socket and either forwarded to the upstream or answered with the fault. Each
fault applies to the next ``times`` requests whose path (without the query)
matches ``path`` (a regex; ``times=None``: all of them, a storm).

- :meth:`~FaultProxy.status`: an error answer (503, 500, 429 with ``Retry-After``,
  401, 403, 404...) with a body ``"lb"`` (as a load balancer sends it: HTML or plain
  text) or ``"service"`` (as the back end sends it: an AWS error document in the
  request's protocol, XML or JSON, or a Kubernetes ``Status``); ``code=""`` gives
  a service-shaped body without an AWS error code;
- :meth:`~FaultProxy.hang`: accept, read the request, never answer;
- :meth:`~FaultProxy.trickle`: the upstream's answer, its body sent at a few bytes per second;
- :meth:`~FaultProxy.reset`: half the upstream's body, then a TCP reset;
- :meth:`~FaultProxy.truncate`: half the upstream's body, then a clean close
  (``Content-Length`` announces it all);
- :meth:`~FaultProxy.garbage`: ``200 OK`` with an HTML page instead of JSON or XML.

:func:`closed_port` and :data:`UNRESOLVABLE_URL` cover the other two ways a back
end is unreachable.

>>> import json, urllib.error, urllib.request
>>> from clusterready.testing import FakeCluster
>>> with FakeCluster() as fake, FaultProxy(fake.url) as proxy:
...     proxy.status(503, times=1)
...     try:
...         urllib.request.urlopen(proxy.url + "/api/v1/namespaces")
...     except urllib.error.HTTPError as err:
...         print(err.code, err.headers["Content-Type"])
...     body = json.load(urllib.request.urlopen(proxy.url + "/api/v1/namespaces"))
...     body["kind"], [r.fault for r in proxy.requests]
503 text/html
('NamespaceList', ['status 503', ''])
"""

from __future__ import annotations

import http.client
import json
import re
import select
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from clusterready.testing.lifecycle import HttpLoopbackServer

__all__ = ["UNRESOLVABLE_URL", "FaultProxy", "ProxiedRequest", "closed_port"]

#: A URL whose host never resolves (``.invalid`` is reserved by RFC 2606).
UNRESOLVABLE_URL = "http://unresolvable.invalid:8080"

Body = Literal["lb", "service"]

_REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"}
#: The AWS error code a service sends with each status, when none is given.
_AWS_CODES = {
    400: "ValidationError",
    401: "AuthFailure",
    403: "AccessDenied",
    404: "NotFound",
    429: "Throttling",
    500: "InternalFailure",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


@dataclass
class _Fault:
    kind: str
    pattern: re.Pattern[str]
    times: int | None
    status: int = 200
    body: Body = "lb"
    code: str | None = None
    retry_after: float | None = None
    rate: float = 1.0

    def describe(self) -> str:
        return f"status {self.status}" if self.kind == "status" else self.kind


@dataclass(frozen=True)
class ProxiedRequest:
    """One request the proxy received (its path without the query), and the fault it
    met (``""``: forwarded)."""

    method: str
    path: str
    fault: str


class FaultProxy(HttpLoopbackServer):
    """An HTTP proxy on 127.0.0.1 (a random port) in front of ``upstream``.

    :param upstream: the back end's URL (``http://127.0.0.1:PORT``).
    """

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise ValueError(f"FaultProxy needs an http://host:port upstream, found {upstream!r}")
        self.upstream = (parts.hostname, parts.port)
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._requests: list[ProxiedRequest] = []
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FaultProxy:
        if self._server is None:
            self._closing.clear()
            self._server = _Server(("127.0.0.1", 0), _handler_for(self))
            self._server.daemon_threads = True
            threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="faultproxy",
                daemon=True,
            ).start()
        return self

    def stop(self) -> None:
        """Stop proxying; hanging and trickling answers end."""
        self._close()

    def kubeconfig(self, kubeconfig: str | Path) -> str:
        """A copy of ``kubeconfig`` (``FakeCluster.kubeconfig``) whose servers are this proxy."""
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="faultproxy-")
        config = json.loads(Path(kubeconfig).read_text(encoding="utf-8"))
        for entry in config.get("clusters", []):
            entry["cluster"]["server"] = self.url
        path = Path(self._tmp.name) / "kubeconfig"
        path.write_text(json.dumps(config), encoding="utf-8")
        return str(path)

    # ------------------------------------------------------------------ faults

    def status(
        self,
        status: int,
        *,
        times: int | None = None,
        path: str = ".*",
        body: Body = "lb",
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Answer ``status`` (with ``Retry-After`` when given) instead of forwarding.

        ``body="service"`` shapes the body as the back end would (``code``: the AWS
        error code, default one that fits the status; ``""``: none).
        """
        self._add(_Fault("status", re.compile(path), times, status, body, code, retry_after))

    def hang(self, *, times: int | None = None, path: str = ".*") -> None:
        """Read the request and never answer (until the client gives up or the proxy stops)."""
        self._add(_Fault("hang", re.compile(path), times))

    def trickle(
        self, *, bytes_per_second: float = 1.0, times: int | None = None, path: str = ".*"
    ) -> None:
        """Forward, then send the answer's body at ``bytes_per_second``."""
        self._add(_Fault("trickle", re.compile(path), times, rate=bytes_per_second))

    def reset(self, *, times: int | None = None, path: str = ".*") -> None:
        """Forward, send half the body, then reset the connection (RST)."""
        self._add(_Fault("reset", re.compile(path), times))

    def truncate(self, *, times: int | None = None, path: str = ".*") -> None:
        """Forward, send half the body (the full length announced), then close."""
        self._add(_Fault("truncate", re.compile(path), times))

    def garbage(self, *, times: int | None = None, path: str = ".*") -> None:
        """Answer ``200 OK`` with an HTML page (neither JSON nor XML)."""
        self._add(_Fault("garbage", re.compile(path), times))

    def clear(self) -> None:
        """Forget every fault: forward everything again."""
        with self._lock:
            self._faults.clear()

    @property
    def requests(self) -> list[ProxiedRequest]:
        """Every request received so far, in order."""
        with self._lock:
            return list(self._requests)

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if (fault.times is None or fault.times > 0) and fault.pattern.search(path):
                    if fault.times is not None:
                        fault.times -= 1
                    self._requests.append(ProxiedRequest(method, path, fault.describe()))
                    return fault
            self._requests.append(ProxiedRequest(method, path, ""))
        return None


@contextmanager
def closed_port() -> Iterator[str]:
    """An ``http://127.0.0.1:PORT`` URL that refuses connections (bound, never listening).

    >>> with closed_port() as url:
    ...     url.startswith("http://127.0.0.1:")
    True
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


# --------------------------------------------------------------------------- bodies


def _lb_body(status: int) -> tuple[str, bytes]:
    reason = _REASONS.get(status) or http.client.responses.get(status, "Error")
    if status in (401, 403, 404):  # what a gateway or an ingress answers in plain text
        return "text/plain; charset=utf-8", f"{status} {reason}\n".encode()
    page = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
    )
    return "text/html", page.encode()


def _service_body(
    status: int, code: str | None, headers: dict[str, str], request_body: bytes
) -> tuple[str, bytes, dict[str, str]]:
    """The error document of the protocol the request speaks."""
    code = _AWS_CODES.get(status, "ServiceError") if code is None else code
    message = f"injected fault: {status} {http.client.responses.get(status, '')}".strip()
    lowered = {k.lower(): v for k, v in headers.items()}
    if "authorization" not in lowered or "aws4-hmac" not in lowered["authorization"].lower():
        document = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": code or "Unknown",
            "code": status,
        }
        return "application/json", json.dumps(document).encode(), {}
    if "x-amz-target" in lowered:  # the JSON protocol (SSM)
        document = {"message": message, **({"__type": code} if code else {})}
        extra = {"x-amzn-ErrorType": code} if code else {}
        return "application/x-amz-json-1.1", json.dumps(document).encode(), extra
    code_xml = f"<Code>{code}</Code>" if code else ""
    if b"Version=2016-11-15" in request_body:  # EC2's own query dialect
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"{code_xml}<Message>{message}</Message></Error></Errors>"
            "<RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>"
        )
    else:  # the query protocol (STS, IAM, CloudFormation)
        kind = "Receiver" if status >= 500 else "Sender"
        xml = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
            f"<Type>{kind}</Type>{code_xml}<Message>{message}</Message></Error>"
            "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        )
    return "text/xml", xml.encode(), {}


_GARBAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>"
    b"<body><form action='/login'>Please sign in to continue.</form></body></html>\n"
)


# --------------------------------------------------------------------------- serving


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up mid-answer is what these faults are for


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        owner = proxy

    return Handler


class _Handler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small answers otherwise wait 40 ms for an ACK

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = self.owner._take(self.command, urlsplit(self.path).path)
        if fault is None:
            self._send(*self._forward(body))
        elif fault.kind == "status":
            self._answer_status(fault, body)
        elif fault.kind == "hang":
            self._hang()
        elif fault.kind == "garbage":
            self._send(200, {"Content-Type": "text/html"}, _GARBAGE)
        else:
            status, headers, data = self._forward(body)
            if fault.kind == "trickle":
                self._send(status, headers, data, rate=fault.rate)
            else:
                self._send_half(status, headers, data, reset=fault.kind == "reset")

    def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        host, port = self.owner.upstream
        upstream = http.client.HTTPConnection(host, port, timeout=60)
        try:
            upstream.connect()
            assert upstream.sock is not None  # head and body go in two sends: no Nagle wait
            upstream.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            kept = {
                k: v
                for k, v in answer.getheaders()
                if k.lower() not in ("content-length", "transfer-encoding", "connection")
            }
            return answer.status, kept, data
        finally:
            upstream.close()

    def _answer_status(self, fault: _Fault, request_body: bytes) -> None:
        extra: dict[str, str] = {}
        if fault.body == "service":
            content_type, data, extra = _service_body(
                fault.status, fault.code, dict(self.headers.items()), request_body
            )
        else:
            content_type, data = _lb_body(fault.status)
        headers = {"Content-Type": content_type, **extra}
        if fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after:g}"
        self._send(fault.status, headers, data)

    def _send(
        self, status: int, headers: dict[str, str], data: bytes, rate: float | None = None
    ) -> None:
        self._head(status, headers, len(data))
        if rate is None:
            self.wfile.write(data)
            return
        self.wfile.flush()
        for index in range(len(data)):
            if self.owner._closing.wait(1.0 / rate):
                break
            try:
                self.wfile.write(data[index : index + 1])
                self.wfile.flush()
            except OSError:  # the client gave up
                break
        self.close_connection = True

    def _send_half(self, status: int, headers: dict[str, str], data: bytes, reset: bool) -> None:
        self._head(status, headers, len(data))
        self.wfile.write(data[: max(1, len(data) // 2)])
        self.wfile.flush()
        if reset:  # SO_LINGER 0: close() sends a RST instead of a FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _head(self, status: int, headers: dict[str, str], length: int) -> None:
        self.send_response_only(status, _REASONS.get(status))
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _hang(self) -> None:
        # Answer nothing; end when the client closes its side or the proxy stops.
        while not self.owner._closing.is_set():
            readable, _, _ = select.select([self.connection], [], [], 0.1)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        break
                except OSError:
                    break
                time.sleep(0.05)
        self.close_connection = True

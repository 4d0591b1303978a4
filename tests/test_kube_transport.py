"""The standard-library transport on its own: kept-alive connections, one the server
closed while idle, the Host header, threads sharing the pool."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from clusterready.kube.transport import Transport
from clusterready.testing import FakeCluster

TIMEOUTS = {"connect_timeout": 5.0, "read_timeout": 5.0}


class OneAnswerServer:
    """A loopback HTTP server that answers one request per connection (keep-alive
    announced), then closes the connection while the client holds it idle."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        self.answered = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:  # closed
                return
            self.connections += 1
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            self.answered.set()  # the connection is closed: the client's is stale now


@pytest.fixture
def one_answer() -> Iterator[OneAnswerServer]:
    server = OneAnswerServer()
    yield server
    server.listener.close()


def test_a_connection_the_server_closed_while_idle_is_replaced(
    one_answer: OneAnswerServer,
) -> None:
    transport = Transport(one_answer.url)
    assert transport.get("/version", {}, **TIMEOUTS).data == b"{}"
    assert one_answer.answered.wait(5)
    one_answer.answered.clear()
    assert transport.get("/version", {}, **TIMEOUTS).data == b"{}"  # not a dropped answer
    assert one_answer.connections == 2


def test_kept_alive_connections_are_reused_and_shared_by_threads() -> None:
    with FakeCluster() as fake:
        transport = Transport(fake.url, maxsize=2)
        errors: list[BaseException] = []

        def read() -> None:
            try:
                for _ in range(5):
                    assert transport.get("/version", {}, **TIMEOUTS).status == 200
            except BaseException as err:  # reported below, with the thread's failure
                errors.append(err)

        threads = [threading.Thread(target=read) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(fake.requests) == 30
        hosts = {r.headers.get("host") for r in fake.requests}
        assert hosts == {fake.url.removeprefix("http://")}

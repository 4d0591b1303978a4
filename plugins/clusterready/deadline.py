"""A total deadline per HTTP request: connect, send and the whole answer, not per read.

Socket timeouts bound each read, so an answer trickling one byte a second never
times out. Here one watchdog thread shuts down the sockets of a request when
its deadline passes: whatever the request is blocked in (reading headers, the
body, sending) returns at once and the caller raises :class:`DeadlineExceeded`.
Connections opt in: the Kubernetes transport (:mod:`clusterready.kube.transport`)
registers its sockets with :func:`watch_socket`; botocore's urllib3 pools do it
through :func:`watched_pools` (pool classes whose connections register theirs).

>>> with request_deadline(5.0) as watch:
...     watch.expired, 0 < watch.remaining() <= 5
(False, True)
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["DeadlineExceeded", "Watch", "request_deadline", "watch_socket", "watched_pools"]


class DeadlineExceeded(Exception):
    """A request did not complete within its total deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {round(seconds, 1):g}s (request deadline)")
        self.seconds = seconds


class Watch:
    """The deadline of one request and the sockets it uses."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends_at = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []

    def remaining(self) -> float:
        return max(0.0, self.ends_at - time.monotonic())

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if not self.expired:
                return
        _shutdown(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: Any) -> None:
    with contextlib.suppress(OSError, ValueError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread expiring watches in deadline order."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Watch]] = []
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, watch: Watch) -> None:
        with self._cond:
            heapq.heappush(self._heap, (watch.ends_at, next(self._ids), watch))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="clusterready-deadline", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def remove(self, watch: Watch) -> None:
        with self._cond:
            self._heap = [entry for entry in self._heap if entry[2] is not watch]
            heapq.heapify(self._heap)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                _, _, watch = heapq.heappop(self._heap)
            watch.expire()


_WATCHDOG = _Watchdog()
_current = threading.local()


@contextmanager
def request_deadline(seconds: float) -> Iterator[Watch]:
    """Time the requests of this block (in this thread) against one total deadline."""
    watch = Watch(seconds)
    previous = getattr(_current, "watch", None)
    _current.watch = watch
    _WATCHDOG.add(watch)
    try:
        yield watch
    finally:
        _WATCHDOG.remove(watch)
        _current.watch = previous


def watch_socket(sock: Any) -> None:
    """Register ``sock`` with the request being timed in this thread (if any)."""
    watch: Watch | None = getattr(_current, "watch", None)
    if watch is not None and sock is not None:
        watch.add(sock)


class _Watched:
    """A mixin for urllib3 connections: register the socket of every request."""

    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        watch_socket(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:  # a kept-alive connection: connect() is not called
            watch_socket(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


def watched_pools(http_pool: type[Any], https_pool: type[Any]) -> dict[str, type[Any]]:
    """``pool_classes_by_scheme`` for a urllib3 PoolManager: subclasses of the given
    pool classes whose connections are timed by :func:`request_deadline`."""
    pools: dict[str, type[Any]] = {}
    for scheme, base in (("http", http_pool), ("https", https_pool)):
        cls = base.ConnectionCls
        connection = type(f"Watched{cls.__name__}", (_Watched, cls), {})
        pools[scheme] = type(f"Watched{base.__name__}", (base,), {"ConnectionCls": connection})
    return pools

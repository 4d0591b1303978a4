"""The start/stop/context-manager shape shared by the test servers."""

from __future__ import annotations

import abc
import tempfile
import threading
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Self


class LoopbackServer(abc.ABC):
    """A server a test starts, uses as a context manager, and stops.

    Subclasses implement :meth:`start` (idempotent, returns self) and :meth:`stop`.
    """

    @abc.abstractmethod
    def start(self) -> Self:
        """Start serving (idempotent); return self."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop serving and release what start() took."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @staticmethod
    def not_started(name: str) -> RuntimeError:
        return RuntimeError(f"{name} is not started: use it as a context manager")


class HttpLoopbackServer(LoopbackServer):
    """A LoopbackServer over an ``http.server`` on 127.0.0.1, with a private temporary
    directory and an event that tells hanging answers the server is closing."""

    _server: ThreadingHTTPServer | None
    _tmp: tempfile.TemporaryDirectory[str] | None
    _closing: threading.Event

    def _close(self) -> None:
        """Stop serving (hanging answers end), then remove the temporary directory."""
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if self._server is None:
            raise self.not_started(type(self).__name__)
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

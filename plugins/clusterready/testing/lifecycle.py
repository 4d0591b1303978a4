"""The start/stop/context-manager shape shared by the test servers."""

from __future__ import annotations

import abc
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

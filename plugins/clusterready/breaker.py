"""A circuit breaker per back end: once it is known down, later checks fail fast.

When a request to a back end (a cluster, an AWS endpoint, a set of credentials)
gives up after its retry budget, or is refused credentials, the breaker opens
with that reason. While it is open, requests fail at once without being sent;
``reprobe_after`` seconds after the last try, the next request makes **one**
short probe (one attempt, a short deadline, no retries): if it succeeds the
breaker closes and the run goes on; if it fails the request fails at once and
the wait for the next probe starts again.

>>> breaker = Breaker("cluster 'demo'", reprobe_after=10)
>>> breaker.open("connection refused")
>>> breaker.is_open, breaker.probe_due()
(True, False)
>>> breaker.fast_failure()  # doctest: +ELLIPSIS
"cluster 'demo' is down (known for 0.0s: connection refused; next probe in ...s)"
>>> breaker.close()
>>> breaker.is_open
False
"""

from __future__ import annotations

import threading
import time

__all__ = ["Breaker"]


class Breaker:
    """The known state of one back end, shared by every check of a run."""

    def __init__(self, name: str, reprobe_after: float = 10.0) -> None:
        self.name = name
        self.reprobe_after = reprobe_after
        self.reason = ""
        self._since: float | None = None
        self._last_try = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._since is not None

    def open(self, reason: str) -> None:
        """Mark the back end down (keeping when and why it was first seen down)."""
        with self._lock:
            now = time.monotonic()
            self._last_try = now
            if self._since is None:
                self._since = now
                self.reason = reason

    def close(self) -> None:
        with self._lock:
            self._since = None
            self.reason = ""

    def probe_due(self) -> bool:
        """True when an open breaker may let one probe through (and counts it as a try)."""
        with self._lock:
            if self._since is None:
                return True
            now = time.monotonic()
            if now - self._last_try < self.reprobe_after:
                return False
            self._last_try = now
            return True

    def fast_failure(self, probe_problem: str = "") -> str:
        """The one-line message of a request that failed fast (or whose probe failed)."""
        known = 0.0 if self._since is None else time.monotonic() - self._since
        if probe_problem:
            return (
                f"{self.name} is down (known for {known:.1f}s: {self.reason}); "
                f"the probe failed: {probe_problem}"
            )
        wait = max(0.0, self.reprobe_after - (time.monotonic() - self._last_try))
        return (
            f"{self.name} is down (known for {known:.1f}s: {self.reason}; "
            f"next probe in {wait:.0f}s)"
        )

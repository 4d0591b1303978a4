"""The deadlines of a run and of each check, and the signals that end a run early.

A :class:`RunClock` ends a check with :class:`~clusterready.errors.Interrupted`
(reported as could-not-evaluate) when the check's own deadline passes, when the
run's deadline passes, or when SIGTERM (what Argo sends at
``activeDeadlineSeconds``) or SIGINT arrives; after the run's deadline or a
signal, every check that has not started ends the same way at once, so the run
still finishes normally and writes its reports. A second SIGINT is an ordinary
KeyboardInterrupt. The timer is ``SIGALRM`` (``setitimer``), as pytest-timeout's
signal method: it interrupts a check wherever it waits (a socket, a sleep).

A signal may arrive at any moment, but the handler raises only inside a phase
of a check (:meth:`RunClock.phase`: setup, call, teardown, where pytest turns
an exception into that check's report), and at most once per check. Anywhere
else (collection, pytest's reporting hooks, pytest-xdist's loop) it only
records the stop, and the next phase or check ends at once: an exception
raised there would be pytest's INTERNALERROR, not a report. A pytest-xdist
controller runs no check: it passes the signal to the workers it knows are
ready (:meth:`RunClock.add_worker`, which also signals a worker that becomes
ready after the stop), never to one still starting, which has no handler yet.

>>> clock = RunClock(run_deadline=900, check_deadline=300)
>>> clock.stopped is None, 899 < clock.remaining() <= 900
(True, True)
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

from clusterready.errors import Interrupted

__all__ = ["ENV_ENDS_AT", "RunClock"]

#: The run's end as a Unix time, handed by a pytest-xdist controller to its workers.
ENV_ENDS_AT = "CLUSTERREADY_RUN_ENDS_AT"

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class RunClock:
    """Deadlines of one run (seconds) and its signal handlers.

    :param ends_at: the run's end as a Unix time (default: now + ``run_deadline``).
    """

    def __init__(
        self,
        run_deadline: float,
        check_deadline: float,
        ends_at: float | None = None,
    ) -> None:
        self.run_deadline = run_deadline
        self.check_deadline = check_deadline
        self.ends_at = time.time() + run_deadline if ends_at is None else ends_at
        self.stopped: str | None = None
        self._workers: set[int] = set()
        self._in_check = False
        self._in_phase = False
        self._interrupted = False  # this check has been ended once already
        self._pending: str | None = None  # why, if it came between two phases
        self._check_ends_at = 0.0
        self._previous: dict[int, Any] = {}
        self._installed = False

    def remaining(self) -> float:
        """Seconds left before the run's deadline."""
        return self.ends_at - time.time()

    # ------------------------------------------------------------------ handlers

    def install(self) -> None:
        """Take SIGTERM, SIGINT and SIGALRM (only from the main thread; else a no-op)."""
        if threading.current_thread() is not threading.main_thread() or self._installed:
            return
        for signum in (*_SIGNALS, signal.SIGALRM):
            self._previous[signum] = signal.signal(signum, self._on_signal)
        self._previous_timer = signal.setitimer(signal.ITIMER_REAL, 0)
        self._installed = True

    def uninstall(self) -> None:
        if not self._installed:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        if self._previous_timer[0]:  # an outer run's timer (pytester in-process)
            signal.setitimer(signal.ITIMER_REAL, *self._previous_timer)
        self._installed = False

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGALRM:
            if time.time() >= self.ends_at - 0.001:
                self.stopped = f"the run's deadline of {self.run_deadline:g}s passed"
                why = self.stopped
            else:
                why = (
                    f"the check's deadline of {self.check_deadline:g}s passed (run.check_deadline)"
                )
        else:
            if self.stopped is not None and signum == signal.SIGINT:
                raise KeyboardInterrupt  # a second Ctrl-C: stop now
            name = signal.Signals(signum).name
            self.stopped = why = self.stopped or f"the run was stopped by {name}"
            for pid in tuple(self._workers):
                _kill(pid, signal.SIGTERM)
        if not self._in_check or self._interrupted:
            return
        if not self._in_phase:
            self._pending = why
            return
        self._interrupted = True
        raise Interrupted(why)

    # ------------------------------------------------------------------ workers

    def add_worker(self, pid: int) -> None:
        """A pytest-xdist worker is ready (its handlers taken): pass it the signals."""
        self._workers.add(pid)
        if self.stopped is not None:
            _kill(pid, signal.SIGTERM)

    def remove_worker(self, pid: int) -> None:
        self._workers.discard(pid)

    # ------------------------------------------------------------------ checks

    def start_check(self) -> None:
        """A check starts: end it at once if the run is over, else time it."""
        if self.stopped is None and self.remaining() <= 0:
            self.stopped = f"the run's deadline of {self.run_deadline:g}s passed"
        if self.stopped is not None:
            raise Interrupted(f"not checked: {self.stopped}")
        self._in_check = True
        self._interrupted = False
        self._pending = None
        if self._installed:
            seconds = min(self.check_deadline, self.remaining())
            signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))

    @contextlib.contextmanager
    def phase(self, must_run: bool = False) -> Iterator[None]:
        """A phase of the check (setup, call, teardown): where a signal may end it.

        A stop that came before it ends it at its start, or, if it ``must_run``
        (a teardown), at its end.

        >>> clock = RunClock(run_deadline=900, check_deadline=300)
        >>> clock.start_check()
        >>> with clock.phase():
        ...     pass
        >>> clock.end_check()
        """
        if not must_run:
            self._raise_pending()
        self._in_phase = True
        try:
            yield
        finally:
            self._in_phase = False
        self._raise_pending()

    def _raise_pending(self) -> None:
        if self._pending is not None and not self._interrupted:
            self._interrupted = True
            raise Interrupted(self._pending)

    def end_check(self) -> None:
        self._in_check = False
        self._pending = None
        if self._installed:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _kill(pid: int, signum: int) -> None:
    with contextlib.suppress(OSError):  # it may have ended already
        os.kill(pid, signum)

"""Bounded retries of a check: DETIK's ``try`` and :func:`eventually` share them.

At most ``times`` attempts, the first at once, then one every ``every`` seconds,
no wait after the last; a run's cap (``--max-attempts``) lowers ``times``. An
attempt that raises :class:`~clusterready.errors.CannotEvaluate` is a failed
attempt; one that is not ``retryable`` (credentials refused, an unknown resource
type, a cluster known down) ends the retries at once. A check's deadline and the
run's (:mod:`clusterready.runclock`) end a retry wherever it waits.

>>> from clusterready.errors import CheckFailed
>>> seen = []
>>> def check():
...     seen.append(len(seen))
...     if len(seen) < 3:
...         raise CheckFailed(f"{len(seen)} of 2 pods ready")
...     return "ready"
>>> eventually(check, times=5, every=0), len(seen)
('ready', 3)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from clusterready.errors import CannotEvaluate, CheckFailed

__all__ = ["DEFAULT_EVERY", "DEFAULT_TIMES", "Eventually", "Tried", "eventually", "retry"]

_T = TypeVar("_T")
_log = logging.getLogger("clusterready.retry")

#: :func:`eventually`'s defaults: 12 attempts, 5 seconds apart (as DETIK tries usually are).
DEFAULT_TIMES, DEFAULT_EVERY = 12, 5.0


@dataclass(frozen=True)
class Tried(Generic[_T]):
    """The end of a retry: the last attempt's result or error, how many attempts, how long."""

    last: _T | CannotEvaluate
    attempts: int
    elapsed: float


def capped(times: int, max_attempts: int | None) -> int:
    """``times`` lowered to the run's cap (None: no cap).

    >>> capped(12, 1), capped(3, 10), capped(12, None)
    (1, 3, 12)
    """
    return min(times, max_attempts) if max_attempts else times


def retry(
    attempt: Callable[[int], _T],
    *,
    times: int,
    every: float,
    passed: Callable[[_T], bool],
    sleep: Callable[[float], None] = time.sleep,
) -> Tried[_T]:
    """Call ``attempt(n)`` (n from 1) until ``passed`` holds for its result, at most
    ``times`` times, ``every`` seconds apart, the first at once, no wait after the last.
    A CannotEvaluate it raises is a failed attempt (not retryable: the last one).

    >>> retry(lambda n: n, times=5, every=0, passed=lambda n: n == 2).attempts
    2
    """
    results: list[_T | CannotEvaluate] = []
    started = time.monotonic()
    while True:  # a plain loop: importing tenacity cost a tenth of a `clusterready try`
        try:
            result = attempt(len(results) + 1)
        except CannotEvaluate as err:
            results.append(err)
            if not err.retryable:
                break
        else:
            results.append(result)
            if passed(result):
                break
        if len(results) >= times:
            break
        sleep(every)
    return Tried(results[-1], len(results), time.monotonic() - started)


def eventually(
    check: Callable[[], _T],
    *,
    times: int = DEFAULT_TIMES,
    every: float = DEFAULT_EVERY,
    max_attempts: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> _T:
    """Call ``check`` until it returns without raising CheckFailed; return what it returned.

    At most ``times`` attempts (``max_attempts``, the run's cap, lowers it), ``every``
    seconds apart, the first at once, no wait after the last; each failed attempt is
    logged (``clusterready.retry``, INFO) with its first line. When no attempt passed,
    the last failure is raised, with "after N attempts" and its ``subjects``; a
    CannotEvaluate of the last attempt is raised the same way (at once, one that is
    not retryable).

    >>> def two_pods():
    ...     raise CheckFailed("1 of 2 pods ready")
    >>> eventually(two_pods, times=3, every=0)
    Traceback (most recent call last):
    ...
    clusterready.errors.CheckFailed: 1 of 2 pods ready (after 3 attempts in 0.0s)
    """
    __tracebackhide__ = True
    failures: list[CheckFailed] = []
    check_result: list[_T] = []

    def attempt(number: int) -> bool:
        try:
            check_result.append(check())
        except CheckFailed as failure:
            failures.append(failure)
            first = str(failure).partition("\n")[0]
            _log.info("attempt %d/%d of %s: %s", number, times, _name(check), first)
            return False
        return True

    times = capped(times, max_attempts)
    tried = retry(attempt, times=times, every=every, passed=bool, sleep=sleep)
    if check_result:
        return check_result[-1]
    count = f"{tried.attempts} attempt{'s' if tried.attempts != 1 else ''}"
    if isinstance(tried.last, CannotEvaluate):
        raise CannotEvaluate(
            f"{tried.last} (the last of {count})", retryable=tried.last.retryable
        ) from None
    last = failures[-1]
    raise CheckFailed(
        f"{last} (after {count} in {tried.elapsed:.1f}s)", subjects=last.subjects
    ) from None  # the message holds the last attempt's; its traceback is retry's own


def _name(check: Callable[..., object]) -> str:
    """How a log line names a check: its function's name, ``<lambda>`` as is."""
    return str(getattr(check, "__qualname__", None) or type(check).__name__)


@dataclass(frozen=True)
class Eventually:
    """:func:`eventually` bound to a run's cap on attempts (the ``eventually`` fixture).

    >>> Eventually(max_attempts=1)(lambda: "ok")
    'ok'
    """

    max_attempts: int | None = None
    sleep: Callable[[float], None] = time.sleep

    def __call__(
        self, check: Callable[[], _T], *, times: int = DEFAULT_TIMES, every: float = DEFAULT_EVERY
    ) -> _T:
        __tracebackhide__ = True
        return eventually(
            check, times=times, every=every, max_attempts=self.max_attempts, sleep=self.sleep
        )

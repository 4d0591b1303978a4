"""The retry budget of a request to a back end, and the breaker in front of it.

Both back ends (the Kubernetes API in :mod:`clusterready.kube`, AWS in
:mod:`clusterready.aws`) make each request through :func:`within_budget`: one
attempt function, retried with exponential backoff and full jitter on
:class:`Transient` failures within the :class:`RequestPolicy`, never on
anything else; :class:`Refused` (credentials refused) opens the back end's
:class:`~clusterready.breaker.Breaker` at once, exhausted retries open it too.

>>> from clusterready.breaker import Breaker
>>> tries = []
>>> def attempt(seconds: float) -> str:
...     tries.append(seconds)
...     if len(tries) < 3:
...         raise Transient("503 Service Unavailable")
...     return "ok"
>>> policy, breaker = RequestPolicy(), Breaker("demo")
>>> within_budget(attempt, policy, breaker, "demo: cannot read", sleep=lambda s: None)
'ok'
>>> tries
[20.0, 20.0, 20.0]
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from clusterready.breaker import Breaker
from clusterready.errors import CannotEvaluate

__all__ = ["Refused", "RequestPolicy", "Transient", "within_budget"]

T = TypeVar("T")


class RequestPolicy(NamedTuple):  # a named tuple: a dataclass costs ~1 ms to define
    """Timeouts and retry budget of every request.

    One attempt gets ``connect_timeout`` to connect, ``read_timeout`` per read
    and ``request_deadline`` in total (connect, send and the whole body). A
    request is tried at most ``attempts`` times and never past ``deadline``
    seconds (a ``Retry-After`` longer than what is left ends it at once). While
    the back end is known down, a request fails at once, or, ``reprobe_after``
    seconds after the last try, makes one attempt of at most ``probe_deadline``.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    request_deadline: float = 20.0
    attempts: int = 5
    deadline: float = 30.0
    backoff: float = 0.25
    max_backoff: float = 4.0
    probe_deadline: float = 3.0
    reprobe_after: float = 10.0

    @classmethod
    def within(cls, request_deadline: float, deadline: float, attempts: int = 5) -> RequestPolicy:
        """A policy with these deadlines, its timeouts no longer than one attempt.

        >>> RequestPolicy.within(2, 4).read_timeout
        2
        """
        base = cls()
        return cls(
            connect_timeout=min(base.connect_timeout, request_deadline),
            read_timeout=min(base.read_timeout, request_deadline),
            request_deadline=request_deadline,
            attempts=attempts,
            deadline=deadline,
            probe_deadline=min(base.probe_deadline, request_deadline),
        )


class Transient(Exception):
    """A failure worth retrying: 429, 5xx, a dropped connection, a timeout, a garbled answer."""

    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retry_after = retry_after


class Refused(Exception):
    """The back end refused the credentials: no retry, and its breaker opens."""


def within_budget(
    attempt: Callable[[float], T],
    policy: RequestPolicy,
    breaker: Breaker,
    failing: str,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``attempt(seconds)`` (one try, at most ``seconds`` long) retried within ``policy``:
    no attempt outlasts ``policy.deadline`` (but each gets at least a second).

    ``failing`` starts every message (``"cluster 'x': cannot list pods"``). Raises
    :class:`~clusterready.errors.CannotEvaluate` (not retryable) when the retries
    are exhausted, the credentials are refused or the back end is known down.
    """
    probe = breaker.is_open
    if probe and not breaker.probe_due():
        raise CannotEvaluate(f"{failing}: {breaker.fast_failure()}", retryable=False)
    attempts = 1 if probe else policy.attempts
    seconds = policy.probe_deadline if probe else policy.request_deadline
    started = time.monotonic()
    tries = 0
    while True:
        tries += 1
        left = policy.deadline - (time.monotonic() - started)  # the last attempt gets only that
        try:
            result = attempt(max(min(seconds, left), min(seconds, 1.0)))
        except Refused as exc:
            breaker.open(str(exc))
            raise CannotEvaluate(str(exc), retryable=False) from None
        except Transient as exc:
            pause = exc.retry_after if exc.retry_after is not None else _backoff(policy, tries)
            if tries < attempts and time.monotonic() - started + pause <= policy.deadline:
                sleep(pause)
                continue
            breaker.open(exc.problem)
            if probe:
                raise CannotEvaluate(
                    f"{failing}: {breaker.fast_failure(exc.problem)}", retryable=False
                ) from None
            plural = "s" if tries > 1 else ""
            raise CannotEvaluate(
                f"{failing}: {exc.problem} (gave up after {tries} attempt{plural} "
                f"in {time.monotonic() - started:.1f}s)",
                retryable=False,
            ) from None
        except Exception:
            breaker.close()  # the back end answered (a 404, an allowed error): it is up
            raise
        breaker.close()
        return result


def _backoff(policy: RequestPolicy, tries: int) -> float:
    """The pause after ``tries`` failed attempts: exponential with full jitter, a random
    time up to ``policy.backoff * 2 ** (tries - 1)`` (at most ``policy.max_backoff``)."""
    return random.uniform(0, min(policy.max_backoff, policy.backoff * 2 ** (tries - 1)))

"""The retry budget of a request to a back end, and the breaker in front of it.

Both back ends (the Kubernetes API in :mod:`clusterready.kube`, AWS in
:mod:`clusterready.aws`) make each request through :func:`within_budget`: one
attempt function, retried with backoff and jitter (tenacity) on
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

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from clusterready.breaker import Breaker
from clusterready.errors import CannotEvaluate

__all__ = ["Refused", "RequestPolicy", "Transient", "within_budget"]

T = TypeVar("T")


@dataclass(frozen=True)
class RequestPolicy:
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
    backoff = tenacity.wait_random_exponential(multiplier=policy.backoff, max=policy.max_backoff)

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Transient) and exc.retry_after is not None:
            return exc.retry_after
        return float(backoff(state))

    def stop(state: tenacity.RetryCallState) -> bool:
        return (
            state.attempt_number >= attempts
            or (state.seconds_since_start or 0.0) + state.upcoming_sleep > policy.deadline
        )

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(Transient),
        wait=wait,
        stop=stop,
        sleep=sleep,
        reraise=True,
    )
    started = time.monotonic()

    def capped() -> T:  # the last attempt gets only what is left of the budget
        left = policy.deadline - (time.monotonic() - started)
        return attempt(max(min(seconds, left), min(seconds, 1.0)))

    try:
        result = retrying(capped)
    except Refused as exc:
        breaker.open(str(exc))
        raise CannotEvaluate(str(exc), retryable=False) from None
    except Transient as exc:
        breaker.open(exc.problem)
        if probe:
            raise CannotEvaluate(
                f"{failing}: {breaker.fast_failure(exc.problem)}", retryable=False
            ) from None
        tries = retrying.statistics.get("attempt_number", 1)
        raise CannotEvaluate(
            f"{failing}: {exc.problem} (gave up after {tries} attempt{'s' if tries > 1 else ''} "
            f"in {time.monotonic() - started:.1f}s)",
            retryable=False,
        ) from None
    except Exception:
        breaker.close()  # the back end answered (a 404, an allowed error): it is up
        raise
    breaker.close()
    return result

"""Detik: verify and try DETIK sentences against a source of rows.

>>> from clusterready.detik import Detik, StaticSource
>>> detik = Detik(StaticSource([("nginx-1", "Running"), ("nginx-2", "Running")]))
>>> result = detik.verify("there are 2 pods named 'nginx'")
>>> result.passed, result.lines
(True, ('Valid expression. Verification in progress...', 'Found 2 pods named nginx (as expected).'))
>>> detik.try_("at most 2 times every 0s to get pods named 'nginx' and verify that "
...            "'status' is 'pending'", check=False).status
<DetikStatus.NOT_VERIFIED: 3>
"""

from __future__ import annotations

import copy
import enum
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from clusterready.detik import headline, messages
from clusterready.detik.ere import compile_ere
from clusterready.detik.grammar import Statement, parse
from clusterready.detik.sources import ClusterSource, Query, Row, Source
from clusterready.errors import CannotEvaluate, CheckFailed, DetikSyntaxError, ObjectRef
from clusterready.kube.cluster import Cluster
from clusterready.kube.jsonpath import JsonPathError
from clusterready.retry import capped, retry

__all__ = ["Detik", "DetikResult", "DetikStatus", "TryInterrupted"]

_log = logging.getLogger("clusterready.detik")

ENV_CASE_INSENSITIVE = "DETIK_REGEX_CASE_INSENSITIVE_PROPERTIES"


class DetikStatus(enum.IntEnum):
    """bats-detik's status codes of a verify or a try (they compare equal to the numbers).

    >>> DetikStatus.NOT_VERIFIED == 3
    True
    """

    VERIFIED = 0
    EMPTY = 1
    SYNTAX = 2
    NOT_VERIFIED = 3


@dataclass(frozen=True)
class DetikResult:
    """What one verify or try came to.

    ``status`` is a :class:`DetikStatus` (DETIK's codes: 0 verified, 1 empty,
    2 syntax, 3 not verified) and ``lines`` its message lines; ``rows`` are
    the (name, value) rows the last attempt examined (those whose name matched),
    ``offenders`` those of them that made it fail, ``headline`` what failed in words.
    """

    sentence: str
    status: DetikStatus
    lines: tuple[str, ...]
    attempts: int = 0
    elapsed: float = 0.0
    rows: tuple[Row, ...] = ()
    statement: Statement | None = None
    query: Query | None = None
    last_attempt: tuple[str, ...] = field(default=(), repr=False)
    seen: int = field(default=0, repr=False)
    offenders: tuple[Row, ...] = field(default=(), repr=False)
    headline: str = field(default="", repr=False)

    @property
    def passed(self) -> bool:
        return self.status is DetikStatus.VERIFIED

    def assert_not_verified(self) -> DetikResult:
        """Assert that the check was seen to fail (a negative expectation, as bats'
        ``run ! verify ...``); raises CheckFailed when it was verified.

        >>> from clusterready.detik import Detik, StaticSource
        >>> Detik(StaticSource([])).verify("there is 1 pod named 'x'", check=False
        ...     ).assert_not_verified().status
        <DetikStatus.NOT_VERIFIED: 3>
        """
        __tracebackhide__ = True
        if self.status is not DetikStatus.NOT_VERIFIED:
            shown = "\n".join(f"  {line}" for line in self.lines)
            raise CheckFailed(
                f'expected "{self.sentence}" not to be verified, but it was (status '
                f"{int(self.status)}):\n{shown}"
            )
        return self

    def explain(self) -> str:
        """A readable account of a failure: what failed (its first line, never a line
        that reports a pass), the sentence, the last attempt, what was observed."""
        stmt = self.statement
        verb = stmt.verb if stmt else "check"
        summary = self.headline or (self.last_attempt[-1] if self.last_attempt else "no attempt")
        attempts = f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"
        out = [f"{summary} ({attempts} in {self.elapsed:.1f}s)", f'  {verb} "{self.sentence}"']
        if self.query is not None:
            out.append(f"  query: {self.query.describe()}")
        if len(self.last_attempt) > 1:
            out.append("  last attempt:")
            out += [f"    {line}" for line in self.last_attempt]
        if self.rows:
            width = max(len(name) for name, _ in self.rows)
            out.append(
                "  observed (name, value):"
                if self.query and self.query.path
                else "  observed names:"
            )
            out += [f"    {name.ljust(width)}  {value}".rstrip() for name, value in self.rows]
        elif stmt is not None:
            out.append(
                f"  observed: no {stmt.resource} named '{stmt.name}' among {self.seen} listed"
            )
        return "\n".join(out)


class TryInterrupted(KeyboardInterrupt):
    """Ctrl-C during a try: carries the DETIK lines of the attempts made so far."""

    def __init__(self, lines: tuple[str, ...], attempts: int, reason: str = "") -> None:
        super().__init__(f"after {attempts} attempt(s)" + (f": {reason}" if reason else ""))
        self.lines = lines
        self.attempts = attempts


class _Attempt(NamedTuple):
    passed: bool
    lines: tuple[str, ...]
    rows: tuple[Row, ...]
    seen: int
    offenders: tuple[Row, ...] = ()
    headline: str = ""


class Detik:
    """Evaluate DETIK sentences against a source.

    :param source: a :class:`~clusterready.kube.Cluster`, or any
        :class:`~clusterready.detik.sources.Source` (KubectlSource, StaticSource).
    :param namespace: the namespace of every query (default: the source's own,
        e.g. the kubeconfig context's); wins over ``all_namespaces``.
    :param regex_case_insensitive: lower-case values before ``matches``/``matching``;
        None reads ``DETIK_REGEX_CASE_INSENSITIVE_PROPERTIES`` (``true``).
    :param max_attempts: cap the attempts of every try (1 for a quick spot check).
    :param sleep: how to wait between attempts (tests pass a recorder).
    :param progress: called with each line of a try as it happens (a terminal shows them).
    """

    def __init__(
        self,
        source: Source | Cluster,
        namespace: str | None = None,
        all_namespaces: bool = False,
        regex_case_insensitive: bool | None = None,
        *,
        max_attempts: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.source: Source = ClusterSource(source) if isinstance(source, Cluster) else source
        if isinstance(source, Cluster) and not namespace and not all_namespaces:
            namespace = source.namespace  # the context's: name it in messages
        self.namespace = namespace or None
        self.all_namespaces = all_namespaces
        if regex_case_insensitive is None:
            regex_case_insensitive = os.environ.get(ENV_CASE_INSENSITIVE, "").lower() == "true"
        self.regex_case_insensitive = regex_case_insensitive
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._progress = progress

    def using(
        self,
        *,
        namespace: str | None = None,
        all_namespaces: bool = False,
        regex_case_insensitive: bool | None = None,
    ) -> Detik:
        """A copy reading another namespace (or all), or comparing ``matches`` without
        regard to case; what is not given is kept.

        >>> from clusterready.detik import StaticSource
        >>> d = Detik(StaticSource([]), namespace="default").using(all_namespaces=True)
        >>> d.namespace, d.all_namespaces
        (None, True)
        """
        other = copy.copy(self)
        if namespace:
            other.namespace, other.all_namespaces = namespace, False
        elif all_namespaces:
            other.namespace, other.all_namespaces = None, True
        if regex_case_insensitive is not None:
            other.regex_case_insensitive = regex_case_insensitive
        return other

    # ------------------------------------------------------------------ public

    def verify(self, sentence: str, check: bool = True) -> DetikResult:
        """Check a verify sentence once (``there are 2 pods named 'x'``, ``'p' is 'v' for ...``).

        With ``check`` a failure raises :class:`~clusterready.errors.CheckFailed`
        and a malformed sentence :class:`~clusterready.errors.DetikSyntaxError`;
        without it the DetikResult says so. A source that cannot be read raises
        :class:`~clusterready.errors.CannotEvaluate` either way.
        """
        __tracebackhide__ = True
        return self._run(sentence, "verify", check)

    def try_(self, sentence: str, check: bool = True) -> DetikResult:
        """Check a try sentence: at most N attempts, the first at once, then one every S
        seconds, no wait after the last. A cluster error in an attempt is a failed
        attempt; CannotEvaluate is raised when the last attempt errored, at once for
        an error no retry fixes (credentials refused, an unknown resource type, a
        cluster known down). Ctrl-C raises :class:`TryInterrupted`."""
        __tracebackhide__ = True
        return self._run(sentence, "try", check)

    # ------------------------------------------------------------------ running

    def _run(self, sentence: str, verb: str, check: bool) -> DetikResult:
        __tracebackhide__ = True
        try:
            stmt = parse(sentence, verb, hint="use try_()" if verb == "verify" else "use verify()")
        except DetikSyntaxError:
            if check:
                raise
            empty = not sentence.strip()
            return DetikResult(
                sentence=sentence,
                status=DetikStatus.EMPTY if empty else DetikStatus.SYNTAX,
                lines=(messages.EMPTY if empty else messages.INVALID,),
            )
        result = self._attempts(stmt) if verb == "try" else self._once(stmt)
        if check and not result.passed:
            raise CheckFailed(result.explain(), subjects=self.subjects(result))
        return result

    def subjects(self, result: DetikResult) -> tuple[ObjectRef, ...]:
        """The objects a result is about, the offenders first (what the diagnostics of a
        failure read); none when the source is not a Cluster (only it knows their kind).

        >>> from clusterready.detik import StaticSource
        >>> Detik(StaticSource([])).subjects(Detik(StaticSource([])).verify(
        ...     "there is 1 pod named 'x'", check=False))
        ()
        """
        query = result.query
        if not isinstance(self.source, ClusterSource) or query is None:
            return ()
        try:
            kind = self.source.cluster.resolve(query.resource).kind  # discovery: read already
        except CannotEvaluate:
            return ()
        namespace = (
            None
            if query.cluster_scoped or query.all_namespaces
            else query.namespace or self.source.cluster.namespace
        )
        names = dict.fromkeys(name for name, _ in (*result.offenders, *result.rows))
        return tuple(ObjectRef(kind, name, namespace) for name in names)

    def _query(self, stmt: Statement) -> Query:
        if isinstance(self.source, ClusterSource) and self.source.cluster_scoped(stmt.resource):
            return Query(stmt.resource, stmt.path, cluster_scoped=True)
        return Query(stmt.resource, stmt.path, self.namespace, self.all_namespaces)

    def _once(self, stmt: Statement) -> DetikResult:
        started = time.monotonic()
        attempt = self._evaluate(stmt)
        _log.info("%s: %s", stmt.text, _verdict(attempt))
        return self._result(
            stmt,
            attempt,
            lines=(messages.VALID, *attempt.lines),
            attempts=1,
            elapsed=time.monotonic() - started,
        )

    def _attempts(self, stmt: Statement) -> DetikResult:
        assert stmt.times is not None
        assert stmt.delay is not None
        lines: list[str] = []
        made = [0]  # attempts made (for a Ctrl-C in the middle)
        progress = self._progress
        times = capped(stmt.times, self.max_attempts)

        def emit(*new: str) -> None:
            lines.extend(new)
            if progress is not None:
                for line in new:
                    progress(line)

        emit(messages.VALID)

        def attempt(number: int) -> _Attempt:
            try:
                result = self._evaluate(stmt)
            except CannotEvaluate as err:
                made[0] = number
                emit(f"Could not evaluate (attempt {number}): {err}")
                _log.warning(
                    "attempt %d/%d of %s: could not evaluate: %s", number, times, stmt.text, err
                )
                raise
            made[0] = number
            emit(*result.lines)
            _log.info("attempt %d/%d of %s: %s", number, times, stmt.text, _verdict(result))
            return result

        try:
            tried = retry(
                attempt,
                times=times,
                every=stmt.delay,
                passed=lambda result: result.passed,
                sleep=self._sleep,
            )
        except KeyboardInterrupt as interrupt:
            raise TryInterrupted(tuple(lines), made[0], str(interrupt) or "Ctrl-C") from None
        last = tried.last
        if isinstance(last, CannotEvaluate):
            raise CannotEvaluate(
                f"{last} (last of {tried.attempts} attempts of: {stmt.text})",
                retryable=last.retryable,
            ) from last
        return self._result(
            stmt, last, lines=tuple(lines), attempts=tried.attempts, elapsed=tried.elapsed
        )

    def _result(
        self,
        stmt: Statement,
        last: _Attempt,
        *,
        lines: tuple[str, ...],
        attempts: int,
        elapsed: float,
    ) -> DetikResult:
        """The result of a statement: verified when its last attempt passed."""
        return DetikResult(
            sentence=stmt.text,
            status=DetikStatus.VERIFIED if last.passed else DetikStatus.NOT_VERIFIED,
            lines=lines,
            attempts=attempts,
            elapsed=elapsed,
            rows=last.rows,
            statement=stmt,
            query=self._query(stmt),
            last_attempt=last.lines,
            seen=last.seen,
            offenders=last.offenders,
            headline=last.headline,
        )

    # ------------------------------------------------------------------ one evaluation

    def _evaluate(self, stmt: Statement) -> _Attempt:
        try:
            rows = self.source.rows(self._query(stmt))
        except JsonPathError as err:  # the cluster answered; the property fails on its data
            line = messages.cannot_read_property(err)
            return _Attempt(passed=False, lines=(line,), rows=(), seen=0, headline=line[:-1])
        name = compile_ere(stmt.name)
        kept = tuple((n, v) for n, v in rows if name.search(n))
        if stmt.form == "count":
            assert stmt.count is not None
            passed = _compare(len(kept), stmt.op, stmt.count)
            line = messages.found(
                len(kept), stmt.resource, stmt.name, stmt.op, stmt.expected, passed
            )
            return _Attempt(
                passed=passed,
                lines=(line,),
                rows=kept,
                seen=len(rows),
                headline=headline.failed(stmt, kept, offenders=(), valid=0, seen=len(rows)),
            )
        lines: list[str] = []
        good: list[Row] = []
        bad: list[Row] = []
        if not kept and not (stmt.form == "find" and stmt.count == 0):
            lines.append(messages.no_resource(stmt.resource, stmt.name))
        for element, value in kept:
            ok, line = self._check_value(stmt, element, value)
            lines.append(line)
            (good if ok else bad).append((element, value))
        valid = len(good)
        if stmt.form == "find":
            assert stmt.count is not None
            passed = valid == stmt.count
            offenders = bad if valid < stmt.count else good  # too few valid, or too many
            if not passed:
                expected = stmt.expected.lower() if stmt.op == "is" else stmt.expected
                lines.append(
                    messages.expected_count(
                        stmt.count, stmt.resource, stmt.name, stmt.op, expected, valid
                    )
                )
        else:
            passed = not bad and valid > 0
            offenders = bad
        return _Attempt(
            passed=passed,
            lines=tuple(lines),
            rows=kept,
            seen=len(rows),
            offenders=tuple(offenders),
            headline=headline.failed(stmt, kept, offenders=offenders, valid=valid, seen=len(rows)),
        )

    def _check_value(self, stmt: Statement, element: str, value: str) -> tuple[bool, str]:
        if stmt.op == "is":
            lowered = value.lower()
            if lowered == stmt.expected.lower():
                return True, messages.right_value(element, lowered)
            return False, messages.current_value(element, lowered)
        if stmt.op == "matches":
            shown = value.lower() if self.regex_case_insensitive else value
            if compile_ere(stmt.expected).search(shown):
                return True, messages.matches_regex(element, shown)
            return False, messages.current_value(element, shown)
        number = _integer(value)
        if number is not None and _compare(number, stmt.op, int(stmt.expected)):
            return True, messages.matches_regex(element, value)
        return False, messages.not_compared(element, stmt.op, stmt.expected)


def _verdict(attempt: _Attempt) -> str:
    if attempt.passed:
        return "verified"
    return attempt.lines[-1] if attempt.lines else "not verified"


def _compare(actual: int, op: str, expected: int) -> bool:
    if op == ">":
        return actual > expected
    if op == "<":
        return actual < expected
    return actual == expected


def _integer(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None

"""The error types of clusterready, one for each outcome that is not "passed".

- :class:`CheckFailed`: a check saw the wrong state (an ``AssertionError``; exit 1).
- :class:`CannotEvaluate`: the check could not look (cluster or AWS unreachable,
  credentials, throttled beyond retries; exit 75, which Argo may retry);
  :class:`Interrupted`: a deadline or a signal ended it (also exit 75).
- :class:`UsageError` and its kinds :class:`SpecError`, :class:`DetikSyntaxError`:
  the input is wrong (exit 4, found before anything touches a cluster).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from clusterready.limits import shown


class ObjectRef(NamedTuple):
    """One Kubernetes object a check is about: its Kind, name and namespace.

    >>> str(ObjectRef("Pod", "coredns-5d78c9869d-4xj2k", "kube-system"))
    'Pod kube-system/coredns-5d78c9869d-4xj2k'
    >>> str(ObjectRef("Node", "ip-10-0-1-5.ec2.internal"))
    'Node ip-10-0-1-5.ec2.internal'
    """

    kind: str
    name: str
    namespace: str | None = None

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.namespace}/{self.name}"
            if self.namespace
            else (f"{self.kind} {self.name}")
        )


class ClusterReadyError(Exception):
    """Base class of every error clusterready raises on purpose."""


class CheckFailed(AssertionError):
    """A check observed a state other than the expected one.

    >>> raise CheckFailed("2 pods expected, 1 found")
    Traceback (most recent call last):
    ...
    clusterready.errors.CheckFailed: 2 pods expected, 1 found

    ``subjects`` names the objects the failure is about; the report gathers their
    diagnostics (conditions, container states, events, logs).

    >>> CheckFailed("not ready", subjects=[ObjectRef("Pod", "web-1", "demo")]).subjects
    (ObjectRef(kind='Pod', name='web-1', namespace='demo'),)
    """

    def __init__(self, message: str = "", *, subjects: Iterable[ObjectRef] = ()) -> None:
        super().__init__(message)
        self.subjects: tuple[ObjectRef, ...] = tuple(subjects)


class CannotEvaluate(ClusterReadyError):
    """The check could not observe the state it was asked about.

    Raised for an unreachable API server, missing or rejected credentials,
    throttling beyond the retry budget: nothing was proved either way.

    ``retryable`` is False when trying again cannot help (credentials refused,
    an unknown resource type, a back end known down): a DETIK try stops at once.

    >>> err = CannotEvaluate("cluster 'demo': GET /api/v1/pods: 401 Unauthorized", retryable=False)
    >>> str(err), err.retryable
    ("cluster 'demo': GET /api/v1/pods: 401 Unauthorized", False)
    """

    retryable: bool = True

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class Interrupted(BaseException):
    """The run's deadline, a check's deadline, SIGTERM or SIGINT ended a check.

    A BaseException, so that no ``except Exception`` (nor a DETIK try) mistakes
    it for one failed attempt; the check is reported as could-not-evaluate.
    """


class UsageError(ClusterReadyError):
    """The input (spec, option, sentence) is wrong; nothing was run."""


class SpecError(UsageError):
    """A cluster spec, a parameter or an override is malformed.

    The message is one line: where (source and key path), what was expected,
    what was found.

    >>> str(SpecError("expected an integer", found="'many'", path="preflight.min_free_ips",
    ...               source="spec.yaml"))
    "spec.yaml: preflight.min_free_ips: expected an integer, found 'many'"
    """

    def __init__(
        self, expected: str, *, found: str | None = None, path: str = "", source: str = ""
    ) -> None:
        self.expected = expected
        self.found = found
        self.path = path
        self.source = source
        super().__init__(self._render())

    def _render(self) -> str:
        where = ": ".join(part for part in (self.source, self.path) if part)
        what = self.expected if self.found is None else f"{self.expected}, found {self.found}"
        return f"{where}: {what}" if where else what

    def located(self, *, source: str | None = None, prefix: str | None = None) -> SpecError:
        """Return a copy placed in a source and/or under a parent key path."""
        path = self.path
        if prefix:
            path = f"{prefix}.{path}" if path and not path.startswith("[") else f"{prefix}{path}"
        return SpecError(
            self.expected,
            found=self.found,
            path=path,
            source=self.source or source or "",
        )


class DetikSyntaxError(UsageError):
    """A DETIK sentence does not follow the grammar.

    The message is one line: where (``column``, 1-based; 0 for the whole
    sentence), what was ``expected``, what was ``found``, in which ``sentence``
    (control characters escaped, a long one cut); ``hint`` says what to do.

    >>> print(DetikSyntaxError("'named'", found="'nammed'", sentence="there is 1 pod nammed 'x'",
    ...                        column=16))
    column 16: expected 'named', found 'nammed' in "there is 1 pod nammed 'x'"
    >>> print(DetikSyntaxError("a try sentence", found="a verify sentence", sentence="there",
    ...                        hint="use verify()"))
    expected a try sentence, found a verify sentence (use verify()) in "there"
    """

    def __init__(
        self, expected: str, *, found: str, sentence: str, column: int = 0, hint: str = ""
    ) -> None:
        self.expected = expected
        self.found = found
        self.sentence = sentence
        self.column = column
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        plain = len(self.sentence) <= 200 and self.sentence.isprintable()
        quoted = f'"{self.sentence}"' if plain else shown(self.sentence, 200)
        where = f"column {self.column}: " if self.column else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}expected {self.expected}, found {self.found}{hint} in {quoted}"

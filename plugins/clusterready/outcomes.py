"""The three outcomes of a check and the exit codes of a run.

>>> int(ExitCode.CANNOT_EVALUATE)
75
>>> Outcome.CANNOT_EVALUATE.value
'cannot-evaluate'
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Exit codes of ``pytest`` with clusterready and of the ``clusterready`` command.

    Argo retries :attr:`CANNOT_EVALUATE` (75, ``EX_TEMPFAIL``), never :attr:`CHECKS_FAILED`.
    """

    OK = 0
    CHECKS_FAILED = 1
    INTERRUPTED = 2
    INTERNAL_ERROR = 3
    USAGE_ERROR = 4
    NO_TESTS = 5
    CANNOT_EVALUATE = 75


#: What each exit code of a run means, as the summary and ``clusterready run --help`` say.
EXIT_MEANING = {
    0: "all checks passed",
    1: "at least one check failed",
    2: "the run was interrupted",
    3: "internal error",
    4: "usage error (spec, option or sentence)",
    5: "nothing was checked (no test selected, or every selected test skipped)",
    75: "nothing failed, but some checks could not be evaluated (retry later)",
}


class Outcome(enum.StrEnum):
    """What one test came to, as the JSON summary spells it."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANNOT_EVALUATE = "cannot-evaluate"


def run_exit_code(*, failed: int, cannot_evaluate: int, pytest_code: int) -> ExitCode | int:
    """The exit code of a run: failures win over cannot-evaluate, which wins over pass.

    >>> run_exit_code(failed=0, cannot_evaluate=2, pytest_code=1)
    <ExitCode.CANNOT_EVALUATE: 75>
    >>> run_exit_code(failed=1, cannot_evaluate=2, pytest_code=1)
    1
    """
    if pytest_code == ExitCode.CHECKS_FAILED and failed == 0 and cannot_evaluate > 0:
        return ExitCode.CANNOT_EVALUATE
    return pytest_code

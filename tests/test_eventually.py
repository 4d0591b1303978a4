"""eventually(...): the bounded retry of plain-Python checks, and the run's cap on it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from clusterready import CannotEvaluate, CheckFailed, Eventually, eventually
from clusterready.errors import Interrupted, ObjectRef
from clusterready.testing import FakeCluster


class Flaky:
    """A check that fails (raises each of ``errors`` in turn) and then passes."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "passed"


def recorder() -> tuple[list[float], Callable[[float], None]]:
    waits: list[float] = []
    return waits, waits.append


def test_it_returns_what_the_check_returned_once_it_passes() -> None:
    waits, sleep = recorder()
    check = Flaky(CheckFailed("1 of 2"), CheckFailed("1 of 2"))
    assert eventually(check, times=5, every=2, sleep=sleep) == "passed"
    assert check.calls == 3
    assert waits == [2, 2]  # the first attempt at once, one wait between two attempts


def test_the_last_failure_is_raised_after_n_attempts_with_its_subjects() -> None:
    waits, sleep = recorder()
    pod = ObjectRef("Pod", "web-1", "demo")
    check = Flaky(CheckFailed("first"), CheckFailed("second"), CheckFailed("last", subjects=[pod]))
    with pytest.raises(CheckFailed, match=r"^last \(after 3 attempts in \d+\.\ds\)$") as caught:
        eventually(check, times=3, every=1, sleep=sleep)
    assert caught.value.subjects == (pod,)
    assert waits == [1, 1]  # no wait after the last attempt


def test_a_cannot_evaluate_that_no_retry_fixes_stops_at_once() -> None:
    check = Flaky(CannotEvaluate("401 Unauthorized", retryable=False))
    with pytest.raises(CannotEvaluate, match=r"401 Unauthorized \(the last of 1 attempt\)") as e:
        eventually(check, times=5, every=1, sleep=recorder()[1])
    assert check.calls == 1
    assert e.value.retryable is False


def test_a_transient_cannot_evaluate_is_a_failed_attempt() -> None:
    check = Flaky(CannotEvaluate("503 Service Unavailable"))
    assert eventually(check, times=2, every=1, sleep=recorder()[1]) == "passed"


def test_a_cannot_evaluate_on_the_last_attempt_is_raised() -> None:
    check = Flaky(CheckFailed("not ready"), CannotEvaluate("503 Service Unavailable"))
    with pytest.raises(CannotEvaluate, match=r"503 Service Unavailable \(the last of 2 attempts"):
        eventually(check, times=2, every=1, sleep=recorder()[1])


def test_any_other_error_is_not_retried() -> None:
    check = Flaky(KeyError("status"))
    with pytest.raises(KeyError):
        eventually(check, times=5, every=1, sleep=recorder()[1])
    assert check.calls == 1


def test_max_attempts_caps_the_attempts() -> None:
    check = Flaky(*[CheckFailed("no")] * 5)
    with pytest.raises(CheckFailed, match=r"after 2 attempts"):
        Eventually(max_attempts=2, sleep=recorder()[1])(check, times=12, every=5)
    assert check.calls == 2


def test_a_cap_above_the_checks_own_attempts_changes_nothing() -> None:
    check = Flaky(*[CheckFailed("no")] * 5)
    with pytest.raises(CheckFailed, match=r"after 3 attempts"):
        eventually(check, times=3, every=0, max_attempts=10)


PLAIN_CHECK = """
from clusterready import CheckFailed

calls = []

def test_never_ready(eventually):
    def check():
        calls.append(1)
        raise CheckFailed(f"attempt {len(calls)}: not ready")
    eventually(check, times=12, every=0)
"""


@pytest.mark.parametrize("option", ["--max-attempts", "--detik-max-attempts"])
def test_the_run_option_caps_the_eventually_fixture(pytester: pytest.Pytester, option: str) -> None:
    pytester.makepyfile(PLAIN_CHECK)
    result = pytester.runpytest_inprocess(option, "2")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*CheckFailed: attempt 2: not ready (after 2 attempts in *s)"])


def test_the_run_option_caps_detik_tries_too(
    pytester: pytest.Pytester, fake_cluster: FakeCluster
) -> None:
    pytester.makepyfile(
        """
        def test_try(detik):
            result = detik.try_("at most 5 times every 0s to find 1 pods named 'x' "
                                "with 'status' being 'running'", check=False)
            assert result.attempts == 1
        """
    )
    result = pytester.runpytest_inprocess(
        "--kubeconfig", fake_cluster.kubeconfig, "--max-attempts", "1"
    )
    assert result.ret == 0


def test_an_interruption_is_never_one_failed_attempt() -> None:
    check = Flaky(Interrupted("the check's deadline of 1s passed"))
    with pytest.raises(Interrupted):
        eventually(check, times=5, every=1, sleep=recorder()[1])
    assert check.calls == 1


def test_the_checks_deadline_ends_an_eventually_while_it_waits(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PLAIN_CHECK.replace("every=0", "every=30"))
    result = pytester.runpytest_inprocess("--set", "run.check_deadline=1", "-rA")
    assert result.ret == 75
    result.stdout.fnmatch_lines(["*Interrupted: the check's deadline of 1s passed*"])


def test_each_failed_attempt_is_logged_with_its_first_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def two_pods() -> str:
        raise CheckFailed("1 of 2 pods ready\nPod demo/web-2: Pending")

    caplog.set_level("INFO", logger="clusterready.retry")
    with pytest.raises(CheckFailed):
        eventually(two_pods, times=2, every=0)
    assert [r.getMessage() for r in caplog.records] == [
        "attempt 1/2 of test_each_failed_attempt_is_logged_with_its_first_line.<locals>.two_pods:"
        " 1 of 2 pods ready",
        "attempt 2/2 of test_each_failed_attempt_is_logged_with_its_first_line.<locals>.two_pods:"
        " 1 of 2 pods ready",
    ]

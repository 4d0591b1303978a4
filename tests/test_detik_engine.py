"""Detik's engine and sources: outcomes, check modes, retries, errors, the Python linter."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from clusterready.detik import Detik, KubectlSource, Query, StaticSource
from clusterready.detik.lint import lint
from clusterready.errors import CannotEvaluate, CheckFailed, DetikSyntaxError

PODS = StaticSource([("nginx-1", "Running"), ("nginx-2", "Pending"), ("db-1", "Running")])


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_outcome_of_a_passing_verify() -> None:
    outcome = Detik(PODS).verify("'status' is 'running' for pods named 'db'")
    assert outcome.passed
    assert (outcome.status, outcome.attempts, outcome.rows) == (0, 1, (("db-1", "Running"),))
    assert outcome.statement is not None
    assert outcome.query == Query("pods", ".status.phase")
    assert outcome.elapsed >= 0


def test_check_true_raises_check_failed_with_the_observed_state() -> None:
    with pytest.raises(CheckFailed) as err:
        Detik(PODS).verify("'status' is 'running' for pods named 'nginx'")
    assert isinstance(err.value, AssertionError)
    assert str(err.value).splitlines() == [
        "'status' of pods named 'nginx' expected to be 'running': nginx-2 is 'Pending' "
        "(1 attempt in " + str(err.value).split(" in ", 1)[1].split("\n")[0],
        "  verify \"'status' is 'running' for pods named 'nginx'\"",
        "  query: pods in the default namespace, property .status.phase",
        "  last attempt:",
        "    nginx-1 has the right value (running).",
        "    Current value for nginx-2 is pending...",
        "  observed (name, value):",
        "    nginx-1  Running",
        "    nginx-2  Pending",
    ]


FAILED_LAST = StaticSource(
    [("web-1", "Pending"), ("web-2", "CrashLoopBackOff"), ("web-3", "Running")]
)


@pytest.mark.parametrize(
    ("verb", "sentence", "headline"),
    [
        (
            "verify",
            "'status' is 'running' for pods named 'web'",
            "'status' of pods named 'web' expected to be 'running': web-1 is 'Pending', "
            "web-2 is 'CrashLoopBackOff'",
        ),
        (
            "try",
            "at most 1 times every 1s to get pods named 'web' and verify that 'status' "
            "matches '^Run'",
            "'status' of pods named 'web' expected to match '^Run': web-1 is 'Pending', "
            "web-2 is 'CrashLoopBackOff'",
        ),
        (
            "try",
            "at most 1 times every 1s to find 3 pods named 'web' with 'status' being 'running'",
            "3 pods named 'web' expected with 'status' being 'running', 1 found: web-1 is "
            "'Pending', web-2 is 'CrashLoopBackOff'",
        ),
        (
            "try",
            "at most 1 times every 1s to find 0 pods named 'web' with 'status' being 'running'",
            "0 pods named 'web' expected with 'status' being 'running', 1 found: web-3 is "
            "'Running'",  # too many: the offender is the one with the value
        ),
        (
            "verify",
            "there are more than 3 pods named 'web'",
            "more than 3 pods named 'web' expected, 3 found: web-1, web-2, web-3",
        ),
        (
            "verify",
            "there is 1 pod named 'db'",
            "1 pod named 'db' expected, 0 found among the 3 listed",
        ),
        (
            "verify",
            "'status' is 'running' for pods named 'db'",
            "'status' of pods named 'db' expected to be 'running': none among the 3 listed",
        ),
    ],
)
def test_a_failure_headline_names_what_failed_never_a_passing_line(
    verb: str, sentence: str, headline: str
) -> None:
    """The last DETIK line may report a pass ("web-3 has the right value (running)."):
    the headline (pytest's summary, the JSON message) says what failed instead."""
    detik = Detik(FAILED_LAST)
    run = detik.verify if verb == "verify" else detik.try_
    with pytest.raises(CheckFailed) as err:
        run(sentence)
    first, second = str(err.value).splitlines()[:2]
    assert first.rsplit(" (1 attempt in ", 1)[0] == headline
    assert second == f'  {verb} "{sentence}"'
    assert err.value.subjects == ()  # a StaticSource knows no kinds: nothing to diagnose


def test_a_failure_headline_names_at_most_three_objects() -> None:
    source = StaticSource([(f"web-{i}", "Pending") for i in range(5)])
    with pytest.raises(CheckFailed) as err:
        Detik(source).verify("'status' is 'running' for pods named 'web'")
    assert (
        str(err.value)
        .splitlines()[0]
        .startswith(
            "'status' of pods named 'web' expected to be 'running': web-0 is 'Pending', web-1 is "
            "'Pending', web-2 is 'Pending' and 2 more (1 attempt in "
        )
    )


def test_a_failure_with_nothing_found_says_how_many_were_listed() -> None:
    with pytest.raises(CheckFailed) as err:
        Detik(PODS).verify("there is 1 pod named 'redis'")
    assert "observed: no pod named 'redis' among 3 listed" in str(err.value)


def test_check_false_returns_the_outcome() -> None:
    detik = Detik(PODS)
    assert detik.verify("there are 3 pods named 'nginx'", check=False).status == 3
    assert detik.verify("there are pods", check=False).lines == (  # detik: ignore
        "Invalid expression: it does not respect the expected syntax.",
    )
    assert detik.verify("", check=False).status == 1  # detik: ignore


def test_check_true_raises_syntax_errors() -> None:
    with pytest.raises(DetikSyntaxError, match="column 11"):
        Detik(PODS).verify("there are pods named 'x'")


def test_verb_mismatch_says_which_method_to_use() -> None:
    with pytest.raises(
        DetikSyntaxError,
        match=r"expected a verify sentence, found a try "
        r"sentence \(use try_\(\)\)",
    ):
        Detik(PODS).verify("at most 1 times every 1s to find 1 pod named 'x' with 'a' being 'b'")
    assert Detik(PODS).try_("there is 1 pod named 'db'", check=False).status == 2


def test_cannot_evaluate_only_when_the_last_attempt_errored() -> None:
    class Down:
        def rows(self, query: Query) -> list[tuple[str, str]]:
            raise CannotEvaluate("cluster 'x': connection refused")

    sleeps = Sleeps()
    with pytest.raises(CannotEvaluate) as err:
        Detik(Down(), sleep=sleeps).try_(
            "at most 3 times every 2s to get pods named 'a' and verify that 'status' is 'b'",
            check=False,
        )
    assert str(err.value) == (
        "cluster 'x': connection refused (last of 3 attempts of: at most "
        "3 times every 2s to get pods named 'a' and verify that 'status' "
        "is 'b')"
    )
    assert sleeps == [2, 2]


def test_regex_case_insensitive_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETIK_REGEX_CASE_INSENSITIVE_PROPERTIES", "TRUE")
    assert Detik(PODS).verify("'status' matches 'running' for pods named 'db'").passed
    assert (
        not Detik(PODS, regex_case_insensitive=False)
        .verify("'status' matches 'running' for pods named 'db'", check=False)
        .passed
    )


def test_kubectl_source_namespace_flags(tmp_path: Path) -> None:
    log = tmp_path / "args"
    client = tmp_path / "oc"
    client.write_text(f"#!/bin/bash\necho \"$*\" > {log}\nprintf 'NAME   PROP\\n'\n")
    client.chmod(client.stat().st_mode | stat.S_IEXEC)
    Detik(KubectlSource(str(client)), namespace="ns1", all_namespaces=True).verify(
        "there is 0 pod named 'x'"
    )
    assert log.read_text().split() == [
        "get",
        "pod",
        "-o",
        "custom-columns=NAME:.metadata.name",
        "--namespace=ns1",
    ]
    Detik(KubectlSource(str(client)), all_namespaces=True).verify(
        "'port' is '1' for svc named 'x'", check=False
    )
    assert log.read_text().split() == [
        "get",
        "svc",
        "-o",
        "custom-columns=NAME:.metadata.name,PROP:.spec.ports[*].port",
        "--all-namespaces",
    ]


def test_kubectl_source_timeout(tmp_path: Path) -> None:
    client = tmp_path / "slow"
    client.write_text("#!/bin/bash\nsleep 30\n")
    client.chmod(client.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(CannotEvaluate, match=r"no answer within 0\.2s"):
        Detik(KubectlSource([str(client)], timeout=0.2)).verify("there is 0 pod named 'x'")


def test_kubectl_source_needs_a_command() -> None:
    with pytest.raises(ValueError, match="needs a client command"):
        KubectlSource([])


def test_python_lint(tmp_path: Path) -> None:
    module = tmp_path / "test_addon.py"
    module.write_text(
        "def test_a(detik):\n"
        "    detik.verify(\"there are 2 pods named 'a'\")\n"
        "    detik.try_(\"there are 2 pods named 'a'\")\n"
        "    self.detik.verify(\"'status' iz 'x' for pods named 'a'\")\n"
        "    detik.verify(sentence_from_elsewhere)\n"
        '    other.verify("not a detik sentence")\n'
    )
    report = lint(module)
    assert report.statements == 3
    assert [(e.line, e.summary) for e in report.errors] == [
        (3, "Invalid TRY statement at line 3."),
        (4, "Invalid VERIFY statement at line 4."),
    ]
    assert "expected a try sentence, found a verify sentence" in report.errors[0].message
    assert not report.ok


def test_python_lint_of_invalid_python(tmp_path: Path) -> None:
    module = tmp_path / "test_broken.py"
    module.write_text("def test(:\n")
    assert lint(module).errors[0].message.startswith("not valid Python")


def test_python_lint_waiver(tmp_path: Path) -> None:
    module = tmp_path / "test_negative.py"
    module.write_text(
        "def test_a(detik):\n"
        '    detik.verify("there are pods", check=False)  # detik: ignore\n'
        '    detik.verify("there are pods")\n'
    )
    assert [e.line for e in lint(module).errors] == [3]

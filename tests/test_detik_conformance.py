"""Conformance with bats-detik v1.4.0: every verify, try and lint case of
tests/data/detik/cases.jsonl (taken from bats-detik's own suite; provenance and
license in tests/data/detik/README.md).

Each verify/try case runs twice:

- through KubectlSource against a bash mock client that behaves as the case's
  mock does (its output, its namespace-flag rule, its "answers from call N"),
  and logs its arguments, so the client command lines are compared too;
- through StaticSource with the case's rows, where the mock answers every call
  the same way.

Status and message lines must match exactly, except for the deliberate
deviations of docs/detik-compat.md, each asserted here as its new behaviour.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import stat
from pathlib import Path
from typing import Any

import pytest

from clusterready.detik import Detik, KubectlSource, StaticSource
from clusterready.detik.lint import lint
from clusterready.errors import CannotEvaluate
from conftest import ROOT

DATA = ROOT / "tests" / "data" / "detik"
CASES_FILE = DATA / "cases.jsonl"


def load_cases() -> list[dict[str, Any]]:
    if not CASES_FILE.is_file():
        return []
    return [json.loads(line) for line in CASES_FILE.read_text().splitlines() if line.strip()]


CASES = load_cases()
CHECKS = [c for c in CASES if c["function"] in ("verify", "try")]
LINTS = [c for c in CASES if c["function"] == "lint"]

#: Cases whose mock client fails (exit 1, no output). bats-detik ignores the exit
#: status and reads "0 found"; we raise CannotEvaluate (docs/detik-compat.md, D1).
CLIENT_ERROR_CASES = {"verify-L116", "try-find-being-L85", "try-find-matching-L141"}


def test_the_conformance_cases_are_here() -> None:
    assert CASES_FILE.is_file(), f"the conformance cases are missing: {CASES_FILE}"
    assert len(CHECKS) == 103
    assert len(LINTS) == 10


def test_the_cases_are_the_ones_the_provenance_names() -> None:
    """tests/data/detik/README.md gives the file's sha256: a changed file changes it too."""
    declared = re.search(
        r"sha256 of `cases.jsonl`: `([0-9a-f]{64})`", (DATA / "README.md").read_text()
    )
    assert declared, "tests/data/detik/README.md gives no sha256 of cases.jsonl"
    assert hashlib.sha256(CASES_FILE.read_bytes()).hexdigest() == declared.group(1)
    assert "MIT License" in (DATA / "LICENSE").read_text()


MOCK = """#!/bin/bash
printf '%s\\x1f' "$@" >> {log}; printf '\\n' >> {log}
calls=$(( $(cat {counter} 2>/dev/null || echo 0) + 1 )); echo $calls > {counter}
last="${{@: -1}}"
rule={rule}
if [ "$rule" = must_not_be_a_namespace_flag ]; then
  case "$last" in --namespace=test_ns|--all-namespaces) exit 1 ;; esac
elif [ "$rule" = must_be_namespace ]; then
  case "$last" in --namespace=test_ns|--all-namespaces) ;; *) exit 1 ;; esac
fi
[ "$calls" -lt {answers_from} ] && exit 0
cat {stdout}
"""


def make_mock(case: dict[str, Any], tmp_path: Path) -> tuple[Path, Path]:
    mock = case["resources"]["mock_client"]
    (tmp_path / "stdout").write_text(mock["stdout"])
    rule = {"must_be_--namespace=test_ns_or_--all-namespaces": "must_be_namespace"}.get(
        mock["last_arg"], mock["last_arg"] or "none"
    )
    log = tmp_path / "calls.log"
    script = tmp_path / case["resources"]["client_function"]
    script.write_text(
        MOCK.format(
            log=shlex.quote(str(log)),
            counter=shlex.quote(str(tmp_path / "count")),
            rule=rule,
            answers_from=mock["answers_from_call"],
            stdout=shlex.quote(str(tmp_path / "stdout")),
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, log


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def detik_for(case: dict[str, Any], source: Any, sleeps: Sleeps) -> Detik:
    env = case["env"]
    return Detik(
        source,
        namespace=env.get("DETIK_CLIENT_NAMESPACE") or None,
        all_namespaces=(env.get("DETIK_CLIENT_NAMESPACE_ALL") or "").lower() == "true",
        regex_case_insensitive=(env.get("DETIK_REGEX_CASE_INSENSITIVE_PROPERTIES") or "").lower()
        == "true",
        sleep=sleeps,
    )


def run(case: dict[str, Any], detik: Detik) -> Any:
    call = detik.try_ if case["function"] == "try" else detik.verify
    return call(case["sentence"], check=False)


@pytest.mark.parametrize("case", CHECKS, ids=[c["id"] for c in CHECKS])
def test_case_through_a_client_command(case: dict[str, Any], tmp_path: Path) -> None:
    script, log = make_mock(case, tmp_path)
    sleeps = Sleeps()
    detik = detik_for(case, KubectlSource([str(script)]), sleeps)
    if case["id"] in CLIENT_ERROR_CASES:
        with pytest.raises(CannotEvaluate, match=r": exit 1: no error message"):
            run(case, detik)
        return
    outcome = run(case, detik)
    assert outcome.status == case["expected_status"]
    assert list(outcome.lines) == case["expected_output_lines"]
    calls = (
        [line.split("\x1f")[:-1] for line in log.read_text().splitlines()] if (log.exists()) else []
    )
    expected = [shlex.split(command)[1:] for command in case["kubectl_commands"] or []]
    assert calls == expected  # the client saw exactly bats-detik's arguments
    if outcome.attempts:
        assert outcome.attempts == len(expected)
    delay = outcome.statement.delay if outcome.statement else None
    assert sleeps == [delay] * (len(calls) - 1)  # between attempts, never after the last


def unconditional(case: dict[str, Any]) -> bool:
    mock = case["resources"]["mock_client"]
    namespaced = bool(case["env"].get("DETIK_CLIENT_NAMESPACE")) or (
        (case["env"].get("DETIK_CLIENT_NAMESPACE_ALL") or "").lower() == "true"
    )
    rule_ok = mock["last_arg"] is None or (
        (mock["last_arg"] == "must_not_be_a_namespace_flag") != namespaced
    )
    return mock["answers_from_call"] == 1 and rule_ok


STATIC = [c for c in CHECKS if unconditional(c)]


@pytest.mark.parametrize("case", STATIC, ids=[c["id"] for c in STATIC])
def test_case_through_static_rows(case: dict[str, Any]) -> None:
    rows = [(r["name"], r["value"]) for r in case["resources"]["parsed"][0]["rows"]]
    outcome = run(case, detik_for(case, StaticSource(rows), Sleeps()))
    assert outcome.status == case["expected_status"]
    assert list(outcome.lines) == case["expected_output_lines"]


@pytest.mark.parametrize("case", LINTS, ids=[c["id"] for c in LINTS])
def test_lint_case(case: dict[str, Any], tmp_path: Path) -> None:
    content = case["resources"].get("lint_file_content")
    if content is None:
        report = lint(case["args"][0])
    else:
        path = tmp_path / Path(case["resources"]["lint_file"]).name
        path.write_text(content)
        report = lint(path)
    assert report.lines() == case["expected_output_lines"]
    assert report.status() == case["expected_status"]

"""docs/running.md and the README's `clusterready run` lines: their examples run.

The doc's files (python blocks headed `# path`) are written and its console commands
run in order, in an empty directory holding `spec.yaml` for a seeded moto account;
each command's documented output lines must appear in what it printed, in order
(`...` skips lines, timings match any). Runs are in-process, as in tests/test_run.py.
"""

from __future__ import annotations

import glob
import json
import re
import shlex
import shutil
from typing import Any

import pytest

from clusterready.cli import main
from clusterready.suites import run_arguments
from conftest import ROOT
from test_docs import blocks, console_commands
from test_preflight_suite import account  # noqa: F401  (the seeded moto account fixture)

DOC = ROOT / "docs" / "running.md"


def execute(
    pytester: pytest.Pytester, command: str, capsys: pytest.CaptureFixture[str], code: int = 0
) -> str:
    """Run one `clusterready ...` line in pytester's directory; what it printed."""
    argv = shlex.split(command)
    assert argv[0] == "clusterready", command
    expanded = [m for a in argv[1:] for m in (sorted(glob.glob(a)) if "*" in a else [a])]
    if expanded[0] == "run":
        result = pytester.runpytest_inprocess(*run_arguments(expanded[1], expanded[2:]))
        assert result.ret == code, result.stdout.str()
        return result.stdout.str()
    capsys.readouterr()
    assert main(expanded) == code
    return capsys.readouterr().out


def documented_code(output: list[str]) -> int:
    """The exit code a command's documented output states (`clusterready: ...: exit 5`)."""
    stated = [re.fullmatch(r"clusterready: .*: exit (\d+)", line) for line in output]
    return next((int(m[1]) for m in stated if m), 0)


def expected(lines: list[str]) -> list[str]:
    """fnmatch patterns: a timing matches any, a '[' is itself (test ids have them), and
    pytest's last line may count more (", 1 warning" when run inside another pytest)."""
    patterns = []
    for line in lines:
        if line and line != "...":
            line = re.sub(r" in \d+\.\d+s$", "* in *s", line.replace("[", "[[]"))
            patterns.append(re.sub(r"\d+\.\d+s", "*s", line))
    return patterns


def test_running_doc_examples_run(
    pytester: pytest.Pytester,
    account: dict[str, Any],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    (pytester.path / "spec.yaml").write_text(json.dumps(account))
    for block in blocks(DOC, "python"):
        header, _, body = block.partition("\n")
        path = pytester.path / header.removeprefix("# ")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    ran = 0
    for command, output in console_commands(DOC):
        printed = execute(pytester, command, capsys, documented_code(output))
        pytest.LineMatcher(printed.splitlines()).fnmatch_lines(expected(output))
        ran += 1
    assert ran >= 8
    merged = json.loads((pytester.path / "out" / "all.json").read_text())
    whole = json.loads((pytester.path / "out" / "preflight.json").read_text())
    assert [t["id"] for t in merged["tests"]] == [t["id"] for t in whole["tests"]]


def test_readme_run_commands_collect(pytester: pytest.Pytester) -> None:
    """Every `clusterready run` of the README is a valid command line (collected only)."""
    shutil.copytree(ROOT / "examples", pytester.path / "examples")
    event = pytester.path / "event.json"
    shutil.copy(ROOT / "examples" / "argo" / "event-payload.json", event)
    commands = [
        c for c, _ in console_commands(ROOT / "README.md") if c.startswith("clusterready run")
    ]
    assert len(commands) >= 3
    for command in commands:
        argv = shlex.split(command.replace("/tmp/event.json", str(event)))
        result = pytester.runpytest_inprocess(*run_arguments(argv[2], [*argv[3:], "--co"]))
        assert result.ret == 0, (command, result.stdout.str(), result.stderr.str())

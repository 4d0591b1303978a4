"""The JSON run summary written by ``--json-report``: small, stable, for Argo outputs.

Schema (``"schema": 1``)::

    {"schema": 1, "exit_code": 1, "cluster": "prod-eu", "context": "", "region": "eu-west-1",
     "duration": 1.23,
     "totals": {"total": 3, "passed": 1, "failed": 1, "skipped": 0, "cannot-evaluate": 1},
     "tests": [{"id": "tests_addons/test_x.py::test_y", "outcome": "failed",
                "duration": 0.01, "message": "first line of the failure"}]}

A ``--shard K/N`` run adds ``"shard": {"index": K, "count": N, "selected": S}``, S the
number of tests the whole selection held (None when unknown); ``clusterready merge``
checks the shards against it and drops the key from the merged summary.

>>> s = RunSummary(cluster="demo")
>>> s.record("t.py::test_a", "call", Outcome.PASSED, 0.5)
>>> s.record("t.py::test_a", "teardown", Outcome.FAILED, 0.1, "boom\\nmore")
>>> s.as_dict(exit_code=1)["tests"]
[{'id': 't.py::test_a', 'outcome': 'failed', 'duration': 0.6, 'message': 'boom'}]
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clusterready.outcomes import EXIT_MEANING, Outcome

SCHEMA_VERSION = 1

_RANK = {Outcome.PASSED: 0, Outcome.SKIPPED: 1, Outcome.CANNOT_EVALUATE: 2, Outcome.FAILED: 3}


@dataclass
class TestRecord:
    """One test's combined outcome over its setup, call and teardown phases."""

    __test__ = False  # not a pytest test class

    id: str
    outcome: Outcome = Outcome.PASSED
    duration: float = 0.0
    message: str = ""


@dataclass
class RunSummary:
    """Collects per-phase results and renders the summary document."""

    cluster: str = ""
    context: str = ""
    region: str = ""
    tests: dict[str, TestRecord] = field(default_factory=dict)
    shard: dict[str, int | None] | None = None

    def record(
        self, test_id: str, when: str, outcome: Outcome, duration: float, message: str = ""
    ) -> None:
        """Fold one phase report into the test's record (the worst outcome wins)."""
        rec = self.tests.setdefault(test_id, TestRecord(test_id))
        rec.duration += duration
        if _RANK[outcome] > _RANK[rec.outcome] or (
            outcome is rec.outcome and not rec.message and message
        ):
            rec.outcome = outcome
            rec.message = first_line(message)

    def totals(self) -> dict[str, int]:
        counts = {o.value: 0 for o in Outcome}
        for rec in self.tests.values():
            counts[rec.outcome.value] += 1
        return {"total": len(self.tests), **counts}

    def as_dict(self, *, exit_code: int, duration: float = 0.0) -> dict[str, Any]:
        shard = {} if self.shard is None else {"shard": self.shard}
        return {
            "schema": SCHEMA_VERSION,
            "exit_code": exit_code,
            "cluster": self.cluster,
            "context": self.context,
            "region": self.region,
            "duration": round(duration, 3),
            "totals": self.totals(),
            "tests": [
                {
                    "id": r.id,
                    "outcome": r.outcome.value,
                    "duration": round(r.duration, 3),
                    "message": r.message,
                }
                for r in self.tests.values()
            ],
            **shard,
        }

    def write(self, path: str | os.PathLike[str], *, exit_code: int, duration: float) -> None:
        """Write the summary atomically (a reader never sees half a file).

        Raises :class:`OSError` when it cannot be written, leaving nothing behind.
        """
        problem = path_problem(path)
        if problem:
            raise IsADirectoryError(problem) if Path(path).is_dir() else OSError(problem)
        document = self.as_dict(exit_code=exit_code, duration=duration)
        write_atomically(path, json.dumps(document, indent=2) + "\n")


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed over it; on any
    error the temporary file is removed and the error raised."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def path_problem(path: str | os.PathLike[str]) -> str | None:
    """Why a report could not be written at ``path`` (None when it looks writable):
    checked before a run starts, so a bad path costs nothing.

    >>> path_problem("/")
    "'/' is a directory"
    """
    target = Path(path)
    if target.is_dir():
        return f"{str(path)!r} is a directory"
    parent = target.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"{str(parent)!r} is not a directory"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot write in {str(parent)!r}"
    return None


def first_line(text: str) -> str:
    """The first non-blank line of ``text``, stripped."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


_MARK = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip", "cannot-evaluate": "N/A "}


def render_text(summary: dict[str, Any]) -> str:
    """A readable summary of a run for people (the JSON summary, rendered).

    >>> print(render_text({"exit_code": 0, "cluster": "demo", "duration": 1.5,
    ...     "totals": {"total": 1, "passed": 1, "failed": 0, "skipped": 0, "cannot-evaluate": 0},
    ...     "tests": [{"id": "t.py::test_a", "outcome": "passed", "duration": 0.1,
    ...                "message": ""}]}))
    clusterready summary: cluster demo
      ok    t.py::test_a
    1 tests: 1 passed, 0 failed, 0 skipped, 0 cannot-evaluate in 1.5s
    exit 0: all checks passed
    """
    lines = [f"clusterready summary: cluster {summary.get('cluster') or '-'}"]
    for test in summary["tests"]:
        line = f"  {_MARK[test['outcome']]}  {test['id']}"
        if test["message"] and test["outcome"] != "passed":
            line += f"\n          {test['message']}"
        lines.append(line)
    totals = summary["totals"]
    counts = ", ".join(
        f"{totals[k]} {k}" for k in ("passed", "failed", "skipped", "cannot-evaluate")
    )
    lines.append(f"{totals['total']} tests: {counts} in {summary['duration']}s")
    code = summary["exit_code"]
    lines.append(f"exit {code}: {EXIT_MEANING.get(code, 'unknown')}")
    return "\n".join(lines)

"""The JSON run summary written by ``--json-report``: small, stable, for Argo outputs.

Schema (``"schema": 1``)::

    {"schema": 1, "exit_code": 1, "cluster": "prod-eu", "context": "", "region": "eu-west-1",
     "duration": 1.23,
     "totals": {"total": 3, "passed": 1, "failed": 1, "skipped": 0, "cannot-evaluate": 1},
     "tests": [{"id": "tests_addons/test_x.py::test_y", "outcome": "failed",
                "duration": 0.01, "message": "first line of the failure", "addon": "coredns",
                "diagnostics": {"subjects": [...], "omitted": 0, "problems": []}}],
     "addons": {"coredns": "failed", "istio": "unchecked"}, "unchecked": ["istio"]}

A test's ``addon`` is the add-on it checks (its ``@pytest.mark.addon`` name: a registry
name, ``cluster`` for the cluster-level checks, or null). ``addons`` rolls them up per
add-on, the worst outcome winning (failed over cannot-evaluate over passed over
skipped), and gives ``unchecked`` to each add-on the spec enables that no check of the
run covers (those are also listed in ``unchecked``; :mod:`clusterready.coverage`).

``diagnostics`` is there for a failed check that named the objects it is about
(docs/diagnostics.md): their state as :func:`clusterready.kube.diagnostics.gather`
returns it.

A ``--shard K/N`` run adds ``"shard": {"index": K, "count": N, "selected": S}``, S the
number of tests the whole selection held (None when unknown); ``clusterready merge``
checks the shards against it and drops the key from the merged summary.

>>> s = RunSummary(cluster="demo")
>>> s.record("t.py::test_a", "call", Outcome.PASSED, 0.5)
>>> s.record("t.py::test_a", "teardown", Outcome.FAILED, 0.1, "boom\\nmore")
>>> s.record("t.py::test_b", "call", Outcome.PASSED, 0.2, addon="coredns")
>>> s.as_dict(exit_code=1)["tests"][0]
{'id': 't.py::test_a', 'outcome': 'failed', 'duration': 0.6, 'message': 'boom', 'addon': None}
>>> s.unchecked = ["istio"]
>>> s.as_dict(exit_code=1)["addons"]
{'coredns': 'passed', 'istio': 'unchecked'}
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
#: An add-on's verdict: a pass outweighs a skip (the add-on was checked).
_ROLLUP = {Outcome.SKIPPED: 0, Outcome.PASSED: 1, Outcome.CANNOT_EVALUATE: 2, Outcome.FAILED: 3}
UNCHECKED = "unchecked"


@dataclass
class TestRecord:
    """One test's combined outcome over its setup, call and teardown phases."""

    __test__ = False  # not a pytest test class

    id: str
    outcome: Outcome = Outcome.PASSED
    duration: float = 0.0
    message: str = ""
    addon: str | None = None
    diagnostics: dict[str, Any] | None = None


@dataclass
class RunSummary:
    """Collects per-phase results and renders the summary document."""

    cluster: str = ""
    context: str = ""
    region: str = ""
    tests: dict[str, TestRecord] = field(default_factory=dict)
    shard: dict[str, int | None] | None = None
    unchecked: list[str] = field(default_factory=list)

    def record(
        self,
        test_id: str,
        when: str,
        outcome: Outcome,
        duration: float,
        message: str = "",
        *,
        addon: str | None = None,
        diagnostics: dict[str, Any] | None = None,
    ) -> None:
        """Fold one phase report into the test's record (the worst outcome wins; the
        first failure's diagnostics are kept)."""
        rec = self.tests.setdefault(test_id, TestRecord(test_id, addon=addon))
        rec.duration += duration
        rec.diagnostics = rec.diagnostics or diagnostics
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

    def addons(self) -> dict[str, str]:
        """Each add-on's verdict: its tests' worst outcome, or ``unchecked`` (sorted)."""
        verdicts: dict[str, Outcome] = {}
        for rec in self.tests.values():
            if rec.addon is not None:
                seen = verdicts.get(rec.addon)
                if seen is None or _ROLLUP[rec.outcome] > _ROLLUP[seen]:
                    verdicts[rec.addon] = rec.outcome
        rolled = {name: outcome.value for name, outcome in verdicts.items()}
        rolled.update({name: UNCHECKED for name in self.unchecked if name not in rolled})
        return dict(sorted(rolled.items()))

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
                    "addon": r.addon,
                    **({"diagnostics": r.diagnostics} if r.diagnostics else {}),
                }
                for r in self.tests.values()
            ],
            "addons": self.addons(),
            "unchecked": sorted(self.unchecked),
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
    if summary.get("unchecked"):
        names = summary["unchecked"]
        them = "them" if len(names) > 1 else "it"
        lines.append(f"unchecked: {', '.join(names)} (enabled, no check covers {them})")
    code = summary["exit_code"]
    lines.append(f"exit {code}: {EXIT_MEANING.get(code, 'unknown')}")
    return "\n".join(lines)

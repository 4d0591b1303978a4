"""``clusterready merge``: the fan-in of a sharded run, one summary from many.

The shards' JSON summaries (``--json-report``, see :mod:`clusterready.report`) merge
into the summary the unsharded run would have written: the same tests in the same
order (shards by index; separate runs in the order given), the same totals and the
same exit code (``duration`` is the longest shard's: they ran side by side). An empty
shard adds nothing. The inputs are checked first; a set that could not come from one
run is a usage error with one line.

>>> a = {"schema": 1, "exit_code": 1, "cluster": "prod", "context": "", "region": "",
...      "duration": 2.0, "tests": [{"id": "t.py::a", "outcome": "failed", "duration": 1.0,
...      "message": "boom"}], "shard": {"index": 1, "count": 2, "selected": 2}}
>>> b = {**a, "exit_code": 0, "duration": 3.0, "tests": [{"id": "t.py::b",
...      "outcome": "passed", "duration": 1.0, "message": ""}], "shard": {**a["shard"], "index": 2}}
>>> merged = merge([("a.json", a), ("b.json", b)])
>>> merged["exit_code"], merged["totals"]["failed"], merged["duration"], "shard" in merged
(1, 1, 3.0, False)
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from clusterready.errors import UsageError
from clusterready.files import read_text
from clusterready.outcomes import ExitCode, Outcome
from clusterready.report import SCHEMA_VERSION, RunSummary, TestRecord

Named = tuple[str, dict[str, Any]]

#: A shard's own exit code that says its results are incomplete, worst first.
_BROKEN = (ExitCode.USAGE_ERROR, ExitCode.INTERNAL_ERROR, ExitCode.INTERRUPTED)
_TARGET = ("cluster", "context", "region")


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read one summary; anything but a summary of this schema is a usage error."""
    name = str(path)
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise UsageError(f"{name}: not JSON (line {err.lineno}, column {err.colno})") from None
    _validate(name, data)
    return data  # type: ignore[no-any-return]


def _validate(name: str, data: Any) -> None:
    def fail(what: str) -> UsageError:
        return UsageError(f"{name}: not a clusterready summary: {what}")

    if not isinstance(data, dict):
        raise fail(f"expected a JSON object, found {type(data).__name__}")
    if data.get("schema") != SCHEMA_VERSION:
        raise fail(f'expected "schema": {SCHEMA_VERSION}, found {data.get("schema")!r}')
    if not isinstance(data.get("exit_code"), int):
        raise fail(f'expected an integer "exit_code", found {data.get("exit_code")!r}')
    for key in _TARGET:
        if not isinstance(data.get(key, ""), str):
            raise fail(f'expected a string "{key}", found {data[key]!r}')
    if not isinstance(data.get("tests"), list):
        raise fail(f'expected a "tests" list, found {data.get("tests")!r}')
    outcomes = {o.value for o in Outcome}
    for i, test in enumerate(data["tests"]):
        if not (
            isinstance(test, dict)
            and isinstance(test.get("id"), str)
            and test.get("outcome") in outcomes
            and isinstance(test.get("duration", 0), int | float)
            and isinstance(test.get("message", ""), str)
            and isinstance(test.get("addon"), str | None)
        ):
            raise fail(
                f"tests[{i}]: expected {{id, outcome ({', '.join(sorted(outcomes))}), "
                f"duration, message, addon}}, found {json.dumps(test)[:120]}"
            )
    unchecked = data.get("unchecked", [])
    if not (isinstance(unchecked, list) and all(isinstance(n, str) for n in unchecked)):
        raise fail(f'"unchecked": expected a list of add-on names, found {json.dumps(unchecked)}')
    shard = data.get("shard")
    if shard is not None and not (
        isinstance(shard, dict)
        and all(isinstance(shard.get(k), int) for k in ("index", "count"))
        and 1 <= shard["index"] <= shard["count"]
        and isinstance(shard.get("selected"), int | None)
    ):
        raise fail(f'"shard": expected {{index, count, selected}}, found {json.dumps(shard)}')


def merge(summaries: Sequence[Named]) -> dict[str, Any]:
    """One summary from ``(name, summary)`` pairs, as the unsharded run would write it."""
    if not summaries:
        raise UsageError("nothing to merge: name the summaries")
    target = _common_target(summaries)
    ordered = _in_run_order(summaries)
    merged = RunSummary(target["cluster"], target["context"], target["region"])
    seen: dict[str, str] = {}
    for name, data in ordered:
        for test in data["tests"]:
            if test["id"] in seen:
                raise UsageError(f"{name}: test {test['id']} is also in {seen[test['id']]}")
            seen[test["id"]] = name
            merged.tests[test["id"]] = TestRecord(
                test["id"],
                Outcome(test["outcome"]),
                float(test.get("duration", 0.0)),
                test.get("message", ""),
                test.get("addon"),
                diagnostics=test.get("diagnostics"),
            )
    # Unchecked by one slice, unless another checked it (a slice's --only leaves it out).
    checked = {rec.addon for rec in merged.tests.values()}
    unchecked = {name for _, data in ordered for name in data.get("unchecked", [])}
    merged.unchecked = sorted(unchecked - checked)
    code = _exit_code(merged, [data["exit_code"] for _, data in ordered])
    duration = max(float(data.get("duration", 0.0)) for _, data in ordered)
    return merged.as_dict(exit_code=code, duration=duration)


def _common_target(summaries: Sequence[Named]) -> dict[str, str]:
    target: dict[str, str] = {}
    first: dict[str, str] = {}
    for name, data in summaries:
        for key in _TARGET:
            value = data.get(key, "")
            if value and target.setdefault(key, value) != value:
                raise UsageError(
                    f"{name}: {key} {value!r}, but {first[key]} has {target[key]!r}: "
                    f"merge the summaries of one {key}"
                )
            first.setdefault(key, name)
    return {key: target.get(key, "") for key in _TARGET}


def _in_run_order(summaries: Sequence[Named]) -> list[Named]:
    """Shards sorted by index, once checked to be one complete set; else as given."""
    sharded = [(name, data) for name, data in summaries if data.get("shard")]
    if not sharded:
        return list(summaries)
    if len(sharded) != len(summaries):
        plain = next(name for name, data in summaries if not data.get("shard"))
        raise UsageError(
            f"{plain}: not a shard, but {sharded[0][0]} is one: merge the shards of one "
            "run, or the summaries of separate runs"
        )
    by_index: dict[int, str] = {}
    count, selected = sharded[0][1]["shard"]["count"], sharded[0][1]["shard"]["selected"]
    for name, data in sharded:
        shard = data["shard"]
        where = f"{name}: shard {shard['index']}/{shard['count']}"
        if shard["count"] != count:
            raise UsageError(f"{where}, but {sharded[0][0]} is one of {count} shards")
        if shard["index"] in by_index:
            raise UsageError(f"{where} again (also {by_index[shard['index']]})")
        if None not in (shard["selected"], selected) and shard["selected"] != selected:
            raise UsageError(
                f"{where} was cut from {shard['selected']} tests, {sharded[0][0]} from "
                f"{selected}: run every shard with the same spec, options and version"
            )
        by_index[shard["index"]] = name
    missing = [str(i) for i in range(1, count + 1) if i not in by_index]
    if missing:
        raise UsageError(f"shard {', '.join(f'{i}/{count}' for i in missing)} missing")
    return sorted(sharded, key=lambda item: int(item[1]["shard"]["index"]))


def _exit_code(merged: RunSummary, codes: Sequence[int]) -> int:
    """The run's exit code: a broken shard's (4, 3, 2) first, then what the tests say."""
    for broken in _BROKEN:
        if broken in codes:
            return int(broken)
    totals = merged.totals()
    if totals[Outcome.FAILED.value] or ExitCode.CHECKS_FAILED in codes:
        return int(ExitCode.CHECKS_FAILED)
    if totals[Outcome.CANNOT_EVALUATE.value] or ExitCode.CANNOT_EVALUATE in codes:
        return int(ExitCode.CANNOT_EVALUATE)
    if totals[Outcome.PASSED.value] == 0:
        return int(ExitCode.NO_TESTS)  # nothing was checked: every test skipped, or none
    return int(ExitCode.OK)

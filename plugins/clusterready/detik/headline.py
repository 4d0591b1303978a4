"""The first line of a failed DETIK check: what failed, in words, never a passing line.

It is what pytest's short summary, the JSON summary's ``message`` and ``clusterready
run`` show of the failure; bats-detik's own lines follow it unchanged.

>>> from clusterready.detik.grammar import parse
>>> stmt = parse("at most 5 times every 5s to find 2 pods named '^metrics-server-' "
...              "with 'status' being 'running'")
>>> failed(stmt, [("metrics-server-1", "Running"), ("metrics-server-2", "Pending")],
...        offenders=[("metrics-server-2", "Pending")], valid=1, seen=9)
"2 pods named '^metrics-server-' expected with 'status' being 'running', 1 found: \
metrics-server-2 is 'Pending'"
>>> failed(parse("'status' is 'running' for pods named 'db'"), [], offenders=[], valid=0, seen=4)
"'status' of pods named 'db' expected to be 'running': none among the 4 listed"
"""

from __future__ import annotations

from collections.abc import Sequence

from clusterready.detik.grammar import Statement
from clusterready.limits import shown

__all__ = ["failed"]

#: Objects named in a headline; the others are counted.
MAX_NAMED = 3

_RELATION = {"==": "", ">": "more than ", "<": "less than "}


def failed(
    stmt: Statement,
    kept: Sequence[tuple[str, str]],
    *,
    offenders: Sequence[tuple[str, str]],
    valid: int,
    seen: int,
) -> str:
    """The headline of one failed evaluation of ``stmt``: ``kept`` the rows whose name
    matched, ``offenders`` those that made it fail (with their values), ``valid`` how
    many had the expected value, ``seen`` how many were listed."""
    what = f"{stmt.resource} named '{stmt.name}'"
    if stmt.form == "count":
        head = f"{_RELATION[stmt.op]}{stmt.count} {what} expected, {len(kept)} found"
        if not kept:
            return f"{head} among the {seen} listed"
        return f"{head}: {_listed([name for name, _ in kept])}"
    if stmt.form == "find":
        being = "being" if stmt.op == "is" else "matching"
        head = f"{stmt.count} {what} expected with '{stmt.prop}' {being} '{stmt.expected}'"
        head += f", {valid} found"
    else:
        head = f"'{stmt.prop}' of {what} expected {_to_be(stmt)}"
    if not kept:
        return f"{head}: none among the {seen} listed"
    if not offenders:
        return head
    return f"{head}: {_listed([f'{name} is {shown(value)}' for name, value in offenders])}"


def _to_be(stmt: Statement) -> str:
    if stmt.op == "matches":
        return f"to match '{stmt.expected}'"
    return f"to be {_RELATION.get(stmt.op, '')}'{stmt.expected}'"


def _listed(items: Sequence[str]) -> str:
    text = ", ".join(items[:MAX_NAMED])
    more = len(items) - MAX_NAMED
    return f"{text} and {more} more" if more > 0 else text

"""Seed-style aws-CLI preflight tests -> cluster-spec entries for the shipped preflight suite.

A test is recognised when every line of it is an ``aws`` call captured in a
variable (``X=$(aws ec2 describe-subnets --subnet-ids S | jq -r '...')``), a
``run aws ...``, a ``[ ... ]``/``[[ ... ]]`` test on those, ``assert_success`` or an
``echo``:

>>> from clusterready.migrate.shell import logical_lines
>>> lines = logical_lines(
...     "N=$(aws ec2 describe-subnets --subnet-ids subnet-0a | jq -r "
...     "'.Subnets[0].AvailableIpAddressCount')\\n"
...     '[ "${N}" -gt 100 ]\\n')
>>> entry = recognize(lines, {})[0]
>>> entry.key, entry.value
('preflight.subnets', {'id': 'subnet-0a', 'min_free_ips': 101})
>>> entry.check
'tests_preflight/test_subnets.py::test_free_ips[subnet-0a]'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clusterready.migrate.shell import Line, ShellError, Word, split_words

__all__ = ["SpecEntry", "recognize"]

_ASSIGN = re.compile(r"^(?:local\s+|export\s+)?([A-Za-z_][A-Za-z0-9_]*)=\$\((.*)\)\s*$", re.S)
_EXPORT_NAME = re.compile(r"Name\s*==\s*[`'\"]?([^`'\"\])]+)")
_STATUS = ("$status", "${status}")


@dataclass(frozen=True)
class SpecEntry:
    """One entry of the spec (``key`` is its dotted key, e.g. ``preflight.subnets``), the
    shipped test that checks it, and the lines of the .bats test it came from."""

    key: str
    value: Any
    check: str
    note: str = ""
    lines: tuple[int, ...] = ()


@dataclass
class _Call:
    line: int
    service: str
    operation: str
    options: dict[str, str]
    query: str
    tests: list[tuple[str, str]] = field(default_factory=list)  # (operator, operand)


def recognize(lines: Sequence[Line], env: Mapping[str, str]) -> list[SpecEntry] | None:
    """The spec entries a test's lines amount to, or None when it is not such a test."""
    calls: dict[str, _Call] = {}
    last_run: _Call | None = None
    for line in lines:
        text = line.text.strip()
        if not text or text.startswith("#") or re.match(r"echo\b", text):
            continue
        match = _ASSIGN.match(text)
        try:
            if match:
                call = _aws_call(match.group(2), line.number, env)
                if call is None:
                    return None
                calls[match.group(1)] = call
                continue
            words = split_words(text)
        except ShellError:
            return None
        if words and words[0].literal == "run" and len(words) > 1 and words[1].literal == "aws":
            last_run = _aws_call(text.split(None, 1)[1], line.number, env)
            if last_run is None:
                return None
            calls["status"] = last_run
            continue
        if text in ("assert_success",) and last_run is not None:
            last_run.tests.append(("status", "0"))
            continue
        test = _test(words, env)
        if test is None or test[0] not in calls:
            return None
        variable, operator, operand = test
        calls[variable].tests.append((operator, operand))
    entries: list[SpecEntry] = []
    for call in calls.values():
        entry = _entry(call)
        if entry is None:
            return None
        entries += entry
    return entries or None


def _aws_call(command: str, number: int, env: Mapping[str, str]) -> _Call | None:
    words = split_words(command)
    values = [w.value(env) if not w.op else w.op for w in words]
    if any(v is None for v in values) or not values or values[0] != "aws":
        return None
    texts = [str(v) for v in values]
    pipe = texts.index("|") if "|" in texts else len(texts)
    aws, rest = texts[1:pipe], texts[pipe + 1 :]
    if len(aws) < 2 or any(w.op and w.op != "|" for w in words):
        return None
    options: dict[str, str] = {}
    i = 2
    while i < len(aws):
        if aws[i].startswith("--"):
            key, eq, val = aws[i][2:].partition("=")
            if not eq and i + 1 < len(aws) and not aws[i + 1].startswith("--"):
                val, i = aws[i + 1], i + 1
            options[key] = val
        i += 1
    query = options.get("query", "")
    if rest:
        if rest[0] != "jq" or "|" in rest:
            return None
        query = next((w for w in rest[1:] if not w.startswith("-")), "")
    return _Call(number, aws[0], aws[1], options, query)


def _test(words: list[Word], env: Mapping[str, str]) -> tuple[str, str, str] | None:
    """(variable, operator, operand) of ``[ "$X" -gt 100 ]``, ``[ -n "$X" ]``, ``[[ $X =~ r ]]``."""
    texts = [w.op or w.describe() for w in words]
    if len(texts) < 3 or (texts[0], texts[-1]) not in (("[", "]"), ("[[", "]]")):
        return None
    inner = words[1:-1]
    if len(inner) == 2 and inner[0].literal in ("-n", "-z"):
        variable = _variable(inner[1])
        return (variable, str(inner[0].literal), "") if variable else None
    if len(inner) != 3:
        return None
    variable = _variable(inner[0])
    operand = inner[2].value(env)
    operator = inner[1].literal or ""
    if variable is None or operand is None:
        return None
    if inner[2].quoted and operator in ("==", "=") and "*" in operand:
        return None  # a quoted pattern is a literal in bash; keep it simple
    return variable, operator, operand


def _variable(word: Word) -> str | None:
    if len(word.parts) == 1 and word.parts[0].kind == "var":
        return word.parts[0].value
    return None


def _entry(call: _Call) -> list[SpecEntry] | None:
    key = (call.service, call.operation)
    lines = (call.line,)
    if key == ("ec2", "describe-subnets") and "AvailableIpAddressCount" in call.query:
        subnet = call.options.get("subnet-ids", "")
        minimum = None
        for operator, operand in call.tests:
            if operator in ("-gt", "-ge") and operand.isdigit():
                minimum = int(operand) + (operator == "-gt")
            else:
                return None
        if not subnet or " " in subnet or minimum is None:
            return None
        return [
            SpecEntry(
                "preflight.subnets",
                {"id": subnet, "min_free_ips": minimum},
                f"tests_preflight/test_subnets.py::test_free_ips[{subnet}]",
                lines=lines,
            )
        ]
    if key == ("ssm", "get-parameter") and call.options.get("name"):
        return _ssm(call)
    if key == ("cloudformation", "list-exports"):
        return _export(call)
    if key == ("ec2", "describe-vpcs") and "DhcpOptionsId" in call.query:
        vpc = call.options.get("vpc-ids", "")
        if not vpc or call.tests != [("!=", "default")]:
            return None
        return [
            SpecEntry(
                "preflight.vpc_id",
                vpc,
                "tests_preflight/test_vpc.py::test_dhcp_options",
                "the shipped check also requires an accepted resolver and a single domain-name",
                lines,
            )
        ]
    if key == ("sts", "get-caller-identity") and "Account" in call.query:
        accounts = [v for op, v in call.tests if op in ("=", "==") and re.fullmatch(r"\d{12}", v)]
        if len(accounts) != 1 or len(call.tests) != 1:
            return None
        return [
            SpecEntry(
                "aws.account",
                accounts[0],
                "tests_preflight/test_account.py::test_caller_account",
                lines=lines,
            )
        ]
    if key == ("ec2", "describe-dhcp-options") and "domain-name-servers" in call.query:
        servers = []
        for operator, operand in call.tests:
            found = re.fullmatch(r"\*?([A-Za-z0-9.]+)\*?", operand)
            if operator not in ("==", "=", "=~") or found is None:
                return None
            servers.append(found.group(1))
        if not servers:
            return None
        return [
            SpecEntry(
                "preflight.dhcp",
                {"domain_name_servers": servers},
                "tests_preflight/test_vpc.py::test_dhcp_options",
                "the shipped check also requires a single domain-name (preflight.dhcp)",
                lines,
            )
        ]
    return None


def _exists(operator: str, operand: str) -> bool:
    return (operator, operand) in (("-n", ""), ("!=", ""), ("!=", "None"), ("status", "0")) or (
        operator in ("-eq", "=", "==") and operand == "0"
    )


def _ssm(call: _Call) -> list[SpecEntry] | None:
    name = call.options["name"]
    entry: dict[str, str] = {"name": name}
    for operator, operand in call.tests:
        if _exists(operator, operand):
            continue
        if (
            "Parameter.Type" in call.query
            and operator in ("=", "==")
            and operand
            in (
                "String",
                "StringList",
                "SecureString",
            )
        ):
            entry["type"] = operand
        elif "Parameter.Value" in call.query and operator == "=~":
            entry["pattern"] = operand
        elif "Parameter.Value" in call.query and operator in ("=", "=="):
            entry["pattern"] = "^" + re.escape(operand) + "$"
        else:
            return None
    return _named(
        "preflight.ssm_parameters",
        entry,
        f"tests_preflight/test_ssm.py::test_parameter[{name}]",
        call,
    )


def _export(call: _Call) -> list[SpecEntry] | None:
    found = _EXPORT_NAME.search(call.query)
    if found is None:
        return None
    name = found.group(1).strip()
    entry: dict[str, str] = {"name": name}
    for operator, operand in call.tests:
        if _exists(operator, operand):
            continue
        if operator in ("=", "=="):
            entry["value"] = operand
        elif operator == "=~":
            entry["pattern"] = operand
        else:
            return None
    check = f"tests_preflight/test_cloudformation.py::test_export[{name}]"
    return _named("preflight.exports", entry, check, call)


def _named(key: str, entry: dict[str, str], check: str, call: _Call) -> list[SpecEntry]:
    """One entry of a list of named items: the name alone when nothing else is asked."""
    value: Any = entry if len(entry) > 1 else entry["name"]
    return [SpecEntry(key, value, check, lines=(call.line,))]

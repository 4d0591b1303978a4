"""Static check of the DETIK sentences in ``.bats`` files and Python test modules.

Like bats-detik's ``lint`` for ``.bats`` files (same message lines and
summary), but it knows every form (``more than``/``less than`` included), reads
``run -0 verify ...`` and ``run ! try ...`` too, and splits the words as bash
would. In Python files it checks every literal sentence passed to
``detik.verify(...)`` / ``detik.try_(...)``.

>>> import pathlib, tempfile
>>> tmp = tempfile.TemporaryDirectory()
>>> path = pathlib.Path(tmp.name) / "t.py"
>>> _ = path.write_text("def test(detik):\\n    detik.verify(\\"there are 2 pods nammed 'x'\\")\\n")
>>> report = lint(path)
>>> report.errors[0].line, report.errors[0].message
(2, 'column 18: expected \\'named\\', found \\'nammed\\' in "there are 2 pods nammed \\'x\\'"')
>>> tmp.cleanup()
"""

from __future__ import annotations

import ast
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from clusterready.detik.grammar import parse
from clusterready.errors import DetikSyntaxError

__all__ = ["LintProblem", "LintReport", "lint", "python_sentences"]

_BATS_CALL = re.compile(r"^\s*(?:run(?:\s+(?:-\d+|!))?\s+)?(try|verify)(?:\s+(.*))?$", re.S)


@dataclass(frozen=True)
class LintProblem:
    """One invalid statement a lint found (a record, not an exception): its line, DETIK's
    line for it, and what is wrong."""

    line: int
    summary: str
    message: str


@dataclass
class LintReport:
    """The result of linting one file."""

    path: str
    statements: int = 0
    errors: list[LintProblem] = field(default_factory=list)
    missing: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.missing

    def lines(self) -> list[str]:
        """The output of bats-detik's ``lint``: one line per error, then the summary."""
        if self.missing:
            return [f"'{self.path}' does not exist or is not a regular file."]
        n, bad = self.statements, len(self.errors)
        return [
            *(e.summary for e in self.errors),
            f"{n} DETIK {'query was' if n == 1 else 'queries were'} verified.",
            f"{bad} DETIK {'query was' if bad == 1 else 'queries were'} found to be invalid "
            "or malformed.",
        ]

    def status(self) -> int:
        """bats-detik's exit status: the number of errors (1 for a missing file)."""
        return 1 if self.missing else len(self.errors)


def lint(path: str | os.PathLike[str]) -> LintReport:
    """Lint a ``.py`` file (its literal detik sentences) or a ``.bats`` file."""
    file = Path(path)
    report = LintReport(str(path))
    if not file.is_file():
        report.missing = True
        return report
    text = file.read_text(encoding="utf-8", errors="replace")
    if file.suffix == ".py":
        try:
            found = list(python_sentences(text))
        except SyntaxError as err:
            report.errors.append(
                LintProblem(
                    err.lineno or 0,
                    f"Python syntax error at line {err.lineno}.",
                    f"not valid Python: {err.msg}",
                )
            )
            return report
        for line, verb, sentence in found:
            report.statements += 1
            problem = _check(verb, sentence)
            if problem:
                report.errors.append(LintProblem(line, _summary(verb, line), problem))
        return report
    _lint_bats(text, report)
    return report


def python_sentences(source: str) -> Iterator[tuple[int, str, str]]:
    """(line, verb, sentence) of every ``<...detik>.verify/try_(...)`` call whose sentence is
    known: a literal, a module constant, or an f-string over module constants and the
    parameter of a ``@pytest.mark.parametrize("name", [...literals])`` test (once per value).

    A call whose line holds ``# detik: ignore`` is left out (a test of a bad sentence).
    """
    tree = ast.parse(source)
    if "detik" not in source.lower():  # no receiver named *detik: nothing to walk
        return
    lines = source.splitlines()
    constants = _module_constants(tree)
    parameters: dict[int, tuple[str, list[str]]] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            parametrized = _parametrized(function)
            if parametrized is not None:
                parameters.update({id(n): parametrized for n in ast.walk(function)})
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("verify", "try_")
            and node.args
        ):
            continue
        receiver = node.func.value
        name = (
            receiver.id
            if isinstance(receiver, ast.Name)
            else (receiver.attr if isinstance(receiver, ast.Attribute) else "")
        )
        first = node.args[0]
        waived = any(
            "detik: ignore" in lines[n - 1]
            for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)
        )
        if not name.lower().endswith("detik") or waived:
            continue
        parameter, values = parameters.get(id(node), ("", [""]))
        for value in values:
            scope = {**constants, parameter: value} if parameter else constants
            sentence = _known_text(first, scope)
            if sentence is not None:
                yield first.lineno, "try" if node.func.attr == "try_" else "verify", sentence


def _parametrized(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, list[str]] | None:
    """(name, values) of ``@pytest.mark.parametrize("name", ["a", "b"])`` on a test."""
    for decorator in function.decorator_list:
        if not (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "parametrize"
            and len(decorator.args) == 2
            and isinstance(decorator.args[0], ast.Constant)
            and isinstance(decorator.args[0].value, str)
            and decorator.args[0].value.isidentifier()
            and isinstance(decorator.args[1], ast.List | ast.Tuple)
        ):
            continue
        values = [
            v.value
            for v in decorator.args[1].elts
            if isinstance(v, ast.Constant) and isinstance(v.value, str)
        ]
        if len(values) == len(decorator.args[1].elts):
            return decorator.args[0].value, values
    return None


def _module_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound once to a string or integer literal (``RETRIES = "12"``)."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        value = node.value
        for target in node.targets:
            if isinstance(target, ast.Name):
                if target.id in seen:
                    found.pop(target.id, None)
                elif isinstance(value, ast.Constant) and isinstance(value.value, str | int):
                    found[target.id] = str(value.value)
                seen.add(target.id)
    return found


def _known_text(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The text of a literal, a module constant, or an f-string over module constants."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.JoinedStr):
        out = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                if value.conversion != -1 or value.format_spec is not None:
                    return None
                text = _known_text(value.value, constants)
                if text is None or not isinstance(value.value, ast.Name):
                    return None
                out.append(text)
            else:
                text = _known_text(value, constants)
                if text is None:
                    return None
                out.append(text)
        return "".join(out)
    return None


def _check(verb: str, sentence: str) -> str | None:
    try:
        parse(sentence, verb)
    except DetikSyntaxError as err:
        return str(err)
    return None


def _summary(verb: str, line: int) -> str:
    return f"Invalid {verb.upper()} statement at line {line}."


def _lint_bats(text: str, report: LintReport) -> None:
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\n")
        if not line.strip() or re.match(r"^\s*#", line):
            if pending:
                report.errors.append(
                    LintProblem(
                        start,
                        f"Incomplete multi-line statement at {start}.",
                        "a line ending with '\\' is followed by a blank or comment line",
                    )
                )
                pending = ""
            continue
        if line.endswith("\\"):
            if not pending:
                start = number
            pending += line[:-1] + " "
            continue
        if pending:
            line, pending = pending + line, ""
        else:
            start = number
        _lint_bats_statement(line, start, report)


def _lint_bats_statement(line: str, number: int, report: LintReport) -> None:
    match = _BATS_CALL.match(line)
    if match is None:
        return
    verb, rest = match.group(1), (match.group(2) or "").strip()
    report.statements += 1
    if not rest or not rest.replace('"', "").replace("'", "").strip():
        report.errors.append(
            LintProblem(number, f"Empty statement at line {number}.", "no sentence after " + verb)
        )
        return
    try:
        words = shlex.split(rest, comments=True)
    except ValueError as err:
        report.errors.append(
            LintProblem(number, _summary(verb, number), f"unbalanced shell quotes ({err})")
        )
        return
    problem = _check(verb, " ".join(words))
    if problem:
        report.errors.append(LintProblem(number, _summary(verb, number), problem))

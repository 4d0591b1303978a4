"""The structure of a .bats file: top-level lines, functions and ``@test`` blocks.

>>> items = read_bats('load "lib/detik"\\n@test "two pods" {\\n  verify "x"\\n}\\n', "t.bats")
>>> [type(i).__name__ for i in items], items[1].name, [l.text for l in items[1].body]
(['Line', 'Block'], 'two pods', ['  verify "x"'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clusterready.errors import UsageError
from clusterready.migrate.shell import Line, ShellError, logical_lines, split_words

__all__ = ["Block", "read_bats"]

_TEST = re.compile(r"^(\s*)@test\s+(.*?)\s*\{\s*$")
_FUNCTION = re.compile(r"^(\s*)(?:function\s+)?([A-Za-z_][A-Za-z0-9_:.-]*)\s*\(\s*\)\s*(\{)?\s*$")
_FUNCTION_KW = re.compile(r"^(\s*)function\s+([A-Za-z_][A-Za-z0-9_:.-]*)\s*(\{)?\s*$")


@dataclass(frozen=True)
class Block:
    """A ``@test`` (``kind == "test"``, ``name`` its title) or a function definition."""

    kind: str
    name: str
    header: Line
    body: tuple[Line, ...]
    end: Line


def read_bats(text: str, source: str) -> list[Line | Block]:
    """The top-level items of a .bats file; an unclosed block is a UsageError."""
    lines = logical_lines(text)
    items: list[Line | Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        test = _TEST.match(line.text)
        function = _FUNCTION.match(line.text) or _FUNCTION_KW.match(line.text)
        if test is None and function is None:
            items.append(line)
            i += 1
            continue
        if test is not None:
            kind, indent = "test", test.group(1)
            try:
                words = split_words(test.group(2))
            except ShellError as err:
                raise UsageError(f"{source}:{line.number}: @test title: {err}") from None
            if len(words) != 1 or words[0].op:
                raise UsageError(
                    f'{source}:{line.number}: expected @test "title" {{, '
                    f"found {line.text.strip()!r}"
                )
            name = words[0].describe()
        else:
            assert function is not None
            kind, indent, name = "function", function.group(1), function.group(2)
            if function.group(3) is None:  # the brace on the next line
                if i + 1 >= len(lines) or lines[i + 1].text.strip() != "{":
                    items.append(line)
                    i += 1
                    continue
                i += 1
        end = next(
            (
                j
                for j in range(i + 1, len(lines))
                if lines[j].text.strip() == "}"
                and len(lines[j].text) - len(lines[j].text.lstrip()) <= len(indent)
            ),
            None,
        )
        if end is None:
            what = f'@test "{name}"' if kind == "test" else f"function {name}"
            raise UsageError(
                f"{source}:{line.number}: {what} has no closing '}}' on a line of its own"
            )
        items.append(Block(kind, name, line, tuple(lines[i + 1 : end]), lines[end]))
        i = end + 1
    return items

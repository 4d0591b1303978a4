"""Just enough bash to read .bats files: logical lines, blocks, words.

>>> [(line.number, line.text) for line in logical_lines('a \\\\\\n  b\\nc\\n')]
[(1, 'a   b'), (3, 'c')]
>>> [w.describe() for w in split_words('run try "at most ${N} times" x$(date) # no')]
['run', 'try', 'at most ${N} times', 'x$(date)']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["Line", "Part", "ShellError", "Word", "logical_lines", "split_words"]

_HEREDOC = re.compile(r"(?<!<)<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = ("&&", "||", ";;", ">>", "2>&1", ";", "|", "&", ">", "<")


class ShellError(ValueError):
    """A line that is not well-formed shell (an unbalanced quote or parenthesis)."""


@dataclass(frozen=True)
class Line:
    """One logical line: continuations (``\\`` at line end) joined, a here-document kept whole.

    ``number`` is its first physical line; ``raw`` the physical lines.
    """

    number: int
    text: str
    raw: tuple[str, ...]


def logical_lines(text: str) -> list[Line]:
    """The logical lines of a shell file, numbered from 1."""
    physical = text.splitlines()
    lines: list[Line] = []
    i = 0
    while i < len(physical):
        start = i
        joined = physical[i]
        while _continued(joined) and i + 1 < len(physical):
            i += 1
            joined = joined[:-1] + physical[i]
        heredoc = _HEREDOC.search(joined) if not joined.lstrip().startswith("#") else None
        if heredoc:
            strip_tabs, word = heredoc.group(1) == "-", heredoc.group(3)
            while i + 1 < len(physical):
                i += 1
                body = physical[i].lstrip("\t") if strip_tabs else physical[i]
                if body == word:
                    break
        lines.append(Line(start + 1, joined, tuple(physical[start : i + 1])))
        i += 1
    return lines


def _continued(line: str) -> bool:
    trailing = len(line) - len(line.rstrip("\\"))
    return trailing % 2 == 1 and not line.lstrip().startswith("#")


@dataclass(frozen=True)
class Part:
    """A piece of a word: literal text, a variable (``$X``, ``${X}``, ``$1``), or a
    command substitution (``$(...)``, backticks)."""

    kind: Literal["lit", "var", "cmd"]
    value: str


@dataclass(frozen=True)
class Word:
    """A shell word (its parts), or an operator such as ``;`` or ``&&`` (``op``)."""

    parts: tuple[Part, ...]
    op: str = ""
    quoted: bool = False

    def describe(self) -> str:
        """The word as written, quotes removed: ``${X}`` and ``$(...)`` shown as such."""
        if self.op:
            return self.op
        return "".join(
            p.value
            if p.kind == "lit"
            else f"${{{p.value}}}"
            if p.kind == "var"
            else f"$({p.value})"
            for p in self.parts
        )

    @property
    def literal(self) -> str | None:
        """The word's text when it holds no variable and no command, else None."""
        if self.op or any(p.kind != "lit" for p in self.parts):
            return None
        return "".join(p.value for p in self.parts)

    def value(self, env: Mapping[str, str]) -> str | None:
        """The word with its variables replaced from ``env``; None if one is unknown
        or the word runs a command."""
        out = []
        for part in self.parts:
            if part.kind == "lit":
                out.append(part.value)
            elif part.kind == "var" and part.value in env:
                out.append(env[part.value])
            else:
                return None
        return "".join(out)


def split_words(text: str) -> list[Word]:
    """Split a logical line into words as bash would (no expansion); stops at a comment."""
    words: list[Word] = []
    parts: list[Part] = []
    quoted = False
    started = False
    i, n = 0, len(text)

    def lit(s: str) -> None:
        if parts and parts[-1].kind == "lit":
            parts[-1] = Part("lit", parts[-1].value + s)
        else:
            parts.append(Part("lit", s))

    def flush() -> None:
        nonlocal parts, quoted, started
        if started:
            words.append(Word(tuple(parts), quoted=quoted))
        parts, quoted, started = [], False, False

    while i < n:
        c = text[i]
        if c in " \t\n":
            flush()
            i += 1
            continue
        if c == "#" and not started:
            break
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
        if op is not None:
            flush()
            words.append(Word((), op=op))
            i += len(op)
            continue
        started = True
        if c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise ShellError(f"column {i + 1}: no closing single quote")
            lit(text[i + 1 : end])
            quoted = True
            i = end + 1
        elif c == '"':
            quoted = True
            i = _double_quoted(text, i + 1, parts, lit)
        elif c == "\\":
            lit(text[i + 1 : i + 2])
            i += 2
        else:
            i = _expansion_or_char(text, i, parts, lit)
    flush()
    return words


def _double_quoted(text: str, i: int, parts: list[Part], lit: Callable[[str], None]) -> int:
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            return i + 1
        if c == "\\" and i + 1 < n and text[i + 1] in '$`"\\\n':
            lit(text[i + 1])
            i += 2
        else:
            i = _expansion_or_char(text, i, parts, lit)
    raise ShellError("no closing double quote")


def _expansion_or_char(text: str, i: int, parts: list[Part], lit: Callable[[str], None]) -> int:
    """Past the ``$...`` or backquoted command at ``i``, or its one literal character
    (the same outside and inside double quotes)."""
    if text[i] == "$":
        return _dollar(text, i, parts, lit)
    if text[i] == "`":
        return _backquoted(text, i, parts)
    lit(text[i])
    return i + 1


def _backquoted(text: str, i: int, parts: list[Part]) -> int:
    end = text.find("`", i + 1)
    if end < 0:
        raise ShellError(f"column {i + 1}: no closing backquote")
    parts.append(Part("cmd", text[i + 1 : end]))
    return end + 1


def _dollar(text: str, i: int, parts: list[Part], lit: Callable[[str], None]) -> int:
    rest = text[i + 1 :]
    if rest.startswith("(("):
        end = _balanced(text, i + 1)
        parts.append(Part("cmd", text[i + 1 : end]))
        return end
    if rest.startswith("("):
        end = _balanced(text, i + 1)
        parts.append(Part("cmd", text[i + 2 : end - 1]))
        return end
    if rest.startswith("{"):
        end = text.find("}", i + 2)
        if end < 0:
            raise ShellError(f"column {i + 1}: no closing brace after '${{'")
        inner = text[i + 2 : end]
        name = _NAME.match(inner) or re.match(r"[0-9@*#?]", inner)
        if name is None or name.end() != len(inner):
            parts.append(Part("cmd", "${" + inner + "}"))  # ${X:-d}, ${#X}, ...: not followed
        else:
            parts.append(Part("var", inner))
        return end + 1
    name = _NAME.match(rest) or re.match(r"[0-9@*#?$!]", rest)
    if name is None:
        lit("$")
        return i + 1
    parts.append(Part("var", name.group(0)))
    return i + 1 + name.end()


def _balanced(text: str, i: int) -> int:
    """The index after the parenthesis closing the one at ``i``."""
    depth = 0
    quote = ""
    for j in range(i, len(text)):
        c = text[j]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    raise ShellError(f"column {i}: no closing parenthesis")

"""POSIX extended regular expressions (what ``grep -E`` takes) compiled for Python.

DETIK matches names and values with ``grep -E``. Python's ``re`` differs in a few
places; :func:`compile_ere` translates: POSIX classes (``[[:alnum:]]``), a
backslash inside brackets is literal, ``\\<``/``\\>`` are word boundaries, and a
``*``/``+``/``?`` with nothing to repeat is literal. An escape that is not ERE
(``\\d``) is refused rather than silently matching the letter, as GNU grep does.

>>> bool(compile_ere("^[[:alnum:]]+$").search("Running"))
True
>>> bool(compile_ere("^nginx-[a-z0-9]{9,10}-[a-z0-9]{5}$").search("nginx-75675f5897-6dg9r"))
True
"""

from __future__ import annotations

import functools
import re

from clusterready.limits import LimitError, compile_regex, shown

__all__ = ["EreError", "compile_ere"]

_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "lower": "a-z",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
    "space": " \\t\\n\\r\\f\\v",
    "blank": " \\t",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "cntrl": "\\x00-\\x1f\\x7f",
    "print": "\\x20-\\x7e",
    "graph": "\\x21-\\x7e",
}
_GNU_ESCAPES = {
    "w": "\\w",
    "W": "\\W",
    "s": "\\s",
    "S": "\\S",
    "b": "\\b",
    "B": "\\B",
    "<": "\\b",
    ">": "\\b",
    "`": "\\A",
    "'": "\\Z",
}


class EreError(ValueError):
    """Not a valid POSIX extended regular expression: ``reason`` says why."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"invalid regular expression {shown(pattern)}: {reason}")
        self.pattern = pattern
        self.reason = reason


@functools.lru_cache(maxsize=1024)
def compile_ere(pattern: str) -> re.Pattern[str]:
    """Compile a POSIX ERE; :class:`EreError` says what is wrong with it."""
    try:
        return compile_regex(_translate(pattern))
    except (re.error, LimitError) as err:
        raise EreError(pattern, str(err)) from None


_QUANT = {"*": (0, None), "+": (1, None), "?": (0, 1)}
_QUANT_BY_RANGE = {v: k for k, v in _QUANT.items()}


def _translate(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    prev = "none"  # what was emitted last: "none" (start, '(' or '|'), "atom" or "quant"
    while i < n:
        char = pattern[i]
        if char == "[":
            piece, i = _bracket(pattern, i)
            out.append(piece)
            prev = "atom"
            continue
        if char == "\\":
            if i + 1 >= n:
                raise EreError(pattern, "trailing backslash")
            nxt = pattern[i + 1]
            if nxt in _GNU_ESCAPES:
                out.append(_GNU_ESCAPES[nxt])
            elif nxt in "0123456789":
                out.append("\\" + nxt)  # a back-reference (GNU extension)
            elif nxt.isalpha():
                raise EreError(
                    pattern,
                    f"'\\{nxt}' is not POSIX ERE (for a digit write [0-9] or [[:digit:]])",
                )
            else:
                out.append(re.escape(nxt))
            i += 2
            prev = "atom"
            continue
        if char in _QUANT:
            if prev == "none":  # nothing to repeat: a literal, as grep -E reads it
                out.append("\\" + char)
                prev = "atom"
            elif prev == "quant" and out[-1] in _QUANT:
                # ERE stacks quantifiers (a*? is (a*)?); Python would read a lazy or
                # possessive one, or refuse. Fold the two into the one they mean.
                low1, high1 = _QUANT[out[-1]]
                low2, high2 = _QUANT[char]
                high = None if high1 is None or high2 is None else 1
                out[-1] = _QUANT_BY_RANGE[(low1 * low2, high)]
            else:
                out.append(char)
                prev = "quant"
            i += 1
            continue
        interval = re.match(r"\{[0-9]+(,[0-9]*)?\}", pattern[i:])
        if char == "{":
            if interval and prev == "atom":
                out.append(interval.group(0))
                i += len(interval.group(0))
                prev = "quant"
                continue
            out.append("\\{")
            prev = "atom"
            i += 1
            continue
        out.append(char)
        prev = "none" if char in "(|^" else "atom"
        i += 1
    return "".join(out)


def _bracket(pattern: str, start: int) -> tuple[str, int]:
    """Translate the bracket expression at ``start``; return it and the index after it."""
    i = start + 1
    negate = i < len(pattern) and pattern[i] == "^"
    if negate:
        i += 1
    items: list[str] = []
    first = True
    while True:
        if i >= len(pattern):
            raise EreError(pattern, "unterminated [")
        char = pattern[i]
        if char == "]" and not first:
            break
        first = False
        if pattern.startswith("[:", i):
            end = pattern.find(":]", i + 2)
            name = pattern[i + 2 : end] if end > 0 else ""
            if name not in _CLASSES:
                raise EreError(pattern, f"unknown class [:{name}:]")
            items.append(_CLASSES[name])
            i = end + 2
            continue
        if pattern.startswith(("[=", "[."), i):
            close = pattern[i + 1] + "]"
            end = pattern.find(close, i + 2)
            if end < 0:
                raise EreError(pattern, f"unterminated {char}")
            items.append(re.escape(pattern[i + 2 : end]))
            i = end + 2
            continue
        if char == "-" and items and i + 1 < len(pattern) and pattern[i + 1] != "]":
            items.append("-")
        elif char in "\\]^[&~|-":
            items.append("\\" + char)
        else:
            items.append(char)
        i += 1
    return "[" + ("^" if negate else "") + "".join(items) + "]", i + 1

"""Input limits: where Python's own parsers would crash, clusterready stops first.

Every limit gives one line (what, the limit, what was found) instead of a
``ValueError``, ``RecursionError`` or ``OverflowError`` from deep inside ``int()``,
``json``, ``yaml`` or ``re``. docs/exit-codes.md ("Input limits") lists them.

>>> parse_int("42"), parse_int("+7")
(42, 7)
>>> parse_int("1" * 19)
Traceback (most recent call last):
...
clusterready.limits.LimitError: expected an integer of at most 18 digits, found 19 digits
>>> parse_int("²") is None  # not an ASCII integer at all
True
>>> compile_regex("a{4294967296}")
Traceback (most recent call last):
...
clusterready.limits.LimitError: expected repetition counts of at most 32767, found 4294967296
"""

from __future__ import annotations

import re
import sys

__all__ = [
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_REGEX_GROUP_DEPTH",
    "MAX_REGEX_LENGTH",
    "MAX_REPEAT",
    "LimitError",
    "check_int",
    "compile_regex",
    "parse_int",
    "shown",
    "too_many_digits",
]

#: Digits of an integer (spec values, --set/--param, DETIK numbers): 64-bit, as
#: Kubernetes, Argo and bash's arithmetic hold them (Python's int() stops at 4,300).
MAX_INT_DIGITS = 18
#: Levels of nesting of a YAML or JSON document (json and yaml recurse ~1,000 deep).
MAX_DEPTH = 100
#: Characters of a regular expression (spec patterns, DETIK names and values).
MAX_REGEX_LENGTH = 1000
#: Levels of nested groups in a regular expression (re recurses ~250 deep).
MAX_REGEX_GROUP_DEPTH = 50
#: Largest ``{m,n}`` repetition count: GNU grep's RE_DUP_MAX (re overflows at 2**32).
MAX_REPEAT = 32767

_ASCII_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_REPEAT = re.compile(r"\{([0-9]*)(?:,([0-9]*))?\}", re.ASCII)


class LimitError(ValueError):
    """The input is beyond one of clusterready's documented limits."""


def parse_int(text: str) -> int | None:
    """The ASCII integer ``text`` holds (sign allowed), None when it is not one.

    Raises :class:`LimitError` beyond :data:`MAX_INT_DIGITS` digits.
    """
    text = text.strip()
    if not _ASCII_INT.fullmatch(text):
        return None
    digits = len(text.lstrip("+-").lstrip("0"))
    if digits > MAX_INT_DIGITS:
        raise LimitError(
            f"expected an integer of at most {MAX_INT_DIGITS} digits, found {digits} digits"
        )
    return int(text)


def check_int(value: int) -> None:
    """Raise :class:`LimitError` when ``value`` has more than :data:`MAX_INT_DIGITS` digits."""
    if abs(value) >= 10**MAX_INT_DIGITS:
        digits = len(str(abs(value))) if abs(value) < 10**4000 else "thousands of"
        raise LimitError(
            f"expected an integer of at most {MAX_INT_DIGITS} digits, found {digits} digits"
        )


def too_many_digits(text: str) -> str:
    """What to say of an integer literal ``int()`` refuses (Python's own limit).

    >>> too_many_digits("9" * 5000)
    'an integer of 5000 digits (at most 4300)'
    """
    digits = sum(c in "0123456789" for c in text)
    return f"an integer of {digits} digits (at most {sys.get_int_max_str_digits()})"


def compile_regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile`` within the limits; :class:`LimitError` or ``re.error`` otherwise.

    Whatever ``re`` itself cannot take (recursion, overflow) is a LimitError too.
    """
    if len(pattern) > MAX_REGEX_LENGTH:
        raise LimitError(
            f"expected a regular expression of at most {MAX_REGEX_LENGTH} characters, "
            f"found {len(pattern)}"
        )
    depth, repeat = _scan(pattern)
    if depth > MAX_REGEX_GROUP_DEPTH:
        raise LimitError(
            f"expected at most {MAX_REGEX_GROUP_DEPTH} levels of nested groups, found {depth}"
        )
    if repeat > MAX_REPEAT:
        raise LimitError(f"expected repetition counts of at most {MAX_REPEAT}, found {repeat}")
    try:
        return re.compile(pattern, flags)
    except (RecursionError, OverflowError, MemoryError) as err:
        raise LimitError(f"regular expression too complex ({type(err).__name__})") from None


def _scan(pattern: str) -> tuple[int, int]:
    """(deepest nesting of groups, largest ``{m,n}`` count) of a Python pattern;
    escapes and character classes are skipped."""
    depth = deepest = repeat = 0
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "{":
            match = _REPEAT.match(pattern, i)
            if match:  # its digits are fewer than MAX_REGEX_LENGTH: int() takes them
                repeat = max([repeat, *(int(c) for c in match.groups() if c)])
        i += 1
    return deepest, repeat


def shown(text: str, width: int = 60) -> str:
    """``repr(text)``, cut to about ``width`` characters with its length when longer.

    >>> shown("x" * 100, 10)
    "'xxxxxxxxxx...' (100 characters)"
    """
    if len(text) <= width:
        return repr(text)
    cut = repr(text[:width])
    return f"{cut[:-1]}...{cut[-1]} ({len(text)} characters)"

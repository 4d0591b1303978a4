"""The projection ``kubectl get -o custom-columns`` performs, in Python.

:func:`project` returns exactly the text kubectl prints in a custom column for
one object: relaxed paths (``a.b``, ``.a.b``, ``{a.b}``, ``{.a.b}``), ``[*]``,
indexes and slices, filters, unions, ``..``; ``<none>`` when nothing matches;
several matches joined with ``,``; maps, lists, numbers and booleans printed as
Go's ``%v`` prints them.

>>> pod = {"metadata": {"name": "web", "labels": {"tier": "web", "app": "nginx"}},
...        "spec": {"ports": [{"port": 80}, {"port": 443}]}}
>>> project(pod, "metadata.name"), project(pod, ".spec.ports[*].port")
('web', '80,443')
>>> project(pod, "{.metadata.labels}"), project(pod, ".status.phase")
('map[app:nginx tier:web]', '<none>')
>>> project(pod, '.spec.ports[?(@.port==443)].port')
'443'
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

__all__ = ["JsonPathError", "check_path", "project", "relax"]

NONE = "<none>"


class JsonPathError(ValueError):
    """The path cannot be parsed, or cannot be evaluated on this object (kubectl fails too).

    An evaluation error of :func:`project` also says on what: ``path``, ``subject``
    (the object's ``metadata.name``) and ``value`` (what the failing step met), else None.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        subject: str | None = None,
        value: Any = None,
    ) -> None:
        super().__init__(message)
        self.reason = message
        self.path = path
        self.subject = subject
        self.value = value

    def shown_value(self) -> str:
        """The value the failing step met, as kubectl would print it (cut when long)."""
        text = _go_format(self.value)
        return text if len(text) <= 80 else text[:80] + f"... ({len(text)} characters)"


# --------------------------------------------------------------------------- nodes


# Named tuples, not dataclasses: nine frozen dataclasses took ~10 ms to define, a tenth
# of a `clusterready verify` process. Nodes are told apart by type (isinstance), never
# compared, so tuple equality does not matter.


class _Field(NamedTuple):
    name: str


class _Wildcard:
    __slots__ = ()


class _Recursive:
    __slots__ = ()


class _Param(NamedTuple):
    value: int = 0
    known: bool = False
    derived: bool = False


class _Array(NamedTuple):
    start: _Param
    end: _Param
    step: _Param


class _Filter(NamedTuple):
    left: tuple[Any, ...]
    op: str
    right: tuple[Any, ...]


class _Union(NamedTuple):
    branches: tuple[tuple[Any, ...], ...]


class _Literal(NamedTuple):
    value: Any


class _Identifier(NamedTuple):
    name: str


# --------------------------------------------------------------------------- parsing

_RELAXED = re.compile(r"^\{\.?([^{}]+)\}$|^\.?([^{}]+)$")
_DICT_KEY = re.compile(r"^'([^']*)'$")
_SLICE = re.compile(r"^(-?\d*)(:-?\d*)?(:-?\d*)?$")
_FILTER = re.compile(r"^([^!<>=]+)([!<>=]+)(.+?)$", re.S)
_TERMINATORS = frozenset(" \t\r\n.,[]$@{}")


def relax(path: str) -> str:
    """kubectl's RelaxedJSONPathExpression: ``a.b`` -> ``{.a.b}``.

    >>> relax("status.phase"), relax("{.a}"), relax(".spec.ports[*].port")
    ('{.status.phase}', '{.a}', '{.spec.ports[*].port}')
    """
    if not path:
        return path
    match = _RELAXED.match(path)
    if match is None:
        raise JsonPathError(
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
            "'{name1.name2}' or '{.name1.name2}'"
        )
    return "{." + (match.group(1) or match.group(2)) + "}"


@functools.lru_cache(maxsize=512)
def _column(path: str) -> tuple[Any, ...]:
    """Parse one custom-columns path into the node list of its one action."""
    if "," in path:
        # kubectl splits the custom-columns spec on ',' before it reads any path.
        raise JsonPathError(
            f"unexpected custom-columns spec: {path.split(',', 1)[1]}, "
            "expected <header>:<json-path-expr>"
        )
    template = relax(path)
    try:
        return _Parser(template[1:-1]).parse()
    except RecursionError:
        raise JsonPathError("the path is nested too deeply") from None


@functools.lru_cache(maxsize=512)
def _plain_fields(path: str) -> tuple[str, ...] | None:
    """The field names of a path made of fields only (``.status.phase``), else None."""
    nodes = _column(path)
    if not all(type(node) is _Field for node in nodes):
        return None
    return tuple(node.name for node in nodes)


def check_path(path: str) -> None:
    """Raise :class:`JsonPathError` when kubectl would refuse this custom-columns path.

    >>> check_path(".status.phase")
    >>> check_path(".a[x]")
    Traceback (most recent call last):
    ...
    clusterready.kube.jsonpath.JsonPathError: invalid array index x
    """
    _column(path)


class _Parser:
    """Parses the inside of one ``{...}`` action, as client-go's jsonpath parser does."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> tuple[Any, ...]:
        nodes: list[Any] = []
        text = self.text
        while self.pos < len(text):
            rest = text[self.pos :]
            char = text[self.pos]
            if rest.startswith("[?("):
                nodes.append(self._filter())
            elif rest.startswith(".."):
                if nodes and isinstance(nodes[-1], _Recursive):
                    raise JsonPathError("invalid multiple recursive descent")
                self.pos += 2
                nodes.append(_Recursive())
                if self.pos < len(text) and _alnum(text[self.pos]):
                    nodes.append(self._field())
            elif char in " @$":
                self.pos += 1
            elif char == "[":
                nodes.extend(self._array())
            elif char in "\"'":
                nodes.append(_Literal(self._quote(char)))
            elif char == ".":
                self.pos += 1
                nodes.append(self._field())
            elif char in "+-" or char.isdigit():
                nodes.append(_Literal(self._number()))
            elif _alnum(char):
                word = self._until_terminator()
                nodes.append(
                    _Literal(word == "true") if word in ("true", "false") else _Identifier(word)
                )
            elif char in "\r\n":
                raise JsonPathError("unclosed action")
            else:
                raise JsonPathError(f"unrecognized character in action: U+{ord(char):04X} {char!r}")
        return tuple(nodes)

    def _until_terminator(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _TERMINATORS:
            self.pos += 1
        return self.text[start : self.pos]

    def _field(self) -> Any:
        start = self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\":
                if self.pos + 1 >= len(self.text):  # it escapes the action's closing brace
                    raise JsonPathError("unclosed action")
                self.pos += 2
                continue
            if char in _TERMINATORS:
                break
            self.pos += 1
        name = self.text[start : self.pos]
        return _Wildcard() if name == "*" else _Field(name.replace("\\", ""))

    def _number(self) -> Any:
        start = self.pos
        if self.text[self.pos] in "+-":
            self.pos += 1
        while self.pos < len(self.text) and (
            self.text[self.pos] == "." or self.text[self.pos].isdigit()
        ):
            self.pos += 1
        word = self.text[start : self.pos]
        try:
            return int(word)
        except ValueError:
            try:
                return float(word)
            except ValueError:
                raise JsonPathError(f"cannot parse number {word}") from None

    def _quote(self, quote: str) -> str:
        start = self.pos
        self.pos += 1
        while True:
            if self.pos >= len(self.text) or self.text[self.pos] == "\n":
                raise JsonPathError("unterminated quoted string")
            if self.text[self.pos] == quote and self.text[self.pos - 1] != "\\":
                self.pos += 1
                break
            self.pos += 1
        return _go_unquote(self.text[start + 1 : self.pos - 1], quote)

    def _array(self) -> list[Any]:
        end = self.text.find("]", self.pos)
        newline = self.text.find("\n", self.pos)
        if end < 0 or 0 <= newline < end:
            raise JsonPathError("unterminated array")
        inner = self.text[self.pos + 1 : end]
        self.pos = end + 1
        if inner == "*":
            inner = ":"
        parts = inner.split(",")
        if len(parts) > 1:
            return [_Union(tuple(_Parser(f"[{p.strip()}]").parse() for p in parts))]
        key = _DICT_KEY.match(inner)
        if key is not None:
            return list(_Parser("." + key.group(1)).parse())
        match = _SLICE.match(inner)
        if match is None:
            raise JsonPathError(f"invalid array index {inner}")
        groups = match.groups()
        params = []
        for i, raw in enumerate(groups):
            text = (raw or "")[1:] if i > 0 else (raw or "")
            if raw:
                if i > 0 and text == "":
                    params.append(_Param())
                else:
                    try:
                        params.append(_Param(int(text), known=True))
                    except ValueError:
                        raise JsonPathError(f"array index {text} is not a number") from None
            elif i == 1:
                params.append(_Param(params[0].value + 1, known=True, derived=True))
            else:
                params.append(_Param())
        return [_Array(*params)]

    def _filter(self) -> _Filter:
        self.pos += 3
        start = self.pos
        begin = end = False
        pair = ""
        while True:
            if self.pos >= len(self.text) or self.text[self.pos] == "\n":
                raise JsonPathError("unterminated filter")
            char = self.text[self.pos]
            self.pos += 1
            if char in "\"'":
                if not begin:
                    begin, pair = True, char
                    continue
                if self.text[self.pos - 2] != "\\" and char == pair:
                    end = True
            elif char == ")" and begin == end:
                break
        if self.pos >= len(self.text) or self.text[self.pos] != "]":
            raise JsonPathError("unclosed array expect ]")
        self.pos += 1
        inner = self.text[start : self.pos - 2]
        match = _FILTER.match(inner)
        if match is None:
            return _Filter(_Parser(inner).parse(), "exists", ())
        left, op, right = match.groups()
        return _Filter(_Parser(left).parse(), op, _Parser(right).parse())


def _alnum(char: str) -> bool:
    return char == "_" or char.isalnum()


# --------------------------------------------------------------------------- evaluation


def _walk(values: list[Any], nodes: Sequence[Any]) -> list[Any]:
    for node in nodes:
        values = _step(values, node)
    return values


def _step(values: list[Any], node: Any) -> list[Any]:
    if isinstance(node, _Field):
        return [v[node.name] for v in values if isinstance(v, dict) and node.name in v]
    if isinstance(node, _Array):
        return _eval_array(values, node)
    if isinstance(node, _Filter):
        return _eval_filter(values, node)
    if isinstance(node, _Wildcard):
        return [child for v in values for child in _children(v)]
    if isinstance(node, _Recursive):
        return _eval_recursive(values)
    if isinstance(node, _Union):
        return [r for branch in node.branches for r in _walk(values, branch)]
    if isinstance(node, _Literal):
        # client-go: a text node stands alone; a number or a boolean, once per value.
        return [node.value] if isinstance(node.value, str) else [node.value for _ in values]
    raise JsonPathError(f"unrecognized identifier {node.name}")


def _children(value: Any) -> list[Any]:
    # Go visits map entries in random order; sorted keys at least make it repeatable.
    if isinstance(value, dict):
        return [value[k] for k in sorted(value)]
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return list(value.encode())
    return []


def _eval_recursive(values: list[Any]) -> list[Any]:
    result: list[Any] = []
    for value in values:
        if value is None:
            continue
        children = _children(value)
        if children:
            result.append(value)
            result.extend(_eval_recursive(children))
    return result


def _eval_array(values: list[Any], node: _Array) -> list[Any]:
    result: list[Any] = []
    for value in values:
        if value is None:
            continue
        if not isinstance(value, list):
            raise JsonPathError(f"{_go_type(value)} is not array or slice", value=value)
        length = len(value)
        start = node.start.value if node.start.known else 0
        if start < 0:
            start += length
        end = node.end.value if node.end.known else length
        if end < 0 or (end == 0 and node.end.derived):
            end += length
        if end == start:
            return result
        if start >= length or start < 0:
            raise JsonPathError(
                f"array index out of bounds: index {start}, length {length}", value=value
            )
        if end > length or end < 0:
            raise JsonPathError(
                f"array index out of bounds: index {end - 1}, length {length}", value=value
            )
        if start > end:
            raise JsonPathError(
                f"starting index {start} is greater than ending index {end}", value=value
            )
        step = 1
        if node.step.known:
            if node.step.value <= 0:
                raise JsonPathError("step must be > 0")
            step = node.step.value
        result.extend(value[start:end:step])
    return result


def _eval_filter(values: list[Any], node: _Filter) -> list[Any]:
    result: list[Any] = []
    for value in values:
        if not isinstance(value, list):
            raise JsonPathError(
                f"{_go_format(value)} is not array or slice and cannot be filtered", value=value
            )
        for item in value:
            lefts = _walk([item], node.left)
            if node.op == "exists":
                if lefts:
                    result.append(item)
                continue
            if not lefts:
                continue
            if len(lefts) > 1:
                raise JsonPathError("can only compare one element at a time")
            rights = _walk([item], node.right)
            if not rights:
                continue
            if len(rights) > 1:
                raise JsonPathError("can only compare one element at a time")
            if _compare(lefts[0], node.op, rights[0]):
                result.append(item)
    return result


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    raise JsonPathError("invalid type for comparison")


def _compare(left: Any, op: str, right: Any) -> bool:
    kinds = _kind(left), _kind(right)
    if kinds[0] != kinds[1]:
        raise JsonPathError("incompatible types for comparison")
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if kinds[0] == "bool":
        raise JsonPathError("invalid type for comparison")
    if op == "<":
        return bool(left < right)
    if op == ">":
        return bool(left > right)
    if op == "<=":
        return bool(left <= right)
    if op == ">=":
        return bool(left >= right)
    raise JsonPathError(f"unrecognized filter operator {op}")


# --------------------------------------------------------------------------- printing


def _go_type(value: Any) -> str:
    if isinstance(value, dict):
        return "map[string]interface {}"
    return {bool: "bool", int: "int64", float: "float64", str: "string"}.get(
        type(value), "interface {}"
    )


def _go_float(value: float) -> str:
    """Go's ``%v`` of a float64: shortest digits, exponent form from 1e+21 and below 1e-04."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    import decimal  # deferred: only floats need it

    dec = decimal.Decimal(repr(value))
    sign, digits, exponent = dec.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).rstrip("0") or "0"
    exp = len(digits) + exponent - 1  # decimal exponent of the first digit
    neg = "-" if sign else ""
    if exp < -4 or exp >= 21:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{neg}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp < 0:
        return f"{neg}0.{'0' * (-exp - 1)}{text}"
    whole = text[: exp + 1].ljust(exp + 1, "0")
    frac = text[exp + 1 :]
    return f"{neg}{whole}.{frac}" if frac else f"{neg}{whole}"


def _go_format(value: Any) -> str:
    """Go's ``fmt.Sprintf("%v", v)`` for a value decoded from JSON."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(_go_format(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_format(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def project(obj: dict[str, Any], path: str) -> str:
    """What ``kubectl get -o custom-columns=X:<path>`` prints for ``obj``.

    Raises :class:`JsonPathError` where kubectl would fail (a malformed path,
    an index out of bounds, a filter on a map, ...).
    """
    fields = _plain_fields(path)
    if fields is not None:  # .metadata.name and the like: the common case, walked directly
        value: Any = obj
        for name in fields:
            if not isinstance(value, dict) or name not in value:
                return NONE
            value = value[name]
        text = value if type(value) is str else _go_format(value)
        return text.translate(_TERMINAL_ESCAPES) if "\x1b" in text or "\r" in text else text
    nodes = _column(path)
    try:
        values = _walk([obj], nodes)
    except JsonPathError as err:
        raise JsonPathError(err.reason, path=path, subject=_name_of(obj), value=err.value) from None
    except RecursionError:
        raise JsonPathError(
            "the object is nested too deeply", path=path, subject=_name_of(obj)
        ) from None
    if not values:
        return NONE
    return ",".join(_go_format(v) for v in values).translate(_TERMINAL_ESCAPES)


def _name_of(obj: Any) -> str | None:
    metadata = obj.get("metadata") if isinstance(obj, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else None


# kubectl's printers escape what would drive a terminal (term.EscapeTerminal).
_TERMINAL_ESCAPES = str.maketrans({"\x1b": "^[", "\r": "\\r"})
_GO_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}


def _go_unquote(body: str, quote: str) -> str:
    """A quoted literal's text, escapes read as client-go's UnquoteExtend reads them."""
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        code = body[i + 1 : i + 2]
        if code in _GO_ESCAPES or code == quote:
            out.append(_GO_ESCAPES.get(code, code))
            i += 2
        elif code in "xuU" and code:
            width = {"x": 2, "u": 4, "U": 8}[code]
            digits = body[i + 2 : i + 2 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise JsonPathError(f"unquote string {quote}{body}{quote} error invalid syntax")
            out.append(chr(int(digits, 16)))
            i += 2 + width
        elif code and code in "01234567":
            digits = body[i + 1 : i + 4]
            if len(digits) != 3 or not all(c in "01234567" for c in digits):
                raise JsonPathError(f"unquote string {quote}{body}{quote} error invalid syntax")
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            raise JsonPathError(f"unquote string {quote}{body}{quote} error invalid syntax")
    return "".join(out)

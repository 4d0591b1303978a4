r"""Label and field selectors, parsed and matched as the API server does.

A port of the behaviour of apimachinery's ``pkg/labels`` and ``pkg/fields``
(every label operator, key and value validation, field-selector escapes), plus
the API server's selectable fields per resource type (``spec.unschedulable``
of a node is ``"true"``/``"false"``, defaulted when absent). Kubernetes' own
test tables, transcribed as data in ``tests/data/``, check it.

>>> parse_labels("tier in (web,db),!canary,x>1").matches({"tier": "web", "x": "2"})
True
>>> str(parse_labels("b=1, a notin (y,x)"))
'a notin (x,y),b=1'
>>> parse_labels("fooin (abc)")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
clusterready.testing.selectors.SelectorError: unable to parse requirement: found '(', expected: ...
>>> parse_fields(r"metadata.name=a\,b").matches({"metadata.name": "a,b"})
True
>>> selectable_fields("nodes", {"metadata": {"name": "n1"}})["spec.unschedulable"]
'false'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FieldSelector",
    "LabelSelector",
    "Requirement",
    "SelectorError",
    "escape_field_value",
    "field_label_error",
    "lex",
    "parse_fields",
    "parse_labels",
    "selectable_fields",
    "split_field_term",
    "split_field_terms",
    "unescape_field_value",
]


class SelectorError(ValueError):
    """A selector the API server would answer with 400 Bad Request.

    ``fields`` names the invalid parts as apimachinery's field paths
    (``key``, ``values``, ``values[0]``, ``values[0][app]``, ``operator``).
    """

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


# --------------------------------------------------------------------------- validation

_KEY_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_KEY_NAME_RE = re.compile(f"^{_KEY_NAME}$")
_VALUE_RE = re.compile(f"^({_KEY_NAME})?$")
_DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN_RE = re.compile(rf"^{_DNS_LABEL}(\.{_DNS_LABEL})*$")
_KEY_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character"
)


def _label_key_errors(key: str) -> list[str]:
    """apimachinery's ``IsLabelKey``: ``[prefix/]name``, prefix a DNS subdomain (253),
    name at most 63 characters."""
    parts = key.split("/")
    errors: list[str] = []
    if len(parts) > 2:
        return [f"a valid label key {_KEY_MSG} with an optional DNS subdomain prefix and '/'"]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            if len(prefix) > 253:
                errors.append("prefix part must be no more than 253 bytes")
            if not _DNS_SUBDOMAIN_RE.match(prefix):
                errors.append("prefix part a lowercase RFC 1123 subdomain " + _KEY_MSG)
    if not name:
        errors.append("name part must be non-empty")
    elif len(name.encode()) > 63:
        errors.append("name part must be no more than 63 bytes")
    if not _KEY_NAME_RE.match(name):
        errors.append("name part " + _KEY_MSG)
    return errors


def _label_value_errors(value: str) -> list[str]:
    errors = []
    if len(value.encode()) > 63:
        errors.append("must be no more than 63 bytes")
    if not _VALUE_RE.match(value):
        errors.append("a valid label must be an empty string or " + _KEY_MSG)
    return errors


def _invalid(path: str, value: object, detail: str) -> str:
    shown = f'"{value}"' if isinstance(value, str) else repr(value)
    return f"{path + ': ' if path else ''}Invalid value: {shown}: {detail}"


# --------------------------------------------------------------------------- labels

_OPERATORS = ("in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!")
_BINARY = "in, notin, =, ==, !=, gt, lt"


@dataclass(frozen=True)
class Requirement:
    """One term of a label selector: ``key``, ``operator`` (``in``, ``notin``, ``=``,
    ``==``, ``!=``, ``gt``, ``lt``, ``exists``, ``!``) and values.

    Built directly it is not validated (as a Go struct literal); :meth:`new` validates
    as ``labels.NewRequirement`` does.
    """

    key: str
    operator: str
    values: tuple[str, ...] = ()

    @classmethod
    def new(cls, key: str, operator: str, values: Iterable[str] = ()) -> Requirement:
        """A validated requirement; :class:`SelectorError` naming every invalid part."""
        vals = tuple(values)
        problems: list[tuple[str, str]] = []
        key_errors = _label_key_errors(key)
        if key_errors:
            problems.append(("key", _invalid("key", key, "; ".join(key_errors))))
        if operator in ("in", "notin"):
            if not vals:
                problems.append(("values", _invalid("values", list(vals), "values set is empty")))
        elif operator in ("=", "==", "!="):
            if len(vals) != 1:
                problems.append(
                    ("values", _invalid("values", list(vals), "requires one single value"))
                )
        elif operator in ("exists", "!"):
            if vals:
                problems.append(("values", _invalid("values", list(vals), "must be empty")))
        elif operator in ("gt", "lt"):
            if len(vals) != 1:
                problems.append(
                    ("values", _invalid("values", list(vals), "exactly one value is required"))
                )
            for i, value in enumerate(vals):
                if _go_int(value) is None:
                    path = f"values[{i}]"
                    problems.append((path, _invalid(path, value, "must be an integer")))
        else:
            supported = ", ".join(f'"{o}"' for o in _OPERATORS)
            problems.append(
                ("operator", f'operator: Unsupported value: "{operator}": supported: {supported}')
            )
        for i, value in enumerate(vals):
            errors = _label_value_errors(value)
            if errors:
                path = f"values[{i}][{key}]"
                problems.append((path, _invalid(path, value, "; ".join(errors))))
        if problems:
            message = ", ".join(m for _, m in problems)
            if len(problems) > 1:
                message = f"[{message}]"
            raise SelectorError(message, tuple(p for p, _ in problems))
        return cls(key, operator, vals)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy this requirement."""
        op = self.operator
        present = self.key in labels
        if op in ("in", "=", "=="):
            return present and labels[self.key] in self.values
        if op in ("notin", "!="):
            return not present or labels[self.key] not in self.values
        if op == "exists":
            return present
        if op == "!":
            return not present
        if op in ("gt", "lt"):
            if not present or len(self.values) != 1:
                return False
            actual, bound = _go_int(labels[self.key]), _go_int(self.values[0])
            if actual is None or bound is None:
                return False
            return actual > bound if op == "gt" else actual < bound
        return False

    def __str__(self) -> str:
        op = self.operator
        head = ("!" if op == "!" else "") + self.key
        if op in ("exists", "!"):
            return head
        sign = {"in": " in ", "notin": " notin ", "gt": ">", "lt": "<"}.get(
            op, op if op in ("=", "==", "!=") else ""
        )
        values = ",".join(sorted(self.values)) if len(self.values) != 1 else self.values[0]
        if op in ("in", "notin"):
            values = f"({values})"
        return head + sign + values


@dataclass(frozen=True)
class LabelSelector:
    """A parsed label selector: requirements sorted by key, all must match."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


_SPECIAL = "=!(),><"
_WHITESPACE = " \t\r\n"
_TOKENS = {
    ")": "ClosedPar",
    ",": "Comma",
    "!": "DoesNotExist",
    "==": "DoubleEquals",
    "=": "Equals",
    ">": "GreaterThan",
    "in": "In",
    "<": "LessThan",
    "!=": "NotEquals",
    "notin": "NotIn",
    "(": "OpenPar",
}


def lex(text: str) -> list[tuple[str, str]]:
    """The (token, literal) pairs of a label selector, ending with ``EndOfString``.

    >>> lex("x in (a)")[:3]
    [('Identifier', 'x'), ('In', 'in'), ('OpenPar', '(')]
    """
    tokens: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= end:
            tokens.append(("EndOfString", ""))
            return tokens
        if text[pos] in _SPECIAL:
            buffer, best = "", ("", "")
            while pos < end and text[pos] in _SPECIAL:
                buffer += text[pos]
                if buffer in _TOKENS:
                    best = (_TOKENS[buffer], buffer)
                    pos += 1
                elif best[0]:
                    break
                else:
                    pos += 1
            tokens.append(
                best if best[0] else ("Error", f"error expected: keyword found '{buffer}'")
            )
            continue
        start = pos
        while pos < end and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE:
            pos += 1
        word = text[start:pos]
        tokens.append((_TOKENS.get(word, "Identifier"), word))


class _LabelParser:
    def __init__(self, text: str) -> None:
        self.items = lex(text)
        self.pos = 0

    def peek(self, values: bool = True) -> tuple[str, str]:
        return self._as(self.items[self.pos], values)

    def take(self, values: bool = True) -> tuple[str, str]:
        item = self.items[self.pos]
        self.pos += 1
        return self._as(item, values)

    @staticmethod
    def _as(item: tuple[str, str], values: bool) -> tuple[str, str]:
        if values and item[0] in ("In", "NotIn"):
            return "Identifier", item[1]
        return item

    def parse(self) -> list[Requirement]:
        found: list[Requirement] = []
        while True:
            tok, lit = self.peek()
            if tok in ("Identifier", "DoesNotExist"):
                try:
                    found.append(self.requirement())
                except SelectorError as err:
                    raise SelectorError(f"unable to parse requirement: {err}", err.fields) from None
                tok, lit = self.take()
                if tok == "EndOfString":
                    return found
                if tok != "Comma":
                    raise SelectorError(f"found '{lit}', expected: ',' or 'end of string'")
                tok2, lit2 = self.peek()
                if tok2 not in ("Identifier", "DoesNotExist"):
                    raise SelectorError(f"found '{lit2}', expected: identifier after ','")
            elif tok == "EndOfString":
                return found
            else:
                raise SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def requirement(self) -> Requirement:
        tok, key = self.take()
        negated = tok == "DoesNotExist"
        if negated:
            tok, key = self.take()
        if tok != "Identifier":
            raise SelectorError(f"found '{key}', expected: identifier")
        errors = _label_key_errors(key)
        if errors:
            raise SelectorError(_invalid("", key, "; ".join(errors)), ("key",))
        if negated or self.peek()[0] in ("EndOfString", "Comma"):
            return Requirement.new(key, "!" if negated else "exists")
        tok, lit = self.take(values=False)
        operator = {
            "In": "in",
            "NotIn": "notin",
            "Equals": "=",
            "DoubleEquals": "==",
            "NotEquals": "!=",
            "GreaterThan": "gt",
            "LessThan": "lt",
        }.get(tok)
        if operator is None:
            raise SelectorError(f"found '{lit}', expected: {_BINARY}")
        values = self.set_values() if operator in ("in", "notin") else self.exact_value()
        return Requirement.new(key, operator, sorted(values))

    def set_values(self) -> set[str]:
        tok, lit = self.take()
        if tok != "OpenPar":
            raise SelectorError(f"found '{lit}' expected: '('")
        tok, lit = self.peek()
        if tok == "ClosedPar":
            self.take()
            return {""}
        if tok not in ("Identifier", "Comma"):
            raise SelectorError(f"found '{lit}', expected: ',', ')' or identifier")
        values: set[str] = set()
        while True:
            tok, word = self.take()
            if tok == "Identifier":
                values.add(word)
                nxt, lit2 = self.peek()
                if nxt == "ClosedPar":
                    break
                if nxt != "Comma":
                    raise SelectorError(f"found '{lit2}', expected: ',' or ')'")
            elif tok == "Comma":
                if not values:
                    values.add("")
                nxt, _ = self.peek()
                if nxt == "ClosedPar":
                    values.add("")
                    break
                if nxt == "Comma":
                    values.add("")
            else:
                raise SelectorError(f"found '{word}', expected: ',', or identifier")
        if self.take()[0] != "ClosedPar":  # pragma: no cover - the loop stops at ')'
            raise SelectorError(f"found '{lit}', expected: ')'")
        return values

    def exact_value(self) -> set[str]:
        tok, _ = self.peek()
        if tok in ("EndOfString", "Comma"):
            return {""}
        tok, lit = self.take()
        if tok == "Identifier":
            return {lit}
        raise SelectorError(f"found '{lit}', expected: identifier")


def parse_labels(text: str) -> LabelSelector:
    """Parse a label selector as ``labels.Parse`` does; :class:`SelectorError` if invalid."""
    found = _LabelParser(text).parse()
    return LabelSelector(tuple(sorted(found, key=lambda r: r.key)))


def _go_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    number = int(text)
    return number if -(2**63) <= number < 2**63 else None


# --------------------------------------------------------------------------- fields


def split_field_terms(text: str) -> list[str]:
    """The comma-separated terms of a field selector (``\\,`` is not a separator)."""
    if not text:
        return []
    terms, start, in_slash = [], 0, False
    for i, char in enumerate(text):
        if in_slash:
            in_slash = False
        elif char == "\\":
            in_slash = True
        elif char == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def split_field_term(term: str) -> tuple[str, str, str] | None:
    """``(lhs, op, rhs)`` at the first ``!=``, ``==`` or ``=``; None without one."""
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
    return None


def escape_field_value(value: str) -> str:
    r"""``\`` ``,`` ``=`` escaped with a backslash."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_field_value(value: str) -> str:
    """The literal value of an escaped field-selector value; SelectorError if invalid."""
    if not any(c in value for c in "\\,="):
        return value
    out, in_slash = [], False
    for char in value:
        if in_slash:
            if char not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{char}")
            out.append(char)
            in_slash = False
        elif char == "\\":
            in_slash = True
        elif char in ",=":
            raise SelectorError(
                f"invalid field selector: unescaped character in value: {ord(char)}"
            )
        else:
            out.append(char)
    if in_slash:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


@dataclass(frozen=True)
class FieldSelector:
    """A parsed field selector: (field, equal, value) terms, all must hold."""

    terms: tuple[tuple[str, bool, str], ...] = ()

    def matches(self, fields: Mapping[str, str]) -> bool:
        """A field missing from ``fields`` reads as ``""``, as in ``fields.Set.Get``."""
        return all((fields.get(f, "") == v) == eq for f, eq, v in self.terms)

    def __str__(self) -> str:
        return ",".join(
            f"{f}{'=' if eq else '!='}{escape_field_value(v)}" for f, eq, v in self.terms
        )


def parse_fields(text: str) -> FieldSelector:
    """Parse a field selector as ``fields.ParseSelector`` does."""
    terms = []
    for part in sorted(split_field_terms(text)):
        if not part:
            continue
        split = split_field_term(part)
        if split is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        lhs, op, rhs = split
        terms.append((lhs, op != "!=", unescape_field_value(rhs)))
    return FieldSelector(tuple(terms))


# --------------------------------------------------------------------------- selectable fields

# What the API server lets a field selector use, per resource type (group/plural):
# each field's path in the v1 object and how an absent one is rendered.
_META = {"metadata.name": "", "metadata.namespace": ""}
_SELECTABLE: dict[str, dict[str, str]] = {
    "/pods": {
        **_META,
        "spec.nodeName": "",
        "spec.restartPolicy": "",
        "spec.schedulerName": "",
        "spec.serviceAccountName": "",
        "spec.hostNetwork": "false",
        "status.phase": "",
        "status.podIP": "",
        "status.nominatedNodeName": "",
    },
    "/nodes": {"metadata.name": "", "spec.unschedulable": "false"},
    "/namespaces": {"metadata.name": "", "status.phase": ""},
    "/persistentvolumes": {"metadata.name": ""},
    "/secrets": {**_META, "type": ""},
    "/services": {**_META, "spec.clusterIP": "", "spec.type": ""},
    "/events": {
        **_META,
        **{
            f"involvedObject.{f}": ""
            for f in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion")
        },
        "involvedObject.fieldPath": "",
        "reason": "",
        "reportingComponent": "",
        "source": "",
        "type": "",
    },
    "/replicationcontrollers": {**_META, "status.replicas": "0"},
    "apps/replicasets": {**_META, "status.replicas": "0"},
    "batch/jobs": {**_META, "status.successful": "0"},
}


def selectable_fields(resource: str, obj: Mapping[str, Any], group: str = "") -> dict[str, str]:
    """The fields a field selector may name for an object of ``group``/``resource``
    (plural), rendered as the API server renders them (booleans ``true``/``false``,
    numbers in decimal, defaults for absent fields)."""
    spec = _SELECTABLE.get(f"{group}/{resource}", _META)
    fields: dict[str, str] = {}
    for path, default in spec.items():
        if path == "source":  # events: the source component
            value: Any = (obj.get("source") or {}).get("component")
        elif path == "status.podIP":
            ips = (obj.get("status") or {}).get("podIPs") or []
            value = ips[0].get("ip") if ips else (obj.get("status") or {}).get("podIP")
        else:
            value = obj
            for part in path.split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
        fields[path] = default if value is None else _render(value)
    return fields


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def field_label_error(selector: FieldSelector, resource: str, group: str = "") -> str | None:
    """The API server's complaint about a field it does not support for this type."""
    spec = _SELECTABLE.get(f"{group}/{resource}", _META)
    for field, _, _ in selector.terms:
        if field not in spec:
            return f"field label not supported: {field}"
    return None

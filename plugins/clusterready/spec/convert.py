"""A strict, typed converter: YAML/JSON data and ``--set`` text into frozen dataclasses.

Generic: it reads the types from the dataclasses' annotations (strings, integers,
booleans, ``Literal`` choices, optionals, tuples, mappings, nested dataclasses), runs
each field's ``check`` from its metadata and each node's ``_validate()``, and says
where and what on any mismatch (:class:`~clusterready.errors.SpecError`).

>>> from clusterready.spec import DhcpSpec
>>> build(DhcpSpec, {"single_domain_name": False}).domain_name_servers
('AmazonProvidedDNS',)
>>> build(DhcpSpec, {"single_domain_name": "no"})
Traceback (most recent call last):
...
clusterready.errors.SpecError: single_domain_name: expected true or false, found string 'no'
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeVar

from clusterready.errors import SpecError
from clusterready.limits import LimitError, check_int, parse_int, shown
from clusterready.spec.documents import parse_yaml

__all__ = ["apply_override", "build", "describe", "from_text", "join", "plain", "validate_tree"]

T = TypeVar("T")


# --------------------------------------------------------------------------- --set text


def apply_override(spec: T, key: str, raw: str, *, source: str = "") -> T:
    """Return ``spec`` with the dotted ``key`` set from the text ``raw``.

    The text is read as the key's type: ``preflight.min_free_ips=50`` is an
    integer, ``preflight.subnets=subnet-a,subnet-b`` a list, and
    ``preflight.subnets.0.min_free_ips=20`` reaches into a list item.

    >>> from clusterready.spec import ClusterSpec
    >>> apply_override(ClusterSpec(), "preflight.min_free_ips", "50").preflight.min_free_ips
    50
    """
    parts = key.split(".")
    if not key or any(not p for p in parts):
        raise SpecError(
            "expected a dotted key such as preflight.min_free_ips", found=shown(key), source=source
        )
    try:
        result = _set_in(spec, type(spec), parts, raw, done=[])
    except SpecError as err:
        raise err.located(source=source) from None
    validate_tree(result, "")
    return typing.cast(T, result)


def _set_in(node: Any, tp: Any, parts: list[str], raw: str, done: list[str]) -> Any:
    here = ".".join(done)
    if not parts:
        return from_text(tp, raw, here)
    head, rest = parts[0], parts[1:]
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        if head not in hints:
            raise SpecError(_unknown_key(head, hints), path=".".join([*done, head]))
        new = _set_in(getattr(node, head), hints[head], rest, raw, [*done, head])
        _run_check(tp, head, new, ".".join([*done, head]))
        return dataclasses.replace(node, **{head: new})
    if origin in (Mapping, dict):
        value_tp = typing.get_args(tp)[1]
        if rest:
            raise SpecError(f"expected nothing after {here}.{head}", path=".".join(done))
        updated = dict(node)
        updated[head] = from_text(value_tp, raw, f"{here}.{head}")
        return updated
    if origin is tuple:
        item_tp = typing.get_args(tp)[0]
        if not re.fullmatch(r"[0-9]{1,9}", head, re.ASCII):
            raise SpecError("expected a list index (0, 1, ...)", found=shown(head), path=here)
        index = int(head)
        if index >= len(node):
            raise SpecError(
                f"expected an index below {len(node)} (the list has {len(node)} items)",
                found=str(index),
                path=here,
            )
        items = list(node)
        items[index] = _set_in(items[index], item_tp, rest, raw, [*done, head])
        return tuple(items)
    raise SpecError(f"expected nothing after {here}", found=f".{'.'.join(parts)}", path=here)


# --------------------------------------------------------------------------- building


def _hints(cls: Any) -> dict[str, Any]:
    return {f.name: t for f, t in zip(dataclasses.fields(cls), _field_types(cls), strict=True)}


def _field_types(cls: Any) -> list[Any]:
    hints = typing.get_type_hints(cls)
    return [hints[f.name] for f in dataclasses.fields(cls)]


def _unknown_key(key: str, known: Iterable[str]) -> str:
    known = list(known)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r}{hint}; expected one of: {', '.join(known)}"


def _run_check(cls: Any, name: str, value: Any, path: str) -> None:
    meta = {f.name: f.metadata for f in dataclasses.fields(cls)}[name]
    check = meta.get("check")
    if check is not None:
        problem = check(value)
        if problem:
            raise SpecError(problem, path=path)


def build(tp: Any, value: Any, path: str = "") -> Any:
    """Convert parsed YAML/JSON ``value`` into the type ``tp``, strictly."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        shorthand = getattr(tp, "SHORTHAND", None)
        if shorthand and isinstance(value, str):
            value = {shorthand: value}
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            expected = "a mapping" + (f" or a {shorthand} string" if shorthand else "")
            raise SpecError(f"expected {expected}", found=describe(value), path=path)
        hints = _hints(tp)
        for key in value:
            if key not in hints:
                raise SpecError(_unknown_key(str(key), hints), path=join(path, str(key)))
        kwargs = {}
        for name, field_tp in hints.items():
            if name in value:
                kwargs[name] = build(field_tp, value[name], join(path, name))
                _run_check(tp, name, kwargs[name], join(path, name))
        obj = typing.cast(Any, tp)(**kwargs)
        _validate_node(obj, path)
        return obj
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return build(args[0], value, path)
    if origin is Literal:
        choices = typing.get_args(tp)
        if value not in choices:
            options = ", ".join(repr(c) for c in choices if c != "")
            raise SpecError(f"expected one of {options}", found=describe(value), path=path)
        return value
    if origin is tuple:
        item_tp = typing.get_args(tp)[0]
        if value is None:
            return ()
        if not isinstance(value, list):
            raise SpecError("expected a list", found=describe(value), path=path)
        return tuple(build(item_tp, item, f"{path}[{i}]") for i, item in enumerate(value))
    if origin in (Mapping, dict):
        value_tp = typing.get_args(tp)[1]
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise SpecError("expected a mapping", found=describe(value), path=path)
        return {str(k): build(value_tp, v, join(path, str(k))) for k, v in value.items()}
    if tp is bool:
        if not isinstance(value, bool):
            raise SpecError("expected true or false", found=describe(value), path=path)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError("expected an integer", found=describe(value), path=path)
        try:
            check_int(value)
        except LimitError as err:
            raise SpecError(str(err), path=path) from None
        return value
    if tp is str:
        if not isinstance(value, str):
            hint = " (quote it)" if isinstance(value, int | float) else ""
            raise SpecError(f"expected a string{hint}", found=describe(value), path=path)
        return value
    raise TypeError(f"unsupported spec type {tp!r}")  # pragma: no cover - programming error


def _validate_node(obj: Any, path: str) -> None:
    validate = getattr(obj, "_validate", None)
    if validate is not None:
        try:
            validate()
        except SpecError as err:
            raise err.located(prefix=path) from None


def validate_tree(obj: Any, path: str) -> None:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        _validate_node(obj, path)
        for f in dataclasses.fields(obj):
            validate_tree(getattr(obj, f.name), join(path, f.name))
    elif isinstance(obj, tuple):
        for i, item in enumerate(obj):
            validate_tree(item, f"{path}[{i}]")


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def from_text(tp: Any, raw: str, path: str) -> Any:
    """Read the text of a --set/--param value as the type ``tp``."""
    origin = typing.get_origin(tp)
    text = raw.strip()
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if text in ("", "null") else from_text(args[0], raw, path)
    if tp is str or origin is Literal:
        return build(tp, raw, path)
    if tp is int:
        try:
            number = parse_int(text)
        except LimitError as err:
            raise SpecError(str(err), path=path) from None
        if number is None:
            raise SpecError("expected an integer", found=shown(raw), path=path)
        return number
    if tp is bool:
        lowered = text.lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        raise SpecError("expected true or false", found=shown(raw), path=path)
    if origin is tuple:
        if text.startswith("["):
            return build(tp, parse_yaml(text, path or "value"), path)
        item_tp = typing.get_args(tp)[0]
        items = [i for i in re.split(r"[,\s]+", text) if i]
        return tuple(from_text(item_tp, item, f"{path}[{n}]") for n, item in enumerate(items))
    if dataclasses.is_dataclass(tp) and getattr(tp, "SHORTHAND", None) and not text.startswith("{"):
        return build(tp, text, path)
    # mappings and sections: JSON or YAML flow text
    return build(tp, parse_yaml(text, path or "value"), path)


def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}" if abs(value) < 10**20 else "an integer of over 20 digits"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {shown(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


def plain(value: Any, reveal: bool = False) -> Any:
    """``value`` (a dataclass tree) as plain data; a node's ``_public()`` copy is taken
    unless ``reveal`` (it hides what must never be printed)."""
    public = getattr(value, "_public", None)
    if public is not None and not reveal:
        value = public()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name), reveal) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return [plain(v, reveal) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v, reveal) for k, v in value.items()}
    return value

"""YAML and JSON text into data, within the input limits, every error on one line with
its place as ``file:line:column``.

>>> parse_yaml("a: [1, 2]", "s.yaml")
{'a': [1, 2]}
>>> parse_json('{"a": }', "s.json")
Traceback (most recent call last):
...
clusterready.errors.SpecError: s.json:1:7: invalid JSON: Expecting value
"""

from __future__ import annotations

import json
from typing import Any

from clusterready.errors import SpecError
from clusterready.limits import MAX_DEPTH, LimitError, too_many_digits

__all__ = ["at", "parse_json", "parse_yaml"]


def at(source: str, line: int, column: int) -> str:
    """``file:line:column``, as compilers and editors write a place in a file."""
    return f"{source}:{line}:{column}"


def _json_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # more digits than int() takes
        raise LimitError(too_many_digits(text)) from None


def parse_json(text: str, source: str) -> Any:
    try:
        data = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as err:
        raise SpecError(
            f"invalid JSON: {err.msg}", source=at(source, err.lineno, err.colno)
        ) from None
    except LimitError as err:
        raise SpecError(f"invalid JSON: {err}", source=source) from None
    except RecursionError:
        raise SpecError(
            f"invalid JSON: nested deeper than {MAX_DEPTH} levels", source=source
        ) from None
    _check_depth(data, source, "JSON")
    return data


def _check_depth(data: Any, source: str, what: str) -> None:
    """Refuse documents nested deeper than MAX_DEPTH (walked without recursion)."""
    level: list[Any] = [data]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for node in level
            if isinstance(node, list | dict)
            for child in (node.values() if isinstance(node, dict) else node)
        ]
        if not level:
            return
    raise SpecError(f"invalid {what}: nested deeper than {MAX_DEPTH} levels", source=source)


def parse_yaml(text: str, source: str) -> Any:
    import yaml  # deferred: `pytest --help` need not pay for it

    from clusterready.spec.yamlread import BoundedLoader, position

    loader = None
    try:
        loader = BoundedLoader(text)  # the reader checks every character here
        return loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = at(source, mark.line + 1, mark.column + 1) if mark else source
        problem = err.problem or err.context or "malformed"
        raise SpecError(f"invalid YAML: {problem}", source=where) from None
    except yaml.reader.ReaderError as err:
        line, column = position(text, err.position)
        raise SpecError(
            f"invalid YAML: unacceptable character #x{err.character:04x} "
            "(control characters are not allowed)",
            source=at(source, line, column),
        ) from None
    except yaml.YAMLError as err:  # pragma: no cover - every other parser error is marked
        raise SpecError(f"invalid YAML: {' '.join(str(err).split())}", source=source) from None
    finally:
        if loader is not None:
            loader.dispose()

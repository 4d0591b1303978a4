"""A YAML loader within the input limits: PyYAML's safe loader, bounded.

``yaml.safe_load`` recurses once per level of nesting (a ``RecursionError`` past
about 1,000) and lets ``int()`` raise a bare ``ValueError`` for an integer of
more than 4,300 digits. This loader stops at :data:`~clusterready.limits.MAX_DEPTH`
levels and turns an oversized integer into a marked error, so the caller can say
where (line and column) in one line.

>>> BoundedLoader("a: [1, {b: 2}]").get_single_data()
{'a': [1, {'b': 2}]}
>>> BoundedLoader("[" * 101 + "]" * 101).get_single_data()
Traceback (most recent call last):
...
yaml.composer.ComposerError: nested deeper than 100 levels
  in "<unicode string>", line 1, column 101:
    ...
"""

from __future__ import annotations

from typing import Any

import yaml

from clusterready.limits import MAX_DEPTH, too_many_digits

__all__ = ["BoundedLoader", "position"]


class BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses deep nesting and integers ``int()`` refuses."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: Any) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # more digits than int() takes
            raise yaml.constructor.ConstructorError(
                None, None, too_many_digits(str(node.value)), node.start_mark
            ) from None


BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_yaml_int)


def position(text: str, index: int) -> tuple[int, int]:
    """The 1-based (line, column) of character ``index`` of ``text``.

    >>> position("ab\\ncd", 4)
    (2, 2)
    """
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1

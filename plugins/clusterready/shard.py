"""``--shard K/N``: run one of N even, contiguous parts of a run's selected tests.

The part is cut from the selection in collection order, which depends only on the
suite's files and the spec (pytest walks directories sorted; the spec's lists
parametrize in their order): every host running shard K of N with the same spec and
version gets the same tests, and the N shards together are the unsharded run, each
test once. Sizes differ by at most one; a shard may get none when N exceeds the
selection, and then passes (exit 0) unless the selection itself was empty (exit 5).

Why not a plugin: pytest-shard (0.1.2) assigns a test by the SHA-256 of its id modulo
N, so parts are uneven: the 36 preflight tests of examples/spec-complete.yaml split
10/14/12 in 3 shards and 6/8/14/8 in 4 (measured with its formula), and the slowest
shard sets the step's time. pytest-split balances by durations recorded in a
``.test_durations`` file that would have to be kept per cluster (our test ids carry
the spec's subnet ids and export names), and without one it only evens counts, as
this does. Each spells its options its own way (``--shard-id/--num-shards`` 0-based,
``--splits/--group``), not the ``--shard K/N`` the Argo templates pass, and each would
be one more dependency in the image for what is ten lines here.

>>> shard = Shard.parse("2/3")
>>> [list(Shard(k, 3).part(7)) for k in (1, 2, 3)]
[[0, 1], [2, 3], [4, 5, 6]]
>>> str(shard), list(Shard(3, 3).part(2))
('2/3', [1])
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clusterready.errors import UsageError

_FORM = re.compile(r"(\d{1,6})/(\d{1,6})")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"K/N"`` with 1 <= K <= N; anything else is a usage error.

        >>> Shard.parse("4/3")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        clusterready.errors.UsageError: --shard: expected K/N with 1 <= K <= N ..., found '4/3'
        """
        match = _FORM.fullmatch(text.strip())
        if match is None or not 1 <= int(match[1]) <= int(match[2]):
            raise UsageError(f"--shard: expected K/N with 1 <= K <= N (e.g. 2/3), found {text!r}")
        return cls(int(match[1]), int(match[2]))

    def part(self, total: int) -> range:
        """The positions, among ``total`` selected tests, that fall to this shard."""
        return range((self.index - 1) * total // self.count, self.index * total // self.count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

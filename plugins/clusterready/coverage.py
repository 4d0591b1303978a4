"""Honest coverage: which add-ons a run checks, which it leaves unchecked, and the
names ``--only`` and ``--param`` may use.

An add-on is *unchecked* when the spec enables it (a version other than ``none``) and
the run checks it nowhere:

- with ``--only NAMES``: a named add-on that no selected test checks;
- without: an enabled add-on that no collected test checks (``-k`` and ``-m`` narrow
  what runs, not what the spec asks for: an add-on whose checks they deselected is
  *not selected*, which is said but fails nothing).

``--shard`` changes neither: both are computed over the whole selection, before the cut,
so every shard reports the same. ``cluster`` is the name of the cluster-level checks:
always enabled, never unchecked (the spec does not list it).

>>> names = AddonNames.known(custom=("my-mesh",))
>>> names.canonical("VPC-CNI"), names.canonical("my-mesh"), names.canonical("nginx")
('aws-node', 'my-mesh', None)
>>> cov = Coverage(enabled=("coredns", "aws-node", "istio"), collected={"coredns", "aws-node"},
...                selected={"coredns"})
>>> cov.unchecked(), cov.not_selected()
(['istio'], ['aws-node'])
>>> Coverage(("coredns", "istio"), {"coredns"}, set(), only=("coredns",)).unchecked()
['coredns']
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from clusterready.errors import UsageError
from clusterready.outcomes import ExitCode

__all__ = [
    "CLUSTER",
    "AddonNames",
    "Coverage",
    "coverage_of",
    "nothing_checked_text",
    "parse_only",
    "registry_names",
    "unchecked_text",
    "verdict",
]

#: The add-on name of the cluster-level checks (``@pytest.mark.addon("cluster")``).
CLUSTER = "cluster"


@dataclass(frozen=True)
class AddonNames:
    """The add-on names a run knows: the registry's (and their aliases), ``cluster`` and
    the spec's ``custom_addons``, each mapped to its canonical name."""

    names: Mapping[str, str]  # lower-case name or alias -> canonical name

    @classmethod
    def known(cls, custom: Iterable[str] = ()) -> AddonNames:
        """The registry's names and aliases, ``cluster`` and the ``custom`` names."""
        return cls({**registry_names(), CLUSTER: CLUSTER, **{c: c for c in custom}})

    def canonical(self, name: str) -> str | None:
        """The canonical name of ``name`` (any case; ``_`` for ``-``), None when unknown."""
        return self.names.get(name.strip().lower().replace("_", "-"))

    def suggestion(self, name: str) -> str:
        """`` (did you mean 'x'?)`` for the closest known name, or ``""``."""
        close = difflib.get_close_matches(name.lower().replace("_", "-"), list(self.names), n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""


@functools.cache
def registry_names() -> Mapping[str, str]:
    """The registry's names and aliases, each mapped to its canonical name.

    >>> registry_names()["vpc-cni"]
    'aws-node'
    """
    from clusterready.addons import known_names, lookup

    found = {name: lookup(name) for name in known_names(aliases=True)}
    return MappingProxyType({n: a.name for n, a in found.items() if a is not None})


def parse_only(text: str, names: AddonNames, *, option: str = "--only") -> tuple[str, ...]:
    """The canonical add-on names of ``--only a,b`` (commas or spaces between them).

    >>> parse_only("coredns, vpc-cni", AddonNames.known())
    ('coredns', 'aws-node')
    >>> parse_only("corends", AddonNames.known())
    Traceback (most recent call last):
    ...
    clusterready.errors.UsageError: --only: unknown add-on 'corends' (did you mean 'coredns'?); \
expected add-on names or aliases (coredns, kube-proxy, ...), cluster, or a name the spec's \
custom_addons declares
    """
    items = [i for i in re.split(r"[,\s]+", text) if i]
    if not items:
        raise UsageError(f"{option}: expected add-on names separated by commas, found {text!r}")
    found: list[str] = []
    for item in items:
        name = names.canonical(item)
        if name is None:
            raise UsageError(
                f"{option}: unknown add-on {item!r}{names.suggestion(item)}; expected add-on "
                "names or aliases (coredns, kube-proxy, ...), cluster, or a name the spec's "
                "custom_addons declares"
            )
        found.append(name)
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class Coverage:
    """What one run checks of the add-ons the spec enables.

    ``enabled``: the spec's enabled add-ons (canonical names); ``collected``: the add-ons
    the collected tests are marked with; ``selected``: those of the selected tests
    (after ``-k``, ``-m`` and ``--only``, before ``--shard``); ``only``: ``--only``'s names.
    """

    enabled: tuple[str, ...]
    collected: Collection[str]
    selected: Collection[str]
    only: tuple[str, ...] | None = None

    def unchecked(self) -> list[str]:
        """The enabled add-ons this run checks nowhere (sorted)."""
        if self.only is not None:
            return sorted(a for a in self.only if a in self.enabled and a not in self.selected)
        return sorted(a for a in self.enabled if a not in self.collected)

    def no_addon_enabled(self) -> bool:
        """True when the run selected add-on checks but the spec enables no add-on at
        all (no spec, or every add-on ``none``): whatever the cluster-level checks say,
        no add-on was checked.

        >>> Coverage((), {"coredns", "cluster"}, {"coredns", "cluster"}).no_addon_enabled()
        True
        >>> Coverage((), {"coredns", "cluster"}, {"cluster"}).no_addon_enabled()
        False
        """
        return (
            not self.enabled
            and self.only is None
            and any(name != CLUSTER for name in self.selected)
        )

    def not_selected(self) -> list[str]:
        """Enabled add-ons with checks that ``-k``/``-m`` left out (``--only`` aside)."""
        if self.only is not None:
            return []
        return sorted(a for a in self.enabled if a in self.collected and a not in self.selected)


def coverage_of(
    enabled: Iterable[str],
    collected: Collection[str],
    selected: Collection[str],
    only: tuple[str, ...] | None,
) -> Coverage | None:
    """The coverage of a run that checks add-ons: None for one whose selection holds no
    add-on check and that has no ``--only`` (a preflight run has no add-ons to cover).

    >>> coverage_of(["coredns"], {"coredns"}, set(), None) is None
    True
    """
    if not selected and only is None:
        return None
    return Coverage(tuple(enabled), collected, selected, only)


def verdict(
    code: int, *, checked: int, sharded: bool, unchecked: Sequence[str], strict: bool
) -> int:
    """The run's exit code, coverage considered: 5 when nothing was checked (no test
    selected, or every one skipped; a shard's part aside, the other shards hold the
    selection), then 1 under ``strict`` when an enabled add-on is unchecked (a retry will
    not close the gap: it wins over 75). Other codes (1, 2, 3, 4) stay.

    >>> verdict(0, checked=0, sharded=False, unchecked=[], strict=False)
    5
    >>> verdict(75, checked=4, sharded=False, unchecked=["istio"], strict=True)
    1
    >>> verdict(0, checked=4, sharded=False, unchecked=["istio"], strict=False)
    0
    """
    if code in (ExitCode.OK, ExitCode.NO_TESTS) and not checked and not sharded:
        code = ExitCode.NO_TESTS
    if unchecked and strict and code in (ExitCode.OK, ExitCode.NO_TESTS, ExitCode.CANNOT_EVALUATE):
        code = ExitCode.CHECKS_FAILED
    return int(code)


def unchecked_text(unchecked: list[str], strict: bool) -> str:
    """The terminal line about unchecked add-ons.

    >>> unchecked_text(["istio"], strict=False)
    "clusterready: unchecked: the spec enables istio but no check of this run covers it \
(write one marked @pytest.mark.addon('istio'), or set it to 'none'; --strict fails the run)"
    """
    them = "them" if len(unchecked) > 1 else "it"
    text = (
        f"clusterready: unchecked: the spec enables {', '.join(unchecked)} but no check "
        f"of this run covers {them} (write one marked @pytest.mark.addon({unchecked[0]!r}), "
        f"or set {them} to 'none'; "
    )
    return text + ("--strict: exit 1)" if strict else "--strict fails the run)")


def no_addon_text(skipped: int) -> str:
    """The terminal line of an add-on run whose spec enables no add-on (exit 5).

    >>> no_addon_text(36)
    "clusterready: no add-on was checked: the spec enables none (no spec given, or every \
add-on 'none'), so 36 add-on checks were skipped: exit 5"
    """
    return (
        "clusterready: no add-on was checked: the spec enables none (no spec given, or "
        f"every add-on 'none'), so {skipped} add-on "
        f"{'checks were' if skipped != 1 else 'check was'} skipped: exit 5"
    )


def nothing_checked_text(selected: int, reasons: Iterable[str]) -> str:
    """The terminal line of a run that checked nothing (exit 5).

    >>> nothing_checked_text(4, ["add-on 'metrics-server' is 'none' in the spec"])
    "clusterready: nothing was checked: 4 tests selected, none ran to a verdict \
(add-on 'metrics-server' is 'none' in the spec): exit 5"
    >>> nothing_checked_text(0, [])
    'clusterready: nothing was checked: no test selected: exit 5'
    """
    if not selected:
        return "clusterready: nothing was checked: no test selected: exit 5"
    why = "; ".join(dict.fromkeys(r for r in reasons if r))
    tests = "1 test" if selected == 1 else f"{selected} tests"
    return (
        f"clusterready: nothing was checked: {tests} selected, none ran to a "
        f"verdict{f' ({why})' if why else ''}: exit 5"
    )

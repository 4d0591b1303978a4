"""Resource types as the API server's discovery documents describe them.

Resolves any name kubectl accepts (plural, singular, short name, Kind,
``plural.group``, ``plural.version.group``) to a :class:`ResourceType`.

>>> pods = ResourceType("", "v1", "pods", "Pod", True, ("po",))
>>> pods.collection_path("demo"), pods.collection_path(None)
('/api/v1/namespaces/demo/pods', '/api/v1/pods')
>>> pods.matches("po"), pods.matches("Pod"), pods.matches("pod"), pods.matches("pods.apps")
(True, True, True, False)
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from clusterready.errors import CannotEvaluate


class ResourceType(NamedTuple):  # a named tuple: a dataclass costs ~1 ms to define
    """One listable resource type of the cluster."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    singular: str = ""
    categories: tuple[str, ...] = ()  # ("all",): what ``kubectl get all`` lists

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def names(self) -> tuple[str, ...]:
        """Every lower-case name that designates this type without a group."""
        return (
            self.plural,
            self.singular or self.kind.lower(),
            self.kind.lower(),
            *self.short_names,
        )

    def matches(self, name: str) -> bool:
        """True when ``name`` (as kubectl accepts it) designates this type."""
        lowered = name.lower()
        if lowered in self.names:
            return True
        first, _, rest = lowered.partition(".")
        if not rest or first not in self.names:
            return False
        return rest in (self.group, f"{self.version}.{self.group}")

    def collection_path(self, namespace: str | None) -> str:
        """The URL path listing this type in ``namespace`` (None: all / cluster-scoped)."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace and self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"


class UnknownResourceType(CannotEvaluate):
    """The cluster serves no resource type of that name (a typo, or a CRD not installed)."""

    retryable = False  # discovery is read once per run: asking again gives the same answer


class Discovery:
    """Discovery of one cluster, fetched lazily once and kept in memory.

    ``fetch(path)`` returns a decoded discovery document. The core group is
    read first (``/api/v1``); the other groups (``/apis`` and one document per
    group) only when a name is not found there.
    """

    def __init__(self, fetch: Callable[[str], dict[str, Any]], cluster: str) -> None:
        self._fetch = fetch
        self._cluster = cluster
        self._core: list[ResourceType] | None = None
        self._groups: list[ResourceType] | None = None
        self._resolved: dict[str, ResourceType] = {}

    def resolve(self, name: str) -> ResourceType:
        """The resource type ``name`` designates; :class:`UnknownResourceType` if none."""
        cached = self._resolved.get(name)
        if cached is not None:
            return cached
        for candidates in (self._core_types, self._group_types):
            for resource in candidates():
                if resource.matches(name):
                    self._resolved[name] = resource
                    return resource
        known = sorted(
            {n for r in self._all() for n in (r.plural, *r.short_names)}
            | {f"{r.plural}.{r.group}" for r in self._all() if r.group}
        )
        close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UnknownResourceType(
            f"cluster {self._cluster!r}: the server has no resource type {name!r}{hint}"
        )

    def _all(self) -> Iterable[ResourceType]:
        return [*self._core_types(), *self._group_types()]

    def _core_types(self) -> list[ResourceType]:
        if self._core is None:
            self._core = _parse_resource_list(self._fetch("/api/v1"), "", "v1")
        return self._core

    def _group_types(self) -> list[ResourceType]:
        if self._groups is None:
            types: list[ResourceType] = []
            for group in self._fetch("/apis").get("groups") or []:
                preferred = (group.get("preferredVersion") or {}).get("version")
                versions = [v["version"] for v in group.get("versions") or []]
                version = preferred or (versions[0] if versions else None)
                if version is None:
                    continue
                document = self._fetch(f"/apis/{group['name']}/{version}")
                types.extend(_parse_resource_list(document, group["name"], version))
            self._groups = types
        return self._groups


def _parse_resource_list(document: dict[str, Any], group: str, version: str) -> list[ResourceType]:
    return [
        ResourceType(
            group=group,
            version=version,
            plural=r["name"],
            kind=r.get("kind", ""),
            namespaced=bool(r.get("namespaced")),
            short_names=tuple(r.get("shortNames") or ()),
            singular=r.get("singularName") or "",
            categories=tuple(r.get("categories") or ()),
        )
        for r in document.get("resources") or []
        if "/" not in r.get("name", "/") and "list" in (r.get("verbs") or ())
    ]

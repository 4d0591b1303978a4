"""Where DETIK reads its rows: (name, value) pairs of one resource type.

- :class:`ClusterSource`: a :class:`clusterready.kube.Cluster`, projecting the
  name and the property as kubectl custom-columns would print them;
- :class:`KubectlSource`: a client command run exactly as bats-detik's
  ``DETIK_CLIENT_NAME`` is (``<argv> get <type> -o custom-columns=...
  [--namespace=NS | --all-namespaces]``), its table parsed; ``oc`` or a wrapper works;
- :class:`StaticSource`: fixed rows for every query, as bats-detik's tests mock the client.

>>> StaticSource([("nginx-1", "Running")]).rows(Query("pods", ".status.phase"))
[('nginx-1', 'Running')]
>>> print(*Query("pods", ".status.phase", namespace="kube-system").client_args())
get pods -o custom-columns=NAME:.metadata.name,PROP:.status.phase --namespace=kube-system
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol, runtime_checkable

from clusterready.errors import CannotEvaluate
from clusterready.kube.cluster import Cluster
from clusterready.kube.jsonpath import project

__all__ = ["ClusterSource", "KubectlSource", "Query", "Row", "Source", "StaticSource"]

Row = tuple[str, str]
_BLANKS = " \t\n"  # what xargs trims


class Query(NamedTuple):  # a named tuple: a dataclass costs ~1 ms to define
    """What one DETIK check asks for: the names (and one property) of a resource type."""

    resource: str
    path: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    cluster_scoped: bool = False  # nodes, namespaces...: no namespace applies

    def client_args(self) -> list[str]:
        """The arguments bats-detik gives its client after the client name."""
        columns = "NAME:.metadata.name" + (f",PROP:{self.path}" if self.path else "")
        args = ["get", self.resource, "-o", f"custom-columns={columns}"]
        if self.namespace:
            args.append(f"--namespace={self.namespace}")
        elif self.all_namespaces:
            args.append("--all-namespaces")
        return args

    def describe(self) -> str:
        """The query in words, for failure messages."""
        where = (
            "(cluster-scoped)"
            if self.cluster_scoped
            else f"in namespace {self.namespace!r}"
            if self.namespace
            else "in all namespaces"
            if self.all_namespaces
            else "in the default namespace"
        )
        prop = f", property {self.path}" if self.path else ""
        return f"{self.resource} {where}{prop}"


@runtime_checkable
class Source(Protocol):
    """Anything that answers a :class:`Query` with rows."""

    def rows(self, query: Query) -> list[Row]:
        """The (name, value) rows; the value is ``""`` when the query has no property.

        Raises :class:`~clusterready.errors.CannotEvaluate` when it cannot look.
        """
        ...


class ClusterSource:
    """Rows from a :class:`~clusterready.kube.Cluster` (one list call per query)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def rows(self, query: Query) -> list[Row]:
        """Values with their outer blanks and newlines removed, as bats-detik's ``xargs``
        removes them; a multi-line value is kept whole (docs/detik-compat.md, D19)."""
        objects = self.cluster.iter_list(  # streamed: one page held, not the whole list
            query.resource, namespace=query.namespace, all_namespaces=query.all_namespaces
        )
        path = query.path
        return [
            (project(o, ".metadata.name"), project(o, path).strip(_BLANKS) if path else "")
            for o in objects
        ]

    def cluster_scoped(self, resource: str) -> bool:
        """Whether the type is cluster-scoped (discovery, read once)."""
        return not self.cluster.resolve(resource).namespaced


class KubectlSource:
    """Rows from a client command, run as bats-detik runs ``DETIK_CLIENT_NAME``.

    ``argv`` is the client and its own arguments (``["kubectl", "--context", "prod"]``,
    ``["oc"]``); a string is split as a shell would (``"kubectl -n kube-system"``).
    Unlike bats-detik, there is no ``eval``, a non-zero exit raises
    CannotEvaluate instead of reading as "0 found", and values are not mangled.
    """

    def __init__(self, argv: Sequence[str] | str, timeout: float = 60.0) -> None:
        import shlex  # deferred, with subprocess: only a client command needs them

        self.argv = shlex.split(argv) if isinstance(argv, str) else list(argv)
        if not self.argv:
            raise ValueError("KubectlSource needs a client command, e.g. ['kubectl']")
        self.timeout = timeout

    def rows(self, query: Query) -> list[Row]:
        import shlex
        import subprocess

        command = [*self.argv, *query.client_args()]
        shown = shlex.join(command)
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                check=False,
                timeout=self.timeout,
                stdin=subprocess.DEVNULL,
            )
        except FileNotFoundError:
            raise CannotEvaluate(f"{shown}: command not found: {self.argv[0]}") from None
        except subprocess.TimeoutExpired:
            raise CannotEvaluate(f"{shown}: no answer within {self.timeout:g}s") from None
        if done.returncode != 0:
            detail = next(
                (line.strip() for line in done.stderr.splitlines() if line.strip()),
                "no error message",
            )
            raise CannotEvaluate(f"{shown}: exit {done.returncode}: {detail}")
        return parse_table(done.stdout)


def parse_table(text: str) -> list[Row]:
    """Rows of a custom-columns table: the header dropped, the name is the first
    field, the value the rest of the line with its outer blanks removed.

    >>> parse_table("NAME   PROP\\nweb-1  Running\\nweb-2  a  b\\n")
    [('web-1', 'Running'), ('web-2', 'a  b')]
    """
    rows = []
    for line in text.splitlines()[1:]:
        if not line.strip():
            continue
        name, _, value = line.strip().partition(" ")
        rows.append((name, value.strip()))
    return rows


class StaticSource:
    """The same rows for every query (as bats-detik's own tests mock the client)."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self._rows = [(str(name), str(value)) for name, value in rows]

    def rows(self, query: Query) -> list[Row]:
        return list(self._rows)

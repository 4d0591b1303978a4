"""``clusterready changed``: the add-ons a change touches, for CI to check just those.

The change is ``git diff --name-only --no-renames REV...HEAD`` in the repository (paths
from its top, wherever in it ``repo`` is): what
the branch changed since it left REV (their merge base), as a pull request shows it;
a rename counts at both its old and its new path. Each path is mapped to add-on names:

- by default, an add-ons repository laid out as ``addons/<name>/...`` (any file under
  ``addons/coredns/`` touches coredns; an alias directory such as ``addons/vpc-cni/``
  touches its add-on, aws-node);
- with a mapping file (YAML or JSON), by its globs: ``{"charts/dns/**": ["coredns"],
  "cni/*": "aws-node"}`` (``fnmatch`` patterns on the path from the repository's top:
  ``*`` matches ``/`` too; a path may match several globs).

>>> addons_of(["addons/coredns/values.yaml", "addons/vpc-cni/Chart.yaml", "README.md"])
['aws-node', 'coredns']
>>> addons_of(["cni/values.yaml"], {"cni/*": ["vpc-cni"], "docs/*": ["coredns"]})
['aws-node']
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from clusterready.coverage import registry_names
from clusterready.errors import SpecError, UsageError
from clusterready.files import read_text

__all__ = ["GlobMap", "addons_of", "changed_paths", "load_map", "unknown_names"]

#: A mapping file's content: glob -> add-on names.
GlobMap = Mapping[str, Sequence[str]]

_LAYOUT = "addons"


def changed_paths(since: str, repo: str | os.PathLike[str] = ".") -> list[str]:
    """The paths ``REV...HEAD`` changed in the git repository at ``repo``.

    Raises :class:`UsageError` (one line) when ``repo`` is not a git repository, git is
    missing, or ``since`` names no commit or shares no history with HEAD.
    """
    where = str(repo)
    if not Path(where).is_dir():
        raise UsageError(f"--repo {where}: no such directory")
    _git(where, ["rev-parse", "--git-dir"], f"--repo {where}: not a git repository")
    _git(
        where,
        ["rev-parse", "--verify", "--quiet", f"{since}^{{commit}}"],
        f"--since {since}: no such revision in {where}",
    )
    out = _git(
        where,
        ["diff", "--name-only", "--no-renames", "--no-relative", "-z", f"{since}...HEAD", "--"],
        f"--since {since}: no common history with HEAD in {where}",
    )
    return [path for path in out.split("\0") if path]


def _git(repo: str, args: list[str], problem: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", repo, *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise UsageError("git is not installed (clusterready changed runs git diff)") from None
    if done.returncode != 0:
        detail = next((line for line in done.stderr.splitlines() if line.strip()), "")
        raise UsageError(problem + (f" ({detail.strip()})" if detail else ""))
    return done.stdout


def addons_of(paths: Iterable[str], mapping: GlobMap | None = None) -> list[str]:
    """The add-on names the paths touch, sorted: canonical for a known name or alias,
    as written for another (see :func:`unknown_names`)."""
    names = registry_names()
    found: set[str] = set()
    for path in paths:
        if mapping is None:
            parts = path.split("/")
            if len(parts) > 2 and parts[0] == _LAYOUT and parts[1]:
                found.add(parts[1])
        else:
            for pattern, addons in mapping.items():
                if fnmatch.fnmatchcase(path, pattern):
                    found.update(addons)
    return sorted({names.get(name.lower(), name.lower()) for name in found})


def unknown_names(addons: Iterable[str]) -> list[str]:
    """The names the registry does not know: their checks, if any, run only when the
    spec declares them in ``custom_addons``.

    >>> unknown_names(["coredns", "my-mesh"])
    ['my-mesh']
    """
    known = set(registry_names().values())
    return [name for name in addons if name not in known]


def load_map(path: str | os.PathLike[str]) -> dict[str, list[str]]:
    """Read a mapping file: a YAML or JSON mapping of glob -> add-on name or names."""
    from clusterready.spec.documents import parse_yaml

    name = str(path)
    text = read_text(path, "--map")
    try:
        data: Any = parse_yaml(text, name)  # JSON is YAML
    except SpecError as err:  # it names the place: file:line:column
        raise UsageError(f"--map {err}") from None
    if not isinstance(data, dict) or not data:
        raise UsageError(f"--map {name}: expected a mapping of glob -> add-on names")
    result: dict[str, list[str]] = {}
    for glob, value in data.items():
        names = [value] if isinstance(value, str) else value
        if not (
            isinstance(glob, str)
            and isinstance(names, list)
            and names
            and all(isinstance(n, str) and n for n in names)
        ):
            raise UsageError(
                f"--map {name}: {glob!r}: expected an add-on name or a list of them, "
                f"found {value!r}"
            )
        result[glob] = names
    return result

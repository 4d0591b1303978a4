"""The shipped suites: where they are installed, how they are marked, how they are run.

The suites' source lives in the checkout's top-level ``tests_preflight/`` and
``tests_addons/``; the wheel carries them as ``clusterready/suites/tests_*`` next to
``pytest.ini``, their settings. Both layouts put the two suites in one directory,
the rootdir of ``clusterready run``, so a test id reads the same in a checkout and
in an image (``tests_preflight/test_vpc.py::test_dns``).

>>> sorted(SUITES)
['addons', 'preflight']
>>> suite_path("preflight").name
'tests_preflight'
>>> suite_path("addons").parent == suites_root()
True
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from clusterready.errors import UsageError

if TYPE_CHECKING:
    import pytest


class Suite(NamedTuple):  # a named tuple: a dataclass costs ~1 ms to define
    """One shipped suite: its directory name and the markers its tests get."""

    directory: str
    markers: tuple[str, ...]
    about: str


SUITES: dict[str, Suite] = {
    "preflight": Suite(
        "tests_preflight", ("preflight", "aws"), "is the AWS account ready for the cluster?"
    ),
    "addons": Suite(
        "tests_addons", ("addons", "kube"), "does each add-on of the spec run in the cluster?"
    ),
}

#: The settings of a suite run: the inifile of ``clusterready run`` (the checkout's
#: pyproject.toml holds the same, plus testpaths; tests/test_run.py keeps them equal).
INIFILE = Path(__file__).with_name("pytest.ini")


def suite_path(name: str) -> Path:
    """The installed directory of suite ``name`` (in a checkout: its top-level directory)."""
    module = f"clusterready.suites.{SUITES[name].directory}"
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise UsageError(f"suite {name!r} is not installed: no package {module}")
    return Path(next(iter(spec.submodule_search_locations)))


def suites_root() -> Path:
    """The directory that holds every suite: the rootdir of a suite run."""
    (root,) = {suite_path(name).parent for name in SUITES}
    return root


def mark_suite(items: Iterable[pytest.Item], name: str, directory: Path) -> None:
    """Give every test under ``directory`` the markers of suite ``name`` (called by the
    suite's conftest.py with its own directory, wherever the suite was copied)."""
    for item in items:
        if item.path.is_relative_to(directory):
            for marker in SUITES[name].markers:
                item.add_marker(marker)


def run_arguments(suite: str, args: Sequence[str] = ()) -> list[str]:
    """The pytest command line of ``clusterready run SUITE ARGS...``: our inifile and
    rootdir (whatever the working directory holds), the suite's directory (both for
    ``all``), the ``--checks`` directories, then every other argument, unchanged.

    >>> line = run_arguments("addons", ["--spec", "/tmp/spec.yaml", "-q"])
    >>> line[0] == f"--config-file={INIFILE}", line[1].startswith("--rootdir=")
    (True, True)
    >>> Path(line[2]).name, line[3:]
    ('tests_addons', ['--spec', '/tmp/spec.yaml', '-q'])
    >>> run_arguments("nope")
    Traceback (most recent call last):
    ...
    clusterready.errors.UsageError: unknown suite 'nope': expected one of preflight, addons, all
    """
    names = list(SUITES) if suite == "all" else [suite]
    if any(n not in SUITES for n in names):
        raise UsageError(f"unknown suite {suite!r}: expected one of {', '.join([*SUITES, 'all'])}")
    checks, rest = take_option(args, "--checks")
    paths = [str(suite_path(n)) for n in names]
    for directory in checks:
        path = Path(directory).resolve()
        if not path.is_dir():
            raise UsageError(f"--checks {directory}: no such directory")
        paths.append(str(path))
    return [f"--config-file={INIFILE}", f"--rootdir={suites_root()}", *paths, *rest]


def take_option(args: Sequence[str], flag: str) -> tuple[list[str], list[str]]:
    """Split ``flag VALUE`` and ``flag=VALUE`` (repeatable) out of ``args``.

    >>> take_option(["-q", "--checks", "a", "--checks=b", "-x"], "--checks")
    (['a', 'b'], ['-q', '-x'])
    """
    values: list[str] = []
    rest: list[str] = []
    it = iter(args)
    for arg in it:
        if arg == flag:
            value = next(it, None)
            if value is None or value.startswith("-"):
                raise UsageError(f"{flag}: expected a directory after it")
            values.append(value)
        elif arg.startswith(flag + "="):
            values.append(arg.split("=", 1)[1])
        else:
            rest.append(arg)
    return values, rest

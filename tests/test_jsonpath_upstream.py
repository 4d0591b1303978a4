"""client-go's own jsonpath tables (tests/data/client-go-jsonpath.json) as custom-columns
paths: `project` prints what real kubectl prints for each, or fails where kubectl fails."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from clusterready.kube import JsonPathError, project
from clusterready.testing import FakeCluster

DATA = json.loads(
    (Path(__file__).parent / "data" / "client-go-jsonpath.json").read_text(encoding="utf-8")
)
CASES: list[dict[str, Any]] = DATA["cases"]
#: Values kubectl's printer escapes (term.EscapeTerminal): ESC and CR.
OWN_CASES: list[dict[str, Any]] = [
    {"name": "ESC in a value", "template": ".ansi", "input": "own"},
    {"name": "CR in a value", "template": ".crlf", "input": "own"},
    {"name": "ESC inside a map", "template": ".nested", "input": "own"},
    {"name": "a quoted literal after a path", "template": '{.missing "x"}', "input": "own"},
    {"name": "a tab in a filter literal", "template": '{.list[?(@.k=="a\\tb")].v}', "input": "own"},
    {"name": "a path ending in a backslash", "template": ".ansi\\", "input": "own"},
    {"name": "an escaped backslash", "template": "{\\\\\\}", "input": "own"},
]
OWN = {
    "ansi": "\x1b[31mred\x1b[0m",
    "crlf": "line\r\n",
    "nested": {"k": "\x1b]0;title\x07"},
    "list": [{"k": "a\tb", "v": "tab"}, {"k": "ab", "v": "none"}],
}


def served(name: str | None) -> str:
    """The object a case runs on: its input, when kubectl can print that as one object.

    Inputs that are not objects (a list, null), parser-only cases, and inputs with a
    top-level ``items`` (kubectl prints such an object as a list, item by item) run
    on a bare object instead: the path must still parse, fail and print as kubectl's.
    """
    if name == "own":
        return name
    value = DATA["inputs"].get(name) if name else None
    return name if isinstance(value, dict) and "items" not in value and name else "bare"


def same(template: str, ours: str, kubectl: str) -> bool:
    """Recursive descent and a wildcard over a map (``{*}``, ``.*``; not ``[*]`` over a
    list) visit the map in Go's random order: those are compared as a multiset."""
    over_a_map = ".." in template or "*" in template.replace("[*]", "")
    if over_a_map and "ERROR" not in (ours, kubectl):
        return sorted(ours.split(",")) == sorted(kubectl.split(","))
    return ours == kubectl


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeCluster]:
    with FakeCluster() as fake:
        for name, value in [*DATA["inputs"].items(), ("own", OWN), ("bare", {})]:
            if isinstance(value, dict) and "items" not in value:
                fake.apply(
                    {
                        **value,
                        "apiVersion": "jsonpath.test/v1",
                        "kind": "Case",
                        "metadata": {
                            **value.get("metadata", {}),
                            "name": name,
                            "namespace": "default",
                        },
                    }
                )
        yield fake


def kubectl(fake: FakeCluster, cache: Path, name: str, template: str) -> str:
    """What kubectl prints, or "ERROR" when it fails twice: a path kubectl refuses fails
    every time, while a loaded machine can fail one of the parallel kubectl processes
    (they share a discovery cache), so a single failure is asked again."""
    printed = _kubectl_once(fake, cache, name, template)
    return printed if printed != "ERROR" else _kubectl_once(fake, cache, name, template)


def _kubectl_once(fake: FakeCluster, cache: Path, name: str, template: str) -> str:
    done = subprocess.run(
        [
            "kubectl",
            "--kubeconfig",
            fake.kubeconfig,
            "--cache-dir",
            str(cache),
            "get",
            "cases.jsonpath.test",
            name,
            "--no-headers",
            "-o",
            f"custom-columns=P:{template}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return done.stdout.removesuffix("\n") if done.returncode == 0 else "ERROR"


def ours(fake: FakeCluster, name: str, template: str) -> str:
    obj = next(o for o in fake.objects("Case") if o["metadata"]["name"] == name)
    try:
        return project(obj, template)
    except JsonPathError:
        return "ERROR"


@pytest.mark.slow  # 162 kubectl runs; tests/test_jsonpath.py is the fast loop
def test_every_upstream_case_prints_as_kubectl_prints_it(
    upstream: FakeCluster, tmp_path: Path
) -> None:
    cases = [(c["name"], served(c["input"]), c["template"]) for c in CASES + OWN_CASES]
    kubectl(upstream, tmp_path, "bare", ".kind")  # fill the discovery cache once
    with ThreadPoolExecutor(4) as pool:
        printed = list(pool.map(lambda c: kubectl(upstream, tmp_path, c[1], c[2]), cases))
    differ = [
        (name, template, expected, ours(upstream, obj, template))
        for (name, obj, template), expected in zip(cases, printed, strict=True)
        if not same(template, ours(upstream, obj, template), expected)
    ]
    assert differ == [], f"{len(differ)} of {len(cases)} differ from kubectl"
    assert len(cases) == 162
    assert sum(obj != "bare" for _, obj, _ in cases) == 102  # on their own input


def test_the_tables_carry_their_provenance() -> None:
    assert DATA["provenance"]["license"] == "Apache-2.0"
    assert len(DATA["provenance"]["commit"]) == 40

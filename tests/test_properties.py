"""Property tests: over generated input, the DETIK parser and linter, the spec loader with
--param/--set and the JSONPath projection return a result or raise their documented
error (DetikSyntaxError, SpecError, JsonPathError), never anything else.

The profiles (tests/conftest.py) are deterministic (derandomize: the same examples on
every run, in CI too) and bounded: 200 examples per property by default and in `make
test-slow`, 50 in `make check` and `make test`; no deadline, since tests never assert
wall time.
"""

from __future__ import annotations

import contextlib
import json
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from clusterready.detik import Detik, StaticSource, parse
from clusterready.detik.lint import lint
from clusterready.errors import DetikSyntaxError, SpecError
from clusterready.kube.jsonpath import JsonPathError, check_path, project
from clusterready.spec import PARAMETERS, ClusterSpec


def one_line(err: Exception) -> None:
    """A documented error is one line, whatever the input held."""
    assert "\n" not in str(err), str(err)


# --------------------------------------------------------------------------- pieces

NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=50).map(str),
    st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),
    st.sampled_from(["0", "007", "-1", "1.5", "²", "٣", "9999999999", "1e3"]),
)
REGEX_BITS = st.sampled_from(
    [
        "a",
        "nginx",
        ".*",
        "^",
        "$",
        "[[:alnum:]]",
        "[a-z]",
        "[^]",
        "[",
        "(",
        ")",
        "{2}",
        "{4294967296}",
        "{1,99999}",
        "*",
        "+",
        "?",
        "|",
        "\\",
        "\\d",
        "\\<",
        "\\1",
        "(" * 60,
        ")" * 60,
        "é",
        "'",
    ]
)
REGEXES = st.lists(REGEX_BITS, max_size=8).map("".join)
PATH_BITS = st.sampled_from(
    [
        ".status",
        ".phase",
        ".metadata",
        ".name",
        "..",
        "[*]",
        "[0]",
        "[-1]",
        "[1:2]",
        "[::0]",
        "[9999999999999999999999]",
        "[?(@.a==1)]",
        "[?(@.a=='x')]",
        "[?(@.a)]",
        "[0,1]",
        "['a.b']",
        "{",
        "}",
        ",",
        " ",
        "@",
        "$",
        "'",
        '"',
        "x",
        "1",
        "\n",
    ]
)
PATHS = st.lists(PATH_BITS, max_size=8).map("".join)
WORDS = st.sampled_from(
    [
        "there",
        "is",
        "are",
        "more",
        "less",
        "than",
        "pods",
        "deploy",
        "settings.example.io",
        "named",
        "at",
        "most",
        "times",
        "every",
        "5s",
        "to",
        "get",
        "find",
        "and",
        "verify",
        "that",
        "with",
        "being",
        "matching",
        "matches",
        "for",
        "'status'",
        "'port'",
        "''",
    ]
)
TOKENS = st.one_of(
    WORDS,
    NUMBERS,
    NUMBERS.map(lambda n: n + "s"),
    REGEXES.map(lambda r: f"'{r}'"),
    PATHS.map(lambda p: f"'{p}'"),
    st.text(max_size=6),
)
SENTENCES = st.one_of(
    st.lists(TOKENS, max_size=16).map(" ".join),
    st.text(max_size=80),
    st.builds(
        lambda n, name, prop, value: (
            f"at most {n} times every {n}s to get pods named "
            f"'{name}' and verify that '{prop}' is more than '{value}'"
        ),
        NUMBERS,
        REGEXES,
        PATHS,
        NUMBERS,
    ),
    st.builds(
        lambda n, name: f"there are {n} pods named '{name}'",
        NUMBERS,
        REGEXES,
    ),
    st.builds(
        lambda prop, value, name: f"'{prop}' matches '{value}' for pods named '{name}'",
        PATHS,
        REGEXES,
        REGEXES,
    ),
)

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=10),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(["a", "b", "name", "phase", "status", "metadata", "x.y", ""]),
            children,
            max_size=4,
        ),
    ),
    max_leaves=20,
)


# --------------------------------------------------------------------------- DETIK


@given(SENTENCES)
def test_parse_returns_a_statement_or_raises_a_syntax_error(sentence: str) -> None:
    try:
        statement = parse(sentence)
    except DetikSyntaxError as err:
        one_line(err)
        return
    if statement.verb == "try":
        assert statement.times is not None
        assert statement.times >= 1


@given(SENTENCES, st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=4))
def test_a_parsed_sentence_is_evaluated_without_a_crash(
    sentence: str, rows: list[tuple[str, str]]
) -> None:
    try:
        statement = parse(sentence)
    except DetikSyntaxError:
        return
    detik = Detik(StaticSource(rows), max_attempts=2, sleep=lambda seconds: None)
    run = detik.try_ if statement.verb == "try" else detik.verify
    outcome = run(sentence, check=False)
    assert outcome.status in (0, 3)


@pytest.fixture(scope="module")
def lint_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lint")


@given(
    st.lists(SENTENCES, max_size=4),
    st.sampled_from([".py", ".bats"]),
    st.text(max_size=40),
)
def test_lint_reports_and_never_raises(
    lint_dir: Path, sentences: list[str], suffix: str, noise: str
) -> None:
    if suffix == ".py":
        body = "".join(
            f"def test_{i}(detik):\n    detik.verify({s!r})\n" for i, s in enumerate(sentences)
        )
    else:
        body = "".join(f"  run verify {json.dumps(s)}\n  try {s} \\\n" for s in sentences)
    path = lint_dir / f"t{suffix}"
    path.write_text(body + noise, encoding="utf-8", errors="surrogatepass")
    report = lint(path)
    assert report.statements >= 0
    assert all("\n" not in e.message for e in report.errors) or suffix == ".bats"
    assert isinstance(report.lines(), list)


# --------------------------------------------------------------------------- the spec

SPEC_KEYS = st.sampled_from(
    [
        "cluster.name",
        "cluster.version",
        "aws.region",
        "aws.account",
        "aws.max_attempts",
        "kube.namespace",
        "preflight.min_free_ips",
        "preflight.min_azs",
        "preflight.subnets",
        "preflight.subnets.0",
        "preflight.subnets.0.min_free_ips",
        "preflight.subnets.²",
        "preflight.subnets.99999999999999999999",
        "preflight.exports",
        "preflight.exports.0.pattern",
        "preflight.ssm_parameters",
        "preflight.dhcp",
        "preflight.dhcp.single_domain_name",
        "preflight.lb_subnet_tags",
        "preflight.vpc_dns",
        "addons.coredns",
        "addons",
        "nope",
        "a..b",
        "",
    ]
)
TEXT_VALUES = st.one_of(
    NUMBERS,
    REGEXES,
    st.text(max_size=20),
    JSON_VALUES.map(json.dumps),
    st.integers(min_value=1, max_value=3000).map(lambda n: "[" * n + "]" * n),
    st.sampled_from(["true", "no", "null", "subnet-0a,subnet-0b", "[subnet-0a]", "{id: x}"]),
)
PARAM_NAMES = st.one_of(
    st.sampled_from(sorted(PARAMETERS)),
    st.sampled_from(["METRICS-SERVER", "aws_node", "1BAD", "", "a b"]),
)


@given(
    st.lists(st.tuples(PARAM_NAMES, TEXT_VALUES).map("=".join), max_size=3),
    st.lists(st.tuples(SPEC_KEYS, TEXT_VALUES).map("=".join), max_size=3),
)
def test_params_and_sets_give_a_spec_or_a_spec_error(params: list[str], sets: list[str]) -> None:
    try:
        spec = ClusterSpec.load(params=params, sets=sets, environ={})
    except SpecError as err:
        one_line(err)
        return
    json.dumps(spec.to_dict())


DOCUMENTS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {"kind": st.sampled_from(["Workflow", "WorkflowTemplate", []]), "spec": JSON_VALUES}
    ),
    st.fixed_dictionaries(
        {"context": JSON_VALUES, "data": st.fixed_dictionaries({"body": JSON_VALUES})}
    ),
    st.dictionaries(
        st.sampled_from(["cluster", "aws", "kube", "preflight", "addons", "CLUSTER_NAME"]),
        JSON_VALUES,
        max_size=3,
    ),
)


@pytest.fixture(scope="module")
def spec_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("specs")


@given(DOCUMENTS, st.sampled_from(["json", "yaml", "text"]), st.text(max_size=30))
def test_a_spec_file_gives_a_spec_or_a_spec_error(
    spec_dir: Path, document: Any, form: str, text: str
) -> None:
    if form == "json":
        path, body = spec_dir / "s.json", json.dumps(document)
    elif form == "yaml":
        path, body = spec_dir / "s.yaml", yaml.safe_dump(document)
    else:
        path, body = spec_dir / "s.yaml", text
    path.write_text(body, encoding="utf-8", errors="surrogatepass")
    try:
        ClusterSpec.load(path, environ={})
    except SpecError as err:
        one_line(err)


# --------------------------------------------------------------------------- JSONPath


@given(JSON_VALUES, PATHS)
def test_project_returns_text_or_raises_a_jsonpath_error(obj: Any, path: str) -> None:
    try:
        check_path(path)
    except JsonPathError:
        with pytest.raises(JsonPathError):
            project({"metadata": {"name": "x"}, "spec": obj}, path)
        return
    try:
        printed = project({"metadata": {"name": "x"}, "spec": obj, "status": obj}, path)
    except JsonPathError:
        return
    assert isinstance(printed, str)


@given(st.text(alphabet=string.printable, max_size=40))
def test_any_path_text_is_checked_without_a_crash(path: str) -> None:
    with contextlib.suppress(JsonPathError):
        check_path(path)

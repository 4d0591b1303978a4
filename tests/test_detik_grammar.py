"""The DETIK grammar: every form, aliases, case rules, and precise syntax errors."""

from __future__ import annotations

import pytest

from clusterready.detik import parse
from clusterready.detik.ere import EreError, compile_ere
from clusterready.errors import DetikSyntaxError

FORMS = [
    ("there is 0 pod named 'x'", "verify", "count", "==", "0"),
    ("there is 1 pod named 'x'", "verify", "count", "==", "1"),
    ("there are 12 pods named 'x'", "verify", "count", "==", "12"),
    ("there are more than 1 pods named 'x'", "verify", "count", ">", "1"),
    ("there are less than 3 pods named 'x'", "verify", "count", "<", "3"),
    ("'status' is 'running' for pods named 'x'", "verify", "property", "is", "running"),
    ("'status' matches '^Run' for pods named 'x'", "verify", "property", "matches", "^Run"),
    (
        "at most 5 times every 30s to get pods named 'x' and verify that 'status' is 'running'",
        "try",
        "get",
        "is",
        "running",
    ),
    (
        "at most 5 times every 30s to get deploy named 'x' and verify that "
        "'status.readyReplicas' is more than '1'",
        "try",
        "get",
        ">",
        "1",
    ),
    (
        "at most 5 times every 30s to get deploy named 'x' and verify that "
        "'status.readyReplicas' is less than '3'",
        "try",
        "get",
        "<",
        "3",
    ),
    (
        "at most 5 times every 30s to get pods named 'x' and verify that 'status' matches 'R.*'",
        "try",
        "get",
        "matches",
        "R.*",
    ),
    (
        "at most 5 times every 30s to find 2 pods named 'x' with 'status' being 'running'",
        "try",
        "find",
        "is",
        "running",
    ),
    (
        "at most 5 times every 30s to find 2 pods named 'x' with 'status' matching 'Run'",
        "try",
        "find",
        "matches",
        "Run",
    ),
]


@pytest.mark.parametrize(
    ("sentence", "verb", "form", "op", "expected"), FORMS, ids=[f[0][:60] for f in FORMS]
)
def test_every_form(sentence: str, verb: str, form: str, op: str, expected: str) -> None:
    statement = parse(sentence)
    assert (statement.verb, statement.form, statement.op, statement.expected) == (
        verb,
        form,
        op,
        expected,
    )
    assert statement.name == "x"


def test_try_numbers() -> None:
    statement = parse("at most 11 times every 5s to find 2 pods named 'x' with 'a' being 'b'")
    assert (statement.times, statement.delay, statement.count) == (11, 5, 2)


@pytest.mark.parametrize(
    ("prop", "path"),
    [
        ("status", ".status.phase"),
        ("STATUS", ".status.phase"),
        ("port", ".spec.ports[*].port"),
        ("targetPort", ".spec.ports[*].targetPort"),
        ("TargetPort", ".spec.ports[*].targetPort"),
        ("status.readyReplicas", "status.readyReplicas"),
        (
            '.status.containerStatuses[?(@.name=="nginx")].ready',
            '.status.containerStatuses[?(@.name=="nginx")].ready',
        ),
    ],
)
def test_aliases(prop: str, path: str) -> None:
    assert parse(f"'{prop}' is 'x' for pods named 'n'").path == path


def test_keywords_are_case_insensitive_and_the_type_is_lowercased() -> None:
    statement = parse(
        "AT MOST 5 TIMES EVERY 5S TO FIND 2 PODS NAMED 'Nginx' WITH 'Status' BEING 'RUNNING'"
    )
    assert (statement.resource, statement.name, statement.prop, statement.expected) == (
        "pods",
        "Nginx",
        "Status",
        "RUNNING",
    )


@pytest.mark.parametrize(
    "resource",
    ["settings.management.cattle.io", "ec2nodeclass", "deploy", "po", "Deployments.Apps"],
)
def test_resource_types(resource: str) -> None:
    assert parse(f"there are 2 {resource} named 'x'").resource == resource.lower()


def test_whitespace_between_words_is_free() -> None:
    assert parse("  there   are\t2  pods \n named  'x' ").text == "there are 2 pods named 'x'"


def test_posix_classes_in_names_and_values() -> None:
    assert compile_ere("^[[:alnum:]]+-[[:digit:]]$").search("web-1")
    assert not compile_ere("^[[:upper:]]").search("web")
    parse("'status' matches '^[[:alnum:]]+$' for pods named '[[:lower:]]+'")


@pytest.mark.parametrize(
    ("sentence", "column", "expected", "found"),
    [
        ("there are 2 pods nammed 'x'", 18, "'named'", "'nammed'"),
        ("there is 2 pods named 'x'", 10, "0 or 1 after 'there is'", "'2'"),
        ("there are two pods named 'x'", 11, "a number of resources", "'two'"),
        (
            "there are 2 pods named x",
            24,
            "a name (a regular expression) between single quotes",
            "'x'",
        ),
        ("there are 2 pods named 'x' please", 28, "the end of the sentence", "'please'"),
        (
            "there are 2 pods named",
            23,
            "a name (a regular expression) between single quotes",
            "the end of the sentence",
        ),
        (
            "there are 2 pod-s named 'x'",
            13,
            "a resource type (pods, deploy, settings.example.io...)",
            "'pod-s'",
        ),
        (
            "at most 5 time every 5s to get pods named 'x' and verify that 'a' is 'b'",
            11,
            "'times'",
            "'time'",
        ),
        (
            "at most 5 times every 5 to get pods named 'x' and verify that 'a' is 'b'",
            23,
            "a delay in whole seconds such as 30s",
            "'5'",
        ),
        (
            "at most 5 times every 1m to get pods named 'x' and verify that 'a' is 'b'",
            23,
            "a delay in whole seconds such as 30s",
            "'1m'",
        ),
        ("at most 5 times every 5s to see pods named 'x'", 29, "'get' or 'find'", "'see'"),
        (
            "at most 5 times every 5s to find 2 pods named 'x' with 'a' being more than '1'",
            66,
            "a value between single quotes",
            "'more'",
        ),
        ("'a' are 'b' for pods named 'x'", 5, "'is' or 'matches'", "'are'"),
        ("hello", 1, "'there', 'at' or a quoted property", "'hello'"),
        ("'a' is '' for pods named 'x'", 8, "a non-empty value between quotes", "''"),
        ("'a' is 'b for pods named 'x'", 27, "a space after the closing quote", "'x'"),
        (
            "'a,b' is 'c' for pods named 'x'",
            1,
            "a property kubectl custom-columns accepts",
            "'a,b' (unexpected custom-columns spec: b, expected <header>:<json-path-expr>)",
        ),
        (
            "there are 2 pods named '['",
            24,
            "a POSIX extended regular expression",
            "'[' (unterminated [)",
        ),
    ],
)
def test_syntax_errors_say_where_and_what(
    sentence: str, column: int, expected: str, found: str
) -> None:
    with pytest.raises(DetikSyntaxError) as err:
        parse(sentence)
    assert (err.value.column, err.value.expected, err.value.found) == (column, expected, found)
    assert str(err.value) == f'column {column}: expected {expected}, found {found} in "{sentence}"'


def test_empty_sentence() -> None:
    with pytest.raises(DetikSyntaxError, match="expected a DETIK sentence, found an empty"):
        parse("   ")


@pytest.mark.parametrize("pattern", ["\\d+", "[[:word:]]", "a\\"])
def test_non_ere_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(EreError):
        compile_ere(pattern)

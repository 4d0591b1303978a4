"""FakeCluster's selectors against apimachinery's own test tables (tests/data, as data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clusterready.testing import FakeCluster
from clusterready.testing.selectors import (
    LabelSelector,
    Requirement,
    SelectorError,
    escape_field_value,
    lex,
    parse_fields,
    parse_labels,
    split_field_term,
    split_field_terms,
    unescape_field_value,
)

TABLES = json.loads(
    (Path(__file__).parent / "data" / "apimachinery-selectors.json").read_text(encoding="utf-8")
)
LABELS, FIELDS = TABLES["labels"], TABLES["fields"]


def cases(table: list[dict[str, Any]], key: str) -> Any:
    return pytest.mark.parametrize("case", table, ids=[repr(c[key])[:60] for c in table])


def requirements(raw: list[list[Any]]) -> LabelSelector:
    return LabelSelector(tuple(Requirement(k, op, tuple(v)) for k, op, v in raw))


def test_the_tables_carry_their_provenance() -> None:
    provenance = TABLES["provenance"]
    assert provenance["license"] == "Apache-2.0"
    assert len(provenance["commit"]) == 40
    assert sum(len(v) for v in (*LABELS.values(), *FIELDS.values())) == 193


@cases(LABELS["parse"], "selector")
def test_label_parse(case: dict[str, Any]) -> None:
    if not case["valid"]:
        with pytest.raises(SelectorError):
            parse_labels(case["selector"])
        return
    parsed = parse_labels(case["selector"])
    if "string" in case:
        assert str(parsed) == case["string"]


@cases(LABELS["matches"], "selector")
def test_label_matches(case: dict[str, Any]) -> None:
    assert parse_labels(case["selector"]).matches(case["labels"]) is case["match"]


@cases(LABELS["requirement_matches"], "requirements")
def test_requirement_matches(case: dict[str, Any]) -> None:
    assert requirements(case["requirements"]).matches(case["labels"]) is case["match"]


@cases(LABELS["new_requirement"], "key")
def test_new_requirement(case: dict[str, Any]) -> None:
    if not case["error_fields"]:
        Requirement.new(case["key"], case["operator"], case["values"])
        return
    with pytest.raises(SelectorError) as err:
        Requirement.new(case["key"], case["operator"], case["values"])
    assert list(err.value.fields) == case["error_fields"]


@cases(LABELS["to_string"], "string")
def test_label_to_string(case: dict[str, Any]) -> None:
    assert str(requirements(case["requirements"])) == case["string"]


@cases(LABELS["lex"], "input")
def test_label_lexer(case: dict[str, Any]) -> None:
    tokens = [t for t, _ in lex(case["input"])]
    expected = (
        case["tokens"] if case["tokens"] == ["EndOfString"] else [*case["tokens"], "EndOfString"]
    )
    assert tokens == expected


@cases(FIELDS["split_terms"], "selector")
def test_field_split_terms(case: dict[str, Any]) -> None:
    assert split_field_terms(case["selector"]) == case["terms"]


@cases(FIELDS["split_term"], "term")
def test_field_split_term(case: dict[str, Any]) -> None:
    split = split_field_term(case["term"])
    assert (list(split) if split else None) == case["split"]


@cases(FIELDS["escape"], "value")
def test_field_escape_round_trip(case: dict[str, Any]) -> None:
    assert escape_field_value(case["value"]) == case["escaped"]
    assert unescape_field_value(case["escaped"]) == case["value"]


@cases(FIELDS["unescape_invalid"], "value")
def test_field_invalid_escape(case: dict[str, Any]) -> None:
    with pytest.raises(SelectorError, match="invalid escape sequence"):
        unescape_field_value(case["value"])


@cases(FIELDS["parse"], "selector")
def test_field_parse(case: dict[str, Any]) -> None:
    if not case["valid"]:
        with pytest.raises(SelectorError):
            parse_fields(case["selector"])
        return
    assert str(parse_fields(case["selector"])) == case["string"]


@cases(FIELDS["matches"], "selector")
def test_field_matches(case: dict[str, Any]) -> None:
    assert parse_fields(case["selector"]).matches(case["fields"]) is case["match"]


# ----------------------------------------------------------------- beyond the tables


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("fooin (abc)", "found '(', expected: in, notin, =, ==, !=, gt, lt"),
        ("a=b,", "found '', expected: identifier after ','"),
        ("a=b c=d", "found 'c', expected: ',' or 'end of string'"),
        ("x>a", "must be an integer"),
        ("a" * 64, "name part must be no more than 63 bytes"),
        (f"{'a' * 254}/k", "prefix part must be no more than 253 bytes"),
        (f"k={'v' * 64}", "must be no more than 63 bytes"),
        ("Example.com/k", "prefix part a lowercase RFC 1123 subdomain"),
    ],
)
def test_invalid_label_selectors_say_why(selector: str, message: str) -> None:
    with pytest.raises(SelectorError, match=message.replace("(", r"\(")):
        parse_labels(selector)


def node(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": spec}


def list_names(fake: FakeCluster, path: str) -> tuple[int, list[str] | str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(fake.url + path, timeout=10) as response:
            items = json.loads(response.read())["items"]
            return response.status, [i["metadata"]["name"] for i in items]
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())["message"]


def test_field_values_are_rendered_and_defaulted_as_the_api_server_does(
    fake_cluster: FakeCluster,
) -> None:
    fake_cluster.apply(node("cordoned", unschedulable=True))
    fake_cluster.apply(node("plain"))
    fake_cluster.apply(node("explicit", unschedulable=False))
    assert list_names(fake_cluster, "/api/v1/nodes?fieldSelector=spec.unschedulable%3Dtrue") == (
        200,
        ["cordoned"],
    )
    assert list_names(fake_cluster, "/api/v1/nodes?fieldSelector=spec.unschedulable%3Dfalse") == (
        200,
        ["explicit", "plain"],
    )


def test_field_selector_escapes_and_unsupported_fields(fake_cluster: FakeCluster) -> None:
    fake_cluster.apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "a"}})
    assert list_names(fake_cluster, "/api/v1/nodes?fieldSelector=metadata.name%3Da%5C%2Cb")[1] == []
    code, message = list_names(fake_cluster, "/api/v1/nodes?fieldSelector=metadata.name%3Da%5Cb")
    assert (code, message) == (400, "invalid field selector: invalid escape sequence: \\b")
    code, message = list_names(fake_cluster, "/api/v1/nodes?fieldSelector=status.phase%3DReady")
    assert (code, message) == (400, "field label not supported: status.phase")


def test_gt_lt_and_invalid_label_selectors_on_the_wire(fake_cluster: FakeCluster) -> None:
    for i in (1, 2, 3):
        fake_cluster.apply(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": f"n{i}", "labels": {"rank": str(i)}},
            }
        )
    assert list_names(fake_cluster, "/api/v1/nodes?labelSelector=rank%3E1")[1] == ["n2", "n3"]
    assert list_names(fake_cluster, "/api/v1/nodes?labelSelector=rank%3C2")[1] == ["n1"]
    code, message = list_names(fake_cluster, "/api/v1/nodes?labelSelector=rank%3D1%2C")
    assert code == 400
    assert message == "found '', expected: identifier after ','"

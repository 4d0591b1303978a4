"""bats-detik v1.4.0's message lines, word for word (see GRAMMAR.md, section 4.7)."""

from __future__ import annotations

from clusterready.kube.jsonpath import JsonPathError

EMPTY = "An empty expression was not expected."
INVALID = "Invalid expression: it does not respect the expected syntax."
VALID = "Valid expression. Verification in progress..."


def found(n: int, resource: str, name: str, op: str, card: str, passed: bool) -> str:
    """The one line of a count sentence."""
    relation = {"==": "", "<": "less than ", ">": "more than "}[op]
    if passed:
        tail = f"({relation}{card} as expected)" if relation else "(as expected)"
    else:
        tail = f"(instead of {relation}{card} expected)"
    return f"Found {n} {resource} named {name} {tail}."


def no_resource(resource: str, name: str) -> str:
    return f"No resource of type '{resource}' was found with the name '{name}'."


def right_value(element: str, value: str) -> str:
    return f"{element} has the right value ({value})."


def current_value(element: str, value: str) -> str:
    return f"Current value for {element} is {value}..."


def matches_regex(element: str, value: str) -> str:
    return f"{element} matches the regular expression (found {value})."


def not_compared(element: str, op: str, expected: str) -> str:
    word = "more" if op == ">" else "less"
    return f"Current value for {element} is not {word} than {expected}..."


def expected_count(n: int, resource: str, name: str, op: str, expected: str, valid: int) -> str:
    what = "have this value" if op == "is" else "match this pattern"
    return f"Expected {n} {resource} named {name} to {what} ({expected}). Found {valid}."


def cannot_read_property(err: JsonPathError) -> str:
    """A property kubectl could not print for one object: where bats-detik sees no rows
    (kubectl fails), this line says which path, on which object, met what."""
    of = f" of {err.subject}" if err.subject else ""
    found = f" (the value there is {err.shown_value()})" if err.value is not None else ""
    return f"Cannot read {err.path}{of}: {err.reason}{found}."

"""The DETIK language: every sentence form of bats-detik v1.4.0, parsed into a Statement.

Keywords are case-insensitive, the resource type is lower-cased, names and
values are kept as written. A sentence that does not parse raises
:class:`~clusterready.errors.DetikSyntaxError` saying where it went wrong and
what was expected there.

>>> s = parse("at most 5 times every 30s to find 2 pods named 'metrics-server' "
...           "with 'status' being 'running'")
>>> (s.verb, s.form, s.times, s.delay, s.count, s.resource, s.path, s.expected)
('try', 'find', 5, 30, 2, 'pods', '.status.phase', 'running')
>>> parse("there are more than 1 pods named 'nginx'").op
'>'
>>> parse("there are 2 pods nammed 'nginx'")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
clusterready.errors.DetikSyntaxError: column 18: expected 'named', found 'nammed' in ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

from clusterready.detik.ere import EreError, compile_ere
from clusterready.errors import DetikSyntaxError
from clusterready.kube.jsonpath import JsonPathError, check_path
from clusterready.limits import MAX_INT_DIGITS, shown

__all__ = ["ALIASES", "Statement", "parse", "property_path"]

#: DETIK's property aliases (matched without regard to case).
ALIASES = {
    "status": ".status.phase",
    "port": ".spec.ports[*].port",
    "targetport": ".spec.ports[*].targetPort",
}
#: clusterready's extension (docs/detik-compat.md, E1): ``'condition <Type>'`` is the status
#: of the object's condition of that type. kubectl cannot print such a path (``unrecognized
#: identifier``), so no sentence bats-detik can verify changes meaning.
_CONDITION = re.compile(r"condition\s+([A-Za-z0-9][A-Za-z0-9._/-]*)", re.IGNORECASE)


def property_path(prop: str) -> str:
    """The custom-columns path a property stands for: an alias, a condition, else itself.

    >>> property_path("STATUS"), property_path("condition Ready")
    ('.status.phase', '.status.conditions[?(@.type=="Ready")].status')
    >>> property_path(".status.podIP")
    '.status.podIP'
    """
    alias = ALIASES.get(prop.lower())
    if alias is not None:
        return alias
    condition = _CONDITION.fullmatch(prop)
    if condition is not None:
        return f'.status.conditions[?(@.type=="{condition.group(1)}")].status'
    return prop


Verb = Literal["verify", "try"]
Form = Literal["count", "property", "get", "find"]
Op = Literal["==", ">", "<", "is", "matches"]

_TYPE = re.compile(r"[a-z][0-9a-z.]+", re.I)
_INT = re.compile(r"[0-9]+")
_DELAY = re.compile(r"([0-9]+)s", re.I)
#: A delay beyond this many digits overflows time.sleep (about 292 years in nanoseconds).
MAX_DELAY_DIGITS = 9


@dataclass(frozen=True)
class Statement:
    """One parsed DETIK sentence (immutable).

    ``form`` is ``count`` or ``property`` for verify sentences, ``get`` or
    ``find`` for try sentences; ``op`` is ``==``, ``>`` or ``<`` (counts and
    numeric properties), ``is`` (is/being) or ``matches`` (matches/matching).
    """

    text: str
    verb: Verb
    form: Form
    resource: str
    name: str
    op: Op
    expected: str
    prop: str | None = None
    count: int | None = None
    times: int | None = None
    delay: int | None = None

    @property
    def path(self) -> str | None:
        """The custom-columns path of the property, aliases resolved."""
        if self.prop is None:
            return None
        return property_path(self.prop)

    def __str__(self) -> str:
        return self.text


class _Token(NamedTuple):
    text: str
    column: int  # 1-based
    quoted: bool


def _syntax_error(sentence: str, column: int, expected: str, found: str) -> DetikSyntaxError:
    return DetikSyntaxError(expected, found=found, sentence=sentence, column=column)


def _tokens(sentence: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(sentence)
    while i < n:
        if sentence[i].isspace():
            i += 1
            continue
        start = i
        if sentence[i] == "'":
            end = sentence.find("'", i + 1)
            if end < 0:
                raise _syntax_error(sentence, start + 1, "a closing quote (')", "none")
            if end == i + 1:
                raise _syntax_error(sentence, start + 1, "a non-empty value between quotes", "''")
            if end + 1 < n and not sentence[end + 1].isspace():
                raise _syntax_error(
                    sentence, end + 2, "a space after the closing quote", repr(sentence[end + 1])
                )
            tokens.append(_Token(sentence[i + 1 : end], start + 1, True))
            i = end + 1
            continue
        while i < n and not sentence[i].isspace():
            if sentence[i] == "'":
                raise _syntax_error(
                    sentence, i + 1, "a space before the quote", repr(sentence[start : i + 1])
                )
            i += 1
        tokens.append(_Token(sentence[start:i], start + 1, False))
    return tokens


class _Parser:
    def __init__(self, sentence: str) -> None:
        self.sentence = sentence
        self.tokens = _tokens(sentence)
        self.pos = 0

    # -- cursor

    def _peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _fail(self, expected: str) -> DetikSyntaxError:
        token = self._peek()
        if token is None:
            return _syntax_error(
                self.sentence, len(self.sentence) + 1, expected, "the end of the sentence"
            )
        found = f"'{token.text}'" if not token.quoted else f"the quoted '{token.text}'"
        return _syntax_error(self.sentence, token.column, expected, found)

    def _is(self, *words: str) -> bool:
        token = self._peek()
        return token is not None and not token.quoted and token.text.lower() in words

    def _word(self, *words: str) -> str:
        if not self._is(*words):
            raise self._fail(" or ".join(f"'{w}'" for w in words))
        token = self.tokens[self.pos]
        self.pos += 1
        return token.text.lower()

    def _match(self, pattern: re.Pattern[str], expected: str) -> tuple[_Token, re.Match[str]]:
        token = self._peek()
        match = pattern.fullmatch(token.text) if token and not token.quoted else None
        if token is None or match is None:
            raise self._fail(expected)
        self.pos += 1
        return token, match

    def _int(self, what: str) -> int:
        token = self._match(_INT, what)[0]
        return self._bounded(token, token.text, what)

    def _bounded(self, token: _Token, digits: str, what: str, limit: int = MAX_INT_DIGITS) -> int:
        """``int(digits)`` when it has at most ``limit`` significant digits."""
        significant = len(digits.lstrip("-").lstrip("0"))
        if significant > limit:
            raise _syntax_error(
                self.sentence,
                token.column,
                f"{what} of at most {limit} digits",
                f"{significant} digits",
            )
        return int(digits)

    def _type(self) -> str:
        return self._match(_TYPE, "a resource type (pods, deploy, settings.example.io...)")[
            0
        ].text.lower()

    def _quoted(self, what: str) -> _Token:
        token = self._peek()
        if token is None or not token.quoted:
            raise self._fail(f"{what} between single quotes")
        self.pos += 1
        return token

    def _end(self) -> None:
        if self._peek() is not None:
            raise self._fail("the end of the sentence")

    # -- checks of quoted parts

    def _name(self) -> str:
        token = self._quoted("a name (a regular expression)")
        self._regex(token)
        return token.text

    def _named(self) -> tuple[str, str]:
        """``<type> named '<name>'``: the resource type and the name's regular expression."""
        resource = self._type()
        self._word("named")
        return resource, self._name()

    def _value(self, op: Op) -> str:
        """The quoted value (``is``) or regular expression (``matches``) compared with."""
        token = self._quoted("a value" if op == "is" else "a regular expression")
        if op == "matches":
            self._regex(token)
        return token.text

    def _regex(self, token: _Token) -> None:
        try:
            compile_ere(token.text)
        except EreError as err:
            raise _syntax_error(
                self.sentence,
                token.column,
                "a POSIX extended regular expression",
                f"{shown(token.text)} ({err.reason})",
            ) from None

    def _property(self) -> str:
        token = self._quoted(
            "a property (status, port, targetPort, condition <Type> or a JSONPath)"
        )
        path = property_path(token.text)
        try:
            check_path(path)
        except JsonPathError as err:
            raise _syntax_error(
                self.sentence,
                token.column,
                "a property kubectl custom-columns accepts",
                f"{shown(token.text)} ({err})",
            ) from None
        return token.text

    def _number(self, what: str) -> str:
        token = self._quoted(what)
        if not re.fullmatch(r"-?[0-9]+", token.text):
            raise _syntax_error(
                self.sentence, token.column, "a whole number between quotes", f"'{token.text}'"
            )
        self._bounded(token, token.text, "a number")
        return token.text

    # -- sentences

    def parse(self) -> Statement:
        if self._is("there"):
            return self._count()
        if self._is("at"):
            return self._try()
        token = self._peek()
        if token is not None and token.quoted:
            return self._property_verify()
        raise self._fail("'there', 'at' or a quoted property")

    def _count(self) -> Statement:
        self._word("there")
        op: Op = "=="
        if self._word("is", "are") == "is":
            token, _ = self._match(re.compile("[01]"), "0 or 1 after 'there is'")
            card = token.text
        else:
            if self._is("more", "less"):
                op = ">" if self._word("more", "less") == "more" else "<"
                self._word("than")
            token = self._match(_INT, "a number of resources")[0]
            self._bounded(token, token.text, "a number of resources")
            card = token.text
        resource, name = self._named()
        self._end()
        return Statement(self._text(), "verify", "count", resource, name, op, card, count=int(card))

    def _property_verify(self) -> Statement:
        prop = self._property()
        op: Op = "is" if self._word("is", "matches") == "is" else "matches"
        value = self._value(op)
        self._word("for")
        resource, name = self._named()
        self._end()
        return Statement(self._text(), "verify", "property", resource, name, op, value, prop=prop)

    def _try(self) -> Statement:
        self._word("at")
        self._word("most")
        times_token = self._peek()
        times = self._int("a number of attempts")
        if times < 1:
            assert times_token is not None
            raise _syntax_error(
                self.sentence,
                times_token.column,
                "at least 1 attempt (0 would check nothing and pass)",
                "0",
            )
        self._word("times")
        self._word("every")
        token, match = self._match(_DELAY, "a delay in whole seconds such as 30s")
        delay = self._bounded(token, match.group(1), "a delay", MAX_DELAY_DIGITS)
        self._word("to")
        if self._word("get", "find") == "get":
            return self._try_get(times, delay)
        return self._try_find(times, delay)

    def _try_get(self, times: int, delay: int) -> Statement:
        resource, name = self._named()
        self._word("and")
        self._word("verify")
        self._word("that")
        prop = self._property()
        op: Op
        if self._word("is", "matches") == "matches":
            op = "matches"
            value = self._value(op)
        elif self._is("more", "less"):
            op = ">" if self._word("more", "less") == "more" else "<"
            self._word("than")
            value = self._number("a number")
        else:
            op = "is"
            value = self._value(op)
        self._end()
        return Statement(
            self._text(),
            "try",
            "get",
            resource,
            name,
            op,
            value,
            prop=prop,
            times=times,
            delay=delay,
        )

    def _try_find(self, times: int, delay: int) -> Statement:
        count = self._int("a number of resources to find")
        resource, name = self._named()
        self._word("with")
        prop = self._property()
        op: Op = "is" if self._word("being", "matching") == "being" else "matches"
        value = self._value(op)
        self._end()
        return Statement(
            self._text(),
            "try",
            "find",
            resource,
            name,
            op,
            value,
            prop=prop,
            count=count,
            times=times,
            delay=delay,
        )

    def _text(self) -> str:
        return " ".join(f"'{t.text}'" if t.quoted else t.text for t in self.tokens)


def parse(sentence: str, verb: str | None = None, *, hint: str = "") -> Statement:
    """Parse a DETIK sentence (a verify or a try form; with ``verb``, that one only).

    Whitespace between words is free; inside quotes it is kept as written. A
    sentence of the other verb is a syntax error too, ``hint`` saying how to
    run it instead.

    >>> parse("there is 1 pod named 'x'", "try", hint="use verify()")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    clusterready.errors.DetikSyntaxError: expected a try sentence, found a verify sentence (use ...
    """
    if not sentence.strip():
        raise _syntax_error(sentence, 1, "a DETIK sentence", "an empty expression")
    statement = _Parser(sentence).parse()
    if verb is not None and statement.verb != verb:
        raise DetikSyntaxError(
            f"a {verb} sentence",
            found=f"a {statement.verb} sentence",
            sentence=sentence,
            hint=hint,
        )
    return statement

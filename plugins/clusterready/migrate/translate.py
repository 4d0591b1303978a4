"""Translate one .bats file: DETIK calls to ``detik.verify``/``detik.try_``, aws-CLI
preflight tests to spec entries, everything else to TODO comments, with a report.

>>> m = migrate_text('@test "two pods" {\\n  run verify "there are 2 pods named \\'x\\'"\\n'
...                  '  [ "$status" -eq 0 ]\\n}\\n', "t.bats")
>>> print(m.module.split("\\n\\n\\n")[-1], end="")
def test_two_pods(detik: Detik) -> None:
    \"\"\"two pods\"\"\"
    detik.verify("there are 2 pods named 'x'")
>>> m.report.sentences, m.report.left
(1, [])
"""

from __future__ import annotations

import keyword
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clusterready.detik.grammar import parse
from clusterready.errors import DetikSyntaxError, SpecError, UsageError
from clusterready.migrate import python
from clusterready.migrate.aws import SpecEntry, recognize
from clusterready.migrate.bats import Block, read_bats
from clusterready.migrate.python import Segment
from clusterready.migrate.shell import Line, Part, ShellError, Word, split_words

__all__ = ["FileReport", "Left", "Migration", "TestReport", "migrate_text"]

_DETIK_CALL = re.compile(r"^(?:run(?:\s+(-\d+|!))?\s+)?(verify|try)\b")
_STATUS_TEST = re.compile(
    r"""^\[\[?\s*"?\$\{?status\}?"?\s*(-eq|-ne|==|=|!=|-gt|-ge|-lt|-le)\s*"?(\d+)"?\s*\]\]?$"""
)
_STATUS_ARITH = re.compile(r"^\(\(\s*\$?status\s*(==|!=|>=|<=|>|<)\s*(\d+)\s*\)\)$")
_STATUS_EQUAL = re.compile(r"""^assert_equal\s+"?\$\{?status\}?"?\s+"?(\d+)"?$""")
_LOADS = re.compile(
    r"(^|/)(detik|utils|linter|bats-support|bats-assert|bats-file|bats-detik)"
    r"(/load)?(\.bash)?$"
)
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")
_RESERVED = {"detik", "pytest", "os", "time", "Detik"}
_CHANGES = {
    "apply",
    "create",
    "delete",
    "patch",
    "scale",
    "rollout",
    "label",
    "annotate",
    "replace",
    "edit",
    "set",
    "run",
    "expose",
    "cordon",
    "drain",
    "taint",
    "exec",
    "cp",
}
_SPECIAL = {
    "status",
    "output",
    "lines",
    "BATS_TEST_DIRNAME",
    "BATS_TEST_FILENAME",
    "BATS_TMPDIR",
    "BATS_TEST_TMPDIR",
    "BATS_FILE_TMPDIR",
    "BATS_TEST_NAME",
    "BATS_TEST_DESCRIPTION",
    "BATS_RUN_TMPDIR",
    "PWD",
    "HOME",
    "RANDOM",
}
_SETUP = ("setup", "setup_file", "teardown", "teardown_file")
_OPEN = {"if": "fi", "for": "done", "while": "done", "until": "done", "case": "esac"}
_SETTINGS = (
    "DETIK_CLIENT_NAME",
    "DETIK_CLIENT_NAMESPACE",
    "DETIK_CLIENT_NAMESPACE_ALL",
    "DETIK_REGEX_CASE_INSENSITIVE_PROPERTIES",
    "DEBUG_DETIK",
)


@dataclass(frozen=True)
class Left:
    """A line left untranslated: where, the original text, and why."""

    line: int
    text: str
    reason: str
    where: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "text": self.text, "reason": self.reason, "where": self.where}


@dataclass
class TestReport:
    """One ``@test``: its Python name, its sentences, its lines left, its spec entries."""

    title: str
    name: str
    line: int
    sentences: int = 0
    left: int = 0
    spec_entries: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "name": self.name,
            "line": self.line,
            "sentences": self.sentences,
            "left": self.left,
            "spec_entries": self.spec_entries,
        }


@dataclass
class FileReport:
    """What the migration of one file did."""

    path: str
    tests: list[TestReport] = field(default_factory=list)
    sentences: int = 0
    unchecked: int = 0  # sentences whose text depends on the environment
    spec_entries: list[SpecEntry] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)
    module: str = ""
    fragment: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "module": self.module,
            "spec_fragment": self.fragment,
            "tests": len(self.tests),
            "sentences": self.sentences,
            "sentences_checked_at_run_time_only": self.unchecked,
            "spec_entries": len(self.spec_entries),
            "lines_left": len(self.left),
            "test_details": [t.to_dict() for t in self.tests],
            "spec_details": [
                {
                    "key": e.key,
                    "value": e.value,
                    "check": e.check,
                    "note": e.note,
                    "lines": list(e.lines),
                }
                for e in self.spec_entries
            ],
            "left": [x.to_dict() for x in self.left],
        }


@dataclass
class Migration:
    """A migrated file: the pytest module's source, the spec fragment (or None), the report."""

    module: str
    fragment: dict[str, Any] | None
    report: FileReport


@dataclass(frozen=True)
class _Binding:
    segments: tuple[Segment, ...] | None  # None: the value is not known
    reason: str = ""


@dataclass
class _Const:
    name: str
    expr: str
    value: str | None
    line: int


@dataclass
class _Settings:
    client_ns: str | None = None
    client_all: bool = False
    ns: str | None = None  # a Python expression
    ns_value: str | None = None
    all_: bool = False
    regex_ci: bool | None = None

    def kwargs(self) -> list[str]:
        out = []
        if self.client_all:
            out.append("all_namespaces=True")
        elif self.ns is not None and self.ns_value != "":
            out.append(f"namespace={self.ns}")
        elif self.all_:
            out.append("all_namespaces=True")
        elif self.client_ns:
            out.append(f"namespace={python.literal(self.client_ns)}")
        if self.regex_ci is not None:
            out.append(f"regex_case_insensitive={self.regex_ci}")
        return out


class _Context:
    """Where lines are translated: a test body, a helper inlined in one, setup, the top."""

    def __init__(
        self, where: str, local: dict[str, _Binding], settings: _Settings, module: bool = False
    ) -> None:
        self.where = where
        self.module = module
        self.local = local
        self.settings = settings
        self.out: list[str] = []
        self.sentences = 0
        self.left = 0
        self.uses_detik = False


class _FileTranslator:
    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.items = read_bats(text, source)
        self.report = FileReport(source)
        self.module_vars: dict[str, _Binding] = {}
        self.consts: dict[str, _Const] = {}
        self.used: dict[str, None] = {}
        self.settings = _Settings()
        self.setting_lines: list[str] = []
        self.helpers = {
            i.name: i for i in self.items if isinstance(i, Block) and i.kind == "function"
        }
        self.assigned = self._assigned_names()
        self.top_todo: list[str] = []
        self.params: list[str] = []  # the values of the current test's parameter
        self.imports: set[str] = set()
        self.stack: list[str] = []

    # ------------------------------------------------------------------ names and values

    def _assigned_names(self) -> set[str]:
        names = set()
        for item in self.items:
            lines = [item] if isinstance(item, Line) else list(item.body)
            for line in lines:
                for word in re.findall(
                    r"(?:^|[\s;])(?:local\s+|export\s+)?([A-Za-z_]\w*)=", line.text
                ):
                    names.add(word)
        return names

    def _pyname(self, name: str) -> str:
        py = name if name.isidentifier() and not keyword.iskeyword(name) else f"{name}_"
        return py + "_" if py in _RESERVED else py

    def _env_const(self, name: str) -> Segment:
        py = self._pyname(name)
        if py not in self.consts:
            self.consts[py] = _Const(py, f'os.environ.get({python.literal(name)}, "")', None, 0)
        return ("const", py)

    def segments(self, words: Sequence[Word], ctx: _Context) -> tuple[Segment, ...]:
        """The words joined with one space, as segments; raises _Unknown."""
        out: list[Segment] = []
        for n, word in enumerate(words):
            if word.op:
                raise _Unknown(f"the shell operator {word.op!r}")
            if n:
                out.append(("lit", " "))
            for part in word.parts:
                if part.kind == "lit":
                    out.append(("lit", part.value))
                elif part.kind == "cmd" and part.value.startswith("${"):
                    raise _Unknown(f"the parameter expansion {part.value}")
                elif part.kind == "cmd":
                    raise _Unknown(f"the command substitution $({part.value})")
                else:
                    out += self._variable(part.value, ctx)
        merged: list[Segment] = []
        for kind, text in out:
            if merged and kind == "lit" == merged[-1][0]:
                merged[-1] = ("lit", merged[-1][1] + text)
            else:
                merged.append((kind, text))
        return tuple(merged)

    def _variable(self, name: str, ctx: _Context) -> list[Segment]:
        binding = ctx.local.get(name) or self.module_vars.get(name)
        if binding is not None:
            if binding.segments is None:
                raise _Unknown(f"${name}, {binding.reason}")
            return list(binding.segments)
        if name in _SPECIAL:
            raise _Unknown(f"bats' ${name}")
        if name.isdigit() or name in "@*#":
            return [] if name != "#" else [("lit", "0")]
        if name in self.assigned:
            raise _Unknown(f"${name}, set somewhere migrate does not follow")
        return [self._env_const(name)]

    def value(self, segments: Sequence[Segment], param: str | None = None) -> str | None:
        """The text of the segments, the test parameter (if any) taking ``param``."""
        out = []
        for kind, text in segments:
            if kind == "lit":
                out.append(text)
            elif kind == "param":
                if param is None:
                    return None
                out.append(param)
            else:
                value = self.consts[text].value
                if value is None:
                    return None
                out.append(value)
        return "".join(out)

    def use(self, segments: Sequence[Segment]) -> None:
        for kind, text in segments:
            if kind == "const":
                self.used[text] = None
                if self.consts[text].value is None:
                    self.imports.add("os")

    # ------------------------------------------------------------------ the file

    def run(self) -> Migration:
        top = _Context("top level", {}, self.settings, module=True)
        for item in self.items:
            if isinstance(item, Line):
                self._module_line(item, top)
        for item in self.items:
            if isinstance(item, Block) and item.kind == "function" and item.name in _SETUP:
                ctx = _Context(f"{item.name}()", {}, self.settings, module=True)
                for line in item.body:
                    self._module_line(line, ctx, item.name)
        module_settings = self.settings.kwargs()
        tests: list[str] = []
        names: set[str] = set()
        for item in self.items:
            if isinstance(item, Block) and item.kind == "test":
                tests.append(self._test(item, names))
        return self._assemble(tests, module_settings)

    def _leave(self, ctx: _Context, line: Line, reason: str) -> None:
        self.report.left.append(Left(line.number, line.text.strip(), reason, ctx.where))
        target = self.top_todo if ctx.module else ctx.out
        indent = 0 if ctx.module else 4
        for n, raw in enumerate(line.raw):
            target += python.comment(
                raw.strip(), indent, f"# TODO(migrate) line {line.number + n}: ", "#     "
            )
        target += python.comment(f"why: {reason}", indent, "#   ", "#   ")
        ctx.left += 1

    def _module_line(self, line: Line, ctx: _Context, function: str = "") -> None:
        """A line at the top of the file, or in setup/teardown (``function``)."""
        text = line.text.strip()
        if not text or text.startswith("#"):
            return
        try:
            words = split_words(text)
        except ShellError as err:
            self._leave(ctx, line, f"not shell migrate can read ({err})")
            return
        first = words[0].literal if words else None
        if first in ("load", "bats_load_library") and len(words) == 2:
            target = words[1].describe()
            if not _LOADS.search(target):
                self._leave(
                    ctx,
                    line,
                    f"loads {target}: migrate does not read other files; inline "
                    "what the tests need",
                )
            return
        if not function.startswith("teardown") and self._assignments(words, line, ctx):
            return
        if function:
            self._leave(ctx, line, _why(words, text, setup=True))
        else:
            self._leave(ctx, line, "a command run when the file is loaded")

    # ------------------------------------------------------------------ assignments

    def _assignments(self, words: list[Word], line: Line, ctx: _Context) -> bool:
        """Handle ``[local|export|readonly] X=... [Y=...]``; False when it is not one."""
        if words and words[0].literal in ("local", "export", "readonly", "declare"):
            words = words[1:]
        if not words or any(
            w.op
            or not w.parts
            or w.parts[0].kind != "lit"
            or not _ASSIGNMENT.match(w.parts[0].value)
            for w in words
        ):
            return False
        for word in words:
            head = word.parts[0].value
            match = _ASSIGNMENT.match(head)
            assert match is not None
            name = match.group(1)
            rest = head[match.end() :]
            value = Word(((Part("lit", rest),) if rest else ()) + word.parts[1:])
            try:
                binding = _Binding(self.segments([value], ctx))
            except _Unknown as err:
                binding = _Binding(None, f"set at line {line.number} from {err}")
            if name in _SETTINGS:
                self._setting(name, binding, line, ctx)
                continue
            if binding.segments is None:
                (self.module_vars if ctx.module else ctx.local)[name] = binding
                self._leave(
                    ctx,
                    line,
                    f"{name} is {binding.reason.split(' from ', 1)[-1]}, which migrate cannot know",
                )
                continue
            if ctx.module:
                py = self._pyname(name)
                known = self.value(binding.segments)
                expr = (
                    python.literal(known) if known is not None else python.fstring(binding.segments)
                )
                self.consts[py] = _Const(py, expr, known, line.number)
                self.module_vars[name] = _Binding((("const", py),))
            else:
                ctx.local[name] = binding
        return True

    def _setting(self, name: str, binding: _Binding, line: Line, ctx: _Context) -> None:
        settings = ctx.settings
        if name == "DEBUG_DETIK":
            return  # the failure message carries what the debug file held
        if binding.segments is None:
            self._leave(ctx, line, f"{name} {binding.reason}")
            return
        value = self.value(binding.segments)
        if name == "DETIK_CLIENT_NAMESPACE":
            self.use(binding.segments)
            settings.ns = python.fstring(binding.segments)
            settings.ns_value = value
        elif value is None:
            self._leave(ctx, line, f"{name} comes from the environment; set it in the module")
            return
        elif name == "DETIK_CLIENT_NAMESPACE_ALL":
            settings.all_ = value.lower() == "true"
        elif name == "DETIK_REGEX_CASE_INSENSITIVE_PROPERTIES":
            settings.regex_ci = value.lower() == "true"
        else:
            problem = _client(value, settings)
            if problem:
                self._leave(ctx, line, problem)
                return
        if ctx.module:
            self.setting_lines.append(f"{name} (line {line.number})")
        else:
            ctx.out.append(f"detik = detik.using({', '.join(settings.kwargs())})")
            ctx.uses_detik = True

    # ------------------------------------------------------------------ tests

    def _test(self, block: Block, names: set[str]) -> str:
        test = TestReport(block.name, "", block.header.number)
        self.report.tests.append(test)
        entries = recognize(block.body, self._known_values())
        problem = _invalid(entries) if entries is not None else None
        if entries is not None and problem is None:
            test.spec_entries = len(entries)
            self.report.spec_entries += entries
            return ""
        ctx = _Context(f'@test "{block.name}"', {}, _copy(self.settings))
        loop = self._loop(block.body, ctx) if problem is None else None
        if problem is not None:
            for line in block.body:
                if line.text.strip() and not line.text.strip().startswith("#"):
                    self._leave(ctx, line, f"an aws preflight check whose spec entry is {problem}")
        elif loop is not None:
            self.params = loop[1]
            self._body(loop[2], ctx)
            self.params = []
        else:
            self._body(block.body, ctx)
        test.sentences, test.left = ctx.sentences, ctx.left
        arguments = ["detik: Detik"] * ctx.uses_detik
        lines = []
        if loop is not None:
            self.imports.add("pytest")
            values = ", ".join(python.literal(v) for v in loop[1])
            lines.append(f"@pytest.mark.parametrize({python.literal(loop[0])}, [{values}])")
            arguments.append(f"{loop[0]}: str")
        signature = f"({', '.join(arguments)}) -> None:"
        test.name = name = _unique(
            python.identifier(block.name, "test_"), names, python.WIDTH - 4 - len(signature)
        )
        lines.append(f"def {name}{signature}")
        lines += ["    " + d for d in python.docstring(block.name, 4)]
        body = list(ctx.out)
        if ctx.left:
            self.imports.add("pytest")
            reason = (
                f"migrate left {ctx.left} line{'s' if ctx.left > 1 else ''} of this test "
                "untranslated (TODO above)"
            )
            body.append(f"pytest.skip({python.literal(reason)})")
        for statement in body:
            lines += [("    " + s) if s else "" for s in statement.split("\n")]
        return "\n".join(lines)

    def _loop(
        self, body: Sequence[Line], ctx: _Context
    ) -> tuple[str, list[str], Sequence[Line]] | None:
        """A test that is one ``for X in a b c; do ... done`` over known words becomes a
        test parametrized by X: (parameter, values, the loop's body), else None."""
        lines = [(n, x) for n, x in enumerate(body) if x.text.strip() and not
                 x.text.strip().startswith("#")]  # fmt: skip
        if len(lines) < 3 or lines[-1][1].text.strip() != "done":
            return None
        header = re.fullmatch(
            r"for\s+([A-Za-z_]\w*)\s+in\s+(.*?)\s*(;\s*do)?", lines[0][1].text.strip()
        )
        if header is None:
            return None
        first = 1
        if header.group(3) is None:
            if lines[1][1].text.strip() != "do":
                return None
            first = 2
        inner = [x.text.strip().split()[0] for _, x in lines[first:-1]]
        if any(w in _OPEN or w in ("break", "continue", "done") for w in inner):
            return None
        try:
            words = split_words(header.group(2))
            values = [self.value(self.segments([w], ctx)) for w in words]
        except (ShellError, _Unknown):
            return None
        if not values or any(v is None or " " in v for v in values):
            return None
        name = self._pyname(header.group(1))
        if name in self.consts:
            name += "_"
        ctx.local[header.group(1)] = _Binding((("param", name),))
        return name, [str(v) for v in values], body[lines[first][0] : lines[-1][0]]

    def _known_values(self) -> dict[str, str]:
        out = {}
        for name, binding in self.module_vars.items():
            if binding.segments is not None:
                value = self.value(binding.segments)
                if value is not None:
                    out[name] = value
        return out

    def _body(self, lines: Sequence[Line], ctx: _Context) -> None:
        skip: set[int] = set()
        depth: list[str] = []
        for i, line in enumerate(lines):
            if i in skip:
                continue
            text = line.text.strip()
            if not text:
                continue
            if text.startswith("#"):
                ctx.out += python.comment(text.lstrip("#").strip(), 4)
                continue
            first = text.split()[0].rstrip(";")
            if depth or first in _OPEN:
                if first in _OPEN:
                    depth.append(_OPEN[first])
                elif first in ("fi", "done", "esac") and depth and depth[-1] == first:
                    depth.pop()
                self._leave(ctx, line, "shell control flow (if/for/while/case): write it in Python")
                continue
            try:
                words = split_words(text)
            except ShellError as err:
                if _DETIK_CALL.match(text):
                    raise UsageError(f"{self.source}:{line.number}: {err}") from None
                self._leave(ctx, line, f"not shell migrate can read ({err})")
                continue
            if _DETIK_CALL.match(text) and not any(w.op for w in words):
                consumed = self._detik(line, words, lines, i, ctx)
                skip.update(consumed)
                continue
            self._statement(line, words, text, ctx)

    def _statement(self, line: Line, words: list[Word], text: str, ctx: _Context) -> None:
        first = words[0].literal if words else None
        if first in ("echo", "printf", "true", ":", "log", "debug", "detik_debug"):
            return  # output only
        if (
            first == "sleep"
            and len(words) == 2
            and re.fullmatch(r"\d+(\.\d+)?s?", words[1].literal or "")
        ):
            self.imports.add("time")
            ctx.out.append(f"time.sleep({(words[1].literal or '').rstrip('s')})")
            return
        if first == "skip":
            self.imports.add("pytest")
            try:
                reason = self.segments(words[1:], ctx) if len(words) > 1 else (("lit", ""),)
            except _Unknown:
                reason = (("lit", "skipped"),)
            self.use(reason)
            ctx.out.append(f"pytest.skip({python.fstring(reason)})")
            return
        if self._assignments(words, line, ctx):
            return
        if first in self.helpers and first not in _SETUP:
            self._inline(self.helpers[first], words[1:], line, ctx)
            return
        if _status_check(text) is not None:
            self._leave(ctx, line, "checks the status of a command migrate did not translate")
            return
        self._leave(ctx, line, _why(words, text))

    def _inline(self, block: Block, args: list[Word], line: Line, ctx: _Context) -> None:
        if block.name in self.stack or len(self.stack) > 8:
            self._leave(ctx, line, f"a recursive call of {block.name}()")
            return
        try:
            values = [self.segments([a], ctx) for a in args]
        except _Unknown as err:
            self._leave(ctx, line, f"calls {block.name}() with {err}")
            return
        local = dict(ctx.local)
        for n in range(1, 10):
            local[str(n)] = _Binding(values[n - 1] if n <= len(values) else ())
        joined: list[Segment] = []
        for n, value in enumerate(values):
            joined += [("lit", " ")] * bool(n) + list(value)
        local["@"] = local["*"] = _Binding(tuple(joined))
        local["#"] = _Binding((("lit", str(len(values))),))
        inner = _Context(f"{block.name}() called at line {line.number}", local, ctx.settings)
        inner.out = ctx.out
        ctx.out.append(
            f"# {block.name} {' '.join(a.describe() for a in args)} (line "
            f"{line.number}; helper at line {block.header.number})"[:96]
        )
        self.stack.append(block.name)
        try:
            self._body(block.body, inner)
        finally:
            self.stack.pop()
        ctx.sentences += inner.sentences
        ctx.left += inner.left
        ctx.uses_detik = ctx.uses_detik or inner.uses_detik

    # ------------------------------------------------------------------ DETIK calls

    def _detik(
        self, line: Line, words: list[Word], lines: Sequence[Line], i: int, ctx: _Context
    ) -> set[int]:
        texts = [w.literal for w in words]
        ran = texts[0] == "run"
        flag = texts[1] if ran and re.fullmatch(r"!|-\d+", texts[1] or "") else None
        verb_at = int(ran) + (flag is not None)
        verb = texts[verb_at]
        try:
            sentence = self.segments(words[verb_at + 1 :], ctx)
        except _Unknown as err:
            self._leave(ctx, line, f"the sentence uses {err}")
            return set()
        consumed: set[int] = set()
        expect = "pass"
        if ran:
            checks: list[_StatusCheck] = []
            if flag == "!":
                checks.append((operator.ne, 0))
            elif flag is not None:
                checks.append((operator.eq, int(flag[1:])))
            j = i + 1
            while j < len(lines):
                nxt = lines[j].text.strip()
                if not nxt or nxt.startswith("#") or re.match(r"(echo|printf)\b", nxt):
                    j += 1
                    continue
                check = _status_check(nxt)
                if check is None:
                    break
                checks.append(check)
                consumed.add(j)
                j += 1
            expect = _expectation(checks)
        if expect == "never":
            self._leave(
                ctx,
                line,
                "the status checks that follow never hold for a valid sentence (status 0 or 3)",
            )
            return consumed
        params: list[str | None] = [*self.params] or [None]
        values = [self.value(sentence, param) for param in params]
        for value in values:
            if value is None:
                self.report.unchecked += 1
                break
            try:
                parse(value, verb)
            except DetikSyntaxError as err:
                raise UsageError(f"{self.source}:{line.number}: {err}") from None
        self.use(sentence)
        function = "detik.try_" if verb == "try" else "detik.verify"
        if expect == "pass":
            ctx.out.append(python.call(function, sentence, [], 4))
        elif expect == "fail":
            ctx.out.append(
                python.call(function, sentence, ["check=False"], 4, ".assert_not_verified()")
            )
        else:
            ctx.out.append("# no status check followed this run: the verdict is not asserted")
            ctx.out.append(python.call(function, sentence, ["check=False"], 4))
        ctx.sentences += 1
        ctx.uses_detik = True
        self.report.sentences += 1
        return consumed

    # ------------------------------------------------------------------ the module

    def _assemble(self, tests: list[str], module_settings: list[str]) -> Migration:
        tests = [t for t in tests if t]
        uses_detik = any("detik: Detik" in t for t in tests)
        if module_settings and uses_detik:
            self.imports.add("pytest")
        doc = [f'"""Migrated from {Path(self.source).name} by `clusterready migrate`.']
        aws = [t for t in self.report.tests if t.spec_entries]
        if aws:
            doc += [
                "",
                f"{len(aws)} aws-CLI test{'s' if len(aws) > 1 else ''} became entries "
                "of the spec fragment written beside this module;",
                "the shipped preflight suite checks them (with the fragment's path):",
                "",
                "    pytest -m preflight --spec FRAGMENT",
            ]
        if len(doc) == 1:
            doc[0] += '"""'
        else:
            doc.append('"""')
        parts = ["\n".join(doc), "from __future__ import annotations"]
        std = [f"import {m}" for m in sorted(self.imports & {"os", "time"})]
        if std:
            parts.append("\n".join(std))
        if "pytest" in self.imports:
            parts.append("import pytest")
        if uses_detik:
            parts.append("from clusterready.detik import Detik")
        consts = [self.consts[name] for name in self.consts if name in self.used]
        if consts:
            parts.append("\n".join(_constant(c) for c in consts))
        for test in self.report.tests:
            if test.spec_entries:
                entries = [
                    e for e in self.report.spec_entries if e.lines and e.lines[0] > test.line
                ][: test.spec_entries]
                text = [f'@test "{test.title}" (line {test.line}) is now in the spec fragment:']
                text += [f"{e.key}, checked by {e.check}" for e in entries]
                parts.append("\n".join(c for t in text for c in python.comment(t, 0, "# ", "#   ")))
        if self.top_todo:
            parts.append("\n".join(self.top_todo))
        blocks = []
        if module_settings and uses_detik:
            blocks.append(
                "\n".join(
                    [
                        "@pytest.fixture",
                        "def detik(detik: Detik) -> Detik:",
                        *(
                            "    " + d
                            for d in python.docstring(
                                "The .bats file's DETIK settings: "
                                + ", ".join(self.setting_lines)
                                + ".",
                                4,
                            )
                        ),
                        f"    return detik.using({', '.join(module_settings)})",
                    ]
                )
            )
        blocks += tests
        source = "\n\n".join(parts)
        if blocks:
            source += "\n\n\n" + "\n\n\n".join(blocks)
        return Migration(source + "\n", self._fragment(), self.report)

    def _fragment(self) -> dict[str, Any] | None:
        if not self.report.spec_entries:
            return None
        return fragment(self.report.spec_entries)


def _constant(const: _Const) -> str:
    """``NAME = "value"  # line N``, wrapped in parentheses past the width."""
    line = f"{const.name} = {const.expr}"
    if const.line and len(line) + 12 < python.WIDTH:
        return f"{line}  # line {const.line}"
    if len(line) <= python.WIDTH or const.value is None:
        return line
    return python.call(const.name + " = ", [("lit", const.value)], [], 0)


def _unique(name: str, taken: set[str], width: int) -> str:
    """``name`` cut to ``width`` characters, with ``_2``, ``_3``... if already taken."""
    found, n = name[:width].rstrip("_"), 2
    while found in taken:
        suffix = f"_{n}"
        found, n = name[: width - len(suffix)].rstrip("_") + suffix, n + 1
    taken.add(found)
    return found


def fragment(entries: Sequence[SpecEntry]) -> dict[str, Any]:
    """The spec document the entries make (lists appended to, other keys set)."""
    out: dict[str, Any] = {}
    for entry in entries:
        section, key = entry.key.split(".")
        if key in ("subnets", "ssm_parameters", "exports"):
            out.setdefault(section, {}).setdefault(key, []).append(entry.value)
        else:
            out.setdefault(section, {})[key] = entry.value
    return out


def _invalid(entries: Sequence[SpecEntry]) -> str | None:
    """Why these entries do not make a valid spec, or None."""
    from clusterready.spec import ClusterSpec

    try:
        ClusterSpec.from_mapping(fragment(entries), source="the migrated entries")
    except SpecError as err:
        return f"invalid ({err})"
    return None


class _Unknown(Exception):
    """A value migrate cannot know when it writes the module."""


def _copy(settings: _Settings) -> _Settings:
    return _Settings(**vars(settings))


def _client(value: str, settings: _Settings) -> str | None:
    """Read DETIK_CLIENT_NAME: the client and its namespace flags; a problem, or None."""
    try:
        words = [w.literal or w.describe() for w in split_words(value)]
    except ShellError as err:
        return f"DETIK_CLIENT_NAME is not a command ({err})"
    if not words or words[0].rsplit("/", 1)[-1] not in ("kubectl", "oc"):
        return (
            f"DETIK_CLIENT_NAME={value!r}: clusterready reads the cluster itself; "
            "a client other than kubectl or oc needs a KubectlSource"
        )
    args = words[1:]
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-n", "--namespace") and i + 1 < len(args):
            settings.client_ns, i = args[i + 1], i + 2
        elif arg.startswith("--namespace="):
            settings.client_ns, i = arg.split("=", 1)[1], i + 1
        elif arg.startswith("-n") and len(arg) > 2:
            settings.client_ns, i = arg[2:], i + 1
        elif arg in ("-A", "--all-namespaces"):
            settings.client_all, i = True, i + 1
        else:
            return (
                f"DETIK_CLIENT_NAME option {arg!r}: give the cluster to pytest instead "
                "(--kubeconfig, --context)"
            )
    return None


_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "-eq": operator.eq, "==": operator.eq, "=": operator.eq,
    "-ne": operator.ne, "!=": operator.ne,
    "-gt": operator.gt, ">": operator.gt, "-ge": operator.ge, ">=": operator.ge,
    "-lt": operator.lt, "<": operator.lt, "-le": operator.le, "<=": operator.le,
}  # fmt: skip
_StatusCheck = tuple[Callable[[int, int], bool], int]


def _status_check(text: str) -> _StatusCheck | None:
    """(comparison, number) that a status-check line applies to ``$status``, or None."""
    if text == "assert_success":
        return operator.eq, 0
    if text == "assert_failure":
        return operator.ne, 0
    match = re.fullmatch(r"assert_failure\s+(\d+)", text) or _STATUS_EQUAL.match(text)
    if match:
        return operator.eq, int(match.group(1))
    for pattern in (_STATUS_TEST, _STATUS_ARITH):
        match = pattern.match(text)
        if match:
            return _COMPARE[match.group(1)], int(match.group(2))
    return None


def _expectation(checks: Sequence[_StatusCheck]) -> str:
    """pass, fail, any (nothing asserted) or never, for statuses 0 and 3."""
    if not checks:
        return "any"
    verified = all(compare(0, n) for compare, n in checks)
    not_verified = all(compare(3, n) for compare, n in checks)
    return {(True, False): "pass", (False, True): "fail", (True, True): "any"}.get(
        (verified, not_verified), "never"
    )


def _why(words: list[Word], text: str, setup: bool = False) -> str:
    names = [w.literal or "" for w in words if not w.op]
    if names and names[0] == "run":
        names = names[1:]
    first = names[0] if names else ""
    second = names[1] if len(names) > 1 else ""
    if first == "kubectl":
        if second in _CHANGES:
            return (
                f"kubectl {second} changes the cluster; clusterready only reads it: do it "
                "in the pipeline before the checks"
            )
        return f"kubectl {second}: write it as a DETIK sentence or with the kube fixture"
    if first == "helm":
        return f"helm {second} changes the cluster: do it in the pipeline before the checks"
    if first == "aws":
        return "an aws CLI call that is not one of the preflight checks migrate knows"
    if (
        "$output" in text
        or "${output}" in text
        or "${lines[" in text
        or first.startswith(("assert_", "refute_"))
    ):
        return "checks a command's output: assert on the DetikResult's lines instead"
    if setup:
        return "set-up or tear-down: do it in the pipeline, or write a fixture"
    return f"a shell command ({first or text.split()[0]}) migrate does not translate"


def migrate_text(text: str, source: str) -> Migration:
    """Migrate the text of a .bats file (``source`` names it in messages)."""
    return _FileTranslator(text, source).run()

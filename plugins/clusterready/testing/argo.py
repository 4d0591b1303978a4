"""Argo manifests checked without a cluster, and the commands their steps run.

What ``kubectl apply`` does not check (the Argo CRDs accept any ``spec``) and what
``argo lint`` would, for the project's deploy/argo/ and for users' own manifests:

- :func:`schema_problems`: every Argo document against the upstream JSON schemas in a
  strict mode (a misspelt key fails), a Sensor's embedded Workflow included;
- :func:`semantic_problems`: every ``templateRef`` and ``workflowTemplateRef``
  resolves, every ``{{inputs.parameters.x}}``, ``{{workflow.parameters.X}}``,
  ``{{item}}`` and ``{{tasks.X.outputs...}}`` is declared where it is used, a DAG
  uses ``depends`` or ``dependencies`` (never both), a retry expression retries exit
  75 only, a clusterready step's ``--deadline`` is inside its pod's deadline;
- :func:`container_steps`: the argv, environment and artifacts of every container
  step a WorkflowTemplate runs for given parameters, ``{{...}}`` substituted as Argo
  would, ``when`` evaluated and ``withItems`` expanded, and :func:`run_steps` to run
  them here, artifacts passed through a directory: so tests (and ``make image-test``)
  run the very commands the manifests hold.

>>> evaluate("asInt(lastRetry.exitCode) == 75", {"lastRetry.exitCode": "75"})
True
>>> docs = load_manifests("deploy/argo")  # doctest: +SKIP
>>> [s.argv[:3] for s in container_steps(docs, "clusterready-preflight", {})]  # doctest: +SKIP
[['clusterready', 'run', 'preflight'], ...]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ArgoError",
    "Artifact",
    "Step",
    "StepResult",
    "container_steps",
    "evaluate",
    "load_manifests",
    "retried_exit_codes",
    "run_steps",
    "schema_problems",
    "semantic_problems",
]

Doc = dict[str, Any]

#: The exit codes a retry expression is tried with: clusterready's contract, and a kill.
EXIT_CODES = (0, 1, 2, 3, 4, 5, 64, 75, 137)
#: How far a run's --deadline must be inside its pod's activeDeadlineSeconds.
DEADLINE_MARGIN = 30

_TAG = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_RETRY_POLICIES = {"Always", "OnFailure", "OnError", "OnTransientError"}
#: The variables a template may use (docs/variables.md upstream; the ones checked further
#: are inputs.parameters, workflow.parameters, item and tasks/steps outputs).
_KNOWN_TAG = re.compile(
    r"(inputs\.parameters|workflow\.parameters|tasks|steps|item)(\.[\w-]+)*"
    r"|workflow\.(name|namespace|uid|serviceAccountName|creationTimestamp|status|duration)"
    r"|pod\.name|retries|node\.name|inputs\.artifacts\.[\w-]+"
)


class ArgoError(Exception):
    """A manifest that cannot be read or run as written (the message says where)."""


# --------------------------------------------------------------------------- loading


def load_manifests(path: str | Path) -> list[Doc]:
    """The documents of a YAML file, or of a kustomization directory's ``resources``."""
    import yaml

    path = Path(path)
    if path.is_dir():
        kustomization = yaml.safe_load((path / "kustomization.yaml").read_text())
        files = [path / name for name in kustomization.get("resources", [])]
    else:
        files = [path]
    docs: list[Doc] = []
    for file in files:
        for doc in yaml.safe_load_all(file.read_text(encoding="utf-8")):
            if doc:
                doc.setdefault("metadata", {}).setdefault("annotations", {})
                doc["metadata"]["annotations"].setdefault("clusterready/source", file.name)
                docs.append(doc)
    return docs


def _source(doc: Doc) -> str:
    meta = doc.get("metadata", {})
    where = meta.get("annotations", {}).get("clusterready/source", "")
    return f"{where}: {doc.get('kind')}/{meta.get('name')}"


def _strip_source(doc: Doc) -> Doc:
    """``doc`` without the annotation load_manifests adds (for schema validation)."""
    doc = json.loads(json.dumps(doc))
    annotations = doc.get("metadata", {}).get("annotations", {})
    annotations.pop("clusterready/source", None)
    if not annotations:
        doc["metadata"].pop("annotations", None)
    return doc


# --------------------------------------------------------------------------- schemas

_WORKFLOWS = "argo-workflows.schema.json"
_EVENTS = "argo-events.schema.json"
_KINDS = {
    "WorkflowTemplate": (_WORKFLOWS, "io.argoproj.workflow.v1alpha1.WorkflowTemplate"),
    "ClusterWorkflowTemplate": (
        _WORKFLOWS,
        "io.argoproj.workflow.v1alpha1.ClusterWorkflowTemplate",
    ),
    "Workflow": (_WORKFLOWS, "io.argoproj.workflow.v1alpha1.Workflow"),
    "CronWorkflow": (_WORKFLOWS, "io.argoproj.workflow.v1alpha1.CronWorkflow"),
    "EventSource": (_EVENTS, "io.argoproj.events.v1alpha1.EventSource"),
    "Sensor": (_EVENTS, "io.argoproj.events.v1alpha1.Sensor"),
    "EventBus": (_EVENTS, "io.argoproj.events.v1alpha1.EventBus"),
}
#: Free-form on purpose upstream: never closed.
_OPEN_DEFS = {
    "io.argoproj.workflow.v1alpha1.Plugin",
    "io.argoproj.workflow.v1alpha1.Item",
    "io.argoproj.workflow.v1alpha1.NoneStrategy",
}


def strict_schema(path: str | Path) -> Doc:
    """An upstream schema made strict in memory (see tests/data/argo-schemas/README.md).

    Every definition with ``properties`` gets ``additionalProperties: false`` (so a
    misspelt key fails); IntOrString and Quantity accept integers (Argo does); a
    webhook's ``url`` is not required (the controller never asks for it).
    """
    schema: Doc = json.loads(Path(path).read_text(encoding="utf-8"))
    defs = schema["definitions"]
    for name in (
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
        "io.k8s.apimachinery.pkg.api.resource.Quantity",
    ):
        if name in defs:
            defs[name] = {"anyOf": [{"type": "integer"}, {"type": "number"}, {"type": "string"}]}
    for name in (
        "io.argoproj.events.v1alpha1.WebhookContext",
        "io.argoproj.events.v1alpha1.WebhookEventSource",
    ):
        if name in defs:
            defs[name]["required"] = [r for r in defs[name].get("required", []) if r != "url"]
    for name, definition in defs.items():
        if (
            name not in _OPEN_DEFS
            and "properties" in definition
            and "additionalProperties" not in definition
        ):
            definition["additionalProperties"] = False
    return schema


class SchemaValidator:
    """One validator per kind over the strict schemas of ``schema_dir``."""

    def __init__(self, schema_dir: str | Path) -> None:
        self.schema_dir = Path(schema_dir)
        self._schemas: dict[str, Doc] = {}
        self._validators: dict[str, Any] = {}

    def validator(self, kind: str) -> Any:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        if kind not in self._validators:
            file, definition = _KINDS[kind]
            if file not in self._schemas:
                self._schemas[file] = strict_schema(self.schema_dir / file)
            schema = self._schemas[file]
            registry: Any = Registry().with_resource(
                schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012)
            )
            self._validators[kind] = Draft202012Validator(
                {"$ref": f"{schema['$id']}#/definitions/{definition}"}, registry=registry
            )
        return self._validators[kind]

    def problems(self, doc: Doc, where: str) -> list[str]:
        kind = doc.get("kind", "")
        if kind not in _KINDS:
            return []
        errors = sorted(self.validator(kind).iter_errors(doc), key=lambda e: list(e.absolute_path))
        return [
            f"{where}: {'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in errors
        ]


def schema_problems(docs: Iterable[Doc], schema_dir: str | Path) -> list[str]:
    """Every way the Argo documents of ``docs`` break the strict schemas (empty: none).

    Documents of other kinds (ServiceAccount, Role...) are not Argo's and are skipped;
    a Sensor's ``argoWorkflow.source.resource`` is validated as the Workflow it is.
    """
    validator = SchemaValidator(schema_dir)
    found: list[str] = []
    for doc in docs:
        where = _source(doc)
        found += validator.problems(_strip_source(doc), where)
        if doc.get("kind") == "Sensor":
            for i, trigger in enumerate(doc.get("spec", {}).get("triggers", [])):
                resource = _sensor_resource(trigger)
                if resource is not None:
                    found += validator.problems(resource, f"{where}: triggers.{i} resource")
    return found


def _sensor_resource(trigger: Doc) -> Doc | None:
    resource = trigger.get("template", {}).get("argoWorkflow", {}).get("source", {}).get("resource")
    return resource if isinstance(resource, dict) else None


# --------------------------------------------------------------------------- expressions


class _Parser:
    """The subset of Argo's expression languages (expr, govaluate) the manifests use.

    Literals (numbers, 'strings', true, false), names (``lastRetry.exitCode``),
    ``asInt(...)``, comparisons, ``!``, ``&&``, ``||`` and parentheses. Anything
    else is an ArgoError, so an expression is never guessed at.
    """

    _TOKEN = re.compile(
        r"\s*(?:(?P<num>\d+)|'(?P<sq>[^']*)'|\"(?P<dq>[^\"]*)\"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!()])"
        r"|(?P<name>[A-Za-z_][\w.]*))"
    )

    def __init__(self, text: str, names: Mapping[str, object]) -> None:
        self.text, self.names = text, names
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = self._TOKEN.match(text, pos)
            if not match or match.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise ArgoError(f"expression {text!r}: cannot read {text[pos:]!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.pos = 0

    def parse(self) -> object:
        value = self._or()
        if self.pos != len(self.tokens):
            raise ArgoError(f"expression {self.text!r}: unexpected {self.tokens[self.pos][1]!r}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise ArgoError(f"expression {self.text!r}: ends too early")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise ArgoError(f"expression {self.text!r}: expected {expected!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def _or(self) -> object:
        value = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            value = self._bool(value) or self._bool(right)
        return value

    def _and(self) -> object:
        value = self._not()
        while self._peek() == "&&":
            self._take()
            right = self._not()
            value = self._bool(value) and self._bool(right)
        return value

    def _not(self) -> object:
        if self._peek() == "!":
            self._take()
            return not self._bool(self._not())
        return self._compare()

    def _compare(self) -> object:
        left = self._atom()
        op = self._peek()
        if op not in ("==", "!=", "<", "<=", ">", ">="):
            return left
        self._take()
        right = self._atom()
        if type(left) is not type(right):
            raise ArgoError(
                f"expression {self.text!r}: compares {left!r} with {right!r} (different types)"
            )
        if op == "==":
            return left == right
        if op == "!=":
            return left != right
        if not isinstance(left, int) or not isinstance(right, int):
            raise ArgoError(f"expression {self.text!r}: {op} needs numbers")
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]

    def _atom(self) -> object:
        kind, text = self._take()
        if kind == "num":
            return int(text)
        if kind in ("sq", "dq"):
            return text
        if text == "(":
            value = self._or()
            self._take(")")
            return value
        if kind == "name":
            if text in ("true", "false"):
                return text == "true"
            if self._peek() == "(":
                if text != "asInt":
                    raise ArgoError(f"expression {self.text!r}: unknown function {text}()")
                self._take("(")
                value = self._or()
                self._take(")")
                try:
                    return int(str(value))
                except ValueError:
                    raise ArgoError(
                        f"expression {self.text!r}: asInt({value!r}) is not a number"
                    ) from None
            if text not in self.names:
                raise ArgoError(f"expression {self.text!r}: unknown name {text!r}")
            return self.names[text]
        raise ArgoError(f"expression {self.text!r}: unexpected {text!r}")

    def _bool(self, value: object) -> bool:
        if not isinstance(value, bool):
            raise ArgoError(f"expression {self.text!r}: {value!r} is not true or false")
        return value


def evaluate(expression: str, names: Mapping[str, object]) -> object:
    """Evaluate an Argo ``when`` or retry ``expression`` (the subset in :class:`_Parser`).

    >>> evaluate("'v0.7.2' != 'none' && 'v0.7.2' != ''", {})
    True
    """
    return _Parser(expression, names).parse()


def retried_exit_codes(expression: str, codes: Iterable[int] = EXIT_CODES) -> list[int]:
    """The exit codes among ``codes`` a retryStrategy ``expression`` retries.

    >>> retried_exit_codes("asInt(lastRetry.exitCode) == 75")
    [75]
    """
    retried = []
    for code in codes:
        names = {
            "lastRetry.exitCode": str(code),
            "lastRetry.status": "Failed",
            "lastRetry.duration": "10",
            "lastRetry.message": "",
        }
        if evaluate(expression, names) is True:
            retried.append(code)
    return retried


# --------------------------------------------------------------------------- the model


@dataclass
class _Index:
    templates: dict[str, Doc]  # WorkflowTemplate name -> document

    @classmethod
    def of(cls, docs: Iterable[Doc]) -> _Index:
        return cls({d["metadata"]["name"]: d for d in docs if d.get("kind") == "WorkflowTemplate"})

    def template(self, owner: str, name: str) -> Doc | None:
        doc = self.templates.get(owner)
        if doc is None:
            return None
        for template in doc.get("spec", {}).get("templates", []):
            if template.get("name") == name:
                return dict(template)
        return None

    def target(self, owner: str, task: Doc) -> tuple[str, str]:
        """(WorkflowTemplate, template) a task or step calls."""
        ref = task.get("templateRef")
        if ref:
            return ref.get("name", ""), ref.get("template", "")
        return owner, task.get("template", "")


def _tasks(template: Doc) -> list[Doc]:
    if "dag" in template:
        return list(template["dag"].get("tasks", []))
    if "steps" in template:
        return [step for group in template["steps"] for step in group]
    return []


def _tags(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from (m.group(1) for m in _TAG.finditer(value))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tags(item)
    elif isinstance(value, list):
        for item in value:
            yield from _tags(item)


def _declared(params: Iterable[Doc]) -> set[str]:
    return {p["name"] for p in params}


def _reachable(index: _Index, owner: str, name: str) -> Iterator[tuple[str, str]]:
    """Every (WorkflowTemplate, template) the template calls, itself included."""
    seen: set[tuple[str, str]] = set()
    todo = [(owner, name)]
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        template = index.template(*key)
        if template is None:
            continue
        todo += [index.target(key[0], task) for task in _tasks(template)]
    yield from sorted(seen)


# --------------------------------------------------------------------------- semantics


def semantic_problems(docs: Sequence[Doc]) -> list[str]:
    """What the schemas cannot see and Argo would reject or run wrongly (empty: none)."""
    index = _Index.of(docs)
    found: list[str] = []
    for doc in docs:
        where = _source(doc)
        if doc.get("kind") == "WorkflowTemplate":
            found += _template_doc_problems(index, doc, where)
        elif doc.get("kind") == "Sensor":
            found += _sensor_problems(index, doc, where)
    return found


def _template_doc_problems(index: _Index, doc: Doc, where: str) -> list[str]:
    found: list[str] = []
    owner = doc["metadata"]["name"]
    spec = doc.get("spec", {})
    entrypoint = spec.get("entrypoint")
    if entrypoint:
        declared = _declared(spec.get("arguments", {}).get("parameters", []))
        if index.template(owner, entrypoint) is None:
            found.append(f"{where}: entrypoint {entrypoint!r} is not a template")
        for ref_owner, ref_name in _reachable(index, owner, entrypoint):
            template = index.template(ref_owner, ref_name) or {}
            for tag in _tags(template):
                if tag.startswith("workflow.parameters."):
                    name = tag.removeprefix("workflow.parameters.")
                    if name not in declared:
                        found.append(
                            f"{where}: {{{{{tag}}}}} in {ref_owner}/{ref_name} is not a "
                            f"parameter of this workflow (spec.arguments.parameters)"
                        )
    for template in spec.get("templates", []):
        found += _template_problems(index, owner, template, f"{where}: template {template['name']}")
    return found


def _template_problems(index: _Index, owner: str, template: Doc, where: str) -> list[str]:
    found: list[str] = []
    inputs = _declared(template.get("inputs", {}).get("parameters", []))
    for tag in _tags(template):
        if tag.startswith("inputs.parameters.") and tag.split(".", 2)[2] not in inputs:
            found.append(f"{where}: {{{{{tag}}}}} is not one of its inputs.parameters")
        if tag.startswith("="):
            found.append(f"{where}: {{{{{tag}}}}}: expression tags are not checked; avoid them")
        elif not _KNOWN_TAG.fullmatch(tag):
            found.append(f"{where}: {{{{{tag}}}}} is not a variable Argo knows")
    retry = template.get("retryStrategy")
    if retry is not None:
        found += _retry_problems(retry, where)
    if "container" in template:
        found += _deadline_problems(template, where)
    tasks = _tasks(template)
    names = [t.get("name", "") for t in tasks]
    if "dag" in template:
        uses = {k for t in tasks for k in ("depends", "dependencies") if k in t}
        if len(uses) > 1:
            found.append(f"{where}: a DAG cannot mix 'depends' and 'dependencies'")
        for task in tasks:
            for dep in task.get("dependencies", []):
                if dep not in names:
                    found.append(f"{where}: task {task['name']} depends on unknown task {dep!r}")
    for task in tasks:
        found += _task_problems(index, owner, task, f"{where}: {task.get('name')}")
    prefix = "tasks." if "dag" in template else "steps."
    for tag in _tags(template):
        if tag.startswith(("tasks.", "steps.")):
            found += _output_ref_problems(index, owner, tasks, prefix, tag, where)
    return found


def _task_problems(index: _Index, owner: str, task: Doc, where: str) -> list[str]:
    found: list[str] = []
    ref_owner, ref_name = index.target(owner, task)
    target = index.template(ref_owner, ref_name)
    if target is None:
        what = "templateRef" if "templateRef" in task else "template"
        return [f"{where}: {what} {ref_owner}/{ref_name} does not resolve"]
    looped = any(k in task for k in ("withItems", "withParam", "withSequence"))
    if not looped and any(t == "item" or t.startswith("item.") for t in _tags(task)):
        found.append(f"{where}: uses {{{{item}}}} without withItems, withParam or withSequence")
    inputs = target.get("inputs", {}).get("parameters", [])
    given = _declared(task.get("arguments", {}).get("parameters", []))
    for name in sorted(given - _declared(inputs)):
        found.append(f"{where}: passes {name!r}, not an input of {ref_owner}/{ref_name}")
    for param in inputs:
        if "value" not in param and param["name"] not in given:
            found.append(f"{where}: does not pass {ref_owner}/{ref_name}'s input {param['name']!r}")
    if "retryStrategy" in task:
        found.append(f"{where}: retryStrategy belongs on the template, not the task")
    return found


def _output_ref_problems(
    index: _Index, owner: str, tasks: list[Doc], prefix: str, tag: str, where: str
) -> list[str]:
    parts = tag.split(".")
    by_name = {t.get("name"): t for t in tasks}
    if not tag.startswith(prefix) or parts[1] not in by_name:
        return [f"{where}: {{{{{tag}}}}} names no {prefix.rstrip('.')[:-1]} of this template"]
    if len(parts) == 5 and parts[2] == "outputs" and parts[3] in ("parameters", "artifacts"):
        target = index.template(*index.target(owner, by_name[parts[1]])) or {}
        outputs = _declared(target.get("outputs", {}).get(parts[3], []))
        if parts[4] not in outputs:
            return [f"{where}: {{{{{tag}}}}}: the template declares no output {parts[4]!r}"]
    return []


def _retry_problems(retry: Doc, where: str) -> list[str]:
    found = []
    policy = retry.get("retryPolicy", "OnFailure")
    if policy not in _RETRY_POLICIES:
        found.append(f"{where}: retryPolicy {policy!r} is not one of {sorted(_RETRY_POLICIES)}")
    expression = retry.get("expression")
    if expression is None:
        found.append(f"{where}: retryStrategy has no expression: it would retry exit 1 too")
    else:
        try:
            codes = retried_exit_codes(expression)
        except ArgoError as err:
            found.append(f"{where}: retryStrategy: {err}")
        else:
            if codes != [75]:
                found.append(f"{where}: retryStrategy retries exit codes {codes}, not [75] only")
    if "backoff" not in retry:
        found.append(f"{where}: retryStrategy has no backoff")
    return found


def _deadline_problems(template: Doc, where: str) -> list[str]:
    container = template["container"]
    args = [*container.get("command", []), *container.get("args", [])]
    if args[:2] != ["clusterready", "run"]:
        return []
    found = []
    if "retryStrategy" not in template:
        found.append(f"{where}: a clusterready run has no retryStrategy (exit 75 is retried)")
    pod = template.get("activeDeadlineSeconds")
    run = args[args.index("--deadline") + 1] if "--deadline" in args else None
    if pod is None or run is None:
        found.append(f"{where}: a clusterready run needs activeDeadlineSeconds and --deadline")
    elif not str(run).isdigit() or int(run) > int(pod) - DEADLINE_MARGIN:
        found.append(
            f"{where}: --deadline {run} must be at least {DEADLINE_MARGIN}s inside "
            f"activeDeadlineSeconds {pod}, so the report is written before the pod is killed"
        )
    return found


def _sensor_problems(index: _Index, doc: Doc, where: str) -> list[str]:
    found: list[str] = []
    spec = doc.get("spec", {})
    dependencies = {d["name"] for d in spec.get("dependencies", [])}
    for i, trigger in enumerate(spec.get("triggers", [])):
        here = f"{where}: triggers.{i}"
        resource = _sensor_resource(trigger)
        if resource is None:
            continue
        ref = resource.get("spec", {}).get("workflowTemplateRef", {}).get("name")
        target = index.templates.get(ref or "")
        if target is None:
            found.append(f"{here}: workflowTemplateRef {ref!r} does not resolve")
            continue
        arguments = resource["spec"].get("arguments", {}).get("parameters", [])
        declared = target["spec"].get("arguments", {}).get("parameters", [])
        for name in sorted(_declared(arguments) - _declared(declared)):
            found.append(f"{here}: passes {name!r}, not a parameter of {ref}")
        for param in trigger["template"]["argoWorkflow"].get("parameters", []):
            if param.get("src", {}).get("dependencyName") not in dependencies:
                found.append(f"{here}: parameter from unknown dependency {param.get('src')}")
            match = re.fullmatch(
                r"spec\.arguments\.parameters\.(\d+)\.value", param.get("dest", "")
            )
            if match and int(match.group(1)) >= len(arguments):
                found.append(f"{here}: dest {param['dest']} is past the Workflow's parameters")
    return found


# --------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class Artifact:
    """An artifact of a step: where the container has it, and its key in the repository."""

    name: str
    path: str
    key: str
    optional: bool = False


@dataclass
class Step:
    """One container step as Argo would run it, every ``{{...}}`` substituted."""

    task: str  # the path of DAG task / step names down to it, e.g. "shard(1)"
    template: str  # WorkflowTemplate/template
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    inputs: list[Artifact] = field(default_factory=list)
    outputs: list[Artifact] = field(default_factory=list)
    retry: Doc | None = None  # the template's retryStrategy


def container_steps(
    docs: Sequence[Doc],
    workflow_template: str,
    parameters: Mapping[str, str],
    *,
    workflow_name: str = "wf",
    input_defaults: Mapping[str, str] | None = None,
) -> list[Step]:
    """Every container step the WorkflowTemplate runs, in an order its DAGs allow.

    ``parameters`` override the template's ``spec.arguments.parameters`` (as ``argo
    submit -p`` does); one without a value must be given. ``input_defaults`` replace
    the default value of a template input of that name that a caller does not pass
    (tests point ``reports`` at a temporary directory so). Tasks whose ``when`` is
    false are left out; ``withItems`` and ``withParam`` are expanded.
    """
    index = _Index.of(docs)
    doc = index.templates.get(workflow_template)
    if doc is None:
        raise ArgoError(f"no WorkflowTemplate named {workflow_template!r}")
    declared = doc["spec"].get("arguments", {}).get("parameters", [])
    unknown = sorted(set(parameters) - _declared(declared))
    if unknown:
        raise ArgoError(f"{workflow_template}: no parameter named {', '.join(unknown)}")
    values = {"workflow.name": workflow_name}
    for param in declared:
        value = parameters.get(param["name"], param.get("value"))
        if value is None:
            raise ArgoError(f"{workflow_template}: parameter {param['name']!r} needs a value")
        values[f"workflow.parameters.{param['name']}"] = str(value)
    runner = _Runner(index, values, dict(input_defaults or {}))
    return list(runner.run(workflow_template, doc["spec"]["entrypoint"], {}, ""))


@dataclass
class _Runner:
    index: _Index
    globals: dict[str, str]
    input_defaults: dict[str, str]

    def run(self, owner: str, name: str, args: Mapping[str, str], path: str) -> Iterator[Step]:
        template = self.index.template(owner, name)
        if template is None:
            raise ArgoError(f"{path or owner}: template {owner}/{name} does not resolve")
        scope = dict(self.globals)
        for param in template.get("inputs", {}).get("parameters", []):
            pname = param["name"]
            if pname in args:
                value = args[pname]
            elif pname in self.input_defaults:
                value = self.input_defaults[pname]
            elif "value" in param:
                value = str(param["value"])
            else:
                raise ArgoError(f"{path}: {owner}/{name} needs input {pname!r}")
            scope[f"inputs.parameters.{pname}"] = value
        where = f"{owner}/{name}"
        if "container" in template:
            yield self._step(template, scope, path, where)
            return
        for task in _ordered(template):
            for i, item in enumerate(self._items(task, scope, f"{where}: {task['name']}")):
                local = dict(scope)
                local.update(
                    {k: _substitute(v, scope, where) for k, v in _item_values(item).items()}
                )
                label = task["name"] if item is None else f"{task['name']}({i})"
                label = f"{path}/{label}" if path else label
                when = task.get("when")
                if when is not None and evaluate(_substitute(when, local, label), {}) is not True:
                    continue
                given = {
                    p["name"]: _substitute(str(p.get("value", "")), local, label)
                    for p in task.get("arguments", {}).get("parameters", [])
                }
                yield from self.run(*self.index.target(owner, task), given, label)

    def _items(self, task: Doc, scope: Mapping[str, str], where: str) -> list[Any]:
        if "withItems" in task:
            return list(task["withItems"])
        if "withParam" in task:
            text = _substitute(task["withParam"], scope, where)
            try:
                items = json.loads(text)
            except json.JSONDecodeError:
                raise ArgoError(f"{where}: withParam is not a JSON list: {text!r}") from None
            if not isinstance(items, list):
                raise ArgoError(f"{where}: withParam is not a JSON list: {text!r}")
            return items
        if "withSequence" in task:
            raise ArgoError(f"{where}: withSequence is not supported here")
        return [None]

    def _step(self, template: Doc, scope: Mapping[str, str], path: str, where: str) -> Step:
        container = template["container"]
        argv = [
            _substitute(str(a), scope, where)
            for a in [*container.get("command", []), *container.get("args", [])]
        ]
        env = {
            e["name"]: _substitute(str(e.get("value", "")), scope, where)
            for e in container.get("env", [])
            if "value" in e
        }

        def artifacts(kind: str) -> list[Artifact]:
            return [
                Artifact(
                    a["name"],
                    _substitute(a["path"], scope, where),
                    _substitute(a.get("s3", {}).get("key", ""), scope, where),
                    bool(a.get("optional", False)),
                )
                for a in template.get(kind, {}).get("artifacts", [])
                if "path" in a
            ]

        retry = template.get("retryStrategy")
        return Step(path, where, argv, env, artifacts("inputs"), artifacts("outputs"), retry)


def _ordered(template: Doc) -> list[Doc]:
    """A DAG's tasks in an order their dependencies allow (steps: as written)."""
    tasks = _tasks(template)
    if "dag" not in template:
        return tasks
    done: list[Doc] = []
    names: set[str] = set()
    pending = list(tasks)
    while pending:
        ready = [t for t in pending if set(_depends_on(t)) <= names]
        if not ready:
            raise ArgoError(f"template {template['name']}: its DAG has a cycle")
        for task in ready:
            pending.remove(task)
            done.append(task)
            names.add(task["name"])
    return done


def _depends_on(task: Doc) -> list[str]:
    if "depends" in task:  # "a && (b.Succeeded || c.Failed)": the names, results dropped
        return re.findall(r"[A-Za-z0-9][\w-]*", re.sub(r"\.[A-Za-z]+", "", task["depends"]))
    return list(task.get("dependencies", []))


def _item_values(item: Any) -> dict[str, str]:
    if item is None:
        return {}
    if isinstance(item, dict):
        return {"item": json.dumps(item), **{f"item.{k}": str(v) for k, v in item.items()}}
    return {"item": str(item)}


def _substitute(text: str, scope: Mapping[str, str], where: str) -> str:
    """``text`` with every ``{{name}}`` replaced from ``scope``, once (as Argo does)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in scope:
            raise ArgoError(f"{where}: {{{{{name}}}}} has no value here")
        return scope[name]

    return _TAG.sub(value, text)


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class StepResult:
    """What one step did: its exit code and what it printed."""

    step: Step
    returncode: int
    stdout: str
    stderr: str
    attempts: tuple[int, ...] = ()  # the exit code of every attempt, the last one included


def run_steps(
    steps: Iterable[Step],
    repository: str | Path,
    *,
    env: Mapping[str, str],
    timeout: float = 600.0,
) -> list[StepResult]:
    """Run container steps here, one after the other, as Argo would run their pods.

    ``repository`` is a directory standing for the artifact repository (key-only
    artifacts: a key is a path under it). Before a step, its input artifacts are
    copied from there to their paths and its output paths are cleared (a new pod);
    after it, its outputs are copied back. A failed step does not stop the others
    (the templates say ``continueOn: failed``); a non-optional output that was not
    written makes Argo mark the step Error and stop, and raises ArgoError here. A step
    is tried again, at once, as long as its retryStrategy's ``expression`` says so for
    the exit code, up to its ``limit`` (Argo would wait out the backoff first).
    ``env`` is the environment every step starts from (``PATH`` finds ``clusterready``);
    a step's own ``env`` is added to it.
    """
    import shutil
    import subprocess

    repository = Path(repository)
    results = []
    for step in steps:
        for artifact in step.outputs:
            _remove(Path(artifact.path))
        for artifact in step.inputs:
            target, source = Path(artifact.path), repository / artifact.key
            _remove(target)
            if source.is_dir():
                shutil.copytree(source, target)
            elif source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
            elif not artifact.optional:
                raise ArgoError(f"{step.task}: input artifact {artifact.key} does not exist")
        for artifact in step.outputs:
            Path(artifact.path).parent.mkdir(parents=True, exist_ok=True)
        codes: list[int] = []
        while True:
            done = subprocess.run(
                step.argv,
                env={**env, **step.env},
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
            codes.append(done.returncode)
            if not _retried(step.retry, done.returncode, len(codes)):
                break
        results.append(StepResult(step, done.returncode, done.stdout, done.stderr, tuple(codes)))
        for artifact in step.outputs:
            source, target = Path(artifact.path), repository / artifact.key
            if source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
            elif not artifact.optional:
                raise ArgoError(
                    f"{step.task}: exit {done.returncode} without its {artifact.name} "
                    f"({artifact.path}): Argo marks the step Error\n{done.stderr[-2000:]}"
                )
    return results


def _retried(retry: Doc | None, code: int, attempts: int) -> bool:
    if retry is None or code == 0 or attempts > int(retry.get("limit", 0)):
        return False
    expression = retry.get("expression")
    return expression is None or code in retried_exit_codes(expression, [code])


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()

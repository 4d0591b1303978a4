"""pytest glue only: options, markers, fixtures, report, exit codes.

Everything that does real work lives in the library modules; heavy
dependencies (boto3, kubernetes) are imported by fixtures, only when a
collected test asks for them.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import sys
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from clusterready.coverage import (
    CLUSTER,
    AddonNames,
    Coverage,
    coverage_of,
    no_addon_text,
    nothing_checked_text,
    parse_only,
    registry_names,
    unchecked_text,
    verdict,
)
from clusterready.errors import CannotEvaluate, CheckFailed, Interrupted, SpecError, UsageError
from clusterready.outcomes import ExitCode, Outcome, run_exit_code
from clusterready.report import RunSummary, path_problem
from clusterready.shard import Shard
from clusterready.spec import ENV_SPEC, ClusterSpec, apply_override

if TYPE_CHECKING:
    from concurrent.futures import Future

    from clusterready.aws import AwsSession, Inventory
    from clusterready.detik import Detik
    from clusterready.kube import Cluster
    from clusterready.retry import Eventually
    from clusterready.testing import FakeCluster
    from clusterready.testing.moto import MotoServer

SPEC_KEY = pytest.StashKey[ClusterSpec]()
SPEC_SOURCE_KEY = pytest.StashKey[str]()

CANNOT_EVALUATE = "cannot evaluate"  # the terminal's category for such reports

MARKERS = {
    "preflight": "preflight: a check of the AWS account before the cluster is built "
    "(the tests_preflight suite).",
    "addons": "addons: a check that a cluster add-on runs (the tests_addons suite).",
    "addon(name)": "addon(name): the test checks add-on NAME; it is skipped, with the reason "
    "shown, when the spec lists NAME as 'none' or not at all ('cluster': a cluster-level "
    "check, never skipped).",
    "aws": "aws: the test calls AWS APIs (needs credentials and a region).",
    "kube": "kube: the test reads the Kubernetes API (needs a kubeconfig).",
}

# Options that override one spec key each, applied after --set.
_OVERRIDES = {
    "clusterready_kubeconfig": ("--kubeconfig", "kube.kubeconfig"),
    "clusterready_context": ("--context", "kube.context"),
    "clusterready_namespace": ("--namespace", "kube.namespace"),
    "clusterready_aws_region": ("--aws-region", "aws.region"),
    "clusterready_aws_profile": ("--aws-profile", "aws.profile"),
    "clusterready_deadline": ("--deadline", "run.deadline"),
}
_OVERRIDE_HELP = {
    "--deadline": "seconds the whole run may take (run.deadline, default 900): then the "
    "checks left are reported cannot-evaluate, the reports written, exit 75 unless a check "
    "failed. SIGTERM and SIGINT end a run the same way."
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("clusterready", "clusterready: cluster spec, targets and reports")
    group.addoption(
        "--spec",
        dest="clusterready_spec",
        metavar="PATH",
        help="cluster spec (YAML or JSON, an Argo Events payload or workflow parameters). "
        "Default: $CLUSTERREADY_SPEC (a path or inline JSON), then the ini clusterready_spec.",
    )
    group.addoption(
        "--param",
        dest="clusterready_params",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Argo workflow parameter, e.g. CLUSTER_NAME=prod-eu or METRICS-SERVER=none "
        "(repeatable; see docs/spec.md for the mapping).",
    )
    group.addoption(
        "--set",
        dest="clusterready_sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one spec key, e.g. preflight.min_free_ips=50 (repeatable; wins over "
        "--spec and --param).",
    )
    for dest, (flag, key) in _OVERRIDES.items():
        group.addoption(
            flag,
            dest=dest,
            metavar="SECONDS" if flag == "--deadline" else "VALUE",
            help=_OVERRIDE_HELP.get(flag, f"set {key} (wins over the spec)."),
        )
    group.addoption(
        "--max-attempts",
        "--detik-max-attempts",
        dest="clusterready_detik_max_attempts",
        metavar="N",
        type=int,
        help="cap the attempts of every retry: DETIK tries and eventually(...) (1: one look, "
        "for a quick spot check). --detik-max-attempts is its old name.",
    )
    group.addoption(
        "--diagnostics",
        dest="clusterready_diagnostics",
        choices=("off", "brief", "full"),
        default="full",
        help="what a failed check's report shows of the objects it is about: their "
        "conditions, container reasons, restarts, node, events and a log tail (full, the "
        "default), the same without logs and with fewer events (brief), or nothing (off). "
        "See docs/diagnostics.md.",
    )
    group.addoption(
        "--json-report",
        dest="clusterready_json_report",
        metavar="PATH",
        help="write a small JSON summary (totals; per test id, outcome, duration, message).",
    )
    group.addoption(
        "--shard",
        dest="clusterready_shard",
        metavar="K/N",
        help="run shard K of N: the selected tests cut in N even, contiguous parts in "
        "collection order, the same on every host; `clusterready merge` joins the "
        "shards' --json-report summaries.",
    )
    group.addoption(
        "--only",
        dest="clusterready_only",
        metavar="NAMES",
        help="run only the checks of these add-ons, e.g. coredns,aws-node (names or "
        "aliases; 'cluster' for the cluster-level checks): `clusterready changed` prints "
        "them. With pytest's --strict, an enabled add-on that no check covers fails the "
        "run (docs/exit-codes.md).",
    )
    parser.addini(
        "clusterready_spec",
        "default cluster spec path, relative to the rootdir (--spec and $CLUSTERREADY_SPEC win)",
        default="",
    )


# --------------------------------------------------------------------------- rootdir


def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """Stop a run whose inifile an option value changed (``pytest --spec /abs/spec.yaml``).

    pytest picks its rootdir and inifile before any plugin has added its options, so
    the value of ``--spec /abs/spec.yaml`` counts as a test path then: the rootdir
    becomes /abs, the project's settings (testpaths, addopts) are lost and the wrong
    tests are collected. The ``--spec=/abs/spec.yaml`` form has no such problem: say
    so, exit 4. A value that moves the rootdir but not the inifile (none either way)
    changes no setting and no test: such a run goes on.
    """
    ns = early_config.known_args_namespace
    if ns.inifilename or ns.rootdir:
        return  # the user chose them
    chosen = (early_config.rootpath, early_config.inipath)
    real = _rootdir_and_inifile(early_config, ns.file_or_dir)
    if real is None or real[1] == chosen[1]:
        return  # the same settings (another rootdir without an inifile collects the same)
    ours = {name for option in parser.getgroup("clusterready").options for name in option.names()}
    flag, value = next(
        (
            (flag, value)
            for flag, value in itertools.pairwise(args)
            if flag in ours
            and _rootdir_and_inifile(early_config, [*ns.file_or_dir, value]) == chosen
        ),
        ("--OPTION", "VALUE"),
    )
    raise pytest.UsageError(
        f"clusterready: pytest took the value of {flag} for a test path and moved its "
        f"rootdir to {early_config.rootpath}, away from the project's settings and tests: "
        f"write {flag}={value}"
    )


def _rootdir_and_inifile(config: pytest.Config, paths: list[str]) -> tuple[Path, Any] | None:
    """What pytest would have chosen from the real test paths alone (None: unknown)."""
    from _pytest.config.findpaths import determine_setup

    setup: Any = determine_setup
    ns = config.known_args_namespace
    common = {"inifile": None, "args": paths, "rootdir_cmd_arg": None}
    where = config.invocation_params.dir
    try:
        found = setup(**common, override_ini=ns.override_ini, invocation_dir=where)
    except TypeError:  # pytest 8 has no override_ini parameter
        try:
            found = setup(**common, invocation_dir=where)
        except TypeError:
            return None
    return found[0], found[1]


@pytest.hookimpl(trylast=True)  # after junitxml has set up its LogXML
def pytest_configure(config: pytest.Config) -> None:
    for text in MARKERS.values():
        config.addinivalue_line("markers", text)
    if config.getoption("help") or config.getoption("markers") or config.getoption("version"):
        return
    attempts = config.option.clusterready_detik_max_attempts
    if attempts is not None and attempts < 1:
        raise pytest.UsageError(
            f"clusterready: --max-attempts: expected at least 1, found {attempts}"
        )
    _check_json_report(config)
    config.stash[SPEC_KEY] = _load_spec(config)
    _configure_selection(config)  # before the shard: its trylast hook must run first
    _configure_shard(config)
    _redact_secrets(config, config.stash[SPEC_KEY])
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        tracker = _RunTracker(config)
        config.pluginmanager.register(tracker, "clusterready-tracker")
        _add_junit_properties(config)
    _start_clock(config)


# --------------------------------------------------------------------------- deadlines


def _start_clock(config: pytest.Config) -> None:
    """The run's and each check's deadline, SIGTERM and SIGINT (clusterready.runclock)."""
    from clusterready.runclock import ENV_ENDS_AT, RunClock

    run = config.stash[SPEC_KEY].run
    worker = hasattr(config, "workerinput")
    ends_at = os.environ.get(ENV_ENDS_AT) if worker else None
    clock = RunClock(
        run.deadline,
        run.check_deadline,
        ends_at=float(ends_at) if ends_at else None,
    )
    if not worker:  # xdist workers inherit the environment: they end when the run does
        config.add_cleanup(_restore_env(ENV_ENDS_AT))
        os.environ[ENV_ENDS_AT] = repr(clock.ends_at)
    clock.install()
    config.add_cleanup(clock.uninstall)
    config.pluginmanager.register(_ClockHooks(clock), "clusterready-clock")


def _restore_env(name: str) -> Callable[[], None]:
    previous = os.environ.get(name)

    def restore() -> None:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous

    return restore


class _ClockHooks:
    """A signal ends a check only inside one of its phases (clusterready.runclock)."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.workers: dict[str, int] = {}  # xdist worker id: its pid

    # Innermost wrappers: the other plugins' wrappers (logging, capture) run around them.
    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        self.clock.start_check()
        with self.clock.phase():
            return (yield)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        with self.clock.phase():
            return (yield)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        with self.clock.phase(must_run=True):
            return (yield)

    def pytest_runtest_logfinish(self) -> None:
        self.clock.end_check()

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodeready(self, node: Any) -> None:  # xdist, on the controller
        pid = node.gateway._rinfo().pid  # asked by xdist when it started the worker
        self.workers[node.gateway.id] = pid
        self.clock.add_worker(pid)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any) -> None:
        pid = self.workers.pop(node.gateway.id, None)
        if pid is not None:
            self.clock.remove_worker(pid)


def _redact_secrets(config: pytest.Config, spec: ClusterSpec) -> None:
    """Every log record of the run goes through the secrets filter (any level, any handler)."""
    from clusterready.redact import install, secrets_filter

    secrets = secrets_filter()
    secrets.add_environment()
    secrets.add(*spec.hidden_patterns(), min_length=3)
    config.add_cleanup(install(secrets))


def _check_json_report(config: pytest.Config) -> None:
    path = config.option.clusterready_json_report
    problem = path_problem(path) if path else None
    if problem:
        raise pytest.UsageError(f"clusterready: --json-report: {problem}")


def _load_spec(config: pytest.Config) -> ClusterSpec:
    path = config.option.clusterready_spec
    base = None
    if path is None and not os.environ.get(ENV_SPEC, "").strip():
        ini = str(config.getini("clusterready_spec") or "")
        if ini:
            path, base = ini, config.rootpath
    try:
        spec = ClusterSpec.load(
            path,
            params=config.option.clusterready_params,
            sets=config.option.clusterready_sets,
            base_dir=base,
            known_addons=registry_names(),
        )
        for dest, (flag, key) in _OVERRIDES.items():
            value = getattr(config.option, dest)
            if value is not None:
                spec = apply_override(spec, key, value, source=flag)
    except SpecError as err:
        raise pytest.UsageError(f"clusterready: {err}") from None
    config.stash[SPEC_SOURCE_KEY] = str(path or "")
    return spec


def _add_junit_properties(config: pytest.Config) -> None:
    # The LogXML object is the only place global properties survive xdist
    # (record_testsuite_property runs on workers).
    xml = _junit_writer(config)
    if xml is None:
        return
    spec = config.stash[SPEC_KEY]
    for name, value in _target(spec).items():
        xml.add_global_property(f"clusterready.{name}", value)
    config.pluginmanager.register(_JunitDiagnostics(xml), "clusterready-junit-diagnostics")


class _JunitDiagnostics:
    """A failed check's diagnostics go in its testcase's ``<system-out>``."""

    def __init__(self, xml: Any) -> None:
        self.xml = xml

    @pytest.hookimpl(trylast=True)  # after junitxml wrote the <failure>: the schema's order
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        from clusterready.junit import system_out

        text = "".join(content for name, content in report.sections if name == DIAGNOSTICS)
        if text:
            self.xml.node_reporter(report).append(system_out(text))


def _junit_writer(config: pytest.Config) -> Any:
    """pytest's JUnit writer (its LogXML) of this run, None without ``--junitxml``."""
    try:
        from _pytest.junitxml import xml_key
    except ImportError:  # a private name a pytest release may drop: find the plugin instead
        return _junit_writer_plugin(config)
    return config.stash.get(xml_key, None)


def _junit_writer_plugin(config: pytest.Config) -> Any:
    """The JUnit writer among the registered plugins (pytest registers its LogXML)."""
    plugins = config.pluginmanager.get_plugins()
    return next((p for p in plugins if callable(getattr(p, "add_global_property", None))), None)


def _target(spec: ClusterSpec) -> dict[str, str]:
    return {"cluster": spec.cluster.name, "context": spec.kube.context, "region": spec.aws.region}


def pytest_report_header(config: pytest.Config) -> str | None:
    spec = config.stash.get(SPEC_KEY, None)
    if spec is None:
        return None
    t = _target(spec)
    source = config.stash.get(SPEC_SOURCE_KEY, "") or "(defaults)"
    return (
        f"clusterready: cluster {t['cluster'] or '-'}, context {t['context'] or '(current)'}, "
        f"region {t['region'] or '(environment)'}, spec {source}"
    )


# --------------------------------------------------------------------------- markers


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _distributed(config) and not hasattr(config, "workerinput"):
        _lint_detik_sentences(dict.fromkeys(i.path for i in items if i.path.suffix == ".py"))
    spec = config.stash.get(SPEC_KEY, None)
    for item in items:
        for name in _addons_of(item):
            # `-k "addon[metrics-server]"` selects one add-on's checks, wherever they are
            # (the brackets keep `addon[aws-node]` from matching a longer name).
            item.extra_keyword_matches.add(f"addon[{name}]")
            if spec is not None and name != CLUSTER and not spec.addon_enabled(name):
                version = spec.addon_version(name)
                reason = (
                    f"add-on {name!r} is not in the spec"
                    if version is None
                    else f"add-on {name!r} is '{version}' in the spec (not installed)"
                )
                item.add_marker(pytest.mark.skip(reason=reason))


def _addons_of(item: pytest.Item) -> list[str]:
    """The canonical names of the add-ons an item is marked with, the closest first."""
    names = registry_names()
    found = []
    for mark in item.iter_markers("addon"):
        if len(mark.args) != 1 or mark.kwargs or not isinstance(mark.args[0], str):
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.addon takes one add-on name, "
                f"e.g. @pytest.mark.addon('metrics-server'); found {mark.args!r}"
            )
        found.append(names.get(mark.args[0], mark.args[0]))
    return list(dict.fromkeys(found))


def pytest_sessionstart(session: pytest.Session) -> None:
    # Under xdist the workers collect; a usage error there would crash the run, so
    # the controller lints the modules the arguments name before any worker starts.
    config = session.config
    if _distributed(config) and not hasattr(config, "workerinput"):
        _lint_detik_sentences(_candidate_modules(config))


def _distributed(config: pytest.Config) -> bool:
    return str(getattr(config.option, "dist", "no")) != "no"


def _candidate_modules(config: pytest.Config) -> list[Path]:
    patterns = [str(p) for p in config.getini("python_files")]
    found: list[Path] = []
    for arg in config.args:
        path = Path(arg.split("::")[0])
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*.py")
                if any(fnmatch.fnmatch(p.name, pat) for pat in patterns)
                and not any(
                    part.startswith(".") or part in ("node_modules", "__pycache__")
                    for part in p.relative_to(path).parts
                )
            )
    return found


def _lint_detik_sentences(paths: Iterable[Path]) -> None:
    """Parse every literal sentence given to detik.verify/try_ in these modules: one
    bad sentence stops the run (exit 4) before anything touches a cluster."""
    from clusterready.detik.lint import lint

    problems = []
    for path in paths:
        report = lint(path)
        problems += [f"{_relative(path)}:{e.line}: {e.message}" for e in report.errors]
    if problems:
        raise pytest.UsageError(*problems)


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(os.getcwd()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def cluster_spec(pytestconfig: pytest.Config) -> ClusterSpec:
    """The resolved :class:`~clusterready.spec.ClusterSpec` of this run."""
    return pytestconfig.stash[SPEC_KEY]


@pytest.fixture(scope="session")
def kube(cluster_spec: ClusterSpec) -> Cluster:
    """The :class:`~clusterready.kube.Cluster` of the spec (``kube.*``, ``--kubeconfig``,
    ``--context``, ``--namespace``): one connection pool and discovery per session."""
    from clusterready.budget import RequestPolicy
    from clusterready.kube import Cluster

    extra = {"namespace": cluster_spec.kube.namespace} if cluster_spec.kube.namespace else {}
    run = cluster_spec.run
    return Cluster.from_kubeconfig(
        cluster_spec.kube.kubeconfig or None,
        cluster_spec.kube.context or None,
        policy=RequestPolicy.within(run.request_deadline, run.retry_deadline),
        **extra,
    )


@pytest.fixture
def detik(kube: Cluster, cluster_spec: ClusterSpec, pytestconfig: pytest.Config) -> Detik:
    """A :class:`~clusterready.detik.Detik` over the ``kube`` cluster.

    Its namespace is the spec's (``--namespace``, ``kube.namespace``), else
    ``$DETIK_CLIENT_NAMESPACE``, else all namespaces when
    ``$DETIK_CLIENT_NAMESPACE_ALL`` is ``true``, else the context's.
    """
    from clusterready.detik import Detik
    from clusterready.detik.scope import choose_namespace

    namespace, all_namespaces = choose_namespace(cluster_spec.kube.namespace or None)
    return Detik(
        kube,
        namespace=namespace,
        all_namespaces=all_namespaces,
        max_attempts=pytestconfig.option.clusterready_detik_max_attempts,
    )


@pytest.fixture
def eventually(pytestconfig: pytest.Config) -> Eventually:
    """:func:`clusterready.eventually` capped by ``--max-attempts``: call it with a check
    that raises CheckFailed until it passes (``eventually(check, times=12, every=5)``)."""
    from clusterready.retry import Eventually

    return Eventually(max_attempts=pytestconfig.option.clusterready_detik_max_attempts)


@pytest.fixture(scope="session")
def aws(cluster_spec: ClusterSpec) -> AwsSession:
    """The run's :class:`~clusterready.aws.AwsSession` (``aws.region``/``aws.profile`` of
    the spec, ``--aws-region``, ``--aws-profile``, else the AWS environment)."""
    from clusterready.aws import AwsSession, RetryPolicy

    run = cluster_spec.run
    return AwsSession(
        region=cluster_spec.aws.region,
        profile=cluster_spec.aws.profile,
        retry=RetryPolicy.within(
            run.request_deadline, run.retry_deadline, cluster_spec.aws.max_attempts
        ),
    )


@pytest.fixture(scope="session")
def aws_inventory(aws: AwsSession, cluster_spec: ClusterSpec) -> Inventory:
    """The AWS state the preflight checks read, fetched once per run and batched."""
    from clusterready.aws import Inventory

    return Inventory(aws, cluster_spec.preflight)


_MOTO_KEY: pytest.StashKey[Future[MotoServer]] = pytest.StashKey()


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """A collected test uses ``moto_server``: start it now, in a thread, so that its
    start and the loading of its back ends overlap the tests that run before it."""
    if session.config.option.collectonly or not any(
        "moto_server" in getattr(item, "fixturenames", ()) for item in session.items
    ):
        return
    from concurrent.futures import ThreadPoolExecutor

    from clusterready.testing.moto import PREFLIGHT_SERVICES, MotoServer

    pool = ThreadPoolExecutor(1, thread_name_prefix="moto-start")
    session.config.stash[_MOTO_KEY] = pool.submit(MotoServer(preload=PREFLIGHT_SERVICES).start)
    pool.shutdown(wait=False)


def pytest_unconfigure(config: pytest.Config) -> None:
    started = config.stash.get(_MOTO_KEY, None)
    if started is not None and started.exception() is None:
        started.result().stop()  # a no-op when the fixture stopped it


@pytest.fixture(scope="session")
def moto_server(request: pytest.FixtureRequest, cluster_spec: ClusterSpec) -> Iterator[MotoServer]:
    """A moto server for this process (one per xdist worker), with the AWS variables of
    the process pointed at it for the session. It starts as soon as the tests are
    collected, when one of them uses it, with the preflight services' back ends loaded."""
    from clusterready.testing.moto import PREFLIGHT_SERVICES, MotoServer

    started = request.config.stash.get(_MOTO_KEY, None)
    server = started.result() if started else MotoServer(preload=PREFLIGHT_SERVICES).start()
    with server, pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                patch.delenv(name)
        for name, value in server.environ(cluster_spec.aws.region or "eu-west-1", base={}).items():
            patch.setenv(name, value)
        yield server


def spec_of(config: pytest.Config) -> ClusterSpec:
    """The run's ClusterSpec, for conftest hooks (e.g. to parametrize from it)."""
    return config.stash[SPEC_KEY]


@pytest.fixture
def fake_cluster() -> Iterator[FakeCluster]:
    """A started :class:`~clusterready.testing.FakeCluster` (empty; ``.apply()`` objects)."""
    from clusterready.testing import FakeCluster

    with FakeCluster() as fake:
        yield fake


# --------------------------------------------------------------------------- shards


def _configure_shard(config: pytest.Config) -> None:
    text = config.option.clusterready_shard
    if text is None:
        return
    try:
        shard = Shard.parse(text)
    except UsageError as err:
        raise pytest.UsageError(f"clusterready: {err}") from None
    config.pluginmanager.register(_Sharding(config, shard), "clusterready-shard")


class _Sharding:
    """Keeps this shard's part of the selection (after -m, -k and every deselection),
    and records in the JSON summary how large the whole selection was."""

    def __init__(self, config: pytest.Config, shard: Shard) -> None:
        self.config = config
        self.shard = shard
        self.selected: int | None = None  # the whole selection; under xdist, from a worker

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.selected = len(items)
        part = self.shard.part(len(items))
        kept = [item for i, item in enumerate(items) if i in part]
        dropped = [item for i, item in enumerate(items) if i not in part]
        if dropped:
            self.config.hook.pytest_deselected(items=dropped)
        items[:] = kept
        output = getattr(self.config, "workeroutput", None)  # an xdist worker's
        if output is not None:
            output["clusterready_shard_selected"] = self.selected

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any) -> None:  # xdist, on the controller
        selected = getattr(node, "workeroutput", {}).get("clusterready_shard_selected")
        if selected is not None:
            self.selected = selected

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, None, None]:
        if session.exitstatus == ExitCode.NO_TESTS and self.selected:
            session.exitstatus = ExitCode.OK  # the other shards hold the selection
        tracker = self.config.pluginmanager.get_plugin("clusterready-tracker")
        if tracker is not None:
            tracker.summary.shard = {
                "index": self.shard.index,
                "count": self.shard.count,
                "selected": self.selected,
            }
        return (yield)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(f"clusterready: shard {self.shard}: {self._part_text()}")

    def _part_text(self) -> str:
        if self.selected is None:
            return "its part of the selection (the workers cut it)"
        size = len(self.shard.part(self.selected))
        return f"{size} of the {self.selected} selected tests"


# --------------------------------------------------------------------------- coverage


def _configure_selection(config: pytest.Config) -> None:
    spec = config.stash[SPEC_KEY]
    names = AddonNames.known(spec.custom_addons)
    text = config.option.clusterready_only
    try:
        only = None if text is None else parse_only(text, names)
    except UsageError as err:
        raise pytest.UsageError(f"clusterready: {err}") from None
    config.pluginmanager.register(_Selection(config, only), "clusterready-selection")


def _strict(config: pytest.Config) -> bool:
    """pytest's --strict (pytest 9: the ``strict`` ini option; pytest 8: the flag)."""
    try:
        if config.getini("strict"):
            return True
    except ValueError:  # pytest 8 has no such ini option
        pass
    return bool(getattr(config.option, "strict", False))


class _Selection:
    """``--only``, and what the run checks of the spec's add-ons (clusterready.coverage):
    the exit code of a run that checked nothing (5) or, under --strict, left an enabled
    add-on unchecked (1)."""

    def __init__(self, config: pytest.Config, only: tuple[str, ...] | None) -> None:
        self.config = config
        self.only = only
        self.selected: list[str] = []  # the add-ons of the selected tests
        self.found: dict[str, list[str]] | None = None  # also those of the collected ones
        self.coverage: Coverage | None = None
        self.nothing_checked = ""

    @pytest.hookimpl(wrapper=True, specname="pytest_collection_modifyitems")
    def pytest_collected(self, items: list[pytest.Item]) -> Generator[None, None, None]:
        collected = sorted({name for item in items for name in _addons_of(item)})
        result = yield
        self.found = {"collected": collected, "selected": self.selected}
        output = getattr(self.config, "workeroutput", None)  # an xdist worker's
        if output is not None:
            output["clusterready_coverage"] = self.found
        return result

    # After -k and -m (pytest's own hooks), before --shard cuts the selection (trylast,
    # registered before it).
    @pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
    def pytest_selected(self, items: list[pytest.Item]) -> None:
        if self.only is not None:
            wanted = [bool(set(_addons_of(i)) & set(self.only)) for i in items]
            kept = [i for i, keep in zip(items, wanted, strict=True) if keep]
            dropped = [i for i, keep in zip(items, wanted, strict=True) if not keep]
            if dropped:
                self.config.hook.pytest_deselected(items=dropped)
            items[:] = kept
        self.selected = sorted({name for item in items for name in _addons_of(item)})

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any) -> None:  # xdist, on the controller
        found = getattr(node, "workeroutput", {}).get("clusterready_coverage")
        if found is not None:
            self.found = found

    def exit_code(self, code: int, summary: RunSummary) -> int:
        """The run's exit code once coverage is known; the unchecked into ``summary``."""
        spec = self.config.stash[SPEC_KEY]
        if self.found is not None:
            enabled = [name for name in spec.addons if spec.addon_enabled(name)]
            found = self.found
            self.coverage = coverage_of(enabled, found["collected"], found["selected"], self.only)
            summary.unchecked = self.coverage.unchecked() if self.coverage else []
        if self.config.option.collectonly:
            return code  # it runs nothing: its code says whether collection went well
        totals = summary.totals()
        checked = totals["total"] - totals[Outcome.SKIPPED.value]
        new = verdict(
            code,
            checked=checked,
            sharded=bool(summary.shard and summary.shard["selected"]),
            unchecked=summary.unchecked,
            strict=_strict(self.config),
        )
        if not checked and new == ExitCode.NO_TESTS:
            skips = [r.message for r in summary.tests.values()]
            self.nothing_checked = nothing_checked_text(totals["total"], skips)
        elif self._only_cluster_checks_ran(summary):
            if new == ExitCode.OK:  # the cluster-level checks passed; no add-on was looked at
                new = ExitCode.NO_TESTS
            skipped = sum(r.addon not in (None, CLUSTER) for r in summary.tests.values())
            self.nothing_checked = no_addon_text(skipped)
        return new

    def _only_cluster_checks_ran(self, summary: RunSummary) -> bool:
        """An add-on run whose spec enables no add-on, where only cluster-level checks
        came to a verdict (other checks of the user's, unmarked, count as checking)."""
        if self.coverage is None or not self.coverage.no_addon_enabled():
            return False
        ran = [r for r in summary.tests.values() if r.outcome is not Outcome.SKIPPED]
        return bool(ran) and all(r.addon == CLUSTER for r in ran)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        write = terminalreporter.write_line
        if self.coverage is not None:
            unchecked = self.coverage.unchecked()
            if unchecked:
                write(unchecked_text(unchecked, _strict(self.config)), yellow=True)
            left_out = self.coverage.not_selected()
            if left_out:
                write(f"clusterready: not selected by this run: {', '.join(left_out)}")
        if self.nothing_checked:
            write(self.nothing_checked, yellow=True)


# --------------------------------------------------------------------------- outcomes


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    excinfo = call.excinfo
    if excinfo is not None and excinfo.errisinstance((CannotEvaluate, Interrupted)):
        # Its traceback is replaced by one line below: do not render it first (a run
        # where the cluster is down would spend most of its time formatting them).
        excinfo.traceback = excinfo.traceback[-1:]
    report = yield
    addons = _addons_of(item)
    report.clusterready_addon = addons[0] if addons else None  # type: ignore[attr-defined]
    if (
        report.failed
        and excinfo is not None
        and excinfo.errisinstance((CannotEvaluate, Interrupted))
    ):
        report.cannot_evaluate = True  # type: ignore[attr-defined]
        # Not a bug in the test: one line says what could not be reached, no traceback.
        report.longrepr = f"{excinfo.type.__name__}: {excinfo.value}"
    elif report.failed and excinfo is not None and isinstance(excinfo.value, CheckFailed):
        _add_diagnostics(item, report, excinfo.value)
    return report


DIAGNOSTICS = "diagnostics"  # the report section, and the JSON summary's field


def _add_diagnostics(item: pytest.Item, report: pytest.TestReport, failure: CheckFailed) -> None:
    """What the failing check's subjects look like (docs/diagnostics.md): a section of
    the report, and its structured form on the report (it crosses the xdist wire)."""
    from dataclasses import replace

    from clusterready.kube.diagnostics import LEVELS, gather, render

    bounds = LEVELS[item.config.option.clusterready_diagnostics]
    cluster = _cluster_of(item)
    hooks = item.config.pluginmanager.get_plugin("clusterready-clock")
    if not failure.subjects or bounds is None or cluster is None or hooks is None:
        return
    clock = hooks.clock
    if clock.stopped:
        return
    bounds = replace(bounds, seconds=max(0.0, min(bounds.seconds, clock.remaining())))
    # In a phase of the check: a deadline or a signal stops the gathering, not the run.
    found = gather(cluster, failure.subjects, bounds, within=clock.phase)
    setattr(report, "clusterready_diagnostics", found)  # noqa: B010 (not a TestReport field)
    report.sections.append((DIAGNOSTICS, render(found, bounds.text)))


def _cluster_of(item: pytest.Item) -> Cluster | None:
    """The Cluster the test used: the ``kube`` fixture's (the ``detik`` fixture's too)."""
    from clusterready.kube import Cluster

    cluster = getattr(item, "funcargs", {}).get("kube")
    return cluster if isinstance(cluster, Cluster) else None


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, Any] | None:
    if getattr(report, "cannot_evaluate", False):
        return CANNOT_EVALUATE, "C", ("CANNOT EVALUATE", {"yellow": True})
    return None


class _RunTracker:
    """Counts outcomes on the controller, fixes the exit code, writes the JSON summary."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.failed = 0
        self.cannot_evaluate = 0
        self.started = time.monotonic()
        target = _target(config.stash[SPEC_KEY])
        self.summary = RunSummary(
            cluster=target["cluster"], context=target["context"], region=target["region"]
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = _outcome(report)
        if outcome is Outcome.FAILED:
            self.failed += 1
        elif outcome is Outcome.CANNOT_EVALUATE:
            self.cannot_evaluate += 1
        self.summary.record(
            report.nodeid,
            report.when,
            outcome,
            report.duration,
            _message(report),
            addon=getattr(report, "clusterready_addon", None),
            diagnostics=getattr(report, "clusterready_diagnostics", None),
        )

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        session.exitstatus = run_exit_code(
            failed=self.failed,
            cannot_evaluate=self.cannot_evaluate,
            pytest_code=int(session.exitstatus),
        )
        if self._stopped() and session.exitstatus == ExitCode.OK:
            session.exitstatus = ExitCode.CANNOT_EVALUATE  # it did not run to its end
        selection = self.config.pluginmanager.get_plugin("clusterready-selection")
        if selection is not None:
            session.exitstatus = selection.exit_code(session.exitstatus, self.summary)
        path = self.config.option.clusterready_json_report
        if path:
            try:
                self.summary.write(
                    path,
                    exit_code=int(session.exitstatus),
                    duration=time.monotonic() - self.started,
                )
            except OSError as err:  # checked at the start; the disk may still fill up
                sys.stderr.write(f"clusterready: --json-report: cannot write {path}: {err}\n")
                if session.exitstatus != ExitCode.CHECKS_FAILED:
                    session.exitstatus = ExitCode.USAGE_ERROR

    def _stopped(self) -> str | None:
        hooks = self.config.pluginmanager.get_plugin("clusterready-clock")
        return None if hooks is None else hooks.clock.stopped

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        stopped = self._stopped()
        if stopped:
            terminalreporter.write_line(f"clusterready: {stopped}")
        reports = terminalreporter.stats.get(CANNOT_EVALUATE, [])
        if not reports:
            return
        terminalreporter.write_sep(
            "=", "could not evaluate (exit 75 unless a check failed)", yellow=True
        )
        for report in reports:
            terminalreporter.write_line(f"{report.nodeid}: {_message(report)}")
        if self.failed == 0:
            terminalreporter.write_line(
                f"nothing failed, but {len(reports)} check(s) could not be evaluated: "
                f"exit {int(ExitCode.CANNOT_EVALUATE)}"
            )


def _outcome(report: pytest.TestReport) -> Outcome:
    if getattr(report, "cannot_evaluate", False):
        return Outcome.CANNOT_EVALUATE
    if report.failed:
        return Outcome.FAILED
    if report.skipped:
        return Outcome.SKIPPED
    return Outcome.PASSED


def _message(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple):  # a skip: (path, lineno, "Skipped: reason")
        return str(longrepr[2]).removeprefix("Skipped: ")
    if isinstance(longrepr, str):
        return longrepr
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)
    return str(longrepr)

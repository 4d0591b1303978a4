"""The ``clusterready`` command: run a shipped suite, merge shards, resolve a spec,
spot-check a cluster with a DETIK sentence, lint sentences, migrate .bats files, run
the demo.

>>> main(["spec", "--param", "CLUSTER_NAME=demo", "--format", "json"])  # doctest: +ELLIPSIS
{
  "cluster": {
    "name": "demo",
...
0
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from clusterready.errors import CannotEvaluate, ObjectRef, UsageError
from clusterready.outcomes import ExitCode

if TYPE_CHECKING:
    from clusterready.detik import DetikResult
    from clusterready.kube import Cluster


EXIT_CODES = """exit codes:
  0   everything checked passed
  1   a check failed (a DETIK sentence not verified, an invalid sentence found by lint)
  4   usage error: bad option, spec, sentence or file, found before anything is asked
  5   nothing was checked: no test selected, or every selected test skipped
      (`changed`: the change touches no add-on)
  75  nothing failed but something could not be evaluated (cluster or AWS unreachable,
      credentials rejected, throttled past the retries): worth retrying"""


def _parser() -> argparse.ArgumentParser:
    from clusterready import __version__

    parser = argparse.ArgumentParser(
        prog="clusterready",
        description="Check that an EKS cluster and its AWS account are production-ready.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"clusterready {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_text,
            description=help_text[:1].upper() + help_text[1:] + ".",
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    spec = command("spec", "validate and print the resolved cluster spec")
    spec.add_argument("--spec", metavar="PATH", help="spec file (default: $CLUSTERREADY_SPEC)")
    spec.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an Argo-style parameter, e.g. CLUSTER_NAME=prod-eu or METRICS-SERVER=v0.7.2 "
        "(repeatable)",
    )
    spec.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one spec field by its dotted path, e.g. preflight.min_azs=3 (repeatable)",
    )
    spec.add_argument(
        "--format", choices=("yaml", "json"), default="yaml", help="output format (default: yaml)"
    )

    for verb, help_text in (
        ("verify", "check one DETIK verify sentence against a cluster, once"),
        ("try", "check one DETIK try sentence against a cluster, with its retries"),
    ):
        check = command(verb, help_text)
        check.add_argument("sentence", help="the DETIK sentence (quote it)")
        check.add_argument("--kubeconfig", help="kubeconfig path (default: $KUBECONFIG)")
        check.add_argument("--context", help="kubeconfig context (default: the current one)")
        check.add_argument(
            "--deadline",
            type=int,
            default=300,
            metavar="SECONDS",
            help="seconds the check may take in all (default 300); each request gets at "
            "most 20 s and its retries 30 s, and never more than 80%% of the deadline",
        )
        where = check.add_mutually_exclusive_group()
        where.add_argument(
            "-n",
            "--namespace",
            help="namespace (default: $DETIK_CLIENT_NAMESPACE, else the context's)",
        )
        where.add_argument(
            "-A",
            "--all-namespaces",
            action="store_true",
            help="look in every namespace (also: DETIK_CLIENT_NAMESPACE_ALL=true)",
        )
        if verb == "try":
            check.add_argument(
                "--max-attempts",
                type=int,
                metavar="N",
                help="cap the sentence's attempts (1: look once)",
            )

    lint = command("lint", "check the DETIK sentences of .bats and .py files")
    lint.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a .bats file (its verify/try lines) or a .py file (its literal detik sentences)",
    )

    _migrate_parser(sub)
    _add_run_parser(sub)
    _changed_parser(sub)

    merge = sub.add_parser(
        "merge",
        help="merge the JSON summaries of a run's shards into the unsharded run's; "
        "exit with its code",
    )
    merge.add_argument(
        "summaries", nargs="+", metavar="SUMMARY.json", help="the shards' --json-report files"
    )
    merge.add_argument(
        "--json-report", required=True, metavar="OUT.json", help="write the merged summary here"
    )
    merge.add_argument("--junitxml", metavar="OUT.xml", help="also write JUnit XML")

    demo = command("demo", "run the shipped suites on the example spec against local fakes")
    demo.add_argument("--root", default=".", help="checkout holding examples/ and the suites")
    demo.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``clusterready`` console script; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage; our contract says 4
        return int(ExitCode.USAGE_ERROR) if exc.code else 0
    from clusterready.redact import install, secrets_filter

    secrets_filter().add_environment()
    uninstall = install()  # every log record of the command is redacted
    try:
        if args.command == "spec":
            return _spec(args)
        if args.command in ("verify", "try"):
            with _interruptible(args.deadline):
                return _check(args)
        if args.command == "lint":
            return _lint(args.files)
        if args.command == "migrate":
            return _migrate(args)
        if args.command == "run":
            return _run(args.suite, args.pytest_args)
        if args.command == "merge":
            return _merge(args.summaries, args.json_report, args.junitxml)
        if args.command == "changed":
            return _changed(args)
        from clusterready.demo import run_demo

        return run_demo(args.root, args.pytest_args)
    except UsageError as err:
        print(f"clusterready: error: {err}", file=sys.stderr)
        return int(ExitCode.USAGE_ERROR)
    except CannotEvaluate as err:
        print(f"clusterready: cannot evaluate: {err}", file=sys.stderr)
        return int(ExitCode.CANNOT_EVALUATE)
    except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM in verify/try
        from clusterready.detik import TryInterrupted

        if isinstance(err, TryInterrupted):
            print("\n".join(err.lines))
        shown = f" {err}" if isinstance(err, TryInterrupted) else f": {err or 'Ctrl-C'}"
        print(f"clusterready: interrupted{shown}", file=sys.stderr)
        return int(ExitCode.CANNOT_EVALUATE)
    finally:
        uninstall()


@contextmanager
def _interruptible(deadline: int) -> Iterator[None]:
    """SIGTERM (a pod being stopped) and the deadline end a spot check as Ctrl-C does:
    the lines so far, exit 75. The previous handlers come back afterwards."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        if signum == signal.SIGALRM:
            raise KeyboardInterrupt(f"the deadline of {deadline}s passed")
        raise KeyboardInterrupt(f"by {signal.Signals(signum).name}")

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_REAL, max(deadline, 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _add_run_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from clusterready.outcomes import EXIT_MEANING
    from clusterready.suites import SUITES

    suites = "\n".join(
        f"  {name:<10} {suite.directory}/: {suite.about}" for name, suite in SUITES.items()
    )
    codes = "\n".join(f"  {code:<3} {meaning}" for code, meaning in EXIT_MEANING.items())
    run = sub.add_parser(
        "run",
        help="run a shipped suite from any directory (pytest's options pass through)",
        usage="clusterready run {preflight,addons,all} [--checks DIR]... [pytest options]...",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a shipped suite with its own rootdir and settings: the working "
        "directory\n(its pytest.ini, pyproject.toml, conftest.py) never changes what runs. "
        "Every\nother option goes to pytest: --spec, --param, --set, --json-report, "
        "--junitxml,\n-k, -n, ... (`clusterready run preflight --help` lists them).",
        epilog=f"suites:\n{suites}\n  all        both\n\n"
        "  --checks DIR   also run the test modules in DIR (repeatable), with the same\n"
        "                 fixtures (detik, kube, aws, aws_inventory, cluster_spec, ...)\n"
        f"                 and markers\n\nexit codes:\n{codes}\n\nSee docs/running.md.",
    )
    run.add_argument("suite", choices=[*SUITES, "all"], help=argparse.SUPPRESS)
    run.add_argument("pytest_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def _run(suite: str, args: Sequence[str]) -> int:
    """``clusterready run``: pytest in this process (one interpreter start; a SIGTERM
    reaches the run itself), with the suite's inifile and rootdir."""
    import pytest

    from clusterready.suites import run_arguments

    return int(pytest.main(run_arguments(suite, args)))


def _changed_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    changed = sub.add_parser(
        "changed",
        help="name the add-ons a change touches (for `clusterready run addons --only`)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Name the add-ons that `git diff REV...HEAD` touches (what the branch "
        "changed since\nit left REV): paths addons/<name>/... of an add-ons repository, or "
        "the globs of\na mapping file. One name per line; --format csv for `--only`.",
        epilog="exit codes:\n  0   add-ons were touched (their names printed)\n"
        "  4   usage error: not a git repository, an unknown REV, a bad mapping file\n"
        "  5   the change touches no add-on (nothing printed)\n\nSee docs/ci.md.",
    )
    changed.add_argument(
        "--since", required=True, metavar="REV", help="the base: a branch, tag or commit"
    )
    changed.add_argument(
        "--map", metavar="FILE", help="YAML or JSON mapping of glob -> add-on names"
    )
    changed.add_argument(
        "--repo", default=".", metavar="DIR", help="the git repository (default: .)"
    )
    changed.add_argument(
        "--format",
        choices=("text", "json", "csv"),
        default="text",
        help="one name per line (default), a JSON list, or comma-separated",
    )


def _changed(args: argparse.Namespace) -> int:
    """``clusterready changed``: the add-ons ``REV...HEAD`` touches; 5 when none."""
    from clusterready.changes import addons_of, changed_paths, load_map, unknown_names

    mapping = load_map(args.map) if args.map else None
    paths = changed_paths(args.since, args.repo)
    addons = addons_of(paths, mapping)
    for name in unknown_names(addons):
        print(
            f"clusterready: note: {name!r} is not a known add-on: `--only {name}` needs "
            "the spec's custom_addons to declare it",
            file=sys.stderr,
        )
    if not addons:
        print(
            f"clusterready: the change touches no add-on ({len(paths)} paths changed since "
            f"{args.since}): exit {int(ExitCode.NO_TESTS)}",
            file=sys.stderr,
        )
        return int(ExitCode.NO_TESTS)
    if args.format == "json":
        print(json.dumps(addons))
    elif args.format == "csv":
        print(",".join(addons))
    else:
        print("\n".join(addons))
    return int(ExitCode.OK)


def _merge(paths: Sequence[str], json_out: str, junit_out: str | None) -> int:
    """``clusterready merge``: one summary (and JUnit) from the shards'; its exit code."""
    from pathlib import Path

    from clusterready.junit import to_junit
    from clusterready.merge import load, merge
    from clusterready.report import path_problem, render_text, write_atomically

    for option, out in (("--json-report", json_out), ("--junitxml", junit_out)):
        problem = path_problem(out) if out else None
        if problem:
            raise UsageError(f"{option}: {problem}")
    merged = merge([(path, load(path)) for path in paths])
    write_atomically(json_out, json.dumps(merged, indent=2) + "\n")
    if junit_out:
        write_atomically(junit_out, to_junit(merged).decode("utf-8"))
    print(render_text(merged))
    print(f"merged {len(paths)} summaries into {Path(json_out)}")
    return int(merged["exit_code"])


def _check(args: argparse.Namespace) -> int:
    """One DETIK sentence against a live cluster: DETIK's lines, then the verdict."""
    from clusterready.detik import Detik, parse
    from clusterready.detik.scope import choose_namespace
    from clusterready.kube import Cluster

    other = "verify" if args.command == "try" else "try"
    # a syntax error, the other verb's sentence included, needs no cluster
    parse(args.sentence, args.command, hint=f"run it with `clusterready {other} ...`")
    max_attempts = getattr(args, "max_attempts", None)
    if max_attempts is not None and max_attempts < 1:
        raise UsageError(f"--max-attempts: expected at least 1, found {max_attempts}")
    if args.deadline < 1:
        raise UsageError(f"--deadline: expected at least 1, found {args.deadline}")
    from clusterready.budget import RequestPolicy

    defaults = RequestPolicy()
    within = 0.8 * args.deadline  # the requests give up, and say why, before the deadline
    policy = RequestPolicy.within(
        min(defaults.request_deadline, within), min(defaults.deadline, within)
    )
    cluster = Cluster.from_kubeconfig(args.kubeconfig, args.context, policy=policy)
    namespace, all_namespaces = choose_namespace(args.namespace, args.all_namespaces)
    live = args.command == "try" and sys.stdout.isatty()
    detik = Detik(
        cluster,
        namespace=namespace,
        all_namespaces=all_namespaces,
        max_attempts=max_attempts,
        progress=(lambda line: print(line, flush=True)) if live else None,
    )
    run = detik.try_ if args.command == "try" else detik.verify
    outcome = run(args.sentence, check=False)
    if not live:
        print("\n".join(outcome.lines))
    if outcome.passed:
        return int(ExitCode.OK)
    print("\n" + outcome.explain(), file=sys.stderr)
    missing = _missing_namespace(cluster, outcome)
    if missing:
        print(missing, file=sys.stderr)
    _print_diagnostics(cluster, detik.subjects(outcome))
    return int(ExitCode.CHECKS_FAILED)


def _print_diagnostics(cluster: Cluster, subjects: Sequence[ObjectRef]) -> None:
    """The failure's diagnostics (docs/diagnostics.md); the deadline or Ctrl-C stops
    them, not the verdict: the check failed."""
    from clusterready.kube.diagnostics import gather, render

    if not subjects:
        return
    try:
        text = render(gather(cluster, subjects))
    except KeyboardInterrupt as err:
        text = f"diagnostics stopped: {err or 'Ctrl-C'}"
    print("\ndiagnostics:\n" + text, file=sys.stderr)


def _missing_namespace(cluster: Cluster, outcome: DetikResult) -> str:
    """A hint when a failed check found nothing in a namespace the cluster does not have
    (one more request, on failure only; none when namespaces cannot be listed)."""
    import difflib

    query = outcome.query
    if query is None or not query.namespace or query.cluster_scoped or outcome.rows:
        return ""
    try:
        names = [str(n.get("metadata", {}).get("name", "")) for n in cluster.list("namespaces")]
    except CannotEvaluate:
        return ""
    if query.namespace in names:
        return ""
    close = difflib.get_close_matches(query.namespace, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"  note: the cluster has no namespace {query.namespace!r}{hint}"


def _lint(files: Sequence[str]) -> int:
    from clusterready.detik.lint import lint

    unusable = [
        f"{name}: is a directory" if Path(name).is_dir() else f"{name}: no such file"
        for name in files
        if not Path(name).is_file()
    ]
    if unusable:
        raise UsageError("; ".join(unusable))
    failed = False
    for name in files:
        report = lint(name)
        for error in report.errors:
            print(f"{name}:{error.line}: {error.message}")
        failed = failed or not report.ok
        print(f"{name}: {report.statements} sentences, {len(report.errors)} invalid")
    return int(ExitCode.CHECKS_FAILED if failed else ExitCode.OK)


def _migrate_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = sub.add_parser(
        "migrate",
        help="turn .bats files (DETIK and aws-CLI tests) into pytest modules and spec entries",
        description="Write one pytest module per .bats file (and a spec fragment for its "
        "aws-CLI preflight tests); report what was translated and what was left.",
    )
    migrate.add_argument(
        "files", nargs="+", metavar="FILE.bats", help="the .bats files to migrate (one module each)"
    )
    migrate.add_argument(
        "-o", "--output", metavar="DIR", help="where to write (default: beside each file)"
    )
    migrate.add_argument("--report", metavar="FILE", help="also write the report as JSON")
    migrate.add_argument(
        "--check",
        action="store_true",
        help="write no module: exit 1 if anything would be left untranslated (for CI)",
    )


def _migrate(args: argparse.Namespace) -> int:
    """Migrate .bats files: 0 done (or, with --check, nothing left), 1 --check found lines
    left, 4 bad input (nothing written)."""
    from clusterready.migrate import dump, migrate, render_report, report_json

    reports = migrate(args.files, args.output, write=not args.check)
    print(render_report(reports))
    if args.report:
        try:
            with open(args.report, "w", encoding="utf-8") as out:
                out.write(dump(report_json(reports, wrote=not args.check)))
        except OSError as err:
            raise UsageError(f"--report {args.report}: cannot write it ({err.strerror})") from None
    left = sum(len(r.left) for r in reports)
    if args.check and left:
        print(
            f"migrate --check: {left} line{'s' if left > 1 else ''} would be left untranslated "
            "(exit 1)",
            file=sys.stderr,
        )
        return int(ExitCode.CHECKS_FAILED)
    return int(ExitCode.OK)


def _spec(args: argparse.Namespace) -> int:
    from clusterready.coverage import registry_names
    from clusterready.spec import ClusterSpec

    spec = ClusterSpec.load(
        args.spec, params=args.param, sets=args.sets, known_addons=registry_names()
    )
    data = spec.to_dict()
    if args.format == "json":
        print(json.dumps(data, indent=2))
    else:
        import yaml

        print(yaml.safe_dump(data, sort_keys=False), end="")
    return int(ExitCode.OK)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

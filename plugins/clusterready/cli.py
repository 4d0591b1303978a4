"""The ``clusterready`` command: resolve a spec, spot-check a cluster with a DETIK
sentence, lint sentences, run the demo.

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
from collections.abc import Sequence

from clusterready.errors import CannotEvaluate, UsageError
from clusterready.outcomes import ExitCode


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusterready",
        description="Check that an EKS cluster and its AWS account are production-ready.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    spec = sub.add_parser("spec", help="validate and print the resolved cluster spec")
    spec.add_argument("--spec", metavar="PATH", help="spec file (default: $CLUSTERREADY_SPEC)")
    spec.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    spec.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    spec.add_argument("--format", choices=("yaml", "json"), default="yaml")

    for verb, help_text in (
        ("verify", "check one DETIK verify sentence against a cluster, once"),
        ("try", "check one DETIK try sentence against a cluster, with its retries"),
    ):
        check = sub.add_parser(verb, help=help_text)
        check.add_argument("sentence", help="the DETIK sentence (quote it)")
        check.add_argument("--kubeconfig", help="kubeconfig path (default: $KUBECONFIG)")
        check.add_argument("--context", help="kubeconfig context (default: the current one)")
        where = check.add_mutually_exclusive_group()
        where.add_argument("-n", "--namespace", help="namespace (default: the context's)")
        where.add_argument("-A", "--all-namespaces", action="store_true")
        if verb == "try":
            check.add_argument(
                "--max-attempts",
                type=int,
                metavar="N",
                help="cap the sentence's attempts (1: look once)",
            )

    lint = sub.add_parser("lint", help="check the DETIK sentences of .bats and .py files")
    lint.add_argument("files", nargs="+", metavar="FILE")

    demo = sub.add_parser(
        "demo", help="run the shipped suites on the example spec against local fakes"
    )
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
            return _check(args)
        if args.command == "lint":
            return _lint(args.files)
        from clusterready.demo import run_demo

        return run_demo(args.root, args.pytest_args)
    except UsageError as err:
        print(f"clusterready: error: {err}", file=sys.stderr)
        return int(ExitCode.USAGE_ERROR)
    except CannotEvaluate as err:
        print(f"clusterready: cannot evaluate: {err}", file=sys.stderr)
        return int(ExitCode.CANNOT_EVALUATE)
    finally:
        uninstall()


def _check(args: argparse.Namespace) -> int:
    """One DETIK sentence against a live cluster: DETIK's lines, then the verdict."""
    from clusterready.detik import Detik, parse
    from clusterready.kube import Cluster

    parse(args.sentence)  # a syntax error needs no cluster
    max_attempts = getattr(args, "max_attempts", None)
    if max_attempts is not None and max_attempts < 1:
        raise UsageError(f"--max-attempts: expected at least 1, found {max_attempts}")
    cluster = Cluster.from_kubeconfig(args.kubeconfig, args.context)
    detik = Detik(
        cluster,
        namespace=args.namespace,
        all_namespaces=args.all_namespaces,
        max_attempts=max_attempts,
    )
    run = detik.try_ if args.command == "try" else detik.verify
    outcome = run(args.sentence, check=False)
    print("\n".join(outcome.lines))
    if outcome.passed:
        return int(ExitCode.OK)
    print("\n" + outcome.explain(), file=sys.stderr)
    return int(ExitCode.CHECKS_FAILED)


def _lint(files: Sequence[str]) -> int:
    from clusterready.detik.lint import lint

    failed = False
    for name in files:
        report = lint(name)
        if report.missing:
            raise UsageError(f"{name}: no such file")
        for error in report.errors:
            print(f"{name}:{error.line}: {error.message}")
        failed = failed or not report.ok
        print(f"{name}: {report.statements} sentences, {len(report.errors)} invalid")
    return int(ExitCode.CHECKS_FAILED if failed else ExitCode.OK)


def _spec(args: argparse.Namespace) -> int:
    from clusterready.spec import ClusterSpec

    spec = ClusterSpec.load(args.spec, params=args.param, sets=args.sets)
    data = spec.to_dict()
    if args.format == "json":
        print(json.dumps(data, indent=2))
    else:
        import yaml

        print(yaml.safe_dump(data, sort_keys=False), end="")
    return int(ExitCode.OK)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

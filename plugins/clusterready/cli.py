"""The ``clusterready`` command: resolve a spec, run the demo.

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

from clusterready.errors import UsageError
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
    try:
        if args.command == "spec":
            return _spec(args)
        from clusterready.demo import run_demo

        return run_demo(args.root, args.pytest_args)
    except UsageError as err:
        print(f"clusterready: error: {err}", file=sys.stderr)
        return int(ExitCode.USAGE_ERROR)


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

"""Serve a FakeCluster from the command line until interrupted (Ctrl-C or SIGTERM).

    python -m clusterready.testing [STATE.yaml ...] [--scenario NAME]

It prints one JSON line, ``{"url": ..., "kubeconfig": ...}``, once it listens,
so a script (or a person) can point kubectl or clusterready at it. A file that
cannot be read, is not YAML, or holds an object without ``kind`` is one line on
stderr and exit 4.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
from collections.abc import Sequence

from clusterready.testing import scenarios
from clusterready.testing.fakekube import FakeCluster, StateError, load_objects

USAGE_ERROR = 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m clusterready.testing",
        description=(
            "Serve a fake Kubernetes API server on 127.0.0.1 (a random port) that kubectl "
            'and clusterready talk to. Prints {"url": ..., "kubeconfig": ...} on one line '
            "once it listens; runs until Ctrl-C or SIGTERM."
        ),
        epilog=(
            "State files hold Kubernetes objects (multi-document YAML, JSON, or a kind: List), "
            "and optionally kind: PodLogs documents (apiVersion clusterready.testing/v1) for "
            "kubectl logs. Exit codes: 0 stopped by a signal, 4 bad arguments or state file."
        ),
    )
    parser.add_argument("state", nargs="*", metavar="STATE", help="YAML or JSON state file")
    parser.add_argument(
        "--version-minor",
        metavar="1.N",
        default=None,
        help="Kubernetes version the server reports (default: 1.32, or the scenario's 1.31; "
        "kubectl's dispatcher picks its binary from it)",
    )
    parser.add_argument(
        "--scenario",
        metavar="NAME",
        choices=["healthy", *scenarios.BREAKAGES],
        help="serve an EKS scenario of clusterready.testing.scenarios (before the state "
        f"files): healthy or a breakage ({', '.join(scenarios.BREAKAGES)})",
    )
    return parser


def main(argv: Sequence[str]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return USAGE_ERROR if exc.code else 0
    if args.version_minor is None:
        args.version_minor = scenarios.KUBERNETES_VERSION if args.scenario else "1.32"
    if not re.fullmatch(r"1\.[0-9]{1,3}", args.version_minor):
        print(
            "python -m clusterready.testing: error: --version-minor: expected 1.N (e.g. 1.32), "
            f"found {args.version_minor!r}",
            file=sys.stderr,
        )
        return USAGE_ERROR
    try:
        objects = scenarios.scenario(args.scenario) if args.scenario else []
        objects += load_objects(*args.state)
        kinds = scenarios.KINDS if args.scenario else ()
        fake = FakeCluster(objects=objects, version=args.version_minor, kinds=kinds)
    except (StateError, ValueError) as err:  # ValueError: an object FakeCluster refuses
        print(f"python -m clusterready.testing: error: {err}", file=sys.stderr)
        return USAGE_ERROR
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    with fake:
        print(json.dumps({"url": fake.url, "kubeconfig": fake.kubeconfig}), flush=True)
        done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Serve a FakeCluster from the command line until interrupted (Ctrl-C or SIGTERM).

    python -m clusterready.testing objects.yaml [more.yaml ...]

It prints one JSON line, ``{"url": ..., "kubeconfig": ...}``, once it listens,
so a script (or a person) can point kubectl or clusterready at it.
"""

from __future__ import annotations

import json
import signal
import sys
import threading

from clusterready.testing.fakekube import FakeCluster, load_objects


def main(argv: list[str]) -> int:
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    with FakeCluster(objects=load_objects(*argv)) as fake:
        print(json.dumps({"url": fake.url, "kubeconfig": fake.kubeconfig}), flush=True)
        done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Serve a FakeCluster from the command line until stdin closes or SIGTERM.

    python -m clusterready.testing objects.yaml [more.yaml ...]

It prints one JSON line, ``{"url": ..., "kubeconfig": ...}``, once it listens,
so a script (or a person) can point kubectl at it.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from clusterready.testing.fakekube import FakeCluster


def _objects(paths: list[str]) -> list[dict[str, Any]]:
    import yaml

    found: list[dict[str, Any]] = []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        for doc in yaml.safe_load_all(text):
            if isinstance(doc, dict) and doc.get("kind", "").endswith("List") and "items" in doc:
                found.extend(doc["items"])
            elif doc:
                found.append(doc)
    return found


def main(argv: list[str]) -> int:
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with FakeCluster(objects=_objects(argv)) as fake:
        print(json.dumps({"url": fake.url, "kubeconfig": fake.kubeconfig}), flush=True)

        def wait_for_stdin_eof() -> None:
            sys.stdin.read()
            done.set()

        threading.Thread(target=wait_for_stdin_eof, daemon=True).start()
        done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Read-only by construction: every request the kube tests send is a GET.

Runs the test modules that read a FakeCluster (through Cluster, kubectl and
the official client) in a child pytest with the request log on, then reads
the log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from conftest import REQUEST_LOG, ROOT

KUBE_TEST_MODULES = sorted(
    str(p)
    for p in (ROOT / "tests").glob("test_*.py")
    if p.name.startswith(("test_kube", "test_jsonpath", "test_detik"))
)


def test_every_request_of_the_kube_tests_is_a_get(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    env = dict(os.environ, **{REQUEST_LOG: str(log)})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *KUBE_TEST_MODULES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    requests = [json.loads(line) for line in log.read_text().splitlines()]
    methods = Counter(r["method"] for r in requests)
    print(f"{len(requests)} requests over {len(KUBE_TEST_MODULES)} modules: {dict(methods)}")
    assert len(requests) > 100
    assert set(methods) == {"GET"}

"""Record the verdicts of the .bats corpus under real bats + bats-detik against FakeCluster.

The recording (tests/data/bats-verdicts.json) is committed with its provenance, and
tests/test_migrate_equivalence.py replays the migrated modules against the same states.
bats-detik itself is never committed: it is unpacked into a temporary folder.

    python tests/bats_equivalence.py BATS_DETIK_GIT_DIR v1.4.0   # re-record

bats comes from Debian (`apt-get install bats bats-assert bats-support`).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VERDICTS = ROOT / "tests" / "data" / "bats-verdicts.json"
#: the .bats files whose tests are compared (those migrate translates with nothing left)
CORPUS = [
    "examples/bats/metrics-server.bats",
    "tests/data/bats/variables.bats",
    "tests/data/bats/helpers.bats",
    "tests/data/bats/namespaces.bats",
]
#: cluster states: name -> object files applied in order (later objects replace earlier ones)
STATES = {
    "varied": ["tests/data/cluster-state.yaml"],
    "demo-healthy": ["examples/demo-cluster.yaml", "examples/demo-cluster-later.yaml"],
}
BATS_LIBS = Path("/usr/lib/bats")
_TAP = re.compile(r"^(ok|not ok) \d+ (.*?)(?: # skip.*)?$")


def bats_missing() -> str | None:
    """Why bats cannot run the corpus here, or None."""
    if shutil.which("bats") is None:
        return "bats is not installed (apt-get install bats bats-assert bats-support)"
    for lib in ("bats-support", "bats-assert"):
        if not (BATS_LIBS / lib / "load.bash").is_file():
            return f"{lib} is not installed in {BATS_LIBS} (apt-get install {lib})"
    return None


def record(detik: Path, corpus: list[str] = CORPUS) -> dict[str, Any]:
    """Run every corpus file under bats for every state; the verdict of each @test."""
    from clusterready.testing import FakeCluster, load_objects

    verdicts: dict[str, dict[str, dict[str, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(detik / "lib", work / "lib")
        (work / "test_helper").mkdir()
        for lib in ("bats-support", "bats-assert"):
            (work / "test_helper" / lib).symlink_to(BATS_LIBS / lib)
        for name in corpus:
            shutil.copy(ROOT / name, work / Path(name).name)
        for state, files in STATES.items():
            with FakeCluster(objects=load_objects(*(ROOT / f for f in files))) as fake:
                env = {**os.environ, "KUBECONFIG": fake.kubeconfig, "HOME": tmp}
                for name in corpus:
                    done = subprocess.run(
                        ["bats", "--tap", Path(name).name],
                        cwd=work,
                        env=env,
                        capture_output=True,
                        text=True,
                        timeout=600,
                        check=False,
                    )
                    tests = {}
                    for line in done.stdout.splitlines():
                        match = _TAP.match(line)
                        if match:
                            tests[match.group(2)] = "passed" if match.group(1) == "ok" else "failed"
                    if not tests:
                        raise RuntimeError(
                            f"bats ran no test of {name}: {done.stdout}{done.stderr}"
                        )
                    verdicts.setdefault(state, {})[name] = tests
    return verdicts


def unpack(git_dir: Path, tag: str, into: Path) -> dict[str, str]:
    """``git archive`` a tag of bats-detik into a folder; its version and commit."""
    archive = subprocess.run(
        ["git", "--git-dir", str(git_dir), "archive", tag],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    commit = subprocess.run(
        ["git", "--git-dir", str(git_dir), "rev-parse", f"{tag}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return {"bats_detik": tag, "bats_detik_commit": commit}


def tool_versions() -> dict[str, str]:
    def out(*args: str) -> str:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()

    return {
        "bats": out("bats", "--version"),
        "kubectl": out("kubectl", "version", "--client").splitlines()[0],
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def record_from_git(git_dir: Path, tag: str) -> dict[str, Any]:
    """The whole recording: provenance, states and verdicts."""
    with tempfile.TemporaryDirectory() as tmp:
        detik = Path(tmp)
        origin = unpack(git_dir, tag, detik)
        why = bats_missing()
        if why:
            raise RuntimeError(why)
        verdicts = record(detik)
    return {
        "provenance": {
            **origin,
            **tool_versions(),
            "command": f"python tests/bats_equivalence.py <bats-detik git dir> {tag}",
        },
        "states": STATES,
        "verdicts": verdicts,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python tests/bats_equivalence.py BATS_DETIK_GIT_DIR TAG", file=sys.stderr)
        return 4
    data = record_from_git(Path(argv[0]), argv[1])
    VERDICTS.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {VERDICTS}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "plugins"))
    sys.exit(main(sys.argv[1:]))

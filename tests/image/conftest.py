"""Run the built image without an engine: umoci unpacks it, runc runs it (make image-test).

Every test here gets the ``image`` marker and runs only when ``-m`` names it, so plain
``make test`` never needs the image. :meth:`Image.run` is the one way to run an argv in the
image, as Kubernetes would run the container: read-only root filesystem, a tmpfs /tmp, the uid
of the image's config, the host's network (so loopback reaches moto and FakeCluster), input
files bind-mounted read-only at /in, and /tmp/out bind-mounted from the host so the reports
survive the container.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGE_PATH = ROOT / "build" / "image.path"  # written by image/build.sh
INPUT = "/in"
OUT = "/tmp/out"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "image: runs the built image (make image-test)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    mine = [item for item in items if here in item.path.parents]
    for item in mine:
        item.add_marker(pytest.mark.image)
    if "image" not in (config.option.markexpr or ""):
        config.hook.pytest_deselected(items=mine)
        items[:] = [item for item in items if item not in mine]


@dataclass(frozen=True)
class Run:
    """One container's end: exit code, output, and the host folder that was its /tmp/out."""

    returncode: int
    stdout: str
    stderr: str
    out: Path

    def report(self, name: str = "report.json") -> dict[str, Any]:
        """A JSON file the container wrote under /tmp/out."""
        __tracebackhide__ = True
        path = self.out / name
        assert path.is_file(), f"no {OUT}/{name}; stderr:\n{self.stderr[-3000:]}"
        loaded: dict[str, Any] = json.loads(path.read_text())
        return loaded


@dataclass(frozen=True)
class Image:
    """The built image, unpacked once: its OCI config and a runtime-spec template."""

    archive: Path
    config: dict[str, Any]  # the OCI image config ("config": Entrypoint, User, Env, Labels)
    rootfs: Path
    spec: dict[str, Any]  # the runtime spec umoci generated from the image config
    workdir: Path

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        files: Mapping[str, str] | None = None,
        entrypoint: Sequence[str] | None = None,
        timeout: float = 600,
    ) -> Run:
        """Run ``entrypoint + argv`` (the image's ENTRYPOINT by default) to its end.

        ``env`` is added to the image's environment; ``files`` ({name: text}) appear
        read-only under /in, or at their own path when the name is absolute (an Argo input
        artifact's path, say: ``{"/tmp/spec.json": ...}``); whatever the container writes
        to /tmp/out is in ``Run.out``.
        """
        name = f"clusterready-test-{uuid.uuid4().hex[:12]}"
        bundle = self.workdir / name
        inputs, out = bundle / "in", bundle / "out"
        inputs.mkdir(parents=True)
        out.mkdir()
        placed = []  # files at absolute paths: one read-only bind mount each
        for filename, text in (files or {}).items():
            absolute = filename.startswith("/")
            host = bundle / filename.replace("/", "_") if absolute else inputs / filename
            host.write_text(text, encoding="utf-8")
            host.chmod(0o644)
            if absolute:
                placed.append(_bind(host, filename, "ro"))
        inputs.chmod(0o755)
        process = self.spec["process"]
        os.chown(out, process["user"]["uid"], process["user"]["gid"])
        spec = json.loads(json.dumps(self.spec))
        start = list(self.config.get("Entrypoint") or []) if entrypoint is None else entrypoint
        spec["process"]["args"] = [*start, *argv]
        extra = [f"{k}={v}" for k, v in (env or {}).items()]
        spec["process"]["env"] = [*process.get("env", []), *extra]
        spec["process"]["terminal"] = False
        spec["root"] = {"path": str(self.rootfs), "readonly": True}
        tmpfs = ["nosuid", "nodev", "mode=1777", "size=256m"]
        spec["mounts"] += [
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": tmpfs},
            _bind(inputs, INPUT, "ro"),
            _bind(out, OUT, "rw"),
            *placed,
        ]
        # The host's network (loopback reaches the fakes); no cgroup limits (hybrid cgroups here).
        linux = spec["linux"]
        linux["namespaces"] = [ns for ns in linux["namespaces"] if ns["type"] != "network"]
        linux.pop("resources", None)
        (bundle / "config.json").write_text(json.dumps(spec), encoding="utf-8")
        try:
            done = subprocess.run(
                ["runc", "run", "--bundle", str(bundle), name],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        finally:
            subprocess.run(["runc", "delete", "--force", name], capture_output=True, check=False)
        return Run(done.returncode, done.stdout, done.stderr, out)


def _bind(source: Path, destination: str, mode: str) -> dict[str, Any]:
    return {
        "destination": destination,
        "type": "bind",
        "source": str(source),
        "options": ["rbind", mode],
    }


def _unpack(archive: Path, into: Path) -> Image:
    layout, bundle = into / "oci", into / "bundle"
    with tarfile.open(archive) as tar:
        tar.extractall(layout, filter="data")
    index = json.loads((layout / "index.json").read_text())
    tag = index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"]
    subprocess.run(
        ["umoci", "unpack", "--image", f"{layout}:{tag}", str(bundle)],
        check=True,
        capture_output=True,
        timeout=600,
    )

    def blob(digest: str) -> Any:
        return json.loads((layout / "blobs" / digest.replace(":", "/")).read_text())

    manifest = blob(index["manifests"][0]["digest"])
    config = blob(manifest["config"]["digest"])["config"]
    spec = json.loads((bundle / "config.json").read_text())
    return Image(archive, config, bundle / "rootfs", spec, into / "runs")


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    """The image `make image` built last (build/image.path), unpacked for runc."""
    if shutil.which("runc") is None or shutil.which("umoci") is None:
        pytest.fail("runc and umoci are needed: run `make image-test` (it installs them)")
    if not IMAGE_PATH.is_file():
        pytest.fail(f"no image built: {IMAGE_PATH} is missing; run `make image` first")
    archive = Path(IMAGE_PATH.read_text().strip())
    return _unpack(archive, tmp_path_factory.mktemp("image"))

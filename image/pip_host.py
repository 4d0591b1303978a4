"""Hand the host's pip settings to the RUN steps of an image build, never into a layer.

Reads ``pip config list`` (config files and PIP_* variables, the latter winning), writes
OUT_DIR/pip.conf with every local path in it (CA bundle, constraint files, find-links
directories, file:// indexes with the folder around them) moved under /run/pip-host, and
prints one buildah ``--volume`` argument per line: the pip.conf itself and each of those
paths, read-only. The Containerfile
points PIP_CONFIG_FILE at /run/pip-host/pip.conf; where nothing is mounted, pip uses its defaults.

usage: python3 image/pip_host.py OUT_DIR
"""

from __future__ import annotations

import ast
import configparser
import os
import subprocess
import sys
from pathlib import Path

INSIDE = "/run/pip-host"


def host_settings() -> dict[tuple[str, str], str]:
    """``{(section, key): value}`` as the host's pip sees them; PIP_* variables win."""
    try:
        listing = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    files: dict[tuple[str, str], str] = {}
    env: dict[tuple[str, str], str] = {}
    for line in listing.splitlines():
        name, sep, raw = line.partition("=")
        section, dot, key = name.rpartition(".")
        if not (sep and dot):
            continue
        value = ast.literal_eval(raw) if raw[:1] in "'\"" else raw
        if section == ":env:":
            env[("global", key)] = value
        else:
            files[(section, key)] = value
    return {**files, **env}


def main(out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    mounts: dict[str, str] = {}  # host path -> path inside the build

    def inside(host: str) -> str:
        if host not in mounts:
            name = Path(host).name or "root"
            mounts[host] = f"{INSIDE}/{len(mounts)}-{name}"
        return mounts[host]

    def move(word: str) -> str:
        if word.startswith("file://"):
            # An index's pages link to files beside it (../../files/x.whl): mount its parent.
            path = Path(word[len("file://") :])
            if not path.exists():
                return word
            return f"file://{inside(str(path.parent))}/{path.name}"
        if os.path.isabs(word) and os.path.exists(word):
            return inside(word)
        return word

    config = configparser.ConfigParser(interpolation=None)
    for (section, key), value in sorted(host_settings().items()):
        if not config.has_section(section):
            config.add_section(section)
        config.set(section, key, " ".join(move(word) for word in value.split()))
    conf = out / "pip.conf"
    with conf.open("w", encoding="utf-8") as handle:
        config.write(handle)
    print(f"{conf.resolve()}:{INSIDE}/pip.conf:ro")
    for host, path in mounts.items():
        print(f"{host}:{path}:ro")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]) if len(sys.argv) == 2 else sys.exit(__doc__))

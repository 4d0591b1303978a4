"""Print an OCI image's size: its layers compressed (as pulled) and uncompressed (as unpacked).

usage: python3 image/size.py OCI_LAYOUT_DIR TAG
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path


def blob(layout: Path, digest: str) -> Path:
    algorithm, _, value = digest.partition(":")
    return layout / "blobs" / algorithm / value


def manifest(layout: Path, tag: str) -> dict[str, object]:
    """The manifest that index.json names ``tag``."""
    for entry in json.loads((layout / "index.json").read_text())["manifests"]:
        if entry.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return json.loads(blob(layout, entry["digest"]).read_text())
    raise SystemExit(f"image/size.py: no image tagged {tag!r} in {layout}/index.json")


def uncompressed(path: Path, media_type: str) -> int:
    if not media_type.endswith("gzip"):
        return path.stat().st_size
    total = 0
    with gzip.open(path) as stream:
        while chunk := stream.read(1 << 20):
            total += len(chunk)
    return total


def main(layout_dir: str, tag: str) -> int:
    layout = Path(layout_dir)
    layers = manifest(layout, tag)["layers"]
    assert isinstance(layers, list)
    packed = sum(layer["size"] for layer in layers)
    unpacked = sum(
        uncompressed(blob(layout, layer["digest"]), layer["mediaType"]) for layer in layers
    )
    mb = 1_000_000
    print(
        f"image: {len(layers)} layers, {packed / mb:.1f} MB compressed, "
        f"{unpacked / mb:.1f} MB uncompressed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]) if len(sys.argv) == 3 else __doc__)

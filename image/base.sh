#!/usr/bin/env bash
# Build the base root filesystem (Debian bookworm + python3) from Debian packages with mmdebstrap,
# for machines where no container registry is reachable. Cached: build/base/rootfs.tar is rebuilt
# only when this script changes. Output is byte-identical run to run (fixed SOURCE_DATE_EPOCH).
# usage: image/base.sh OUT_DIR
set -euo pipefail
out=${1:?usage: image/base.sh OUT_DIR}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
here=$(cd "$(dirname "$0")" && pwd)
stamp=$(sha256sum "$here/base.sh" | cut -c1-16)
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [[ -s $out/rootfs.tar && $(cat "$out/rootfs.stamp" 2>/dev/null) == "$stamp" ]]; then
  echo "base: cached $out/rootfs.tar"
  exit 0
fi
# The host's own apt sources are the mirror list (a deb822 file, or the classic one).
sources=/etc/apt/sources.list.d/debian.sources
[[ -f $sources ]] || sources=/etc/apt/sources.list
mkdir -p "$out/debs"
start=$(date +%s)
eatmydata=()
command -v eatmydata >/dev/null && eatmydata=(--hook-dir=/usr/share/mmdebstrap/hooks/eatmydata)
# merged /usr set up by the hook, not by the usrmerge package (which drags in 40 MB of perl)
mmdebstrap --mode=root --variant=essential --format=tar --quiet \
  --include=python3,python3-venv,ca-certificates \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  "${eatmydata[@]}" \
  --aptopt='Acquire::Retries "3"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --setup-hook="mkdir -p \"\$1/var/cache/apt/archives\"; cp -a '$out/debs/.' \"\$1/var/cache/apt/archives/\" 2>/dev/null || true" \
  --customize-hook="cp -a \"\$1/var/cache/apt/archives/\"*.deb '$out/debs/' 2>/dev/null || true" \
  bookworm "$out/rootfs.tmp.tar" "$sources"
mv "$out/rootfs.tmp.tar" "$out/rootfs.tar"
echo "$stamp" >"$out/rootfs.stamp"
echo "base: built $out/rootfs.tar in $(( $(date +%s) - start )) s ($(du -m "$out/rootfs.tar" | cut -f1) MB)"

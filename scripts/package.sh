#!/bin/sh
# Builds the release archives that install.sh, install.ps1 and
# `pyman self update` download:
#   OUT/VERSION
#   OUT/pyman-<version>-<target>.tar.gz (.zip for Windows targets)
#   OUT/pyman-<version>-<target>.tar.gz.sha256
#
# Usage: scripts/package.sh [--target TRIPLE] [--out DIR] [--bin-dir DIR]
#   --target   the Rust target (default: this machine's)
#   --out      where archives go (default: dist)
#   --bin-dir  package already-built binaries from DIR instead of building
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
target=""
out="$root/dist"
bin_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --target) target=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --bin-dir) bin_dir=$2; shift 2 ;;
        *) echo "package.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$target" ] || target=$(rustc -vV | sed -n 's/^host: //p')
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$root/Cargo.toml")

if [ -z "$bin_dir" ]; then
    (cd "$root" && cargo build --release --locked --target "$target" -p pyman -p pyman-shim)
    bin_dir="$root/target/$target/release"
fi
case "$target" in *windows*) exe=.exe ;; *) exe="" ;; esac

name="pyman-$version-$target"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$out"
cp "$bin_dir/pyman$exe" "$bin_dir/pyman-shim$exe" "$stage/$name/"
cp "$root/README.md" "$stage/$name/"
case "$target" in
    *windows*)
        archive="$name.zip"
        (cd "$stage" && rm -f "$out/$archive" && python3 -m zipfile -c "$out/$archive" "$name")
        ;;
    *)
        archive="$name.tar.gz"
        tar -czf "$out/$archive" -C "$stage" "$name"
        ;;
esac
(cd "$out" && sha256sum "$archive" > "$archive.sha256")
echo "$version" > "$out/VERSION"
cp "$root/install.sh" "$root/install.ps1" "$out/"
echo "$out/$archive"

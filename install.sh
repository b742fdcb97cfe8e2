#!/bin/sh
# Installs pyman and pyman-shim, then runs `pyman setup`.
#
# From a checkout it builds them with cargo; piped from the web it downloads
# the release archive for this OS, CPU and libc and checks its sha256:
#
#     ./install.sh
#     curl -LsSf https://github.com/pyman-dev/pyman/releases/latest/download/install.sh | sh
#
# Re-running upgrades in place. See --help for options and variables.
set -eu

DEFAULT_DOWNLOAD_URL="https://github.com/pyman-dev/pyman/releases/latest/download"

usage() {
    cat <<'USAGE'
install.sh: install pyman and pyman-shim

Usage: install.sh [--no-modify-path] [--help]

Options:
  --no-modify-path   do not touch shell rc files; print what to add instead
  -h, --help         show this help

Environment:
  PYMAN_INSTALL_DIR  where the binaries go (default: ~/.local/bin)
  PYMAN_DOWNLOAD_URL where release archives are (default: GitHub releases);
                     it holds VERSION and pyman-<version>-<target>.tar.gz(.sha256)
  PYMAN_HOME         pyman's data folder (default: ~/.local/share/pyman)
USAGE
}

say() { printf 'pyman-install: %s\n' "$*" >&2; }
err() { say "error: $*"; exit 1; }

fetch() {
    # fetch URL FILE
    if command -v curl >/dev/null 2>&1; then
        curl --proto '=https,http,file' -fsSL --retry 3 "$1" -o "$2" || err "cannot download $1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1" || err "cannot download $1"
    else
        err "neither curl nor wget is installed; install one of them"
    fi
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d' ' -f1
    else
        err "neither sha256sum nor shasum is installed: cannot verify the download"
    fi
}

detect_target() {
    arch=$(uname -m)
    case "$arch" in
        x86_64 | amd64) arch=x86_64 ;;
        aarch64 | arm64) arch=aarch64 ;;
        *) err "no pyman release for CPU $arch; build from source with cargo" ;;
    esac
    os=$(uname -s)
    case "$os" in
        Linux)
            if ls /lib/ld-musl-* >/dev/null 2>&1 || (ldd --version 2>&1 | grep -qi musl); then
                echo "$arch-unknown-linux-musl"
            else
                echo "$arch-unknown-linux-gnu"
            fi
            ;;
        Darwin) echo "$arch-apple-darwin" ;;
        *) err "no pyman release for $os; on Windows use install.ps1" ;;
    esac
}

# built_executable NAME FILE: the path of binary NAME in cargo's JSON messages.
built_executable() {
    sed -n 's/.*"executable":"\([^"]*\/'"$1"'\)".*/\1/p' "$2" | tail -n 1
}

# The folder of this script when it runs from a checkout, else empty.
checkout_dir() {
    case "$0" in
        *install.sh)
            dir=$(cd "$(dirname "$0")" && pwd)
            if [ -f "$dir/Cargo.toml" ] && [ -d "$dir/crates/cli" ] && [ -d "$dir/shims" ]; then
                echo "$dir"
            fi
            ;;
    esac
}

main() {
    modify_path=1
    for arg in "$@"; do
        case "$arg" in
            --no-modify-path) modify_path=0 ;;
            -h | --help) usage; exit 0 ;;
            *) err "unknown option '$arg' (see --help)" ;;
        esac
    done
    [ -n "${HOME:-}" ] || err "HOME is not set"
    install_dir="${PYMAN_INSTALL_DIR:-$HOME/.local/bin}"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT INT TERM

    src=$(checkout_dir)
    if [ -n "$src" ]; then
        command -v cargo >/dev/null 2>&1 || err "cargo is needed to build from a checkout (https://rustup.rs)"
        say "building pyman from $src"
        # Cargo says where it put each binary (CARGO_TARGET_DIR, build.target-dir
        # and build.target all move them); diagnostics still go to the terminal.
        (cd "$src" && cargo build --release --locked -p pyman -p pyman-shim \
            --message-format=json-render-diagnostics >"$tmp/build.json") ||
            err "the build failed (cargo build --release in $src)"
        bin=""
        for b in pyman pyman-shim; do
            path=$(built_executable "$b" "$tmp/build.json")
            if [ -z "$path" ] || [ ! -f "$path" ]; then
                err "cargo built $b but did not say where; looked for an \"executable\" ending in /$b in its JSON messages"
            fi
            dir=$(dirname "$path")
            if [ -n "$bin" ] && [ "$dir" != "$bin" ]; then
                err "cargo put pyman and pyman-shim in different folders ($bin, $dir)"
            fi
            bin=$dir
        done
    else
        target=$(detect_target)
        base="${PYMAN_DOWNLOAD_URL:-$DEFAULT_DOWNLOAD_URL}"
        base="${base%/}"
        fetch "$base/VERSION" "$tmp/VERSION"
        version=$(tr -d ' \r\n' < "$tmp/VERSION")
        [ -n "$version" ] || err "$base/VERSION is empty"
        archive="pyman-$version-$target.tar.gz"
        say "downloading pyman $version for $target"
        fetch "$base/$archive" "$tmp/$archive"
        fetch "$base/$archive.sha256" "$tmp/$archive.sha256"
        expected=$(cut -d' ' -f1 < "$tmp/$archive.sha256" | tr 'A-F' 'a-f')
        actual=$(sha256_of "$tmp/$archive")
        [ "$expected" = "$actual" ] || err "checksum mismatch for $base/$archive: expected $expected, got $actual; nothing was installed"
        mkdir "$tmp/x"
        tar -xzf "$tmp/$archive" -C "$tmp/x" || err "cannot unpack $archive"
        bin=$(dirname "$(find "$tmp/x" -name pyman -type f | head -n 1)")
        if [ ! -f "$bin/pyman" ] || [ ! -f "$bin/pyman-shim" ]; then
            err "$archive lacks pyman or pyman-shim"
        fi
    fi

    mkdir -p "$install_dir" || err "cannot create $install_dir"
    for b in pyman-shim pyman; do
        [ -f "$bin/$b" ] || err "$bin/$b does not exist: the build did not produce it"
        # Copy then rename: a running pyman is never half-written.
        cp "$bin/$b" "$install_dir/.$b.tmp.$$" || err "cannot copy $bin/$b to $install_dir"
        chmod 755 "$install_dir/.$b.tmp.$$"
        mv -f "$install_dir/.$b.tmp.$$" "$install_dir/$b"
    done
    say "installed pyman and pyman-shim into $install_dir"

    if [ "$modify_path" = 1 ]; then
        "$install_dir/pyman" setup
    else
        "$install_dir/pyman" setup --no-modify-path
    fi
}

main "$@"

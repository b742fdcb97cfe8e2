#!/usr/bin/env python3
"""Generate pyman's embedded index of python-build-standalone builds.

Input: a downloads JSON in uv's `download-metadata.json` format (by default the
team's snapshot in ../shared/data). Output: crates/installer/data/index.json, in
the same format, keeping only what pyman installs: CPython, the default and
free-threaded variants, and the platforms pyman runs on. Re-run it whenever the
snapshot changes and commit the result; pyman never reads the input at run time.

    python3 scripts/gen_index.py [INPUT] [OUTPUT]
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_INPUT = os.path.join(HERE, "..", "..", "shared", "data", "python-build-standalone-downloads.json")
DEFAULT_OUTPUT = os.path.join(HERE, "..", "crates", "installer", "data", "index.json")

# (os, arch family, libc) pyman runs on.
PLATFORMS = {
    ("linux", "x86_64", "gnu"),
    ("linux", "x86_64", "musl"),
    ("linux", "aarch64", "gnu"),
    ("linux", "aarch64", "musl"),
    ("darwin", "x86_64", "none"),
    ("darwin", "aarch64", "none"),
    ("windows", "x86_64", "none"),
    ("windows", "i686", "none"),
}


def archive_rank(url):
    """Lower is better: stripped install_only, then install_only, then full builds."""
    name = url.rsplit("/", 1)[-1]
    if name.endswith("install_only_stripped.tar.gz"):
        return 0
    if name.endswith("install_only.tar.gz"):
        return 1
    if name.endswith(".tar.zst"):
        return 2
    return 3


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_INPUT
    dst = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUTPUT
    with open(src, encoding="utf-8") as f:
        data = json.load(f)

    chosen = {}
    for key, e in data.items():
        if e.get("name") != "cpython" or e.get("variant") not in (None, "freethreaded"):
            continue
        if (e["os"], e["arch"]["family"], e["libc"]) not in PLATFORMS:
            continue
        if not e.get("sha256") or archive_rank(e["url"]) > 2:
            continue
        # One archive per build: the same version, variant, platform and CPU level.
        ident = (e["major"], e["minor"], e["patch"], e["prerelease"], e["variant"],
                 e["os"], e["arch"]["family"], e["arch"]["variant"], e["libc"])
        best = chosen.get(ident)
        if best is None or (archive_rank(e["url"]), -int(e.get("build") or 0)) < (
            archive_rank(best[1]["url"]), -int(best[1].get("build") or 0)):
            chosen[ident] = (key, e)

    def order(item):
        e = item[1]
        pre = e["prerelease"] or "~"  # finals after pre-releases
        return (-e["major"], -e["minor"], -e["patch"], pre, e["variant"] or "", e["os"],
                e["arch"]["family"], e["arch"]["variant"] or "", e["libc"])

    fields = ("name", "arch", "os", "libc", "major", "minor", "patch", "prerelease", "variant",
              "build", "url", "sha256")
    lines = []
    for key, e in sorted(chosen.values(), key=order):
        entry = {k: e.get(k) for k in fields}
        lines.append(json.dumps(key) + ":" + json.dumps(entry, separators=(",", ":")))
    with open(dst, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")
    print(f"wrote {len(lines)} builds to {os.path.relpath(dst)}", file=sys.stderr)


if __name__ == "__main__":
    main()

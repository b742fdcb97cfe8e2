"""Shared helpers for pyman's benchmarks (not tests: they time things)."""

import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")


def serve(directory):
    """A static HTTP server for `directory` on 127.0.0.1: (server, base URL)."""
    import http.server
    import threading
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=directory, **k)
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def build_release():
    print("building release binaries…", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "-j2", "-p", "pyman", "-p", "pyman-shim"],
                   cwd=ROOT, check=True)
    return os.path.join(RELEASE, "pyman"), os.path.join(RELEASE, "pyman-shim")


def pyenv_root():
    return os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")


def pyenv_python(minor="3.12"):
    """The newest pyenv CPython of `minor`: (version, prefix), or None."""
    versions = os.path.join(pyenv_root(), "versions")
    found = []
    for name in os.listdir(versions) if os.path.isdir(versions) else []:
        parts = name.split(".")
        if len(parts) == 3 and ".".join(parts[:2]) == minor and all(p.isdigit() for p in parts):
            found.append((tuple(map(int, parts)), name))
    if not found:
        return None
    name = max(found)[1]
    return name, os.path.join(versions, name)


def time_commands(variants, runs, warmup=10):
    """Runs every variant `runs` times, interleaved; returns {name: [seconds]}."""
    samples = {name: [] for name in variants}
    for name, (cmd, env, cwd) in variants.items():
        for _ in range(warmup):
            subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    for _ in range(runs):
        for name, (cmd, env, cwd) in variants.items():
            t = time.perf_counter()
            subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
            samples[name].append(time.perf_counter() - t)
    return samples


def max_rss_kib(cmd, env, cwd):
    """Peak memory of one run, from GNU time; None where it is missing."""
    if not os.path.exists("/usr/bin/time"):
        return None
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, env=env, cwd=cwd,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        return int(out.stderr.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def median_ms(xs):
    return statistics.median(xs) * 1000


def tempdir(prefix, parent=None):
    d = tempfile.mkdtemp(prefix=prefix, dir=parent)
    return d, lambda: shutil.rmtree(d, ignore_errors=True)


def interpreter_and_pyman(no_build):
    """The pyenv CPython to benchmark with, and the release `pyman` (built
    unless `no_build`): (version, prefix, pyman). Exits when there is none."""
    py = pyenv_python("3.12") or pyenv_python("3.11")
    if not py:
        sys.exit("needs a pyenv CPython 3.12 or 3.11 to benchmark with")
    version, prefix = py
    pyman = os.path.join(RELEASE, "pyman")
    if not no_build:
        pyman, _ = build_release()
    return version, prefix, pyman


def as_built_by_pbs(tree, prefix, minor):
    """Gives a copied interpreter python-build-standalone's build-machine values
    (as the e2e fixtures do): `/install` for its prefix in the sysconfig data,
    `.pc` files and python3.X-config, clang compilers and llvm-ar."""
    import glob
    import re
    for path in glob.glob(os.path.join(tree, "lib", f"python{minor}", "_sysconfigdata_*.py")):
        text = open(path).read().replace(prefix, "/install")
        for key, tool in [("CC", "clang -pthread"), ("CXX", "clang++ -pthread"), ("LINKCC", "clang -pthread"),
                          ("LDSHARED", "clang -pthread"), ("BLDSHARED", "clang -pthread"),
                          ("LDCXXSHARED", "clang++ -pthread"), ("AR", "/tools/llvm/bin/llvm-ar")]:
            text = re.sub(r"('%s': ')[^ ']+" % key, lambda m: m.group(1) + tool, text, count=1)
        open(path, "w").write(text)
    for path in glob.glob(os.path.join(tree, "lib", "pkgconfig", "*.pc")) + \
            glob.glob(os.path.join(tree, "bin", f"python{minor}-config")):
        if not os.path.islink(path):
            text = open(path).read().replace(prefix, "/install")
            open(path, "w").write(text)


def build_archive(version, prefix, out_dir, full=False, pbs_values=False):
    """python/ with the interpreter without bytecode and static libraries (the
    size of a stripped python-build-standalone archive), or with `full` the
    whole tree as the e2e fixture builder copies it (about 135 MB unpacked);
    RUNPATH made relative."""
    tree = os.path.join(out_dir, ("pbs-" if pbs_values else "") + ("tree-full" if full else "tree"), "python")
    ignore = None if full else shutil.ignore_patterns("__pycache__", "*.a", "*.pyc")
    shutil.copytree(prefix, tree, symlinks=True, ignore=ignore)
    minor = ".".join(version.split(".")[:2])
    exe = os.path.join(tree, "bin", f"python{minor}")
    data = bytearray(open(exe, "rb").read())
    old = f"{prefix}/lib\0".encode()
    i = data.find(old)
    if i >= 0:
        new = b"$ORIGIN/../lib"
        data[i:i + len(old)] = new + b"\0" * (len(old) - len(new))
        open(exe, "wb").write(data)
    if pbs_values:
        as_built_by_pbs(tree, prefix, minor)
    name = f"cpython-{version}+20250101-x86_64-unknown-linux-gnu-install_only.tar.gz"
    path = os.path.join(out_dir, ("pbs-" if pbs_values else "") + ("full-" + name if full else name))
    with tarfile.open(path, "w:gz", compresslevel=6) as tar:
        tar.add(tree, arcname="python")
    return path


def downloads_json(directory, version, url, sha):
    """Writes `downloads.json` (python-build-standalone's format) naming one
    x86-64 Linux build at `url`; returns its path."""
    import json
    major, minor, patch = version.split(".")
    entry = {"name": "cpython", "arch": {"family": "x86_64", "variant": None}, "os": "linux", "libc": "gnu",
             "major": int(major), "minor": int(minor), "patch": int(patch), "prerelease": "", "variant": None,
             "build": "20250101", "url": url, "sha256": sha}
    path = os.path.join(directory, "downloads.json")
    with open(path, "w") as f:
        json.dump({f"cpython-{version}-linux-x86_64-gnu": entry}, f)
    return path


def sha256_of(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

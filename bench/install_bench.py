#!/usr/bin/env python3
"""`pyman install` against `uv python install` of the same real-size archive.

Builds a ~40 MB python-build-standalone-layout archive from a pyenv CPython,
serves it and a downloads JSON from 127.0.0.1, then times a fresh install by
each tool (uv is fetched from PyPI into a temporary folder when not on PATH;
it reads the same JSON through --python-downloads-json-url).

    python3 bench/install_bench.py [--runs 5] [--no-build] [--dir /dev/shm]

On a VM disk, creating the archive's ~3,000 files dominates and varies
run to run (GNU tar itself swings 0.5-1.2 s here); `--dir /dev/shm` measures
the tools' own work. Runs alternate between the tools.
"""

import argparse
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

from common import build_archive, downloads_json, interpreter_and_pyman, sha256_of, tempdir


def serve(directory):
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=directory, **k)
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def timed(cmd, env):
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--dir", help="where to install (e.g. /dev/shm to time the tools, not the disk)")
    args = ap.parse_args()
    version, prefix, pyman = interpreter_and_pyman(args.no_build)

    tmp, cleanup = tempdir("pyman-install-bench-", args.dir)
    try:
        srv_dir = os.path.join(tmp, "srv")
        os.makedirs(srv_dir)
        archive = build_archive(version, prefix, srv_dir)
        size = os.path.getsize(archive)
        server, base = serve(srv_dir)
        downloads_json(srv_dir, version, f"{base}/{os.path.basename(archive)}", sha256_of(archive))
        json_url = f"{base}/downloads.json"

        uv = shutil.which("uv")
        if not uv:
            subprocess.run([sys.executable, "-m", "venv", os.path.join(tmp, "uvenv")], check=True)
            subprocess.run([os.path.join(tmp, "uvenv/bin/pip"), "install", "-q", "uv"], check=True)
            uv = os.path.join(tmp, "uvenv/bin/uv")
        uv_version = subprocess.run([uv, "--version"], capture_output=True, text=True).stdout.strip()

        results = {"pyman": [], "uv": []}
        for i in range(args.runs):
            run = os.path.join(tmp, f"run{i}")
            home = os.path.join(run, "home")
            os.makedirs(home)
            env = {"HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
            penv = dict(env, PYMAN_HOME=os.path.join(run, "pyman"))
            results["pyman"].append(timed([pyman, "install", version, "--downloads-json", json_url], penv))
            uenv = dict(env, UV_PYTHON_INSTALL_DIR=os.path.join(run, "uvpy"), UV_CACHE_DIR=os.path.join(run, "uvcache"),
                        UV_PYTHON_BIN_DIR=os.path.join(run, "uvbin"), UV_NO_CONFIG="1")
            results["uv"].append(timed([uv, "python", "install", version, "--python-downloads-json-url", json_url], uenv))
            shutil.rmtree(run, ignore_errors=True)
        server.shutdown()

        print(f"install of CPython {version} from 127.0.0.1, {size / 1e6:.1f} MB archive, {args.runs} runs "
              f"(uv: {uv_version})")
        for name, xs in results.items():
            print(f"{name:6} median {statistics.median(xs):6.3f}s  min {min(xs):6.3f}s  max {max(xs):6.3f}s")
        ratio = statistics.median(results["uv"]) / statistics.median(results["pyman"])
        print(f"uv/pyman time ratio: {ratio:.2f} (above 1: pyman is faster)")
    finally:
        cleanup()


if __name__ == "__main__":
    main()

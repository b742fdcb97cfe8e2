#!/usr/bin/env python3
"""`pyman install` against `uv python install` of the same archive, side by side.

Builds a python-build-standalone-layout archive from a pyenv CPython (the
benchmark's ~33 MB one, and with --full one of the whole interpreter tree as
the e2e fixture builder makes it, ~135 MB unpacked), serves it and a downloads
JSON from 127.0.0.1, then installs it fresh with each tool, alternating:
`pyman install VERSION --no-cache` (which also creates the interpreter's
default venv with pip) and `uv python install VERSION` (uv is fetched from
PyPI into a temporary folder when not on PATH). Wall time and CPU time (user +
system, of the tool and its children, from wait4) are reported as medians with
the pyman/uv ratios.

    python3 bench/install_bench.py [--runs 11] [--no-build] [--dir /dev/shm] [--full] [--strace]

On a VM disk, creating the archive's ~3,000 files dominates and varies run to
run; `--dir /dev/shm` measures the tools' own work. `--strace` also prints
each tool's system-call counts for one install (`strace -f -c`).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

from common import build_archive, serve, downloads_json, interpreter_and_pyman, sha256_of, tempdir




def timed(cmd, env):
    """(wall seconds, CPU seconds of the process tree)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return wall, usage.ru_utime + usage.ru_stime


def syscalls(cmd, env, out):
    if not shutil.which("strace"):
        return "strace is not installed"
    subprocess.run(["strace", "-f", "-c", "-o", out] + cmd, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = {}
    for line in open(out):
        parts = line.split()
        if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1].isidentifier():
            calls = int(parts[3])
            errors = int(parts[4]) if len(parts) == 6 else 0
            rows[parts[-1]] = (calls, errors)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--dir", help="where to install (e.g. /dev/shm to time the tools, not the disk)")
    ap.add_argument("--full", action="store_true", help="the whole interpreter tree (the fixtures' archive)")
    ap.add_argument("--strace", action="store_true", help="also count system calls of one install each")
    ap.add_argument("--pbs-values", action="store_true",
                    help="give the archive python-build-standalone's build-machine values (/install, clang), "
                         "which pyman rewrites at install")
    args = ap.parse_args()
    version, prefix, pyman = interpreter_and_pyman(args.no_build)

    tmp, cleanup = tempdir("pyman-install-bench-", args.dir)
    try:
        srv_dir = os.path.join(tmp, "srv")
        os.makedirs(srv_dir)
        archive = build_archive(version, prefix, srv_dir, full=args.full, pbs_values=args.pbs_values)
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

        def commands(run):
            home = os.path.join(run, "home")
            os.makedirs(home, exist_ok=True)
            env = {"HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
            penv = dict(env, PYMAN_HOME=os.path.join(run, "pyman"), PYMAN_INDEX_TTL="never")
            uenv = dict(env, UV_PYTHON_INSTALL_DIR=os.path.join(run, "uvpy"), UV_CACHE_DIR=os.path.join(run, "uvcache"),
                        UV_PYTHON_BIN_DIR=os.path.join(run, "uvbin"), UV_NO_CONFIG="1")
            return {
                "pyman": ([pyman, "install", version, "--downloads-json", json_url, "--no-cache"], penv),
                "uv": ([uv, "python", "install", version, "--python-downloads-json-url", json_url], uenv),
            }

        results = {"pyman": [], "uv": []}
        for i in range(args.runs):
            run = os.path.join(tmp, f"run{i}")
            for name, (cmd, env) in commands(run).items():
                results[name].append(timed(cmd, env))
            shutil.rmtree(run, ignore_errors=True)

        print(f"install of CPython {version} from 127.0.0.1, {size / 1e6:.1f} MB archive"
              f"{' (whole interpreter tree)' if args.full else ''}{' with PBS build values' if args.pbs_values else ''}, {args.runs} runs (uv: {uv_version})")
        med = {}
        for name, xs in results.items():
            wall = [w for w, _ in xs]
            cpu = [c for _, c in xs]
            med[name] = (statistics.median(wall), statistics.median(cpu))
            print(f"{name:6} wall median {med[name][0]:6.3f}s (min {min(wall):.3f}, max {max(wall):.3f})"
                  f"   cpu median {med[name][1]:6.3f}s")
        print(f"pyman/uv: wall {med['pyman'][0] / med['uv'][0]:.2f}x, cpu {med['pyman'][1] / med['uv'][1]:.2f}x "
              "(below 1: pyman is cheaper)")

        if args.strace:
            counts = {}
            for name, (cmd, env) in commands(os.path.join(tmp, "strace")).items():
                counts[name] = syscalls(cmd, env, os.path.join(tmp, f"{name}.strace"))
            if all(isinstance(c, dict) for c in counts.values()):
                names = ["mkdir", "mkdirat", "statx", "newfstatat", "lseek", "write", "openat", "openat2", "futex"]
                print(f"{'syscall':12} {'pyman':>14} {'uv':>14}")
                for n in names:
                    cells = []
                    for tool in ("pyman", "uv"):
                        c, e = counts[tool].get(n, (0, 0))
                        cells.append(f"{c:,}" + (f" ({e:,} fail)" if e else ""))
                    print(f"{n:12} {cells[0]:>14} {cells[1]:>14}")
            else:
                print(counts)
        server.shutdown()
    finally:
        cleanup()


if __name__ == "__main__":
    main()

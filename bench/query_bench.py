#!/usr/bin/env python3
"""What prompts and editors pay: `pyman current`, `which` and `list` against
`pyman --version`, in one run.

Sets up a home with one interpreter installed by pyman (a ~33 MB archive built
from a pyenv CPython, served from 127.0.0.1), a project pinned to it three
folders up, then runs each command many times, interleaved, and reports the
median wall time and the CPU time (user + system, from wait4) with the ratio
to `--version`. Goal: each at most 1.5x `--version`.

    python3 bench/query_bench.py [--runs 200] [--no-build] [--dir /dev/shm]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

from common import build_archive, serve, downloads_json, interpreter_and_pyman, sha256_of, tempdir




def run(cmd, env, cwd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--dir")
    args = ap.parse_args()
    version, prefix, pyman = interpreter_and_pyman(args.no_build)
    tmp, cleanup = tempdir("pyman-query-bench-", args.dir)
    try:
        srv = os.path.join(tmp, "srv")
        os.makedirs(srv)
        archive = build_archive(version, prefix, srv)
        server, base = serve(srv)
        downloads_json(srv, version, f"{base}/{os.path.basename(archive)}", sha256_of(archive))
        home = os.path.join(tmp, "home")
        project = os.path.join(tmp, "work", "proj")
        deep = os.path.join(project, "src", "pkg", "sub")
        os.makedirs(deep)
        os.makedirs(home)
        env = {"HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
               "PYMAN_HOME": os.path.join(tmp, "pyman"), "PYMAN_INDEX_TTL": "never"}
        subprocess.run([pyman, "install", version, "--downloads-json", f"{base}/downloads.json"],
                       env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server.shutdown()
        minor = ".".join(version.split(".")[:2])
        subprocess.run([pyman, "pin", minor], env=env, cwd=project, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        commands = {
            "--version": [pyman, "--version"],
            "current": [pyman, "current"],
            "which": [pyman, "which", "python"],
            "list": [pyman, "list"],
        }
        for cmd in commands.values():
            for _ in range(10):
                run(cmd, env, deep)
        samples = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                samples[name].append(run(cmd, env, deep))
        print(f"pyman queries in a project pinned three folders up, {args.runs} runs each, medians")
        base_wall = statistics.median(w for w, _ in samples["--version"])
        base_cpu = statistics.median(c for _, c in samples["--version"])
        for name, xs in samples.items():
            wall = statistics.median(w for w, _ in xs)
            cpu = statistics.median(c for _, c in xs)
            print(f"{'pyman ' + name:16} wall {wall * 1000:6.2f} ms ({wall / base_wall:4.2f}x)   "
                  f"cpu {cpu * 1000:6.2f} ms ({cpu / base_cpu:4.2f}x)")
    finally:
        cleanup()


if __name__ == "__main__":
    main()

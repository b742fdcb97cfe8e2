#!/usr/bin/env python3
"""Creating a venv: `pyman venv` against `uv venv` and `python -m venv`,
without pip and with it, from the same CPython: once as pyenv installed it
(an interpreter pyman discovered), once installed by pyman (managed).

    python3 bench/venv_bench.py [--runs 20] [--no-build] [--dir /dev/shm]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

import hashlib

from common import build_archive, interpreter_and_pyman, pyenv_root, tempdir


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--dir")
    args = ap.parse_args()
    version, prefix, pyman = interpreter_and_pyman(args.no_build)

    tmp, cleanup = tempdir("pyman-venv-bench-", args.dir)
    try:
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        python = os.path.join(prefix, "bin", "python3")
        env = {"HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYENV_ROOT": pyenv_root(),
               "PYMAN_HOME": os.path.join(tmp, "pyman"), "UV_CACHE_DIR": os.path.join(tmp, "uvcache"),
               "UV_PYTHON_DOWNLOADS": "never", "UV_NO_CONFIG": "1"}
        # uv --seed fetches pip from PyPI (then from its cache): keep TLS and proxy settings.
        for k in ("SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY",
                  "https_proxy", "http_proxy", "no_proxy"):
            if k in os.environ:
                env[k] = os.environ[k]
        subprocess.run([pyman, "rehash", "-q"], env=env, check=True)
        uv = shutil.which("uv")
        if not uv:
            subprocess.run([sys.executable, "-m", "venv", os.path.join(tmp, "uvenv")], check=True)
            subprocess.run([os.path.join(tmp, "uvenv/bin/pip"), "install", "-q", "uv"], check=True)
            uv = os.path.join(tmp, "uvenv/bin/uv")
        # The same CPython installed by pyman, from an archive of it.
        archive = build_archive(version, prefix, os.path.join(tmp, "archive"))
        sha = hashlib.sha256(open(archive, "rb").read()).hexdigest()
        subprocess.run([pyman, "install", "-q", archive, "--sha256", sha], env=env, check=True)
        managed = os.path.join(tmp, "pyman", "pythons", f"cpython-{version}-linux-x86_64-gnu", "bin", "python3")
        pythons = {"discovered (pyenv)": python, "managed (pyman)": managed}
        tools = {
            "pyman": lambda py, d, pip: [pyman, "venv", "-q", "--python", py, d] + ([] if pip else ["--without-pip"]),
            "uv": lambda py, d, pip: [uv, "venv", "-q", "--python", py, d] + (["--seed"] if pip else []),
            "python -m venv": lambda py, d, pip: [py, "-m", "venv", d] + ([] if pip else ["--without-pip"]),
        }
        # Warm uv's cache of pip, so its seeded runs are not timed downloading.
        subprocess.run(tools["uv"](python, os.path.join(tmp, "warm"), True), env=env, cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for kind, py in pythons.items():
            for pip in (False, True):
                runs = args.runs if not pip else max(3, args.runs // 4)
                times = {name: [] for name in tools}
                for i in range(runs):
                    for name, cmd in tools.items():
                        d = os.path.join(tmp, f"v-{name.replace(' ', '_')}-{pip}-{i}")
                        t = time.perf_counter()
                        subprocess.run(cmd(py, d, pip), env=env, cwd=tmp, check=True,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                        times[name].append(time.perf_counter() - t)
                        shutil.rmtree(d, ignore_errors=True)
                label = "with pip" if pip else "without pip"
                print(f"{kind} interpreter, venv {label}, {runs} runs:")
                for name, xs in times.items():
                    print(f"  {name:15} median {statistics.median(xs) * 1000:8.1f} ms")
                ratio = statistics.median(times["pyman"]) / statistics.median(times["uv"])
                print(f"  pyman/uv: {ratio:.2f} (below 1: pyman is faster)")
    finally:
        cleanup()


if __name__ == "__main__":
    main()

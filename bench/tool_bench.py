#!/usr/bin/env python3
"""What `pyman tool install` costs beyond pip's own time.

One local wheel with a console script and one dependency, installed (no
index) by:
  - `pyman tool install` (fresh each run: uninstalled between runs, untimed);
  - by hand: `python -m venv` + `pip install`, which is what pipx does;
  - pip alone, into a venv made beforehand (untimed): pip's own time;
  - `uv tool install`, where uv is on PATH (or with --install-peers, from PyPI).
pyman's own cost is its time minus pip alone's.

    python3 bench/tool_bench.py [--runs 10] [--install-peers] [--no-build]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile

from common import interpreter_and_pyman, pyenv_root, tempdir


def wheel(dir, name, version, script=None, requires=()):
    module = name.replace("-", "_")
    dist = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": "def main():\n    print('hello')\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    if script:
        files[f"{dist}/entry_points.txt"] = f"[console_scripts]\n{script} = {module}:main\n"
    path = os.path.join(dir, f"{module}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w") as z:
        for n, body in files.items():
            z.writestr(n, body)
        z.writestr(f"{dist}/RECORD", "".join(f"{n},,\n" for n in files) + f"{dist}/RECORD,,\n")
    return path


def timed(cmd, env, cwd, before=None, after=None):
    if before:
        before()
    t = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    if after:
        after()
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--install-peers", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    version, prefix, pyman = interpreter_and_pyman(args.no_build)
    python = os.path.join(prefix, "bin/python3")
    tmp, cleanup = tempdir("pyman-toolbench-", "/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        wheels = os.path.join(tmp, "wheels")
        os.makedirs(wheels)
        wheel(wheels, "bench-dep", "1.0")
        wheel(wheels, "bench-tool", "1.0", script="bench-tool", requires=["bench-dep"])
        home, pyman_home = os.path.join(tmp, "home"), os.path.join(tmp, "pyman")
        os.makedirs(home)
        env = {"HOME": home, "PYMAN_HOME": pyman_home, "PYENV_ROOT": pyenv_root(),
               "PATH": f"{pyman_home}/shims:/usr/bin:/bin", "LANG": "C.UTF-8",
               "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": wheels, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        subprocess.run([pyman, "rehash"], env=env, cwd=tmp, check=True, stderr=subprocess.DEVNULL)
        subprocess.run([pyman, "pin", "--global", version], env=env, cwd=tmp, check=True, stderr=subprocess.DEVNULL)
        by_hand = os.path.join(tmp, "by-hand")
        alone = os.path.join(tmp, "alone")

        def fresh_alone():
            shutil.rmtree(alone, ignore_errors=True)
            subprocess.run([python, "-m", "venv", alone], check=True)

        variants = {
            "pyman tool install": lambda: timed(
                [pyman, "tool", "install", "bench-tool"], env, tmp,
                after=lambda: subprocess.run([pyman, "tool", "uninstall", "bench-tool"], env=env, cwd=tmp,
                                             check=True, stderr=subprocess.DEVNULL)),
            "venv + pip by hand": lambda: timed(
                ["sh", "-c", f"{python} -m venv {by_hand} && {by_hand}/bin/python -m pip install -q bench-tool"],
                env, tmp, after=lambda: shutil.rmtree(by_hand)),
            "pip alone": lambda: timed([f"{alone}/bin/python", "-m", "pip", "install", "-q", "--no-compile",
                                        "bench-tool"], env, tmp, before=fresh_alone),
        }
        uv = shutil.which("uv")
        if args.install_peers and not uv:
            subprocess.run([sys.executable, "-m", "venv", os.path.join(tmp, "uvenv")], check=True)
            subprocess.run([os.path.join(tmp, "uvenv/bin/pip"), "install", "-q", "uv"], check=True)
            uv = os.path.join(tmp, "uvenv/bin/uv")
        if uv:
            uenv = dict(env, UV_TOOL_DIR=os.path.join(tmp, "uvtools"), UV_TOOL_BIN_DIR=os.path.join(tmp, "uvbin"),
                        UV_CACHE_DIR=os.path.join(tmp, "uvcache"), UV_PYTHON_DOWNLOADS="never")
            variants["uv tool install"] = lambda: timed(
                [uv, "tool", "install", "--python", python, "--no-index", "--find-links", wheels, "bench-tool"],
                uenv, tmp,
                after=lambda: subprocess.run([uv, "tool", "uninstall", "bench-tool"], env=uenv, cwd=tmp,
                                             check=True, capture_output=True))
        samples = {name: [] for name in variants}
        for name, run in variants.items():
            run()  # warm-up
        for _ in range(args.runs):
            for name, run in variants.items():
                samples[name].append(run())
        med = {n: statistics.median(xs) * 1000 for n, xs in samples.items()}
        print(f"one local wheel with a dependency and a command, Python {version}, {args.runs} runs")
        for n, m in med.items():
            print(f"{n:20} {m:8.1f} ms  {m / med['pyman tool install']:5.2f}x pyman's")
        print(f"pyman's own cost beyond pip's: {med['pyman tool install'] - med['pip alone']:+.1f} ms")
    finally:
        cleanup()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""`pyman migrate` of a venv with 20 packages against the by-hand route.

Two pyenv interpreters (3.11 and 3.12, linked into a temporary pyenv root,
never modified), 20 small wheels built here, served by --find-links. Each
run starts from a fresh project on 3.11 with the 20 packages installed
(not timed), then times:

  pyman migrate 3.12
  by hand: pip freeze > req; python3.12 -m venv .venv-new; .venv-new/bin/pip install -r req
  pip alone: pip freeze, then `pip install --no-compile -r req` and `pip check`
             in a ready 3.12 venv (what pyman runs); the rest of pyman's time
             is its own work (venv build, plan, relocation, swap, pin)

    python3 bench/migrate_bench.py [--runs 3] [--no-build] [--dir /dev/shm]
"""

import argparse
import base64
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile

from common import RELEASE, build_release, pyenv_python, pyenv_root, tempdir


def wheel(directory, name, version="1.0"):
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = '{version}'\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist}/entry_points.txt": f"[console_scripts]\n{name}-cli = {name}:VERSION\n",
    }
    record = []
    with zipfile.ZipFile(os.path.join(directory, f"{name}-{version}-py3-none-any.whl"), "w") as z:
        for path, body in files.items():
            z.writestr(path, body)
            digest = base64.urlsafe_b64encode(hashlib.sha256(body.encode()).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(body)}")
        record.append(f"{dist}/RECORD,,")
        z.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")


def timed(cmd, env, cwd, shell=False):
    t = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, shell=shell,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--dir")
    args = ap.parse_args()
    old, new = pyenv_python("3.11"), pyenv_python("3.12")
    if not (old and new):
        sys.exit("needs pyenv CPython 3.11 and 3.12")
    pyman = os.path.join(RELEASE, "pyman") if args.no_build else build_release()[0]

    tmp, cleanup = tempdir("pyman-migrate-bench-", args.dir)
    try:
        root = os.path.join(tmp, "pyenv")
        os.makedirs(os.path.join(root, "versions"))
        for version, prefix in (old, new):
            os.symlink(prefix, os.path.join(root, "versions", version))
        wheels = os.path.join(tmp, "wheels")
        os.makedirs(wheels)
        names = [f"pkg{i:02d}" for i in range(20)]
        for n in names:
            wheel(wheels, n)
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        env = {"HOME": home, "PYMAN_HOME": os.path.join(tmp, "pyman"), "PYENV_ROOT": root,
               "PATH": f"{tmp}/pyman/shims:/usr/bin:/bin", "LANG": "C.UTF-8", "PYMAN_INDEX_TTL": "never",
               "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": wheels, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        subprocess.run([pyman, "rehash"], env=env, check=True, stderr=subprocess.DEVNULL)
        new_python = os.path.join(new[1], "bin", "python3")

        def fresh(i, label):
            proj = os.path.join(tmp, f"{label}{i}")
            os.makedirs(proj)
            subprocess.run([pyman, "pin", "3.11"], env=env, cwd=proj, check=True, stderr=subprocess.DEVNULL)
            subprocess.run([os.path.join(proj, ".venv/bin/pip"), "install", "-q"] + names,
                           env=env, cwd=proj, check=True)
            return proj

        results = {"pyman migrate": [], "by hand": [], "pip alone": []}
        for i in range(args.runs):
            proj = fresh(i, "p")
            results["pyman migrate"].append(timed([pyman, "migrate", "3.12"], env, proj))
            proj = fresh(i, "h")
            results["by hand"].append(timed(
                f".venv/bin/pip freeze > req.txt && {new_python} -m venv .venv-new && "
                ".venv-new/bin/pip install -q -r req.txt", env, proj, shell=True))
            proj = fresh(i, "a")
            subprocess.run([pyman, "venv", "--python", "3.12", ".venv-new"], env=env, cwd=proj, check=True,
                           stderr=subprocess.DEVNULL)
            results["pip alone"].append(timed(
                ".venv/bin/python -m pip freeze --exclude pip > req.txt && "
                ".venv-new/bin/python -m pip install --no-compile -r req.txt && .venv-new/bin/python -m pip check",
                env, proj, shell=True))
        print(f"migrate a venv with 20 packages from {old[0]} to {new[0]}, {args.runs} runs, local wheels")
        for label, xs in results.items():
            print(f"{label:14} median {statistics.median(xs):6.3f}s  min {min(xs):6.3f}s")
        own = statistics.median(results["pyman migrate"]) - statistics.median(results["pip alone"])
        print(f"pyman's own work outside pip: {own * 1000:.0f} ms")
        ratio = statistics.median(results["by hand"]) / statistics.median(results["pyman migrate"])
        print(f"by hand / pyman: {ratio:.2f} (above 1: pyman is faster)")
    finally:
        cleanup()


if __name__ == "__main__":
    main()

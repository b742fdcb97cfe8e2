#!/usr/bin/env python3
"""The client suite: the real tools developers use, run through pyman's shims.

Installs pinned versions of uv, pdm, tox, pipx and virtualenv from the package
index once (into a cached folder), then, with pyman's shims first on PATH, a
custom PYMAN_HOME and this machine's pyenv interpreters (3.11, 3.12, 3.13):

- `uv venv` and `uv venv -p 3.13` in a project pinned to 3.12, `uv pip install`;
- `pdm use 3.13` in a project without `.venv`: its environment is the
  project's, never pyman's default venv;
- tox with `envlist = py311,py312,py313` and `PYMAN_HOME` not passed on;
- pipx with its uv backend and `--python python3.13`;
- virtualenv `-p 3.13`;
- `pyman tool install` of two real applications: pycowsay (an entry point)
  and ruff (a binary shipped as a file), run through their commands.

Packages inside the environments come from wheels this script builds
(`PIP_NO_INDEX`, `PIP_FIND_LINKS`; uv's `--offline --find-links`). Where the
index cannot be reached it prints SKIPPED with the reason and exits 0.

    python3 tests/clients/run.py [--pyman target/debug/pyman]
"""

import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = ["uv==0.13.9", "pdm==2.29.4", "tox==4.67.15", "pipx==1.18.4", "virtualenv==21.15.11"]
# Real applications for `pyman tool`: one with an entry point, one whose
# command is a binary shipped as a file (not an entry point). Their wheels
# are downloaded once with the tools.
APPS = ["pycowsay==0.0.0.2", "ruff==0.6.9"]
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "pyman-clients",
                     "-".join(t.replace("==", "") for t in TOOLS + APPS))

failures = []
passed = 0


def check(name, ok, detail=""):
    global passed
    if ok:
        passed += 1
        print(f"ok      {name}")
    else:
        failures.append(name)
        print(f"FAILED  {name}\n{detail}")


def run(cmd, env, cwd, timeout=300):
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def tools_venv():
    """The tools, installed once per pinned set; None (with the reason) if the index is unreachable."""
    bin_dir = os.path.join(CACHE, "bin")
    if os.path.exists(os.path.join(CACHE, ".complete")):
        return bin_dir, None
    shutil.rmtree(CACHE, ignore_errors=True)
    os.makedirs(os.path.dirname(CACHE), exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", CACHE], check=True)
    p = subprocess.run([os.path.join(bin_dir, "pip"), "install", "-q", "--disable-pip-version-check"] + TOOLS,
                       capture_output=True, text=True, timeout=900)
    if p.returncode == 0:
        p = subprocess.run([os.path.join(bin_dir, "pip"), "download", "-q", "--disable-pip-version-check",
                            "--only-binary", ":all:", "--python-version", "3.12", "-d", os.path.join(CACHE, "apps")]
                           + APPS, capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        shutil.rmtree(CACHE, ignore_errors=True)
        text = p.stdout + p.stderr
        # Only an unreachable index is a reason to skip; any other failure
        # to install the pinned tools is a failure of this suite.
        unreachable = any(m in text for m in (
            "NewConnectionError", "Temporary failure in name resolution", "Network is unreachable",
            "Connection refused", "Max retries exceeded", "ConnectTimeout", "ReadTimeoutError"))
        if not unreachable:
            sys.exit(f"clients: the pinned tools did not install:\n{text}")
        return None, text.strip().splitlines()[-1:] or ["pip failed"]
    open(os.path.join(CACHE, ".complete"), "w").close()
    return bin_dir, None


def wheel(directory, name):
    """A pure wheel `name` 1.0 with a module of the same name."""
    dist = f"{name}-1.0.dist-info"
    files = {f"{name}.py": "VALUE = 42\ndef main():\n    print('localpkg', VALUE)\n",
             f"{dist}/entry_points.txt": f"[console_scripts]\n{name} = {name}:main\n",
             f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    path = os.path.join(directory, f"{name}-1.0-py3-none-any.whl")
    record = []
    with zipfile.ZipFile(path, "w") as z:
        for f, body in files.items():
            data = body.encode()
            z.writestr(f, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{f},sha256={digest},{len(data)}")
        record.append(f"{dist}/RECORD,,")
        z.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")
    return path


def pyenv_versions():
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = {}
    for name in sorted(os.listdir(os.path.join(root, "versions"))) if os.path.isdir(os.path.join(root, "versions")) else []:
        parts = name.split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            found[".".join(parts[:2])] = os.path.join(root, "versions", name)
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pyman", default=os.path.join(ROOT, "target", "debug", "pyman"))
    args = ap.parse_args()
    # Commands run from temporary folders: a relative path would not resolve.
    args.pyman = os.path.abspath(args.pyman)
    if not os.path.isfile(args.pyman):
        print(f"clients: the pyman binary `{args.pyman}` does not exist (build it with `cargo build`)")
        return 1
    versions = pyenv_versions()
    missing = [m for m in ("3.11", "3.12", "3.13") if m not in versions]
    if missing:
        print(f"SKIPPED (client suite): needs pyenv's CPython {', '.join(missing)}")
        return 0
    bin_dir, why = tools_venv()
    if bin_dir is None:
        print(f"SKIPPED (client suite): the package index cannot be reached to install {' '.join(TOOLS)}: {why}")
        return 0

    tmp = tempfile.mkdtemp(prefix="pyman-clients-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        home = os.path.join(tmp, "home")
        pyman_home = os.path.join(tmp, "custom-pyman-home")
        pyenv_root = os.path.join(tmp, "pyenv")
        os.makedirs(os.path.join(pyenv_root, "versions"))
        os.makedirs(home)
        for minor in ("3.11", "3.12", "3.13"):
            prefix = versions[minor]
            os.symlink(prefix, os.path.join(pyenv_root, "versions", os.path.basename(prefix)))
        wheels = os.path.join(tmp, "wheels")
        os.makedirs(wheels)
        wheel(wheels, "localpkg")
        shims = os.path.join(pyman_home, "shims")
        # The tools' own launchers, but not their venv's python: only through pyman.
        tools_bin = os.path.join(tmp, "tools-bin")
        os.makedirs(tools_bin)
        for t in ("uv", "pdm", "tox", "pipx", "virtualenv"):
            os.symlink(os.path.join(bin_dir, t), os.path.join(tools_bin, t))
        env = {
            "HOME": home, "PYMAN_HOME": pyman_home, "PYENV_ROOT": pyenv_root, "LANG": "C.UTF-8",
            "PATH": os.pathsep.join([shims, tools_bin, "/usr/bin", "/bin"]),
            "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": wheels, "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "UV_OFFLINE": "1", "UV_PYTHON_DOWNLOADS": "never",
            "UV_CACHE_DIR": os.path.join(tmp, "uv-cache"), "PDM_CHECK_UPDATE": "false",
            "PIPX_HOME": os.path.join(tmp, "pipx"), "PIPX_BIN_DIR": os.path.join(tmp, "pipx-bin"),
            "PYMAN_INDEX_TTL": "never", "NO_COLOR": "1",
        }
        def site_files():
            out = {}
            for minor in ("3.11", "3.12", "3.13"):
                for dp, _, fs in os.walk(os.path.join(versions[minor], "lib")):
                    if "site-packages" in dp:
                        for f in fs:
                            p = os.path.join(dp, f)
                            out[p] = os.path.getmtime(p)
            return out
        before = site_files()
        code, out = run([args.pyman, "rehash"], env, tmp)
        check("pyman rehash", code == 0, out)
        default_venvs = os.path.join(pyman_home, "venvs")

        # uv in a project pinned to 3.12.
        proj = os.path.join(tmp, "uvproj")
        os.makedirs(proj)
        code, out = run([args.pyman, "pin", "3.12", "--no-venv"], env, proj)
        check("pyman pin 3.12 --no-venv", code == 0, out)
        code, out = run(["uv", "venv"], env, proj)
        check("uv venv (pinned 3.12)", code == 0 and "3.12" in out, out)
        code, out = run(["uv", "pip", "install", "--offline", "--find-links", wheels, "localpkg"], env, proj)
        check("uv pip install", code == 0, out)
        code, out = run(["python", "-c", "import localpkg, sys; print(localpkg.VALUE, sys.prefix)"], env, proj)
        check("uv's .venv is the project's (adopted by the shim)", code == 0 and "42" in out and ".venv" in out, out)
        code, out = run(["uv", "venv", "-p", "3.13", "v313"], env, proj)
        check("uv venv -p 3.13", code == 0 and "3.13" in out, out)

        # pdm in a project without .venv.
        pdmproj = os.path.join(tmp, "pdmproj")
        os.makedirs(pdmproj)
        open(os.path.join(pdmproj, "pyproject.toml"), "w").write(
            '[project]\nname = "demo"\nversion = "0.1"\nrequires-python = ">=3.11"\ndependencies = []\n')
        code, out = run(["pdm", "use", "-f", "3.13"], env, pdmproj)
        chosen = open(os.path.join(pdmproj, ".pdm-python")).read().strip() if os.path.exists(os.path.join(pdmproj, ".pdm-python")) else ""
        # What pdm recorded (a shim, or the venv it made from one) runs 3.13
        # in the project's own environment or the bare interpreter, never in
        # pyman's shared default venv.
        probe = "import sys; print(sys.version_info[:2] == (3, 13), sys.prefix)"
        where = run([chosen, "-c", probe], env, pdmproj)[1].strip() if chosen else ""
        prefix = where.split(" ", 1)[-1]
        check("pdm use 3.13: the project's own environment, never pyman's default venv",
              code == 0 and where.startswith("True")
              and (prefix.startswith(pdmproj) or prefix in (versions["3.13"], os.path.realpath(versions["3.13"])))
              and not prefix.startswith(default_venvs),
              f"{out}\n.pdm-python: {chosen}\nit runs: {where}")

        # tox with three Pythons and PYMAN_HOME not passed on.
        toxproj = os.path.join(tmp, "toxproj")
        os.makedirs(toxproj)
        open(os.path.join(toxproj, "tox.ini"), "w").write(
            "[tox]\nenvlist = py311,py312,py313\nskipsdist = true\n\n[testenv]\npass_env = PIP_*\n"
            "commands = python -c \"import sys; print('TOXPY', sys.version_info[:2])\"\n")
        code, out = run(["tox", "-q"], env, toxproj, timeout=600)
        check("tox py311,py312,py313 with a custom PYMAN_HOME",
              code == 0 and all(f"TOXPY (3, {m})" in out for m in (11, 12, 13)), out)

        # pipx with the uv backend and --python python3.13.
        code, out = run(["pipx", "install", "--backend", "uv", "--python", "python3.13", "--pip-args=--no-index",
                         os.path.join(wheels, "localpkg-1.0-py3-none-any.whl")], env, tmp, timeout=600)
        cfg_path = os.path.join(tmp, "pipx", "venvs", "localpkg", "pyvenv.cfg")
        cfg = open(cfg_path).read() if os.path.exists(cfg_path) else ""
        check("pipx --backend uv --python python3.13", code == 0 and "3.13" in cfg, f"{out}\npyvenv.cfg: {cfg}")

        # virtualenv -p 3.13.
        code, out = run(["virtualenv", "-p", "3.13", os.path.join(tmp, "ve313")], env, tmp)
        check("virtualenv -p 3.13", code == 0, out)
        code, out = run([os.path.join(tmp, "ve313", "bin", "python"), "-c", "import sys; print(sys.version_info[:2])"], env, tmp)
        check("virtualenv's venv runs 3.13", code == 0 and "(3, 13)" in out, out)
        # Real applications in their own venvs, from wheels fetched once.
        aenv = dict(env, PIP_FIND_LINKS=os.path.join(CACHE, "apps"))
        code, out = run([args.pyman, "tool", "install", "--python", "3.12"] + [a.split("==")[0] for a in APPS],
                        aenv, tmp, timeout=600)
        check("pyman tool install pycowsay ruff", code == 0, out)
        code, out = run(["pycowsay", "moo"], aenv, tmp)
        check("pycowsay (an entry point) runs from its tool venv", code == 0 and "moo" in out, out)
        code, out = run(["ruff", "--version"], aenv, tmp)
        check("ruff (a binary shipped as a file) runs from its tool venv", code == 0 and "0.6.9" in out, out)
        code, out = run([args.pyman, "tool", "list", "--json"], aenv, tmp)
        check("pyman tool list names both", code == 0 and '"pycowsay"' in out and '"ruff"' in out, out)
        check("pyenv's interpreters are untouched", site_files() == before)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"clients: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

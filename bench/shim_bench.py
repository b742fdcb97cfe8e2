#!/usr/bin/env python3
"""How much does a shim add to `python -c pass`?

pyman's shim against running the venv's interpreter directly, beside pyenv's
shim, mise's shim and `uv run` where they are installed (or, with
--install-peers, fetched from PyPI and npm into a temporary folder).
The project has its version file three folders up and a project venv.
`pyman true` is the fall-through path: a shim named like a system command
the environment lacks, which runs /usr/bin/true.

    python3 bench/shim_bench.py [--runs 300] [--install-peers] [--no-build]
"""

import argparse
import os
import shutil
import subprocess
import sys

from common import interpreter_and_pyman, max_rss_kib, median_ms, pyenv_root, tempdir, time_commands


def install_peers(tmp):
    """uv from PyPI, mise from npm, into `tmp`; returns their paths (or None)."""
    uv = mise = None
    try:
        subprocess.run([sys.executable, "-m", "venv", os.path.join(tmp, "uvenv")], check=True)
        subprocess.run([os.path.join(tmp, "uvenv/bin/pip"), "install", "-q", "uv"], check=True)
        uv = os.path.join(tmp, "uvenv/bin/uv")
    except subprocess.CalledProcessError as e:
        print(f"uv not installed: {e}", file=sys.stderr)
    try:
        subprocess.run(["npm", "install", "-g", "--silent", "--prefix", os.path.join(tmp, "npm"), "mise"],
                       check=True, stdout=subprocess.DEVNULL)
        mise = os.path.join(tmp, "npm/bin/mise")
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        print(f"mise not installed: {e}", file=sys.stderr)
    return uv, mise


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--install-peers", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()

    version, prefix, pyman = interpreter_and_pyman(args.no_build)

    tmp, cleanup = tempdir("pyman-bench-")
    try:
        home, pyman_home = os.path.join(tmp, "home"), os.path.join(tmp, "pyman")
        proj = os.path.join(tmp, "proj")
        cwd = os.path.join(proj, "a", "b", "c")
        os.makedirs(cwd)
        os.makedirs(home)
        with open(os.path.join(proj, ".python-version"), "w") as f:
            f.write(version + "\n")
        subprocess.run([os.path.join(prefix, "bin/python3"), "-m", "venv", "--without-pip", os.path.join(proj, ".venv")], check=True)
        shims = os.path.join(pyman_home, "shims")
        env = {"HOME": home, "PYMAN_HOME": pyman_home, "PYENV_ROOT": pyenv_root(),
               "PATH": f"{shims}:/usr/bin:/bin", "LANG": "C.UTF-8"}
        subprocess.run([pyman, "rehash"], env=env, cwd=cwd, check=True, stderr=subprocess.DEVNULL)

        # A named environment selected by its name (pyenv-virtualenv's way):
        # the lookup runs only for a line that is not a version.
        named = os.path.join(pyman_home, "envs", "benchenv")
        subprocess.run([os.path.join(prefix, "bin/python3"), "-m", "venv", "--without-pip", named], check=True)
        env_proj = os.path.join(tmp, "envproj", "a", "b", "c")
        os.makedirs(env_proj)
        with open(os.path.join(tmp, "envproj", ".python-version"), "w") as f:
            f.write("benchenv\n")

        # A tool's command (`pyman tool install`): its console script in its
        # own venv, found through `tools/commands/NAME`.
        tool_venv = os.path.join(pyman_home, "tools", "benchtool")
        subprocess.run([os.path.join(prefix, "bin/python3"), "-m", "venv", "--without-pip", tool_venv], check=True)
        tool_script = os.path.join(tool_venv, "bin", "benchtool")
        with open(tool_script, "w") as f:
            f.write(f"#!{tool_venv}/bin/python\nimport sys\n")
        os.chmod(tool_script, 0o755)
        os.makedirs(os.path.join(pyman_home, "tools", "commands"))
        with open(os.path.join(pyman_home, "tools", "commands", "benchtool"), "w") as f:
            f.write("benchtool\n")
        subprocess.run([pyman, "rehash"], env=env, cwd=cwd, check=True, stderr=subprocess.DEVNULL)
        assert os.path.exists(os.path.join(shims, "benchtool")), "rehash made no shim for the tool's command"

        direct = os.path.join(proj, ".venv/bin/python")
        variants = {
            "direct": ([direct, "-c", "pass"], env, cwd),
            # One bare exec hop: what any launcher costs at the least.
            "env hop": (["/usr/bin/env", direct, "-c", "pass"], env, cwd),
            "pyman": ([os.path.join(shims, "python"), "-c", "pass"], env, cwd),
            "pyman env": ([os.path.join(shims, "python"), "-c", "pass"], env, env_proj),
        }
        # Fall-through: a shim whose name the environment lacks (a console
        # script named like a system command) runs the next one on PATH.
        variants["tool direct"] = ([tool_script], env, cwd)
        variants["tool hop"] = (["/usr/bin/env", tool_script], env, cwd)
        variants["pyman tool"] = ([os.path.join(shims, "benchtool")], env, cwd)
        system_true = shutil.which("true", path="/usr/bin:/bin")
        if system_true:
            shim_true = os.path.join(shims, "true")
            os.link(os.path.join(shims, "python"), shim_true)
            variants["true"] = ([system_true], env, cwd)
            variants["pyman true"] = ([shim_true], env, cwd)
        pyenv_shim = os.path.join(pyenv_root(), "shims", "python")
        if os.path.exists(pyenv_shim):
            penv = dict(env, PATH=f"{pyenv_root()}/shims:{pyenv_root()}/bin:/usr/bin:/bin")
            variants["pyenv"] = ([pyenv_shim, "-c", "pass"], penv, cwd)
        uv, mise = shutil.which("uv"), shutil.which("mise")
        if args.install_peers:
            uv, mise = install_peers(tmp)
        if uv:
            uenv = dict(env, UV_CACHE_DIR=os.path.join(tmp, "uvcache"), UV_PYTHON_DOWNLOADS="never")
            variants["uv run"] = ([uv, "run", "--no-project", "--python", os.path.join(prefix, "bin/python3"),
                                   "python", "-c", "pass"], uenv, cwd)
        if mise:
            mdata = os.path.join(tmp, "mise")
            menv = dict(env, MISE_DATA_DIR=mdata, MISE_CONFIG_DIR=os.path.join(tmp, "misecfg"),
                        MISE_CACHE_DIR=os.path.join(tmp, "misecache"), MISE_YES="1",
                        PATH=f"{mdata}/shims:/usr/bin:/bin")
            # mise runs interpreters it installed: present pyenv's as one of them.
            os.makedirs(os.path.join(mdata, "installs", "python"), exist_ok=True)
            os.symlink(prefix, os.path.join(mdata, "installs", "python", version))
            with open(os.path.join(proj, ".tool-versions"), "w") as f:
                f.write(f"python {version}\n")
            ok = subprocess.run([mise, "trust", proj], env=menv, cwd=cwd, capture_output=True).returncode == 0
            ok = ok and subprocess.run([mise, "reshim"], env=menv, cwd=cwd, capture_output=True).returncode == 0
            mshim = os.path.join(mdata, "shims", "python")
            if ok and os.path.exists(mshim) and subprocess.run([mshim, "-c", "pass"], env=menv, cwd=cwd,
                                                               capture_output=True).returncode == 0:
                variants["mise"] = ([mshim, "-c", "pass"], menv, cwd)
            else:
                print("mise shim could not be set up; skipped", file=sys.stderr)

        print(f"python -c pass through each, {args.runs} runs, version file 3 folders up, project venv", file=sys.stderr)
        samples = time_commands(variants, args.runs)
        print(f"{'':10} {'median':>9} {'added':>9} {'ratio':>7} {'max RSS':>9}")
        for name, xs in samples.items():
            # The fall-through compares with the command it falls through to.
            base = median_ms(samples["true" if name.endswith("true") else
                                     "tool direct" if name.startswith("tool") or name.endswith("tool")
                                     else "direct"])
            m = median_ms(xs)
            rss = max_rss_kib(*variants[name])
            rss_s = f"{rss / 1024:.1f} MiB" if rss else "-"
            print(f"{name:10} {m:8.2f}ms {m - base:+8.2f}ms {m / base:6.2f}x {rss_s:>9}")
        base = median_ms(samples["direct"])
        if "pyman true" in samples:
            through = median_ms(samples["pyman true"]) - median_ms(samples["true"])
            print(f"pyman's fall-through (a `true` shim to /usr/bin/true) adds {through:.2f} ms")
        if "pyman" in samples:
            added = median_ms(samples["pyman"]) - base
            hop = median_ms(samples["env hop"]) - base
            print(f"pyman's shim adds {added - hop:+.2f} ms over one bare exec hop (/usr/bin/env: {hop:+.2f} ms)")
            if "pyman tool" in samples:
                tool_added = median_ms(samples["pyman tool"]) - median_ms(samples["tool hop"])
                print(f"a tool's command adds {tool_added:+.2f} ms over one bare exec hop to its script")
            if "pyman env" in samples:
                named_added = median_ms(samples["pyman env"]) - base
                print(f"a named environment adds {named_added - hop:+.2f} ms over one bare exec hop")
            for peer in ("pyenv", "mise", "uv run"):
                if peer in samples:
                    peer_added = median_ms(samples[peer]) - base
                    print(f"pyman adds {added:.2f} ms; {peer} adds {peer_added:.2f} ms "
                          f"({peer_added / max(added, 0.001):.0f}x pyman's overhead)")
    finally:
        cleanup()


if __name__ == "__main__":
    main()

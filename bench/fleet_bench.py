#!/usr/bin/env python3
"""A fleet of 16 homes installing one Python from an nginx mirror.

Builds a real-size python-build-standalone archive from a pyenv CPython,
makes a mirror folder of it with `pyman mirror`, serves that folder with
nginx on 127.0.0.1, then times, each from a clean state:

  pyman, shared cache   16 concurrent installs, one PYMAN_CACHE_DIR
  pyman, no cache       16 concurrent installs, --no-cache
  pyman, 16 in a row    16 installs one after another from a warm cache
  uv                    16 concurrent `uv python install`, one UV_CACHE_DIR
                        and UV_PYTHON_CACHE_DIR, through UV_PYTHON_INSTALL_MIRROR

and counts, from nginx's access log, how many times the archive was sent.

    python3 bench/fleet_bench.py [--homes 16] [--no-build] [--dir /dev/shm]
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time

from common import build_archive, downloads_json, interpreter_and_pyman, sha256_of, tempdir
from install_bench import serve


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(root, work):
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin:/usr/local/sbin")
    if not nginx:
        sys.exit("needs nginx (apt-get install nginx-light)")
    port = free_port()
    log = os.path.join(work, "access.log")
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off; master_process off; worker_processes 1;
error_log {work}/error.log; pid {work}/nginx.pid;
events {{ worker_connections 512; }}
http {{ access_log {log}; default_type application/octet-stream;
  client_body_temp_path {work}/b; proxy_temp_path {work}/p; fastcgi_temp_path {work}/f;
  uwsgi_temp_path {work}/u; scgi_temp_path {work}/s;
  server {{ listen 127.0.0.1:{port}; root {root}; }} }}
""")
    proc = subprocess.Popen([nginx, "-p", work, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.01)
    return proc, f"http://127.0.0.1:{port}", log


def archive_sends(log, name):
    """Requests of the archive nginx answered with 200 since the log was cleared."""
    quoted = name.replace("+", "%2B")
    with open(log) as f:
        return sum(1 for line in f if (quoted in line or name in line) and '" 200 ' in line)


def run_all(cmds):
    """Starts every (cmd, env) at once; returns the wall time."""
    t = time.perf_counter()
    procs = [subprocess.Popen(c, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c, e in cmds]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            sys.exit(f"failed: {err.decode(errors='replace')}")
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--homes", type=int, default=16)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--dir", help="where homes live (e.g. /dev/shm to time the tools, not the disk)")
    args = ap.parse_args()
    version, prefix, pyman = interpreter_and_pyman(args.no_build)

    tmp, cleanup = tempdir("pyman-fleet-bench-", args.dir)
    nginx = None
    try:
        srv = os.path.join(tmp, "srv")
        os.makedirs(srv)
        archive = build_archive(version, prefix, srv)
        name = os.path.basename(archive)
        size = os.path.getsize(archive)
        server, base = serve(srv)
        downloads_json(srv, version, f"{base}/{name}", sha256_of(archive))
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        env = {"HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYMAN_INDEX_TTL": "never"}
        mirror = os.path.join(tmp, "mirror")
        subprocess.run([pyman, "mirror", mirror, version, "--downloads-json", f"{base}/downloads.json", "--no-cache"],
                       env=dict(env, PYMAN_HOME=os.path.join(tmp, "pm")), check=True, stderr=subprocess.DEVNULL)
        server.shutdown()
        work = os.path.join(tmp, "nginx")
        os.makedirs(work)
        nginx, url, log = start_nginx(mirror, work)
        downloads = os.path.join(mirror, "downloads.json")

        def pyman_fleet(label, cache, extra, concurrent=True):
            run = os.path.join(tmp, label.replace(" ", "-").replace(",", ""))
            cmds = []
            for i in range(args.homes):
                e = dict(env, PYMAN_HOME=os.path.join(run, str(i)), PYMAN_CACHE_DIR=cache)
                cmds.append(([pyman, "install", version, "--downloads-json", downloads, "--mirror", url] + extra, e))
            open(log, "w").close()
            if concurrent:
                wall = run_all(cmds)
            else:
                wall = sum(run_all([c]) for c in cmds)
            sends = archive_sends(log, name)
            shutil.rmtree(run, ignore_errors=True)
            return wall, sends

        results = {}
        shared = os.path.join(tmp, "cache-shared")
        results["pyman, shared cache"] = pyman_fleet("shared", shared, [])
        results["pyman, no cache"] = pyman_fleet("nocache", os.path.join(tmp, "unused"), ["--no-cache"])
        # The goal's yardstick: 16 cached installs one after another.
        in_a_row = f"pyman, {args.homes} in a row (warm cache)"
        results[in_a_row] = pyman_fleet("serial", shared, [], concurrent=False)

        uv = shutil.which("uv")
        if not uv:
            subprocess.run([sys.executable, "-m", "venv", os.path.join(tmp, "uvenv")], check=True)
            subprocess.run([os.path.join(tmp, "uvenv/bin/pip"), "install", "-q", "uv"], check=True)
            uv = os.path.join(tmp, "uvenv/bin/uv")
        uv_version = subprocess.run([uv, "--version"], capture_output=True, text=True).stdout.strip()
        cmds = []
        for i in range(args.homes):
            run = os.path.join(tmp, "uv", str(i))
            e = dict(env, UV_PYTHON_INSTALL_DIR=os.path.join(run, "py"), UV_PYTHON_BIN_DIR=os.path.join(run, "bin"),
                     UV_CACHE_DIR=os.path.join(tmp, "uvcache"), UV_PYTHON_CACHE_DIR=os.path.join(tmp, "uvpycache"),
                     UV_PYTHON_INSTALL_MIRROR=url, UV_NO_CONFIG="1")
            cmds.append(([uv, "python", "install", version, "--python-downloads-json-url", downloads], e))
        open(log, "w").close()
        try:
            results[f"uv ({uv_version})"] = (run_all(cmds), archive_sends(log, name))
        except SystemExit as e:
            print(f"uv could not install from the mirror: {e}", file=sys.stderr)

        print(f"{args.homes} homes install CPython {version} ({size / 1e6:.1f} MB archive) from nginx on 127.0.0.1")
        print(f"{'':44} {'wall':>8} {'archive sent':>13}")
        for label, (wall, sends) in results.items():
            print(f"{label:44} {wall:7.2f}s {sends:>13}")
        fleet = results["pyman, shared cache"][0]
        serial = results[in_a_row][0]
        print(f"shared-cache fleet / {args.homes} cached installs in a row: {fleet / serial:.2f} (goal: at most 1)")
        for label, (wall, _) in results.items():
            if label.startswith("uv"):
                print(f"uv fleet / pyman fleet: {wall / fleet:.2f} (above 1: pyman is faster)")
    finally:
        if nginx:
            nginx.kill()
            nginx.wait()
        cleanup()


if __name__ == "__main__":
    main()

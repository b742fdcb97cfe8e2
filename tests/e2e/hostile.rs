//! Hostile inputs and shared state: names from servers that try to leave
//! the mirror folder, secrets in every error path, endless and huge release
//! files, HTML answers, cache folders other users write, state files that
//! are damaged. Tests that need a second user run as `nobody` through
//! `setpriv` (the suite runs as root) and say SKIPPED where they cannot.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Out, TestContext, pyman_bin};
use crate::fixtures;
use crate::server::{Fault, Server};

/// A tag newer than any in the embedded index.
const TAG: &str = "29990101";
const SECRET: &str = "PASSWORD";
const NOBODY: u32 = 65534;

fn arch() -> &'static str {
    std::env::consts::ARCH
}

fn asset(version: &str) -> String {
    format!(
        "cpython-{version}+{TAG}-{}-unknown-linux-gnu-install_only.tar.gz",
        arch()
    )
}

fn latest_json() -> Vec<u8> {
    format!(
        r#"{{"version":1,"tag":"{TAG}","release_url":"x","asset_url_prefix":"https://github.com/astral-sh/python-build-standalone/releases/download/{TAG}"}}"#
    )
    .into_bytes()
}

fn sha_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    fixtures::hex(&sha2::Sha256::digest(bytes))
}

/// This process's umask, as Linux reports it.
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("Umask:"))
        .and_then(|l| u32::from_str_radix(l.split_whitespace().nth(1)?, 8).ok())
        .unwrap_or(0o022)
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Every file and folder under `dir`, except under `skip`.
fn listing(dir: &Path, skip: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.starts_with(skip) {
                continue;
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn pyman_mirror_writes_nothing_outside_its_folder() {
    let mut ctx = TestContext::new();
    let server = Server::start();
    let good = asset("3.12.98");
    let body: std::sync::Arc<Vec<u8>> = b"the archive's bytes".to_vec().into();
    let sha = sha_hex(&body);
    // The first escapes through a decoded CPU level, the second with a
    // plain path: both must be refused, never joined to the folder.
    let hostile = [
        format!(
            "cpython-3.12.99+{TAG}-x86_64_v3%2F..%2F..%2F..%2FESCAPED-unknown-linux-gnu-install_only.tar.gz"
        ),
        format!(
            "cpython-3.12.99+{TAG}-x86_64_v3/../../../ESCAPED2-unknown-linux-gnu-install_only.tar.gz"
        ),
    ];
    let mut sums = format!("{sha}  {good}\n");
    for h in &hostile {
        sums.push_str(&format!("{sha}  {h}\n"));
        server.add(&format!("{TAG}/{}", h.replace('+', "%2B")), body.clone());
    }
    server.add(&format!("{TAG}/{}", good.replace('+', "%2B")), body.clone());
    server.add(&format!("{TAG}/SHA256SUMS"), sums.into_bytes().into());
    server.add("latest-release.json", latest_json().into());
    ctx.set_env("PYMAN_MIRROR", &server.url);
    ctx.set_env("PYMAN_INDEX_TTL", "3600");

    let mirror = ctx.work.join("mirror");
    let before = listing(&ctx.root, &mirror);
    let platform = format!("linux-{}-gnu", arch());
    ctx.pyman("", &["mirror", "mirror", "3.12", "--platform", &platform])
        .ok();
    let mut after = listing(&ctx.root, &mirror);
    after.retain(|p| !p.starts_with(&ctx.pyman_home) && !p.starts_with(ctx.root.join("home")));
    let mut before = before;
    before.retain(|p| !p.starts_with(&ctx.pyman_home) && !p.starts_with(ctx.root.join("home")));
    assert_eq!(before, after, "nothing appeared outside the mirror folder");
    for name in ["ESCAPED", "ESCAPED2"] {
        assert!(
            listing(&ctx.root, Path::new("/nonexistent"))
                .iter()
                .all(|p| !p.to_string_lossy().contains(name)),
            "no {name} file anywhere"
        );
    }
    // The one real asset is there, verified, readable by a web server that
    // runs as its own user (the umask's mode, not 0600).
    let held = mirror.join(TAG).join(&good);
    assert_eq!(std::fs::read(&held).unwrap(), *body);
    let want = 0o666 & !umask();
    for f in [
        held,
        mirror.join(TAG).join("SHA256SUMS"),
        mirror.join("latest-release.json"),
        mirror.join("downloads.json"),
    ] {
        assert_eq!(mode(&f), want, "{}", f.display());
    }
    assert_eq!(
        std::fs::read_dir(mirror.join(TAG)).unwrap().count(),
        2,
        "the archive and SHA256SUMS, nothing else (no temporary files)"
    );
}

#[test]
fn a_hostile_release_tag_in_a_downloads_json_is_refused() {
    let ctx = TestContext::new();
    let server = Server::start();
    let body: std::sync::Arc<Vec<u8>> = b"bytes".to_vec().into();
    let url = server.add("x/cpython.tar.gz", body.clone());
    let entry = fixtures::index_entry("3.12.98", "linux", "gnu", &url, Some(&sha_hex(&body)))
        .replace(
            "\"build\":\"20250101\"",
            "\"build\":\"../../../ESCAPED-TAG\"",
        );
    let json = server.add(
        "downloads.json",
        fixtures::downloads_json(&[entry]).into_bytes().into(),
    );
    let platform = format!("linux-{}-gnu", arch());
    let out = ctx.pyman(
        "",
        &[
            "mirror",
            "m",
            "3.12",
            "--platform",
            &platform,
            "--downloads-json",
            &json,
        ],
    );
    out.code(1)
        .stderr_has("refusing the build")
        .stderr_has("not a plain file name");
    assert_eq!(server.hits("x/cpython.tar.gz"), 0, "nothing was fetched");
    assert!(
        listing(&ctx.root, Path::new("/nonexistent"))
            .iter()
            .all(|p| !p.to_string_lossy().contains("ESCAPED")),
    );
}

/// Every output of `out` is free of the secret.
#[track_caller]
fn no_secret(out: &Out) {
    assert!(
        !out.stdout.contains(SECRET) && !out.stderr.contains(SECRET),
        "the password was printed\n{out}"
    );
}

#[test]
fn no_error_path_prints_a_password() {
    let ctx = TestContext::new();
    let server = Server::start();
    let authed = server
        .url
        .replace("http://", &format!("http://ci:{SECRET}@"));
    // A release whose SHA256SUMS is garbage.
    server.add("latest-release.json", latest_json().into());
    server.add(
        &format!("{TAG}/SHA256SUMS"),
        b"<html>oops</html>\n".to_vec().into(),
    );
    let out = ctx.pyman_env(
        "",
        &["-v", "list", "--available"],
        &[("PYMAN_MIRROR", authed.as_str()), ("PYMAN_INDEX_TTL", "0")],
    );
    out.ok().stderr_has("SHA256SUMS");
    no_secret(&out);

    // An invalid downloads JSON behind credentials.
    server.add("bad.json", b"{not json".to_vec().into());
    let out = ctx.pyman(
        "",
        &[
            "list",
            "--available",
            "--downloads-json",
            &format!("{authed}/bad.json"),
        ],
    );
    out.code(2).stderr_has("bad.json");
    no_secret(&out);

    // "No build of …" names the index; a build URL carries the mirror's
    // credentials into the download and its errors (404, HTML, checksum).
    let gh =
        format!("https://github.com/astral-sh/python-build-standalone/releases/download/{TAG}");
    let body = b"not an archive".to_vec();
    let entries = [
        fixtures::index_entry(
            "3.12.97",
            "linux",
            "gnu",
            &format!("{gh}/missing.tar.gz"),
            Some(&"a".repeat(64)),
        ),
        fixtures::index_entry(
            "3.12.96",
            "linux",
            "gnu",
            &format!("{gh}/page.tar.gz"),
            Some(&sha_hex(&body)),
        ),
        fixtures::index_entry(
            "3.12.95",
            "linux",
            "gnu",
            &format!("{gh}/wrong.tar.gz"),
            Some(&"b".repeat(64)),
        ),
    ];
    server.add(&format!("{TAG}/page.tar.gz"), body.clone().into());
    server.fail_always(&format!("{TAG}/page.tar.gz"), Fault::Html);
    server.add(&format!("{TAG}/wrong.tar.gz"), body.into());
    server.add(
        "good.json",
        fixtures::downloads_json(&entries).into_bytes().into(),
    );
    let json = format!("{authed}/good.json");
    let install = |version: &str| {
        ctx.pyman(
            "",
            &[
                "install",
                version,
                "--downloads-json",
                &json,
                "--mirror",
                &authed,
                "--no-cache",
            ],
        )
    };
    let out = install("3.99");
    out.code(1).stderr_has("no build of Python `3.99`");
    no_secret(&out);
    let out = install("3.12.97");
    out.code(1).stderr_has("does not exist (HTTP 404)");
    no_secret(&out);
    let out = install("3.12.96");
    out.code(1).stderr_has("answered with an HTML page");
    no_secret(&out);
    let out = install("3.12.95");
    out.code(1).stderr_has("checksum mismatch");
    no_secret(&out);

    // An archive given by URL: its credentials are in no warning or error.
    let out = ctx.pyman(
        "",
        &["install", &format!("{authed}/no-such-archive.tar.gz")],
    );
    out.code(1)
        .stderr_has("installed unverified")
        .stderr_has("****@");
    no_secret(&out);

    // Plain http to another machine: refused before any connection.
    let out = ctx.pyman(
        "",
        &[
            "install",
            "3.12.97",
            "--downloads-json",
            &json,
            "--mirror",
            &format!("http://ci:{SECRET}@pbs.invalid/m"),
            "--no-cache",
        ],
    );
    out.code(1)
        .stderr_has("refusing to send credentials")
        .stderr_has("PYMAN_INSECURE_HOST=pbs.invalid:80");
    no_secret(&out);
}

#[test]
fn endless_and_huge_release_files_cost_a_bounded_read() {
    let ctx = TestContext::new();
    let server = Server::start();
    server.add("latest-release.json", latest_json().into());
    let line = format!("{}  junk-asset-name.tar.gz\n", "c".repeat(64));
    server.add(
        &format!("{TAG}/SHA256SUMS"),
        line.repeat(1000).into_bytes().into(),
    );
    server.fail_always(&format!("{TAG}/SHA256SUMS"), Fault::Endless);
    let env = [
        ("PYMAN_MIRROR", server.url.as_str()),
        ("PYMAN_INDEX_TTL", "0"),
    ];

    // GNU time reports the peak memory; where it is missing the run still
    // proves the read ends.
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.is_file() {
        let mut c = Command::new(time);
        c.arg("-f").arg("maxrss-kb=%M").arg(pyman_bin());
        c
    } else {
        crate::common::skip("memory bound only: /usr/bin/time is not installed");
        Command::new(pyman_bin())
    };
    cmd.args(["-v", "list", "--available"]).env_clear();
    for (k, v) in &ctx.env {
        cmd.env(k, v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = Out::from(cmd.current_dir(&ctx.work).output().unwrap());
    out.ok().stderr_has("larger than");
    if let Some(kb) = out
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("maxrss-kb="))
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        assert!(
            kb < 200 * 1024,
            "pyman grew to {kb} KiB on an endless SHA256SUMS"
        );
    }
    assert!(
        !ctx.pyman_home.join("cache/latest-release.json").exists(),
        "nothing of it was cached"
    );

    // 100 MB with its length announced: refused without reading it.
    let server2 = Server::start();
    server2.add("latest-release.json", latest_json().into());
    server2.add(&format!("{TAG}/SHA256SUMS"), vec![b'x'; 100 << 20].into());
    let out = ctx.pyman_env(
        "",
        &["-v", "list", "--available"],
        &[
            ("PYMAN_MIRROR", server2.url.as_str()),
            ("PYMAN_INDEX_TTL", "0"),
        ],
    );
    out.ok().stderr_has("larger than");

    // A valid one full of assets pyman does not use: only the used lines
    // are kept in the cache.
    let server3 = Server::start();
    server3.add("latest-release.json", latest_json().into());
    let mut sums = format!("{}  {}\n", "d".repeat(64), asset("3.12.98"));
    for i in 0..20_000 {
        sums.push_str(&format!(
            "{}  cpython-3.12.{i}+{TAG}-x86_64-unknown-linux-gnu-debug-full.tar.zst\n",
            "e".repeat(64)
        ));
    }
    assert!(sums.len() > 2 << 20);
    server3.add(&format!("{TAG}/SHA256SUMS"), sums.into_bytes().into());
    ctx.pyman_env(
        "",
        &["list", "--available"],
        &[
            ("PYMAN_MIRROR", server3.url.as_str()),
            ("PYMAN_INDEX_TTL", "0"),
        ],
    )
    .ok()
    .stdout_has("3.12.98");
    let cached = std::fs::metadata(ctx.pyman_home.join("cache/latest-release.json"))
        .unwrap()
        .len();
    assert!(cached < 4096, "the cache kept {cached} bytes");
}

#[test]
fn an_unreachable_release_server_is_asked_once_then_left_alone_for_a_while() {
    let ctx = TestContext::new();
    let server = Server::start();
    server.add("latest-release.json", latest_json().into());
    server.fail_always("latest-release.json", Fault::Status(503));
    let env = [
        ("PYMAN_MIRROR", server.url.as_str()),
        ("PYMAN_INDEX_TTL", "0"),
    ];
    ctx.pyman_env("", &["-v", "list", "--available"], &env)
        .ok()
        .stderr_has("could not check");
    let hits = server.hits("latest-release.json");
    assert!(hits >= 1);
    ctx.pyman_env("", &["-v", "list", "--available"], &env)
        .ok()
        .stderr_has("not asked again");
    assert_eq!(server.hits("latest-release.json"), hits, "not asked again");
    ctx.pyman_env("", &["list", "--available", "--refresh"], &env)
        .ok();
    assert_eq!(
        server.hits("latest-release.json"),
        hits + 1,
        "--refresh asks now"
    );
}

#[test]
fn a_damaged_release_cache_is_said_and_rebuilt() {
    let ctx = TestContext::new();
    let server = Server::start();
    server.add("latest-release.json", latest_json().into());
    server.add(
        &format!("{TAG}/SHA256SUMS"),
        format!("{}  {}\n", "d".repeat(64), asset("3.12.98"))
            .into_bytes()
            .into(),
    );
    let cache = ctx.pyman_home.join("cache/latest-release.json");
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    std::fs::write(&cache, "{\"source\": \"http://trunc").unwrap();
    let out = ctx.pyman_env(
        "",
        &["list", "--available"],
        &[
            ("PYMAN_MIRROR", server.url.as_str()),
            ("PYMAN_INDEX_TTL", "3600"),
        ],
    );
    out.ok()
        .stderr_has("release cache")
        .stderr_has("is damaged")
        .stdout_has("3.12.98");
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(text.contains(TAG), "rebuilt: {text}");
}

#[test]
fn a_truncated_inventory_is_named_not_taken_for_missing_pythons() {
    let ctx = TestContext::new();
    ctx.rehash();
    ctx.write("proj/.python-version", "3.12\n");
    let inventory = ctx.pyman_home.join("inventory");
    let text = std::fs::read_to_string(&inventory).unwrap();
    std::fs::write(&inventory, &text[..text.len() - 3]).unwrap();
    let out = ctx.run("proj", "python", &["-c", "pass"]);
    assert_ne!(out.code, Some(0), "{out}");
    out.stderr_has("inventory")
        .stderr_has("damaged")
        .stderr_has("pyman rehash");
    assert!(!out.stderr.contains("not in the environment"), "{out}");
    ctx.pyman("", &["rehash"]).ok();
    assert!(
        std::fs::read_to_string(&inventory)
            .unwrap()
            .ends_with("# end\n")
    );
}

/// `cmd` as uid/gid `NOBODY`, or `None` (printed) where that cannot be done.
fn as_nobody(program: impl AsRef<std::ffi::OsStr>) -> Option<Command> {
    let ok = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        crate::common::skip("cannot run as a second user (needs root and setpriv)");
        return None;
    }
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(program);
    Some(c)
}

fn chown(p: &Path, uid: u32) {
    std::os::unix::fs::chown(p, Some(uid), Some(uid)).unwrap();
}

/// A context whose folders a second user can reach (the e2e temp folder is
/// private), a server with one fake archive, and a downloads JSON with
/// GitHub URLs that `--mirror` points at the server.
fn mirror_setup() -> (TestContext, Server, String, Vec<u8>) {
    let ctx = TestContext::new();
    std::fs::set_permissions(&ctx.root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let server = Server::start();
    let gh = "https://github.com/astral-sh/python-build-standalone/releases/download";
    let body = b"an archive of the release, served once".to_vec();
    let mut entries = Vec::new();
    for v in ["3.12.98", "3.11.98"] {
        // One archive per version: the cache is keyed by content.
        let body = [body.as_slice(), v.as_bytes()].concat();
        server.add(&served(v), body.clone().into());
        entries.push(fixtures::index_entry(
            v,
            "linux",
            "gnu",
            &format!("{gh}/{}", served(v)),
            Some(&sha_hex(&body)),
        ));
    }
    let json = server.add(
        "downloads.json",
        fixtures::downloads_json(&entries).into_bytes().into(),
    );
    (ctx, server, json, body)
}

/// A fake archive's release name, as its URL path (`+` encoded).
fn served(version: &str) -> String {
    format!(
        "20250101/cpython-{version}%2B20250101-{}-unknown-linux-gnu-install_only.tar.gz",
        arch()
    )
}

fn mirror_args<'a>(dir: &'a str, version: &'a str, json: &'a str, url: &'a str) -> Vec<String> {
    [
        "mirror",
        dir,
        version,
        "--platform",
        &format!("linux-{}-gnu", arch()),
        "--downloads-json",
        json,
        "--mirror",
        url,
    ]
    .iter()
    .map(ToString::to_string)
    .collect()
}

#[test]
fn links_another_user_planted_in_a_shared_cache_are_not_followed() {
    let (mut ctx, server, json, _) = mirror_setup();
    let cache = ctx.root.join("cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let victim = ctx.root.join("victim.lock");
    let attacker = cache.join("attacker-owned");
    let Some(mut plant) = as_nobody("/bin/sh") else {
        return;
    };
    let script = format!(
        "mkdir {a} && ln -s {v} {c}/locks && ln -s {a} {c}/archives",
        a = attacker.display(),
        v = victim.display(),
        c = cache.display()
    );
    assert!(plant.arg("-c").arg(&script).status().unwrap().success());
    ctx.set_env("PYMAN_CACHE_DIR", cache.as_os_str());
    let args = mirror_args("m", "3.12", &json, &server.url);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ctx.pyman("", &args);
    out.ok()
        .stderr_has("is not used")
        .stderr_has("a link, which pyman does not follow");
    assert!(
        !victim.exists(),
        "nothing created through the planted lock link"
    );
    assert_eq!(
        std::fs::read_dir(&attacker).unwrap().count(),
        0,
        "nothing written into the attacker's folder"
    );

    // A folder the other user made (not a link) is not trusted either.
    std::fs::remove_file(cache.join("locks")).unwrap();
    std::fs::remove_file(cache.join("archives")).unwrap();
    let mut plant = as_nobody("/bin/mkdir").unwrap();
    assert!(
        plant
            .arg(cache.join("archives"))
            .status()
            .unwrap()
            .success()
    );
    let out = ctx.pyman("", &args);
    out.ok().stderr_has("belongs to another user");
    assert_eq!(
        std::fs::read_dir(cache.join("archives")).unwrap().count(),
        0
    );
}

#[test]
fn two_users_share_one_cache() {
    let (ctx, server, json, _) = mirror_setup();
    let Some(_) = as_nobody("true") else {
        return;
    };
    // The documented shared setup: a group-writable setgid folder.
    let cache = ctx.root.join("shared-cache");
    std::fs::create_dir(&cache).unwrap();
    std::os::unix::fs::chown(&cache, Some(0), Some(NOBODY)).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o3775)).unwrap();
    let other_home = ctx.root.join("other");
    std::fs::create_dir(&other_home).unwrap();
    chown(&other_home, NOBODY);

    let run_as = |nobody: bool, cache: &Path, dir: &str, version: &str| -> Out {
        let args = mirror_args(dir, version, &json, &server.url);
        let mut cmd = if nobody {
            let mut c = as_nobody(pyman_bin()).unwrap();
            c.current_dir(&other_home);
            c
        } else {
            let mut c = Command::new(pyman_bin());
            c.current_dir(&ctx.work);
            c
        };
        cmd.args(&args).env_clear();
        for (k, v) in &ctx.env {
            cmd.env(k, v);
        }
        if nobody {
            cmd.env("HOME", &other_home)
                .env("PYMAN_HOME", other_home.join("pyman"));
        }
        cmd.env("PYMAN_CACHE_DIR", cache);
        Out::from(cmd.output().unwrap())
    };
    // root fills it; nobody hits it, and fills it with another archive
    // that root then hits.
    run_as(false, &cache, "a", "3.12").ok();
    assert_eq!(server.hits(&served("3.12.98")), 1);
    let out = run_as(true, &cache, "b", "3.12");
    out.ok();
    assert!(!out.stderr.contains("without"), "{out}");
    assert_eq!(
        server.hits(&served("3.12.98")),
        1,
        "a hit for the second user"
    );
    let filled = run_as(true, &cache, "c", "3.11");
    filled.ok();
    assert!(
        !filled.stderr.contains("without") && !filled.stderr.contains("not used"),
        "{filled}"
    );
    let hit = run_as(false, &cache, "d", "3.11");
    hit.ok();
    assert!(!hit.stderr.contains("not used"), "{hit}");
    assert_eq!(
        server.hits(&served("3.11.98")),
        1,
        "a hit for the first user"
    );
    for sub in ["archives", "locks", "tmp"] {
        assert_eq!(
            mode(&cache.join(sub)) & 0o2070,
            0o2070,
            "{sub} is the group's"
        );
    }

    // root's private cache (the default setup): another user reads its hits
    // and downloads its misses without it, rather than failing.
    let private = ctx.root.join("private-cache");
    run_as(false, &private, "e", "3.12").ok();
    assert_eq!(
        mode(&private.join("locks")) & 0o022,
        0,
        "not writable by others"
    );
    let before = server.hits(&served("3.12.98"));
    run_as(true, &private, "f", "3.12").ok();
    assert_eq!(
        server.hits(&served("3.12.98")),
        before,
        "read from root's cache"
    );
    let out = run_as(true, &private, "g", "3.11");
    out.ok().stderr_has("downloading without it");
}

#[test]
fn a_damaged_venv_list_keeps_uninstall_from_breaking_projects() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let (ctx, _server, _) = fixtures::managed(py[0]);
    ctx.pyman("proj", &["pin", &py[0].minor]).ok();
    assert!(ctx.work.join("proj/.venv/pyvenv.cfg").is_file());
    let list = ctx.pyman_home.join("venvs.json");
    let text = std::fs::read_to_string(&list).unwrap();
    let truncated = &text[..text.len() / 2];
    std::fs::write(&list, truncated).unwrap();

    let out = ctx.pyman("", &["uninstall", &py[0].version]);
    out.code(1)
        .stderr_has("venvs.json")
        .stderr_has("is damaged")
        .stderr_has("--force");
    let key_dirs = std::fs::read_dir(ctx.pyman_home.join("pythons"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(&py[0].version))
        .count();
    assert!(key_dirs >= 1, "the interpreter is still installed");
    ctx.pyman("", &["venv", "--list"])
        .code(1)
        .stderr_has("venvs.json");
    ctx.pyman("", &["doctor"]).stdout_has("venvs.json");
    // A new venv elsewhere works, says so, and leaves the damaged list alone.
    ctx.pyman("other", &["venv", "--python", &py[0].minor])
        .ok()
        .stderr_has("is not in pyman's list of venvs");
    assert_eq!(std::fs::read_to_string(&list).unwrap(), truncated);
    // The project still runs.
    ctx.run("proj", "python", &["-c", "pass"]).ok();
}

#[test]
fn two_hundred_first_calls_at_once_share_one_default_venv() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&[py[0]]);
    ctx.rehash();
    ctx.write("proj/.python-version", format!("{}\n", py[0].version));
    let children: Vec<_> = (0..200)
        .map(|_| {
            ctx.shell_command("proj", "python", &["-c", "import sys; print(sys.prefix)"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Out> = children
        .into_iter()
        .map(|c| Out::from(c.wait_with_output().unwrap()))
        .collect();
    let venvs = ctx.pyman_home.join("venvs");
    for out in &outs {
        out.ok();
        assert!(
            !out.stderr.contains("failed") && !out.stderr.contains("not empty"),
            "{out}"
        );
        assert!(
            Path::new(out.line().as_str()).starts_with(&venvs),
            "ran the default venv, not the bare interpreter: {out}"
        );
    }
    let prefixes: std::collections::BTreeSet<_> = outs.iter().map(Out::line).collect();
    assert_eq!(prefixes.len(), 1, "{prefixes:?}");
    let made: Vec<_> = std::fs::read_dir(&venvs)
        .unwrap()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert_eq!(made.len(), 1, "one default venv, no leftovers");
}

#[test]
fn a_damaged_default_venv_is_rebuilt_with_its_packages_listed() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&[py[0]]);
    ctx.rehash();
    ctx.write("proj/.python-version", format!("{}\n", py[0].version));
    let prefix = ctx.run("proj", "python", &["-c", "import sys; print(sys.prefix)"]);
    let venv = PathBuf::from(prefix.ok().line());
    assert!(venv.starts_with(ctx.pyman_home.join("venvs")), "{prefix}");
    std::fs::write(venv.join("pyvenv.cfg"), "garbage without a home\n").unwrap();
    ctx.pyman("", &["doctor"]).stdout_has("is damaged");
    let again = ctx.run("proj", "python", &["-c", "import sys; print(sys.prefix)"]);
    again.ok().stderr_has("was damaged").stderr_has("It held:");
    assert_eq!(PathBuf::from(again.line()), venv, "rebuilt in place");
    assert!(
        std::fs::read_to_string(venv.join("pyvenv.cfg"))
            .unwrap()
            .contains("home = "),
    );
    assert!(
        ctx.pyman_home.join("venvs/.damaged").is_dir(),
        "the old one is kept"
    );
}

/// A tmpfs mounted for a test, unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(at: &Path, size: &str) -> Option<Mount> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            crate::common::skip("cannot mount a small tmpfs (needs root) for the disk-full case");
            return None;
        }
        Some(Mount(at.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_during_the_default_venv_fails_the_install_and_names_disk_space() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::new();
    let server = Server::start();
    let a = fixtures::install_only(py[0]);
    let json = fixtures::serve(&server, &[(py[0], &a)]);
    // Room for the interpreter, none for its venv (pip's files).
    let Some(_full) = Mount::tmpfs(&ctx.pyman_home.join("venvs"), "16k") else {
        return;
    };
    let out = ctx.pyman("", &["install", &py[0].minor, "--downloads-json", &json]);
    out.code(1)
        .stderr_has("default venv")
        .stderr_has("the disk is full");
    drop(_full);
    // Once there is room, installing again makes the venv.
    ctx.pyman("", &["install", &py[0].minor, "--downloads-json", &json])
        .ok()
        .stderr_has("already installed")
        .stderr_has("Created its default venv");
}

#[test]
fn nginx_as_its_own_user_serves_a_pyman_mirror_folder() {
    let (ctx, server, json, body) = mirror_setup();
    let Some(_) = as_nobody("true") else {
        return;
    };
    let args = mirror_args("served", "3.12", &json, &server.url);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ctx.pyman("", &args).ok();
    let root = ctx.work.join("served");
    std::fs::set_permissions(&ctx.work, std::fs::Permissions::from_mode(0o755)).unwrap();
    let Some(nginx) = crate::nginx::Nginx::start(&crate::nginx::Config {
        root: &root,
        user: None,
        redirect_to: None,
        bearer: None,
        run_as: Some(NOBODY),
    }) else {
        return;
    };
    // A second mirror made from the first, through nginx: every file of it
    // must be readable by nginx's user.
    let served_json = format!("{}/downloads.json", nginx.url);
    let args = mirror_args("copy", "3.12", &served_json, &nginx.url);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ctx.pyman_env("", &args, &[("PYMAN_NO_CACHE", "1")]).ok();
    let copied = ctx
        .work
        .join("copy")
        .join(served("3.12.98").replace("%2B", "+"));
    assert_eq!(
        std::fs::read(copied).unwrap(),
        [body.as_slice(), b"3.12.98"].concat()
    );
    for name in ["latest-release.json", "20250101/SHA256SUMS"] {
        let got = crate::nginx::get(&format!("{}/{name}", nginx.url));
        assert!(got.starts_with("HTTP/1.1 200"), "{name}: {got}");
    }
}

//! Fleets: the download cache shared by homes, `--offline`, `pyman mirror`
//! folders (as `file://` mirrors and behind nginx with basic auth), and
//! credentials that never leak: not in output, not past a redirect.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::common::{Out, TestContext, pyman_bin};
use crate::fixtures::{self, Archive, SourcePython};
use crate::nginx::{Config, Nginx};
use crate::server::Server;

const SECRET: &str = "s3cret-Pa55";

fn installed(home: &Path, src: &SourcePython) -> bool {
    home.join("pythons")
        .join(format!(
            "cpython-{}-linux-{}-gnu",
            src.version,
            std::env::consts::ARCH
        ))
        .join("bin/python3")
        .is_file()
}

/// `pyman ARGS` with another PYMAN_HOME.
fn in_home(ctx: &TestContext, home: &Path, args: &[&str]) -> Out {
    ctx.pyman_env("", args, &[("PYMAN_HOME", &home.display().to_string())])
}

/// A mirror folder made by `pyman mirror` from a test server's archive.
fn mirror_of(ctx: &TestContext, src: &SourcePython, archive: &Archive) -> (Server, PathBuf) {
    let server = Server::start();
    let json = fixtures::serve(&server, &[(src, archive)]);
    let dir = ctx.root.join("mirror");
    let mirror = dir.display().to_string();
    ctx.pyman(
        "",
        &["mirror", &mirror, &src.version, "--downloads-json", &json],
    )
    .ok();
    (server, dir)
}

#[test]
fn the_cache_serves_reinstalls_other_homes_and_offline_installs() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let mut ctx = TestContext::new();
    let cache = ctx.dir("shared-cache");
    ctx.set_env("PYMAN_CACHE_DIR", &cache);
    let server = Server::start();
    let a = fixtures::install_only(py[0]);
    // The index is a local file, so that `--offline` can read it.
    let entry = fixtures::serve_entry(&server, py[0], &a);
    let json = ctx.write("downloads.json", fixtures::downloads_json(&[entry]));
    let json = json.display().to_string();
    let install = |home: &Path, extra: &[&str]| {
        let mut args = vec!["install", &py[0].version, "--downloads-json", &json];
        args.extend(extra);
        in_home(&ctx, home, &args)
    };

    let (one, two) = (ctx.dir("home-1"), ctx.dir("home-2"));
    install(&one, &[]).ok();
    assert_eq!(server.hits(&a.file_name), 1);
    ctx.pyman("", &["cache", "dir"])
        .ok()
        .stdout_has(&cache.display().to_string());
    ctx.pyman("", &["cache", "size"])
        .ok()
        .stdout_has("(1 archive)");
    // Another home, the same cache: nothing downloaded, and it runs.
    install(&two, &[]).ok().stderr_has("Installed");
    assert_eq!(server.hits(&a.file_name), 1);
    assert!(installed(&two, py[0]));

    // Uninstalled, then installed offline: from the cache.
    in_home(&ctx, &one, &["uninstall", &py[0].version]).ok();
    install(&one, &["--offline"]).ok().stderr_has("Installed");
    assert_eq!(server.hits(&a.file_name), 1);

    // A corrupted cache entry is noticed (the hash is checked every time),
    // dropped, and downloaded again.
    let entry = cache.join("archives").join(&a.sha256);
    std::fs::write(&entry, b"not the archive").unwrap();
    let three = ctx.dir("home-3");
    install(&three, &[]).ok().stderr_has("was corrupt");
    assert_eq!(server.hits(&a.file_name), 2);
    assert_eq!(
        std::fs::read(&entry).unwrap(),
        *a.bytes,
        "the cache holds the good archive again"
    );

    // Offline with an empty cache: a clear error, nothing installed.
    let four = ctx.dir("home-4");
    let empty = ctx.dir("empty-cache");
    let out = ctx.pyman_env(
        "",
        &[
            "install",
            &py[0].version,
            "--downloads-json",
            &json,
            "--offline",
        ],
        &[
            ("PYMAN_HOME", &four.display().to_string()),
            ("PYMAN_CACHE_DIR", &empty.display().to_string()),
        ],
    );
    out.code(1)
        .stderr_has("is not in the download cache")
        .stderr_has(&a.file_name)
        .stderr_has("pyman mirror");
    assert!(!installed(&four, py[0]));
    assert_eq!(server.hits(&a.file_name), 2);
    // `--no-cache` neither reads nor fills it.
    install(&four, &["--no-cache"]).ok();
    assert_eq!(server.hits(&a.file_name), 3);

    ctx.pyman("", &["cache", "clean", "--older-than", "1"])
        .ok()
        .stderr_has("Removed 0 archives");
    ctx.pyman("", &["cache", "clean"])
        .ok()
        .stderr_has("Removed 1 archive");
    ctx.pyman("", &["cache", "size"])
        .ok()
        .stdout_has("(0 archives)");
}

#[test]
fn a_mirror_folder_is_incremental_and_works_as_a_file_mirror() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::new();
    let a = fixtures::install_only(py[0]);
    // Nothing is written by a dry run.
    let server = Server::start();
    let json = fixtures::serve(&server, &[(py[0], &a)]);
    ctx.pyman(
        "",
        &[
            "mirror",
            "../dry",
            &py[0].version,
            "--downloads-json",
            &json,
            "--dry-run",
        ],
    )
    .ok()
    .stdout_has(&format!("20250101/{}", a.file_name));
    assert!(!ctx.root.join("dry").exists());
    assert_eq!(server.hits(&a.file_name), 0);

    let mirror = |extra: &[&str]| {
        let mut args = vec![
            "mirror",
            "../mirror",
            &py[0].version,
            "--downloads-json",
            &json,
        ];
        args.extend(extra);
        ctx.pyman("", &args)
    };
    mirror(&[]).ok().stderr_has("this run downloaded 1");
    let dir = ctx.root.join("mirror");
    let asset = dir.join("20250101").join(&a.file_name);
    assert_eq!(std::fs::read(&asset).unwrap(), *a.bytes);
    let sums = std::fs::read_to_string(dir.join("20250101/SHA256SUMS")).unwrap();
    assert_eq!(sums, format!("{}  {}\n", a.sha256, a.file_name));
    let latest = std::fs::read_to_string(dir.join("latest-release.json")).unwrap();
    assert!(latest.contains(r#""tag": "20250101""#), "{latest}");
    let downloads = std::fs::read_to_string(dir.join("downloads.json")).unwrap();
    assert!(
        downloads.contains(&format!(
            "https://github.com/astral-sh/python-build-standalone/releases/download/20250101/{}",
            a.file_name.replace('+', "%2B")
        )),
        "{downloads}"
    );
    // Again, even without the cache: what is there and verified is skipped.
    mirror(&["--no-cache"])
        .ok()
        .stderr_has("this run downloaded 0, copied 0 from the cache, found 1 in place");
    assert_eq!(server.hits(&a.file_name), 1);
    // A damaged file in the mirror is fetched again (here from the cache).
    std::fs::write(&asset, b"damaged").unwrap();
    mirror(&[]).ok().stderr_has("copied 1 from the cache");
    assert_eq!(std::fs::read(&asset).unwrap(), *a.bytes);
    drop(server);

    // The folder as a file:// mirror, with the server gone and no cache.
    let home = ctx.dir("other-home");
    let mirror_url = format!("file://{}", dir.display());
    in_home(
        &ctx,
        &home,
        &[
            "install",
            &py[0].version,
            "--downloads-json",
            &dir.join("downloads.json").display().to_string(),
            "--mirror",
            &mirror_url,
            "--no-cache",
            "--offline",
        ],
    )
    .ok()
    .stderr_has("Installed");
    assert!(installed(&home, py[0]));
}

#[test]
fn sixteen_homes_sharing_a_cache_get_one_download_from_nginx() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let mut ctx = TestContext::new();
    let a = fixtures::install_only(py[0]);
    let (_server, dir) = mirror_of(&ctx, py[0], &a);
    let Some(nginx) = Nginx::start(&Config {
        root: &dir,
        user: Some(("ci", SECRET)),
        redirect_to: None,
        bearer: None,
        run_as: None,
    }) else {
        return;
    };
    let cache = ctx.dir("fleet-cache");
    ctx.set_env("PYMAN_CACHE_DIR", &cache);
    let mirror = format!("http://ci:{SECRET}@127.0.0.1:{}", nginx.port);
    let downloads = dir.join("downloads.json").display().to_string();
    let children: Vec<_> = (0..16)
        .map(|i| {
            let home = ctx.dir(&format!("fleet/{i}"));
            let mut cmd = ctx.shell_command(
                "",
                &pyman_bin().display().to_string(),
                &[
                    "install",
                    &py[0].version,
                    "--downloads-json",
                    &downloads,
                    "--mirror",
                    &mirror,
                    "-v",
                ],
            );
            cmd.env("PYMAN_HOME", &home)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            (home, cmd.spawn().unwrap())
        })
        .collect();
    for (home, child) in children {
        let out = Out::from(child.wait_with_output().unwrap());
        out.ok();
        assert!(!out.stderr.contains(SECRET), "the password leaked:\n{out}");
        assert!(installed(&home, py[0]), "{}", home.display());
    }
    let archive_requests = nginx.requests(&a.file_name.replace('+', "%2B"));
    let served: Vec<_> = archive_requests.iter().filter(|(_, s)| *s == 200).collect();
    assert_eq!(
        served.len(),
        1,
        "nginx sent the archive once: {archive_requests:?}"
    );
}

#[test]
fn mirror_credentials_are_checked_redacted_and_not_sent_past_a_redirect() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let mut ctx = TestContext::new();
    ctx.set_env("PYMAN_NO_CACHE", "1");
    let a = fixtures::install_only(py[0]);
    let (_server, dir) = mirror_of(&ctx, py[0], &a);
    // A second server that the mirror redirects archive requests to, as to
    // a pre-signed bucket URL.
    let bucket = Server::start();
    bucket.add(&a.file_name, a.bytes.clone());
    let Some(nginx) = Nginx::start(&Config {
        root: &dir,
        user: Some(("ci", SECRET)),
        redirect_to: Some(&bucket.url),
        bearer: None,
        run_as: None,
    }) else {
        return;
    };
    let downloads = dir.join("downloads.json").display().to_string();
    let install = |home: &str, mirror: &str, env: &[(&str, &str)]| {
        let home = ctx.dir(home).display().to_string();
        let mut env = env.to_vec();
        env.push(("PYMAN_HOME", &home));
        ctx.pyman_env(
            "",
            &[
                "install",
                &py[0].version,
                "--downloads-json",
                &downloads,
                "--mirror",
                mirror,
                "-v",
            ],
            &env,
        )
    };

    // A wrong password: 401, the redacted URL, what to do; nothing installed.
    let wrong = format!("http://ci:wrong-{SECRET}@127.0.0.1:{}", nginx.port);
    let out = install("h-wrong", &wrong, &[]);
    out.code(1)
        .stderr_has("HTTP 401")
        .stderr_has(&format!("http://****@127.0.0.1:{}/20250101/", nginx.port))
        .stderr_has("~/.netrc");
    assert!(!out.stderr.contains(SECRET), "{out}");
    assert!(
        !ctx.root
            .join("h-wrong/pythons")
            .join(format!(
                "cpython-{}-linux-{}-gnu",
                py[0].version,
                std::env::consts::ARCH
            ))
            .exists()
    );
    // No credentials at all: the same clear error.
    install("h-none", &nginx.url, &[])
        .code(1)
        .stderr_has("HTTP 401");

    // From ~/.netrc (NETRC names it), and as the URL's own.
    let netrc = ctx.write(
        "netrc",
        format!("machine 127.0.0.1 login ci password {SECRET}\n"),
    );
    install(
        "h-netrc",
        &nginx.url,
        &[("NETRC", &netrc.display().to_string())],
    )
    .ok();
    let right = format!("http://ci:{SECRET}@127.0.0.1:{}", nginx.port);
    install("h-url", &right, &[]).ok();

    // The mirror redirects the archive to the bucket: it arrives without
    // the Authorization header, and installs.
    let entry = fixtures::index_entry(
        &py[0].version,
        "linux",
        "gnu",
        &format!("{right}/moved/{}", a.file_name),
        Some(&a.sha256),
    );
    let moved = ctx.write("moved.json", fixtures::downloads_json(&[entry]));
    let home = ctx.dir("h-moved").display().to_string();
    let out = ctx.pyman_env(
        "",
        &[
            "install",
            &py[0].version,
            "--downloads-json",
            &moved.display().to_string(),
        ],
        &[("PYMAN_HOME", &home)],
    );
    out.ok();
    assert!(!out.stderr.contains(SECRET), "{out}");
    assert_eq!(
        bucket.request_headers(&a.file_name, "authorization"),
        vec![None]
    );
    assert_eq!(
        nginx
            .requests("/moved/")
            .iter()
            .map(|(_, s)| *s)
            .collect::<Vec<_>>(),
        vec![302]
    );
}

#[test]
fn a_bearer_token_goes_to_the_mirror_host_only() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let mut ctx = TestContext::new();
    ctx.set_env("PYMAN_NO_CACHE", "1");
    let a = fixtures::install_only(py[0]);
    let (_server, dir) = mirror_of(&ctx, py[0], &a);
    let Some(nginx) = Nginx::start(&Config {
        root: &dir,
        user: None,
        redirect_to: None,
        bearer: Some(SECRET),
        run_as: None,
    }) else {
        return;
    };
    let downloads = dir.join("downloads.json").display().to_string();
    let install = |home: &str, token: &str| {
        let home = ctx.dir(home).display().to_string();
        ctx.pyman_env(
            "",
            &[
                "install",
                &py[0].version,
                "--downloads-json",
                &downloads,
                "--mirror",
                &nginx.url,
                "-v",
            ],
            &[("PYMAN_HOME", &home), ("PYMAN_MIRROR_TOKEN", token)],
        )
    };
    let out = install("h-bad", "not-the-token");
    out.code(1)
        .stderr_has("HTTP 401")
        .stderr_has("PYMAN_MIRROR_TOKEN");
    let out = install("h-good", SECRET);
    out.ok();
    assert!(!out.stderr.contains(SECRET), "{out}");

    // A build hosted elsewhere (another port: another server) gets no token.
    let elsewhere = Server::start();
    let entry = fixtures::serve_entry(&elsewhere, py[0], &a);
    let json = ctx.write("elsewhere.json", fixtures::downloads_json(&[entry]));
    let home = ctx.dir("h-elsewhere").display().to_string();
    ctx.pyman_env(
        "",
        &[
            "install",
            &py[0].version,
            "--downloads-json",
            &json.display().to_string(),
            "--mirror",
            &nginx.url,
        ],
        &[("PYMAN_HOME", &home), ("PYMAN_MIRROR_TOKEN", SECRET)],
    )
    .ok();
    assert_eq!(
        elsewhere.request_headers(&a.file_name, "authorization"),
        vec![None]
    );
}

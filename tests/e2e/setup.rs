//! Getting pyman onto a machine: install.sh against a release archive served
//! on 127.0.0.1, the README's quick start in a fresh login shell, `setup`,
//! `doctor`, completions and `self update` / `self uninstall`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Out, TestContext, pyman_bin};
use crate::fixtures;
use crate::server::Server;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn target() -> String {
    format!("{}-unknown-linux-gnu", std::env::consts::ARCH)
}

/// Runs scripts/package.sh on the built binaries and serves its output.
fn serve_release(server: &Server, out: &Path) {
    let bin_dir = pyman_bin().parent().unwrap().to_path_buf();
    let status = Command::new("sh")
        .arg(repo().join("scripts/package.sh"))
        .args([
            "--bin-dir",
            &bin_dir.display().to_string(),
            "--out",
            &out.display().to_string(),
            "--target",
            &target(),
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "package.sh failed");
    for e in std::fs::read_dir(out).unwrap().flatten() {
        server.add(
            &format!("rel/{}", e.file_name().to_string_lossy()),
            std::fs::read(e.path()).unwrap().into(),
        );
    }
}

/// A user's machine: only HOME, a minimal PATH and a login shell.
fn user_env(ctx: &TestContext, cmd: &mut Command, extra: &[(&str, String)]) {
    cmd.env_clear()
        .env("HOME", ctx.root.join("home"))
        .env("PATH", "/usr/bin:/bin")
        .env("SHELL", "/bin/bash")
        .env("LANG", "C.UTF-8")
        .env("NO_COLOR", "1");
    for (k, v) in extra {
        cmd.env(k, v);
    }
}

fn install_sh(ctx: &TestContext, server: &Server, args: &[&str]) -> Out {
    // Run as if piped from the web: a copy outside any checkout.
    let script = ctx.root.join("dl/install.sh");
    std::fs::create_dir_all(script.parent().unwrap()).unwrap();
    std::fs::copy(repo().join("install.sh"), &script).unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg(&script).args(args).current_dir(ctx.root.join("dl"));
    user_env(
        ctx,
        &mut cmd,
        &[("PYMAN_DOWNLOAD_URL", format!("{}/rel", server.url))],
    );
    Out::from(cmd.output().unwrap())
}

fn quick_start() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = &readme[readme.find("## Quick start").unwrap()..];
    let start = section.find("```sh\n").unwrap() + 6;
    let end = start + section[start..].find("```").unwrap();
    section[start..end].to_string()
}

#[test]
fn install_sh_then_the_readme_quick_start_in_a_fresh_login_shell() {
    let Some(src) = fixtures::sources().iter().find(|s| s.minor == "3.12") else {
        crate::common::skip(
            "the README's quick start pins 3.12 and no pyenv CPython 3.12 is on this machine",
        );
        return;
    };
    let ctx = TestContext::new();
    let server = Server::start();
    serve_release(&server, &ctx.root.join("dist"));
    install_sh(&ctx, &server, &[])
        .ok()
        .stderr_has("Put pyman's shims first on PATH");
    let home = ctx.root.join("home");
    assert!(
        home.join(".local/bin/pyman").is_file() && home.join(".local/bin/pyman-shim").is_file()
    );

    // The interpreter the quick start installs, from the local server.
    let a = fixtures::install_only(src);
    let json_url = fixtures::serve(&server, &[(src, &a)]);

    let script = quick_start();
    assert!(script.contains("python --version"), "{script}");
    let work = ctx.dir("qs");
    let mut cmd = Command::new("bash");
    cmd.args(["-l", "-e", "-c", &script]).current_dir(&work);
    user_env(&ctx, &mut cmd, &[("PYMAN_DOWNLOADS_JSON", json_url)]);
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("Python {}", src.version)),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&work.join("demo/.venv/bin/python").display().to_string()),
        "`pyman which` in the demo: {stdout}"
    );
}

#[test]
fn install_sh_twice_writes_one_block_and_refuses_a_bad_checksum() {
    let ctx = TestContext::new();
    let server = Server::start();
    let dist = ctx.root.join("dist");
    serve_release(&server, &dist);
    install_sh(&ctx, &server, &[]).ok();
    install_sh(&ctx, &server, &[])
        .ok()
        .stderr_has("already set up");
    for rc in [".bashrc", ".profile"] {
        let text = std::fs::read_to_string(ctx.root.join("home").join(rc)).unwrap();
        assert_eq!(text.matches("# >>> pyman >>>").count(), 1, "{rc}: {text}");
    }
    install_sh(&ctx, &server, &["--help"])
        .ok()
        .stdout_has("--no-modify-path");

    // A corrupt download installs nothing.
    let ctx2 = TestContext::new();
    let archive = format!("pyman-{}-{}.tar.gz", env!("CARGO_PKG_VERSION"), target());
    server.add(
        &format!("rel/{archive}.sha256"),
        format!("{}  {archive}\n", "0".repeat(64))
            .into_bytes()
            .into(),
    );
    install_sh(&ctx2, &server, &[])
        .code(1)
        .stderr_has("checksum mismatch");
    assert!(!ctx2.root.join("home/.local/bin/pyman").exists());
}

#[test]
fn setup_no_modify_path_and_print() {
    let ctx = TestContext::new();
    let out = ctx.pyman_env("", &["setup", "--no-modify-path"], &[("SHELL", "/bin/zsh")]);
    out.ok().stderr_has("~/.zshenv").stderr_has("shims");
    assert!(!ctx.root.join("home/.zshenv").exists());
    assert!(ctx.pyman_home.join("shims/python").exists());
    let out = ctx.pyman("", &["setup", "--print", "fish"]);
    out.ok().stdout_has("set -gx PATH");
    ctx.pyman("", &["setup", "--print", "tcsh"])
        .code(2)
        .stderr_has("not a shell pyman knows");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        ctx.pyman("", &["completions", shell])
            .ok()
            .stdout_has("pyman");
    }
}

#[test]
fn doctor_passes_on_a_healthy_setup_and_names_each_problem_with_its_fix() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    ctx.pyman("", &["setup", "--no-modify-path"]).ok();
    ctx.pyman("proj", &["pin", &py[0].minor]).ok();
    ctx.pyman("proj", &["doctor"])
        .ok()
        .stderr_has("No problems found");

    // Shims not on PATH.
    ctx.pyman_env("proj", &["doctor"], &[("PATH", "/usr/bin:/bin")])
        .code(1)
        .stdout_has("is not on PATH")
        .stdout_has("fix: run `pyman setup`");
    // pyenv's shims before pyman's.
    let pyenv_shims = ctx.root.join("other/.pyenv/shims");
    std::fs::create_dir_all(&pyenv_shims).unwrap();
    std::fs::write(pyenv_shims.join("python"), "#!/bin/sh\n").unwrap();
    let path = format!(
        "{}:{}:/usr/bin:/bin",
        pyenv_shims.display(),
        ctx.shims().display()
    );
    ctx.pyman_env("proj", &["doctor"], &[("PATH", &path)])
        .code(1)
        .stdout_has("(pyenv's shims)")
        .stdout_has("pyenv init");
    // A pin that is not installed, and a broken version file.
    ctx.write("proj/missing/.python-version", "3.4\n");
    ctx.pyman("proj/missing", &["doctor"])
        .code(1)
        .stdout_has("Python `3.4` is not installed")
        .stdout_has("pyman install 3.4");
    ctx.write("proj/broken/.python-version", "echo 3.11\n");
    ctx.pyman("proj/broken", &["doctor"])
        .code(1)
        .stdout_has("broken/.python-version` line 1")
        .stdout_has("pyman pin 3.11");
    // A venv that no longer matches its pin.
    ctx.write("proj/.python-version", &py[1].minor);
    let out = ctx.pyman("proj", &["doctor", "--json"]);
    out.code(1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let stale = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "venvs" && c["ok"] == false)
        .unwrap();
    assert!(
        stale["fix"]
            .as_str()
            .unwrap()
            .contains("pyman venv --recreate"),
        "{stale}"
    );
    // A data folder that cannot be written.
    let file = ctx.write("not-a-dir", "x");
    ctx.pyman_env(
        "proj",
        &["doctor"],
        &[("PYMAN_HOME", &file.display().to_string())],
    )
    .code(1)
    .stdout_has("is not writable");
}

#[test]
fn self_update_replaces_both_binaries_verified_and_self_uninstall_removes_everything() {
    let ctx = TestContext::new();
    let server = Server::start();
    serve_release(&server, &ctx.root.join("dist"));
    install_sh(&ctx, &server, &[]).ok();
    let home = ctx.root.join("home");
    let bin = home.join(".local/bin");
    let run = |args: &[&str]| {
        let mut cmd = Command::new(bin.join("pyman"));
        cmd.args(args);
        user_env(
            &ctx,
            &mut cmd,
            &[("PYMAN_DOWNLOAD_URL", format!("{}/rel", server.url))],
        );
        Out::from(cmd.output().unwrap())
    };
    run(&["self", "update"])
        .ok()
        .stderr_has("is the newest release");

    // A newer release: same binaries, repackaged as 9.9.9.
    let dist2 = ctx.root.join("dist2");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "set -e; d=$(mktemp -d); mkdir $d/pyman-9.9.9-{t}; cp {b}/pyman {b}/pyman-shim $d/pyman-9.9.9-{t}/; mkdir -p {o}; tar -czf {o}/pyman-9.9.9-{t}.tar.gz -C $d pyman-9.9.9-{t}; cd {o}; sha256sum pyman-9.9.9-{t}.tar.gz > pyman-9.9.9-{t}.tar.gz.sha256",
            t = target(), b = pyman_bin().parent().unwrap().display(), o = dist2.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    server.add("rel/VERSION", b"9.9.9\n".to_vec().into());
    let archive = format!("pyman-9.9.9-{}.tar.gz", target());
    server.add(
        &format!("rel/{archive}"),
        std::fs::read(dist2.join(&archive)).unwrap().into(),
    );
    // First a wrong checksum: nothing changes.
    server.add(
        &format!("rel/{archive}.sha256"),
        format!("{}  x\n", "1".repeat(64)).into_bytes().into(),
    );
    let ino = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
    let before = (ino(&bin.join("pyman")), ino(&bin.join("pyman-shim")));
    run(&["self", "update"])
        .code(1)
        .stderr_has("checksum mismatch")
        .stderr_has("nothing was changed");
    assert_eq!(
        before,
        (ino(&bin.join("pyman")), ino(&bin.join("pyman-shim")))
    );
    server.add(
        &format!("rel/{archive}.sha256"),
        std::fs::read(dist2.join(format!("{archive}.sha256")))
            .unwrap()
            .into(),
    );
    run(&["self", "update"]).ok().stderr_has("-> 9.9.9");
    let after = (ino(&bin.join("pyman")), ino(&bin.join("pyman-shim")));
    assert!(
        before.0 != after.0 && before.1 != after.1,
        "both binaries replaced"
    );
    assert!(
        !std::fs::read_dir(&bin)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".pyman-update"))
    );

    run(&["self", "uninstall", "--yes"]).ok();
    assert!(!bin.join("pyman").exists() && !bin.join("pyman-shim").exists());
    assert!(!home.join(".local/share/pyman").exists());
    for rc in [".bashrc", ".profile"] {
        let text = std::fs::read_to_string(home.join(rc)).unwrap_or_default();
        assert!(!text.contains("pyman"), "{rc}: {text}");
    }
}

/// Runs the checkout's install.sh with the real cargo in a user's environment.
/// The release profile is made cheap (this tests where the binaries land,
/// not how fast they are), and both cases share one target folder.
fn install_sh_from_checkout(ctx: &TestContext, extra: &[(&str, String)]) -> Out {
    let cargo = PathBuf::from(env!("CARGO"));
    let toolchain_bin = cargo.parent().unwrap().display().to_string();
    let mut cmd = Command::new("sh");
    cmd.arg(repo().join("install.sh"))
        .arg("--no-modify-path")
        .current_dir(&ctx.root);
    let mut env = vec![
        ("PATH", format!("{toolchain_bin}:/usr/bin:/bin")),
        ("CARGO_NET_OFFLINE", "true".into()),
        ("CARGO_BUILD_JOBS", "2".into()),
        ("CARGO_PROFILE_RELEASE_LTO", "false".into()),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0".into()),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "64".into()),
        ("CARGO_PROFILE_RELEASE_INCREMENTAL", "false".into()),
    ];
    env.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    user_env(ctx, &mut cmd, &env);
    Out::from(cmd.output().unwrap())
}

/// The cargo home this test run uses (its registry has every dependency).
fn real_cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"))
}

#[test]
fn install_sh_from_a_checkout_finds_the_binaries_wherever_cargo_puts_them() {
    let ctx = TestContext::new();
    let target_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("install-sh-target");
    let cargo_home = real_cargo_home();

    // CARGO_TARGET_DIR, as people who share one target folder set it.
    let bin1 = ctx.root.join("bin1");
    install_sh_from_checkout(
        &ctx,
        &[
            ("CARGO_TARGET_DIR", target_dir.display().to_string()),
            ("CARGO_HOME", cargo_home.display().to_string()),
            ("PYMAN_INSTALL_DIR", bin1.display().to_string()),
        ],
    )
    .ok()
    .stderr_has(&format!(
        "installed pyman and pyman-shim into {}",
        bin1.display()
    ));

    // `build.target-dir` from cargo's configuration (here its environment
    // form; a config file in a new CARGO_HOME would rebuild everything).
    let bin2 = ctx.root.join("bin2");
    install_sh_from_checkout(
        &ctx,
        &[
            ("CARGO_BUILD_TARGET_DIR", target_dir.display().to_string()),
            ("CARGO_HOME", cargo_home.display().to_string()),
            ("PYMAN_INSTALL_DIR", bin2.display().to_string()),
        ],
    )
    .ok();

    for bin in [&bin1, &bin2] {
        for b in ["pyman", "pyman-shim"] {
            let installed = std::fs::read(bin.join(b)).unwrap();
            let built = std::fs::read(target_dir.join("release").join(b)).unwrap();
            assert!(
                installed == built,
                "{} is not cargo's build",
                bin.join(b).display()
            );
        }
        let out = Out::from(
            Command::new(bin.join("pyman"))
                .arg("--version")
                .output()
                .unwrap(),
        );
        out.ok().stdout_has("pyman ");
    }
}

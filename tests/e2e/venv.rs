//! Virtual environments: interpreters stay clean, projects get their own venv.

use std::path::{Path, PathBuf};

use crate::common::TestContext;
use crate::fixtures::{self, SourcePython};
use crate::server::Server;

fn arch() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "aarch64"
    } else {
        "x86_64"
    }
}

/// A context where `src` is installed by pyman from a local server.
fn with_managed(src: &SourcePython) -> (TestContext, Server) {
    let ctx = TestContext::new();
    let server = Server::start();
    let a = fixtures::install_only(src);
    let json_url = fixtures::serve(&server, &[(src, &a)]);
    ctx.pyman("", &["install", &src.minor, "--downloads-json", &json_url])
        .ok()
        .stderr_has("Created its default venv");
    (ctx, server)
}

/// A real wheel with a console script `hello-tool`, built here: no network needed.
fn hello_wheel(dir: &Path) -> PathBuf {
    fixtures::Wheel {
        name: "hello-tool",
        version: "1.0",
        scripts: &[("hello-tool", "hello_tool:main")],
        ..fixtures::Wheel::default()
    }
    .build(dir)
}

fn site_packages(venv: &Path, minor: &str) -> PathBuf {
    venv.join("lib")
        .join(format!("python{minor}"))
        .join("site-packages")
}

#[test]
fn a_pinned_project_gets_a_venv_that_imports_from_its_own_site_packages() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let (ctx, _server) = with_managed(py[0]);
    ctx.pyman("proj", &["pin", &py[0].minor])
        .ok()
        .stderr_has("Created `");
    let venv = ctx.work.join("proj/.venv");
    let cfg = std::fs::read_to_string(venv.join("pyvenv.cfg")).unwrap();
    // Through the stable per-minor link, so patch upgrades carry the venv along.
    let link = ctx.pyman_home.join(format!(
        "pythons/cpython-{}-linux-{}-gnu",
        py[0].minor,
        arch()
    ));
    assert!(
        cfg.contains(&format!("home = {}/bin", link.display())),
        "{cfg}"
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    for script in ["activate", "activate.fish", "activate.csh", "Activate.ps1"] {
        let text = std::fs::read_to_string(venv.join("bin").join(script)).unwrap();
        assert!(!text.contains("__VENV_"), "{script} has a placeholder left");
        if script != "Activate.ps1" {
            // PowerShell's script finds its venv from its own location.
            assert!(text.contains(&venv.display().to_string()), "{script}");
        }
    }
    std::fs::write(
        site_packages(&venv, &py[0].minor).join("probe_mod.py"),
        "X = 1\n",
    )
    .unwrap();
    let out = ctx.run("proj/src", "python", &["-c", "import sys, probe_mod; print(probe_mod.__file__); print(sys.prefix != sys.base_prefix)"]);
    let text = out.ok().stdout.clone();
    assert!(
        text.contains(&venv.display().to_string()) && text.contains("True"),
        "{text}"
    );
    // The interpreter itself does not see the venv's packages.
    let exe = ctx.pyman_home.join(format!(
        "pythons/cpython-{}-linux-{}-gnu/bin/python3",
        py[0].version,
        arch()
    ));
    let out = std::process::Command::new(exe)
        .args(["-c", "import probe_mod"])
        .env_clear()
        .output()
        .unwrap();
    assert!(!out.status.success());
    // Activating works in a real shell.
    let out = ctx.run(
        "proj",
        "sh",
        &[
            "-c",
            ". .venv/bin/activate && command -v python && echo $VIRTUAL_ENV",
        ],
    );
    assert!(
        out.ok()
            .stdout
            .contains(&venv.join("bin/python").display().to_string()),
        "{out}"
    );
}

#[test]
fn pip_installs_into_the_venv_and_its_console_script_runs_through_the_shim() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let (ctx, _server) = with_managed(py[0]);
    ctx.pyman("proj", &["pin", &py[0].minor]).ok();
    let wheel = hello_wheel(&ctx.dir("wheels"));
    ctx.run(
        "proj",
        "pip",
        &[
            "install",
            "--no-index",
            "--no-deps",
            "--disable-pip-version-check",
            &wheel.display().to_string(),
        ],
    )
    .ok();
    let venv = ctx.work.join("proj/.venv");
    assert!(
        site_packages(&venv, &py[0].minor)
            .join("hello_tool/__init__.py")
            .exists()
    );
    // The pip shim linked the new command: no `pyman rehash` needed.
    let out = ctx.run("proj/sub", "hello-tool", &[]);
    assert_eq!(
        out.ok().line(),
        format!("hello-tool 1.0 from {}", venv.display())
    );
    // `pyman run` puts the venv first on PATH.
    let out = ctx.pyman("proj", &["run", "--", "hello-tool"]);
    assert_eq!(
        out.ok().line(),
        format!("hello-tool 1.0 from {}", venv.display())
    );
    let out = ctx.pyman(
        "proj",
        &[
            "run",
            "--",
            "python",
            "-c",
            "import os; print(os.environ['VIRTUAL_ENV'])",
        ],
    );
    assert_eq!(out.ok().line(), venv.display().to_string());
}

#[test]
fn pip_into_a_managed_interpreter_is_refused_with_the_pyman_hint() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let (ctx, _server) = with_managed(py[0]);
    let wheel = hello_wheel(&ctx.dir("wheels"));
    let exe = ctx.pyman_home.join(format!(
        "pythons/cpython-{}-linux-{}-gnu/bin/python3",
        py[0].version,
        arch()
    ));
    // pip from the interpreter's own bundled wheel, as ensurepip runs it.
    let bundled = std::fs::read_dir(ctx.pyman_home.join(format!(
        "pythons/cpython-{}-linux-{}-gnu/lib/python{}/ensurepip/_bundled",
        py[0].version,
        arch(),
        py[0].minor
    )))
    .unwrap()
    .flatten()
    .map(|e| e.path())
    .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("pip-"))
    .unwrap();
    let out = std::process::Command::new(exe)
        .arg(bundled.join("pip"))
        .args(["install", "--no-index", &wheel.display().to_string()])
        .env_clear()
        .env("HOME", ctx.root.join("home"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("externally-managed-environment") && stderr.contains("pyman venv"),
        "{stderr}"
    );

    // Outside projects, the pip shim installs into the default venv instead.
    ctx.pyman("", &["pin", "--global", &py[0].minor]).ok();
    ctx.run(
        "elsewhere",
        "pip",
        &[
            "install",
            "--no-index",
            "--disable-pip-version-check",
            &wheel.display().to_string(),
        ],
    )
    .ok();
    let default = ctx.pyman_home.join(format!(
        "venvs/cpython-{}-linux-{}-gnu",
        py[0].minor,
        arch()
    ));
    assert!(
        site_packages(&default, &py[0].minor)
            .join("hello_tool")
            .exists()
    );
    assert_eq!(
        ctx.run("elsewhere", "hello-tool", &[]).ok().line(),
        format!("hello-tool 1.0 from {}", default.display())
    );
    // Uninstalling the interpreter removes its default venv, and says what it held.
    ctx.pyman("elsewhere", &["uninstall", &py[0].minor])
        .ok()
        .stderr_has("Removed its default venv")
        .stderr_has("hello-tool==1.0");
    assert!(!default.exists());
}

#[test]
fn a_moved_pin_is_reported_and_recreate_rebuilds_listing_the_packages() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    ctx.pyman("proj", &["pin", &py[1].minor])
        .ok()
        .stderr_has("Created `");
    let wheel = hello_wheel(&ctx.dir("wheels"));
    ctx.run(
        "proj",
        "pip",
        &[
            "install",
            "--no-index",
            "--disable-pip-version-check",
            &wheel.display().to_string(),
        ],
    )
    .ok();
    ctx.pyman("proj", &["pin", &py[0].minor]).ok();
    ctx.run("proj", "python", &["-V"])
        .code(1)
        .stderr_has("was built from")
        .stderr_has("pyman venv --recreate");
    ctx.pyman("proj", &["current"])
        .code(1)
        .stderr_has("pyman venv --recreate");
    let out = ctx.pyman("proj", &["venv", "--recreate"]);
    out.ok()
        .stderr_has("hello-tool==1.0")
        .stderr_has("pip install -r");
    let req = std::fs::read_to_string(ctx.work.join("proj/venv.old-requirements.txt")).unwrap();
    assert!(req.contains("hello-tool==1.0"), "{req}");
    let out = ctx.run(
        "proj",
        "python",
        &["-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
    );
    assert_eq!(out.ok().line(), py[0].minor);
    // `pyman venv` again: already there, nothing changes.
    ctx.pyman("proj", &["venv"])
        .ok()
        .stderr_has("already exists");
}

#[test]
fn venv_bad_input_is_explained_and_leaves_nothing() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    ctx.write("p/.python-version", &py[0].minor);
    ctx.write("p/notavenv/file.txt", "mine");
    ctx.pyman("p", &["venv", "notavenv"])
        .code(1)
        .stderr_has("is not a virtual environment");
    ctx.pyman("p", &["venv", "--recreate", "notavenv"])
        .code(1)
        .stderr_has("only replaces venvs");
    assert_eq!(
        std::fs::read_to_string(ctx.work.join("p/notavenv/file.txt")).unwrap(),
        "mine"
    );
    ctx.pyman("p", &["venv", "--python", "3.4"])
        .code(1)
        .stderr_has("Python `3.4` is not installed");
    let leftovers: Vec<_> = std::fs::read_dir(ctx.work.join("p"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("pyman-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Without pip, in milliseconds, at a path of one's choosing.
    ctx.pyman("p", &["venv", "--without-pip", "env2"]).ok();
    assert!(
        ctx.work.join("p/env2/bin/python").exists() && !ctx.work.join("p/env2/bin/pip").exists()
    );
    ctx.pyman("p", &["upgrade"])
        .ok()
        .stderr_has("Nothing to upgrade");
}

#[test]
fn upgrade_moves_default_and_project_venvs_to_the_new_patch() {
    let Some((old, old_archive)) = fixtures::debian_311() else {
        crate::common::skip_expected(
            "needs Debian's /usr/bin/python3.11 and a different pyenv 3.11.x (two patches of one minor)",
        );
        return;
    };
    let new = fixtures::sources()
        .iter()
        .find(|s| s.minor == "3.11")
        .unwrap();
    if old.version > new.version {
        crate::common::skip_expected(format!(
            "Debian's 3.11 ({}) is newer than pyenv's ({})",
            old.version, new.version
        ));
        return;
    }
    let new_archive = fixtures::install_only(new);
    let ctx = TestContext::new();
    let server = Server::start();
    let old_url = server.add(&old_archive.file_name, old_archive.bytes.clone());
    let new_url = server.add(&new_archive.file_name, new_archive.bytes.clone());
    let only_old = server.add(
        "old.json",
        format!(
            "{{{}}}",
            fixtures::index_entry(
                &old.version,
                "linux",
                "gnu",
                &old_url,
                Some(&old_archive.sha256)
            )
        )
        .into_bytes()
        .into(),
    );
    let both = server.add(
        "both.json",
        format!(
            "{{{},\n{}}}",
            fixtures::index_entry(
                &old.version,
                "linux",
                "gnu",
                &old_url,
                Some(&old_archive.sha256)
            ),
            fixtures::index_entry(
                &new.version,
                "linux",
                "gnu",
                &new_url,
                Some(&new_archive.sha256)
            )
        )
        .into_bytes()
        .into(),
    );

    ctx.pyman("", &["install", "3.11", "--downloads-json", &only_old])
        .ok();
    ctx.pyman("", &["pin", "--global", "3.11"]).ok();
    ctx.pyman("proj", &["pin", "3.11"])
        .ok()
        .stderr_has("Created `");
    ctx.write("keep/.python-version", format!("{}\n", old.version));
    let version = "import sys; print('%d.%d.%d' % sys.version_info[:3]); print(sys.prefix)";
    let before = ctx.run("proj", "python", &["-c", version]);
    assert!(before.ok().stdout.starts_with(&old.version), "{before}");

    // From a folder whose pin names the old patch: it is kept.
    let out = ctx.pyman("keep", &["upgrade", "--downloads-json", &both]);
    out.ok()
        .stderr_has(&format!(
            "Upgraded Python 3.11: {} -> {}",
            old.version, new.version
        ))
        .stderr_has(&format!("Kept Python {}: a pin names it", old.version));
    // The project venv and the default venv now run the new patch, unrebuilt.
    let venv = ctx.work.join("proj/.venv");
    let after = ctx.run("proj", "python", &["-c", version]);
    assert_eq!(
        after.ok().stdout,
        format!("{}\n{}\n", new.version, venv.display()),
        "{after}"
    );
    let default = ctx
        .pyman_home
        .join(format!("venvs/cpython-3.11-linux-{}-gnu", arch()));
    let out = ctx.run("elsewhere", "python", &["-c", version]);
    assert_eq!(
        out.ok().stdout,
        format!("{}\n{}\n", new.version, default.display())
    );
    // Elsewhere, the old patch goes.
    ctx.pyman("elsewhere", &["uninstall", &old.version]).ok();
    ctx.pyman("elsewhere", &["upgrade", "--downloads-json", &both])
        .ok()
        .stderr_has("is up to date");
}

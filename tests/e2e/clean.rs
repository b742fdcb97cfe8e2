//! Clean interpreters everywhere, and shims that never break a command that
//! works without pyman: a pyenv-style interpreter (a copy, never the
//! machine's own) stays untouched by every pip run through the shims, and
//! console scripts named like system commands fall through to them.

use std::path::{Path, PathBuf};

use crate::common::TestContext;
use crate::fixtures::{self, Wheel};

/// The wheels these tests install: a plain package, another plain one, and
/// one whose console script is called `base64`, like the system command.
fn wheels(dir: &Path) -> PathBuf {
    for (name, scripts) in [
        ("plain-pkg", &[][..]),
        ("other-pkg", &[][..]),
        ("b64-tool", &[("base64", "b64_tool:main")][..]),
    ] {
        Wheel {
            name,
            version: "1.0",
            scripts,
            ..Wheel::default()
        }
        .build(dir);
    }
    dir.to_path_buf()
}

#[test]
fn pip_through_the_shims_never_writes_into_a_discovered_interpreter() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let machine: Vec<_> = fixtures::machine_site_packages()
        .iter()
        .map(|d| (d.clone(), fixtures::snapshot(d)))
        .collect();
    let ctx = TestContext::new();
    let prefix = fixtures::pyenv_copy(py[0], &ctx.pyenv_root.join("versions"));
    let before = fixtures::snapshot(&prefix);
    let links = wheels(&ctx.dir("wheels")).display().to_string();
    let pip_env = [
        ("PIP_NO_INDEX", "1"),
        ("PIP_FIND_LINKS", links.as_str()),
        ("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
    ];
    ctx.pyman("", &["pin", "--global", &py[0].version]).ok();
    ctx.rehash();

    // Outside projects: the first use makes the interpreter's default venv, once.
    ctx.run_env("elsewhere", "pip", &["install", "plain-pkg"], &pip_env)
        .ok()
        .stderr_has("creating the default venv of Python");
    let out = ctx.run_env(
        "elsewhere",
        "python",
        &["-m", "pip", "install", "other-pkg"],
        &pip_env,
    );
    assert!(
        !out.ok().stderr.contains("creating the default venv"),
        "{out}"
    );
    // Both import through the `python` shim, and so does what the interpreter
    // held before pyman (its default venv sees the interpreter's packages).
    let out = ctx.run(
        "elsewhere",
        "python",
        &[
            "-c",
            "import plain_pkg, other_pkg, legacy_pkg, sys; print(plain_pkg.__file__); print(sys.prefix)",
        ],
    );
    let default_venv = out.ok().stdout.lines().nth(1).unwrap().to_string();
    assert!(
        default_venv.starts_with(&ctx.pyman_home.join("venvs/pyenv-").display().to_string()),
        "{out}"
    );
    assert!(
        out.stdout
            .lines()
            .next()
            .unwrap()
            .starts_with(&default_venv)
    );
    // `which` agrees with the shim.
    assert_eq!(
        ctx.pyman("elsewhere", &["which", "pip"]).ok().line(),
        format!("{default_venv}/bin/pip")
    );
    // The interpreter's files are exactly as they were.
    assert_eq!(
        fixtures::snapshot(&prefix),
        before,
        "pip wrote into the interpreter"
    );

    // doctor names the package that was installed into the interpreter itself.
    ctx.pyman("elsewhere", &["doctor"])
        .stdout_has("1 package in its own site-packages: legacy-pkg")
        .stdout_has(&format!("`pyman pin {}`", py[0].version));

    for (dir, snap) in machine {
        assert_eq!(
            fixtures::snapshot(&dir),
            snap,
            "the machine's {} changed",
            dir.display()
        );
    }
}

#[test]
fn a_console_script_named_like_a_system_command_falls_through_outside_its_venv() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let system_base64 = Path::new("/usr/bin/base64");
    if !system_base64.is_file() {
        crate::common::skip("needs /usr/bin/base64");
        return;
    }
    let ctx = TestContext::new();
    fixtures::pyenv_copy(py[0], &ctx.pyenv_root.join("versions"));
    let links = wheels(&ctx.dir("wheels")).display().to_string();
    let pip_env = [
        ("PIP_NO_INDEX", "1"),
        ("PIP_FIND_LINKS", links.as_str()),
        ("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
    ];
    ctx.pyman("proj", &["pin", &py[0].version]).ok();
    ctx.pyman("other", &["pin", &py[0].version]).ok();

    // A failed pip run links nothing, even with commands already in the venv.
    ctx.run_env("proj", "pip", &["install", "no-such-package"], &pip_env)
        .code(1);
    for name in ["activate", "no-such-package"] {
        assert!(!ctx.shims().join(name).exists(), "{name} was linked");
    }
    // A successful one links what it added: `base64` is now a shim.
    ctx.run_env("proj", "pip", &["install", "b64-tool"], &pip_env)
        .ok();
    assert!(ctx.shims().join("base64").exists());

    let project = ctx.run("proj", "base64", &[]);
    assert_eq!(
        project.ok().line(),
        format!(
            "b64-tool 1.0 from {}",
            ctx.work.join("proj/.venv").display()
        )
    );
    // The system's base64 everywhere else: another project, a global pin,
    // nothing selected at all, and a folder with a broken pin.
    let encode = |dir: &str| {
        let mut cmd = ctx.shell_command(dir, "base64", &["-w0"]);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"pyman").unwrap();
        crate::common::Out::from(child.wait_with_output().unwrap())
    };
    assert_eq!(encode("other").ok().line(), "cHltYW4=");
    assert_eq!(encode("nowhere").ok().line(), "cHltYW4=");
    ctx.write("broken/.python-version", "3.12.x\n");
    assert_eq!(encode("broken").ok().line(), "cHltYW4=");
    ctx.write("missing/.python-version", "3.4\n");
    assert_eq!(encode("missing").ok().line(), "cHltYW4=");
    ctx.pyman("", &["pin", "--global", &py[0].version]).ok();
    assert_eq!(encode("nowhere").ok().line(), "cHltYW4=");
    // `which` says the same, and doctor explains the shadowing.
    assert_eq!(
        ctx.pyman("other", &["which", "base64"]).ok().line(),
        "/usr/bin/base64"
    );
    ctx.pyman("other", &["doctor"])
        .stdout_has("the shim `base64` shadows `/usr/bin/base64`");

    // Python's own commands stay strict: no silent fall-through to another Python.
    ctx.run("missing", "python", &["-V"])
        .code(1)
        .stderr_has("Python `3.4` is not installed");
    // A command nothing has is still the 127 error with its hint.
    ctx.run("other", "no-such-tool-anywhere", &[]).code(127);
}

#[test]
fn with_nothing_selected_python_is_the_systems_and_pip_is_kept_off_it() {
    let Some(system) = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_file())
    else {
        crate::common::skip("needs a system python3 in /usr/bin or /usr/local/bin");
        return;
    };
    let ctx = TestContext::new();
    ctx.rehash();
    let out = ctx.run(
        "nothing",
        "python3",
        &[
            "-c",
            "import sys; print(sys._base_executable); print(sys.prefix)",
        ],
    );
    let lines: Vec<&str> = out.ok().stdout.lines().collect();
    assert_eq!(
        std::fs::canonicalize(lines[0]).unwrap(),
        std::fs::canonicalize(system).unwrap()
    );
    assert!(
        lines[1].starts_with(&ctx.pyman_home.join("venvs/system-").display().to_string()),
        "{out}"
    );
    out.stderr_has("creating the default venv");
    // Without any python on PATH, the error says what to do.
    ctx.run_env(
        "nothing",
        "python3",
        &["-V"],
        &[("PATH", &ctx.shims().display().to_string())],
    )
    .code(1)
    .stderr_has("nothing is pinned here")
    .stderr_has("pyman pin 3.12");
}

#[test]
fn pasted_commands_in_tool_versions_are_errors_with_the_fix() {
    let ctx = TestContext::new();
    ctx.rehash();
    ctx.write("p/.tool-versions", "nodejs 20.1.0\nlocal python 3.12\n");
    ctx.run("p", "python", &["-V"])
        .code(2)
        .stderr_has(".tool-versions` line 2 is a pasted command (`local python 3.12`)")
        .stderr_has("replace that line with `python 3.12`");
    ctx.pyman("p", &["current"]).code(2).stderr_has("line 2");
}

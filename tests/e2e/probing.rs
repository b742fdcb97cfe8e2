//! What the tools developers already use see through the shims: a home
//! found without `PYMAN_HOME` (tox passes its commands a few variables),
//! versioned names that are interpreters to build environments from,
//! `python -m pip install` linking its new commands, and `.venv`s other
//! tools made.

use std::path::PathBuf;

use crate::common::{Out, TestContext};
use crate::fixtures::{self, Wheel, pip_env};

/// `sys.prefix == sys.base_prefix` (an interpreter, not a venv), and the prefix.
fn what_runs(out: &Out) -> (bool, PathBuf) {
    let line = out.line();
    let (kind, prefix) = line.split_once(' ').unwrap_or(("", ""));
    (kind == "interpreter", PathBuf::from(prefix))
}

const WHAT: &str =
    "import sys; print('interpreter' if sys.prefix == sys.base_prefix else 'venv', sys.prefix)";

#[test]
fn a_shim_without_pyman_home_uses_the_home_it_lives_in() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&[py[0]]);
    ctx.rehash();
    ctx.pyman("proj", &["pin", &py[0].minor]).ok();
    let venv = ctx.work.join("proj/.venv");
    // As tox runs it: no PYMAN_HOME (the default home would be elsewhere).
    let mut cmd = ctx.shell_command("proj", "python", &["-c", WHAT]);
    cmd.env_remove("PYMAN_HOME");
    let out = Out::from(cmd.output().unwrap());
    out.ok();
    assert_eq!(what_runs(&out), (false, venv.clone()), "{out}");
    // A versioned name too, outside the project.
    let name = format!("python{}", py[0].minor);
    let mut cmd = ctx.shell_command("", &name, &["-c", WHAT]);
    cmd.env_remove("PYMAN_HOME");
    let out = Out::from(cmd.output().unwrap());
    out.ok();
    assert!(what_runs(&out).0, "{out}");
    // The variable still wins when set: another home has no such pin.
    let other = ctx.root.join("other-home");
    let out = ctx.run_env(
        "proj",
        "python",
        &["-c", WHAT],
        &[("PYMAN_HOME", &other.display().to_string())],
    );
    assert_ne!(what_runs(&out).1, venv, "{out}");
}

#[test]
fn versioned_names_are_interpreters_that_pip_never_installs_into() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::new();
    let prefix = fixtures::pyenv_copy(py[0], &ctx.pyenv_root.join("versions"));
    ctx.rehash();
    let links = fixtures::plain_pkg_wheels(&ctx.dir("wheels"));
    let name = format!("python{}", py[0].minor);
    let before = fixtures::snapshot(&prefix);
    ctx.pyman("proj", &["pin", &py[0].minor]).ok();
    for dir in ["", "proj"] {
        let out = ctx.run(dir, &name, &["-c", WHAT]);
        out.ok();
        assert_eq!(what_runs(&out), (true, prefix.clone()), "in `{dir}`: {out}");
        let pip = ctx.run_env(
            dir,
            &name,
            &["-m", "pip", "install", "plain-pkg"],
            &pip_env(&links),
        );
        assert_ne!(pip.code, Some(0), "pip into the interpreter: {pip}");
        assert!(
            pip.stderr.contains("virtualenv") || pip.stderr.contains("externally"),
            "{pip}"
        );
    }
    // What a person types keeps its environment: `python` is the project's venv.
    let out = ctx.run("proj", "python", &["-c", WHAT]);
    assert_eq!(
        what_runs(&out),
        (false, ctx.work.join("proj/.venv")),
        "{out}"
    );
    assert_eq!(
        fixtures::snapshot(&prefix),
        before,
        "the interpreter is untouched"
    );
}

#[test]
fn python_m_pip_install_links_new_commands_at_once() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&[py[0]]);
    ctx.rehash();
    let wheels = ctx.dir("wheels");
    Wheel {
        name: "hello-tool",
        version: "1.0",
        scripts: &[("hello-tool", "hello_tool:main")],
        ..Wheel::default()
    }
    .build(&wheels);
    let links = wheels.display().to_string();
    ctx.pyman("proj", &["pin", &py[0].minor]).ok();
    assert!(!ctx.shims().join("hello-tool").exists());
    ctx.run_env(
        "proj",
        "python",
        &["-m", "pip", "install", "hello-tool"],
        &pip_env(&links),
    )
    .ok();
    ctx.run("proj", "hello-tool", &[])
        .ok()
        .stdout_has("hello-tool 1.0");
    // A failed run links nothing: a tool whose dependency is nowhere.
    Wheel {
        name: "broken-tool",
        version: "1.0",
        scripts: &[("broken-tool", "broken_tool:main")],
        requires: &["no-such-dependency"],
        ..Wheel::default()
    }
    .build(&wheels);
    let failed = ctx.run_env(
        "proj",
        "python",
        &["-m", "pip", "install", "broken-tool"],
        &pip_env(&links),
    );
    assert_ne!(failed.code, Some(0), "{failed}");
    assert!(
        !ctx.shims().join("broken-tool").exists(),
        "nothing linked after a failure"
    );
}

#[test]
fn a_venv_another_interpreter_of_the_pinned_version_made_is_adopted() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let (pinned, other_minor) = (py[0], py[1]);
    let ctx = TestContext::with_pythons(&[pinned]);
    ctx.rehash();
    // Another copy of the same version, elsewhere (as virtualenv -p or uv
    // would find one), and an interpreter of another minor.
    for d in ["elsewhere", "other"] {
        std::fs::create_dir_all(ctx.root.join(d)).unwrap();
    }
    let elsewhere = fixtures::pyenv_copy(pinned, &ctx.root.join("elsewhere"));
    let other = fixtures::pyenv_copy(other_minor, &ctx.root.join("other"));
    ctx.write("proj/.python-version", format!("{}\n", pinned.minor));
    let made = ctx.run(
        "",
        &elsewhere.join("bin/python3").display().to_string(),
        &[
            "-m",
            "venv",
            "--without-pip",
            &ctx.work.join("proj/.venv").display().to_string(),
        ],
    );
    made.ok();
    let out = ctx.run("proj", "python", &["-c", WHAT]);
    out.ok();
    assert_eq!(
        what_runs(&out),
        (false, ctx.work.join("proj/.venv")),
        "adopted: {out}"
    );
    ctx.pyman("proj", &["doctor"]).stdout_has("matches its pin");

    // One of another minor is refused, with its fix.
    std::fs::remove_dir_all(ctx.work.join("proj/.venv")).unwrap();
    ctx.run(
        "",
        &other.join("bin/python3").display().to_string(),
        &[
            "-m",
            "venv",
            "--without-pip",
            &ctx.work.join("proj/.venv").display().to_string(),
        ],
    )
    .ok();
    let out = ctx.run("proj", "python", &["-c", WHAT]);
    assert_ne!(out.code, Some(0), "{out}");
    out.stderr_has("pyman venv --recreate");
}

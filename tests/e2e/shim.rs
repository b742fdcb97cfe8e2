//! The shims, run by name through a real PATH, as a user's shell runs them.

use std::process::Stdio;

use crate::common::TestContext;
use crate::fixtures;

const SHOW: &str = "import os, sys; print(sys.executable); print(sys.prefix); print(os.environ.get('VIRTUAL_ENV', '-'))";

#[test]
fn nested_projects_get_their_own_interpreter_and_agree_with_which() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    ctx.write("outer/.python-version", &py[0].minor);
    ctx.write("outer/a/b/inner/.python-version", &py[1].minor);
    ctx.write("outer/a/b/inner/c/d/e/.keep", "");
    ctx.rehash();
    for (dir, src) in [
        ("outer", py[0]),
        ("outer/a/b", py[0]),
        ("outer/a/b/inner/c/d/e", py[1]),
    ] {
        let out = ctx.run(
            dir,
            "python",
            &["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
        );
        assert_eq!(out.ok().line(), src.version, "in {dir}");
        // The shim, `pyman which` and `pyman current` give one answer.
        let exe = ctx
            .run(dir, "python", &["-c", "import sys; print(sys.executable)"])
            .line();
        let which = ctx.pyman(dir, &["which", "python"]).ok().line();
        assert_eq!(exe, which, "in {dir}");
        ctx.pyman(dir, &["current"]).ok().stdout_has(&src.version);
    }
    // PYMAN_PYTHON overrides every file.
    let out = ctx.run_env(
        "outer/a/b/inner",
        "python3",
        &["-c", "import sys; print(sys.version_info[1])"],
        &[("PYMAN_PYTHON", &py[0].minor)],
    );
    assert_eq!(out.ok().line(), py[0].minor.split('.').nth(1).unwrap());
}

#[test]
fn python3_x_runs_that_minor_whatever_the_pin() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    ctx.write("p/.python-version", &py[0].minor);
    ctx.rehash();
    let name = format!("python{}", py[1].minor);
    let out = ctx.run(
        "p",
        &name,
        &["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
    );
    assert_eq!(out.ok().line(), py[1].version);
    // And without any selection at all.
    let out = ctx.run("elsewhere", &name, &["-c", "print(1)"]);
    assert_eq!(out.ok().line(), "1");
    ctx.pyman("p", &["which", "python3.1"])
        .code(1)
        .stderr_has("pyman install 3.1");
}

#[test]
fn project_venv_is_used_with_virtual_env_set() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    ctx.write("proj/.python-version", &py[0].minor);
    ctx.rehash();
    ctx.run("proj", "python", &["-m", "venv", "--without-pip", ".venv"])
        .ok();
    ctx.rehash();
    let venv = ctx.work.join("proj/.venv");
    let out = ctx.run("proj/src/pkg", "python", &["-c", SHOW]);
    let lines: Vec<&str> = out.ok().stdout.lines().collect();
    assert_eq!(
        lines[0],
        venv.join("bin/python").display().to_string(),
        "{out}"
    );
    assert_eq!(
        lines[1],
        venv.display().to_string(),
        "sys.prefix is the venv: {out}"
    );
    assert_eq!(lines[2], venv.display().to_string(), "VIRTUAL_ENV: {out}");
    assert_eq!(
        ctx.pyman("proj/src", &["which"]).ok().line(),
        venv.join("bin/python").display().to_string()
    );
    ctx.pyman("proj", &["current"])
        .ok()
        .stdout_has("project venv");
}

#[test]
fn a_venv_built_from_another_interpreter_is_reported_never_run_or_deleted() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    ctx.write("proj/.python-version", &py[1].minor);
    ctx.rehash();
    ctx.run("proj", "python", &["-m", "venv", "--without-pip", ".venv"])
        .ok();
    // The pin moves on; the venv stays built from the old interpreter.
    ctx.write("proj/.python-version", &py[0].minor);
    let out = ctx.run("proj", "python", &["-c", "print('ran')"]);
    out.code(1)
        .stderr_has("pyman: error: the project venv")
        .stderr_has(&py[1].version)
        .stderr_has(&py[0].version)
        .stderr_has("pyman venv --recreate");
    assert!(!out.stdout.contains("ran"));
    assert!(
        ctx.work.join("proj/.venv/pyvenv.cfg").exists(),
        "the venv is never deleted"
    );
    ctx.pyman("proj", &["which"])
        .code(1)
        .stderr_has("pyman venv --recreate");
    ctx.pyman("proj", &["current"])
        .code(1)
        .stderr_has("was built from");
}

#[test]
fn exit_codes_stdin_stdout_and_arguments_pass_through() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    ctx.write("p/.python-version", &py[0].minor);
    ctx.rehash();
    for code in [0, 1, 42, 255] {
        ctx.run(
            "p",
            "python",
            &["-c", &format!("import sys; sys.exit({code})")],
        )
        .code(code);
    }
    let out = ctx.run(
        "p",
        "python",
        &[
            "-c",
            "import sys; print(sys.argv[1:])",
            "a b",
            "'q'",
            "\\x",
            "ünï",
        ],
    );
    assert_eq!(out.ok().line(), r#"['a b', "'q'", '\\x', 'ünï']"#);

    let mut cmd = ctx.shell_command(
        "p",
        "python",
        &[
            "-c",
            "import sys; sys.stdout.write(sys.stdin.read().upper())",
        ],
    );
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"through the shim\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "THROUGH THE SHIM\n");
}

#[test]
fn the_interpreter_replaces_the_shim_and_gets_signals() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    ctx.write("p/.python-version", &py[0].minor);
    ctx.rehash();
    let mut cmd = ctx.shell_command(
        "p",
        "python",
        &[
            "-c",
            "import os, sys, time; print(os.getpid(), flush=True); time.sleep(60)",
        ],
    );
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    // exec: sh, the shim and python are one process.
    assert_eq!(line.trim(), child.id().to_string());
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(15),
        "the interpreter died of the signal: {status:?}"
    );
}

#[test]
fn pip_and_console_scripts_run_from_the_venv() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    ctx.write("p/.python-version", &py[0].minor);
    ctx.rehash();
    // A console script in the project venv becomes a command after rehash.
    ctx.run("p", "python", &["-m", "venv", "--without-pip", ".venv"])
        .ok();
    ctx.write(
        "p/.venv/bin/hello-tool",
        "#!/bin/sh\necho \"hello from $VIRTUAL_ENV\"\n",
    );
    std::fs::set_permissions(
        ctx.work.join("p/.venv/bin/hello-tool"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    ctx.pyman("p", &["rehash"]).ok();
    assert!(ctx.shims().join("hello-tool").exists());
    let out = ctx.run("p", "hello-tool", &[]);
    assert_eq!(
        out.ok().line(),
        format!("hello from {}", ctx.work.join("p/.venv").display())
    );
    // Elsewhere it is not available, and the error says where it is.
    ctx.write("q/.python-version", &py[0].minor);
    ctx.run("q", "hello-tool", &[])
        .code(127)
        .stderr_has("`hello-tool` is not in the environment");
    // pip of the interpreter itself, found as pip/pip3/pip3.X.
    let pip = ctx.pyman("q", &["which", "pip"]).ok().line();
    assert!(pip.contains(&py[0].version), "{pip}");
}

#[test]
fn the_recursion_guard_stops_a_shim_that_finds_itself() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    ctx.write("p/.python-version", &py[0].minor);
    ctx.rehash();
    // A venv whose `python` is a link to a shim.
    ctx.dir("p/.venv/bin");
    let home = ctx
        .pyenv_root
        .join("versions")
        .join(&py[0].version)
        .join("bin");
    ctx.write("p/.venv/pyvenv.cfg", format!("home = {}\n", home.display()));
    std::os::unix::fs::symlink(
        ctx.shims().join("python"),
        ctx.work.join("p/.venv/bin/python"),
    )
    .unwrap();
    let out = ctx.run("p", "python", &["-c", "import sys; print(sys.executable)"]);
    // The shim is skipped as a target: the interpreter runs (from its
    // default venv), no loop.
    let line = out.ok().line();
    assert!(
        line.starts_with(&ctx.pyman_home.join("venvs/pyenv-").display().to_string()),
        "{line}"
    );

    // The depth counter is the second guard.
    ctx.run_env("p", "python", &["-V"], &[("PYMAN_SHIM_DEPTH", "20")])
        .code(1)
        .stderr_has("went through pyman's shims 20 times");
}

#[test]
fn shim_errors_are_prefixed_and_actionable() {
    let ctx = TestContext::new();
    ctx.pyman("", &["rehash"]).ok();
    // Nothing selected and no system Python on PATH.
    let shims_only = ctx.shims().display().to_string();
    ctx.run_env("none", "python", &["-V"], &[("PATH", &shims_only)])
        .code(1)
        .stderr_has("pyman: error: no system Python (`python3`, `python`) found on `PATH`")
        .stderr_has("nothing is pinned here")
        .stderr_has("pyman: hint:");
    ctx.write("p/.python-version", "3.4\n");
    ctx.run("p", "python", &["-V"])
        .code(1)
        .stderr_has("Python `3.4` is not installed")
        .stderr_has("pyman install 3.4");
    ctx.write("bad/.python-version", "3.12.x\n");
    ctx.run("bad", "pip", &["-V"])
        .code(2)
        .stderr_has("bad/.python-version` line 1");
}

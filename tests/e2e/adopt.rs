//! Projects other tools made, run as they are: pyenv-virtualenv's names in
//! `.python-version`, pyman's own named environments, several versions in
//! one file, pyenv's global file, pyenv's Python 2.7, a bare `.venv` (uv's
//! and the `py` launcher's habit) and `requires-python` against a pin.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Out, TestContext};
use crate::fixtures::{self, SourcePython};

const PREFIX: &str = "import sys; print(sys.prefix)";

fn prefix(out: &Out) -> PathBuf {
    PathBuf::from(out.line())
}

/// `python -m venv` from an interpreter, as pyenv-virtualenv and uv make them.
fn make_venv(python: &Path, at: &Path, with_pip: bool) {
    let mut cmd = Command::new(python);
    cmd.args(["-m", "venv"]);
    if !with_pip {
        cmd.arg("--without-pip");
    }
    let out = Out::from(cmd.arg(at).env_clear().output().unwrap());
    out.ok();
}

/// A pyenv root with a copy of `src` and a pyenv-virtualenv env `name`
/// inside it (`versions/V/envs/NAME`, and the link `versions/NAME`).
fn pyenv_with_env(ctx: &TestContext, src: &SourcePython, name: &str) -> PathBuf {
    let versions = ctx.pyenv_root.join("versions");
    let prefix = fixtures::pyenv_copy(src, &versions);
    let env = prefix.join("envs").join(name);
    make_venv(&prefix.join("bin/python3"), &env, true);
    std::os::unix::fs::symlink(
        Path::new(&src.version).join("envs").join(name),
        versions.join(name),
    )
    .unwrap();
    env
}

#[test]
fn pyenv_virtualenv_names_select_their_environment_and_pyman_never_writes_there() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::new();
    let env = pyenv_with_env(&ctx, py[0], "webapp");
    ctx.rehash();
    let before = fixtures::snapshot(&env);

    // The short name, as 90 of 155 real files hold it, and the long form.
    ctx.write("short/.python-version", "webapp\n");
    ctx.write(
        "long/.python-version",
        format!("{}/envs/webapp\n", py[0].version),
    );
    for project in ["short", "long"] {
        let out = ctx.run(project, "python", &["-c", PREFIX]);
        out.ok();
        assert_eq!(prefix(&out).file_name().unwrap(), "webapp", "{out}");
        // Its pip is the environment's own.
        let out = ctx.run(project, "pip", &["--version"]);
        out.ok().stdout_has("webapp");
        let out = ctx.pyman(project, &["current"]);
        out.ok().stdout_has("webapp").stdout_has(".python-version");
        let out = ctx.pyman(project, &["which", "python"]);
        out.ok().stdout_has("webapp/bin/python");
        // No project `.venv` appeared, no default venv was made for it.
        assert!(!ctx.work.join(project).join(".venv").exists());
    }
    assert_eq!(before, fixtures::snapshot(&env), "pyman wrote into the env");

    // pyenv's name for an interpreter that is not a version (`versions/mybuild`)
    // is that interpreter, as pyenv runs it, not an environment.
    std::os::unix::fs::symlink(&py[0].version, ctx.pyenv_root.join("versions/mybuild")).unwrap();
    ctx.write("custom/.python-version", "mybuild\n");
    let out = ctx.run(
        "custom",
        "python",
        &["-c", "import sys; print(sys.base_prefix)"],
    );
    out.ok().stdout_has("versions/mybuild");

    // A name found nowhere: the file, the line and both fixes.
    ctx.write("missing/.python-version", "\n# ours\nnosuchenv\n");
    let out = ctx.run("missing", "python", &["-c", "pass"]);
    out.code(1)
        .stderr_has("`nosuchenv`")
        .stderr_has("missing/.python-version` line 3")
        .stderr_has("pyman venv --name nosuchenv")
        .stderr_has("write a version such as `3.12`");
    // On the command line a name is not a request, and says what to do.
    let out = ctx.pyman("", &["install", "webapp"]);
    out.code(2).stderr_has("pyman venv --name webapp");
    // `pyman pin` takes a name that exists.
    ctx.pyman("pinned", &["pin", "webapp"]).ok();
    assert_eq!(
        std::fs::read_to_string(ctx.work.join("pinned/.python-version")).unwrap(),
        "webapp\n"
    );
    ctx.pyman("pinned", &["pin", "nosuchenv"]).code(2);
    // `pyman migrate` does not touch pyenv-virtualenv's environment.
    ctx.pyman("short", &["migrate", &py[0].minor])
        .code(1)
        .stderr_has("pyman venv --name webapp");
    assert_eq!(before, fixtures::snapshot(&env));
}

#[test]
fn pyman_named_envs_are_made_listed_selected_and_protected() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let (ctx, _server, _json) = fixtures::managed(py[0]);
    std::os::unix::fs::symlink(
        &py[1].prefix,
        ctx.pyenv_root.join("versions").join(&py[1].version),
    )
    .unwrap();
    ctx.rehash();
    let out = ctx.pyman("", &["venv", "--name", "tools", "--python", &py[0].minor]);
    out.ok();
    let root = ctx.pyman_home.join("envs/tools");
    assert!(root.join("pyvenv.cfg").is_file(), "{out}");
    ctx.pyman("", &["venv", "--list"])
        .ok()
        .stdout_has("named")
        .stdout_has("envs/tools");
    ctx.write("proj/.python-version", "tools\n");
    let out = ctx.run("proj/sub", "python", &["-c", PREFIX]);
    out.ok();
    assert_eq!(prefix(&out), root, "{out}");
    ctx.pyman("proj", &["current"])
        .ok()
        .stdout_has("named environment");
    // Its interpreter cannot go while it uses it.
    let out = ctx.pyman("", &["uninstall", &py[0].minor]);
    out.code(1).stderr_has("envs/tools");
    // `pyman migrate` moves the environment the pin names; the pin stays.
    ctx.pyman("proj", &["migrate", &py[1].minor]).ok();
    let cfg = std::fs::read_to_string(root.join("pyvenv.cfg")).unwrap();
    assert!(
        cfg.contains(&format!("version = {}", py[1].version)),
        "{cfg}"
    );
    assert_eq!(
        std::fs::read_to_string(ctx.work.join("proj/.python-version")).unwrap(),
        "tools\n"
    );
    let out = ctx.run("proj", "python", &["-c", PREFIX]);
    assert_eq!(prefix(out.ok()), root, "{out}");
    // Names a version file could never select are refused.
    for bad in [
        "3.12",
        "../x",
        ".hidden",
        "a/b",
        "pypy-tools",
        "latest",
        "miniconda-x",
    ] {
        ctx.pyman("", &["venv", "--name", bad]).code(2);
    }
}

#[test]
fn several_versions_in_one_file_and_pyenv_global() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let ctx = TestContext::with_pythons(&[py[0], py[1]]);
    ctx.rehash();
    ctx.write(
        "proj/.python-version",
        format!("{}\n{}\n", py[0].version, py[1].version),
    );
    let version = |out: &Out| out.line();
    let ask = "import platform; print(platform.python_version())";
    // The first decides `python`; the second answers for its own python3.X.
    let out = ctx.run("proj", "python", &["-c", ask]);
    out.ok();
    assert_eq!(version(&out), py[0].version, "{out}");
    let name = format!("python{}", py[1].minor);
    let out = ctx.run("proj", &name, &["-c", ask]);
    out.ok();
    assert_eq!(version(&out), py[1].version, "{out}");

    // pyenv's global file, after pyman's (absent) and before "nothing".
    std::fs::write(
        ctx.pyenv_root.join("version"),
        format!("{}\n", py[1].version),
    )
    .unwrap();
    let out = ctx.run("elsewhere", "python", &["-c", ask]);
    out.ok();
    assert_eq!(version(&out), py[1].version, "{out}");
    ctx.pyman("elsewhere", &["current"])
        .ok()
        .stdout_has("pyenv's global default");
    ctx.pyman("elsewhere", &["pin"])
        .ok()
        .stdout_has(&format!("{} (pyenv's global default)", py[1].version));
    // pyman's own global default comes first.
    ctx.pyman("", &["pin", "--global", &py[0].minor]).ok();
    let out = ctx.run("elsewhere", "python", &["-c", ask]);
    assert_eq!(version(&out), py[0].version, "{out}");
    // `pin --rm` removes the local pin; the global one applies again.
    ctx.pyman("proj", &["pin", "--rm"]).ok();
    assert!(!ctx.work.join("proj/.python-version").exists());
    let out = ctx.run("proj", "python", &["-c", ask]);
    assert_eq!(
        version(&out),
        py[0].version,
        "the global default applies again: {out}"
    );
    ctx.pyman("proj", &["pin", "--rm"]).code(1);
}

#[test]
fn a_bare_venv_decides_without_a_version_file() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let ctx = TestContext::with_pythons(&[py[0], py[1]]);
    ctx.rehash();
    ctx.pyman("", &["pin", "--global", &py[0].minor]).ok();
    let venv = ctx.dir("proj").join(".venv");
    make_venv(&py[1].exe(), &venv, false);
    let out = ctx.run("proj/src/deep", "python", &["-c", PREFIX]);
    out.ok();
    assert_eq!(prefix(&out), venv, "{out}");
    ctx.pyman("proj/src", &["current"])
        .ok()
        .stdout_has(".venv")
        .stdout_has("no version file");
    // Not above a repository's root, not in a folder anyone may write to,
    // not the home folder's own: those could be anyone's program, or take
    // over from the global default everywhere.
    ctx.dir("proj/repo/.git");
    let out = ctx.run("proj/repo/src", "python", &["-c", PREFIX]);
    assert_ne!(prefix(out.ok()), venv, "{out}");
    // Nor does a version file in such a folder choose what runs.
    let open = ctx.dir("open");
    std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o1777)).unwrap();
    let planted = ctx.write("open/planted", "#!/bin/sh\necho PLANTED\n");
    std::fs::set_permissions(
        &planted,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    ctx.write("open/.python-version", format!("{}\n", planted.display()));
    let out = ctx.run("open/deep", "python", &["-c", "print('not planted')"]);
    out.ok().stdout_has("not planted");
    ctx.pyman("open/deep", &["doctor"])
        .stdout_has("is passed over");
    // Pinning in such a folder says so.
    ctx.pyman("open", &["pin", &py[0].minor, "--no-venv"])
        .ok()
        .stderr_has("can be written by anyone");
    let shared = ctx.dir("shared");
    std::fs::set_permissions(
        &shared,
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .unwrap();
    make_venv(&py[1].exe(), &shared.join(".venv"), false);
    let out = ctx.run("shared/deep", "python", &["-c", PREFIX]);
    assert_ne!(prefix(out.ok()), shared.join(".venv"), "{out}");
    // A version file beats it, as everywhere: the pin decides, and the venv
    // built from another Python is reported.
    ctx.write("proj/.python-version", format!("{}\n", py[0].minor));
    ctx.run("proj", "python", &["-c", PREFIX])
        .code(1)
        .stderr_has("pyman venv --recreate");
}

#[test]
fn requires_python_refuses_a_contradicting_pin() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&[py[0]]);
    ctx.rehash();
    let (major, minor) = py[0].minor.split_once('.').unwrap();
    let newer = format!("{major}.{}", minor.parse::<u32>().unwrap() + 1);
    ctx.write(
        "proj/pyproject.toml",
        format!("[project]\nname = \"p\"\nrequires-python = \">={newer}\"\n"),
    );
    let out = ctx.pyman("proj", &["pin", &py[0].minor, "--no-venv"]);
    out.code(2)
        .stderr_has(&format!("`{}`", py[0].minor))
        .stderr_has(&format!(">={newer}"))
        .stderr_has("pyproject.toml")
        .stderr_has("--force");
    assert!(!ctx.work.join("proj/.python-version").exists());
    ctx.pyman("proj", &["pin", &py[0].minor, "--no-venv", "--force"])
        .ok();
    ctx.pyman("proj", &["current"])
        .ok()
        .stderr_has("contradicts `requires-python");
    ctx.pyman("proj", &["doctor"]).stdout_has("contradicts");
    // A pin the project allows is written without a word.
    ctx.write(
        "ok/pyproject.toml",
        format!("[project]\nrequires-python = \">={}\"\n", py[0].minor),
    );
    ctx.pyman("ok", &["pin", &py[0].minor, "--no-venv"]).ok();
}

#[test]
fn pyenvs_python_27_runs_but_pip_never_installs_into_it() {
    let Some(real) = fixtures::python27() else {
        crate::common::skip("needs pyenv's Python 2.7 (~/.pyenv/versions/2.7.*)");
        return;
    };
    let ctx = TestContext::new();
    let name = real.file_name().unwrap();
    std::os::unix::fs::symlink(&real, ctx.pyenv_root.join("versions").join(name)).unwrap();
    let before = fixtures::snapshot(&real);
    ctx.rehash();
    let version = name.to_string_lossy().into_owned();
    for request in ["2.7", version.as_str()] {
        let out = ctx.run_env(
            "",
            "python",
            &["-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            &[("PYMAN_PYTHON", request)],
        );
        out.ok();
        assert_eq!(out.line(), "2.7", "{out}");
    }
    let out = ctx.run_env(
        "",
        "pip",
        &["install", "anything"],
        &[("PYMAN_PYTHON", "2.7")],
    );
    out.code(1)
        .stderr_has("Python 2 has no `venv` module")
        .stderr_has("virtualenv");
    // `pyman run` says the same to pip.
    let out = ctx.pyman_env(
        "",
        &["run", "--", "pip", "install", "anything"],
        &[("PYMAN_PYTHON", "2.7"), ("PIP_NO_INDEX", "1")],
    );
    assert_ne!(out.code, Some(0), "{out}");
    assert!(
        out.stdout.contains("virtualenv") || out.stderr.contains("virtualenv"),
        "{out}"
    );
    // A path to its `python2.7` is known as Python 2: no default venv tried.
    let exe = ctx
        .pyenv_root
        .join("versions")
        .join(name)
        .join("bin/python2.7");
    let out = ctx.run_env(
        "",
        "python",
        &["-c", "import sys; print(sys.version_info[0])"],
        &[("PYMAN_PYTHON", &exe.display().to_string())],
    );
    out.ok();
    assert_eq!(out.line(), "2", "{out}");
    assert!(out.stderr.is_empty(), "{out}");
    // No venv for it either: Python 2 would ignore `pyvenv.cfg` and pip
    // would install into the interpreter.
    ctx.pyman("p27", &["pin", "2.7"]).ok();
    assert!(!ctx.work.join("p27/.venv").exists());
    ctx.pyman("", &["venv", "--python", "2.7", "v27"])
        .code(1)
        .stderr_has("no `venv` module");
    assert!(!ctx.work.join("v27").exists());
    ctx.pyman("", &["list"])
        .ok()
        .stdout_has(&version)
        .stdout_has("end of life");
    assert!(
        !ctx.pyman_home.join("venvs").exists()
            || std::fs::read_dir(ctx.pyman_home.join("venvs"))
                .unwrap()
                .flatten()
                .all(|e| !e.file_name().to_string_lossy().contains("2.7")),
        "a default venv was made for 2.7"
    );
    assert_eq!(before, fixtures::snapshot(&real), "pyman wrote into 2.7");
}

#[test]
fn a_path_request_says_what_the_path_is() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&[py[0]]);
    ctx.rehash();
    let empty = ctx.dir("empty");
    let text = ctx.write("notes.txt", "hello");
    let out = ctx.pyman("", &["pin", &empty.display().to_string(), "--no-venv"]);
    out.code(2)
        .stderr_has("a folder with no Python interpreter");
    let out = ctx.pyman("", &["pin", &text.display().to_string(), "--no-venv"]);
    out.code(2).stderr_has("not executable");
    // An interpreter's folder is a request for the interpreter in it.
    let prefix = ctx.pyenv_root.join("versions").join(&py[0].version);
    ctx.pyman("proj", &["pin", &prefix.display().to_string(), "--no-venv"])
        .ok();
    let out = ctx.run(
        "proj",
        "python",
        &["-c", "import platform; print(platform.python_version())"],
    );
    out.ok();
    assert_eq!(out.line(), py[0].version, "{out}");
    // `/proc/self/cwd/…` is a relative path in disguise.
    ctx.write("procdir/.python-version", "/proc/self/cwd/bin/python3\n");
    ctx.run("procdir", "python", &["-c", "pass"])
        .code(2)
        .stderr_has("relative path");
    // Free-threaded 3.12 does not exist: said so, with no install hint.
    ctx.pyman("", &["install", "3.12t"])
        .code(2)
        .stderr_has("free-threaded builds exist from Python 3.13");
}

//! Selection: `pin`, `current`, `which`, `list` against real interpreters.

use crate::common::TestContext;
use crate::fixtures;

#[test]
fn pin_writes_the_canonical_request_and_current_reports_its_source() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    let minor = &py[0].minor;
    ctx.pyman("proj", &["pin", &format!("cpython@{minor}")])
        .ok()
        .stderr_has(&format!("Pinned `{minor}`"))
        .stderr_has(&format!("Python {}", py[0].version));
    let file = ctx.work.join("proj/.python-version");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{minor}\n")
    );

    let out = ctx.pyman("proj/a/b/c", &["current"]);
    out.ok()
        .stdout_has(&format!("Python {} (pyenv)", py[0].version))
        .stdout_has(&format!("{}:1", file.display()));
    let json = ctx.pyman("proj/a/b/c", &["current", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["request"], minor.as_str());
    assert_eq!(v["source"]["kind"], "python-version");
    assert_eq!(v["source"]["line"], 1);
    assert_eq!(v["interpreter"]["version"], py[0].version.as_str());

    // `pyman pin` alone prints the pin that applies.
    assert_eq!(ctx.pyman("proj/a", &["pin"]).ok().line(), *minor);
}

#[test]
fn pin_warns_when_nothing_installed_satisfies_it() {
    let ctx = TestContext::new();
    ctx.pyman("p", &["pin", "3.4"])
        .ok()
        .stderr_has("no installed Python satisfies `3.4`")
        .stderr_has("pyman install 3.4");
    ctx.pyman("p", &["current"])
        .code(1)
        .stderr_has("Python `3.4` is not installed")
        .stderr_has("pyman install 3.4");
    ctx.pyman("p", &["which"])
        .code(1)
        .stderr_has("pyman install 3.4");
}

#[test]
fn invalid_requests_are_refused_with_the_valid_forms() {
    let ctx = TestContext::new();
    ctx.pyman("p", &["pin", "3.12.x"])
        .code(2)
        .stderr_has("`3.12.x` is not a valid Python request")
        .stderr_has("valid forms");
    ctx.pyman("p", &["pin", "pypy@3.10"])
        .code(2)
        .stderr_has("PyPy, which pyman does not support yet");
    ctx.pyman("p", &["pin", "../../bin/python"])
        .code(2)
        .stderr_has("`..`");
    assert!(
        !ctx.work.join("p/.python-version").exists(),
        "nothing written on error"
    );
}

#[test]
fn nearest_file_wins_in_nested_projects_and_each_kind_is_read() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    let (a, b) = (&py[0], &py[1]);
    ctx.write("outer/.python-version", format!("{}\n", a.minor));
    ctx.write(
        "outer/inner/.tool-versions",
        format!("nodejs 20.1.0\npython {} {}\n", b.version, a.version),
    );
    ctx.write("outer/inner/deep/x/.keep", "");
    // Outside a project venv, `which` names the interpreter's default venv.
    let default_venv = |s: &fixtures::SourcePython| {
        ctx.pyman_home
            .join(format!("venvs/pyenv-{}-", s.version))
            .display()
            .to_string()
    };
    let which = ctx.pyman("outer/inner/deep/x", &["which"]).ok().line();
    assert!(which.starts_with(&default_venv(b)), "{which}");
    let which = ctx.pyman("outer", &["which"]).ok().line();
    assert!(which.starts_with(&default_venv(a)), "{which}");

    // `.python-versions` (uv): the first line selects.
    ctx.write(
        "uvproj/.python-versions",
        format!("{}\n{}\n", b.minor, a.minor),
    );
    let which = ctx.pyman("uvproj", &["which"]).ok().line();
    assert!(which.starts_with(&default_venv(b)), "{which}");

    // pyproject.toml only where no version file exists up the tree.
    ctx.write(
        "pp/pyproject.toml",
        format!(
            "[project]\nname = \"x\"\nrequires-python = \"=={}.*\"\n",
            b.minor
        ),
    );
    let out = ctx.pyman("pp/src", &["current"]);
    out.ok()
        .stdout_has("pyproject.toml:3")
        .stdout_has(&b.version);
    ctx.write(
        "outer/pyproject.toml",
        format!("[project]\nrequires-python = \"=={}.*\"\n", b.minor),
    );
    let which = ctx.pyman("outer", &["which"]).ok().line();
    assert!(
        which.starts_with(&default_venv(a)),
        "a version file beats pyproject: {which}"
    );
}

#[test]
fn precedence_env_then_file_then_global() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    let (a, b) = (&py[0], &py[1]);
    ctx.pyman("", &["pin", "--global", &b.minor]).ok();
    ctx.pyman("anywhere", &["current"])
        .ok()
        .stdout_has(&b.version)
        .stdout_has("(global default)");
    ctx.write("proj/.python-version", &a.minor);
    ctx.pyman("proj", &["current"]).ok().stdout_has(&a.version);
    ctx.pyman_env("proj", &["current"], &[("PYMAN_PYTHON", &b.minor)])
        .ok()
        .stdout_has(&b.version)
        .stdout_has("`PYMAN_PYTHON`");
    ctx.pyman_env("proj", &["current"], &[("PYMAN_PYTHON", "echo 3")])
        .code(2)
        .stderr_has("`PYMAN_PYTHON` is set to `echo 3`");
}

#[test]
fn real_world_file_encodings_work() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    let minor = &py[0].minor;
    let mut utf16 = vec![0xFF, 0xFE];
    for u in format!("{minor}\r\n").encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("bom", format!("\u{feff}{minor}\n").into_bytes()),
        ("utf16", utf16),
        (
            "crlf",
            format!("# team pin\r\n\r\n  {minor}  # comment\r\n").into_bytes(),
        ),
        (
            "uvkey",
            format!("cpython-{}-linux-x86_64-gnu\n", py[0].version).into_bytes(),
        ),
    ];
    for (name, bytes) in cases {
        ctx.write(&format!("{name}/.python-version"), bytes);
        ctx.pyman(name, &["current"])
            .ok()
            .stdout_has(&py[0].version);
    }
}

#[test]
fn broken_version_files_name_file_and_line_and_never_fall_through() {
    let ctx = TestContext::new();
    ctx.pyman("", &["pin", "--global", "3"]).ok();
    let cases: &[(&str, &[u8], &str, i32)] = &[
        // Environment names that exist nowhere (tests/e2e/adopt.rs runs real ones).
        ("venvname", b"\nmyproject-env\n", "line 2", 1),
        (
            "pyenvvenv",
            b"3.10.4/envs/foo\n",
            "no environment named `3.10.4/envs/foo`",
            1,
        ),
        (
            "conda",
            b"miniforge3-22.11.1-4/envs/test\n",
            "conda environment",
            2,
        ),
        ("shell", b"echo 3.11\n", "pyman pin 3.11", 2),
        (
            "conflict",
            b"<<<<<<< HEAD\n3.12\n=======\n3.11\n>>>>>>> main\n",
            "merge-conflict",
            2,
        ),
        (
            "binary",
            b"\x7fELF\x02\x01\x01\x00\x00\x00",
            "is not text",
            2,
        ),
        ("dotdot", b"../../bin/python\n", "`..`", 2),
        ("empty", b"# nothing\n\n", "holds no Python version", 2),
    ];
    for (name, bytes, needle, code) in cases {
        let file = ctx.write(&format!("{name}/.python-version"), bytes);
        let out = ctx.pyman(name, &["current"]);
        out.code(*code)
            .stderr_has(needle)
            .stderr_has(&file.display().to_string())
            .stderr_has("hint:");
        ctx.pyman(name, &["which"])
            .code(1)
            .stderr_has(&file.display().to_string());
    }
    let huge = "3.12\n".repeat(20_000);
    ctx.write("huge/.python-version", huge);
    ctx.pyman("huge", &["current"])
        .code(2)
        .stderr_has("larger than 64 KiB");
}

#[test]
fn no_selection_says_how_to_make_one() {
    let ctx = TestContext::new();
    ctx.pyman("p", &["current"])
        .code(1)
        .stderr_has("no Python is selected here")
        .stderr_has("pyman pin 3.12");
    let shims_only = ctx.shims().display().to_string();
    ctx.pyman_env("p", &["which", "pip"], &[("PATH", &shims_only)])
        .code(1)
        .stderr_has("pyman pin");
    ctx.pyman("p", &["pin"])
        .code(1)
        .stderr_has("pin one with `pyman pin 3.12`");
}

#[test]
fn list_shows_discovered_interpreters_and_the_selection() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let ctx = TestContext::with_pythons(&py);
    ctx.write("p/.python-version", &py[1].minor);
    let out = ctx.pyman("p", &["list"]);
    out.ok();
    let selected: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with('*')).collect();
    assert_eq!(selected.len(), 1, "{out}");
    assert!(
        selected[0].contains(&py[1].version) && selected[0].contains("pyenv"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ctx.pyman("p", &["list", "--json"]).stdout).unwrap();
    let rows = json.as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["version"] == py[0].version.as_str() && r["origin"] == "pyenv")
    );
    assert_eq!(rows.iter().filter(|r| r["selected"] == true).count(), 1);
}

//! pyenv's own test cases (pyenv/pyenv `test/version-file-read.bats`,
//! `version-name.bats`, `which.bats`, `latest.bats`), each labelled with
//! its source, run against pyman's resolver on a pyenv root these tests
//! build. Where pyman deliberately differs, the case says so.

// Test code: a failed setup step should panic with its cause.
#![allow(
    clippy::unwrap_used,
    clippy::disallowed_methods,
    clippy::type_complexity
)]
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use pyman_resolver::inventory::{Interpreter, Inventory, Origin, install_key};
use pyman_resolver::target::{Context, find_target, resolve};
use pyman_resolver::version_file::parse_version_file;
use pyman_resolver::{Env, PymanHome, TargetError, TargetKind, Variant, Version, select};

/// version-file-read.bats: `(test, file text, Ok(first, others) | Err)`.
#[test]
fn version_file_read() {
    let cases: &[(&str, &str, Result<(&str, &[&str]), ()>)] = &[
        ("fails for blank file", "\n", Err(())),
        ("reads simple version file", "3.3.5\n", Ok(("3.3.5", &[]))),
        ("ignores leading spaces", "  3.3.5\n", Ok(("3.3.5", &[]))),
        // pyenv reads only the first word of a line; pyman keeps the others
        // as further versions (they answer for their `python3.X`).
        (
            "reads only the first word from file",
            "3.3.5 2.7.6\n",
            Ok(("3.3.5", &["2.7.6"])),
        ),
        (
            "loads *not* only the first line in file",
            "2.7.6 one\n3.3.5 two\n",
            Ok(("2.7.6", &["3.3.5"])),
        ),
        (
            "loads *not* only the first line in file",
            "2.7.6\n3.3.5\n",
            Ok(("2.7.6", &["3.3.5"])),
        ),
        (
            "ignores leading blank lines",
            "\n3.3.5\n",
            Ok(("3.3.5", &[])),
        ),
        (
            "handles the file with no trailing newline",
            "2.7.6",
            Ok(("2.7.6", &[])),
        ),
        ("ignores carriage returns", "3.3.5\r\n", Ok(("3.3.5", &[]))),
        (
            "skips comment lines",
            "3.9.3\n3.8.9\n  # 3.4.0\n#3.3.7\n2.7.16\n",
            Ok(("3.9.3", &["3.8.9", "2.7.16"])),
        ),
        ("skips `..' relative path traversal", "..\n", Err(())),
        // pyenv skips `../*` with a warning and reads on; pyman refuses the
        // file: a path climbing out is never a selection.
        ("skips glob path traversal", "../*\n3.9.3\n", Err(())),
        (
            "skips relative paths that lead outside of versions",
            "../3.10.3/envs/test",
            Err(()),
        ),
        // pyenv allows `3.10.3/envs/../test` when it stays inside; pyman
        // takes environment names without `..`.
        (
            "allows relative paths that exist and stay within versions",
            "3.10.3/envs/../test",
            Err(()),
        ),
        (
            "probe: a trailing comment",
            "3.12 # comment\n",
            Ok(("3.12", &[])),
        ),
        ("probe: tabs", "\t3.12\t3.11\n", Ok(("3.12", &["3.11"]))),
        (
            "probe: CRLF lines",
            "3.12\r\n3.11\r\n",
            Ok(("3.12", &["3.11"])),
        ),
        ("probe: whitespace only", "   \n\t\n", Err(())),
        ("probe: comments only", "#3.12\n", Err(())),
        (
            "probe: python- prefix and system",
            "python-3.12\nsystem\n",
            Ok(("3.12", &["system"])),
        ),
        (
            "probe: blank lines between",
            "3.12\n\n\n3.11",
            Ok(("3.12", &["3.11"])),
        ),
        (
            "probe: an env's long form",
            "3.10.3/envs/test\n",
            Ok(("3.10.3/envs/test", &[])),
        ),
    ];
    let path = Path::new("/p/.python-version");
    let mut failures = Vec::new();
    for (test, text, expect) in cases {
        let got = parse_version_file(path, text);
        let ok = match (&got, expect) {
            (Ok(r), Ok((first, others))) => {
                r.request.to_string() == *first
                    && r.others.iter().map(ToString::to_string).collect::<Vec<_>>() == *others
            }
            (Err(_), Err(())) => true,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "pyenv version-file-read.bats {test:?}: {text:?} gave {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A pyenv root with fake interpreters and the inventory pyman's
/// discovery would write for it.
struct Root {
    dir: PathBuf,
}

impl Root {
    fn new(name: &str, versions: &[&str]) -> Root {
        let dir = std::env::temp_dir().join(format!("pyman-pyenv-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("project")).unwrap();
        let root = Root { dir };
        let mut interpreters = Vec::new();
        for v in versions {
            let (number, variant) = match v.strip_suffix('t') {
                Some(n) => (n, Variant::Freethreaded),
                None => (*v, Variant::Default),
            };
            let version: Version = number.parse().unwrap();
            let exe = if version.major == 2 {
                "python"
            } else {
                "python3"
            };
            let executable = root.exe(&format!("pyenv/versions/{v}/bin/{exe}"));
            interpreters.push(Interpreter {
                key: install_key(&version, variant, "linux-x86_64-gnu"),
                version,
                variant,
                origin: Origin::Pyenv,
                executable,
            });
        }
        let home = root.home();
        fs::create_dir_all(home.root()).unwrap();
        fs::write(home.inventory_file(), Inventory { interpreters }.to_text()).unwrap();
        root
    }

    fn exe(&self, rel: &str) -> PathBuf {
        let p = self.dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, "#!/bin/sh\n").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn home(&self) -> PymanHome {
        PymanHome::new(self.dir.join("pyman"))
    }

    fn ctx(&self, pyman_python: Option<&str>) -> Context {
        let mut pairs = vec![
            (
                "PYENV_ROOT".to_string(),
                self.dir.join("pyenv").into_os_string(),
            ),
            ("HOME".to_string(), self.dir.join("home").into_os_string()),
            ("PATH".to_string(), "/nonexistent".into()),
        ];
        if let Some(v) = pyman_python {
            pairs.push(("PYMAN_PYTHON".to_string(), v.into()));
        }
        Context {
            cwd: self.dir.join("project"),
            env: Env::from_pairs(pairs),
            home: self.home(),
            shim_id: None,
        }
    }

    /// The version the selection here resolves to.
    fn version(&self, pyman_python: Option<&str>) -> Result<String, String> {
        let ctx = self.ctx(pyman_python);
        let selection = select(&ctx.cwd, &ctx.env, &ctx.home)
            .map_err(|e| e.to_string())?
            .ok_or("nothing selected")?;
        let inventory = Inventory::read(&ctx.home.inventory_file()).unwrap();
        let r = resolve(&ctx, &selection, &inventory).map_err(|e| e.to_string())?;
        Ok(r.installed.map(|i| i.version_string()).unwrap_or_default())
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn version_name() {
    // version-name.bats: "no version selected": pyman selects nothing (the
    // shims then use the system's Python, as pyenv's `system`).
    let r = Root::new("name", &["2.7.11", "3.5.1"]);
    assert_eq!(r.version(None), Err("nothing selected".into()));
    // "missing version": not installed, named in the error.
    let e = r.version(Some("1.2")).unwrap_err();
    assert!(e.contains("`1.2` is not installed"), "{e}");
    // "local file has precedence over global": pyenv's global file...
    r.write("pyenv/version", "2.7.11\n");
    assert_eq!(r.version(None).as_deref(), Ok("2.7.11"));
    // ...then the project's.
    r.write("project/.python-version", "3.5.1\n");
    assert_eq!(r.version(None).as_deref(), Ok("3.5.1"));
    // "PYENV_VERSION has precedence over local" (pyman's variable).
    assert_eq!(r.version(Some("2.7.11")).as_deref(), Ok("2.7.11"));
    // "version with prefix in name"
    r.write("project/.python-version", "python-2.7.11\n");
    assert_eq!(r.version(None).as_deref(), Ok("2.7.11"));
    // "falls back to pyenv-latest": a prefix is the newest of it.
    assert_eq!(r.version(Some("2.7")).as_deref(), Ok("2.7.11"));
    // "version with glob characters is handled correctly"
    assert!(r.version(Some("[1-9].?*")).is_err());

    let r = Root::new("latest-prefix", &["3.12.6", "3.12.10", "3.13.0", "3.13.1t"]);
    // "pyenv-latest fallback with prefix in name", and the probes.
    for (request, want) in [
        ("python-3.12", "3.12.10"),
        ("3.12", "3.12.10"),
        ("3.13t", "3.13.1t"),
        ("3.13", "3.13.0"),
        ("3", "3.13.0"),
    ] {
        assert_eq!(r.version(Some(request)).as_deref(), Ok(want), "{request}");
    }
}

#[test]
fn which() {
    let r = Root::new("which", &["2.7.18", "3.4.2", "3.3.7"]);
    r.exe("pyenv/versions/3.4.2/bin/py.test");
    r.exe("pyenv/versions/3.3.7/bin/py.test");
    let ctx = |v: &str| r.ctx(Some(v));
    // "outputs path to executable"
    let t = find_target(&ctx("2.7"), "python").unwrap();
    assert_eq!(t.program, r.dir.join("pyenv/versions/2.7.18/bin/python"));
    assert_eq!(t.kind, TargetKind::Interpreter);
    let t = find_target(&ctx("3.4"), "py.test").unwrap();
    assert_eq!(t.program, r.dir.join("pyenv/versions/3.4.2/bin/py.test"));
    // "version not installed": named, with the request.
    match find_target(&ctx("3.5"), "py.test") {
        Err(TargetError::NotInstalled { request, .. }) => assert_eq!(request.to_string(), "3.5"),
        other => panic!("{other:?}"),
    }
    // "executable found in other versions": pyman's error lists them too.
    match find_target(&ctx("2.7"), "py.test") {
        Err(e @ TargetError::CommandNotFound { .. }) => {
            let TargetError::CommandNotFound { elsewhere, .. } = &e else {
                unreachable!()
            };
            assert_eq!(elsewhere.len(), 2, "{e}");
            assert!(
                pyman_resolver::Hint::hint(&e).unwrap().contains("3.4.2"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    // "no executable found"
    assert!(matches!(
        find_target(&ctx("2.7"), "fab"),
        Err(TargetError::CommandNotFound { .. })
    ));
    // "tolerates nonexistent versions from pyenv-version-name": a listed
    // version that is not installed does not stop `python`.
    r.write("pyenv/version", "3.4\n2.7\n");
    let none = r.ctx(None);
    let t = find_target(&none, "python").unwrap();
    assert_eq!(t.program, r.dir.join("pyenv/versions/3.4.2/bin/python3"));
    // ...and each listed version answers for its own `python2.7`/`python3.X`.
    let t = find_target(&none, "python2.7").unwrap();
    assert_eq!(t.program, r.dir.join("pyenv/versions/2.7.18/bin/python"));
    // pyman: Python 2 has no venv module, so its pip is refused outside a virtualenv.
    r.exe("pyenv/versions/2.7.18/bin/pip");
    assert!(matches!(
        find_target(&ctx("2.7"), "pip"),
        Err(TargetError::Python2Pip { .. })
    ));
}

#[test]
fn latest() {
    // latest.bats: prefixes resolve to the newest final release, numerically,
    // `t` builds only when asked for.
    let best = |prefix: &str, installed: &[&str]| {
        let r = Root::new(&format!("latest-{}", prefix.replace('.', "_")), installed);
        r.version(Some(prefix))
    };
    assert_eq!(best("4", &["4.5.6"]).as_deref(), Ok("4.5.6"));
    assert!(
        best("3.8", &["3.5.6", "3.10.8"])
            .unwrap_err()
            .contains("not installed")
    );
    assert_eq!(
        best("3", &["2.7.18", "3.5.6", "3.10.8", "3.10.6"]).as_deref(),
        Ok("3.10.8")
    );
    assert_eq!(
        best(
            "3.8",
            &["3.8.5a2", "3.8.5b3", "3.8.5rc2", "3.8.5t", "3.8.1"]
        )
        .as_deref(),
        Ok("3.8.1")
    );
    assert_eq!(
        best("3t", &["3.13.2t", "3.13.5", "3.13.5t", "3.14.6"]).as_deref(),
        Ok("3.13.5t")
    );
}

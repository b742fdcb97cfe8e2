//! `pyman migrate`: a project's venv moves to a newer Python with its
//! packages (plain wheels, a console script, an editable project), or
//! nothing changes at all.

use std::path::{Path, PathBuf};

use crate::common::{Out, TestContext};
use crate::fixtures::{self, SourcePython, Wheel};

/// A local project installed in editable mode, with an in-tree PEP 660
/// backend (no setuptools, no index). `GAMMA_MARKER` makes its editable
/// build touch that file and sleep `GAMMA_SLEEP` seconds.
fn editable_project(dir: &Path) -> PathBuf {
    let root = dir.join("gamma");
    std::fs::create_dir_all(root.join("gamma")).unwrap();
    std::fs::write(root.join("gamma/__init__.py"), "VERSION = 'source'\n").unwrap();
    std::fs::write(
        root.join("pyproject.toml"),
        "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n\n[project]\nname = \"gamma\"\nversion = \"0.1\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("backend.py"),
        r#"import base64, hashlib, os, time, zipfile

def _wheel(directory, files):
    dist = "gamma-0.1.dist-info"
    files = dict(files)
    files[dist + "/METADATA"] = "Metadata-Version: 2.1\nName: gamma\nVersion: 0.1\n"
    files[dist + "/WHEEL"] = "Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    name = "gamma-0.1-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(os.path.join(directory, name), "w") as z:
        for path, body in files.items():
            data = body.encode()
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        record.append(dist + "/RECORD,,")
        z.writestr(dist + "/RECORD", "\n".join(record) + "\n")
    return name

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    here = os.path.dirname(os.path.abspath(__file__))
    return _wheel(wheel_directory, {"gamma/__init__.py": open(os.path.join(here, "gamma", "__init__.py")).read()})

def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    marker = os.environ.get("GAMMA_MARKER")
    if marker:
        open(marker, "w").close()
        time.sleep(float(os.environ.get("GAMMA_SLEEP", "0")))
    here = os.path.dirname(os.path.abspath(__file__))
    return _wheel(wheel_directory, {"_gamma_editable.pth": here + "\n"})
"#,
    )
    .unwrap();
    root
}

struct Project {
    ctx: TestContext,
    old: &'static SourcePython,
    new: &'static SourcePython,
    links: String,
    gamma: PathBuf,
}

impl Project {
    fn pip_env(&self) -> [(&str, &str); 3] {
        [
            ("PIP_NO_INDEX", "1"),
            ("PIP_FIND_LINKS", self.links.as_str()),
            ("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
        ]
    }

    fn migrate(&self, args: &[&str]) -> Out {
        let mut all = vec!["migrate"];
        all.extend(args);
        self.ctx.pyman_env("proj", &all, &self.pip_env())
    }

    fn venv_version(&self) -> String {
        let cfg = std::fs::read_to_string(self.ctx.work.join("proj/.venv/pyvenv.cfg")).unwrap();
        cfg.lines()
            .find_map(|l| l.strip_prefix("version = "))
            .unwrap()
            .to_string()
    }

    fn pin(&self) -> String {
        std::fs::read_to_string(self.ctx.work.join("proj/.python-version")).unwrap()
    }

    /// `python -c CODE` through the shim in the project.
    fn python(&self, code: &str) -> Out {
        self.ctx.run("proj", "python", &["-c", code])
    }
}

/// Two pyenv interpreters of different minors, a project pinned to the
/// older one whose venv holds `alpha` (with a console script), `beta`
/// (which needs alpha), the editable `gamma`, and `extra` packages.
fn project(extra: &[Wheel]) -> Option<Project> {
    let py = fixtures::require(2)?;
    let (new, old) = (py[0], py[1]);
    assert_ne!(new.minor, old.minor, "sources are one per minor");
    let ctx = TestContext::with_pythons(&[old, new]);
    ctx.rehash();
    let wheels = ctx.dir("wheels");
    Wheel {
        name: "alpha",
        version: "1.0",
        scripts: &[("alpha", "alpha:main")],
        ..Wheel::default()
    }
    .build(&wheels);
    Wheel {
        name: "beta",
        version: "2.0",
        requires: &["alpha"],
        ..Wheel::default()
    }
    .build(&wheels);
    for w in extra {
        w.build(&wheels);
    }
    let gamma = editable_project(&ctx.work);
    let p = Project {
        links: wheels.display().to_string(),
        ctx,
        old,
        new,
        gamma,
    };
    p.ctx.dir("proj");
    p.ctx.pyman("proj", &["pin", &old.minor]).ok();
    let mut install = vec!["install", "alpha", "beta", "-e"];
    let gamma = p.gamma.display().to_string();
    install.push(&gamma);
    let names: Vec<&str> = extra.iter().map(|w| w.name).collect();
    install.extend(names);
    p.ctx.run_env("proj", "pip", &install, &p.pip_env()).ok();
    Some(p)
}

#[test]
fn a_project_moves_to_a_newer_python_with_its_packages() {
    let Some(p) = project(&[]) else { return };
    let old_version = p.venv_version();

    // A dry run lists what would install, and changes nothing.
    p.migrate(&["--dry-run", &p.new.minor])
        .ok()
        .stdout_has("alpha==1.0")
        .stdout_has("beta==2.0")
        .stdout_has("gamma==0.1")
        .stderr_has("nothing was changed");
    assert_eq!(p.venv_version(), old_version);
    assert_eq!(p.pin().trim(), p.old.minor);

    // An exact pin stays exact (a minor one stays a minor).
    std::fs::write(
        p.ctx.work.join("proj/.python-version"),
        format!("{}\n", p.old.version),
    )
    .unwrap();
    p.migrate(&[&p.new.minor])
        .ok()
        .stderr_has("3 installed packages (pip freeze)")
        .stderr_has("Migrated");
    assert_eq!(p.pin().trim(), p.new.version);
    assert_eq!(p.venv_version(), p.new.version);
    let kept = p.ctx.work.join(format!("proj/.venv.old-{}", p.old.minor));
    assert!(kept.join("pyvenv.cfg").is_file(), "the old venv is kept");
    assert!(!p.ctx.work.join("proj/.venv.migrating").exists());

    // Everything imports through the shim, on the new Python.
    let out =
        p.python("import alpha, beta, gamma, sys; print(sys.version_info[:2], gamma.VERSION)");
    out.ok();
    let (major, minor) = p.new.minor.split_once('.').unwrap();
    assert_eq!(out.stdout.trim(), format!("({major}, {minor}) source"));
    // The console script pip wrote in the build folder runs from `.venv`.
    p.ctx.run("proj", "alpha", &[]).ok().stdout_has(&format!(
        "alpha 1.0 from {}",
        p.ctx.work.join("proj/.venv").display()
    ));
    // Still editable: a change to the source shows.
    std::fs::write(p.gamma.join("gamma/__init__.py"), "VERSION = 'edited'\n").unwrap();
    p.python("import gamma; print(gamma.VERSION)")
        .ok()
        .stdout_has("edited");

    p.ctx.pyman("proj", &["venv", "--prune"]).ok();
    assert!(!kept.exists());
}

#[test]
fn a_package_that_excludes_the_new_python_stops_the_migration() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let below = format!("<{}", py[0].minor);
    let pinned_old = Wheel {
        name: "oldonly",
        version: "1.0",
        requires_python: Some(below.as_str()),
        ..Wheel::default()
    };
    let Some(p) = project(std::slice::from_ref(&pinned_old)) else {
        return;
    };
    let old_version = p.venv_version();
    // A Python that is not installed, and no `--install`: said, nothing done.
    let out = p.migrate(&["3.99"]);
    assert_ne!(out.code, Some(0), "{out}");
    out.stderr_has("`3.99` is not installed");
    let out = p.migrate(&[&p.new.minor]);
    out.code(1)
        .stderr_has("some packages did not install")
        .stderr_has("oldonly")
        .stderr_has("and the pin are unchanged");
    assert_eq!(p.venv_version(), old_version);
    assert_eq!(p.pin().trim(), p.old.minor);
    assert!(!p.ctx.work.join("proj/.venv.migrating").exists());
    assert!(
        !p.ctx
            .work
            .join(format!("proj/.venv.old-{}", p.old.minor))
            .exists()
    );
    p.python("import alpha, oldonly").ok();

    // The dry run names the one line that would not install.
    let out = p.migrate(&["--dry-run", &p.new.minor]);
    out.code(1)
        .stdout_has("oldonly==1.0")
        .stderr_has("1 requirement line would not install");
    assert!(!out.stdout.contains("alpha"), "{out}");
    assert_eq!(p.pin().trim(), p.old.minor);
}

#[test]
fn ctrl_c_mid_migration_leaves_the_old_venv_working() {
    let Some(p) = project(&[]) else { return };
    let marker = p.ctx.root.join("building");
    let marker_s = marker.display().to_string();
    let mut env = p.pip_env().to_vec();
    env.push(("GAMMA_MARKER", &marker_s));
    env.push(("GAMMA_SLEEP", "30"));
    let mut cmd = p.ctx.shell_command(
        "proj",
        &crate::common::pyman_bin().display().to_string(),
        &["migrate", &p.new.minor],
    );
    for (k, v) in &env {
        cmd.env(k, v);
    }
    // Its own process group, as a terminal's foreground job: Ctrl-C reaches
    // pyman and pip alike.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&marker, "the editable build never started");
    let status = std::process::Command::new("kill")
        .args(["-INT", "--", &format!("-{}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let out = Out::from(child.wait_with_output().unwrap());
    assert_ne!(out.code, Some(0), "{out}");
    assert_eq!(p.pin().trim(), p.old.minor);
    assert!(!p.ctx.work.join("proj/.venv.migrating").exists(), "{out}");
    let (major, minor) = p.old.minor.split_once('.').unwrap();
    p.python("import alpha, beta, gamma, sys; print(sys.version_info[:2])")
        .ok()
        .stdout_has(&format!("({major}, {minor})"));
}

#[test]
fn interpreters_know_their_venvs_and_uninstall_protects_them() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::new();
    let server = crate::server::Server::start();
    let archive = fixtures::install_only(py[0]);
    let json = fixtures::serve(&server, &[(py[0], &archive)]);
    ctx.pyman("", &["install", &py[0].version, "--downloads-json", &json])
        .ok();
    for proj in ["one", "two"] {
        ctx.dir(proj);
        ctx.pyman(proj, &["pin", &py[0].minor]).ok();
    }
    let (one, two) = (ctx.work.join("one/.venv"), ctx.work.join("two/.venv"));
    let out = ctx.pyman("", &["venv", "--list"]);
    out.ok()
        .stdout_has(&format!(
            "project  {}  Python {}",
            one.display(),
            py[0].version
        ))
        .stdout_has(&format!("project  {}", two.display()))
        .stdout_has("default  ");
    let count = |ctx: &TestContext| {
        let out = ctx.pyman("", &["list", "--json"]);
        let rows: serde_json::Value = serde_json::from_str(&out.ok().stdout).unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["origin"] == "managed")
            .map(|r| r["venvs"].as_u64().unwrap())
            .unwrap()
    };
    assert_eq!(count(&ctx), 3, "two projects and the default venv");

    // A deleted project is forgotten.
    std::fs::remove_dir_all(ctx.work.join("two")).unwrap();
    let out = ctx.pyman("", &["venv", "--list"]);
    assert!(
        !out.ok().stdout.contains(&two.display().to_string()),
        "{out}"
    );
    assert_eq!(count(&ctx), 2);

    // Uninstall refuses while a project venv uses it, and says what to do.
    ctx.pyman("", &["uninstall", &py[0].minor])
        .code(1)
        .stderr_has("is used by 1 project venv")
        .stderr_has(&one.display().to_string())
        .stderr_has("pyman migrate")
        .stderr_has("--force");
    assert!(
        ctx.pyman_home
            .join("pythons")
            .join(format!(
                "cpython-{}-linux-{}-gnu",
                py[0].version,
                std::env::consts::ARCH
            ))
            .is_dir()
    );
    ctx.pyman("", &["uninstall", "--force", &py[0].minor])
        .ok()
        .stderr_has("stop working");
    ctx.pyman("", &["venv", "--list"]).ok().stdout_has("stale");
}

#[test]
fn killed_at_any_step_the_project_stays_consistent_and_a_rerun_finishes() {
    let Some(p) = project(&[]) else { return };
    // An older kept venv, which the migration clears before the swap.
    let older = p.ctx.work.join("proj/.venv.old-2.7");
    std::fs::create_dir_all(&older).unwrap();
    for step in ["built", "cleared", "swapped"] {
        let mut env = p.pip_env().to_vec();
        env.push(("PYMAN_TEST_CRASH_AT", step));
        let out = p.ctx.pyman_env("proj", &["migrate", &p.new.minor], &env);
        assert_ne!(out.code, Some(0), "{step}: it died\n{out}");
        let venv = p.venv_version();
        let pin = p.pin();
        // Either the old venv and the old pin, or the new venv (after the
        // swap) with the old pin; never a venv the pin cannot explain.
        let consistent = (venv == p.old.version && pin.trim() == p.old.minor)
            || (step == "swapped" && venv == p.new.version);
        assert!(consistent, "{step}: venv {venv}, pin {pin}");
        if venv == p.old.version {
            p.python("import alpha, beta").ok();
        }
        if step != "built" {
            assert!(!older.exists(), "{step}: older kept venvs go first");
        }
    }
    // The run killed after the swap left the old pin: a rerun writes it.
    p.migrate(&[&p.new.minor]).ok().stderr_has("Pinned");
    assert_eq!(p.pin().trim(), p.new.minor);
    p.python("import alpha, beta, gamma").ok();
    // A migration that died left `.venv.migrating`: the next one starts clean.
    assert!(!p.ctx.work.join("proj/.venv.migrating").exists());
}

#[test]
fn two_migrations_at_once_take_turns() {
    let Some(p) = project(&[]) else { return };
    let marker = p.ctx.work.join("first-is-building");
    let mut env = p.pip_env().to_vec();
    let marker_s = marker.display().to_string();
    env.push(("GAMMA_MARKER", marker_s.as_str()));
    env.push(("GAMMA_SLEEP", "2"));
    let mut first = p.ctx.command_for(&crate::common::pyman_bin(), "proj");
    first.args(["migrate", &p.new.minor]);
    for (k, v) in &env {
        first.env(k, v);
    }
    let first = first
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&marker, "the first migration never built gamma");
    // The second waits for the first, then finds the work done.
    let second = p.migrate(&[&p.new.minor]);
    let first = Out::from(first.wait_with_output().unwrap());
    first.ok().stderr_has("Migrated");
    second
        .ok()
        .stderr_has("Waiting for another `pyman migrate`")
        .stderr_has("already uses");
    assert_eq!(p.venv_version(), p.new.version);
    p.python("import alpha, beta, gamma").ok();
}

#[test]
fn a_linked_venv_is_migrated_where_it_points_and_prune_removes_what_it_kept() {
    let Some(p) = project(&[]) else { return };
    let proj = p.ctx.work.join("proj");
    let real = p.ctx.work.join("venvs/proj");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    // Move the venv elsewhere and link it, as some users keep venvs.
    p.ctx
        .pyman_env(
            "proj",
            &[
                "venv",
                &real.display().to_string(),
                "--python",
                &p.old.minor,
            ],
            &[],
        )
        .ok();
    std::fs::remove_dir_all(proj.join(".venv")).unwrap();
    std::os::unix::fs::symlink(&real, proj.join(".venv")).unwrap();
    p.ctx
        .run_env("proj", "pip", &["install", "alpha", "beta"], &p.pip_env())
        .ok();
    p.migrate(&[&p.new.minor]).ok().stderr_has("Migrated");
    let link = std::fs::read_link(proj.join(".venv")).unwrap();
    assert_eq!(link, real, "the link still points at the same folder");
    assert_eq!(p.venv_version(), p.new.version);
    p.python("import alpha, beta").ok();
    let kept = p.ctx.work.join(format!("venvs/proj.old-{}", p.old.minor));
    assert!(
        kept.join("pyvenv.cfg").is_file(),
        "kept beside the real folder"
    );
    assert!(!proj.join(format!(".venv.old-{}", p.old.minor)).exists());
    p.ctx.pyman("proj", &["venv", "--prune"]).ok();
    assert!(
        !kept.exists(),
        "prune removed the kept venv, not just a link"
    );
    assert!(real.join("pyvenv.cfg").is_file());
}

#[test]
fn migrate_install_fetches_a_missing_python_in_process_and_moves_the_venv() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let (new, old) = (py[0], py[1]);
    // Only the old Python is on the machine; the new one is served.
    let ctx = TestContext::with_pythons(&[old]);
    ctx.rehash();
    let server = crate::server::Server::start();
    let archive = fixtures::install_only(new);
    let json = fixtures::serve(&server, &[(new, &archive)]);
    ctx.dir("proj");
    ctx.pyman("proj", &["pin", &old.minor]).ok();
    let out = ctx.pyman(
        "proj",
        &[
            "migrate",
            "--install",
            &new.minor,
            "--downloads-json",
            &json,
        ],
    );
    out.ok()
        .stderr_has(&format!("Installed Python {}", new.version))
        .stderr_has("Migrated");
    let cfg = std::fs::read_to_string(ctx.work.join("proj/.venv/pyvenv.cfg")).unwrap();
    assert!(cfg.contains(&format!("version = {}", new.version)), "{cfg}");
    assert_eq!(server.hits(&archive.file_name), 1);
    // The index flags work without `--install` too: nothing more to fetch.
    ctx.pyman("proj", &["migrate", &new.minor, "--downloads-json", &json])
        .ok()
        .stderr_has("already uses");
}

/// Waits (a minute at most) for a marker file a child process touches.
#[track_caller]
fn wait_for(marker: &Path, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !marker.exists() {
        assert!(std::time::Instant::now() < deadline, "{what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

//! `pyman tool`: applications in their own venvs, with their commands on
//! the PATH `pyman setup` writes, surviving moves between Pythons and the
//! removal of the one under them. Local wheels the test builds, no network.

use std::process::Command;

use crate::common::{Out, TestContext};
use crate::fixtures::{self, Wheel};

/// A command from a new shell that has only the PATH lines `pyman setup
/// --print sh` writes (and the system's folders).
fn from_new_shell(ctx: &TestContext, setup: &str, cwd: &str, line: &str) -> Out {
    let mut cmd: Command = ctx.command_for(std::path::Path::new("/bin/sh"), cwd);
    cmd.env("PATH", "/usr/bin:/bin")
        .arg("-c")
        .arg(format!("{setup}\n{line}"));
    Out::from(cmd.output().unwrap())
}

fn python_of(list: &Out, tool: &str) -> String {
    list.stdout
        .lines()
        .find(|l| l.starts_with(&format!("{tool} ")))
        .and_then(|l| l.split("Python ").nth(1))
        .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
        .unwrap_or_default()
}

#[test]
fn tools_live_in_their_own_venvs_and_survive_their_python() {
    let Some(py) = fixtures::require(3) else {
        return;
    };
    // 3.12 installed by pyman (so it can be uninstalled), 3.11 and 3.13 from pyenv.
    let (mut ctx, _server, json) = fixtures::managed(py[0]);
    for p in &py[1..] {
        std::os::unix::fs::symlink(&p.prefix, ctx.pyenv_root.join("versions").join(&p.version))
            .unwrap();
    }
    ctx.rehash();
    let wheels = ctx.dir("wheels");
    let requires_python = format!(">={}", py[0].minor);
    for w in [
        Wheel {
            name: "helper-lib",
            version: "1.0",
            ..Wheel::default()
        },
        Wheel {
            name: "plugin-x",
            version: "1.0",
            ..Wheel::default()
        },
        Wheel {
            name: "mytool",
            version: "1.0",
            scripts: &[("mytool", "mytool:main")],
            requires: &["helper-lib"],
            requires_python: Some(&requires_python),
            ..Wheel::default()
        },
        Wheel {
            name: "othertool",
            version: "1.0",
            scripts: &[("mytool", "othertool:main")],
            ..Wheel::default()
        },
        Wheel {
            name: "runme",
            version: "1.0",
            scripts: &[("runme", "runme:main")],
            ..Wheel::default()
        },
    ] {
        w.build(&wheels);
    }
    ctx.set_env("PIP_NO_INDEX", "1");
    ctx.set_env("PIP_FIND_LINKS", wheels.clone());
    ctx.set_env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
    let setup = ctx
        .pyman("", &["setup", "--print", "sh"])
        .ok()
        .stdout
        .clone();
    let tool_venv = ctx.pyman_home.join("tools/mytool");

    // Install with a dependency and `--with`.
    let out = ctx.pyman(
        "",
        &[
            "tool",
            "install",
            "mytool",
            "--with",
            "plugin-x",
            "--python",
            &py[0].minor,
        ],
    );
    out.ok().stderr_has("mytool 1.0").stderr_has("`mytool`");
    let imports = Command::new(tool_venv.join("bin/python"))
        .args(["-c", "import helper_lib, plugin_x"])
        .env_clear()
        .output()
        .unwrap();
    assert!(imports.status.success(), "{imports:?}");
    // Its venv is not a default venv, and is built on the per-minor link.
    let cfg = std::fs::read_to_string(tool_venv.join("pyvenv.cfg")).unwrap();
    let home_line = cfg
        .lines()
        .find(|l| l.starts_with("home ="))
        .unwrap_or_default();
    assert!(
        home_line.contains(&format!("cpython-{}-", py[0].minor)) && !home_line.contains("venvs"),
        "not built on the per-minor link: {cfg}"
    );
    let out = from_new_shell(&ctx, &setup, "", "mytool");
    out.ok()
        .stdout_has("mytool 1.0 from")
        .stdout_has(&tool_venv.display().to_string());
    // pip came with its bytecode: it does not compile itself in every tool venv.
    let pycache = tool_venv.join(format!(
        "lib/python{}/site-packages/pip/__pycache__",
        py[0].minor
    ));
    assert!(
        std::fs::read_dir(&pycache).is_ok_and(|mut d| d.next().is_some()),
        "no bytecode in {}",
        pycache.display()
    );

    // A project's own copy wins inside it; the tool elsewhere.
    ctx.pyman("proj", &["pin", &py[0].minor]).ok();
    ctx.run("proj", "pip", &["install", "mytool"]).ok();
    let out = from_new_shell(&ctx, &setup, "proj", "mytool");
    out.ok()
        .stdout_has(&ctx.work.join("proj/.venv").display().to_string());
    let out = from_new_shell(&ctx, &setup, "", "mytool");
    out.ok().stdout_has(&tool_venv.display().to_string());

    // A collision is refused naming both; `--force` takes the command over.
    let out = ctx.pyman("", &["tool", "install", "othertool"]);
    out.code(1)
        .stderr_has("`mytool`")
        .stderr_has("`othertool`")
        .stderr_has("--force");
    assert!(!ctx.pyman_home.join("tools/othertool").exists());
    ctx.pyman("", &["tool", "install", "othertool", "--force"])
        .ok();
    from_new_shell(&ctx, &setup, "", "mytool")
        .ok()
        .stdout_has("othertool 1.0");
    // While othertool has it, upgrading mytool keeps it there, and says so.
    ctx.pyman("", &["tool", "upgrade", "mytool"])
        .ok()
        .stderr_has("stays the command of the tool `othertool`");
    from_new_shell(&ctx, &setup, "", "mytool")
        .ok()
        .stdout_has("othertool 1.0");
    // Gone again, the command goes with it; an upgrade of mytool links it back.
    ctx.pyman("", &["tool", "uninstall", "othertool"]).ok();
    ctx.pyman("", &["tool", "upgrade", "mytool"]).ok();
    from_new_shell(&ctx, &setup, "", "mytool")
        .ok()
        .stdout_has("mytool 1.0");

    // Its Python cannot be uninstalled while it uses it.
    let out = ctx.pyman("", &["uninstall", &py[0].minor]);
    out.code(1).stderr_has("the tool `mytool`");

    // An older Python its Requires-Python excludes: fails, nothing changes.
    let out = ctx.pyman("", &["tool", "upgrade", "mytool", "--python", &py[1].minor]);
    out.code(1)
        .stderr_has("unchanged")
        .stderr_has(&requires_python);
    let list = ctx.pyman("", &["tool", "list"]);
    assert!(
        python_of(list.ok(), "mytool").starts_with(&py[0].minor),
        "{list}"
    );
    from_new_shell(&ctx, &setup, "", "mytool")
        .ok()
        .stdout_has("mytool 1.0");

    // A newer one works and keeps `--with`.
    ctx.pyman("", &["tool", "upgrade", "mytool", "--python", &py[2].minor])
        .ok();
    let list = ctx.pyman("", &["tool", "list"]);
    assert!(
        python_of(list.ok(), "mytool").starts_with(&py[2].minor),
        "{list}"
    );
    let imports = Command::new(tool_venv.join("bin/python"))
        .args(["-c", "import plugin_x"])
        .env_clear()
        .output()
        .unwrap();
    assert!(imports.status.success(), "--with was lost: {imports:?}");
    // On pyenv's Python, pip's bytecode comes from pyman's compiled copy.
    let pycache = tool_venv.join(format!(
        "lib/python{}/site-packages/pip/__pycache__",
        py[2].minor
    ));
    assert!(
        std::fs::read_dir(&pycache).is_ok_and(|mut d| d.next().is_some()),
        "no bytecode in {}",
        pycache.display()
    );
    assert!(ctx.pyman_home.join("cache/seed").is_dir());
    from_new_shell(&ctx, &setup, "", "mytool")
        .ok()
        .stdout_has("mytool 1.0");

    // Back on 3.12, whose removal (forced) breaks it: a clear message, the
    // list says so, and an upgrade repairs it once the Python is back.
    ctx.pyman("", &["tool", "upgrade", "mytool", "--python", &py[0].minor])
        .ok();
    ctx.pyman("", &["uninstall", &py[0].minor, "--force"]).ok();
    let out = from_new_shell(&ctx, &setup, "", "mytool");
    out.code(1)
        .stderr_has("whose Python is gone")
        .stderr_has("pyman tool upgrade mytool");
    assert!(!out.stderr.contains("Traceback"), "{out}");
    ctx.pyman("", &["tool", "list"]).ok().stderr_has("broken");
    ctx.pyman("", &["doctor"])
        .code(1)
        .stdout_has("the tool `mytool` is broken");
    ctx.pyman("", &["tool", "list", "--json"])
        .ok()
        .stdout_has("\"broken\": true");
    ctx.pyman("", &["install", &py[0].minor, "--downloads-json", &json])
        .ok();
    ctx.pyman("", &["tool", "upgrade", "mytool"]).ok();
    from_new_shell(&ctx, &setup, "", "mytool")
        .ok()
        .stdout_has("mytool 1.0");

    // A file in the shims folder that is not pyman's is never replaced.
    std::fs::write(ctx.shims().join("binlike"), "#!/bin/sh\necho mine\n").unwrap();
    // A command shipped as a file (as ruff's binary is), not an entry point.
    Wheel {
        name: "binlike",
        version: "2.0",
        data_scripts: &[("binlike", "#!python\nprint('binlike ran')\n")],
        ..Wheel::default()
    }
    .build(&wheels);
    ctx.pyman("", &["tool", "install", "binlike"])
        .code(1)
        .stderr_has("not one of pyman's shims");
    assert_eq!(
        std::fs::read_to_string(ctx.shims().join("binlike")).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    std::fs::remove_file(ctx.shims().join("binlike")).unwrap();
    ctx.pyman("", &["tool", "install", "binlike"])
        .ok()
        .stderr_has("`binlike`");
    from_new_shell(&ctx, &setup, "", "binlike")
        .ok()
        .stdout_has("binlike ran");

    // `tool run` runs without installing.
    let out = ctx.pyman("", &["tool", "run", "runme", "--", "a"]);
    out.ok().stdout_has("runme 1.0 from").stdout_has("tool-run");
    let list = ctx.pyman("", &["tool", "list"]);
    assert!(!list.ok().stdout.contains("runme"), "{list}");
    ctx.pyman("", &["cache", "clean"]).ok();
    assert!(!ctx.pyman_home.join("cache/tool-run").exists());

    // `tool uninstall` removes the command; an unknown name is an error.
    ctx.pyman("", &["tool", "uninstall", "mytool"]).ok();
    assert!(!tool_venv.exists());
    let out = from_new_shell(&ctx, &setup, "", "mytool");
    assert_ne!(out.code, Some(0), "{out}");
    ctx.pyman("", &["tool", "uninstall", "mytool"])
        .code(2)
        .stderr_has("pyman tool list");
}

#[test]
fn pip_install_outside_projects_points_at_pyman_tool_once() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::with_pythons(&[py[0]]);
    ctx.rehash();
    ctx.pyman("", &["pin", "--global", &py[0].minor]).ok();
    let links = fixtures::plain_pkg_wheels(&ctx.dir("wheels"));
    let env = fixtures::pip_env(&links);
    let first = ctx.run_env("", "pip", &["install", "plain-pkg"], &env);
    first.ok().stderr_has("pyman tool install");
    let again = ctx.run_env("", "pip", &["install", "plain-pkg"], &env);
    assert!(
        !again.ok().stderr.contains("pyman tool install"),
        "said twice: {again}"
    );
}

//! The Windows builds of `pyman` and `pyman-shim`, run under Wine. The
//! interpreter is a small Windows test program (tests/windows/fake_python.c)
//! that reports its argv, cwd, exit code and VIRTUAL_ENV: no Windows CPython
//! can be fetched on the test machine. `.ci/windows` builds everything and
//! runs this module; elsewhere it prints SKIPPED.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Out, scratch_root};
use crate::server::Server;

struct Wine {
    bin: PathBuf,
    fixtures: PathBuf,
}

fn wine() -> Option<Wine> {
    let (Some(bin), Some(fixtures)) = (
        std::env::var_os("PYMAN_WINE_BIN"),
        std::env::var_os("PYMAN_WINE_FIXTURES"),
    ) else {
        crate::common::skip_expected(
            "the Wine suite runs from .ci/windows (PYMAN_WINE_BIN and PYMAN_WINE_FIXTURES unset)",
        );
        return None;
    };
    Some(Wine {
        bin: bin.into(),
        fixtures: fixtures.into(),
    })
}

/// `/tmp/x` as Windows programs under Wine see it: `Z:\tmp\x`.
fn win(p: &Path) -> String {
    format!("Z:{}", p.display()).replace('/', "\\")
}

struct Ctx {
    _dir: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    wine: Wine,
}

impl Ctx {
    fn new(wine: Wine) -> Ctx {
        let dir = tempfile::Builder::new()
            .prefix("pyman-wine-")
            .tempdir_in(scratch_root())
            .unwrap();
        let root = dir.path().canonicalize().unwrap();
        let home = root.join("home");
        Ctx {
            _dir: dir,
            root,
            home,
            wine,
        }
    }

    fn dir(&self, rel: &str) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    fn run(&self, exe: &Path, args: &[&str], cwd: &str, env: &[(&str, &str)]) -> Out {
        let mut cmd = Command::new("wine");
        cmd.arg(exe).args(args).current_dir(self.dir(cwd));
        cmd.env("WINEDEBUG", "-all")
            .env("NO_COLOR", "1")
            .env("PYMAN_HOME", win(&self.home));
        cmd.env_remove("PYMAN_PYTHON")
            .env_remove("VIRTUAL_ENV")
            .env_remove("PYENV_ROOT");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let o = cmd.output().unwrap();
        Out {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).replace('\r', ""),
            stderr: String::from_utf8_lossy(&o.stderr).replace('\r', ""),
        }
    }

    fn pyman(&self, args: &[&str], cwd: &str) -> Out {
        self.run(&self.wine.bin.join("pyman.exe"), args, cwd, &[])
    }

    fn shim(&self, name: &str, args: &[&str], cwd: &str, env: &[(&str, &str)]) -> Out {
        self.run(&self.home.join("shims").join(name), args, cwd, env)
    }

    /// The stub DLL beside the shims (Wine 8 only; never shipped).
    fn stub_shims(&self) {
        std::fs::copy(
            self.wine.fixtures.join("bcryptprimitives.dll"),
            self.home.join("shims/bcryptprimitives.dll"),
        )
        .unwrap();
    }
}

/// A Windows-layout interpreter archive: `python/python.exe`, `python/Scripts/pip.exe`.
fn archive(fixtures: &Path, zip: bool) -> (String, Vec<u8>) {
    let exe = std::fs::read(fixtures.join("python.exe")).unwrap();
    if zip {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        for name in ["python/python.exe", "python/Scripts/pip.exe"] {
            z.start_file(name, o).unwrap();
            z.write_all(&exe).unwrap();
        }
        z.add_directory("python/Lib/", o).unwrap();
        (
            "cpython-3.12.4+1-x86_64-pc-windows-msvc-install_only.zip".into(),
            z.finish().unwrap().into_inner(),
        )
    } else {
        let mut b = tar::Builder::new(Vec::new());
        for name in ["python/python.exe", "python/Scripts/pip.exe"] {
            let mut h = tar::Header::new_gnu();
            h.set_size(exe.len() as u64);
            h.set_mode(0o755);
            h.set_cksum();
            b.append_data(&mut h, name, exe.as_slice()).unwrap();
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&b.into_inner().unwrap()).unwrap();
        (
            "cpython-3.12.4+1-x86_64-pc-windows-msvc-install_only.tar.gz".into(),
            gz.finish().unwrap(),
        )
    }
}

fn sha(b: &[u8]) -> String {
    use sha2::Digest;
    crate::fixtures::hex(&sha2::Sha256::digest(b))
}

fn lines(out: &Out) -> Vec<String> {
    out.stdout.lines().map(str::to_string).collect()
}

#[test]
fn windows_shims_forward_exactly_under_wine() {
    let Some(wine) = wine() else { return };
    let ctx = Ctx::new(wine);
    let _ = Command::new("wine")
        .args(["reg", "delete", r"HKCU\Software\Python\pyman", "/f"])
        .env("WINEDEBUG", "-all")
        .output();

    // A .zip from an index on a local server, with its sha256.
    let server = Server::start();
    let (name, bytes) = archive(&ctx.wine.fixtures, true);
    let digest = sha(&bytes);
    let url = server.add(&name, bytes.into());
    let json = crate::fixtures::downloads_json(&[crate::fixtures::index_entry(
        "3.12.4",
        "windows",
        "none",
        &url,
        Some(&digest),
    )]);
    let json_url = server.add("d.json", json.into_bytes().into());
    let out = ctx.pyman(&["install", "3.12", "--downloads-json", &json_url], "");
    out.ok()
        .stderr_has("Installed Python 3.12.4 (cpython-3.12.4-windows-x86_64-none)")
        .stderr_has("default venv");
    assert!(
        ctx.home
            .join("pythons/cpython-3.12.4-windows-x86_64-none/python.exe")
            .is_file()
    );
    ctx.stub_shims();
    for exe in ["python.exe", "python3.exe", "python3.12.exe", "pip.exe"] {
        assert!(ctx.home.join("shims").join(exe).is_file(), "{exe}");
    }

    // PEP 514: registered for the `py` launcher.
    let reg = Command::new("wine")
        .args([
            "reg",
            "query",
            r"HKCU\Software\Python\pyman\3.12.4\InstallPath",
            "/v",
            "ExecutablePath",
        ])
        .env("WINEDEBUG", "-all")
        .output()
        .unwrap();
    let reg = String::from_utf8_lossy(&reg.stdout).to_string();
    assert!(
        reg.contains(r"cpython-3.12.4-windows-x86_64-none\python.exe"),
        "{reg}"
    );

    // A pin three folders up.
    std::fs::write(ctx.dir("proj").join(".python-version"), "3.12\n").unwrap();
    ctx.dir("proj/a/b/c");
    // `pyman install` made the interpreter's default venv (pip installs land
    // there, never in the interpreter): the shim runs its python.exe.
    let default_venv = ctx.home.join("venvs/cpython-3.12-windows-x86_64-none");
    let interp = win(&default_venv.join("Scripts/python.exe"));
    let out = ctx.shim(
        "python.exe",
        &["a b", "q\"uote", "back\\slash\\", "ünï", "--x"],
        "proj/a/b/c",
        &[],
    );
    assert_eq!(
        lines(out.ok()),
        vec![
            format!("argv0={interp}"),
            "arg=a b".into(),
            "arg=q\"uote".into(),
            "arg=back\\slash\\".into(),
            "arg=ünï".into(),
            "arg=--x".into(),
            format!("cwd={}", win(&ctx.root.join("proj/a/b/c"))),
            format!("venv={}", win(&default_venv)),
        ]
    );
    for code in [0, 1, 42, 255] {
        ctx.shim(
            "python.exe",
            &["--exit", &code.to_string()],
            "proj/a/b/c",
            &[],
        )
        .code(code);
    }
    // argv[0] without case and with or without `.exe`, through cmd's PATH search.
    std::fs::copy(
        ctx.home.join("shims/python3.12.exe"),
        ctx.home.join("shims/PyThOn3.12.EXE"),
    )
    .unwrap();
    ctx.shim("PyThOn3.12.EXE", &["--exit", "3"], "proj", &[])
        .code(3);
    let via_cmd = ctx.run(
        Path::new("cmd"),
        &["/c", "python3", "--exit", "7"],
        "proj/a",
        &[("WINEPATH", &win(&ctx.home.join("shims")))],
    );
    via_cmd.code(7).stdout_has(&format!("argv0={interp}"));
    // pip.exe: the interpreter's Scripts\pip.exe.
    ctx.shim("pip.exe", &["list"], "proj", &[])
        .ok()
        .stdout_has(r"Scripts\pip.exe")
        .stdout_has("arg=list");
    // PYMAN_PYTHON, no pin.
    ctx.shim("python.exe", &[], "elsewhere", &[("PYMAN_PYTHON", "3.12")])
        .ok()
        .stdout_has(&format!("argv0={interp}"));
    // Nothing pinned: the system's Python, and Wine has none.
    ctx.shim("python.exe", &[], "elsewhere", &[])
        .code(1)
        .stderr_has("pyman: error: no system Python")
        .stderr_has("pyman pin 3.12");

    // A venv in the Windows layout, used by the shim with VIRTUAL_ENV set.
    ctx.pyman(&["venv", "--without-pip"], "proj").ok();
    let venv = ctx.root.join("proj/.venv");
    assert!(venv.join("Scripts/python.exe").is_file() && venv.join("pyvenv.cfg").is_file());
    let out = ctx.shim("python3.exe", &[], "proj/a", &[]);
    out.ok()
        .stdout_has(&format!("argv0={}", win(&venv.join("Scripts/python.exe"))))
        .stdout_has(&format!("venv={}", win(&venv)));

    // Uninstall removes the registry key; a .tar.gz with --no-registry adds none.
    // Not while a project venv uses it (the default venv goes with it).
    ctx.pyman(&["uninstall", "3.12"], "elsewhere")
        .code(1)
        .stderr_has("is used by 1 project venv")
        .stderr_has(&win(&venv));
    ctx.pyman(&["uninstall", "--force", "3.12"], "elsewhere")
        .ok();
    let gone = Command::new("wine")
        .args(["reg", "query", r"HKCU\Software\Python\pyman\3.12.4"])
        .env("WINEDEBUG", "-all")
        .output()
        .unwrap();
    assert!(!gone.status.success(), "the key is gone");
    let (name, bytes) = archive(&ctx.wine.fixtures, false);
    let path = ctx.dir("dl").join(name);
    std::fs::write(&path, &bytes).unwrap();
    ctx.pyman(
        &[
            "install",
            &win(&path),
            "--sha256",
            &sha(&bytes),
            "--no-registry",
        ],
        "",
    )
    .ok();
    let none = Command::new("wine")
        .args(["reg", "query", r"HKCU\Software\Python\pyman\3.12.4"])
        .env("WINEDEBUG", "-all")
        .output()
        .unwrap();
    assert!(!none.status.success(), "--no-registry");
}

#[test]
fn windows_default_home_is_localappdata() {
    let Some(wine) = wine() else { return };
    let ctx = Ctx::new(wine);
    let mut cmd = Command::new("wine");
    cmd.arg(ctx.wine.bin.join("pyman.exe"))
        .args(["setup", "--no-modify-path"])
        .env("WINEDEBUG", "-all")
        .env_remove("PYMAN_HOME");
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(r"AppData\Local\pyman"), "{stderr}");
}

/// A tool's `.exe` console script (pip's launcher; the test program stands
/// in) runs through its shim with its arguments; a project's own copy wins
/// inside the project; with the tool's Python gone the shim says so.
#[test]
fn windows_tool_commands_run_their_launchers_under_wine() {
    let Some(wine) = wine() else { return };
    let ctx = Ctx::new(wine);
    let exe = std::fs::read(ctx.wine.fixtures.join("python.exe")).unwrap();
    let scripts = ctx.dir("home/tools/mytool/Scripts");
    std::fs::write(scripts.join("mytool.exe"), &exe).unwrap();
    std::fs::write(scripts.join("python.exe"), &exe).unwrap();
    std::fs::write(
        ctx.dir("home/tools/mytool").join("pyvenv.cfg"),
        "home = Z:\\nowhere\n",
    )
    .unwrap();
    std::fs::write(ctx.dir("home/tools/commands").join("mytool"), "mytool\n").unwrap();
    ctx.pyman(&["rehash"], "").ok();
    ctx.stub_shims();
    assert!(ctx.home.join("shims/mytool.exe").is_file());

    let out = ctx.shim("mytool.exe", &["a b", "--x"], "", &[]);
    assert_eq!(
        lines(out.ok())[..3],
        [
            format!("argv0={}", win(&scripts.join("mytool.exe"))),
            "arg=a b".to_string(),
            "arg=--x".to_string(),
        ]
    );
    // A project venv with its own `mytool.exe` wins inside the project.
    let venv_scripts = ctx.dir("proj/.venv/Scripts");
    std::fs::write(venv_scripts.join("mytool.exe"), &exe).unwrap();
    std::fs::write(venv_scripts.join("python.exe"), &exe).unwrap();
    std::fs::write(
        ctx.dir("proj/.venv").join("pyvenv.cfg"),
        "home = Z:\\nowhere\nversion = 3.12.4\n",
    )
    .unwrap();
    let out = ctx.shim("mytool.exe", &[], "proj", &[]);
    out.ok()
        .stdout_has(&format!("argv0={}", win(&venv_scripts.join("mytool.exe"))));
    // Its Python gone: the fix, not a launcher error.
    std::fs::remove_file(scripts.join("python.exe")).unwrap();
    let out = ctx.shim("mytool.exe", &[], "", &[]);
    out.code(1)
        .stderr_has("whose Python is gone")
        .stderr_has("pyman tool upgrade mytool");
}

//! Interpreters that build native code: the fixture archives carry
//! python-build-standalone's build-machine values (`/install`, `clang`,
//! `llvm-ar`), this machine has gcc and no clang, and `pip install` of a C
//! extension must work through the shims after `pyman install`.

use std::path::{Path, PathBuf};

use crate::common::{Out, TestContext};
use crate::fixtures::{self, SourcePython};
use crate::server::Server;

/// A C extension `hello` (`hello.add(a, b)`) with an in-tree PEP 517
/// backend that compiles and links with sysconfig's values exactly as
/// setuptools does: `CC` + `CFLAGS` + `CCSHARED` + `-I INCLUDEPY`, then
/// `LDSHARED`. No setuptools, no index.
fn c_extension(dir: &Path, name: &str) -> PathBuf {
    let root = dir.join(name);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("hello.c"),
        r#"#define PY_SSIZE_T_CLEAN
#include <Python.h>
static PyObject *add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    return PyLong_FromLong(a + b);
}
static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "a + b"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "hello", NULL, -1, methods};
PyMODINIT_FUNC PyInit_hello(void) { return PyModule_Create(&module); }
"#,
    )
    .unwrap();
    std::fs::write(
        root.join("pyproject.toml"),
        format!(
            "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n\n[project]\nname = \"{name}\"\nversion = \"1.0\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("backend.py"),
        format!(
            r#"import base64, hashlib, os, shlex, subprocess, sysconfig, tempfile, zipfile

NAME = "{name}"

def _run(cmd):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    here = os.path.dirname(os.path.abspath(__file__))
    v = sysconfig.get_config_var
    tmp = tempfile.mkdtemp()
    obj = os.path.join(tmp, "hello.o")
    so = os.path.join(tmp, "hello" + v("EXT_SUFFIX"))
    # As setuptools' build_ext: compile, then link with LDSHARED.
    _run(shlex.split(v("CC")) + shlex.split(v("CFLAGS") or "") + shlex.split(v("CCSHARED") or "")
         + ["-I" + v("INCLUDEPY"), "-c", os.path.join(here, "hello.c"), "-o", obj])
    _run(shlex.split(v("LDSHARED")) + [obj, "-o", so])
    dist = NAME + "-1.0.dist-info"
    wheel = NAME + "-1.0-py3-none-any.whl"
    files = {{
        dist + "/METADATA": "Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n" % NAME,
        dist + "/WHEEL": "Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: false\nTag: py3-none-any\n",
    }}
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as z:
        data = open(so, "rb").read()
        z.writestr(os.path.basename(so), data)
        record.append("%s,sha256=%s,%d" % (os.path.basename(so), base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode(), len(data)))
        for path, body in files.items():
            b = body.encode()
            z.writestr(path, b)
            record.append("%s,sha256=%s,%d" % (path, base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode(), len(b)))
        record.append(dist + "/RECORD,,")
        z.writestr(dist + "/RECORD", "\n".join(record) + "\n")
    return wheel
"#
        ),
    )
    .unwrap();
    root
}

const PIP_ENV: [(&str, &str); 2] = [
    ("PIP_NO_INDEX", "1"),
    ("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
];

fn install_dir(ctx: &TestContext, src: &SourcePython) -> PathBuf {
    ctx.pyman_home.join("pythons").join(format!(
        "cpython-{}-linux-{}-gnu",
        src.version,
        std::env::consts::ARCH
    ))
}

/// The test is only a proof where no clang is on its PATH.
fn no_clang_on_path(ctx: &TestContext) -> bool {
    let out = ctx.run("", "sh", &["-c", "command -v clang || true"]);
    if !out.stdout.trim().is_empty() {
        crate::common::skip(format!(
            "clang is on PATH ({}): the build-machine compiler would be found",
            out.stdout.trim()
        ));
        return false;
    }
    true
}

#[test]
fn pip_builds_c_extensions_with_this_machine_s_compiler() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let (ctx, _server, _) = fixtures::managed(py[0]);
    if !no_clang_on_path(&ctx) {
        return;
    }
    let install = install_dir(&ctx, py[0]);
    // The archive named the build machine; the install names itself.
    let cfg = ctx.run(
        "",
        &install.join("bin/python3").display().to_string(),
        &[
            "-c",
            "import sysconfig as s; print('\\n'.join(str(s.get_config_var(k)) for k in ('CC', 'LDSHARED', 'AR', 'prefix', 'INCLUDEPY', 'LIBDIR', 'LIBPL')))",
        ],
    );
    let lines: Vec<&str> = cfg.ok().stdout.lines().collect();
    assert!(lines[0].starts_with("cc"), "CC: {}", lines[0]);
    assert!(lines[1].starts_with("cc "), "LDSHARED: {}", lines[1]);
    assert_eq!(lines[2], "ar");
    assert_eq!(Path::new(lines[3]), install);
    for dir in &lines[4..] {
        assert!(Path::new(dir).is_dir(), "{dir} exists");
        assert!(
            !dir.contains("/install/") && !dir.contains(".temp"),
            "{dir}"
        );
    }
    let meta = std::fs::read_to_string(install.join("pyman-install.json")).unwrap();
    assert!(meta.contains("\"from\": \"/install\""), "{meta}");
    assert!(meta.contains("clang -> cc"), "{meta}");

    // Through the shims, in a project venv and in the default venv.
    let src = c_extension(&ctx.work, "hello");
    ctx.pyman("proj", &["pin", &py[0].minor]).ok();
    let out = ctx.run_env(
        "proj",
        "pip",
        &["install", &src.display().to_string()],
        &PIP_ENV,
    );
    out.ok();
    ctx.run(
        "proj",
        "python",
        &["-c", "import hello; print(hello.add(2, 3))"],
    )
    .ok()
    .stdout_has("5");
    ctx.pyman("", &["pin", "--global", &py[0].minor]).ok();
    let src2 = c_extension(&ctx.work, "hello2");
    ctx.run_env(
        "elsewhere",
        "pip",
        &["install", &src2.display().to_string()],
        &PIP_ENV,
    )
    .ok();
    let out = ctx.run(
        "elsewhere",
        "python",
        &[
            "-c",
            "import hello, sys; print(hello.add(40, 2), sys.prefix)",
        ],
    );
    out.ok().stdout_has("42");
    assert!(
        out.stdout
            .contains(&ctx.pyman_home.join("venvs").display().to_string()),
        "built in the default venv: {out}"
    );

    // python3.X-config and pkg-config name folders that exist.
    let config = install.join(format!("bin/python{}-config", py[0].minor));
    let includes = ctx.run("", &config.display().to_string(), &["--includes"]);
    for flag in includes.ok().stdout.split_whitespace() {
        let dir = flag.trim_start_matches("-I");
        assert!(Path::new(dir).is_dir(), "python-config: {dir}");
    }
    let pc = install.join("lib/pkgconfig");
    let out = ctx.run_env(
        "",
        "pkg-config",
        &["--cflags", &format!("python-{}", py[0].minor)],
        &[("PKG_CONFIG_PATH", &pc.display().to_string())],
    );
    if out.code == Some(127) {
        crate::common::skip("pkg-config is not installed");
    } else {
        for flag in out.ok().stdout.split_whitespace() {
            let dir = flag.trim_start_matches("-I");
            assert!(Path::new(dir).is_dir(), "pkg-config: {dir}");
        }
    }
}

#[test]
fn reinstall_and_upgrade_leave_nothing_that_names_a_scratch_folder_and_repair_old_installs() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let (ctx, _server, json) = fixtures::managed(py[0]);
    let install = install_dir(&ctx, py[0]);
    ctx.pyman(
        "",
        &[
            "install",
            "--reinstall",
            &py[0].minor,
            "--downloads-json",
            &json,
        ],
    )
    .ok();
    let data = sysconfig_data(&install);
    let text = std::fs::read_to_string(&data).unwrap();
    assert!(
        !text.contains(".temp") && !text.contains("'/install"),
        "{text}"
    );
    assert!(text.contains(&install.display().to_string()));
    // An install made before the rewrite (its sysconfig as shipped):
    // doctor names it and the fix; upgrade repairs it in place.
    let shipped = text.replace(&install.display().to_string(), "/install");
    std::fs::write(&data, &shipped).unwrap();
    ctx.pyman("", &["doctor"])
        .stdout_has("still names the build machine")
        .stdout_has("pyman install --reinstall");
    ctx.pyman("", &["upgrade", "--downloads-json", &json])
        .ok()
        .stderr_has("Repaired Python");
    let repaired = std::fs::read_to_string(&data).unwrap();
    assert!(
        repaired.contains(&format!("{}/lib", install.display())),
        "{repaired}"
    );
    let doctor = ctx.pyman("", &["doctor"]);
    assert!(
        !doctor.stdout.contains("still names the build machine"),
        "{doctor}"
    );
    ctx.pyman("", &["uninstall", &py[0].version]).ok();
    assert!(!install.exists());
}

fn sysconfig_data(install: &Path) -> PathBuf {
    let lib = std::fs::read_dir(install.join("lib"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("python3")
        })
        .unwrap();
    std::fs::read_dir(&lib)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("_sysconfigdata_")
        })
        .unwrap()
}

#[test]
fn migrate_builds_a_c_extension_requirement_on_the_new_python() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let (new, old) = (py[0], py[1]);
    let ctx = TestContext::with_pythons(&[old]);
    let server = Server::start();
    let a = fixtures::install_only(new);
    let json = fixtures::serve(&server, &[(new, &a)]);
    ctx.pyman("", &["install", &new.minor, "--downloads-json", &json])
        .ok();
    if !no_clang_on_path(&ctx) {
        return;
    }
    let src = c_extension(&ctx.work, "hello");
    ctx.write(
        "proj/requirements.txt",
        format!("hello @ file://{}\n", src.display()),
    );
    ctx.pyman("proj", &["pin", &old.minor]).ok();
    ctx.run_env(
        "proj",
        "pip",
        &["install", "-r", "requirements.txt"],
        &PIP_ENV,
    )
    .ok();
    let out = ctx.pyman_env("proj", &["migrate", &new.minor], &PIP_ENV);
    out.ok().stderr_has("Migrated");
    let run: Out = ctx.run(
        "proj",
        "python",
        &[
            "-c",
            "import hello, sys; print(hello.add(1, 1), sys.version_info[:2])",
        ],
    );
    let (major, minor) = new.minor.split_once('.').unwrap();
    run.ok().stdout_has(&format!("2 ({major}, {minor})"));
}

#[test]
fn setuptools_builds_a_c_extension_too_where_the_interpreter_bundles_it() {
    // ensurepip bundles setuptools up to 3.11: pyman seeds it into venvs.
    let Some(py) = fixtures::sources().iter().find(|s| s.minor == "3.11") else {
        crate::common::skip("needs a pyenv CPython 3.11 (the last to bundle setuptools)");
        return;
    };
    let (ctx, _server, _) = fixtures::managed(py);
    if !no_clang_on_path(&ctx) {
        return;
    }
    // Inside the project: its venv's python, which has setuptools.
    let root = ctx.work.join("proj/st_hello");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(
        c_extension(&ctx.work, "tmp").join("hello.c"),
        root.join("hello.c"),
    )
    .unwrap();
    std::fs::write(
        root.join("setup.py"),
        "from setuptools import Extension, setup\nsetup(name='st-hello', version='1.0', ext_modules=[Extension('hello', ['hello.c'])])\n",
    )
    .unwrap();
    ctx.pyman("proj", &["pin", &py.minor]).ok();
    // setuptools' own compile (build_ext: sysconfig's CC, CFLAGS, LDSHARED);
    // a wheel would need the `wheel` package, which no index provides here.
    let build = ctx.run(
        "proj/st_hello",
        "python",
        &["setup.py", "build_ext", "--inplace"],
    );
    build.ok();
    assert!(!build.stdout.contains("clang"), "{build}");
    ctx.run(
        "proj/st_hello",
        "python",
        &["-c", "import hello; print(hello.add(20, 22))"],
    )
    .ok()
    .stdout_has("42");
}

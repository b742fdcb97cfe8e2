//! Real CPython interpreters in python-build-standalone layout, built once per
//! test run from the interpreters pyenv installed on this machine.
//!
//! pyenv builds link `libpython` through an absolute RUNPATH; the copy gets
//! `$ORIGIN/../lib` instead (as python-build-standalone's builds have), so the
//! archive's interpreter runs from wherever it is unpacked.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// An interpreter found on the machine to build fixtures from.
#[derive(Debug, Clone)]
pub struct SourcePython {
    pub version: String,
    pub minor: String,
    pub prefix: PathBuf,
}

impl SourcePython {
    pub fn exe(&self) -> PathBuf {
        self.prefix.join("bin").join("python3")
    }
}

/// A built archive.
#[derive(Debug, Clone)]
pub struct Archive {
    pub file_name: String,
    pub bytes: std::sync::Arc<Vec<u8>>,
    pub sha256: String,
}

impl Archive {
    fn new(file_name: String, bytes: Vec<u8>) -> Archive {
        let sha256 = hex(&Sha256::digest(&bytes));
        Archive {
            file_name,
            bytes: std::sync::Arc::new(bytes),
            sha256,
        }
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The machine's pyenv root, read from the real environment of the test process.
fn pyenv_root() -> Option<PathBuf> {
    std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))
}

/// CPython 3.8+ interpreters from pyenv, newest patch of each minor, newest first.
pub fn sources() -> &'static [SourcePython] {
    static SOURCES: OnceLock<Vec<SourcePython>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        let Some(root) = pyenv_root() else {
            return Vec::new();
        };
        let Ok(entries) = fs::read_dir(root.join("versions")) else {
            return Vec::new();
        };
        let mut found: Vec<(Vec<u64>, SourcePython)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let parts: Vec<u64> = name
                    .split('.')
                    .map(|p| p.parse().ok())
                    .collect::<Option<_>>()?;
                if parts.len() != 3 || parts[0] != 3 || parts[1] < 8 {
                    return None;
                }
                let src = SourcePython {
                    minor: format!("{}.{}", parts[0], parts[1]),
                    version: name,
                    prefix: e.path(),
                };
                src.exe().is_file().then_some((parts, src))
            })
            .collect();
        found.sort_by(|a, b| b.0.cmp(&a.0));
        found.dedup_by(|a, b| a.0[..2] == b.0[..2]);
        found.into_iter().map(|(_, s)| s).collect()
    })
}

/// The newest source of `minor` (e.g. "3.12"), or the n-th newest overall.
pub fn source(pick: usize) -> Option<&'static SourcePython> {
    // Prefer 3.12 and 3.11: fast to start and present on most images.
    let preferred: Vec<&SourcePython> = ["3.12", "3.11", "3.13", "3.10"]
        .iter()
        .filter_map(|m| sources().iter().find(|s| s.minor == *m))
        .chain(sources().iter())
        .collect();
    let mut seen = Vec::new();
    preferred
        .into_iter()
        .filter(|s| {
            let new = !seen.contains(&s.version);
            seen.push(s.version.clone());
            new
        })
        .nth(pick)
}

/// Prints why a test is skipped and returns `None` when no interpreter exists.
pub fn require(n: usize) -> Option<Vec<&'static SourcePython>> {
    let got: Vec<_> = (0..n).filter_map(source).collect();
    if got.len() < n {
        crate::common::skip(format!(
            "needs {n} CPython interpreters from pyenv (PYENV_ROOT or ~/.pyenv/versions), found {}",
            got.len()
        ));
        return None;
    }
    Some(got)
}

/// Bump when the fixture layout changes: cached fixtures of another version
/// are rebuilt.
const FIXTURE_FORMAT: u32 = 7;

/// Fixtures live on disk in cargo's target tmp folder and are reused by later
/// runs (built once, atomically); they are derived from the machine's
/// interpreters, keyed by version.
fn work_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("e2e-fixtures-v{FIXTURE_FORMAT}"));
        fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// Builds `path` with `build` into a temporary sibling, then renames it, so a
/// killed run never leaves a half-built fixture that a later run would reuse.
fn build_once(path: &Path, build: impl FnOnce(&Path)) {
    if path.exists() {
        return;
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let _ = fs::remove_file(&tmp);
    build(&tmp);
    if fs::rename(&tmp, path).is_err() {
        // Another run won the race; its copy is as good.
        let _ = fs::remove_dir_all(&tmp);
        let _ = fs::remove_file(&tmp);
    }
}

/// Skip what an interpreter does not need to start, import the stdlib and run
/// venv/ensurepip: keeps each archive around 25 MB.
fn skip(rel: &Path) -> bool {
    let s = rel.to_string_lossy();
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name == "__pycache__"
        || name.ends_with(".a")
        || name.ends_with(".pth")
        // Headers and pkg-config files stay, as in python-build-standalone's
        // archives: C extensions build against them.
        || s.starts_with("share")
        || [
            "test",
            "idlelib",
            "tkinter",
            "turtledemo",
            "lib2to3",
        ]
        .iter()
        .any(|d| s.ends_with(&format!("/{d}")) && s.matches('/').count() == 2)
        || (s.starts_with("bin/") && !name.starts_with("python3"))
}

fn copy_tree(src: &Path, dst: &Path, rel: &Path) {
    fs::create_dir_all(dst.join(rel)).unwrap();
    for e in fs::read_dir(src.join(rel)).unwrap().flatten() {
        let r = rel.join(e.file_name());
        if skip(&r) {
            continue;
        }
        let ft = e.file_type().unwrap();
        if ft.is_symlink() {
            let target = fs::read_link(e.path()).unwrap();
            // Distribution builds link into /etc (Debian's sitecustomize);
            // python-build-standalone archives have no absolute links, and
            // pyman rightly refuses them.
            if target.is_absolute() {
                continue;
            }
            std::os::unix::fs::symlink(target, dst.join(&r)).unwrap();
        } else if ft.is_dir() {
            copy_tree(src, dst, &r);
        } else {
            fs::copy(e.path(), dst.join(&r)).unwrap();
        }
    }
}

/// `python/` in python-build-standalone layout, built once per source.
pub fn tree(src: &SourcePython) -> PathBuf {
    static TREES: OnceLock<std::sync::Mutex<std::collections::HashMap<String, PathBuf>>> =
        OnceLock::new();
    let map = TREES.get_or_init(Default::default);
    let mut map = map.lock().unwrap();
    if let Some(p) = map.get(&src.version) {
        return p.clone();
    }
    let root = work_dir().join(format!("tree-{}", src.version));
    build_once(&root, |tmp| {
        let py = tmp.join("python");
        copy_tree(&src.prefix, &py, Path::new(""));
        // Relocatable: RUNPATH `<prefix>/lib` becomes `$ORIGIN/../lib`.
        let bin = py.join("bin").join(format!("python{}", src.minor));
        let mut data = fs::read(&bin).unwrap();
        let old = format!("{}/lib\0", src.prefix.display()).into_bytes();
        if let Some(i) = data.windows(old.len()).position(|w| w == old.as_slice()) {
            let new = b"$ORIGIN/../lib";
            data[i..i + new.len()].copy_from_slice(new);
            data[i + new.len()..i + old.len()].fill(0);
            fs::write(&bin, data).unwrap();
        }
        let _ = fs::remove_file(py.join("bin/python3"));
        std::os::unix::fs::symlink(format!("python{}", src.minor), py.join("bin/python3")).unwrap();
        as_built_by_pbs(&py, src);
    });
    map.insert(src.version.clone(), root.clone());
    root
}

/// Makes a copied interpreter look like python-build-standalone's: its
/// sysconfig data, pkg-config files and `python3.X-config` name the build
/// machine's `/install` prefix, and its compilers are PBS's (`clang`,
/// `clang++`, `/tools/llvm/bin/llvm-ar`), none of which exist here. What pyman
/// must rewrite at install, every end-to-end test then meets.
fn as_built_by_pbs(py: &Path, src: &SourcePython) {
    let prefix = src.prefix.display().to_string();
    let lib = py.join("lib").join(format!("python{}", src.minor));
    for entry in fs::read_dir(&lib).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("_sysconfigdata_") && name.ends_with(".py")) {
            continue;
        }
        let mut text = fs::read_to_string(entry.path())
            .unwrap()
            .replace(&prefix, "/install");
        for (key, tool) in [
            ("CC", "clang -pthread"),
            ("CXX", "clang++ -pthread"),
            ("LINKCC", "clang -pthread"),
            ("LDSHARED", "clang -pthread"),
            ("BLDSHARED", "clang -pthread"),
            ("LDCXXSHARED", "clang++ -pthread"),
            ("AR", "/tools/llvm/bin/llvm-ar"),
        ] {
            // pprint's `'KEY': 'gcc -shared …'`: the first word is the tool.
            let head = format!("'{key}': '");
            if let Some(at) = text.find(&head) {
                let start = at + head.len();
                let end = start + text[start..].find([' ', '\'']).unwrap();
                text.replace_range(start..end, tool);
            }
        }
        fs::write(entry.path(), text).unwrap();
    }
    let pc = py.join("lib").join("pkgconfig");
    for entry in fs::read_dir(&pc).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "pc") && !path.is_symlink() {
            let text = fs::read_to_string(&path)
                .unwrap()
                .replace(&prefix, "/install");
            fs::write(&path, text).unwrap();
        }
    }
    let config = py.join("bin").join(format!("python{}-config", src.minor));
    if let Ok(text) = fs::read_to_string(&config) {
        fs::write(&config, text.replace(&prefix, "/install")).unwrap();
    }
}

fn append_tree(b: &mut tar::Builder<impl Write>, dir: &Path, prefix: &str) {
    b.follow_symlinks(false);
    b.mode(tar::HeaderMode::Deterministic);
    b.append_dir_all(prefix, dir).unwrap();
}

/// `cpython-X.Y.Z-x86_64-unknown-linux-gnu-install_only.tar.gz`
pub fn install_only(src: &SourcePython) -> Archive {
    cached(&format!("{}-gz", src.version), || {
        let dir = tree(src).join("python");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        {
            let mut b = tar::Builder::new(&mut gz);
            append_tree(&mut b, &dir, "python");
            b.finish().unwrap();
        }
        Archive::new(
            format!(
                "cpython-{}+20250101-{}-install_only.tar.gz",
                src.version,
                target()
            ),
            gz.finish().unwrap(),
        )
    })
}

/// `…-full.tar.zst`: the interpreter under `python/install/`, as full builds are.
pub fn full_zst(src: &SourcePython) -> Archive {
    cached(&format!("{}-zst", src.version), || {
        let dir = tree(src).join("python");
        let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
        {
            let mut b = tar::Builder::new(&mut enc);
            let json = br#"{"version": "8", "python_version": "x"}"#;
            let mut h = tar::Header::new_gnu();
            h.set_size(json.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, "python/PYTHON.json", &json[..])
                .unwrap();
            append_tree(&mut b, &dir, "python/install");
            b.finish().unwrap();
        }
        Archive::new(
            format!(
                "cpython-{}+20250101-{}-pgo+lto-full.tar.zst",
                src.version,
                target()
            ),
            enc.finish().unwrap(),
        )
    })
}

/// A `.zip` of `python/`, links stored as links.
pub fn zip(src: &SourcePython) -> Archive {
    cached(&format!("{}-zip", src.version), || {
        let dir = tree(src).join("python");
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_level(Some(1));
        fn walk(
            z: &mut zip::ZipWriter<std::io::Cursor<Vec<u8>>>,
            base: &Path,
            rel: &Path,
            opts: zip::write::SimpleFileOptions,
        ) {
            for e in fs::read_dir(base.join(rel)).unwrap().flatten() {
                let r = rel.join(e.file_name());
                let name = format!("python/{}", r.display());
                let ft = e.file_type().unwrap();
                if ft.is_symlink() {
                    z.add_symlink(
                        name,
                        fs::read_link(e.path()).unwrap().to_string_lossy(),
                        opts,
                    )
                    .unwrap();
                } else if ft.is_dir() {
                    z.add_directory(format!("{name}/"), opts).unwrap();
                    walk(z, base, &r, opts);
                } else {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = e.metadata().unwrap().permissions().mode();
                    z.start_file(name, opts.unix_permissions(mode)).unwrap();
                    z.write_all(&fs::read(e.path()).unwrap()).unwrap();
                }
            }
        }
        walk(&mut z, &dir, Path::new(""), opts);
        let bytes = z.finish().unwrap().into_inner();
        Archive::new(
            format!(
                "cpython-{}+20250101-{}-install_only.zip",
                src.version,
                target()
            ),
            bytes,
        )
    })
}

fn target() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "aarch64-unknown-linux-gnu"
    } else {
        "x86_64-unknown-linux-gnu"
    }
}

fn cached(key: &str, build: impl FnOnce() -> Archive) -> Archive {
    static CACHE: OnceLock<std::sync::Mutex<std::collections::HashMap<String, Archive>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // Holding the lock while building serialises fixture builds, which is
    // what a 2-core machine wants anyway.
    let mut guard = cache.lock().unwrap();
    if let Some(a) = guard.get(key) {
        return a.clone();
    }
    let dir = work_dir().join(format!("archive-{key}"));
    let mut built = None;
    build_once(&dir, |tmp| {
        let a = build();
        fs::create_dir_all(tmp).unwrap();
        fs::write(tmp.join(&a.file_name), a.bytes.as_slice()).unwrap();
        built = Some(a);
    });
    let a = built.unwrap_or_else(|| {
        let file = fs::read_dir(&dir).unwrap().flatten().next().unwrap();
        Archive::new(
            file.file_name().to_string_lossy().into_owned(),
            fs::read(file.path()).unwrap(),
        )
    });
    guard.insert(key.to_string(), a.clone());
    a
}

/// A hostile archive (built in memory) with one bad entry after a real interpreter file.
pub fn hostile(kind: &str) -> Archive {
    let mut b = tar::Builder::new(Vec::new());
    let file = |b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_size(data.len() as u64);
        h.set_mode(0o755);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append(&h, data).unwrap();
    };
    file(&mut b, "python/bin/python3", b"#!/bin/sh\necho hi\n");
    let link = |b: &mut tar::Builder<Vec<u8>>, path: &str, target: &str| {
        let mut h = tar::Header::new_gnu();
        h.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
        h.as_old_mut().linkname[..target.len()].copy_from_slice(target.as_bytes());
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        h.set_mode(0o777);
        h.set_cksum();
        b.append(&h, std::io::empty()).unwrap();
    };
    match kind {
        "dotdot" => file(&mut b, "python/../../../pyman-e2e-escaped", b"pwned"),
        "absolute" => file(&mut b, "/tmp/pyman-e2e-absolute", b"pwned"),
        "symlink" => link(&mut b, "python/lib/escape", "../../../../../../tmp"),
        other => panic!("unknown hostile kind {other}"),
    }
    let tar = b.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    Archive::new(
        format!("cpython-3.12.99+hostile-{kind}-install_only.tar.gz"),
        gz.finish().unwrap(),
    )
}

/// Debian's own CPython 3.11 (`/usr/bin/python3.11`, libpython linked in),
/// in python-build-standalone layout: with pyenv's 3.11, two real patches of
/// one minor, for `pyman upgrade`. Debian strips ensurepip's wheels; PBS
/// builds have them, so pyenv 3.11's are added. `None` where either is missing.
pub fn debian_311() -> Option<(SourcePython, Archive)> {
    let exe = Path::new("/usr/bin/python3.11");
    let stdlib = Path::new("/usr/lib/python3.11");
    let pyenv = sources().iter().find(|s| s.minor == "3.11")?;
    if !exe.is_file() || !stdlib.join("os.py").is_file() {
        return None;
    }
    let out = std::process::Command::new(exe)
        .args([
            "-I",
            "-S",
            "-c",
            "import sys; print('%d.%d.%d' % sys.version_info[:3])",
        ])
        .output()
        .ok()?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if version.is_empty() || version == pyenv.version {
        return None;
    }
    let src = SourcePython {
        minor: "3.11".into(),
        version: version.clone(),
        prefix: PathBuf::from("/usr"),
    };
    let archive = cached(&format!("debian-{version}"), || {
        let root = work_dir().join(format!("tree-debian-{version}"));
        build_once(&root, |tmp| {
            let py = tmp.join("python");
            fs::create_dir_all(py.join("bin")).unwrap();
            fs::copy(exe, py.join("bin/python3.11")).unwrap();
            std::os::unix::fs::symlink("python3.11", py.join("bin/python3")).unwrap();
            copy_tree(
                Path::new("/usr/lib"),
                &py.join("lib"),
                Path::new("python3.11"),
            );
            let bundled = py.join("lib/python3.11/ensurepip/_bundled");
            copy_tree(
                &pyenv.prefix.join("lib/python3.11/ensurepip"),
                &py.join("lib/python3.11/ensurepip"),
                Path::new("_bundled"),
            );
            assert!(bundled.is_dir());
        });
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        {
            let mut b = tar::Builder::new(&mut gz);
            append_tree(&mut b, &root.join("python"), "python");
            b.finish().unwrap();
        }
        Archive::new(
            format!("cpython-{version}+debian-{}-install_only.tar.gz", target()),
            gz.finish().unwrap(),
        )
    });
    Some((src, archive))
}

/// One downloads-JSON entry in python-build-standalone's (uv's) format, for
/// this machine's CPU. `os` and `libc`: `linux`/`gnu`, `windows`/`none`.
pub fn index_entry(version: &str, os: &str, libc: &str, url: &str, sha256: Option<&str>) -> String {
    let p: Vec<&str> = version.split('.').collect();
    let sha = sha256.map_or("null".to_string(), |s| format!("\"{s}\""));
    format!(
        r#""cpython-{version}-{os}-{arch}-{libc}":{{"name":"cpython","arch":{{"family":"{arch}","variant":null}},"os":"{os}","libc":"{libc}","major":{},"minor":{},"patch":{},"prerelease":"","variant":null,"build":"20250101","url":"{url}","sha256":{sha}}}"#,
        p[0],
        p[1],
        p[2],
        arch = std::env::consts::ARCH
    )
}

/// A downloads JSON of these entries.
pub fn downloads_json(entries: &[String]) -> String {
    format!("{{{}}}", entries.join(",\n"))
}

/// Serves the archive of `src`; returns its downloads-JSON entry.
pub fn serve_entry(server: &crate::server::Server, src: &SourcePython, a: &Archive) -> String {
    let url = server.add(&a.file_name, a.bytes.clone());
    index_entry(&src.version, "linux", "gnu", &url, Some(&a.sha256))
}

/// Serves `archives` and a downloads JSON naming them; returns the JSON's URL.
pub fn serve(server: &crate::server::Server, archives: &[(&SourcePython, &Archive)]) -> String {
    let entries: Vec<String> = archives
        .iter()
        .map(|(src, a)| serve_entry(server, src, a))
        .collect();
    server.add(
        "downloads.json",
        downloads_json(&entries).into_bytes().into(),
    )
}

fn b64url(data: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..=c.len() {
            out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A small wheel.
#[derive(Debug, Clone, Default)]
pub struct Wheel<'a> {
    pub name: &'a str,
    pub version: &'a str,
    /// `(command, module:function)` console scripts.
    pub scripts: &'a [(&'a str, &'a str)],
    pub requires_python: Option<&'a str>,
    pub requires: &'a [&'a str],
}

impl Wheel<'_> {
    /// A real, pip-installable pure-Python wheel, built here (no network):
    /// module `name` with `main()` printing `<name> <version> from <sys.prefix>`.
    pub fn build(&self, dir: &Path) -> PathBuf {
        let module = self.name.replace('-', "_");
        let dist = format!("{module}-{}.dist-info", self.version);
        let mut metadata = format!(
            "Metadata-Version: 2.1\nName: {}\nVersion: {}\n",
            self.name, self.version
        );
        if let Some(rp) = self.requires_python {
            metadata.push_str(&format!("Requires-Python: {rp}\n"));
        }
        for r in self.requires {
            metadata.push_str(&format!("Requires-Dist: {r}\n"));
        }
        let mut files: Vec<(String, String)> = vec![
            (
                format!("{module}/__init__.py"),
                format!(
                    "VERSION = '{}'\ndef main():\n    import sys\n    print('{} {} from', sys.prefix)\n",
                    self.version, self.name, self.version
                ),
            ),
            (format!("{dist}/METADATA"), metadata),
            (
                format!("{dist}/WHEEL"),
                "Wheel-Version: 1.0\nGenerator: pyman-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n".into(),
            ),
        ];
        if !self.scripts.is_empty() {
            let mut ep = String::from("[console_scripts]\n");
            for (cmd, target) in self.scripts {
                ep.push_str(&format!("{cmd} = {target}\n"));
            }
            files.push((format!("{dist}/entry_points.txt"), ep));
        }
        fs::create_dir_all(dir).unwrap();
        let path = dir.join(format!("{module}-{}-py3-none-any.whl", self.version));
        let mut z = zip::ZipWriter::new(fs::File::create(&path).unwrap());
        let mut record = String::new();
        for (name, body) in &files {
            z.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(body.as_bytes()).unwrap();
            record.push_str(&format!(
                "{name},sha256={},{}\n",
                b64url(&Sha256::digest(body.as_bytes())),
                body.len()
            ));
        }
        record.push_str(&format!("{dist}/RECORD,,\n"));
        z.start_file(
            format!("{dist}/RECORD"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        z.write_all(record.as_bytes()).unwrap();
        z.finish().unwrap();
        path
    }
}

/// A pyenv-style interpreter of `src`, built once per run: the relocatable
/// tree, pip installed by its own ensurepip, and one package (`legacy-pkg`)
/// installed into its site-packages, as people do before they adopt pyman.
fn pyenv_base(src: &SourcePython) -> PathBuf {
    // One builder at a time: tests of one run share the temporary name.
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = BUILDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let root = work_dir().join(format!("pyenv-{}", src.version));
    build_once(&root, |tmp| {
        copy_dir(&tree(src).join("python"), tmp);
        let python = tmp.join("bin/python3");
        let run = |args: &[&str]| {
            let out = std::process::Command::new(&python)
                .args(args)
                .env_clear()
                .env("HOME", tmp)
                .env("PIP_NO_INDEX", "1")
                .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        // pyenv's Python gets pip (with its `bin/` scripts) from ensurepip:
        // the archive's own copy of pip goes first.
        let site = tmp
            .join("lib")
            .join(format!("python{}", src.minor))
            .join("site-packages");
        for e in fs::read_dir(&site).into_iter().flatten().flatten() {
            if e.file_name().to_string_lossy().starts_with("pip") {
                fs::remove_dir_all(e.path()).unwrap();
            }
        }
        run(&["-m", "ensurepip", "--default-pip"]);
        let wheels = tmp.join(".wheels");
        let legacy = Wheel {
            name: "legacy-pkg",
            version: "1.0",
            ..Wheel::default()
        }
        .build(&wheels);
        run(&["-m", "pip", "install", &legacy.display().to_string()]);
        fs::remove_dir_all(&wheels).unwrap();
    });
    root
}

/// `cp -a`: links stay links, modes and times are kept.
fn copy_dir(from: &Path, to: &Path) {
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "cp -a {} {}",
        from.display(),
        to.display()
    );
}

/// Copies the pyenv-style interpreter of `src` to `versions/<version>` and
/// points its scripts' shebangs (`pip`, `pip3`…) at the copy, so nothing a
/// test runs can reach the machine's own interpreter. Returns the prefix.
pub fn pyenv_copy(src: &SourcePython, versions: &Path) -> PathBuf {
    let base = pyenv_base(src);
    let prefix = versions.join(&src.version);
    copy_dir(&base, &prefix);
    let old = format!("#!{}/bin/", base.display());
    let new = format!("#!{}/bin/", prefix.display());
    for e in fs::read_dir(prefix.join("bin")).unwrap().flatten() {
        let path = e.path();
        if e.file_type().unwrap().is_file()
            && let Ok(text) = fs::read_to_string(&path)
            && text.starts_with(&old)
        {
            fs::write(&path, text.replacen(&old, &new, 1)).unwrap();
        }
    }
    prefix
}

/// Every file under `dir` with its size and modification time: compared
/// before and after, it shows whether anything wrote there.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let md = fs::symlink_metadata(e.path()).unwrap();
            if md.is_dir() {
                stack.push(e.path());
            }
            out.insert(e.path(), (md.len(), md.modified().unwrap()));
        }
    }
    out
}

/// The site-packages of the machine's own pyenv interpreters, which no test
/// may change (`snapshot` of each).
pub fn machine_site_packages() -> Vec<PathBuf> {
    let Some(root) = pyenv_root() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for v in fs::read_dir(root.join("versions"))
        .into_iter()
        .flatten()
        .flatten()
    {
        for l in fs::read_dir(v.path().join("lib"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let sp = l.path().join("site-packages");
            if sp.is_dir() {
                out.push(sp);
            }
        }
    }
    out
}

//! python-build-standalone's build-machine values, rewritten for this
//! machine at install: its archives keep the values of the machine they were
//! built on in the sysconfig data (`prefix` and every folder under
//! `/install`; `CC=clang`, `AR=/tools/llvm/bin/llvm-ar`; on macOS
//! `-isysroot <Xcode SDK>`), in the pkg-config files (`prefix=/install`) and,
//! on macOS, in `libpython`'s install name. On a machine without clang (most
//! machines) `pip install` of anything that compiles C fails, and tools that
//! read sysconfig or pkg-config get folders that do not exist.
//!
//! The rewrite edits the string literals of `build_time_vars` in place: every
//! other byte of the file (layout, comments, numbers) stays as shipped, so
//! re-running it changes nothing. Windows builds need nothing: their
//! sysconfig has no compiler or prefix values (distutils finds MSVC itself).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The prefix python-build-standalone configures with (`--prefix=/install`).
pub const BUILD_PREFIX: &str = "/install";

/// What an install's rewrite changed, recorded in its metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rewritten {
    /// The build machine's prefix that was replaced (`/install`).
    pub from: String,
    /// The install's own path, which replaced it.
    pub to: PathBuf,
    /// The files changed, relative to the install.
    pub files: Vec<String>,
    /// The compilers replaced, `clang -> cc`, one entry per distinct pair.
    pub compilers: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot rewrite the build-time values in `{}`", path.display())]
pub struct RewriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl pyman_resolver::Hint for RewriteError {
    fn hint(&self) -> Option<String> {
        Some("check that pyman's data folder (`PYMAN_HOME`) is writable and has free space".into())
    }
}

/// Rewrites the install in `dir` (a scratch folder, or the install itself)
/// for the place it lives at, `prefix` (always the final path, never a
/// scratch folder's). Returns what changed; nothing to change is `Ok` with
/// no files.
pub fn rewrite(dir: &Path, prefix: &Path) -> Result<Rewritten, RewriteError> {
    let mut done = Rewritten {
        from: BUILD_PREFIX.to_string(),
        to: prefix.to_path_buf(),
        ..Rewritten::default()
    };
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RewriteError { path, source }
    };
    for file in sysconfig_files(dir) {
        let text = fs_err::read_to_string(&file).map_err(err(&file))?;
        let (new, compilers) = rewrite_sysconfig(&text, prefix);
        if new != text {
            crate::atomic::write(&file, &new).map_err(err(&file))?;
            done.files.push(relative(dir, &file));
        }
        for c in compilers {
            if !done.compilers.contains(&c) {
                done.compilers.push(c);
            }
        }
    }
    for file in pkgconfig_files(dir) {
        let text = fs_err::read_to_string(&file).map_err(err(&file))?;
        let new = rewrite_pkgconfig(&text);
        if new != text {
            crate::atomic::write(&file, &new).map_err(err(&file))?;
            done.files.push(relative(dir, &file));
        }
    }
    #[cfg(target_os = "macos")]
    if let Some((tool, args)) = dylib_id_command(dir, prefix) {
        // A failure leaves the old id (which only embedding tools read): not
        // worth failing the install for.
        let _ = std::process::Command::new(tool).args(args).status();
    }
    done.files.sort();
    Ok(done)
}

/// Whether the install still names the build machine's prefix (an install
/// made before pyman rewrote these values): `pyman doctor` and `upgrade`
/// look for it.
pub fn needs_rewrite(dir: &Path) -> bool {
    sysconfig_files(dir).iter().any(|f| {
        fs_err::read_to_string(f).is_ok_and(|t| {
            let (new, _) = rewrite_sysconfig(&t, dir);
            new != t
        })
    })
}

fn relative(dir: &Path, file: &Path) -> String {
    file.strip_prefix(dir)
        .unwrap_or(file)
        .to_string_lossy()
        .into_owned()
}

/// Every `lib/python3.X[t]/_sysconfigdata_*.py` (default, free-threaded and
/// debug layouts), sorted: deterministic whatever the directory order.
fn sysconfig_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for lib in read_sorted(&dir.join("lib")) {
        let name = lib.file_name().map(|n| n.to_string_lossy().into_owned());
        if !name.is_some_and(|n| n.starts_with("python3")) {
            continue;
        }
        for f in read_sorted(&lib) {
            let is_data = f.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with("_sysconfigdata_") && n.ends_with(".py")
            });
            if is_data && std::fs::symlink_metadata(&f).is_ok_and(|m| m.is_file()) {
                out.push(f);
            }
        }
    }
    out
}

fn pkgconfig_files(dir: &Path) -> Vec<PathBuf> {
    read_sorted(&dir.join("lib").join("pkgconfig"))
        .into_iter()
        .filter(|f| {
            f.extension().is_some_and(|e| e == "pc")
                && std::fs::symlink_metadata(f).is_ok_and(|m| m.is_file())
        })
        .collect()
}

fn read_sorted(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs_err::read_dir(dir)
        .map(|e| e.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// The keys whose first word is a compiler or archiver of the build machine.
const TOOL_KEYS: &[&str] = &[
    "CC",
    "CXX",
    "CPP",
    "LDSHARED",
    "BLDSHARED",
    "LDCXXSHARED",
    "LINKCC",
    "MAINCC",
    "AR",
];

/// The generic tool for one of python-build-standalone's own: `clang`,
/// `musl-clang` and the `/usr/bin/<triple>-gcc` cross compilers become `cc`,
/// their C++ twins `c++`, `llvm-ar` anywhere `ar`. A compiler the build did
/// not use (a plain `gcc`, someone's `ccache cc`) is left alone.
fn generic_tool(word: &str) -> Option<&'static str> {
    let base = word.rsplit('/').next().unwrap_or(word);
    let pbs_path = word.starts_with("/usr/bin/") || word.starts_with("/tools/");
    let cross = pbs_path && base.contains("-linux-");
    match base {
        "clang" | "musl-clang" => Some("cc"),
        "clang++" => Some("c++"),
        "llvm-ar" => Some("ar"),
        _ if cross && (base.ends_with("-gcc") || base.ends_with("-clang")) => Some("cc"),
        _ if cross && (base.ends_with("-g++") || base.ends_with("-clang++")) => Some("c++"),
        _ => None,
    }
}

/// One value, rewritten: a leading `/install` in a word (also after `-I`,
/// `-L` and `-Wl,-rpath,`) becomes `prefix`; `-isysroot PATH` goes (the
/// build machine's Xcode SDK); for the tool keys, the first word becomes the
/// generic tool. Separators and every other flag are kept as they are.
fn rewrite_value(key: &str, value: &str, prefix: &str, compilers: &mut Vec<String>) -> String {
    // A prefix with a space cannot go into a list of flags (tools split them
    // on whitespace): there only single-path values are relocated.
    let relocate =
        !prefix.contains(char::is_whitespace) || !value.trim().contains(char::is_whitespace);
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    let mut first = true;
    let mut drop_next = false;
    while !rest.is_empty() {
        let ws = rest.len() - rest.trim_start().len();
        let (space, after) = rest.split_at(ws);
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        let (word, tail) = after.split_at(end);
        rest = tail;
        if word.is_empty() {
            out.push_str(space);
            continue;
        }
        if drop_next {
            drop_next = false;
            continue;
        }
        if word == "-isysroot" {
            drop_next = true;
            continue;
        }
        out.push_str(space);
        if first
            && TOOL_KEYS.contains(&key)
            && let Some(tool) = generic_tool(word)
        {
            let pair = format!("{word} -> {tool}");
            if !compilers.contains(&pair) {
                compilers.push(pair);
            }
            out.push_str(tool);
        } else if relocate {
            out.push_str(&relocate_word(word, prefix));
        } else {
            out.push_str(word);
        }
        first = false;
    }
    out
}

/// `/install`, `/install/lib`, `-L/install/lib`, `-I/install/include`,
/// `-Wl,-rpath,/install/lib` with the real prefix; `/installer`,
/// `'--prefix=/install'` (a record of the configure line) untouched.
fn relocate_word(word: &str, prefix: &str) -> String {
    for flag in ["", "-I", "-L", "-Wl,-rpath,", "-Wl,-rpath="] {
        let Some(path) = word.strip_prefix(flag) else {
            continue;
        };
        // Already under the install (which may itself live under
        // `/install/…`): the rewrite never stacks.
        if path.starts_with(prefix) {
            return word.to_string();
        }
        if let Some(rest) = path.strip_prefix(BUILD_PREFIX)
            && (rest.is_empty() || rest.starts_with('/'))
        {
            return format!("{flag}{prefix}{rest}");
        }
    }
    word.to_string()
}

/// The sysconfig data with every string value of `build_time_vars`
/// rewritten, and the compilers replaced. Literals that change are written
/// back as double-quoted JSON strings (valid Python); nothing else moves.
pub fn rewrite_sysconfig(text: &str, prefix: &Path) -> (String, Vec<String>) {
    let prefix = prefix.to_string_lossy();
    let mut compilers = Vec::new();
    let Some(open) = text
        .find("build_time_vars")
        .and_then(|i| text[i..].find('{').map(|j| i + j))
    else {
        return (text.to_string(), compilers);
    };
    let b = text.as_bytes();
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut i = open + 1;
    loop {
        i = skip_space(b, i);
        if i >= b.len() || b[i] == b'}' {
            break;
        }
        if b[i] == b',' {
            i += 1;
            continue;
        }
        // key
        let Some((key, after_key)) = strings(text, i) else {
            break;
        };
        i = skip_space(b, after_key);
        if i >= b.len() || b[i] != b':' {
            break;
        }
        i = skip_space(b, i + 1);
        if let Some((value, end)) = strings(text, i) {
            let new = rewrite_value(&key, &value, &prefix, &mut compilers);
            if new != value {
                edits.push((i, end, json_quote(&new)));
            }
            i = end;
        } else {
            // A number or another literal: up to the next separator.
            while i < b.len() && b[i] != b',' && b[i] != b'}' {
                i += 1;
            }
        }
    }
    let mut out = text.to_string();
    for (start, end, lit) in edits.into_iter().rev() {
        out.replace_range(start..end, &lit);
    }
    (out, compilers)
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    i
}

/// One or more adjacent string literals at `i` (Python joins them): their
/// value and the end of the last.
fn strings(text: &str, mut i: usize) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let mut value = String::new();
    let mut any = false;
    loop {
        let j = skip_space(b, i);
        let Some((part, end)) = literal(text, j) else {
            break;
        };
        value.push_str(&part);
        any = true;
        i = end;
    }
    any.then_some((value, i))
}

/// A `'…'` or `"…"` literal at `i` (with an optional `r`/`u` prefix is not
/// used by sysconfig and not accepted): its value and end.
fn literal(text: &str, i: usize) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let quote = *b.get(i)?;
    if quote != b'\'' && quote != b'"' {
        return None;
    }
    let mut out = String::new();
    let mut chars = text[i + 1..].char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            c if c as u32 == u32::from(quote) => return Some((out, i + 1 + k + 1)),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' | '\'' | '"' => out.push(e),
                    '\n' => {}
                    'x' => {
                        let h: String = (0..2)
                            .filter_map(|_| chars.next().map(|(_, c)| c))
                            .collect();
                        out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
                    }
                    'u' => {
                        let h: String = (0..4)
                            .filter_map(|_| chars.next().map(|(_, c)| c))
                            .collect();
                        out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
                    }
                    // Python keeps an unknown escape as written.
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
            }
            c => out.push(c),
        }
    }
    None
}

fn json_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// `.pc` lines `key=/install…` become relative to the file
/// (`${pcfiledir}/../..`): right wherever the home moves. Line endings kept.
pub fn rewrite_pkgconfig(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, eol) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let rewritten = body.split_once('=').and_then(|(k, v)| {
            let rest = v.strip_prefix(BUILD_PREFIX)?;
            let simple_key =
                !k.is_empty() && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
            (simple_key && (rest.is_empty() || rest.starts_with('/')))
                .then(|| format!("{k}=${{pcfiledir}}/../..{rest}"))
        });
        out.push_str(rewritten.as_deref().unwrap_or(body));
        out.push_str(eol);
    }
    out
}

/// macOS: `libpython3.X[t].dylib` gets its final path as its install name
/// (python-build-standalone's says `/install/lib/…`, which breaks tools that
/// link against it, such as pyo3's test builds). The command runs on the
/// file in `dir` and names the file's place under `prefix`.
pub fn dylib_id_command(dir: &Path, prefix: &Path) -> Option<(&'static str, Vec<String>)> {
    let lib = read_sorted(&dir.join("lib")).into_iter().find(|p| {
        p.file_name().is_some_and(|n| {
            let n = n.to_string_lossy();
            n.starts_with("libpython3") && n.ends_with(".dylib")
        }) && std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file())
    })?;
    let name = lib.file_name()?.to_string_lossy().into_owned();
    let id = prefix.join("lib").join(&name);
    Some((
        "install_name_tool",
        vec![
            "-id".into(),
            id.to_string_lossy().into_owned(),
            lib.to_string_lossy().into_owned(),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str = "/home/me/.local/share/pyman/pythons/cpython-3.12.13-linux-x86_64-gnu";

    fn vars(text: &str) -> String {
        rewrite_sysconfig(text, Path::new(PREFIX)).0
    }

    /// As python-build-standalone ships it (json.dumps, sorted keys).
    const GNU: &str = r#"# system configuration generated and used by the sysconfig module
build_time_vars = {
    "ABIFLAGS": "",
    "AR": "/tools/llvm/bin/llvm-ar",
    "BLDSHARED": "clang -pthread -shared  -Wl,--exclude-libs,ALL -LModules/_hacl",
    "CC": "clang -pthread",
    "CFLAGS": "-fno-strict-overflow -Wsign-compare -DNDEBUG -g -O3 -Wall  -fPIC  ",
    "CONFIG_ARGS": "'--prefix=/install' 'CC=clang'",
    "CXX": "clang++ -pthread",
    "DESTDIRS": "/install /install/lib /install/lib/python3.12 /install/lib/python3.12/lib-dynload",
    "INCLUDEPY": "/install/include/python3.12",
    "LDCXXSHARED": "clang++ -pthread -shared  -Wl,--exclude-libs,ALL -LModules/_hacl",
    "LDFLAGS": " -L/install/lib -Wl,-rpath,/install/lib",
    "LDSHARED": "clang -pthread -shared  -Wl,--exclude-libs,ALL -LModules/_hacl",
    "LIBDIR": "/install/lib",
    "LIBPL": "/install/lib/python3.12/config-3.12-x86_64-linux-gnu",
    "LINKCC": "clang -pthread",
    "Py_ENABLE_SHARED": 1,
    "RUNSHARED": "LD_LIBRARY_PATH=/build/Python-3.12.13",
    "WASM_ASSETS_DIR": "./install",
    "exec_prefix": "/install",
    "installer_dir": "/installer",
    "prefix": "/install"
}"#;

    #[test]
    fn gnu_values_as_shipped() {
        let (out, compilers) = rewrite_sysconfig(GNU, Path::new(PREFIX));
        for (key, want) in [
            ("AR", "ar".to_string()),
            ("CC", "cc -pthread".into()),
            ("CXX", "c++ -pthread".into()),
            ("LINKCC", "cc -pthread".into()),
            (
                "LDSHARED",
                "cc -pthread -shared  -Wl,--exclude-libs,ALL -LModules/_hacl".into(),
            ),
            (
                "BLDSHARED",
                "cc -pthread -shared  -Wl,--exclude-libs,ALL -LModules/_hacl".into(),
            ),
            (
                "LDCXXSHARED",
                "c++ -pthread -shared  -Wl,--exclude-libs,ALL -LModules/_hacl".into(),
            ),
            ("INCLUDEPY", format!("{PREFIX}/include/python3.12")),
            ("LIBDIR", format!("{PREFIX}/lib")),
            (
                "LIBPL",
                format!("{PREFIX}/lib/python3.12/config-3.12-x86_64-linux-gnu"),
            ),
            ("prefix", PREFIX.into()),
            ("exec_prefix", PREFIX.into()),
            (
                "LDFLAGS",
                format!(" -L{PREFIX}/lib -Wl,-rpath,{PREFIX}/lib"),
            ),
            (
                "DESTDIRS",
                format!(
                    "{PREFIX} {PREFIX}/lib {PREFIX}/lib/python3.12 {PREFIX}/lib/python3.12/lib-dynload"
                ),
            ),
            // Kept: other flags and their spacing, the configure record,
            // folders that only look alike, the build folder.
            (
                "CFLAGS",
                "-fno-strict-overflow -Wsign-compare -DNDEBUG -g -O3 -Wall  -fPIC  ".into(),
            ),
            ("CONFIG_ARGS", "'--prefix=/install' 'CC=clang'".into()),
            ("installer_dir", "/installer".into()),
            ("WASM_ASSETS_DIR", "./install".into()),
            ("RUNSHARED", "LD_LIBRARY_PATH=/build/Python-3.12.13".into()),
        ] {
            let line = format!("    \"{key}\": {},", serde_json::to_string(&want).unwrap());
            let line_last = line.trim_end_matches(',').to_string();
            assert!(
                out.contains(&line) || out.contains(&line_last),
                "{key}: want {want:?} in\n{out}"
            );
        }
        assert!(
            out.contains("\"Py_ENABLE_SHARED\": 1,"),
            "numbers untouched"
        );
        assert!(
            compilers.contains(&"clang -> cc".to_string()),
            "{compilers:?}"
        );
        assert!(compilers.contains(&"/tools/llvm/bin/llvm-ar -> ar".to_string()));
        // Idempotent: a second run changes nothing.
        assert_eq!(vars(&out), out);
    }

    #[test]
    fn pprint_layout_with_joined_literals_and_escapes() {
        // CPython's own writer (pprint): single quotes, a value split over lines.
        let text = "# system configuration generated and used by the sysconfig module\n\
build_time_vars = {'AR': 'ar',\n 'CC': 'musl-clang -pthread',\n 'CONFIG_ARGS': \"'--prefix=/install' \"\n                \"'--enable-shared'\",\n 'LIBDIR': '/install/lib',\n 'MODULE_DEPS': './Modules/hashlib.h \\\\ x',\n 'SIZEOF_INT': 4}\n";
        let out = vars(text);
        assert!(out.contains("'CC': \"cc -pthread\","), "{out}");
        assert!(
            out.contains(&format!("'LIBDIR': \"{PREFIX}/lib\",")),
            "{out}"
        );
        assert!(
            out.contains(
                "'CONFIG_ARGS': \"'--prefix=/install' \"\n                \"'--enable-shared'\","
            ),
            "unchanged literals stay as written:\n{out}"
        );
        assert!(
            out.contains("'MODULE_DEPS': './Modules/hashlib.h \\\\ x',"),
            "{out}"
        );
        assert!(out.contains("'AR': 'ar',"));
        assert!(out.ends_with("'SIZEOF_INT': 4}\n"));
    }

    #[test]
    fn free_threaded_and_cross_compilers() {
        let text = r#"build_time_vars = {"CC": "/usr/bin/aarch64-linux-gnu-gcc", "CXX": "/usr/bin/riscv64-linux-gnu-g++", "LINKCC": "/usr/bin/riscv64-linux-gnu-clang", "LDCXXSHARED": "/usr/bin/riscv64-linux-gnu-clang++ -shared", "ABIFLAGS": "t", "CPP": "gcc -E"}"#;
        let out = vars(text);
        assert!(out.contains(r#""CC": "cc""#), "{out}");
        assert!(out.contains(r#""CXX": "c++""#), "{out}");
        assert!(out.contains(r#""LINKCC": "cc""#), "{out}");
        assert!(out.contains(r#""LDCXXSHARED": "c++ -shared""#), "{out}");
        assert!(
            out.contains(r#""CPP": "gcc -E""#),
            "a plain gcc is the machine's own"
        );
    }

    #[test]
    fn macos_sysroot_goes_and_the_dylib_gets_its_final_name() {
        let text = r#"build_time_vars = {"BLDSHARED": "clang -bundle -undefined dynamic_lookup -arch arm64 -isysroot /Applications/Xcode_15.2.app/Contents/Developer/Platforms/MacOSX.platform/Developer/SDKs/MacOSX14.2.sdk", "CFLAGS": "-O3 -Wall -arch arm64 -mmacosx-version-min=11.0 -isysroot /Applications/MacOSX14.2.sdk -fPIC"}"#;
        let out = vars(text);
        assert!(
            out.contains(r#""BLDSHARED": "cc -bundle -undefined dynamic_lookup -arch arm64""#),
            "{out}"
        );
        assert!(
            out.contains(r#""CFLAGS": "-O3 -Wall -arch arm64 -mmacosx-version-min=11.0 -fPIC""#),
            "{out}"
        );

        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lib")).unwrap();
        std::fs::write(dir.path().join("lib/libpython3.13t.dylib"), "").unwrap();
        let (tool, args) = dylib_id_command(
            dir.path(),
            Path::new("/Users/me/pythons/cpython-3.13.1+freethreaded-darwin-aarch64-none"),
        )
        .unwrap();
        assert_eq!(tool, "install_name_tool");
        assert_eq!(
            args,
            vec![
                "-id".to_string(),
                "/Users/me/pythons/cpython-3.13.1+freethreaded-darwin-aarch64-none/lib/libpython3.13t.dylib".into(),
                dir.path().join("lib/libpython3.13t.dylib").display().to_string(),
            ]
        );
    }

    #[test]
    fn pkgconfig_prefix_becomes_relative() {
        let text = "# See: man pkg-config\nprefix=/install\nexec_prefix=${prefix}\nlibdir=/install/lib\nCflags: -I${includedir}/python3.12\n";
        assert_eq!(
            rewrite_pkgconfig(text),
            "# See: man pkg-config\nprefix=${pcfiledir}/../..\nexec_prefix=${prefix}\nlibdir=${pcfiledir}/../../lib\nCflags: -I${includedir}/python3.12\n"
        );
        assert_eq!(
            rewrite_pkgconfig("prefix=/installed\n"),
            "prefix=/installed\n"
        );
        assert_eq!(
            rewrite_pkgconfig(&rewrite_pkgconfig(text)),
            rewrite_pkgconfig(text)
        );
    }

    #[test]
    fn an_install_tree_is_rewritten_once_and_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("lib/python3.13t");
        std::fs::create_dir_all(&lib).unwrap();
        std::fs::create_dir_all(dir.path().join("lib/pkgconfig")).unwrap();
        std::fs::write(lib.join("_sysconfigdata_t_linux_x86_64-linux-gnu.py"), GNU).unwrap();
        std::fs::write(
            dir.path().join("lib/pkgconfig/python-3.13t.pc"),
            "prefix=/install\n",
        )
        .unwrap();
        assert!(needs_rewrite(dir.path()));
        let done = rewrite(dir.path(), Path::new(PREFIX)).unwrap();
        assert_eq!(
            done.files,
            vec![
                "lib/pkgconfig/python-3.13t.pc".to_string(),
                "lib/python3.13t/_sysconfigdata_t_linux_x86_64-linux-gnu.py".into()
            ]
        );
        assert!(!needs_rewrite(dir.path()));
        assert!(
            rewrite(dir.path(), Path::new(PREFIX))
                .unwrap()
                .files
                .is_empty()
        );
    }

    #[test]
    fn a_home_under_install_or_with_a_space_is_not_broken() {
        // A home that itself lives under `/install/`: once, never stacked.
        let prefix = Path::new("/install/home/pyman/pythons/cpython-3.12.1-linux-x86_64-gnu");
        let (once, _) = rewrite_sysconfig(GNU, prefix);
        assert!(
            once.contains(&format!("\"LIBDIR\": \"{}/lib\"", prefix.display())),
            "{once}"
        );
        assert_eq!(rewrite_sysconfig(&once, prefix).0, once, "idempotent");
        // macOS's default home has a space: paths alone are relocated, flag
        // lists keep `/install` rather than get a path split in two.
        let spaced = Path::new("/Users/me/Library/Application Support/pyman/pythons/k");
        let (out, _) = rewrite_sysconfig(GNU, spaced);
        assert!(
            out.contains(
                "\"LIBDIR\": \"/Users/me/Library/Application Support/pyman/pythons/k/lib\""
            ),
            "{out}"
        );
        assert!(
            out.contains("\"LDFLAGS\": \" -L/install/lib -Wl,-rpath,/install/lib\""),
            "{out}"
        );
        assert!(
            out.contains("\"CC\": \"cc -pthread\""),
            "compilers still mapped"
        );
    }
}

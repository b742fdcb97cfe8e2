//! A hermetic test context: its own HOME, PYMAN_HOME, PATH and pyenv root, and
//! helpers to run the built binaries in it.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::fixtures::SourcePython;

pub fn pyman_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pyman"))
}

/// Where tests build fixtures and homes: tmpfs when there is one (thousands of
/// small files per install are slow on a VM disk; behaviour is the same), else
/// cargo's target tmp folder.
pub fn scratch_root() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() && tempfile::tempdir_in(shm).is_ok() {
        shm.to_path_buf()
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
    }
}

pub struct TestContext {
    _root: tempfile::TempDir,
    pub root: PathBuf,
    pub pyman_home: PathBuf,
    pub work: PathBuf,
    pub pyenv_root: PathBuf,
    pub env: Vec<(String, OsString)>,
}

#[derive(Debug)]
pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn from(o: Output) -> Out {
        Out {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected success\n{self}");
        self
    }

    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "expected exit {code}\n{self}");
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr has {needle:?}\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n{self}"
        );
        self
    }

    pub fn line(&self) -> String {
        self.stdout.trim().to_string()
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl TestContext {
    pub fn new() -> TestContext {
        let dir = tempfile::Builder::new()
            .prefix("pyman-e2e-")
            .tempdir_in(scratch_root())
            .unwrap();
        let root = dir.path().canonicalize().unwrap();
        let home = root.join("home");
        let pyman_home = root.join("pyman");
        let work = root.join("work");
        let pyenv_root = root.join("pyenv");
        for d in [&home, &work, &pyenv_root.join("versions")] {
            fs::create_dir_all(d).unwrap();
        }
        let path =
            std::env::join_paths([pyman_home.join("shims"), "/usr/bin".into(), "/bin".into()])
                .unwrap();
        let env = vec![
            ("HOME".to_string(), home.clone().into_os_string()),
            (
                "PYMAN_HOME".to_string(),
                pyman_home.clone().into_os_string(),
            ),
            (
                "PYENV_ROOT".to_string(),
                pyenv_root.clone().into_os_string(),
            ),
            ("PATH".to_string(), path),
            ("NO_COLOR".to_string(), "1".into()),
            ("LANG".to_string(), "C.UTF-8".into()),
            ("PYMAN_TEST_NO_RETRY_DELAY".to_string(), "1".into()),
            // No test asks GitHub for new builds; the refresh tests opt in.
            ("PYMAN_INDEX_TTL".to_string(), "never".into()),
        ];
        TestContext {
            _root: dir,
            root,
            pyman_home,
            work,
            pyenv_root,
            env,
        }
    }

    /// A context whose "pyenv" has exactly these real interpreters.
    pub fn with_pythons(sources: &[&SourcePython]) -> TestContext {
        let ctx = TestContext::new();
        for s in sources {
            std::os::unix::fs::symlink(&s.prefix, ctx.pyenv_root.join("versions").join(&s.version))
                .unwrap();
        }
        ctx
    }

    pub fn dir(&self, rel: &str) -> PathBuf {
        let p = self.work.join(rel);
        fs::create_dir_all(&p).unwrap();
        p
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let p = self.work.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }

    /// Sets (or replaces) a variable for every command this context runs.
    pub fn set_env(&mut self, key: &str, value: impl Into<OsString>) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.into()));
    }

    pub fn shims(&self) -> PathBuf {
        self.pyman_home.join("shims")
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>, cwd: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear().current_dir(cwd).stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// A command for `program` with this context's environment, in `cwd`
    /// (relative to the work folder), to spawn by hand.
    pub fn command_for(&self, program: &Path, cwd: &str) -> Command {
        self.command(program, &self.dir(cwd))
    }

    /// `pyman ARGS` in `cwd` (relative to the work folder).
    pub fn pyman(&self, cwd: &str, args: &[&str]) -> Out {
        self.pyman_env(cwd, args, &[])
    }

    pub fn pyman_env(&self, cwd: &str, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut cmd = self.command(pyman_bin(), &self.dir(cwd));
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Out::from(cmd.output().unwrap())
    }

    /// A command run by name through the context's PATH, as a user's shell would.
    pub fn run(&self, cwd: &str, name: &str, args: &[&str]) -> Out {
        self.run_env(cwd, name, args, &[])
    }

    pub fn run_env(&self, cwd: &str, name: &str, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut cmd = self.shell_command(cwd, name, args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Out::from(cmd.output().unwrap())
    }

    /// `sh -c 'exec NAME ARGS'`, so the PATH lookup is the shell's, not ours.
    pub fn shell_command(&self, cwd: &str, name: &str, args: &[&str]) -> Command {
        let mut cmd = self.command("/bin/sh", &self.dir(cwd));
        cmd.arg("-c").arg("exec \"$0\" \"$@\"").arg(name).args(args);
        cmd
    }

    /// Installs every source as `pyman rehash` sees it and writes the shims.
    pub fn rehash(&self) {
        self.pyman("", &["rehash"]).ok();
    }
}

/// No scratch folder left in `pythons/.temp`: a failed or killed install
/// leaves nothing half-made behind.
#[track_caller]
pub fn assert_no_leftovers(ctx: &TestContext) {
    let temp = ctx.pyman_home.join("pythons/.temp");
    let left: Vec<_> = fs::read_dir(&temp)
        .map(|e| e.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "scratch leftovers: {left:?}");
}

/// `PYMAN_E2E_STRICT=1` (set by `.ci/run`, whose machine has every fixture:
/// pyenv's interpreters, nginx, root, setpriv, GNU time): a skip is a failure,
/// so a suite that silently tested nothing cannot pass there.
const STRICT: &str = "PYMAN_E2E_STRICT";

/// Where skips are recorded for `.ci/run`'s summary line (libtest hides the
/// output of passing tests).
pub fn skips_file() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-skips.txt")
}

/// A test (or part of one) that cannot run here: says why, on stderr past
/// libtest's capture and in the skips file; under `PYMAN_E2E_STRICT=1` it fails.
#[track_caller]
pub fn skip(reason: impl std::fmt::Display) {
    record_skip(&reason.to_string());
    if std::env::var_os(STRICT).is_some_and(|v| v == "1") {
        panic!("skipped under {STRICT}=1, where every fixture should be present: {reason}");
    }
}

/// A skip that is this environment's, never a failure: the Wine suite
/// outside `.ci/windows`, a pair of interpreters this machine's image does
/// not have.
pub fn skip_expected(reason: impl std::fmt::Display) {
    record_skip(&reason.to_string());
}

fn record_skip(reason: &str) {
    use std::io::Write;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let line = format!("SKIPPED {test}: {reason}\n");
    // Straight to the file descriptor: `eprintln!` is captured for passing tests.
    let _ = std::io::stderr().write_all(line.as_bytes());
    if let Ok(mut f) = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(skips_file())
    {
        let _ = f.write_all(line.as_bytes());
    }
}

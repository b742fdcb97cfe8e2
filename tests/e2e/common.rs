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

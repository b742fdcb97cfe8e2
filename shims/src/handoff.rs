//! Handing the process over to the target.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

/// Unix: `exec` — same pid, signals, stdio and exit code, with nothing of the
/// shim left. `argv[0]` is the target's full path: CPython finds
/// `sys.executable`, and through it the venv's `pyvenv.cfg`, from `argv[0]`,
/// so a bare `python` there would send it looking on `PATH` (back to the shim).
#[cfg(unix)]
pub fn replace_process(mut cmd: Command, program: &Path) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    exec_failed(program, &err)
}

/// Windows: no `exec`. Wait for the child and return its exit code; the child
/// owns Ctrl-C (the console delivers it to both, and the shim ignores it).
#[cfg(not(unix))]
pub fn replace_process(mut cmd: Command, program: &Path) -> ExitCode {
    match cmd.status() {
        Ok(status) => {
            let code = status.code().unwrap_or(1);
            #[allow(clippy::exit)]
            std::process::exit(code)
        }
        Err(err) => exec_failed(program, &err),
    }
}

#[allow(clippy::print_stderr)]
fn exec_failed(program: &Path, err: &std::io::Error) -> ExitCode {
    eprintln!(
        "pyman: error: cannot run `{}`: {err}\npyman: hint: check that the file is an executable for this machine, or reinstall the interpreter",
        program.display()
    );
    ExitCode::from(126)
}

/// The shim's stderr as a child's stdout, so that an auto-install's output
/// never mixes into the data the user's `python` writes to stdout.
#[cfg(unix)]
pub fn stderr_as_stdio() -> Stdio {
    use std::os::fd::AsFd;
    std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map_or_else(|_| Stdio::null(), Stdio::from)
}

#[cfg(not(unix))]
pub fn stderr_as_stdio() -> Stdio {
    Stdio::inherit()
}

/// The exit code of a child, as a shell would report it (128 + signal).
pub fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return ExitCode::from(u8::try_from(128 + sig).unwrap_or(1));
        }
    }
    ExitCode::from(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1))
}

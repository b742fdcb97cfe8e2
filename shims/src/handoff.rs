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

/// Windows: no `exec`. The child goes into a kill-on-close Job object (so it
/// dies with the shim, as it would with a replaced process), the shim ignores
/// Ctrl-C (the console delivers it to the child, which decides), waits, and
/// exits with the child's code, all 32 bits of it.
#[cfg(windows)]
pub fn replace_process(mut cmd: Command, program: &Path) -> ExitCode {
    win::ignore_ctrl_c();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(err) => return exec_failed(program, &err),
    };
    win::tie_to_job(&child);
    match child.wait() {
        #[allow(clippy::exit)]
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(err) => exec_failed(program, &err),
    }
}

#[cfg(windows)]
#[allow(unsafe_code)]
mod win {
    //! The only unsafe code of the shim: two Win32 calls, each checked.
    use std::os::windows::io::AsRawHandle;

    use windows_sys::Win32::Foundation::{BOOL, TRUE};
    use windows_sys::Win32::System::Console::SetConsoleCtrlHandler;
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobObjectExtendedLimitInformation,
        SetInformationJobObject,
    };

    unsafe extern "system" fn ignore(_ctrl_type: u32) -> BOOL {
        TRUE
    }

    pub fn ignore_ctrl_c() {
        // SAFETY: registers a handler with the right signature for the process lifetime.
        unsafe {
            SetConsoleCtrlHandler(Some(ignore), TRUE);
        }
    }

    /// Best effort: a failure (say, already in a job that forbids nesting)
    /// leaves the child running normally.
    pub fn tie_to_job(child: &std::process::Child) {
        // SAFETY: plain Win32 calls on handles we own; the job handle is kept
        // open (leaked) until the shim exits, which is what closes the job.
        unsafe {
            let job = CreateJobObjectW(std::ptr::null(), std::ptr::null());
            if job.is_null() {
                return;
            }
            let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
            info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
            let size =
                u32::try_from(size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>()).unwrap_or(0);
            SetInformationJobObject(
                job,
                JobObjectExtendedLimitInformation,
                std::ptr::from_ref(&info).cast(),
                size,
            );
            AssignProcessToJobObject(job, child.as_raw_handle());
        }
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

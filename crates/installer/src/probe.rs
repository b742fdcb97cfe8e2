//! Running an interpreter once to learn its exact version.

use std::path::Path;
use std::process::Command;

use pyman_resolver::{Variant, Version};

const SCRIPT: &str = "import sys; v = sys.version_info; \
pre = {'alpha': 'a', 'beta': 'b', 'candidate': 'rc'}.get(v[3], ''); \
n = str(v[4]) if pre else ''; \
ft = 't' in getattr(sys, 'abiflags', '') or not getattr(sys, '_is_gil_enabled', lambda: True)(); \
sys.stdout.write('%d.%d.%d%s%s %s' % (v[0], v[1], v[2], pre, n, 'freethreaded' if ft else 'default'))";

/// What [`probe`] says of an interpreter stopped by Ctrl-C (SIGINT reaches
/// the whole process group from a terminal): not a fault of the interpreter.
pub const INTERRUPTED: &str = "it was interrupted (Ctrl-C)";

/// `3.12.4 default`, or why the interpreter did not answer.
pub fn probe(exe: &Path) -> Result<(Version, Variant), String> {
    let out = Command::new(exe)
        // `-E -s -S` rather than `-I`, which Python 2 does not know.
        .args(["-E", "-s", "-S", "-c", SCRIPT])
        .env_remove("PYTHONHOME")
        .env_remove("PYTHONPATH")
        .output()
        .map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if out.status.signal() == Some(2) {
            return Err(INTERRUPTED.to_string());
        }
    }
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or("").trim().to_string();
        return Err(format!("it exited with {} ({last})", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let (version, variant) = text
        .split_once(' ')
        .ok_or_else(|| format!("unexpected output `{text}`"))?;
    Ok((
        version.parse().map_err(|e| format!("{e}"))?,
        Variant::from_name(variant).unwrap_or_default(),
    ))
}

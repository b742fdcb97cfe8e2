//! pyman's own release archives, as `scripts/package.sh` builds them and
//! install.sh / install.ps1 / `pyman self update` fetch them:
//! `$PYMAN_DOWNLOAD_URL/VERSION` names the newest version, and beside it
//! `pyman-<version>-<target>.tar.gz` (`.zip` on Windows) with a `.sha256`.

/// Where releases are published; `PYMAN_DOWNLOAD_URL` points at a mirror.
pub const DEFAULT_DOWNLOAD_URL: &str =
    "https://github.com/pyman-dev/pyman/releases/latest/download";
pub const PYMAN_DOWNLOAD_URL: &str = "PYMAN_DOWNLOAD_URL";

/// The Rust target triple this binary was built for, as archives name it.
pub fn target() -> String {
    let arch = std::env::consts::ARCH;
    let rest = if cfg!(target_os = "macos") {
        "apple-darwin"
    } else if cfg!(windows) {
        if cfg!(target_env = "gnu") {
            "pc-windows-gnu"
        } else {
            "pc-windows-msvc"
        }
    } else if cfg!(target_env = "musl") {
        "unknown-linux-musl"
    } else {
        "unknown-linux-gnu"
    };
    format!("{arch}-{rest}")
}

pub fn archive_name(version: &str) -> String {
    let ext = if cfg!(windows) { "zip" } else { "tar.gz" };
    format!("pyman-{version}-{}.{ext}", target())
}

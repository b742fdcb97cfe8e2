//! The platform this binary runs on, in python-build-standalone's words.

/// `linux`, `darwin` or `windows`.
pub fn os() -> &'static str {
    if cfg!(target_os = "macos") {
        "darwin"
    } else if cfg!(target_os = "windows") {
        "windows"
    } else {
        std::env::consts::OS
    }
}

/// `x86_64`, `aarch64`, `i686`, …
pub fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86" => "i686",
        "arm" => "armv7",
        other => other,
    }
}

/// `gnu`, `musl` or `none` (macOS and Windows).
pub fn libc() -> &'static str {
    if cfg!(target_os = "linux") {
        if cfg!(target_env = "musl") {
            "musl"
        } else {
            "gnu"
        }
    } else {
        "none"
    }
}

/// `linux-x86_64-gnu`: the suffix of install keys.
pub fn triple() -> String {
    format!("{}-{}-{}", os(), arch(), libc())
}

/// The executable suffix: `.exe` on Windows.
pub const EXE_SUFFIX: &str = std::env::consts::EXE_SUFFIX;

/// The folder of a venv or an interpreter that holds executables.
pub const BIN_DIR: &str = if cfg!(windows) { "Scripts" } else { "bin" };

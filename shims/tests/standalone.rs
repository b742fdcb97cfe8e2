#![allow(clippy::disallowed_methods)]
#![allow(clippy::unwrap_used)]
//! The shim binary on its own: called by its own name, and with no selection.

use std::process::Command;

#[test]
fn called_as_itself_it_explains_and_exits_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_pyman-shim"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pyman rehash"));
}

#[test]
fn without_a_selection_or_system_python_it_says_how_to_make_one() {
    let dir = tempfile_dir();
    let link = dir.join("python");
    std::fs::hard_link(env!("CARGO_BIN_EXE_pyman-shim"), &link).unwrap();
    let out = Command::new(&link)
        .env_clear()
        .env("PYMAN_HOME", dir.join("home"))
        // Nothing selected means the system's Python: here there is none.
        .env("PATH", dir.join("empty"))
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("pyman: error: no system Python (`python3`, `python`) found on `PATH`"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing is pinned here"), "{stderr}");
    assert!(stderr.contains("pyman pin 3.12"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pyman-shim-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

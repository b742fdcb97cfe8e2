//! PEP 514 registration on Windows: `HKCU\Software\Python\pyman\<tag>`, so
//! the `py` launcher and IDEs find pyman's interpreters. Elsewhere, nothing.

// Only Windows registers; elsewhere these names are unused.
#![cfg_attr(not(windows), allow(dead_code))]

use std::path::Path;

use pyman_resolver::Interpreter;

/// The PEP 514 company key.
pub const COMPANY: &str = r"Software\Python\pyman";

/// `3.12.4`, `3.13.1t`, and `-32` for 32-bit builds.
pub fn tag(i: &Interpreter) -> String {
    let bits = if i.key.contains("-i686-") { "-32" } else { "" };
    format!("{}{bits}", i.version_string())
}

#[cfg(windows)]
pub fn register(i: &Interpreter, install: &Path) -> std::io::Result<()> {
    use winreg::RegKey;
    use winreg::enums::HKEY_CURRENT_USER;
    let hkcu = RegKey::predef(HKEY_CURRENT_USER);
    let (company, _) = hkcu.create_subkey(COMPANY)?;
    company.set_value("DisplayName", &"pyman")?;
    company.set_value("SupportUrl", &"https://github.com/pyman-dev/pyman")?;
    let (key, _) = company.create_subkey(tag(i))?;
    key.set_value(
        "DisplayName",
        &format!("Python {} (pyman)", i.version_string()),
    )?;
    key.set_value("SupportUrl", &"https://github.com/pyman-dev/pyman")?;
    key.set_value("Version", &i.version.to_string())?;
    key.set_value(
        "SysVersion",
        &format!("{}.{}", i.version.major, i.version.minor),
    )?;
    key.set_value(
        "SysArchitecture",
        &if i.key.contains("-i686-") {
            "32bit"
        } else {
            "64bit"
        },
    )?;
    let (path, _) = key.create_subkey("InstallPath")?;
    path.set_value("", &install.display().to_string())?;
    path.set_value(
        "ExecutablePath",
        &install.join("python.exe").display().to_string(),
    )?;
    path.set_value(
        "WindowedExecutablePath",
        &install.join("pythonw.exe").display().to_string(),
    )?;
    Ok(())
}

#[cfg(windows)]
pub fn unregister(i: &Interpreter) -> std::io::Result<()> {
    use winreg::RegKey;
    use winreg::enums::HKEY_CURRENT_USER;
    let hkcu = RegKey::predef(HKEY_CURRENT_USER);
    match hkcu.delete_subkey_all(format!(r"{COMPANY}\{}", tag(i))) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(not(windows))]
pub fn register(_i: &Interpreter, _install: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(windows))]
pub fn unregister(_i: &Interpreter) -> std::io::Result<()> {
    Ok(())
}

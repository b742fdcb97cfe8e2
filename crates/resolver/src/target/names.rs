//! Command names: which shim names are Python's, the minor a versioned
//! name asks for (`python3.12`), and the names an interpreter answers to.

/// `python3.12` → `(3, 12)`; `pip3.11` → `(3, 11)`; `python3` → `None`.
pub fn minor_in_name(name: &str) -> Option<(u64, u64)> {
    let digits = name.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let (major, minor) = digits.split_once('.')?;
    if digits.len() == name.len() || major.is_empty() || minor.is_empty() {
        return None;
    }
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The command name a shim was invoked as: the file name of argv[0], without
/// `.exe` and lower-cased on Windows.
pub fn command_name(argv0: &str) -> String {
    let base = argv0
        .rsplit(['/', std::path::MAIN_SEPARATOR])
        .next()
        .unwrap_or(argv0);
    if cfg!(windows) {
        let lower = base.to_ascii_lowercase();
        lower
            .strip_suffix(".exe")
            .map(str::to_string)
            .unwrap_or(lower)
    } else {
        base.to_string()
    }
}

/// `python`, `python3`, `python3.12t`, `pip`, `pip3.12`, `pydoc3`, `idle3`,
/// `python3-config`: the commands every interpreter has, which keep their
/// strict behaviour (an error rather than someone else's command).
pub fn is_python_command(name: &str) -> bool {
    let base = name.strip_suffix("-config").unwrap_or(name);
    let Some(rest) = ["python", "pip", "pydoc", "idle"]
        .iter()
        .find_map(|p| base.strip_prefix(p))
    else {
        return false;
    };
    let rest = rest.strip_suffix('t').unwrap_or(rest);
    rest.is_empty()
        || rest.bytes().all(|b| b.is_ascii_digit())
        || rest.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        })
}

/// Names to try for a command: an interpreter may lack `python` or `pip`
/// but have `python3` / `python3.12`, and Windows builds and venvs have only
/// `python.exe` / `pip.exe` where a shim is called `python3.12`.
pub(crate) fn interpreter_names(name: &str, version: Option<(u64, u64)>) -> Vec<String> {
    let mut names = vec![name.to_string()];
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    let family = matches!(base, "python" | "pip" | "pydoc" | "idle" | "python-config");
    if family && base == name {
        names.push(format!("{name}3"));
        if let Some((major, minor)) = version {
            names.push(format!("{name}{major}.{minor}"));
        }
    } else if family {
        names.push(base.to_string());
    }
    names
}

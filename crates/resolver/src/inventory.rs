//! What pyman knows of installed interpreters: managed ones and those it
//! discovered. pyman's commands refresh it; the shim only reads it, so no
//! `python` call pays for discovery.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crate::hint::Hint;
use crate::platform;
use crate::request::VersionRequest;
use crate::version::{Variant, Version};

/// Where an interpreter came from. Only `Managed` ones are ever modified or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// Installed by pyman into `$PYMAN_HOME/pythons`.
    Managed,
    /// pyenv's `versions/` folder.
    Pyenv,
    /// uv's managed interpreters.
    Uv,
    /// Found on `PATH` or in the system's `/usr/bin`.
    System,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Managed => "managed",
            Origin::Pyenv => "pyenv",
            Origin::Uv => "uv",
            Origin::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        [Origin::Managed, Origin::Pyenv, Origin::Uv, Origin::System]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    /// `cpython-3.12.4-linux-x86_64-gnu`; for managed installs, the folder name.
    pub key: String,
    pub version: Version,
    pub variant: Variant,
    pub origin: Origin,
    /// The absolute path of its `python3` (or `python.exe`).
    pub executable: PathBuf,
}

/// `cpython-3.12.4[+freethreaded]-linux-x86_64-gnu`.
pub fn install_key(version: &Version, variant: Variant, triple: &str) -> String {
    let v = match variant {
        Variant::Default => String::new(),
        Variant::Freethreaded => "+freethreaded".to_string(),
    };
    format!("cpython-{version}{v}-{triple}")
}

/// `cpython-3.12[t]-linux-x86_64-gnu`: names the stable per-minor link and default venv.
pub fn minor_key(version: &Version, variant: Variant, triple: &str) -> String {
    format!(
        "cpython-{}.{}{}-{triple}",
        version.major,
        version.minor,
        variant.suffix()
    )
}

impl Interpreter {
    /// The folder holding the executable (a venv's `home`).
    pub fn bin_dir(&self) -> &Path {
        self.executable.parent().unwrap_or(Path::new("/"))
    }

    pub fn minor_key(&self) -> String {
        minor_key(&self.version, self.variant, &platform::triple())
    }

    /// `3.12.4` or `3.13.0t`.
    pub fn version_string(&self) -> String {
        format!("{}{}", self.version, self.variant.suffix())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    pub interpreters: Vec<Interpreter>,
}

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("cannot read pyman's inventory `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("pyman's inventory `{}` is damaged at line {line}", path.display())]
    Corrupt { path: PathBuf, line: usize },
}

impl Hint for InventoryError {
    fn hint(&self) -> Option<String> {
        Some("run `pyman rehash` to rebuild it".into())
    }
}

const HEADER_V1: &str =
    "# pyman inventory v1: origin, version, variant, key, executable (tab-separated)";
const HEADER: &str = "# pyman inventory v2: origin, version, variant, key, executable (tab-separated); ends with `# end`";
/// The last line of a v2 inventory: a file cut anywhere, even at a line's
/// end, lacks it, so it is reported damaged instead of listing fewer
/// interpreters (a misleading "not in the environment").
const FOOTER: &str = "# end";

impl Inventory {
    /// Reads the inventory; a missing file is an empty inventory.
    pub fn read(path: &Path) -> Result<Inventory, InventoryError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Inventory::parse(&text).map_err(|line| InventoryError::Corrupt {
                path: path.to_path_buf(),
                line,
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Inventory::default()),
            Err(source) => Err(InventoryError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Parses the text form; the error is the 1-based line that is wrong.
    pub fn parse(text: &str) -> Result<Inventory, usize> {
        let mut interpreters = Vec::new();
        let lines = text.lines().count();
        if text.trim().is_empty() {
            return Ok(Inventory::default());
        }
        // Every inventory pyman wrote starts with its header: anything else
        // (a header cut short, another file) is damaged.
        let v2 = text.starts_with(HEADER);
        if !v2 && !text.starts_with(HEADER_V1) {
            return Err(1);
        }
        if v2 && text.lines().rev().find(|l| !l.trim().is_empty()) != Some(FOOTER) {
            return Err(lines.max(1));
        }
        // v1 had no footer: at least a cut inside a line shows.
        if !v2
            && text.starts_with(HEADER_V1)
            && !text.ends_with('\n')
            && text.lines().last().is_some_and(|l| !l.starts_with('#'))
        {
            return Err(lines);
        }
        for (i, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut f = line.split('\t');
            let mut next = || f.next().ok_or(i + 1);
            let origin = Origin::parse(next()?).ok_or(i + 1)?;
            let version = next()?.parse().map_err(|_| i + 1)?;
            let variant = Variant::from_name(next()?).ok_or(i + 1)?;
            let key = next()?.to_string();
            let executable = PathBuf::from(next()?);
            if !executable.is_absolute() {
                return Err(i + 1);
            }
            interpreters.push(Interpreter {
                key,
                version,
                variant,
                origin,
                executable,
            });
        }
        Ok(Inventory { interpreters })
    }

    /// The text form: managed interpreters first, then newest first, so that
    /// readers that stop at the first match get the preferred one.
    pub fn to_text(&self) -> String {
        let mut sorted: Vec<&Interpreter> = self.interpreters.iter().collect();
        sorted.sort_by(|a, b| {
            a.origin
                .cmp(&b.origin)
                .then(b.version.cmp(&a.version))
                .then(a.variant.cmp(&b.variant))
                .then(a.executable.cmp(&b.executable))
        });
        let mut out = String::from(HEADER);
        out.push('\n');
        for i in sorted {
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                i.origin.as_str(),
                i.version,
                i.variant.name(),
                i.key,
                i.executable.display()
            );
        }
        out.push_str(FOOTER);
        out.push('\n');
        out
    }

    /// The newest interpreter that satisfies `request` (final releases first;
    /// on a tie, the one listed first, which is the managed one).
    pub fn best(&self, request: &VersionRequest) -> Option<&Interpreter> {
        request.best(self.interpreters.iter().map(|i| (&i.version, i.variant, i)))
    }

    /// The newest installed `major.minor` of the default variant.
    pub fn newest_minor(&self, major: u64, minor: u64) -> Option<&Interpreter> {
        self.interpreters
            .iter()
            .filter(|i| {
                i.version.major == major
                    && i.version.minor == minor
                    && i.variant == Variant::Default
            })
            .max_by(|a, b| {
                (!a.version.is_prerelease(), a.version, b.origin).cmp(&(
                    !b.version.is_prerelease(),
                    b.version,
                    a.origin,
                ))
            })
    }

    pub fn by_executable(&self, exe: &Path) -> Option<&Interpreter> {
        self.interpreters.iter().find(|i| i.executable == exe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interp(origin: Origin, v: &str, exe: &str) -> Interpreter {
        let version: Version = v.parse().unwrap();
        Interpreter {
            key: install_key(&version, Variant::Default, "linux-x86_64-gnu"),
            version,
            variant: Variant::Default,
            origin,
            executable: PathBuf::from(exe),
        }
    }

    #[test]
    fn round_trips_and_prefers_managed() {
        let inv = Inventory {
            interpreters: vec![
                interp(Origin::Pyenv, "3.12.1", "/p/3.12.1/bin/python3"),
                interp(Origin::Managed, "3.12.1", "/m/cpython-3.12.1/bin/python3"),
                interp(Origin::System, "3.11.2", "/usr/bin/python3.11"),
            ],
        };
        let text = inv.to_text();
        let back = Inventory::parse(&text).unwrap();
        assert_eq!(back.interpreters.len(), 3);
        assert_eq!(back.interpreters[0].origin, Origin::Managed);
        let best = back.best(&"3.12".parse().unwrap()).unwrap();
        assert_eq!(best.origin, Origin::Managed);
        assert_eq!(back.newest_minor(3, 12).unwrap().origin, Origin::Managed);
        assert_eq!(
            back.best(&"3".parse().unwrap())
                .unwrap()
                .version
                .to_string(),
            "3.12.1"
        );
        assert_eq!(back.to_text(), text);
    }

    #[test]
    fn corrupt_lines_are_reported() {
        let h = HEADER_V1;
        assert_eq!(Inventory::parse(&format!("{h}\nmanaged\t3.12.1\n")), Err(2));
        assert_eq!(
            Inventory::parse(&format!("{h}\nalien\t3.12.1\tdefault\tk\t/x\n")),
            Err(2)
        );
        assert_eq!(
            Inventory::parse(&format!("{h}\nmanaged\t3.12.1\tdefault\tk\trelative\n")),
            Err(2)
        );
        assert_eq!(
            Inventory::parse("managed\t3.12.1\tdefault\tk\t/x\n"),
            Err(1)
        );
        assert_eq!(Inventory::parse("").unwrap(), Inventory::default());
    }

    #[test]
    fn a_truncated_inventory_is_damaged_wherever_it_was_cut() {
        let inv = Inventory {
            interpreters: vec![
                interp(Origin::Managed, "3.12.1", "/m/cpython-3.12.1/bin/python3"),
                interp(Origin::Pyenv, "3.11.7", "/p/3.11.7/bin/python3"),
            ],
        };
        let text = inv.to_text();
        assert_eq!(Inventory::parse(&text).unwrap().interpreters.len(), 2);
        for cut in 1..text.len() - 1 {
            assert!(
                Inventory::parse(&text[..cut]).is_err(),
                "cut at {cut}: {:?}",
                &text[..cut]
            );
        }
        // A v1 file (before the footer) still reads, unless cut mid-line.
        let v1 = format!("{HEADER_V1}\nmanaged\t3.12.1\tdefault\tk\t/m/bin/python3\n");
        assert_eq!(Inventory::parse(&v1).unwrap().interpreters.len(), 1);
        assert!(Inventory::parse(&v1[..v1.len() - 4]).is_err());
    }

    #[test]
    fn keys() {
        let v: Version = "3.13.1".parse().unwrap();
        assert_eq!(
            install_key(&v, Variant::Freethreaded, "linux-x86_64-gnu"),
            "cpython-3.13.1+freethreaded-linux-x86_64-gnu"
        );
        assert_eq!(
            minor_key(&v, Variant::Freethreaded, "linux-x86_64-gnu"),
            "cpython-3.13t-linux-x86_64-gnu"
        );
    }
}

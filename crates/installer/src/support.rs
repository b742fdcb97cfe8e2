//! Which CPython minor versions are supported, from an embedded table of
//! release and end-of-life dates (`data/python-support.json`, sources named
//! there). "Today" is always passed in, so every answer can be tested.

use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;

/// A calendar date, `YYYY-MM-DD`; ordered as dates are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let date = Date {
            year: it.next()?.parse().ok()?,
            month: it.next()?.parse().ok()?,
            day: it.next()?.parse().ok()?,
        };
        ((1..=12).contains(&date.month) && (1..=31).contains(&date.day)).then_some(date)
    }

    /// The UTC date of a Unix time (days-to-civil, Howard Hinnant's algorithm).
    pub fn from_unix(secs: u64) -> Date {
        let z = i64::try_from(secs / 86_400).unwrap_or(0) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(1970),
            month: u32::try_from(month).unwrap_or(1),
            day: u32::try_from(day).unwrap_or(1),
        }
    }

    /// Today: `PYMAN_TODAY` when set (tests), else the clock.
    pub fn today(override_: Option<&str>) -> Date {
        override_.and_then(Date::parse).unwrap_or_else(|| {
            Date::from_unix(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
            )
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One minor version's dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minor {
    pub major: u64,
    pub minor: u64,
    pub released: Date,
    pub security_only: Date,
    pub end_of_life: Date,
}

impl Minor {
    pub fn name(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    pub fn status(&self, today: Date) -> Status {
        if today < self.released {
            Status::Prerelease {
                release: self.released,
            }
        } else if today < self.security_only {
            Status::Bugfix {
                until: self.end_of_life,
            }
        } else if today <= self.end_of_life {
            Status::Security {
                until: self.end_of_life,
            }
        } else {
            Status::EndOfLife {
                since: self.end_of_life,
            }
        }
    }
}

/// Where a minor version is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not released yet (alphas, betas, release candidates).
    Prerelease { release: Date },
    /// Bug fixes and security fixes.
    Bugfix { until: Date },
    /// Security fixes only.
    Security { until: Date },
    /// No fixes at all.
    EndOfLife { since: Date },
    /// Not in the table.
    Unknown,
}

impl Status {
    /// `supported`, `security`, `end-of-life`, `prerelease`, `unknown`: for `--json`.
    pub fn kind(self) -> &'static str {
        match self {
            Status::Prerelease { .. } => "prerelease",
            Status::Bugfix { .. } => "supported",
            Status::Security { .. } => "security",
            Status::EndOfLife { .. } => "end-of-life",
            Status::Unknown => "unknown",
        }
    }

    pub fn is_end_of_life(self) -> bool {
        matches!(self, Status::EndOfLife { .. })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Prerelease { release } => write!(f, "prerelease, final due {release}"),
            Status::Bugfix { until } => write!(f, "supported until {until}"),
            Status::Security { until } => write!(f, "security fixes until {until}"),
            Status::EndOfLife { since } => write!(f, "end of life since {since}"),
            Status::Unknown => f.write_str("support unknown"),
        }
    }
}

#[derive(Deserialize)]
struct RawTable {
    versions: Vec<RawMinor>,
}

#[derive(Deserialize)]
struct RawMinor {
    minor: String,
    released: String,
    security_only: String,
    end_of_life: String,
}

/// The embedded table, newest first.
pub fn table() -> &'static [Minor] {
    static TABLE: OnceLock<Vec<Minor>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let raw: RawTable = serde_json::from_str(include_str!("../data/python-support.json"))
            .unwrap_or(RawTable {
                versions: Vec::new(),
            });
        raw.versions
            .into_iter()
            .filter_map(|r| {
                let (major, minor) = r.minor.split_once('.')?;
                Some(Minor {
                    major: major.parse().ok()?,
                    minor: minor.parse().ok()?,
                    released: Date::parse(&r.released)?,
                    security_only: Date::parse(&r.security_only)?,
                    end_of_life: Date::parse(&r.end_of_life)?,
                })
            })
            .collect()
    })
}

pub fn minor(major: u64, minor: u64) -> Option<&'static Minor> {
    table()
        .iter()
        .find(|m| m.major == major && m.minor == minor)
}

pub fn status(major: u64, minor_: u64, today: Date) -> Status {
    minor(major, minor_).map_or(Status::Unknown, |m| m.status(today))
}

/// The newest released minor version that gets fixes: what to move to.
pub fn newest_supported(today: Date) -> Option<&'static Minor> {
    table().iter().find(|m| {
        matches!(
            m.status(today),
            Status::Bugfix { .. } | Status::Security { .. }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn the_table_is_complete_and_ordered() {
        let t = table();
        assert!(t.len() >= 9, "{}", t.len());
        for m in t {
            assert!(
                m.released < m.security_only && m.security_only < m.end_of_life,
                "{m:?}"
            );
        }
        assert!(
            t.windows(2)
                .all(|w| (w[0].major, w[0].minor) > (w[1].major, w[1].minor))
        );
    }

    #[test]
    fn status_on_a_fixed_day() {
        let today = d("2026-11-24");
        for (minor, kind) in [
            (8, "end-of-life"),
            (9, "end-of-life"),
            (10, "end-of-life"),
            (11, "security"),
            (12, "security"),
            (13, "security"),
            (14, "supported"),
            (15, "supported"),
            (16, "unknown"),
        ] {
            assert_eq!(status(3, minor, today).kind(), kind, "3.{minor}");
        }
        assert_eq!(
            status(2, 7, today).to_string(),
            "end of life since 2020-01-01"
        );
        assert_eq!(
            status(3, 10, today).to_string(),
            "end of life since 2026-10-31"
        );
        // The last day of support is still supported.
        assert_eq!(status(3, 10, d("2026-10-31")).kind(), "security");
        assert_eq!(status(3, 15, d("2026-06-01")).kind(), "prerelease");
        assert_eq!(newest_supported(today).unwrap().name(), "3.15");
        assert_eq!(newest_supported(d("2026-06-01")).unwrap().name(), "3.14");
    }

    #[test]
    fn dates() {
        assert_eq!(Date::from_unix(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix(1_795_478_400).to_string(), "2026-11-24");
        assert_eq!(Date::from_unix(951_782_400).to_string(), "2000-02-29");
        assert!(Date::parse("2026-13-01").is_none());
        assert!(Date::parse("soon").is_none());
        assert_eq!(Date::today(Some("2030-01-02")), d("2030-01-02"));
    }
}

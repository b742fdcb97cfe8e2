//! PEP 440 version specifier sets (`>=3.11,<3.13`, `~=3.11`, `==3.12.*`) restricted to
//! what interpreter versions need: release numbers and pre-releases.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::version::{Prerelease, Version, parse_release};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    Equal,
    NotEqual,
    GreaterEqual,
    LessEqual,
    Greater,
    Less,
    Compatible,
    Arbitrary,
}

impl Operator {
    fn as_str(self) -> &'static str {
        match self {
            Operator::Equal => "==",
            Operator::NotEqual => "!=",
            Operator::GreaterEqual => ">=",
            Operator::LessEqual => "<=",
            Operator::Greater => ">",
            Operator::Less => "<",
            Operator::Compatible => "~=",
            Operator::Arbitrary => "===",
        }
    }
}

/// One clause such as `>=3.11` or `==3.12.*`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Specifier {
    pub operator: Operator,
    /// The release numbers as written (`3.12` is `[3, 12]`).
    pub release: Vec<u64>,
    pub pre: Option<Prerelease>,
    /// `==3.12.*` / `!=3.12.*`.
    pub wildcard: bool,
}

/// A comma-separated set of clauses; a version matches when it matches all of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SpecifierSet(pub Vec<Specifier>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{clause}` is not a valid version specifier: {reason}")]
pub struct SpecifierParseError {
    pub clause: String,
    pub reason: &'static str,
}

impl FromStr for Specifier {
    type Err = SpecifierParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let clause = s.trim();
        let err = |reason| SpecifierParseError {
            clause: clause.to_string(),
            reason,
        };
        // Longest operators first so `===` is not read as `==` followed by `=`.
        let ops = [
            ("===", Operator::Arbitrary),
            ("==", Operator::Equal),
            ("!=", Operator::NotEqual),
            (">=", Operator::GreaterEqual),
            ("<=", Operator::LessEqual),
            ("~=", Operator::Compatible),
            (">", Operator::Greater),
            ("<", Operator::Less),
        ];
        let (operator, rest) = ops
            .iter()
            .find_map(|(text, op)| clause.strip_prefix(text).map(|rest| (*op, rest.trim())))
            .ok_or_else(|| err("it must start with one of ==, !=, >=, <=, >, <, ~="))?;
        let (rest, wildcard) = match rest.strip_suffix(".*") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        if wildcard && !matches!(operator, Operator::Equal | Operator::NotEqual) {
            return Err(err("`.*` is only allowed with == and !="));
        }
        let release = parse_release(rest)
            .ok_or_else(|| err("the version must look like `3.12` or `3.12.4`"))?;
        let mut numbers = vec![release.major];
        numbers.extend(release.minor);
        numbers.extend(release.patch);
        if operator == Operator::Compatible && numbers.len() < 2 {
            return Err(err("~= needs at least two parts, such as `~=3.11`"));
        }
        if wildcard && release.pre.is_some() {
            return Err(err("a wildcard cannot follow a pre-release"));
        }
        Ok(Specifier {
            operator,
            release: numbers,
            pre: release.pre,
            wildcard,
        })
    }
}

impl fmt::Display for Specifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.operator.as_str())?;
        let parts: Vec<String> = self.release.iter().map(u64::to_string).collect();
        f.write_str(&parts.join("."))?;
        if let Some(pre) = self.pre {
            write!(f, "{pre}")?;
        }
        if self.wildcard {
            f.write_str(".*")?;
        }
        Ok(())
    }
}

impl Specifier {
    /// Compares `version` with this clause's version, padding missing parts with zeros.
    fn compare(&self, version: &Version) -> Ordering {
        let v = [version.major, version.minor, version.patch];
        for (i, want) in v.iter().enumerate() {
            let spec = self.release.get(i).copied().unwrap_or(0);
            match want.cmp(&spec) {
                Ordering::Equal => {}
                other => return other,
            }
        }
        match (&version.pre, &self.pre) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => a.cmp(b),
        }
    }

    fn prefix_matches(&self, version: &Version) -> bool {
        let v = [version.major, version.minor, version.patch];
        self.release.iter().zip(v.iter()).all(|(a, b)| a == b)
    }

    pub fn contains(&self, version: &Version) -> bool {
        match self.operator {
            Operator::Equal if self.wildcard => self.prefix_matches(version),
            Operator::NotEqual if self.wildcard => !self.prefix_matches(version),
            Operator::Equal | Operator::Arbitrary => self.compare(version) == Ordering::Equal,
            Operator::NotEqual => self.compare(version) != Ordering::Equal,
            Operator::GreaterEqual => self.compare(version) != Ordering::Less,
            Operator::LessEqual => self.compare(version) != Ordering::Greater,
            Operator::Greater => {
                // PEP 440: `>3.12` does not match `3.12.1`'s siblings of the same
                // release unless they are strictly greater; patch releases are greater.
                self.compare(version) == Ordering::Greater
            }
            Operator::Less => {
                // PEP 440: `<3.13` excludes pre-releases of 3.13.
                self.compare(version) == Ordering::Less
                    && !(self.pre.is_none() && version.pre.is_some() && self.same_release(version))
            }
            Operator::Compatible => {
                let prefix = Specifier {
                    operator: Operator::Equal,
                    release: self.release[..self.release.len() - 1].to_vec(),
                    pre: None,
                    wildcard: true,
                };
                self.compare(version) != Ordering::Less && prefix.contains(version)
            }
        }
    }

    fn same_release(&self, version: &Version) -> bool {
        let v = [version.major, version.minor, version.patch];
        (0..3).all(|i| self.release.get(i).copied().unwrap_or(0) == v[i])
    }
}

impl FromStr for SpecifierSet {
    type Err = SpecifierParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let clauses = s
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<Specifier>, _>>()?;
        if clauses.is_empty() {
            return Err(SpecifierParseError {
                clause: s.to_string(),
                reason: "it is empty",
            });
        }
        Ok(SpecifierSet(clauses))
    }
}

impl fmt::Display for SpecifierSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(", "))
    }
}

impl SpecifierSet {
    pub fn contains(&self, version: &Version) -> bool {
        self.0.iter().all(|s| s.contains(version))
    }

    /// `==3.12` (and `==3`) as any 3.12, the way people mean it and uv
    /// reads it (uv#9695); PEP 440 would match only 3.12.0.
    pub fn widen_exact_minors(&mut self) {
        for s in &mut self.0 {
            if s.operator == Operator::Equal && s.release.len() <= 2 && s.pre.is_none() {
                s.wildcard = true;
            }
        }
    }

    /// PEP 440: pre-releases match only when a clause names one.
    pub fn mentions_prerelease(&self) -> bool {
        self.0.iter().any(|s| s.pre.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> SpecifierSet {
        s.parse().unwrap()
    }
    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn ranges() {
        let s = set(">=3.11,<3.13");
        assert!(s.contains(&v("3.11.0")));
        assert!(s.contains(&v("3.12.9")));
        assert!(!s.contains(&v("3.13.0")));
        assert!(
            !s.contains(&v("3.13.0rc1")),
            "<3.13 excludes 3.13 pre-releases"
        );
        assert!(!s.contains(&v("3.10.13")));
        assert_eq!(s.to_string(), ">=3.11, <3.13");
    }

    #[test]
    fn compatible_release() {
        let s = set("~=3.11");
        assert!(s.contains(&v("3.11.0")));
        assert!(s.contains(&v("3.13.1")));
        assert!(!s.contains(&v("4.0.0")));
        assert!(!s.contains(&v("3.10.9")));
        let s = set("~=3.11.2");
        assert!(s.contains(&v("3.11.9")));
        assert!(!s.contains(&v("3.12.0")));
        assert!(!s.contains(&v("3.11.1")));
    }

    #[test]
    fn wildcards_and_exact() {
        assert!(set("==3.12.*").contains(&v("3.12.7")));
        assert!(!set("==3.12.*").contains(&v("3.13.0")));
        assert!(set("!=3.12.*").contains(&v("3.13.0")));
        assert!(set("==3.12.4").contains(&v("3.12.4")));
        assert!(
            !set("==3.12").contains(&v("3.12.4")),
            "PEP 440 pads ==3.12 to 3.12.0"
        );
        assert!(set(">3.12").contains(&v("3.12.1")));
        assert!(set("<=3.12").contains(&v("3.12.0")));
        assert!(set("===3.12.0").contains(&v("3.12.0")));
        assert!(set(">=3.13.0rc1").mentions_prerelease());
    }

    #[test]
    fn rejects_malformed_clauses() {
        for bad in [
            "3.12", ">=", ">=three", "~=3", ">=3.12.*", "=>3.12", "", " , ",
        ] {
            assert!(bad.parse::<SpecifierSet>().is_err(), "{bad:?} should fail");
        }
    }
}

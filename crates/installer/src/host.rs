//! The machine builds must run on: OS, CPU, libc and x86-64 level.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub os: String,
    pub arch: String,
    pub libc: String,
    /// Supported x86-64 micro-architecture levels, best first (`v4`, `v3`, `v2`).
    pub levels: Vec<String>,
}

impl Host {
    pub fn current() -> Host {
        Host {
            os: pyman_resolver::platform::os().to_string(),
            arch: pyman_resolver::platform::arch().to_string(),
            libc: pyman_resolver::platform::libc().to_string(),
            levels: x86_64_levels(),
        }
    }

    pub fn triple(&self) -> String {
        format!("{}-{}-{}", self.os, self.arch, self.libc)
    }

    /// Whether a build for this OS, CPU (and x86-64 level) and libc runs here.
    pub fn accepts(&self, os: &str, arch: &str, level: Option<&str>, libc: &str) -> bool {
        os == self.os
            && arch == self.arch
            && libc == self.libc
            && level.is_none_or(|l| self.levels.iter().any(|x| x == l))
    }

    /// Higher is better: the best supported level, the baseline last.
    pub fn level_rank(&self, level: Option<&str>) -> usize {
        match level {
            None => 0,
            Some(l) => self
                .levels
                .iter()
                .position(|x| x == l)
                .map_or(0, |i| self.levels.len() - i),
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn x86_64_levels() -> Vec<String> {
    use std::arch::is_x86_feature_detected as has;
    let v2 = has!("sse4.2") && has!("popcnt") && has!("ssse3") && has!("cmpxchg16b");
    let v3 = v2
        && has!("avx2")
        && has!("bmi1")
        && has!("bmi2")
        && has!("fma")
        && has!("lzcnt")
        && has!("movbe");
    let v4 = v3
        && has!("avx512f")
        && has!("avx512bw")
        && has!("avx512cd")
        && has!("avx512dq")
        && has!("avx512vl");
    [("v4", v4), ("v3", v3), ("v2", v2)]
        .into_iter()
        .filter(|(_, ok)| *ok)
        .map(|(l, _)| l.to_string())
        .collect()
}

#[cfg(not(target_arch = "x86_64"))]
fn x86_64_levels() -> Vec<String> {
    Vec::new()
}

//! URL text, the one place that handles it: percent-decoding, redaction of
//! credentials, the credential-safe URL type every `Build` and error holds,
//! and the check that a name taken from a server is one path component.
//!
//! A leaf module: it imports nothing else of the installer.

use std::borrow::Cow;
use std::fmt;

/// A URL that may carry credentials (`https://user:token@host/…`). Its
/// `Display` and `Debug` redact them, so no error, note or file can print
/// them by accident; the raw form is reachable only through
/// [`SafeUrl::expose`], which the request code calls.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SafeUrl(String);

impl SafeUrl {
    pub fn new(raw: impl Into<String>) -> SafeUrl {
        SafeUrl(raw.into())
    }

    /// The URL as given, credentials included: only for making a request
    /// (or deriving another URL that is itself a `SafeUrl`).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The form that may be shown or written down.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    /// The last path segment, still percent-encoded.
    pub fn last_segment(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    pub fn ends_with(&self, suffix: &str) -> bool {
        self.0.ends_with(suffix)
    }

    pub fn starts_with(&self, prefix: &str) -> bool {
        self.0.starts_with(prefix)
    }
}

impl fmt::Display for SafeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl fmt::Debug for SafeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SafeUrl({:?})", redact(&self.0))
    }
}

impl From<&str> for SafeUrl {
    fn from(s: &str) -> SafeUrl {
        SafeUrl::new(s)
    }
}

impl From<String> for SafeUrl {
    fn from(s: String) -> SafeUrl {
        SafeUrl::new(s)
    }
}

/// `https://user:secret@host/x` → `https://****@host/x`: URLs as they may be
/// shown or written down.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}****{}", &url[..scheme_end + 3], &rest[at..]),
        None => url.to_string(),
    }
}

/// `%2B` → `+`; malformed escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A file name that came from a server (an asset in `SHA256SUMS`, a URL's
/// last segment, a release tag), decoded: it may be used as one path
/// component only if it is one. No separator of any platform, no `.` or
/// `..`, no NUL or other control character, not empty, not absurdly long.
pub fn is_one_component(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c == ':' || c.is_control())
}

/// Text from a server or a file, made safe for a terminal: control
/// characters (escape sequences that could rewrite the screen or the title)
/// become `\u{1b}`-style escapes. Newlines and tabs stay.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_userinfo_only() {
        assert_eq!(
            redact("https://ci:s3cret@mirror.example/pbs/x.tar.gz"),
            "https://****@mirror.example/pbs/x.tar.gz"
        );
        assert_eq!(
            redact("https://tok@h/a@b"),
            "https://****@h/a@b",
            "an @ in the path is not userinfo"
        );
        assert_eq!(redact("https://h/a@b"), "https://h/a@b");
        assert_eq!(redact("/local/path"), "/local/path");
    }

    #[test]
    fn a_safe_url_never_prints_its_secret() {
        let u = SafeUrl::new("http://ci:PASSWORD@host:8080/pbs/a%2Bb.tar.gz");
        for shown in [u.to_string(), format!("{u:?}"), u.redacted()] {
            assert!(!shown.contains("PASSWORD"), "{shown}");
            assert!(shown.contains("host:8080"), "{shown}");
        }
        assert!(u.expose().contains("PASSWORD"));
        assert_eq!(u.last_segment(), "a%2Bb.tar.gz");
    }

    #[test]
    fn decodes_and_keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%2Bb%2f"), "a+b/");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn names_from_servers_are_one_component() {
        for good in [
            "cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only.tar.gz",
            "SHA256SUMS",
            "20260814",
        ] {
            assert!(is_one_component(good), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "..\\x",
            "x\0y",
            "x\ny",
            "C:evil",
            &"a".repeat(256),
            &percent_decode("x86_64_v3%2F..%2F..%2Ftmp%2FESCAPED"),
        ] {
            assert!(!is_one_component(bad), "{bad:?}");
        }
    }

    #[test]
    fn controls_are_escaped_for_terminals() {
        assert_eq!(escape_controls("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(
            escape_controls("evil\x1b]0;title\x07name"),
            "evil\\u{1b}]0;title\\u{7}name"
        );
    }
}

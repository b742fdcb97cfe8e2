//! Credentials for mirrors that need them, and keeping them out of sight.
//!
//! Three sources, first match wins: the URL's own `user:token@`, a `~/.netrc`
//! entry for the host (`NETRC` names another file), and a bearer token in
//! `PYMAN_MIRROR_TOKEN`, sent only to the mirror's host and port. The `Authorization`
//! header is set per request, never on the client, so a redirect to another
//! host (a pre-signed bucket URL) goes without it: reqwest drops sensitive
//! headers when the host or port changes.

use std::path::PathBuf;

use pyman_resolver::Env;

use crate::env;

#[derive(Default)]
pub struct Credentials {
    netrc: Option<netrc::Netrc>,
    /// (host:port of the mirror, token)
    token: Option<(String, String)>,
    /// A netrc file that exists but cannot be read or parsed.
    pub problem: Option<String>,
}

/// Never prints a secret.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("netrc", &self.netrc.as_ref().map(|n| n.hosts.len()))
            .field("token_host", &self.token.as_ref().map(|t| &t.0))
            .finish()
    }
}

impl Credentials {
    /// From the environment; `mirror` is the mirror URL the token belongs to.
    pub fn from_env(env: &Env, mirror: Option<&str>) -> Credentials {
        let mut creds = Credentials::default();
        let file = env.var_os(env::NETRC).map(PathBuf::from).or_else(|| {
            env.var_os("HOME")
                .or_else(|| env.var_os("USERPROFILE"))
                .map(|h| PathBuf::from(h).join(".netrc"))
        });
        if let Some(file) = file.filter(|f| f.is_file()) {
            match netrc::Netrc::from_file(&file) {
                Ok(n) => creds.netrc = Some(n),
                Err(e) => {
                    creds.problem = Some(format!("cannot read `{}`: {e}", file.display()));
                }
            }
        }
        let token = env
            .var_os(env::PYMAN_MIRROR_TOKEN)
            .and_then(|t| t.into_string().ok())
            .filter(|t| !t.trim().is_empty());
        let host = mirror
            .and_then(|m| reqwest::Url::parse(m).ok())
            .and_then(|u| origin(&u));
        if let (Some(token), Some(host)) = (token, host) {
            creds.token = Some((host, token.trim().to_string()));
        }
        creds
    }

    /// The request for `url` with its credentials, the URL's own stripped
    /// from it (reqwest would otherwise print them in its errors).
    pub fn request(&self, http: &reqwest::Client, url: &str) -> reqwest::RequestBuilder {
        let Ok(mut parsed) = reqwest::Url::parse(url) else {
            return http.get(url);
        };
        let user = percent_decode(parsed.username());
        let pass = parsed.password().map(percent_decode);
        if !user.is_empty() || pass.is_some() {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            return http.get(parsed).basic_auth(user, pass);
        }
        let host = parsed.host_str().unwrap_or("").to_ascii_lowercase();
        if let Some(n) = &self.netrc
            && let Some(a) = n.hosts.get(&host).or_else(|| n.hosts.get("default"))
        {
            let pass = (!a.password.is_empty()).then(|| a.password.clone());
            return http.get(parsed).basic_auth(&a.login, pass);
        }
        if let Some((h, token)) = &self.token
            && origin(&parsed).is_some_and(|o| o == *h)
        {
            return http.get(parsed).bearer_auth(token);
        }
        http.get(parsed)
    }
}

/// `host:port` of a URL (the scheme's default port when none is given).
fn origin(url: &reqwest::Url) -> Option<String> {
    Some(format!(
        "{}:{}",
        url.host_str()?.to_ascii_lowercase(),
        url.port_or_known_default()?
    ))
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

fn percent_decode(s: &str) -> String {
    crate::download::percent_decode(s)
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

    fn header(creds: &Credentials, url: &str) -> (String, Option<String>) {
        let req = creds.request(&reqwest::Client::new(), url).build().unwrap();
        (
            req.url().to_string(),
            req.headers()
                .get(reqwest::header::AUTHORIZATION)
                .map(|v| v.to_str().unwrap().to_string()),
        )
    }

    #[test]
    fn url_credentials_become_a_header() {
        let (url, auth) = header(&Credentials::default(), "https://ci:p%40ss@h/x");
        assert_eq!(url, "https://h/x");
        // base64("ci:p@ss")
        assert_eq!(auth.as_deref(), Some("Basic Y2k6cEBzcw=="));
    }

    #[test]
    fn netrc_then_token_by_host() {
        let creds = Credentials {
            netrc: Some("machine m.example login u password p".parse().unwrap()),
            token: Some(("t.example:443".into(), "tok".into())),
            problem: None,
        };
        assert_eq!(
            header(&creds, "https://m.example/x").1.as_deref(),
            Some("Basic dTpw")
        );
        assert_eq!(
            header(&creds, "https://t.example/x").1.as_deref(),
            Some("Bearer tok")
        );
        assert_eq!(header(&creds, "https://other.example/x").1, None);
        assert_eq!(
            header(&creds, "https://t.example:8443/x").1,
            None,
            "another port is another server"
        );
    }
}

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
use crate::url::{SafeUrl, percent_decode};
use pyman_resolver::Hint;

#[derive(Default)]
pub struct Credentials {
    netrc: Option<netrc::Netrc>,
    /// (host:port of the mirror, token)
    token: Option<(String, String)>,
    /// A netrc file that exists but cannot be read or parsed.
    pub problem: Option<String>,
    /// Hosts that may get credentials over plain `http://` (`PYMAN_INSECURE_HOST`).
    insecure_hosts: Vec<String>,
}

/// Credentials that would cross the network in clear text.
#[derive(Debug, thiserror::Error)]
#[error(
    "refusing to send credentials to `{url}` over plain http: anyone on the network could read them"
)]
pub struct InsecureCredentials {
    pub url: SafeUrl,
    /// `host:port`.
    pub host: String,
}

impl Hint for InsecureCredentials {
    fn hint(&self) -> Option<String> {
        Some(format!(
            "use `https://`, or, on a network you trust, allow this host with `{}={}`",
            env::PYMAN_INSECURE_HOST,
            self.host
        ))
    }
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
        creds.insecure_hosts = env
            .var_os(env::PYMAN_INSECURE_HOST)
            .and_then(|v| v.into_string().ok())
            .map(|v| {
                v.split(',')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        creds
    }

    /// The request for `url` with its credentials, the URL's own stripped
    /// from it (reqwest would otherwise print them in its errors). Refused
    /// when credentials would go over plain `http://` to another machine.
    pub fn request(
        &self,
        http: &reqwest::Client,
        url: &SafeUrl,
    ) -> Result<reqwest::RequestBuilder, InsecureCredentials> {
        let Ok(mut parsed) = reqwest::Url::parse(url.expose()) else {
            return Ok(http.get(url.expose()));
        };
        let user = percent_decode(parsed.username());
        let pass = parsed.password().map(percent_decode);
        let _ = parsed.set_username("");
        let _ = parsed.set_password(None);
        let host = parsed.host_str().unwrap_or("").to_ascii_lowercase();
        let auth = if !user.is_empty() || pass.is_some() {
            Some(Auth::Basic(user, pass))
        } else if let Some(a) = self
            .netrc
            .as_ref()
            .and_then(|n| n.hosts.get(&host).or_else(|| n.hosts.get("default")))
        {
            let pass = (!a.password.is_empty()).then(|| a.password.clone());
            Some(Auth::Basic(a.login.clone(), pass))
        } else if let Some((h, token)) = &self.token
            && origin(&parsed).is_some_and(|o| o == *h)
        {
            Some(Auth::Bearer(token.clone()))
        } else {
            None
        };
        let Some(auth) = auth else {
            return Ok(http.get(parsed));
        };
        if parsed.scheme() == "http" && !is_loopback(&parsed) {
            let origin = origin(&parsed).unwrap_or_default();
            if !self
                .insecure_hosts
                .iter()
                .any(|h| *h == host || *h == origin)
            {
                return Err(InsecureCredentials {
                    url: url.clone(),
                    host: origin,
                });
            }
        }
        Ok(match auth {
            Auth::Basic(user, pass) => http.get(parsed).basic_auth(user, pass),
            Auth::Bearer(token) => http.get(parsed).bearer_auth(token),
        })
    }
}

enum Auth {
    Basic(String, Option<String>),
    Bearer(String),
}

/// `localhost`, `127.0.0.0/8` and `::1`: clear text there never leaves the machine.
fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or("");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `host:port` of a URL (the scheme's default port when none is given).
fn origin(url: &reqwest::Url) -> Option<String> {
    Some(format!(
        "{}:{}",
        url.host_str()?.to_ascii_lowercase(),
        url.port_or_known_default()?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(creds: &Credentials, url: &str) -> (String, Option<String>) {
        let req = creds
            .request(&reqwest::Client::new(), &SafeUrl::new(url))
            .unwrap()
            .build()
            .unwrap();
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
            insecure_hosts: Vec::new(),
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

    #[test]
    fn no_credentials_in_clear_text_off_the_machine() {
        let creds = Credentials {
            token: Some(("m.example:80".into(), "tok".into())),
            ..Credentials::default()
        };
        let http = reqwest::Client::new();
        let e = creds
            .request(&http, &SafeUrl::new("http://ci:PASSWORD@m.example/x"))
            .unwrap_err();
        assert!(!e.to_string().contains("PASSWORD"), "{e}");
        let hint = e.hint().unwrap_or_default();
        assert!(hint.contains("PYMAN_INSECURE_HOST=m.example:80"), "{hint}");
        assert!(
            creds
                .request(&http, &SafeUrl::new("http://m.example/x"))
                .is_err()
        );
        // No credentials, loopback, https: all fine.
        assert!(
            creds
                .request(&http, &SafeUrl::new("http://other.example/x"))
                .is_ok()
        );
        assert!(
            creds
                .request(&http, &SafeUrl::new("http://u:p@127.0.0.1:8/x"))
                .is_ok()
        );
        assert!(
            creds
                .request(&http, &SafeUrl::new("http://u:p@localhost/x"))
                .is_ok()
        );
        assert!(
            creds
                .request(&http, &SafeUrl::new("https://u:p@m.example/x"))
                .is_ok()
        );
        let trusted = Credentials {
            insecure_hosts: vec!["m.example".into()],
            ..Credentials::default()
        };
        assert!(
            trusted
                .request(&http, &SafeUrl::new("http://u:p@m.example/x"))
                .is_ok()
        );
    }
}

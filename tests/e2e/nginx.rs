//! nginx from the system, started by a test on a free 127.0.0.1 port with a
//! temporary config: a static root (a `pyman mirror` folder), basic auth
//! from an htpasswd file, an access log to count requests, and an optional
//! redirect to another server. Stopped when dropped.

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Nginx {
    pub url: String,
    pub port: u16,
    _dir: tempfile::TempDir,
    access_log: PathBuf,
    child: Child,
}

pub struct Config<'a> {
    pub root: &'a Path,
    /// `(user, password)` for basic auth on every location.
    pub user: Option<(&'a str, &'a str)>,
    /// `/moved/<x>` answers 302 to `<this>/<x>`.
    pub redirect_to: Option<&'a str>,
    /// Every request needs `Authorization: Bearer <this>`.
    pub bearer: Option<&'a str>,
    /// Run nginx as this uid and gid (as a packaged nginx's workers run as
    /// their own user), through `setpriv`.
    pub run_as: Option<u32>,
}

fn binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

impl Nginx {
    /// `None` (with a printed reason) when nginx is not installed.
    pub fn start(config: &Config) -> Option<Nginx> {
        let Some(bin) = binary() else {
            crate::common::skip(
                "nginx is not installed (`apt-get install nginx`; .ci/run installs it)",
            );
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("pyman-nginx-")
            .tempdir_in(crate::common::scratch_root())
            .unwrap();
        let d = dir.path();
        let port = free_port();
        let auth = match config.user {
            Some((user, password)) => {
                // `{PLAIN}` is nginx's test-friendly password scheme.
                std::fs::write(d.join("htpasswd"), format!("{user}:{{PLAIN}}{password}\n"))
                    .unwrap();
                format!(
                    "auth_basic \"pyman mirror\"; auth_basic_user_file {};",
                    d.join("htpasswd").display()
                )
            }
            None => String::new(),
        };
        let bearer = config
            .bearer
            .map(|t| format!("if ($http_authorization != \"Bearer {t}\") {{ return 401; }}"))
            .unwrap_or_default();
        let redirect = config
            .redirect_to
            .map(|to| format!("location /moved/ {{ rewrite ^/moved/(.*)$ {to}/$1 redirect; }}"))
            .unwrap_or_default();
        let access_log = d.join("access.log");
        let conf = format!(
            r"daemon off;
master_process off;
worker_processes 1;
error_log {d}/error.log;
pid {d}/nginx.pid;
events {{ worker_connections 512; }}
http {{
    access_log {log};
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        {auth}
        {bearer}
        {redirect}
    }}
}}
",
            d = d.display(),
            log = access_log.display(),
            root = config.root.display(),
        );
        std::fs::write(d.join("nginx.conf"), conf).unwrap();
        let mut cmd = match config.run_as {
            Some(uid) => {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
                for entry in std::fs::read_dir(d).unwrap().flatten() {
                    std::os::unix::fs::chown(entry.path(), Some(uid), Some(uid)).unwrap();
                }
                std::os::unix::fs::chown(d, Some(uid), Some(uid)).unwrap();
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={uid}"))
                    .args(["--clear-groups", "--"])
                    .arg(bin);
                c
            }
            None => Command::new(bin),
        };
        let mut child = cmd
            .arg("-p")
            .arg(d)
            .arg("-c")
            .arg(d.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                let _ = child.stderr.take().unwrap().read_to_string(&mut err);
                let log = std::fs::read_to_string(d.join("error.log")).unwrap_or_default();
                panic!("nginx exited ({status}): {err}\n{log}");
            }
            assert!(Instant::now() < deadline, "nginx did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Nginx {
            url: format!("http://127.0.0.1:{port}"),
            port,
            _dir: dir,
            access_log,
            child,
        })
    }

    /// Access-log lines of requests whose path contains `needle`, with their status.
    pub fn requests(&self, needle: &str) -> Vec<(String, u16)> {
        let log = std::fs::read_to_string(&self.access_log).unwrap_or_default();
        log.lines()
            .filter_map(|l| {
                // `... "GET /path HTTP/1.1" 200 1234 ...`
                let (_, rest) = l.split_once('"')?;
                let (request, rest) = rest.split_once('"')?;
                let path = request.split_whitespace().nth(1)?;
                let status = rest.split_whitespace().next()?.parse().ok()?;
                path.contains(needle).then(|| (path.to_string(), status))
            })
            .collect()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain `GET` of `url` (`http://127.0.0.1:PORT/PATH`); the answer's head
/// and start, as text.
pub fn get(url: &str) -> String {
    use std::io::Write;
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut conn = TcpStream::connect(host).unwrap();
    write!(
        conn,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    let _ = conn.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf[..buf.len().min(512)]).into_owned()
}

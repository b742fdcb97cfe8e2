//! A small HTTP/1.1 server on 127.0.0.1 for the installer tests. It serves
//! files from memory and can be told to fail: a status, a body cut short, a
//! slow body. It runs on its own thread and stops when dropped.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server does for one request to a path.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status and no body.
    Status(u16),
    /// Send the headers with the full length, then only this many bytes, then close.
    Truncate(usize),
    /// Send no length, then only this many bytes, then close: to HTTP, a
    /// whole body.
    TruncateUnsized(usize),
    /// Send the body in small pieces with a pause between them.
    Slow(Duration),
    /// Answer 200 with the body as `text/html` (a web interface's page).
    Html,
    /// Answer 200 with no length and send the body again and again until
    /// the client hangs up (at most 4 GiB, so the loop always ends).
    Endless,
}

#[derive(Default)]
struct State {
    files: HashMap<String, Arc<Vec<u8>>>,
    faults: HashMap<String, VecDeque<Fault>>,
    /// Faults applied to every request of a path.
    always: HashMap<String, Fault>,
    hits: HashMap<String, usize>,
    /// Request headers (lower-case names) of every request, in order.
    headers: Vec<(String, Vec<(String, String)>)>,
}

pub struct Server {
    pub url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (Arc::clone(&state), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = Arc::clone(&s);
                std::thread::spawn(move || handle(conn, &s));
            }
        });
        Server {
            url: format!("http://{addr}"),
            state,
            stop,
            addr,
            thread: Some(thread),
        }
    }

    /// Serves `bytes` at `/path`; returns its URL.
    pub fn add(&self, path: &str, bytes: Arc<Vec<u8>>) -> String {
        let path = format!("/{}", path.trim_start_matches('/'));
        self.state.lock().unwrap().files.insert(path.clone(), bytes);
        format!("{}{path}", self.url)
    }

    /// The next requests of `/path` get these faults, in order, then normal answers.
    pub fn fail_next(&self, path: &str, faults: Vec<Fault>) {
        let path = format!("/{}", path.trim_start_matches('/'));
        self.state
            .lock()
            .unwrap()
            .faults
            .entry(path)
            .or_default()
            .extend(faults);
    }

    pub fn fail_always(&self, path: &str, fault: Fault) {
        let path = format!("/{}", path.trim_start_matches('/'));
        self.state.lock().unwrap().always.insert(path, fault);
    }

    pub fn hits(&self, path: &str) -> usize {
        let path = format!("/{}", path.trim_start_matches('/'));
        self.state
            .lock()
            .unwrap()
            .hits
            .get(&path)
            .copied()
            .unwrap_or(0)
    }
}

impl Server {
    /// The header `name` of every request of `/path` (`None` where absent).
    pub fn request_headers(&self, path: &str, name: &str) -> Vec<Option<String>> {
        let path = format!("/{}", path.trim_start_matches('/'));
        let name = name.to_ascii_lowercase();
        self.state
            .lock()
            .unwrap()
            .headers
            .iter()
            .filter(|(p, _)| *p == path)
            .map(|(_, hs)| hs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()))
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn handle(mut conn: TcpStream, state: &Mutex<State>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let (body, fault) = {
        let mut s = state.lock().unwrap();
        *s.hits.entry(path.clone()).or_default() += 1;
        s.headers.push((path.clone(), headers));
        let fault = s
            .faults
            .get_mut(&path)
            .and_then(VecDeque::pop_front)
            .or_else(|| s.always.get(&path).cloned());
        (s.files.get(&path).cloned(), fault)
    };
    let status = |conn: &mut TcpStream, code: u16| {
        let _ = write!(
            conn,
            "HTTP/1.1 {code} Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    };
    let Some(body) = body else {
        status(&mut conn, 404);
        return;
    };
    match fault {
        Some(Fault::Status(code)) => status(&mut conn, code),
        Some(Fault::Truncate(n)) => {
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(&body[..n.min(body.len())]);
            let _ = conn.flush();
        }
        Some(Fault::TruncateUnsized(n)) => {
            let _ = write!(conn, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            let _ = conn.write_all(&body[..n.min(body.len())]);
            let _ = conn.flush();
        }
        Some(Fault::Slow(pause)) => {
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            for chunk in body.chunks(64 * 1024) {
                if conn.write_all(chunk).is_err() {
                    return;
                }
                std::thread::sleep(pause);
            }
        }
        Some(Fault::Html) => {
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(&body);
        }
        Some(Fault::Endless) => {
            let _ = write!(conn, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            let mut sent = 0usize;
            while sent < 4 << 30 {
                if body.is_empty() || conn.write_all(&body).is_err() {
                    return;
                }
                sent += body.len();
            }
        }
        None => {
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(&body);
        }
    }
}

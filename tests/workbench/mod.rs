//! Helpers of the workbench tests: the binary, users, a served case, a
//! minimal HTTP client and a logged-in session.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub fn exhibit() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_exhibit"));
    c.env("NO_COLOR", "1");
    // The store is chosen per test, never from the environment.
    c.env_remove("EXHIBIT_STORE");
    c
}

pub fn run_ok(c: &mut Command) -> String {
    let out = c.output().expect("run exhibit");
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        c,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn add_user(users: &Path, name: &str, role: &str, cases: &[&str], password: &str) {
    let mut c = exhibit();
    c.args([
        "user",
        "add",
        name,
        "--role",
        role,
        "--password-stdin",
        "--users",
    ])
    .arg(users);
    for case in cases {
        c.args(["--case", case]);
    }
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "user add {name}");
}

pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(cases: &[&Path], users: &Path) -> Server {
    let mut c = exhibit();
    c.arg("serve");
    for case in cases {
        c.arg(case);
    }
    let mut child = c
        .args(["--listen", "127.0.0.1:0", "--users"])
        .arg(users)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    if line.is_empty() {
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        panic!("exhibit serve did not start: {err}");
    }
    let addr = line
        .trim()
        .trim_start_matches("listening on http://")
        .trim_end_matches('/')
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{line}");
    Server { child, addr }
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request over a fresh connection.
pub fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: body.to_string(),
    }
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| v.split(';').next())
        .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
        .map(str::to_string)
}

/// Logs in; returns the raw response of the POST and the login cookie used.
pub fn try_login(addr: &str, user: &str, password: &str) -> Resp {
    let page = http(addr, "GET", "/login", &[], "");
    let pre = set_cookie(&page, "exhibit_login").expect("login cookie");
    let token = pre.split_once('=').unwrap().1.to_string();
    let body = form(&[("user", user), ("password", password), ("csrf", &token)]);
    http(
        addr,
        "POST",
        "/login",
        &[
            ("Cookie", &pre),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &body,
    )
}

pub struct Client {
    pub addr: String,
    pub cookie: String,
    pub csrf: String,
}

impl Client {
    pub fn login(addr: &str, user: &str, password: &str) -> Client {
        let r = try_login(addr, user, password);
        assert_eq!(r.status, 303, "login {user}: {}", r.body);
        let set = r
            .headers
            .iter()
            .find(|(k, v)| {
                k.eq_ignore_ascii_case("set-cookie") && v.starts_with("exhibit_session=")
            })
            .map(|(_, v)| v.clone())
            .unwrap();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/")
        );
        let cookie = set.split(';').next().unwrap().to_string();
        let s = http(addr, "GET", "/api/session", &[("Cookie", &cookie)], "");
        assert_eq!(s.status, 200);
        let v: serde_json::Value = serde_json::from_str(&s.body).unwrap();
        Client {
            addr: addr.to_string(),
            cookie,
            csrf: v["csrf"].as_str().unwrap().to_string(),
        }
    }
    pub fn get(&self, path: &str) -> Resp {
        http(&self.addr, "GET", path, &[("Cookie", &self.cookie)], "")
    }
    pub fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> Resp {
        http(
            &self.addr,
            "POST",
            path,
            &[
                ("Cookie", &self.cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &form(pairs),
        )
    }
    /// A page's body (200 required), with this session's CSRF token
    /// blanked: two sessions' pages then compare equal.
    pub fn page(&self, path: &str) -> String {
        let r = self.get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r.body.replace(&self.csrf, "CSRF")
    }

    pub fn post_json(&self, path: &str, body: &serde_json::Value, csrf: bool) -> Resp {
        let mut h = vec![
            ("Cookie", self.cookie.as_str()),
            ("Content-Type", "application/json"),
        ];
        if csrf {
            h.push(("X-CSRF-Token", self.csrf.as_str()));
        }
        http(&self.addr, "POST", path, &h, &body.to_string())
    }
}

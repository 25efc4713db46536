//! The web workbench on a case whose rows are on PostgreSQL: two
//! examiners tag at the same time (both tags stored, both in the custody
//! log, which still verifies), and the pages show what the same evidence
//! triaged into SQLite shows.
//!
//! Needs a server: `EXHIBIT_TEST_POSTGRES=postgres://user@host:port/db`
//! (without it the test prints `SKIP` and passes). The case's schema is
//! dropped at the end.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const PG_ENV: &str = "EXHIBIT_TEST_POSTGRES";
const NUMBER: &str = "PG-2026-1";

fn exhibit() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_exhibit"));
    c.env("NO_COLOR", "1");
    // The store is chosen per test below, never from the environment.
    c.env_remove("EXHIBIT_STORE");
    c
}

fn run_ok(c: &mut Command) -> String {
    let out = c.output().expect("run exhibit");
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        c,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn add_user(users: &Path, name: &str, role: &str, cases: &[&str], password: &str) {
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

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(case: &Path, users: &Path) -> Server {
    let mut child = exhibit()
        .arg("serve")
        .arg(case)
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
        panic!("exhibit serve {} did not start: {err}", case.display());
    }
    let addr = line
        .trim()
        .trim_start_matches("listening on http://")
        .trim_end_matches('/')
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{line}");
    Server { child, addr }
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// One HTTP/1.1 request over a fresh connection.
fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
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

fn form(pairs: &[(&str, &str)]) -> String {
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

fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| v.split(';').next())
        .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
        .map(str::to_string)
}

/// A logged-in session.
struct Client {
    addr: String,
    cookie: String,
    csrf: String,
}

impl Client {
    fn login(addr: &str, user: &str, password: &str) -> Client {
        let page = http(addr, "GET", "/login", &[], "");
        let pre = set_cookie(&page, "exhibit_login").expect("login cookie");
        let token = pre.split_once('=').unwrap().1.to_string();
        let body = form(&[("user", user), ("password", password), ("csrf", &token)]);
        let r = http(
            addr,
            "POST",
            "/login",
            &[
                ("Cookie", &pre),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &body,
        );
        assert_eq!(r.status, 303, "login {user}: {}", r.body);
        let cookie = set_cookie(&r, "exhibit_session").expect("session cookie");
        let s = http(addr, "GET", "/api/session", &[("Cookie", &cookie)], "");
        assert_eq!(s.status, 200);
        let v: serde_json::Value = serde_json::from_str(&s.body).unwrap();
        Client {
            addr: addr.to_string(),
            cookie,
            csrf: v["csrf"].as_str().unwrap().to_string(),
        }
    }

    fn get(&self, path: &str) -> Resp {
        http(&self.addr, "GET", path, &[("Cookie", &self.cookie)], "")
    }

    /// A page's body (200 required), with this session's CSRF token
    /// blanked: two sessions' pages then compare equal.
    fn page(&self, path: &str) -> String {
        let r = self.get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r.body.replace(&self.csrf, "CSRF")
    }

    fn post_json(&self, path: &str, body: &serde_json::Value) -> Resp {
        http(
            &self.addr,
            "POST",
            path,
            &[
                ("Cookie", &self.cookie),
                ("Content-Type", "application/json"),
                ("X-CSRF-Token", &self.csrf),
            ],
            &body.to_string(),
        )
    }
}

/// Drops the case's PostgreSQL schema at the end, however the test ends.
struct DropSchema {
    url: String,
    case: PathBuf,
}

impl Drop for DropSchema {
    fn drop(&mut self) {
        if let Ok(Some(l)) = exhibit_store::link::link(&self.case) {
            let _ = exhibit_store::drop_schema(&self.url, &l.schema);
        }
    }
}

/// A small raw image holding a few e-mail addresses and URLs.
fn mail_image(path: &Path) {
    let mut data = vec![0u8; 64 * 1024];
    let texts = [
        "From: alice@example.org\r\nTo: bob@example.net\r\n",
        "contact carol@example.com or alice@example.org",
        "see https://www.example.org/login and http://example.net/a",
        "dave@example.org wrote to bob@example.net",
    ];
    for (i, t) in texts.iter().enumerate() {
        let at = 4096 * (i + 1) + 100;
        data[at..at + t.len()].copy_from_slice(t.as_bytes());
    }
    std::fs::write(path, data).unwrap();
}

/// Triages the test disk and the mail image into a new case.
fn triage(case: &Path, evidence: &[PathBuf], store: Option<&str>) {
    let mut c = exhibit();
    c.arg("triage");
    for e in evidence {
        c.arg(e);
    }
    c.arg("--case").arg(case).args([
        "--number",
        NUMBER,
        "--name",
        "PG workbench",
        "--examiner",
        "Ann",
    ]);
    if let Some(url) = store {
        c.args(["--store", url]);
    }
    run_ok(&mut c);
}

/// The findings API's values of a kind, most frequent first.
fn values(c: &Client, kind: &str) -> Vec<String> {
    let r = c.get(&format!("/api/case/{NUMBER}/findings?kind={kind}"));
    assert_eq!(r.status, 200, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    v["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["value"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn workbench_serves_a_postgres_case() {
    let Ok(url) = std::env::var(PG_ENV) else {
        println!("SKIP: {PG_ENV} not set");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let disk = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/disk/ext2.E01");
    let image = tmp.path().join("mail.dd");
    mail_image(&image);
    let evidence = [disk, image];

    let pg_case = tmp.path().join("pg");
    let _cleanup = DropSchema {
        url: url.clone(),
        case: pg_case.clone(),
    };
    triage(&pg_case, &evidence, Some(&url));
    assert!(pg_case.join("store.json").is_file());
    assert!(!pg_case.join("case.db").exists());
    let lite_case = tmp.path().join("lite");
    triage(&lite_case, &evidence, None);
    assert!(!lite_case.join("store.json").exists());

    let users = tmp.path().join("users.json");
    add_user(&users, "ann", "investigator", &[NUMBER], "ann-password");
    add_user(&users, "ben", "investigator", &[NUMBER], "ben-password");

    let pg = serve(&pg_case, &users);
    let lite = serve(&lite_case, &users);
    let ann = Client::login(&pg.addr, "ann", "ann-password");
    let ben = Client::login(&pg.addr, "ben", "ben-password");
    let ann_lite = Client::login(&lite.addr, "ann", "ann-password");

    // The same pages on both backends (before anything is tagged).
    let emails = values(&ann, "email");
    assert_eq!(emails, values(&ann_lite, "email"));
    for want in ["alice@example.org", "bob@example.net", "carol@example.com"] {
        assert!(emails.iter().any(|e| e == want), "{want} in {emails:?}");
    }
    let c = NUMBER;
    let mut paths = vec![
        format!("/case/{c}/findings"),
        format!("/case/{c}/findings?kind=email"),
        format!("/case/{c}/findings?kind=url"),
        format!("/case/{c}/findings?kind=email&value=alice%40example.org"),
        format!("/case/{c}/search?q=alice"),
        format!("/case/{c}/search?q=example"),
        format!("/case/{c}/search?q=TXT"),
        format!("/case/{c}/timeline"),
        format!("/case/{c}/evidence/E1"),
        format!("/case/{c}/evidence/E2"),
        format!("/api/case/{c}/findings?kind=email"),
        format!("/api/case/{c}/search?q=alice"),
        format!("/api/case/{c}/timeline"),
        format!("/api/case/{c}/evidence/E1/files"),
    ];
    // A file view: a file with content, found by the same query on both.
    let files: serde_json::Value = serde_json::from_str(
        &ann_lite
            .get(&format!("/api/case/{c}/evidence/E1/files"))
            .body,
    )
    .unwrap();
    let file = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["size"].as_u64().unwrap_or(0) > 0 && f["name_kind"] == "file")
        .expect("a file with content on the test disk");
    let id = file["id"].as_i64().unwrap();
    paths.push(format!("/case/{c}/file/{id}"));
    paths.push(format!("/case/{c}/file/{id}?view=text"));
    paths.push(format!("/api/case/{c}/file/{id}"));
    for path in &paths {
        let (a, b) = (ann.page(path), ann_lite.page(path));
        assert_eq!(a, b, "{path}: PostgreSQL and SQLite pages differ");
    }
    let findings = ann.page(&format!("/case/{c}/findings?kind=email"));
    assert!(findings.contains("alice@example.org"), "{findings}");
    let search = ann.page(&format!("/case/{c}/search?q=alice"));
    assert!(search.contains("alice@example.org"), "{search}");

    // Two examiners tag different findings at the same time.
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    let tag_all = |who: Client, keys: Vec<String>| {
        let start = start.clone();
        std::thread::spawn(move || {
            start.wait();
            for key in keys {
                let body = serde_json::json!({"target": "finding", "key": key, "note": "seen"});
                let r = who.post_json(&format!("/api/case/{NUMBER}/tags"), &body);
                assert_eq!(r.status, 200, "tag {key}: {}", r.body);
            }
        })
    };
    let ann_keys = vec![
        "email:alice@example.org".to_string(),
        "email:carol@example.com".to_string(),
    ];
    let ben_keys = vec!["email:bob@example.net".to_string()];
    let a = tag_all(ann, ann_keys.clone());
    let b = tag_all(ben, ben_keys.clone());
    a.join().unwrap();
    b.join().unwrap();

    // Both examiners' tags are in the store…
    let tags = exhibit_store::open_case_store(&pg_case)
        .unwrap()
        .tags()
        .unwrap();
    let got: Vec<(String, String)> = tags
        .iter()
        .map(|t| (t.key.clone(), t.examiner.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("email:alice@example.org".to_string(), "ann".to_string()),
            ("email:bob@example.net".to_string(), "ben".to_string()),
            ("email:carol@example.com".to_string(), "ann".to_string()),
        ]
    );
    // …and the workbench shows them.
    let viewer = Client::login(&pg.addr, "ben", "ben-password");
    let listed: serde_json::Value =
        serde_json::from_str(&viewer.get(&format!("/api/case/{c}/tags")).body).unwrap();
    assert_eq!(listed["tags"].as_array().unwrap().len(), 3);

    // Each tag action is in the custody log, which still verifies.
    drop(pg);
    let log = std::fs::read_to_string(pg_case.join("custody/log.jsonl")).unwrap();
    let tagged: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e.to_string().contains("\"action\":\"tagged\""))
        .collect();
    assert_eq!(tagged.len(), 3, "{log}");
    for (key, who) in ann_keys
        .iter()
        .map(|k| (k, "ann"))
        .chain(ben_keys.iter().map(|k| (k, "ben")))
    {
        assert!(
            tagged.iter().any(|e| {
                let s = e.to_string();
                s.contains(&format!("\"examiner\":\"{who}\"")) && s.contains(key.as_str())
            }),
            "{who} tagged {key}: {log}"
        );
    }
    run_ok(exhibit().args(["custody", "verify"]).arg(&pg_case));
}

//! End-to-end test of the web workbench in real headless Chromium, driven
//! over WebDriver (chromedriver) with a small client written here: log in,
//! view a deleted file in hex, search and open a hit, open an e-mail and
//! its route table, tag a finding and find it in the regenerated report,
//! log out. A screenshot per step goes to `$CARGO_TARGET_TMPDIR/web-e2e/`.
//! Without chromium or chromedriver the test prints SKIP and passes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn exhibit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_exhibit"))
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request; returns status and body. The body is read by
/// its length (chromedriver keeps connections open).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(120)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes())?;
    let mut r = BufReader::new(s);
    let mut status_line = String::new();
    r.read_line(&mut status_line)?;
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let mut out = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            r.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            let mut chunk = vec![0u8; n + 2];
            r.read_exact(&mut chunk)?;
            out.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = length {
        out.resize(n, 0);
        r.read_exact(&mut out)?;
    } else {
        r.read_to_end(&mut out)?;
    }
    Ok((status, String::from_utf8_lossy(&out).into_owned()))
}

fn b64decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// A WebDriver session.
struct Driver {
    addr: String,
    session: String,
    shots: PathBuf,
    step: usize,
}

impl Driver {
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let full = format!("/session/{}{path}", self.session);
        let (status, text) = http(&self.addr, method, &full, body.as_ref()).expect("webdriver");
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(status, 200, "{method} {path}: {text}");
        v["value"].clone()
    }
    fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }
    fn url(&self) -> String {
        self.cmd("GET", "/url", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }
    fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let full = format!("/session/{}/element", self.session);
            let (status, text) = http(
                &self.addr,
                "POST",
                &full,
                Some(&json!({"using": "css selector", "value": css})),
            )
            .expect("webdriver");
            if status == 200 {
                let v: Value = serde_json::from_str(&text).unwrap();
                return v["value"][ELEMENT].as_str().unwrap().to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no element {css} on {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    fn click(&self, css: &str) {
        let el = self.find(css);
        self.cmd("POST", &format!("/element/{el}/click"), Some(json!({})));
    }
    fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        );
    }
    fn text(&self, css: &str) -> String {
        let el = self.find(css);
        self.cmd("GET", &format!("/element/{el}/text"), None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }
    /// Runs a script in the page and returns its value.
    fn script(&self, js: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": js, "args": [] })),
        )
    }
    /// Clicks something that submits a form and waits until the response
    /// page has replaced this one (its URL may be the same).
    fn submit(&self, css: &str) {
        self.script("window.__before_submit = true;");
        self.click(css);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let replaced = self.script(
                "return window.__before_submit === undefined && document.readyState === 'complete';",
            );
            if replaced == Value::Bool(true) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no new page after clicking {css}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    fn source(&self) -> String {
        self.cmd("GET", "/source", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }
    fn shot(&mut self, name: &str) {
        self.step += 1;
        let png = b64decode(self.cmd("GET", "/screenshot", None).as_str().unwrap_or(""));
        assert!(png.starts_with(b"\x89PNG"), "screenshot {name}");
        let path = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&path, png).unwrap();
    }
}

impl Drop for Driver {
    /// Ends the browser even when a step failed, so no chromium is left.
    fn drop(&mut self) {
        let _ = http(
            &self.addr,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

fn add_user(users: &Path, name: &str, role: &str, case: &Path, password: &str) {
    let mut child = exhibit()
        .args([
            "user",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
            "--users",
        ])
        .arg(users)
        .arg("--case")
        .arg(case)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn workbench_in_headless_chromium() {
    let Some(chromium) = find_program(&["chromium", "chromium-browser", "google-chrome"]) else {
        println!("SKIP: no chromium");
        return;
    };
    let Some(chromedriver) = find_program(&["chromedriver"]) else {
        println!("SKIP: no chromedriver (apt-get install chromium-driver)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = exhibit()
        .args(["demo", "--out"])
        .arg(tmp.path().join("demo"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let case = tmp.path().join("demo/case");
    let users = tmp.path().join("users.json");
    add_user(&users, "ivy", "investigator", &case, "ivy-password");

    let mut server = exhibit()
        .arg("serve")
        .arg(&case)
        .args(["--listen", "127.0.0.1:0", "--users"])
        .arg(&users)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _server = Killed(server);
    let base = line
        .trim()
        .trim_start_matches("listening on ")
        .trim_end_matches('/')
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");

    let port = free_port();
    let driver_proc = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _driver_proc = Killed(driver_proc);
    let daddr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !matches!(http(&daddr, "GET", "/status", None), Ok((200, _))) {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium.to_string_lossy(),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1000"]
        }
    }}});
    let (status, text) = http(&daddr, "POST", "/session", Some(&caps)).unwrap();
    if status != 200 {
        println!("SKIP: chromium would not start under chromedriver: {text}");
        return;
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-e2e");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let mut d = Driver {
        addr: daddr.clone(),
        session: v["value"]["sessionId"].as_str().unwrap().to_string(),
        shots: shots.clone(),
        step: 0,
    };
    let c = format!("{base}/case/DEMO-2026-001");

    // 1. Log in.
    d.go(&format!("{base}/login"));
    d.type_into("#user", "ivy");
    d.type_into("#password", "ivy-password");
    d.shot("login-form");
    d.click("#login");
    d.find("a[href='/case/DEMO-2026-001']");
    d.shot("logged-in");

    // 2. Browse to the deleted file and view it in hex.
    d.click("a[href='/case/DEMO-2026-001']");
    d.click("a[href='/case/DEMO-2026-001/evidence/E1']");
    d.click("a.deleted");
    d.click("#view-hex");
    let hex = d.text("#hex");
    assert!(hex.starts_with("00000000"), "{hex}");
    assert!(d.text("#forensic-path").contains("_ALLET.TXT"));
    d.shot("deleted-file-hex");

    // 3. Search a term and open the hit.
    d.go(&format!("{c}/search"));
    d.type_into("#q", "goldwin");
    d.click("#search");
    d.click("a.hit");
    assert!(d.url().starts_with(&c), "{}", d.url());
    d.find("main table");
    d.shot("search-hit");

    // 4. Open an e-mail and see its route table.
    d.go(&format!("{c}/messages"));
    d.click("a.message");
    let route = d.text("#route");
    assert!(route.contains("203.0.113.45"), "{route}");
    d.shot("email-route");

    // 5. Tag a finding and see it in the regenerated report.
    d.go(&format!("{c}/findings?kind=wallet"));
    d.type_into("form.tag input[name=note]", "payment wallet (e2e)");
    d.submit("form.tag button.tag-button");
    d.find("main");
    d.go(&format!("{c}/tags"));
    assert!(d.source().contains("payment wallet (e2e)"));
    d.shot("tagged");
    d.go(&format!("{c}/report"));
    assert!(
        d.source().contains("payment wallet (e2e)"),
        "tag note not in the report"
    );
    d.shot("report");

    // 6. Log out.
    d.go(&c);
    d.click("#logout");
    d.find("#login");
    assert!(d.url().ends_with("/login"), "{}", d.url());
    d.go(&c);
    d.find("#login");
    d.shot("logged-out");

    let n = std::fs::read_dir(&shots).unwrap().count();
    assert_eq!(n, 8, "screenshots in {}", shots.display());
    println!("screenshots: {}", shots.display());
}

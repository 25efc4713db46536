//! `exhibit triage --distributed`: three `exhibit worker` processes give
//! the same case as a local triage, also when one of them is killed with
//! SIGKILL in the middle of a unit. Needs PostgreSQL (`EXHIBIT_TEST_POSTGRES`)
//! and `nats-server`; says SKIP without them.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::exhibit;

fn postgres() -> Option<String> {
    std::env::var("EXHIBIT_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.is_empty())
}

fn nats_server() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/usr/bin", "/usr/local/bin"].map(PathBuf::from));
    dirs.into_iter()
        .map(|d| d.join("nats-server"))
        .find(|p| p.is_file())
}

/// A nats-server with JetStream on a free port, killed on drop.
struct Nats {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Nats {
    fn start(bin: &Path) -> Nats {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(bin)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir.path().join("js"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "nats-server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Nats {
            child,
            url: format!("nats://127.0.0.1:{port}"),
            _dir: dir,
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A 64 MiB ext4 image of text files with leads, some in a gzip file,
/// made with mke2fs -d (no mounting); None without mke2fs.
fn image(dir: &Path) -> Option<PathBuf> {
    let mke2fs = ["/usr/sbin/mke2fs", "/sbin/mke2fs", "/usr/bin/mke2fs"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())?;
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("docs")).unwrap();
    for i in 0..300 {
        let mut text = String::new();
        for j in 0..40 {
            text.push_str(&format!(
                "note {i}.{j}: mail user{i}x{j}@example.com or see http://site{}.example.org/p{j}\n",
                (i * 7 + j) % 131
            ));
        }
        // Enough bytes that the files spread over the image's chunks.
        text.push_str(&"filler text line\n".repeat(9000));
        std::fs::write(root.join("docs").join(format!("n{i}.txt")), text).unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, b"hidden.person@example.net in a gzip\n").unwrap();
    std::fs::write(root.join("hidden.gz"), gz.finish().unwrap()).unwrap();
    let img = dir.join("disk.img");
    let ok = Command::new(mke2fs)
        .args(["-q", "-F", "-t", "ext4", "-d"])
        .arg(&root)
        .arg(&img)
        .arg("64M")
        .env("E2FSPROGS_FAKE_TIME", "1600000000")
        .status()
        .unwrap()
        .success();
    ok.then_some(img)
}

/// Files, findings and timeline events of a case, each as one sorted line
/// (no row ids, no stage marks, no times of the run): what must not depend
/// on how the work was spread.
fn rows(case: &Path) -> Vec<String> {
    let out = exhibit()
        .args(["case", "dump"])
        .arg(case)
        .assert()
        .success();
    let mut rows: Vec<String> = String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .filter(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            matches!(
                v["table"].as_str(),
                Some("file" | "finding" | "event" | "message" | "evidence")
            )
        })
        .map(str::to_string)
        .collect();
    rows.sort();
    rows
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_exhibit"))
}

fn worker(case: &Path, queue: &str) -> Child {
    Command::new(bin())
        .args([
            "worker",
            "--idle-exit",
            "4",
            "--threads",
            "1",
            "--queue",
            queue,
            "--case",
        ])
        .arg(case)
        .env("EXHIBIT_QUEUE_ACK_WAIT", "3")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn coordinator(case: &Path, pg: &str, queue: &str, img: &Path) -> Child {
    Command::new(bin())
        .args(["triage", "-q", "--examiner", "tester", "--distributed"])
        .args([
            "--scan-unit-mib",
            "16",
            "--store",
            pg,
            "--queue",
            queue,
            "--case",
        ])
        .arg(case)
        .arg(img)
        .env("EXHIBIT_QUEUE_ACK_WAIT", "3")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the coordinator has written its plan (the case exists and is
/// linked to its store), so that workers find the case.
fn wait_for_plan(case: &Path, coord: &mut Child) {
    let started = Instant::now();
    while !case.join("distributed.json").exists() {
        if let Some(st) = coord.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = coord.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!("the coordinator ended ({st}) before planning: {err}");
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no plan");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_ok(mut c: Child, what: &str) {
    let started = Instant::now();
    loop {
        if let Some(st) = c.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = c.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            assert!(st.success(), "{what} failed: {err}");
            return;
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = c.kill();
            panic!("{what} took over 3 minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn three_workers_give_the_local_case_even_when_one_is_killed() {
    let (Some(pg), Some(nats)) = (postgres(), nats_server()) else {
        eprintln!("SKIP: needs EXHIBIT_TEST_POSTGRES and nats-server");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let Some(img) = image(tmp.path()) else {
        eprintln!("SKIP: mke2fs not installed");
        return;
    };
    let before = common::fingerprint(&img);
    let server = Nats::start(&nats);

    let local = tmp.path().join("local");
    exhibit()
        .args(["triage", "-q", "--examiner", "tester", "--case"])
        .arg(&local)
        .arg(&img)
        .env_remove("EXHIBIT_STORE")
        .assert()
        .success();
    let want = rows(&local);
    assert!(want.iter().any(|r| r.contains("hidden.person@example.net")));

    // Three workers, all running to the end.
    let case = tmp.path().join("distributed");
    let mut coord = coordinator(&case, &pg, &server.url, &img);
    wait_for_plan(&case, &mut coord);
    let workers: Vec<Child> = (0..3).map(|_| worker(&case, &server.url)).collect();
    wait_ok(coord, "distributed triage");
    for mut w in workers {
        let _ = w.wait();
    }
    assert_eq!(rows(&case), want, "three workers give the local case");
    let status = exhibit()
        .args(["status", "--json"])
        .arg(&case)
        .assert()
        .success();
    let status: serde_json::Value = serde_json::from_slice(&status.get_output().stdout).unwrap();
    assert_eq!(status["totals"]["units"], 5, "{status}");
    assert_eq!(status["totals"]["done"], 5, "{status}");

    // One worker killed with SIGKILL as soon as it holds a unit: the unit
    // comes back (after the ack wait) to another worker; nothing twice.
    let case = tmp.path().join("killed");
    let mut coord = coordinator(&case, &pg, &server.url, &img);
    wait_for_plan(&case, &mut coord);
    let mut victim = worker(&case, &server.url);
    let started = Instant::now();
    let units = case.join("units");
    let running_unit = || {
        std::fs::read_dir(&units).ok().and_then(|rd| {
            rd.flatten().find_map(|e| {
                let v: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok()?;
                (v["state"] == "running").then(|| e.file_name())
            })
        })
    };
    let mut running = running_unit();
    while running.is_none() && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(5));
        running = running_unit();
    }
    victim.kill().unwrap();
    victim.wait().unwrap();
    let killed_unit = running.expect("a unit started within 2 minutes");
    let workers: Vec<Child> = (0..2).map(|_| worker(&case, &server.url)).collect();
    wait_ok(coord, "distributed triage with a killed worker");
    for mut w in workers {
        let _ = w.wait();
    }
    assert_eq!(
        rows(&case),
        want,
        "a killed worker ({killed_unit:?}) changes nothing"
    );
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(units.join(&killed_unit)).unwrap()).unwrap();
    assert_eq!(state["state"], "done");
    assert!(state["attempt"].as_u64().unwrap() >= 2, "{state}");
    exhibit()
        .args(["custody", "verify"])
        .arg(&case)
        .assert()
        .success();
    assert_eq!(common::fingerprint(&img), before, "evidence unchanged");
}

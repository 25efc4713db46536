//! The queue against a real NATS server (`nats-server -js`), started by each
//! test on a free loopback port with its own store directory. Without
//! `nats-server` installed every test prints `SKIP` and passes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use exhibit_queue::{Pending, Queue};

/// Where Debian and others put the server when it is not on PATH.
const FALLBACK_LOCATIONS: &[&str] = &[
    "/usr/sbin/nats-server",
    "/usr/bin/nats-server",
    "/usr/local/bin/nats-server",
];

fn nats_server_binary() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("nats-server"))
                .find(|p| p.is_file())
        })
        .unwrap_or(None);
    on_path.or_else(|| {
        FALLBACK_LOCATIONS
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
    })
}

/// A `nats-server -js` child process, killed when dropped.
struct Server {
    binary: PathBuf,
    store: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
    /// More arguments (TLS).
    extra: Vec<String>,
}

impl Server {
    /// Starts a server, or prints SKIP and returns None without one.
    fn start() -> Option<Server> {
        Server::start_with(Vec::new())
    }

    /// Starts a server with more arguments.
    fn start_with(extra: Vec<String>) -> Option<Server> {
        let Some(binary) = nats_server_binary() else {
            println!("SKIP: nats-server not installed");
            return None;
        };
        let store = tempfile::tempdir().expect("store dir");
        let port = free_port();
        let mut server = Server {
            binary,
            store,
            port,
            child: None,
            extra,
        };
        server.spawn();
        Some(server)
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("server log");
        let child = Command::new(&self.binary)
            .arg("-js")
            .arg("-sd")
            .arg(self.store.path().join("js"))
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start nats-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("nats-server exited with {status}:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "nats-server did not listen in time:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn log_path(&self) -> PathBuf {
        self.store.path().join("server.log")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Stops the server: SIGTERM (clean shutdown) when `clean`, else SIGKILL.
    fn stop(&mut self, clean: bool) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if clean {
            let status = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .expect("kill -TERM");
            assert!(status.success());
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().expect("wait").is_none() {
                assert!(Instant::now() < deadline, "nats-server did not stop");
                thread::sleep(Duration::from_millis(20));
            }
        } else {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn restart(&mut self, clean: bool) {
        self.stop(clean);
        self.spawn();
    }

    /// Connects, retrying while the server (or its JetStream) starts up.
    fn queue(&self, name: &str, ack_wait: Duration) -> Queue {
        connect_retrying(&self.url(), name, ack_wait)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn connect_retrying(url: &str, name: &str, ack_wait: Duration) -> Queue {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match Queue::connect(url, name, ack_wait) {
            Ok(queue) => return queue,
            Err(e) if Instant::now() < deadline => {
                eprintln!("connect retry: {e}");
                thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("connect: {e}"),
        }
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    listener.local_addr().expect("addr").port()
}

fn empty() -> Pending {
    Pending::default()
}

#[test]
fn two_workers_process_every_unit_exactly_once() {
    let Some(server) = Server::start() else {
        return;
    };
    let started = Instant::now();
    let coordinator = server.queue("all", Duration::from_secs(30));
    for i in 0..100 {
        let p = coordinator
            .publish(&format!("unit-{i:03}"), format!("payload {i}").as_bytes())
            .expect("publish");
        assert!(!p.duplicate);
    }
    assert_eq!(
        coordinator.pending().expect("pending"),
        Pending {
            waiting: 100,
            unacked: 0,
            stored: 100
        }
    );

    let processed: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
    let workers: Vec<_> = (0..2)
        .map(|w| {
            let url = server.url();
            let processed = Arc::clone(&processed);
            thread::spawn(move || {
                let queue = Queue::connect(&url, "all", Duration::from_secs(30)).expect("connect");
                while let Some(d) = queue.next(Duration::from_millis(300)).expect("next") {
                    let n: usize = d.id["unit-".len()..].parse().expect("id");
                    assert_eq!(d.payload, format!("payload {n}").as_bytes());
                    assert_eq!(d.attempt, 1);
                    // "Commit" the result, then ack.
                    processed.lock().expect("lock").push((d.id.clone(), w));
                    d.ack().expect("ack");
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let processed = processed.lock().expect("lock");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, _) in processed.iter() {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    assert_eq!(counts.len(), 100);
    assert!(counts.values().all(|&c| c == 1), "{counts:?}");
    let by_worker = |w| processed.iter().filter(|(_, x)| *x == w).count();
    eprintln!(
        "worker 0: {} units, worker 1: {} units",
        by_worker(0),
        by_worker(1)
    );
    assert_eq!(coordinator.pending().expect("pending"), empty());
    coordinator.delete().expect("delete");
    eprintln!("took {:?}", started.elapsed());
}

#[test]
fn unit_dropped_without_ack_is_redelivered_to_another_worker() {
    let Some(server) = Server::start() else {
        return;
    };
    let started = Instant::now();
    let ack_wait = Duration::from_secs(1);
    let coordinator = server.queue("drop", ack_wait);
    coordinator.publish("u1", b"work").expect("publish");

    let first = server.queue("drop", ack_wait);
    let d = first
        .next(Duration::from_secs(2))
        .expect("next")
        .expect("a unit");
    assert_eq!((d.id.as_str(), d.attempt), ("u1", 1));
    drop(d); // A worker that died holding it: nothing is sent.
    drop(first);
    assert_eq!(
        coordinator.pending().expect("pending"),
        Pending {
            waiting: 0,
            unacked: 1,
            stored: 1
        }
    );

    let second = server.queue("drop", ack_wait);
    let d = second
        .next(Duration::from_secs(5))
        .expect("next")
        .expect("the unit again");
    assert_eq!((d.id.as_str(), d.attempt), ("u1", 2));
    assert_eq!(d.payload, b"work");
    d.ack().expect("ack");
    assert_eq!(coordinator.pending().expect("pending"), empty());
    assert!(second
        .next(Duration::from_millis(200))
        .expect("next")
        .is_none());
    eprintln!("took {:?}", started.elapsed());
}

const CHILD_URL: &str = "EXHIBIT_QUEUE_TEST_CHILD_URL";

/// Not a test on its own: the worker process of
/// `worker_process_killed_mid_unit_gives_the_unit_back`, which runs this test
/// binary again with [`CHILD_URL`] set. It takes one unit, says so on stdout
/// and works on it "forever".
#[test]
fn child_worker() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        return;
    };
    let queue = Queue::connect(&url, "killed", Duration::from_secs(1)).expect("connect");
    let d = queue
        .next(Duration::from_secs(10))
        .expect("next")
        .expect("a unit");
    let mut out = std::io::stdout();
    writeln!(out, "TOOK {} {}", d.id, d.attempt).expect("stdout");
    out.flush().expect("flush");
    thread::sleep(Duration::from_secs(60));
}

#[test]
fn worker_process_killed_mid_unit_gives_the_unit_back() {
    let Some(server) = Server::start() else {
        return;
    };
    let started = Instant::now();
    let ack_wait = Duration::from_secs(1);
    let coordinator = server.queue("killed", ack_wait);
    coordinator
        .publish("evidence-7", b"scan me")
        .expect("publish");

    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["child_worker", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_URL, server.url())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn worker process");
    let stdout = child.stdout.take().expect("child stdout");
    let took = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        // libtest may print "test child_worker ... " on the same line.
        .find_map(|line| line.find("TOOK ").map(|at| line[at..].to_string()));
    assert_eq!(took.as_deref(), Some("TOOK evidence-7 1"));
    assert_eq!(
        coordinator.pending().expect("pending").unacked,
        1,
        "the worker holds the unit"
    );

    child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix.
    let status = child.wait().expect("wait");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "{status}");
    }
    #[cfg(not(unix))]
    assert!(!status.success());

    let d = coordinator
        .next(Duration::from_secs(5))
        .expect("next")
        .expect("the unit back");
    assert_eq!((d.id.as_str(), d.attempt), ("evidence-7", 2));
    assert_eq!(d.payload, b"scan me");
    d.ack().expect("ack");
    assert_eq!(coordinator.pending().expect("pending"), empty());
    eprintln!("took {:?}", started.elapsed());
}

#[test]
fn same_id_twice_is_one_unit() {
    let Some(server) = Server::start() else {
        return;
    };
    let queue = server.queue("dup", Duration::from_secs(30));
    let first = queue.publish("same", b"one").expect("publish");
    let second = queue.publish("same", b"two").expect("publish");
    assert!(!first.duplicate);
    assert!(second.duplicate);
    assert_eq!(first.sequence, second.sequence);
    assert_eq!(queue.pending().expect("pending").waiting, 1);

    let d = queue
        .next(Duration::from_secs(2))
        .expect("next")
        .expect("unit");
    assert_eq!((d.id.as_str(), d.payload.as_slice()), ("same", &b"one"[..]));
    d.ack().expect("ack");
    assert!(queue
        .next(Duration::from_millis(200))
        .expect("next")
        .is_none());
    // Still within the duplicate window after the ack: not stored again.
    assert!(queue.publish("same", b"three").expect("publish").duplicate);
    assert_eq!(queue.pending().expect("pending"), empty());
    queue.delete().expect("delete");
}

#[test]
fn in_progress_keeps_a_long_unit_from_redelivery() {
    let Some(server) = Server::start() else {
        return;
    };
    let started = Instant::now();
    let ack_wait = Duration::from_secs(1);
    let queue = server.queue("long", ack_wait);
    queue.publish("long-unit", b"slow").expect("publish");
    let d = queue
        .next(Duration::from_secs(2))
        .expect("next")
        .expect("unit");
    assert_eq!(d.attempt, 1);

    // Another worker asks for work during three ack_waits.
    let url = server.url();
    let other = thread::spawn(move || {
        let queue = Queue::connect(&url, "long", ack_wait).expect("connect");
        queue
            .next(Duration::from_millis(3200))
            .expect("next")
            .map(|d| (d.id.clone(), d.attempt))
    });
    let until = Instant::now() + Duration::from_millis(3500);
    while Instant::now() < until {
        d.in_progress().expect("in progress");
        thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(other.join().expect("other worker"), None);
    d.ack().expect("ack");
    assert_eq!(queue.pending().expect("pending"), empty());
    eprintln!("took {:?}", started.elapsed());
}

#[test]
fn nak_redelivers_and_term_removes() {
    let Some(server) = Server::start() else {
        return;
    };
    let queue = server.queue("naks", Duration::from_secs(30));
    queue.publish("retry-me", b"r").expect("publish");
    queue.publish("poison", b"p").expect("publish");

    let mut attempts: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Some(d) = queue.next(Duration::from_millis(500)).expect("next") {
        assert!(Instant::now() < deadline);
        attempts.entry(d.id.clone()).or_default().push(d.attempt);
        match (d.id.as_str(), d.attempt) {
            ("retry-me", 1) => d.nak(None).expect("nak"),
            ("retry-me", _) => d.ack().expect("ack"),
            ("poison", _) => d.term().expect("term"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(attempts["retry-me"], vec![1, 2]);
    assert_eq!(attempts["poison"], vec![1]);
    assert_eq!(queue.pending().expect("pending"), empty());
}

/// Publishes three units, acks one, holds one unacked, leaves one waiting,
/// restarts the server on the same store, and returns what comes back.
fn restart_keeps_units(clean: bool) -> Option<BTreeMap<String, u64>> {
    let mut server = Server::start()?;
    let ack_wait = Duration::from_secs(1);
    let queue = server.queue("restart", ack_wait);
    for id in ["done", "in-flight", "waiting"] {
        queue.publish(id, id.as_bytes()).expect("publish");
    }
    let d = queue
        .next(Duration::from_secs(2))
        .expect("next")
        .expect("unit");
    assert_eq!(d.id, "done");
    d.ack().expect("ack");
    let d = queue
        .next(Duration::from_secs(2))
        .expect("next")
        .expect("unit");
    assert_eq!(d.id, "in-flight");
    drop(d);
    assert_eq!(
        queue.pending().expect("pending"),
        Pending {
            waiting: 1,
            unacked: 1,
            stored: 2
        }
    );
    drop(queue);

    server.restart(clean);
    let queue = server.queue("restart", ack_wait);
    // Take until both unacked units came back and nothing is left: after a
    // crash the server may also give back "done" (at least once).
    let mut back = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let pending = queue.pending().expect("pending");
        if back.contains_key("in-flight") && back.contains_key("waiting") && pending == empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "back {back:?}, pending {pending:?}"
        );
        if let Some(d) = queue.next(Duration::from_millis(500)).expect("next") {
            back.insert(d.id.clone(), d.attempt);
            d.ack().expect("ack");
        }
    }
    Some(back)
}

#[test]
fn clean_server_restart_keeps_unacked_units() {
    let started = Instant::now();
    let Some(back) = restart_keeps_units(true) else {
        return;
    };
    let ids: BTreeSet<&str> = back.keys().map(String::as_str).collect();
    assert_eq!(ids, BTreeSet::from(["in-flight", "waiting"]), "{back:?}");
    eprintln!("took {:?}", started.elapsed());
}

#[test]
fn killed_server_restart_keeps_unacked_units() {
    let started = Instant::now();
    let Some(back) = restart_keeps_units(false) else {
        return;
    };
    let ids: BTreeSet<&str> = back.keys().map(String::as_str).collect();
    assert!(
        ids.is_superset(&BTreeSet::from(["in-flight", "waiting"])),
        "{back:?}"
    );
    eprintln!("units (attempts) after SIGKILL of the server: {back:?}");
    eprintln!("took {:?}", started.elapsed());
}

#[test]
fn connect_to_nothing_names_the_url() {
    let port = free_port(); // Bound then closed: nothing listens.
    let url = format!("nats://127.0.0.1:{port}");
    let err = Queue::connect(&url, "x", Duration::from_secs(1))
        .expect_err("no server there")
        .to_string();
    assert!(err.contains(&url), "{err}");
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn queue_and_delivery_are_send_and_sync() {
    assert_send_sync::<Queue>();
    assert_send_sync::<exhibit_queue::Delivery>();
}

#[test]
fn connecting_again_with_another_ack_wait_keeps_the_units() {
    let Some(server) = Server::start() else {
        return;
    };
    let first = server.queue("rewait", Duration::from_secs(30));
    first.publish("kept", b"k").expect("publish");
    let second = server.queue("rewait", Duration::from_secs(1));
    let d = second
        .next(Duration::from_secs(2))
        .expect("next")
        .expect("unit");
    assert_eq!(d.id, "kept");
    drop(d);
    // The shared consumer now redelivers after 1 s, not 30 s.
    let d = first
        .next(Duration::from_secs(4))
        .expect("next")
        .expect("unit again");
    assert_eq!((d.id.as_str(), d.attempt), ("kept", 2));
    d.ack().expect("ack");
    assert!(Queue::connect(&server.url(), "bad name", Duration::from_secs(1)).is_err());
    assert!(Queue::connect(&server.url(), "ok", Duration::ZERO).is_err());
}

/// A server that speaks only TLS, with a self-signed certificate: trusted
/// when given as `?ca=`, refused against the system's roots.
#[test]
fn tls_with_the_servers_own_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = (certs.path().join("c.pem"), certs.path().join("k.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost", "-addext"])
        .arg("subjectAltName=IP:127.0.0.1,DNS:localhost")
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        println!("SKIP: openssl could not make a certificate");
        return;
    }
    let path = |p: &PathBuf| p.display().to_string();
    let Some(server) = Server::start_with(vec![
        "--tls".into(),
        "--tlscert".into(),
        path(&cert),
        "--tlskey".into(),
        path(&key),
    ]) else {
        return;
    };
    let tls = format!("tls://127.0.0.1:{}", server.port);
    let q = connect_retrying(
        &format!("{tls}?ca={}", path(&cert)),
        "tlsq",
        Duration::from_secs(5),
    );
    q.publish("u1", b"over tls").unwrap();
    let d = q.next(Duration::from_secs(5)).unwrap().expect("the unit");
    assert_eq!(d.payload, b"over tls");
    d.ack().unwrap();
    assert!(
        Queue::connect(&tls, "tlsq", Duration::from_secs(5)).is_err(),
        "a self-signed certificate is not in the system's roots"
    );
}

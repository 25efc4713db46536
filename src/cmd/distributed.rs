//! `exhibit triage --distributed`, `exhibit worker`, `exhibit status`: a
//! triage spread over machines through a NATS JetStream work queue, into a
//! case on PostgreSQL.
//!
//! The plan (every unit) is written to `CASE/distributed.json` before any
//! unit is published; each worker records what it is doing in
//! `CASE/units/<unit>.json` (running, done, failed with the reason). The
//! store's stage marks are the truth of what is done.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use exhibit_case::Case;
use exhibit_queue::{Delivery, Queue};
use exhibit_store::CaseStore;
use exhibit_triage::distributed::{self, Planned, Unit};
use exhibit_triage::{Progress, Summary, TriageOptions};
use serde::{Deserialize, Serialize};

/// How long a unit may go without a sign of life before another worker
/// gets it (workers say they are alive four times as often): 60 s, or
/// `EXHIBIT_QUEUE_ACK_WAIT` seconds (tests use a few).
fn ack_wait() -> Duration {
    let secs = std::env::var("EXHIBIT_QUEUE_ACK_WAIT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&s| s > 0)
        .unwrap_or(60);
    Duration::from_secs(secs)
}

const PLAN_FILE: &str = "distributed.json";
const UNITS_DIR: &str = "units";

/// The plan of a distributed triage.
#[derive(Debug, Serialize, Deserialize)]
struct Plan {
    /// The queue's server (no password).
    queue: String,
    /// The queue (stream) name.
    name: String,
    /// Every unit, in the order they are handed out.
    units: Vec<Unit>,
}

/// What a worker last said of a unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct UnitState {
    state: String,
    worker: String,
    attempt: u64,
    time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// The queue name of a case: its PostgreSQL schema.
fn queue_name(case: &Path) -> anyhow::Result<String> {
    match exhibit_store::link::link(case)? {
        Some(l) => Ok(l.schema),
        None => anyhow::bail!(
            "{}: a distributed triage needs the case on PostgreSQL (--store postgres://…), so that workers on other machines write into it",
            case.display()
        ),
    }
}

/// The coordinator's side of `exhibit triage --distributed`.
pub fn coordinate(
    case: &Case,
    store: &dyn CaseStore,
    paths: &[PathBuf],
    (queue_url, unit_mib): (&str, u64),
    opts: &TriageOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> anyhow::Result<Summary> {
    let per_unit = distributed::chunks_in(unit_mib, opts);
    let name = queue_name(case.dir())?;
    let queue = Queue::connect(queue_url, &name, ack_wait())
        .with_context(|| format!("queue {}", exhibit_store::link::without_password(queue_url)))?;
    let (planned, pending) = distributed::register(case, store, paths, opts, progress)?;
    // The images are hashed while their units run; `finish` needs them
    // registered (its `examined` entries follow `registered`).
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let registering = s.spawn(|| distributed::complete(case, store, &pending, opts, &stop));
        let ran = run_units(
            case,
            store,
            (&queue, queue_url, name),
            (&planned, per_unit),
            opts,
            progress,
        );
        if ran.is_err() {
            // Nobody waits for the hashes of a triage that failed: the
            // error is reported now, not after the image was hashed.
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let registered = registering.join().unwrap_or_else(|_| {
            Err(exhibit_triage::TriageError::Internal(
                "registration panicked".into(),
            ))
        });
        ran?;
        registered?;
        Ok(distributed::finish(
            case,
            store,
            paths,
            (&planned, per_unit),
            opts,
            progress,
        )?)
    })
}

/// Publishes the units of the planned images and waits until every one is
/// done (or one failed on every try).
fn run_units(
    case: &Case,
    store: &dyn CaseStore,
    (queue, queue_url, name): (&Queue, &str, String),
    (planned, per_unit): (&[Planned], u64),
    opts: &TriageOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> anyhow::Result<()> {
    let mut per_item: Vec<(Planned, Unit, Vec<Unit>)> = Vec::new();
    for p in planned.iter().filter(|p| p.distributed) {
        per_item.push((
            p.clone(),
            distributed::files_unit(p),
            distributed::scan_units(p, opts, per_unit)?,
        ));
    }
    let plan = Plan {
        queue: exhibit_store::link::without_password(queue_url),
        name,
        units: per_item
            .iter()
            .flat_map(|(_, f, s)| std::iter::once(f.clone()).chain(s.iter().cloned()))
            .collect(),
    };
    write_json(&case.dir().join(PLAN_FILE), &plan)?;
    let publish = |u: &Unit| -> anyhow::Result<()> {
        let payload = serde_json::to_vec(u)?;
        queue
            .publish(&u.id(), &payload)
            .with_context(|| format!("publishing unit {}", u.id()))?;
        Ok(())
    };
    // Rows arrive from every worker at once: the indexes that only serve
    // searches are built once at the end (`finish`) instead of kept up row
    // by row. The store's bulk lock keeps workers opening the case meanwhile
    // from building them again.
    store.bulk_findings(true)?;
    for (_, files, _) in &per_item {
        if !files.done(store)? {
            publish(files)?;
        }
    }
    let total = plan.units.len() as u64;
    let mut scans_out = vec![false; per_item.len()];
    progress(Progress::Step {
        evidence: "",
        step: "units (exhibit status CASE)",
        total,
    });
    loop {
        let mut done = 0u64;
        for (i, (_, files, scans)) in per_item.iter().enumerate() {
            if !files.done(store)? {
                continue;
            }
            done += 1;
            if !scans_out[i] {
                for u in scans.iter() {
                    if !u.done(store)? {
                        publish(u)?;
                    }
                }
                scans_out[i] = true;
            }
            for u in scans {
                done += u64::from(u.done(store)?);
            }
        }
        progress(Progress::Bytes(done));
        if done == total {
            break;
        }
        if let Some(failed) = given_up(case.dir(), &plan)? {
            anyhow::bail!(
                "unit {} failed on every try: {} (`exhibit status {}`; rerun the triage to try again)",
                failed.0,
                failed.1,
                case.dir().display()
            );
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    Ok(())
}

/// A unit that failed as often as the queue delivers one, with its reason.
fn given_up(case: &Path, plan: &Plan) -> anyhow::Result<Option<(String, String)>> {
    for u in &plan.units {
        if let Some(s) = read_state(case, &u.id())? {
            if s.state == "failed" && s.attempt >= exhibit_queue::MAX_DELIVER as u64 {
                return Ok(Some((u.id(), s.reason.unwrap_or_default())));
            }
        }
    }
    Ok(None)
}

/// Flags of `exhibit worker`.
#[derive(clap::Args, Debug)]
pub struct WorkerArgs {
    /// Case folder (shared with the coordinator; the case must be on PostgreSQL). A worker
    /// started before the coordinator waits for its plan there.
    #[arg(long)]
    pub case: PathBuf,
    /// NATS server (`nats://host:4222`).
    #[arg(long, env = "EXHIBIT_QUEUE", value_name = "URL")]
    pub queue: String,
    /// Worker threads of a unit (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Stop once the queue has been empty (nothing waiting, nothing being worked on) for this
    /// many seconds (default: run until stopped).
    #[arg(long, value_name = "SECONDS")]
    pub idle_exit: Option<u64>,
    /// Time zone of FAT local times, as for `exhibit triage --tz`.
    #[arg(long)]
    pub tz: Option<String>,
}

/// `exhibit worker`.
pub fn worker(a: &WorkerArgs) -> anyhow::Result<()> {
    wait_for_plan(a)?;
    let case = Case::open(&a.case)?;
    let name = queue_name(case.dir())?;
    let store = crate::store::open(case.dir())?;
    let queue = Queue::connect(&a.queue, &name, ack_wait())
        .with_context(|| format!("queue {}", exhibit_store::link::without_password(&a.queue)))?;
    let me = format!(
        "{}:{}",
        std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "host".into()),
        std::process::id()
    );
    let opts = TriageOptions {
        examiner: crate::output::examiner(&None, Some(&case)),
        threads: a.threads.unwrap_or(0),
        local_tz: a.tz.clone(),
        ..TriageOptions::default()
    };
    let quiet = |p: Progress<'_>| {
        if let Progress::Warning(w) = p {
            eprintln!("warning: {w}");
        }
    };
    let mut idle = Instant::now();
    loop {
        let Some(d) = queue.next(Duration::from_secs(1))? else {
            // Idle only while the queue is empty: a unit another worker
            // holds may be followed by more (an image's scan after its files).
            let p = queue.pending()?;
            if p.waiting > 0 || p.unacked > 0 {
                idle = Instant::now();
            }
            if a.idle_exit
                .is_some_and(|s| idle.elapsed() >= Duration::from_secs(s))
            {
                return Ok(());
            }
            continue;
        };
        let unit: Unit = match serde_json::from_slice(&d.payload) {
            Ok(u) => u,
            Err(e) => {
                eprintln!("worker: unit {}: not a unit ({e}): dropped", d.id);
                d.term()?;
                continue;
            }
        };
        let id = unit.id();
        let attempt = d.attempt;
        set_state(case.dir(), &id, "running", &me, attempt, None)?;
        let started = Instant::now();
        let beat = || {
            // The state's time is the last sign of life: `status` tells a
            // stalled unit (its worker gone) from a running one by it.
            if let Err(e) = set_state(case.dir(), &id, "running", &me, attempt, None) {
                eprintln!("worker {me}: {id}: {e:#}");
            }
        };
        let result = with_heartbeat(&d, beat, || {
            distributed::run_unit(&case, &*store, &unit, &opts, &quiet)
        });
        match result {
            Ok(ran) => {
                set_state(case.dir(), &id, "done", &me, attempt, None)?;
                // Acknowledged only now: the unit's rows and mark are committed.
                d.ack()?;
                eprintln!(
                    "worker {me}: {id} {} in {:.2} s",
                    if ran { "done" } else { "was already done" },
                    started.elapsed().as_secs_f64()
                );
            }
            Err(e) => {
                let reason = format!("{e:#}");
                set_state(case.dir(), &id, "failed", &me, attempt, Some(&reason))?;
                eprintln!("worker {me}: {id} failed (attempt {attempt}): {reason}");
                if attempt >= exhibit_queue::MAX_DELIVER as u64 {
                    d.term()?;
                } else {
                    d.nak(Some(Duration::from_secs(2)))?;
                }
            }
        }
        idle = Instant::now();
    }
}

/// Workers may be started before the coordinator has made the case: wait
/// for its plan (at most `--idle-exit` seconds when given).
fn wait_for_plan(a: &WorkerArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let plan = a.case.join(PLAN_FILE);
    let mut told = false;
    while !plan.is_file() {
        if let Some(limit) = a.idle_exit {
            if started.elapsed() >= Duration::from_secs(limit) {
                anyhow::bail!(
                    "{}: no distributed triage planned here after {limit} s (`exhibit triage --distributed` makes it)",
                    a.case.display()
                );
            }
        }
        if !told {
            eprintln!(
                "worker: waiting for {} (`exhibit triage --distributed` makes it)",
                plan.display()
            );
            told = true;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Ok(())
}

/// Runs `work` while telling the queue, four times per ack wait, that the
/// unit is still being worked on.
fn with_heartbeat<T>(d: &Delivery, alive: impl Fn() + Send, work: impl FnOnce() -> T) -> T {
    let beat = ack_wait() / 4;
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        s.spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop_rx.recv_timeout(beat) {
                if let Err(e) = d.in_progress() {
                    eprintln!("worker: {}: {e}", d.id);
                }
                alive();
            }
        });
        let out = work();
        drop(stop_tx);
        out
    })
}

fn state_path(case: &Path, id: &str) -> PathBuf {
    case.join(UNITS_DIR).join(format!("{id}.json"))
}

fn set_state(
    case: &Path,
    id: &str,
    state: &str,
    worker: &str,
    attempt: u64,
    reason: Option<&str>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(case.join(UNITS_DIR))?;
    write_json(
        &state_path(case, id),
        &UnitState {
            state: state.into(),
            worker: worker.into(),
            attempt,
            time: jiff::Timestamp::now().to_string(),
            reason: reason.map(str::to_string),
        },
    )
}

fn read_state(case: &Path, id: &str) -> anyhow::Result<Option<UnitState>> {
    let p = state_path(case, id);
    match std::fs::read(&p) {
        Ok(d) => Ok(serde_json::from_slice(&d).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("{}", p.display())),
    }
}

/// Writes JSON through a temporary file and a rename (readers never see
/// half of it; the temporary name is unique to this process).
fn write_json<T: Serialize>(path: &Path, v: &T) -> anyhow::Result<()> {
    let tmp = PathBuf::from(format!("{}.{}.tmp", path.display(), std::process::id()));
    let mut data = serde_json::to_vec_pretty(v)?;
    data.push(b'\n');
    std::fs::write(&tmp, data).with_context(|| format!("{}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("{}", path.display()))?;
    Ok(())
}

/// Flags of `exhibit status`.
#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// Case folder.
    pub case: PathBuf,
    /// Output JSON.
    #[arg(long)]
    pub json: bool,
}

/// Whether a running unit's worker has given no sign of life (it beats four
/// times per ack wait) for two ack waits: it was most likely killed, and the
/// queue hands the unit to another worker.
fn silent_too_long(time: &str) -> bool {
    let Ok(t) = time.parse::<jiff::Timestamp>() else {
        return false;
    };
    let silent = jiff::Timestamp::now().duration_since(t);
    silent.as_secs_f64() > 2.0 * ack_wait().as_secs_f64()
}

/// `exhibit status`.
pub fn status(a: &StatusArgs) -> anyhow::Result<()> {
    let case = Case::open(&a.case)?;
    let plan_path = case.dir().join(PLAN_FILE);
    let plan: Plan = serde_json::from_slice(
        &std::fs::read(&plan_path)
            .with_context(|| format!("{}: no distributed triage here", plan_path.display()))?,
    )
    .with_context(|| format!("{}", plan_path.display()))?;
    let store = crate::store::open(case.dir())?;
    let mut rows = Vec::new();
    for u in &plan.units {
        let s = read_state(case.dir(), &u.id())?;
        let state = if u.done(&*store)? {
            "done".to_string()
        } else {
            match &s {
                Some(s) if s.state == "done" => "waiting".to_string(),
                Some(s) if s.state == "running" && silent_too_long(&s.time) => {
                    "stalled".to_string()
                }
                Some(s) => s.state.clone(),
                None => "waiting".to_string(),
            }
        };
        rows.push(serde_json::json!({
            "unit": u.id(),
            "state": state,
            "worker": s.as_ref().map(|s| s.worker.clone()),
            "attempt": s.as_ref().map(|s| s.attempt),
            "time": s.as_ref().map(|s| s.time.clone()),
            "reason": s.as_ref().and_then(|s| s.reason.clone()),
        }));
    }
    let count = |st: &str| rows.iter().filter(|r| r["state"] == st).count();
    let totals = serde_json::json!({
        "units": rows.len(),
        "done": count("done"),
        "running": count("running"),
        "waiting": count("waiting"),
        "failed": count("failed"),
        "stalled": count("stalled"),
    });
    if a.json {
        return crate::output::json(&serde_json::json!({
            "queue": plan.queue, "name": plan.name, "totals": totals, "units": rows,
        }));
    }
    println!(
        "{} units: {} done, {} running, {} stalled, {} waiting, {} failed (queue {} {})",
        rows.len(),
        totals["done"],
        totals["running"],
        totals["stalled"],
        totals["waiting"],
        totals["failed"],
        plan.queue,
        plan.name
    );
    for r in &rows {
        let mut line = format!(
            "  {:<28} {:<8}",
            r["unit"].as_str().unwrap_or(""),
            r["state"].as_str().unwrap_or("")
        );
        if let Some(w) = r["worker"].as_str() {
            line.push_str(&format!(" {w} attempt {}", r["attempt"]));
        }
        if let Some(reason) = r["reason"].as_str() {
            line.push_str(&format!(": {reason}"));
        }
        println!("{line}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_silent_for_two_ack_waits_is_stalled() {
        let now = jiff::Timestamp::now();
        assert!(!silent_too_long(&now.to_string()));
        let long_ago = now - jiff::SignedDuration::from_secs(3600);
        assert!(silent_too_long(&long_ago.to_string()));
        assert!(!silent_too_long("not a time"));
    }
}

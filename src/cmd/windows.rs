//! `exhibit windows`: Windows artefacts (event logs, registry hives,
//! prefetch, shortcuts, jump lists, recycle bin, setupapi, browser history)
//! from a file or a folder, as one timeline.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use exhibit_windows::{artefacts_from_dir, artefacts_from_path, Event};
use serde::Serialize;

/// Subcommands of `exhibit windows`.
#[derive(clap::Subcommand, Debug)]
pub enum WindowsCommand {
    /// The timeline of every artefact in a file or folder, sorted by time then source.
    Artefacts(ArtefactsArgs),
    /// Every record of an event log (EVTX or legacy EVT), in record order.
    Evtx(EvtxArgs),
}

/// Flags of `exhibit windows artefacts`.
#[derive(clap::Args, Debug)]
pub struct ArtefactsArgs {
    /// An artefact file (hive, .evtx, .pf, .lnk, INFO2, History …) or a folder of them.
    pub path: PathBuf,
    /// One JSON object per event, one a line.
    #[arg(long)]
    pub json: bool,
    /// Only events whose kind starts with this (e.g. `prefetch`, `evtx:4624`); repeatable.
    #[arg(long = "kind")]
    pub kinds: Vec<String>,
}

/// Flags of `exhibit windows evtx`.
#[derive(clap::Args, Debug)]
pub struct EvtxArgs {
    /// An .evtx or .evt file.
    pub file: PathBuf,
    /// One JSON object per record, one a line.
    #[arg(long)]
    pub json: bool,
}

/// One event as printed with `--json`.
#[derive(Serialize)]
struct Line<'a> {
    time: String,
    time_desc: &'a str,
    kind: &'a str,
    source: &'a str,
    location: &'a str,
    description: &'a str,
    fields: &'a std::collections::BTreeMap<String, String>,
}

/// Runs `exhibit windows`.
pub fn run(c: WindowsCommand) -> anyhow::Result<()> {
    match c {
        WindowsCommand::Artefacts(a) => {
            let mut events = load(&a.path)?;
            if !a.kinds.is_empty() {
                events.retain(|e| a.kinds.iter().any(|k| e.kind.starts_with(k.as_str())));
            }
            print(&events, a.json)
        }
        WindowsCommand::Evtx(a) => {
            let name = file_name(&a.file);
            let mut events = artefacts_from_path(&a.file, &name)
                .with_context(|| format!("reading {}", a.file.display()))?;
            // One line per record: its creation event, plus any gaps.
            events.retain(|e| {
                e.kind == "log:record-gap"
                    || (e.kind.starts_with("evt")
                        && e.kind != "evtx:written"
                        && e.time_desc == "created")
            });
            events.sort_by_key(|e| {
                e.fields
                    .get("record_number")
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(u64::MAX)
            });
            print(&events, a.json)
        }
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

fn load(path: &Path) -> anyhow::Result<Vec<Event>> {
    if path.is_dir() {
        let (events, errors) =
            artefacts_from_dir(path).with_context(|| format!("reading {}", path.display()))?;
        for e in errors {
            eprintln!("warning: {e}");
        }
        Ok(events)
    } else {
        artefacts_from_path(path, &file_name(path))
            .with_context(|| format!("reading {}", path.display()))
    }
}

fn print(events: &[Event], json: bool) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = (|| -> std::io::Result<()> {
        for e in events {
            if json {
                serde_json::to_writer(
                    &mut out,
                    &Line {
                        time: e.time_rfc3339(),
                        time_desc: &e.time_desc,
                        kind: &e.kind,
                        source: &e.source,
                        location: &e.location,
                        description: &e.description,
                        fields: &e.fields,
                    },
                )?;
                writeln!(out)?;
            } else {
                let t = e.time_rfc3339();
                writeln!(
                    out,
                    "{:<27} {:<14} {:<28} {}  [{} {}]",
                    if t.is_empty() { "-" } else { &t },
                    e.time_desc,
                    e.kind,
                    e.description,
                    e.source,
                    e.location
                )?;
            }
        }
        out.flush()
    })();
    crate::output::ended(result)
}

//! `exhibit windows`: Windows artefacts (event logs, registry hives,
//! prefetch, shortcuts, jump lists, recycle bin, setupapi, browser history)
//! from a file or a folder, as one timeline.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use exhibit_windows::{artefacts_from_path, render_dir, write_merged, Event, JsonLines, Rendered};

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

/// Runs `exhibit windows`.
pub fn run(c: WindowsCommand) -> anyhow::Result<()> {
    match c {
        WindowsCommand::Artefacts(a) => {
            let json = a.json;
            // Each file's events become lines on the thread that read them.
            let render = |events: Vec<Event>| {
                let kept: Vec<Event> = events
                    .into_iter()
                    .filter(|e| {
                        a.kinds.is_empty() || a.kinds.iter().any(|k| e.kind.starts_with(k.as_str()))
                    })
                    .collect();
                let mut lines = JsonLines::default();
                let mut prev = None;
                Rendered::new(&kept, |e, out| {
                    if json {
                        lines.write(e, prev, out);
                        prev = Some(e);
                    } else {
                        line(e, false, out);
                    }
                })
            };
            let parts = if a.path.is_dir() {
                let (parts, errors) = render_dir(&a.path, render)
                    .with_context(|| format!("reading {}", a.path.display()))?;
                for e in errors {
                    eprintln!("warning: {e}");
                }
                parts
            } else {
                let events = artefacts_from_path(&a.path, &file_name(&a.path))
                    .with_context(|| format!("reading {}", a.path.display()))?;
                vec![render(events)]
            };
            emit(|out| write_merged(&parts, out))
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
            emit(|out| {
                let mut buf = Vec::new();
                for e in &events {
                    buf.clear();
                    line(e, a.json, &mut buf);
                    out.write_all(&buf)?;
                }
                Ok(())
            })
        }
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Appends one event as a line: JSON, or the aligned text form.
fn line(e: &Event, json: bool, out: &mut Vec<u8>) {
    if json {
        JsonLines::default().write(e, None, out);
    } else {
        let t = e.time_rfc3339();
        let _ = writeln!(
            out,
            "{:<27} {:<14} {:<28} {}  [{} {}]",
            if t.is_empty() { "-" } else { &t },
            e.time_desc,
            e.kind,
            e.description,
            e.source,
            e.location
        );
    }
}

fn emit(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let result = write(&mut out).and_then(|_| out.flush());
    crate::output::ended(result)
}

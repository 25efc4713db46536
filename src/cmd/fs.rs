//! `mmls`, `ls`, `cat`, `timeline`: the file-system commands.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use exhibit_case::Case;
use exhibit_evidence::Source;
use exhibit_examine::{open_fs, partitions, pick, timeline, Partition};
use exhibit_vfs::{write_bodyfile_line, Entry, FileSystem, FsOptions, Recovery, Warning};

use crate::cli::{CatArgs, FsArgs, LsArgs, TimelineArgs, TimelineFormat};

pub fn mmls(image: &Path, json: bool) -> anyhow::Result<()> {
    let evidence = exhibit_evidence::open(image)?;
    let vs = exhibit_volumes::read_volume_system(&evidence, exhibit_volumes::DEFAULT_SECTOR_SIZE)?;
    if json {
        crate::output::json(&vs)?;
    } else {
        print!("{}", exhibit_volumes::render_mmls(&vs));
    }
    for w in &vs.warnings {
        eprintln!("warning: {}: {w}", image.display());
    }
    Ok(())
}

/// Opens the image, its partitions and their file systems. A partition
/// whose file system cannot be opened is reported on stderr and skipped,
/// unless it was asked for by number.
fn file_systems(args: &FsArgs) -> anyhow::Result<Vec<(Partition, Box<dyn FileSystem>)>> {
    let evidence: Arc<dyn Source> = Arc::new(exhibit_evidence::open(&args.image)?);
    let label = args
        .image
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let local_tz = jiff::tz::TimeZone::get(&args.tz)
        .with_context(|| format!("unknown time zone `{}`", args.tz))?;
    let opts = FsOptions { local_tz };
    let (_, parts) = partitions(evidence, &label)?;
    let mut out = Vec::new();
    for p in pick(parts, args.partition)? {
        match open_fs(&p, &opts) {
            Ok(fs) => out.push((p, fs)),
            Err(e) if args.partition.is_some() => return Err(e.into()),
            Err(e) => eprintln!("exhibit: {e}"),
        }
    }
    record_examined(args, &out)?;
    Ok(out)
}

fn record_examined(
    args: &FsArgs,
    opened: &[(Partition, Box<dyn FileSystem>)],
) -> anyhow::Result<()> {
    let Some(case_dir) = &args.case else {
        return Ok(());
    };
    let case = Case::open(case_dir)?;
    let record = case.evidence_by_path(&args.image)?.ok_or_else(|| {
        anyhow::anyhow!(
            "{} is not registered in the case: `exhibit evidence add` it first",
            args.image.display()
        )
    })?;
    let command: Vec<String> = std::env::args().skip(1).collect();
    let mut details = BTreeMap::from([("command".to_string(), command.join(" "))]);
    for (p, fs) in opened {
        details.insert(
            format!("partition_{}", p.number),
            format!("{} ({})", fs.kind(), p.provenance),
        );
    }
    let who = crate::output::examiner(&args.examiner, Some(&case));
    case.record_action(
        &who,
        "examined",
        Some(&record.id),
        details,
        jiff::Timestamp::now(),
    )?;
    Ok(())
}

fn listing(p: &Partition, fs: &dyn FileSystem) -> anyhow::Result<Vec<Entry>> {
    let l = fs
        .list()
        .with_context(|| format!("listing {}", p.provenance))?;
    print_warnings(p, fs, &l.warnings);
    Ok(l.entries)
}

fn print_warnings(p: &Partition, fs: &dyn FileSystem, warnings: &[Warning]) {
    for w in warnings {
        eprintln!(
            "warning: {} → {}: offset {}: {}",
            p.provenance,
            fs.kind(),
            w.offset,
            w.what
        );
    }
}

pub fn ls(args: &LsArgs) -> anyhow::Result<()> {
    let out = std::io::stdout();
    let mut out = out.lock();
    for (p, fs) in file_systems(&args.fs)? {
        let entries = listing(&p, fs.as_ref())?;
        if !args.json {
            writeln!(
                out,
                "# partition {}: {} ({})",
                p.number,
                fs.kind(),
                p.provenance
            )?;
        }
        for e in entries {
            let depth = e.path.matches('/').count();
            if (!args.recursive && depth > 1) || (args.deleted && !e.deleted) {
                continue;
            }
            if args.json {
                let v = serde_json::json!({
                    "provenance": format!("{} → {} → {}", p.provenance, fs.kind(), e.inode),
                    "partition": p.number,
                    "filesystem": fs.kind(),
                    "entry": e,
                });
                writeln!(out, "{v}")?;
            } else {
                writeln!(
                    out,
                    "{}/{} {}:\t{}{}",
                    e.name_kind.letter(),
                    e.meta_kind.letter(),
                    if e.deleted {
                        format!("* {}", e.inode)
                    } else {
                        e.inode.clone()
                    },
                    e.path,
                    if e.deleted { " (deleted)" } else { "" }
                )?;
            }
        }
    }
    Ok(())
}

pub fn cat(args: &CatArgs) -> anyhow::Result<()> {
    let systems = file_systems(&args.fs)?;
    anyhow::ensure!(
        systems.len() == 1,
        "{} file systems in the image: choose one with --partition",
        systems.len()
    );
    let Some((p, fs)) = systems.into_iter().next() else {
        anyhow::bail!("no file system found")
    };
    let inode = if args.file.starts_with('/') {
        let entries = listing(&p, fs.as_ref())?;
        let hits: Vec<&Entry> = entries.iter().filter(|e| e.path == args.file).collect();
        match hits.as_slice() {
            // A named stream belongs to the entry (`37`), not to the
            // default stream's attribute the path lists (`37-128-1`).
            [one] if args.stream.is_some() => one
                .inode
                .split('-')
                .next()
                .unwrap_or(&one.inode)
                .to_string(),
            [one] => one.inode.clone(),
            [] => anyhow::bail!("{}: no such path in {}", args.file, p.provenance),
            _ => anyhow::bail!(
                "{}: several entries have this path (deleted ones too): give the inode",
                args.file
            ),
        }
    } else {
        args.file.clone()
    };
    let data = fs
        .open(&inode, args.stream.as_deref())
        .with_context(|| format!("{} → {inode}", p.provenance))?;
    match data.recovery {
        Recovery::Certain => {}
        Recovery::Guess => {
            eprintln!("warning: {inode} is deleted: its content is a best guess and may be wrong")
        }
        Recovery::Lost => {
            eprintln!("warning: {inode} is deleted and its content is known to be overwritten")
        }
    }
    let out = std::io::stdout();
    let mut out = out.lock();
    let mut buf = vec![0u8; 1 << 20];
    let mut off = 0u64;
    while off < data.source.len() {
        let n = data.source.read_at(off, &mut buf)?;
        if n == 0 {
            break;
        }
        if let Err(e) = out.write_all(&buf[..n]) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(e.into());
        }
        off += n as u64;
    }
    Ok(())
}

pub fn timeline(args: &TimelineArgs) -> anyhow::Result<()> {
    let asked = if args.json {
        Some(TimelineFormat::Jsonl)
    } else {
        args.format
    };
    if args.fs.image.join("case.json").is_file() {
        return super::triage::timeline(
            &args.fs.image,
            asked.unwrap_or(TimelineFormat::Csv),
            args.from.as_deref(),
            args.to.as_deref(),
        );
    }
    if args.from.is_some() || args.to.is_some() {
        anyhow::bail!("--from and --to need a triaged case folder, not an image");
    }
    let format = asked.unwrap_or(TimelineFormat::Bodyfile);
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let systems = file_systems(&args.fs)?;
    if let [(p, fs)] = systems.as_slice() {
        if format == TimelineFormat::Bodyfile {
            return bodyfile(p, fs.as_ref(), &mut out);
        }
    }
    let mut all: Vec<(String, Vec<Entry>)> = Vec::new();
    for (p, fs) in systems {
        let entries = listing(&p, fs.as_ref())?;
        all.push((format!("{} → {}", p.provenance, fs.kind()), entries));
    }
    let result = match format {
        TimelineFormat::Bodyfile => all
            .iter()
            .flat_map(|(_, es)| es.iter())
            .try_for_each(|e| write_bodyfile_line(&mut out, "", e)),
        TimelineFormat::Csv | TimelineFormat::Jsonl => {
            let events = timeline::events(
                all.iter()
                    .flat_map(|(src, es)| es.iter().map(move |e| (src.as_str(), e))),
            );
            if format == TimelineFormat::Csv {
                timeline::write_csv(&mut out, &events)
            } else {
                timeline::write_jsonl(&mut out, &events)
            }
        }
    };
    crate::output::ended(result.and_then(|_| out.flush()))
}

/// Entries per batch handed from the listing to the formatting thread.
const BATCH: usize = 256;
/// Size of the pieces the body file is formatted into.
const TEXT_PIECE: usize = 1 << 20;

/// The body file of one file system, formatted on a second thread while
/// the first lists (entries are not collected, only the text). Written once
/// the listing is complete and its warnings printed, as when listing first:
/// a listing that fails writes nothing.
fn bodyfile(p: &Partition, fs: &dyn FileSystem, out: &mut impl Write) -> anyhow::Result<()> {
    let (to_format, batches) = std::sync::mpsc::sync_channel::<Vec<Entry>>(64);
    let (to_list, emptied) = std::sync::mpsc::channel::<Vec<Entry>>();
    let (listed, text) = std::thread::scope(|s| {
        let formatter = s.spawn(move || {
            let mut text: Vec<Vec<u8>> = Vec::new();
            let mut piece: Vec<u8> = Vec::with_capacity(TEXT_PIECE);
            for mut batch in batches {
                for e in &batch {
                    if piece.len() + e.path.len() + 256 > TEXT_PIECE && !piece.is_empty() {
                        text.push(std::mem::replace(
                            &mut piece,
                            Vec::with_capacity(TEXT_PIECE),
                        ));
                    }
                    // Writing to a Vec cannot fail.
                    let _ = write_bodyfile_line(&mut piece, "", e);
                }
                batch.clear();
                // The lister may be done already: the batch is then dropped.
                let _ = to_list.send(batch);
            }
            text.push(piece);
            text
        });
        let mut batch = Vec::with_capacity(BATCH);
        let listed = fs.list_each(&mut |e| {
            batch.push(e);
            if batch.len() >= BATCH {
                let next = emptied
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(BATCH));
                // The formatter ends only when this sender is dropped (or
                // if it panicked, which the join below reports).
                let _ = to_format.send(std::mem::replace(&mut batch, next));
            }
        });
        if !batch.is_empty() {
            let _ = to_format.send(batch);
        }
        drop(to_format);
        (listed, formatter.join())
    });
    let warnings = listed.with_context(|| format!("listing {}", p.provenance))?;
    print_warnings(p, fs, &warnings);
    let text = text.map_err(|_| anyhow::anyhow!("formatting the body file failed"))?;
    let result = text
        .iter()
        .try_for_each(|piece| out.write_all(piece))
        .and_then(|_| out.flush());
    crate::output::ended(result)
}

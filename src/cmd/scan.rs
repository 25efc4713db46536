//! `exhibit scan`: leads anywhere in the bytes of a source.

use std::collections::BTreeMap;

use anyhow::Context;
use exhibit_case::Case;
use exhibit_evidence::Source;
use exhibit_scan::{DirSink, Kind, ScanConfig};

use crate::cli::ScanArgs;

pub fn run(args: &ScanArgs) -> anyhow::Result<()> {
    let case = args.case.as_deref().map(Case::open).transpose()?;
    let record = match &case {
        Some(c) => Some(c.evidence_by_path(&args.source)?.ok_or_else(|| {
            anyhow::anyhow!(
                "{} is not registered in the case: `exhibit evidence add` it first",
                args.source.display()
            )
        })?),
        None => None,
    };
    let evidence = exhibit_evidence::open(&args.source)?;
    let mut cfg = ScanConfig::default();
    if !args.scanners.is_empty() {
        cfg.kinds = args
            .scanners
            .iter()
            .map(|n| Kind::from_name(n).ok_or_else(|| anyhow::anyhow!("unknown scanner `{n}`")))
            .collect::<anyhow::Result<_>>()?;
    }
    if let Some(t) = args.threads {
        cfg.threads = t;
    }
    let sink = DirSink::create(&args.out, evidence.name())
        .with_context(|| format!("creating {}", args.out.display()))?;
    let bar = crate::progress::bytes(
        evidence.len(),
        &format!("scanning {}", args.source.display()),
        args.quiet,
    );
    let started = std::time::Instant::now();
    let stats = exhibit_scan::scan_source(&evidence, &cfg, &sink, &|d| bar.set_position(d))
        .with_context(|| format!("scanning {}", args.source.display()))?;
    bar.finish_and_clear();
    let summary = sink.finish()?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}: {} bytes in {:.2} s ({:.0} MB/s), {} features",
        args.source.display(),
        evidence.len(),
        secs,
        evidence.len() as f64 / secs.max(1e-9) / 1e6,
        summary.features
    );
    for (kind, n) in &summary.by_kind {
        println!("  {kind:<8} {n}");
    }
    let _ = stats;
    if let (Some(case), Some(record)) = (&case, &record) {
        let mut details: BTreeMap<String, String> = summary
            .by_kind
            .iter()
            .map(|(k, n)| (format!("found_{k}"), n.to_string()))
            .collect();
        details.insert("output".into(), args.out.display().to_string());
        details.insert(
            "command".into(),
            std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        );
        let who = crate::output::examiner(&args.examiner, Some(case));
        case.record_action(
            &who,
            "examined",
            Some(&record.id),
            details,
            jiff::Timestamp::now(),
        )?;
    }
    Ok(())
}

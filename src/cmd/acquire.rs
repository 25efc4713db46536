use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use exhibit_acquire::{AcquireOptions, SourceIdentity};
use exhibit_case::Case;
use exhibit_evidence::{RawSource, Source};

use crate::cli::AcquireArgs;
use crate::exit::VerificationFailed;
use crate::output::examiner;

/// Parses `650M`, `2G`, `4096`, `1K` (binary units).
pub fn parse_size(text: &str) -> anyhow::Result<u64> {
    let t = text.trim();
    let (num, mult) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M') => (&t[..t.len() - 1], 1 << 20),
        Some('G') => (&t[..t.len() - 1], 1 << 30),
        Some('T') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let n: u64 = num
        .parse()
        .with_context(|| format!("bad size `{text}` (e.g. 650M, 2G, 4096)"))?;
    n.checked_mul(mult)
        .ok_or_else(|| anyhow::anyhow!("size `{text}` is too large"))
}

pub fn run(args: &AcquireArgs) -> anyhow::Result<()> {
    let case = args.case.as_deref().map(Case::open).transpose()?;
    let who = examiner(&args.examiner, case.as_ref());
    let source = RawSource::open(&args.source)?;
    let identity = SourceIdentity::probe(&args.source)?;
    let name = match &args.name {
        Some(n) => n.clone(),
        None => args
            .source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "image".into()),
    };
    let opts = AcquireOptions {
        name: name.clone(),
        segment_size: parse_size(&args.segment_size)?,
        tool: format!("exhibit {}", env!("CARGO_PKG_VERSION")),
        examiner: who.clone(),
        case_number: args
            .case_number
            .clone()
            .or_else(|| case.as_ref().map(|c| c.info().number.clone()))
            .unwrap_or_default(),
        evidence_number: args.evidence_number.clone().unwrap_or_default(),
        description: args.description.clone().unwrap_or_default(),
        ..AcquireOptions::default()
    };
    let bar = crate::progress::bytes(
        source.len(),
        &format!("acquiring {}", args.source.display()),
        args.quiet,
    );
    let log = exhibit_acquire::acquire(
        &source,
        identity,
        &args.out,
        &opts,
        &mut |d| bar.set_position(d),
        &jiff::Timestamp::now,
    )
    .with_context(|| format!("acquiring {}", args.source.display()))?;
    bar.finish_and_clear();
    if args.json {
        println!("{}", log.to_json()?);
    } else {
        print!("{}", log.to_text());
    }
    if let Some(case) = &case {
        let first = args.out.join(format!("{name}.001"));
        let details = BTreeMap::from([
            ("source".to_string(), args.source.display().to_string()),
            ("source_bytes".to_string(), log.total_bytes.to_string()),
            ("md5".to_string(), log.hashes.md5.clone()),
            ("sha1".to_string(), log.hashes.sha1.clone()),
            ("sha256".to_string(), log.hashes.sha256.clone()),
            ("segments".to_string(), log.segments.len().to_string()),
            ("read_errors".to_string(), log.read_errors.len().to_string()),
            ("tool".to_string(), log.tool.clone()),
        ]);
        let bar = crate::progress::bytes(0, "registering", args.quiet);
        let record = case.add_evidence_after(
            &first,
            &who,
            args.description.as_deref(),
            Some(("acquired", details)),
            jiff::Timestamp::now(),
            &mut |d, t| {
                bar.set_length(t);
                bar.set_position(d);
            },
        )?;
        bar.finish_and_clear();
        println!("registered the image in the case as {}", record.id);
    }
    Ok(())
}

pub fn verify(
    dir: &Path,
    case: Option<&Path>,
    who: &Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let case = case.map(Case::open).transpose()?;
    let outcome = exhibit_acquire::verify(dir, None)?;
    if json {
        crate::output::json(&outcome)?;
    } else {
        println!("{}", outcome.log_path.display());
        for (alg, hex) in [
            ("md5", &outcome.computed.hashes.md5),
            ("sha1", &outcome.computed.hashes.sha1),
            ("sha256", &outcome.computed.hashes.sha256),
        ] {
            println!("  {alg:<7} {hex}");
        }
        if outcome.ok {
            println!("verified: every segment and hash matches the acquisition log");
        }
        for p in &outcome.problems {
            println!("  PROBLEM: {p}");
        }
    }
    if let Some(case) = &case {
        let first = outcome
            .expected
            .segments
            .first()
            .map(|s| dir.join(&s.file))
            .unwrap_or_else(|| dir.to_path_buf());
        let id = case.evidence_by_path(&first)?.map(|r| r.id);
        let mut details = BTreeMap::from([
            (
                "acquisition_log".to_string(),
                outcome.log_path.display().to_string(),
            ),
            (
                "result".to_string(),
                if outcome.ok {
                    "matches".into()
                } else {
                    "MISMATCH".into()
                },
            ),
        ]);
        for (i, p) in outcome.problems.iter().enumerate() {
            details.insert(format!("problem_{}", i + 1), p.clone());
        }
        case.record_action(
            &examiner(who, Some(case)),
            "verified",
            id.as_deref(),
            details,
            jiff::Timestamp::now(),
        )?;
    }
    if !outcome.ok {
        return Err(
            VerificationFailed(format!("{} problem(s) found", outcome.problems.len())).into(),
        );
    }
    Ok(())
}

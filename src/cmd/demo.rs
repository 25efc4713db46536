//! `exhibit demo`: a training case built end to end from generated evidence.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use exhibit_acquire::{AcquireOptions, SourceIdentity};
use exhibit_case::Case;
use exhibit_evidence::RawSource;

const MARKER: &str = ".exhibit-demo";
const EXAMINER: &str = "Demo Examiner";

fn prepare(out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        let is_demo = out.join(MARKER).is_file();
        let empty = std::fs::read_dir(out)?.next().is_none();
        if !is_demo && !empty {
            anyhow::bail!(
                "{}: exists and is not an earlier demo; choose another --out",
                out.display()
            );
        }
        std::fs::remove_dir_all(out)
            .with_context(|| format!("removing the earlier demo in {}", out.display()))?;
    }
    std::fs::create_dir_all(out.join("seized"))?;
    std::fs::write(out.join(MARKER), "made by `exhibit demo`; safe to delete\n")?;
    Ok(())
}

pub fn run(out: &Path) -> anyhow::Result<()> {
    prepare(out)?;
    let now = jiff::Timestamp::now;

    // 1. The "seized device": a generated USB-stick image.
    let (image, key) = exhibit_demo::usb_stick();
    let device = out.join("seized/usb-stick.dd");
    std::fs::write(&device, &image)?;
    println!(
        "1. seized device      {} ({} bytes, generated)",
        device.display(),
        image.len()
    );

    // 2. A case.
    let case_dir = out.join("case");
    let case = Case::init(
        &case_dir,
        "Operation Golden Win (training)",
        "DEMO-2026-001",
        EXAMINER,
        now(),
    )?;
    println!(
        "2. case               {} ({})",
        case_dir.display(),
        case.info().number
    );

    // 3. Acquire it read-only into the case, in 2 MiB segments.
    let source = RawSource::open(&device)?;
    let opts = AcquireOptions {
        name: "usb-stick".into(),
        segment_size: 2 << 20,
        tool: format!("exhibit {}", env!("CARGO_PKG_VERSION")),
        examiner: EXAMINER.into(),
        case_number: case.info().number.clone(),
        evidence_number: "EXH-01".into(),
        description: "USB stick seized from the suspect".into(),
        ..AcquireOptions::default()
    };
    let images = case_dir.join("images");
    let log = exhibit_acquire::acquire(
        &source,
        SourceIdentity::probe(&device)?,
        &images,
        &opts,
        &mut |_| {},
        &now,
    )?;
    let details = BTreeMap::from([
        ("source".to_string(), device.display().to_string()),
        ("md5".to_string(), log.hashes.md5.clone()),
        ("sha256".to_string(), log.hashes.sha256.clone()),
        ("segments".to_string(), log.segments.len().to_string()),
    ]);
    let record = case.add_evidence_after(
        &images.join("usb-stick.001"),
        EXAMINER,
        Some("USB stick seized from the suspect (EXH-01)"),
        Some(("acquired", details)),
        now(),
        &mut |_, _| {},
    )?;
    println!(
        "3. acquired           {} segments, md5 {}, registered as {}",
        log.segments.len(),
        log.hashes.md5,
        record.id
    );

    // 4. Verify the acquisition and the registered evidence.
    let outcome = exhibit_acquire::verify(&images, Some("usb-stick"))?;
    anyhow::ensure!(
        outcome.ok,
        "demo acquisition does not verify: {:?}",
        outcome.problems
    );
    let mismatches = case.verify_evidence(&record.id, EXAMINER, now(), &mut |_, _| {})?;
    anyhow::ensure!(mismatches.is_empty(), "demo evidence changed");
    println!("4. verified           acquisition log and evidence hashes match");

    // 5. Triage the image (files, hashes, timeline, leads) into the case
    //    store and check the leads against the answer key.
    let store = exhibit_store::SqliteStore::open_case(case.dir())?;
    let opts = exhibit_triage::TriageOptions {
        examiner: EXAMINER.into(),
        ..Default::default()
    };
    let summary = exhibit_triage::triage(
        &case,
        &store,
        &[images.join("usb-stick.001")],
        &opts,
        &|_| {},
    )?;
    let found: std::collections::BTreeSet<(String, String)> =
        exhibit_store::CaseStore::histogram(&store, None, None)?
            .into_iter()
            .map(|h| (h.kind, h.value))
            .collect();
    let hits = key
        .planted
        .iter()
        .filter(|p| found.contains(&(p.kind.clone(), p.value.clone())))
        .count();
    println!(
        "5. triaged            {} files ({} deleted), {} timeline events, {} leads; answer key: {hits} of {} planted traces found",
        summary.files,
        summary.deleted,
        summary.events,
        summary.findings.values().sum::<u64>(),
        key.planted.len()
    );
    let enricher = crate::cmd::enrich::ReferenceArgs::default().enricher(&[])?;
    let e = exhibit_triage::enrich::enrich_case(&store, &enricher)?;
    println!(
        "   enriched           {} of {} values ({} flagged: lookalikes of protected names)",
        e.enriched, e.values, e.flagged
    );

    // 6. Sign the custody log and verify it.
    let key_path = out.join("keys/demo-examiner.key");
    std::fs::create_dir_all(out.join("keys"))?;
    let sk = exhibit_custody::generate_key(&key_path, &super::key::public_path(&key_path))?;
    let cp = exhibit_custody::checkpoint(
        &case.custody_log_path(),
        &case.checkpoints_path(),
        &sk,
        EXAMINER,
        now(),
    )?;
    let report = exhibit_custody::verify(
        &case.custody_log_path(),
        Some(&case.checkpoints_path()),
        &[sk.verifying_key()],
    )?;
    anyhow::ensure!(
        report.problems.is_empty(),
        "demo custody log does not verify"
    );
    println!(
        "6. custody            {} entries, signed tree head {}, verifies",
        cp.tree_size,
        &cp.root_hash[..16]
    );

    // 7. The answer key for the trainer.
    let answer = out.join("ANSWER-KEY.json");
    std::fs::write(&answer, serde_json::to_string_pretty(&key)? + "\n")?;
    let answers = out.join("ANSWERS.md");
    std::fs::write(&answers, key.markdown())?;
    println!(
        "7. answer key         {} and {} ({} files, {} planted traces)",
        answer.display(),
        answers.display(),
        key.files.len(),
        key.planted.len()
    );
    println!();
    println!(
        "Next: exhibit findings {0}    exhibit files {0} --deleted    exhibit search {0} bangkok    exhibit timeline {0}\n      exhibit custody show {0}    exhibit custody verify {0}",
        case_dir.display()
    );
    Ok(())
}

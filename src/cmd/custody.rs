use exhibit_case::Case;
use exhibit_custody::{checkpoint, fingerprint, load_signing_key, load_verifying_key};

use crate::cli::CustodyCommand;
use crate::exit::VerificationFailed;
use crate::output::examiner;

pub fn run(cmd: CustodyCommand) -> anyhow::Result<()> {
    match cmd {
        CustodyCommand::Show { case, json } => {
            let case = Case::open(&case)?;
            let log = exhibit_custody::CustodyLog::open(case.custody_log_path())?;
            for e in log.entries()? {
                if json {
                    println!("{}", e.to_line()?);
                } else {
                    let details: Vec<String> = e
                        .details
                        .iter()
                        .map(|(k, v)| match v {
                            serde_json::Value::String(s) => format!("{k}={s}"),
                            other => format!("{k}={other}"),
                        })
                        .collect();
                    println!(
                        "{:>4}  {}  {:<12} {:<5} {}  {}",
                        e.seq,
                        exhibit_custody::format_time(&e.time),
                        e.action,
                        e.evidence.as_deref().unwrap_or("-"),
                        e.examiner,
                        details.join(" ")
                    );
                }
            }
            Ok(())
        }
        CustodyCommand::Checkpoint {
            case,
            key,
            examiner: who,
        } => {
            let case = Case::open(&case)?;
            let key_path = key.unwrap_or_else(super::key::default_key_path);
            let sk = load_signing_key(&key_path)?;
            let who = examiner(&who, Some(&case));
            let cp = checkpoint(
                &case.custody_log_path(),
                &case.checkpoints_path(),
                &sk,
                &who,
                jiff::Timestamp::now(),
            )?;
            println!(
                "checkpoint: {} entries, root {}, signed by {} (key {})",
                cp.tree_size,
                cp.root_hash,
                who,
                fingerprint(&sk.verifying_key())
            );
            Ok(())
        }
        CustodyCommand::Verify { case, trust, json } => {
            let case = Case::open(&case)?;
            let mut keys = Vec::new();
            for p in &trust {
                keys.push(load_verifying_key(p)?);
            }
            let report = case.verify_custody(&keys)?;
            if json {
                crate::output::json(&report)?;
            } else {
                println!(
                    "custody log {}: {} entries, {} checkpoint(s)",
                    case.custody_log_path().display(),
                    report.entries,
                    report.checkpoints
                );
                for s in &report.signers {
                    println!("  signed by key {s}");
                }
                if report.problems.is_empty() {
                    println!("verified: the log is unmodified");
                } else {
                    for p in &report.problems {
                        println!("  PROBLEM: {}", p.message);
                    }
                }
            }
            if let Some(first) = report.first_problem() {
                return Err(VerificationFailed(format!(
                    "custody log does not verify: {}",
                    first.message
                ))
                .into());
            }
            Ok(())
        }
    }
}

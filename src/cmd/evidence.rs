use anyhow::Context;
use exhibit_case::{Case, EvidenceRecord};

use crate::cli::EvidenceCommand;
use crate::exit::VerificationFailed;
use crate::output::examiner;

pub fn print_list(records: &[EvidenceRecord]) {
    for r in records {
        let stored = if r.stored_hashes.is_empty() {
            String::new()
        } else if r.stored_hashes_match() {
            ", stored hashes match".into()
        } else {
            ", STORED HASH MISMATCH".into()
        };
        println!(
            "  {:<4} {} ({}, {} bytes{stored})",
            r.id,
            r.path.display(),
            r.container,
            r.size
        );
        for (alg, hex) in &r.hashes {
            println!("       {alg:<7} {hex}");
        }
    }
}

pub fn run(cmd: EvidenceCommand) -> anyhow::Result<()> {
    match cmd {
        EvidenceCommand::Add {
            case,
            path,
            description,
            examiner: who,
            quiet,
            json,
        } => {
            let case = Case::open(&case)?;
            let who = examiner(&who, Some(&case));
            let bar = crate::progress::bytes(0, &path.display().to_string(), quiet);
            let record = case
                .add_evidence(
                    &path,
                    &who,
                    description.as_deref(),
                    jiff::Timestamp::now(),
                    &mut |d, t| {
                        bar.set_length(t);
                        bar.set_position(d);
                    },
                )
                .with_context(|| format!("registering {}", path.display()))?;
            bar.finish_and_clear();
            if json {
                crate::output::json(&record)?;
            } else {
                println!("registered {} as {}", path.display(), record.id);
                print_list(std::slice::from_ref(&record));
            }
            if !record.stored_hashes_match() {
                return Err(VerificationFailed(format!(
                    "{}: the hash stored in the image does not match its media",
                    record.id
                ))
                .into());
            }
            Ok(())
        }
        EvidenceCommand::List { case, json } => {
            let records = Case::open(&case)?.evidence()?;
            if json {
                return crate::output::json(&records);
            }
            print_list(&records);
            Ok(())
        }
        EvidenceCommand::Verify {
            case,
            id,
            examiner: who,
            quiet,
        } => {
            let case = Case::open(&case)?;
            let who = examiner(&who, Some(&case));
            let ids: Vec<String> = match id {
                Some(id) => vec![id],
                None => case.evidence()?.into_iter().map(|r| r.id).collect(),
            };
            let mut failed = Vec::new();
            for id in ids {
                let bar = crate::progress::bytes(0, &id, quiet);
                let mismatches =
                    case.verify_evidence(&id, &who, jiff::Timestamp::now(), &mut |d, t| {
                        bar.set_length(t);
                        bar.set_position(d);
                    })?;
                bar.finish_and_clear();
                if mismatches.is_empty() {
                    println!("{id}: verified, hashes match the registration");
                } else {
                    for m in &mismatches {
                        println!(
                            "{id}: {} MISMATCH: registered {}, now {}",
                            m.algorithm, m.stored, m.computed
                        );
                    }
                    failed.push(id);
                }
            }
            if !failed.is_empty() {
                return Err(VerificationFailed(format!(
                    "evidence changed since registration: {}",
                    failed.join(", ")
                ))
                .into());
            }
            Ok(())
        }
    }
}

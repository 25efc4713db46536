use std::collections::BTreeMap;

use anyhow::Context;
use exhibit_case::{hash_source, stored_hash_checks};
use exhibit_evidence::Source;
use exhibit_hash::{sum_line, Algorithm};
use serde::Serialize;

use crate::cli::{HashArgs, HashFormat};
use crate::exit::VerificationFailed;

#[derive(Serialize)]
struct HashOutput {
    path: String,
    container: &'static str,
    media_bytes: u64,
    hashes: BTreeMap<String, String>,
    stored_hashes: Vec<exhibit_case::HashCheck>,
}

pub fn run(args: &HashArgs) -> anyhow::Result<()> {
    let mut algs: Vec<Algorithm> = Vec::new();
    for a in &args.algo {
        let alg: Algorithm = a
            .parse()
            .map_err(|_| anyhow::anyhow!("unknown algorithm `{a}` (md5, sha1, sha256, blake3)"))?;
        if !algs.contains(&alg) {
            algs.push(alg);
        }
    }
    let format = if args.json {
        HashFormat::Json
    } else {
        args.format
    };
    let needed = match format {
        HashFormat::Md5sum => Some(Algorithm::Md5),
        HashFormat::Sha1sum => Some(Algorithm::Sha1),
        HashFormat::Sha256sum => Some(Algorithm::Sha256),
        _ => None,
    };
    if let Some(n) = needed {
        algs = vec![n];
    }
    let mut mismatch = Vec::new();
    for path in &args.paths {
        let evidence = exhibit_evidence::open(path)?;
        let bar = crate::progress::bytes(evidence.len(), &path.display().to_string(), args.quiet);
        let digests = hash_source(&evidence, &algs, &mut |d| bar.set_position(d))
            .with_context(|| format!("hashing {}", path.display()))?;
        bar.finish_and_clear();
        let checks = stored_hash_checks(&evidence, &digests);
        if checks.iter().any(|c| !c.matches) {
            mismatch.push(path.display().to_string());
        }
        let name = path.display().to_string();
        match format {
            HashFormat::Md5sum | HashFormat::Sha1sum | HashFormat::Sha256sum => {
                let hex = needed.and_then(|a| digests.hex(a)).unwrap_or_default();
                println!("{}", sum_line(&hex, &name));
            }
            HashFormat::Json => {
                let out = HashOutput {
                    path: name,
                    container: evidence.kind().name(),
                    media_bytes: evidence.len(),
                    hashes: digests
                        .to_hex_map()
                        .into_iter()
                        .map(|(a, h)| (a.name().to_string(), h))
                        .collect(),
                    stored_hashes: checks,
                };
                println!("{}", serde_json::to_string(&out)?);
            }
            HashFormat::Text => {
                let what = if evidence.ewf().is_some() || evidence.virtual_disk().is_some() {
                    "media "
                } else {
                    ""
                };
                println!(
                    "{name} ({}, {} bytes of {what}data)",
                    evidence.kind().name(),
                    evidence.len()
                );
                for (alg, hex) in digests.to_hex_map() {
                    let note = checks
                        .iter()
                        .find(|c| c.algorithm == alg.name())
                        .map(|c| {
                            if c.matches {
                                "  stored in image: matches".to_string()
                            } else {
                                format!("  stored in image: {} MISMATCH", c.stored)
                            }
                        })
                        .unwrap_or_default();
                    println!("  {:<7} {hex}{note}", alg.name());
                }
                if evidence.ewf().is_some() && checks.is_empty() {
                    println!("  (the image stores no hash to compare with)");
                }
            }
        }
    }
    if !mismatch.is_empty() {
        return Err(VerificationFailed(format!(
            "stored hash does not match the media: {}",
            mismatch.join(", ")
        ))
        .into());
    }
    Ok(())
}

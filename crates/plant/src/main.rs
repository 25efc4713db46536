//! `exhibit-plant`: generate a ground-truth image, score a scan, convert
//! bulk_extractor output.

use std::path::PathBuf;
use std::process::ExitCode;

use exhibit_plant::{compare_table, convert_bulk_extractor, generate, parse_size, score, Error};

const USAGE: &str = "\
usage:
  exhibit-plant [generate] --size SIZE --seed N IMAGE TRUTH.jsonl
  exhibit-plant score [--json] TRUTH.jsonl FEATURES.jsonl
  exhibit-plant compare [--names A,B] TRUTH.jsonl A.jsonl B.jsonl
  exhibit-plant convert-bulk-extractor BE_OUTPUT_DIR OUT.jsonl

SIZE takes K/M/G/T (binary) suffixes. `score` exits 0 whether or not the
targets (recall and precision >= 99% per kind and form) are met; its last
line says which.";

fn run(args: Vec<String>) -> Result<(), Error> {
    let bad = |m: &str| Error::Invalid(format!("{m}\n{USAGE}"));
    let (cmd, rest) = match args.first().map(String::as_str) {
        Some("generate" | "score" | "compare" | "convert-bulk-extractor") => {
            (args[0].as_str(), &args[1..])
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => ("generate", &args[..]),
    };
    let mut positional: Vec<&str> = Vec::new();
    let mut size = None;
    let mut seed = None;
    let mut json = false;
    let mut names = (String::from("ours"), String::from("other"));
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--size" => {
                size = Some(parse_size(
                    it.next().ok_or_else(|| bad("--size needs a value"))?,
                )?)
            }
            "--seed" => {
                let v = it.next().ok_or_else(|| bad("--seed needs a value"))?;
                seed = Some(
                    v.parse::<u64>()
                        .map_err(|_| bad("--seed takes an integer"))?,
                );
            }
            "--json" => json = true,
            "--names" => {
                let v = it.next().ok_or_else(|| bad("--names needs A,B"))?;
                let (a, b) = v.split_once(',').ok_or_else(|| bad("--names needs A,B"))?;
                names = (a.to_string(), b.to_string());
            }
            s if s.starts_with("--") => return Err(bad(&format!("unknown option {s}"))),
            s => positional.push(s),
        }
    }
    match (cmd, positional.as_slice()) {
        ("generate", [image, truth]) => {
            let size = size.ok_or_else(|| bad("--size is required"))?;
            let summary = generate(
                size,
                seed.unwrap_or(42),
                &PathBuf::from(image),
                &PathBuf::from(truth),
            )?;
            println!("{}", serde_json::to_string(&summary)?);
        }
        ("score", [truth, features]) => {
            let r = score(&PathBuf::from(truth), &PathBuf::from(features))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{r}");
            }
        }
        ("compare", [truth, a, b]) => {
            let ra = score(&PathBuf::from(truth), &PathBuf::from(a))?;
            let rb = score(&PathBuf::from(truth), &PathBuf::from(b))?;
            print!("{}", compare_table((&names.0, &names.1), &ra, &rb));
        }
        ("convert-bulk-extractor", [dir, out]) => {
            let n = convert_bulk_extractor(&PathBuf::from(dir), &PathBuf::from(out))?;
            println!("{n} findings");
        }
        _ => return Err(bad("wrong arguments")),
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exhibit-plant: {e}");
            ExitCode::from(2)
        }
    }
}

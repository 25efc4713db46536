//! Hashes files with the default algorithms (MD5, SHA-1, SHA-256) in one
//! pass and prints `md5sum`-style lines, one per algorithm and file.
//!
//! Used by `bench/hash` until the `exhibit` binary exists:
//! `cargo run --release -p exhibit-hash --example multihash FILE...`
//!
//! `EXHIBIT_HASH_ALGS=md5,sha1,...` selects other algorithms.
//! For tuning, `EXHIBIT_HASH_LAYOUT="md5/sha1,sha256"` sets the worker groups
//! (`/` between groups; a trailing `@` hashes the last group on the calling
//! thread).

use std::process::ExitCode;

use exhibit_hash::{hash_file, sum_line, Algorithm, MultiHasher};

fn parse_list(s: &str) -> Result<Vec<Algorithm>, String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| x.parse::<Algorithm>().map_err(|e| e.to_string()))
        .collect()
}

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: multihash FILE...");
        return ExitCode::from(2);
    }
    let algs = match std::env::var("EXHIBIT_HASH_ALGS") {
        Ok(s) => match parse_list(&s) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("multihash: {e}");
                return ExitCode::from(2);
            }
        },
        Err(_) => Algorithm::DEFAULT.to_vec(),
    };
    let layout = std::env::var("EXHIBIT_HASH_LAYOUT").ok();
    let mut status = ExitCode::SUCCESS;
    for file in &files {
        let result = match &layout {
            None => hash_file(file, &algs, &mut |_| {})
                .map(|(d, _)| d)
                .map_err(|e| e.to_string()),
            Some(l) => hash_with_layout(file, l),
        };
        match result {
            Ok(d) => {
                for (alg, _) in d.iter() {
                    let hex = d.hex(alg).unwrap_or_default();
                    println!("{alg} {}", sum_line(&hex, file));
                }
            }
            Err(e) => {
                eprintln!("multihash: {file}: {e}");
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}

/// Hashes `file` with an explicit worker layout (for measurements).
fn hash_with_layout(file: &str, layout: &str) -> Result<exhibit_hash::Digests, String> {
    use std::io::Read;
    let (spec, on_caller) = match layout.strip_suffix('@') {
        Some(s) => (s, true),
        None => (layout, false),
    };
    let groups: Vec<Vec<Algorithm>> = spec.split('/').map(parse_list).collect::<Result<_, _>>()?;
    let refs: Vec<&[Algorithm]> = groups.iter().map(Vec::as_slice).collect();
    let mut h = if on_caller {
        MultiHasher::with_groups_last_on_caller(&refs)
    } else {
        MultiHasher::with_groups(&refs)
    };
    let mut f = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    h.try_finish().map_err(|e| e.to_string())
}

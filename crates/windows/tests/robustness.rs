//! No panics on damaged input: every test file truncated at several points
//! and with bytes overwritten is read without a panic (errors are fine).

mod common;

use exhibit_windows::artefacts_from_file;

fn files() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut dirs = vec![common::data_dir()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if !p.to_string_lossy().ends_with(".gz") {
                let rel = p
                    .strip_prefix(common::data_dir())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn truncated_and_corrupted_files_do_not_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (name, data) in files() {
        for cut in [1, 7, 64, 100, 513, 4096, 5000] {
            if cut < data.len() {
                let _ = artefacts_from_file(&name, &data[..cut]);
                let _ = artefacts_from_file(&name, &data[..data.len() - cut]);
            }
        }
        for _ in 0..3 {
            let mut d = data.clone();
            // Overwrite 64 scattered bytes, keeping the first 8 (the magic).
            for _ in 0..64 {
                let i = 8 + (next() as usize) % d.len().saturating_sub(8).max(1);
                if i < d.len() {
                    d[i] = next() as u8;
                }
            }
            let _ = artefacts_from_file(&name, &d);
        }
    }
}

//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/testdata/mail` next to the workspace, or `None` (with a note)
/// when it is not there.
pub fn testdata() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/mail"
    ));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("note: {} not found; test skipped", dir.display());
        None
    }
}

/// Every regular file under `dir`, sorted.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

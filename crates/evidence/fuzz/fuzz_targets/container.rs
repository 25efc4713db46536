//! Feeds arbitrary bytes to the container readers as an evidence file (EWF,
//! VHD, VHDX, VMDK, QCOW2, raw — detected by signature, as `exhibit` does):
//! open, then read the media end to end (16 MiB at most). Must never panic,
//! hang or allocate beyond the file's size.
#![no_main]

use exhibit_evidence::Source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("exhibit-fuzz-{}", std::process::id()));
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let path = dir.join("evidence.img");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(ev) = exhibit_evidence::open(&path) {
        let mut buf = vec![0u8; 1 << 16];
        let mut at = 0u64;
        while at < ev.len().min(16 << 20) {
            match ev.read_at(at, &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => at += n as u64,
            }
        }
    }
});

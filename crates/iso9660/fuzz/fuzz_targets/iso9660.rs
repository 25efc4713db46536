//! Feeds arbitrary bytes to the ISO 9660 reader as a volume: probe, open,
//! list, and read every entry's content. Must never panic or hang.
//!
//! Inputs shorter than the 32 KiB system area are padded with zeros, so
//! that the fuzzer's bytes land on the volume descriptors.
#![no_main]

use std::sync::Arc;

use exhibit_evidence::{EvidenceError, Source};
use libfuzzer_sys::fuzz_target;

struct Bytes(Vec<u8>);

impl Source for Bytes {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let len = self.0.len() as u64;
        if offset >= len {
            return Ok(0);
        }
        let start = offset as usize;
        let n = buf.len().min(self.0.len() - start);
        buf[..n].copy_from_slice(&self.0[start..start + n]);
        Ok(n)
    }
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn name(&self) -> &str {
        "fuzz"
    }
}

fuzz_target!(|data: &[u8]| {
    let mut image = vec![0u8; 16 * 2048];
    image.extend_from_slice(data);
    let src: Arc<dyn Source> = Arc::new(Bytes(image));
    let _ = exhibit_iso9660::probe(&*src);
    let Ok(fs) = exhibit_iso9660::open(src) else {
        return;
    };
    let _ = fs.label();
    let Ok(listing) = fs.list() else {
        return;
    };
    let mut buf = vec![0u8; 1 << 16];
    for e in &listing.entries {
        if let Ok(d) = fs.open(&e.inode, None) {
            let mut off = 0u64;
            while off < d.source.len() {
                match d.source.read_at(off, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => off += n as u64,
                }
            }
        }
    }
});

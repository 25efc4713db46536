//! Arbitrary bytes as an ext volume: open, list, and read every listed
//! inode. Nothing may panic, hang or allocate without bound.
#![no_main]

use std::sync::Arc;

use exhibit_evidence::{EvidenceError, Source};
use libfuzzer_sys::fuzz_target;

struct Mem(Vec<u8>);

impl Source for Mem {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        if offset >= self.0.len() as u64 {
            return Ok(0);
        }
        let o = offset as usize;
        let n = buf.len().min(self.0.len() - o);
        buf[..n].copy_from_slice(&self.0[o..o + n]);
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
    let src: Arc<dyn Source> = Arc::new(Mem(data.to_vec()));
    let _ = exhibit_ext::probe(src.as_ref());
    let Ok(fs) = exhibit_ext::open(src) else {
        return;
    };
    let _ = fs.kind();
    let _ = fs.label();
    let Ok(listing) = fs.list() else {
        return;
    };
    let mut buf = vec![0u8; 1 << 16];
    for e in &listing.entries {
        let _ = exhibit_vfs::bodyfile_line("", e);
        if let Ok(file) = fs.open(&e.inode, None) {
            // Sizes can be huge and sparse: read the start and the end.
            let len = file.source.len();
            let _ = file.source.read_at(0, &mut buf);
            let _ = file.source.read_at(len.saturating_sub(100), &mut buf);
        }
    }
});

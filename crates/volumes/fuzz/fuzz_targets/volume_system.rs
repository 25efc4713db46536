//! Feeds arbitrary bytes, as a disk image, to the volume system parser with
//! a few sector sizes, and renders the result. Any panic is a bug.
#![no_main]

use exhibit_evidence::{EvidenceError, Source};
use libfuzzer_sys::fuzz_target;

/// The fuzzer's input as a read-only source.
struct Bytes<'a>(&'a [u8]);

impl Source for Bytes<'_> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.0.len());
        let n = buf.len().min(self.0.len() - start);
        buf[..n].copy_from_slice(&self.0[start..start + n]);
        Ok(n)
    }

    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn name(&self) -> &str {
        "fuzz-input"
    }
}

fuzz_target!(|data: &[u8]| {
    let source = Bytes(data);
    for sector_size in [512, 4096] {
        if let Ok(vs) = exhibit_volumes::read_volume_system(&source, sector_size) {
            let _ = exhibit_volumes::render_mmls(&vs);
        }
    }
    let _ = exhibit_volumes::read_dos(&source, 512);
    let _ = exhibit_volumes::read_gpt(&source, 512);
});

//! Feeds arbitrary bytes to the NTFS reader as a volume: open, list, and
//! read every entry's content. Must never panic or hang.
#![no_main]

use std::sync::Arc;

use exhibit_evidence::{MemSource, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src: Arc<dyn Source> = Arc::new(MemSource::new(data.to_vec(), "fuzz"));
    let _ = exhibit_ntfs::probe(&*src);
    if let Ok(fs) = exhibit_ntfs::open(src) {
        exhibit_vfs::exercise(fs.as_ref(), 16 << 20);
    }
});

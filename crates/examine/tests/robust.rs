//! Every test image, truncated and bit-flipped, through the whole chain
//! (volumes → detection → listing → every file's content): errors and
//! warnings are fine, a panic or a hang is not.

use std::path::PathBuf;
use std::sync::Arc;

use exhibit_evidence::{MemSource, Source};
use exhibit_examine::{open_fs, partitions};
use exhibit_vfs::FsOptions;

fn mem(data: Vec<u8>) -> MemSource {
    MemSource::new(data, "mem")
}

fn media(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/disk")
        .join(name);
    let ev = exhibit_evidence::open(p).unwrap();
    let mut buf = vec![0u8; ev.len() as usize];
    ev.read_exact_at(0, &mut buf).unwrap();
    buf
}

fn exercise(data: Vec<u8>) {
    if data.is_empty() {
        return;
    }
    let src: Arc<dyn Source> = Arc::new(mem(data));
    let Ok((_, parts)) = partitions(src, "mem") else {
        return;
    };
    for p in parts {
        let Ok(fs) = open_fs(&p, &FsOptions::default()) else {
            continue;
        };
        let Ok(listing) = fs.list() else { continue };
        for e in listing.entries.iter().take(2000) {
            if let Ok(data) = fs.open(&e.inode, None) {
                let mut buf = vec![0u8; 64 * 1024];
                let mut off = 0;
                while off < data.source.len().min(4 << 20) {
                    match data.source.read_at(off, &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => off += n as u64,
                    }
                }
            }
        }
    }
}

const IMAGES: &[&str] = &[
    "ext2.E01",
    "plaso-image.E01",
    "ímynd.dd",
    "tsk_volume_system.raw",
    "imageformat_mmls_1.E01",
    "dftt-6-undel-fat/6-fat-undel.dd",
    "dftt-8-jpeg-search/8-jpeg-search.dd",
    "dftt-5-fat-daylight/daylight.dd",
];

#[test]
fn truncated_images_do_not_panic() {
    for name in IMAGES {
        let full = media(name);
        for cut in [
            512,
            4096,
            65536,
            full.len() / 3,
            full.len() / 2,
            full.len() - 1,
        ] {
            if cut < full.len() {
                exercise(full[..cut].to_vec());
            }
        }
    }
}

#[test]
fn bit_flipped_images_do_not_panic() {
    for name in IMAGES {
        let full = media(name);
        // Flip bits where the structures are: the first 128 KiB, at
        // deterministic pseudo-random positions.
        let span = full.len().min(128 * 1024);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..40 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut data = full.clone();
            let pos = (x % span as u64) as usize;
            data[pos] ^= 1 << (x >> 61);
            exercise(data);
        }
    }
}

//! No input may panic the parser: every test image of ../shared/testdata/disk,
//! truncated and with single bits flipped, goes through `read_volume_system`
//! via in-memory sources.

use std::path::PathBuf;
use std::sync::Arc;

use exhibit_evidence::{EvidenceError, MemSource, Source};
use exhibit_volumes::{read_volume_system, render_mmls, VolumeSystem};

const IMAGES: &[&str] = &[
    "tsk_volume_system.raw",
    "imageformat_mmls_1.E01",
    "ext2.E01",
    "ext2.split.E01",
    "ext2.splitraw.000",
    "plaso-image.E01",
    "ímynd.dd",
    "dftt-5-fat-daylight/daylight.dd",
    "dftt-6-undel-fat/6-fat-undel.dd",
    "dftt-8-jpeg-search/8-jpeg-search.dd",
];

const HEAD: usize = 64 * 1024;

fn disk(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/disk")
        .join(name)
}

fn mem(data: Vec<u8>) -> MemSource {
    MemSource::new(data, "mem")
}

/// The real image with its first bytes replaced by an in-memory (damaged)
/// copy, so that structures further in (EBRs, backup GPT) are still read.
struct Overlay {
    head: Vec<u8>,
    base: Arc<dyn Source>,
}

impl Source for Overlay {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        if offset < self.head.len() as u64 {
            let o = offset as usize;
            let n = buf.len().min(self.head.len() - o);
            buf[..n].copy_from_slice(&self.head[o..o + n]);
            Ok(n)
        } else {
            self.base.read_at(offset, buf)
        }
    }
    fn len(&self) -> u64 {
        self.base.len()
    }
    fn name(&self) -> &str {
        "overlay"
    }
}

/// Deterministic pseudo-random numbers (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Parses and checks the invariants every result must hold.
fn check(source: &dyn Source, sector_size: u64, what: &str) -> VolumeSystem {
    let vs = read_volume_system(source, sector_size)
        .unwrap_or_else(|e| panic!("{what}: unexpected error {e}"));
    for (i, v) in vs.volumes.iter().enumerate() {
        assert_eq!(v.index, i, "{what}");
    }
    assert!(
        vs.volumes.windows(2).all(|w| w[0].start <= w[1].start),
        "{what}: rows not sorted"
    );
    let text = render_mmls(&vs);
    assert_eq!(text.lines().count(), 5 + vs.volumes.len(), "{what}");
    serde_json::to_string(&vs).unwrap();
    vs
}

#[test]
fn truncated_and_bit_flipped_images_never_panic() {
    let mut parsed = 0usize;
    for (n, image) in IMAGES.iter().enumerate() {
        let evidence: Arc<dyn Source> = Arc::new(
            exhibit_evidence::open(disk(image)).unwrap_or_else(|e| panic!("{image}: {e}")),
        );
        let head_len = HEAD.min(evidence.len() as usize);
        let mut head = vec![0u8; head_len];
        evidence.read_exact_at(0, &mut head).unwrap();

        for cut in [512usize, 1024, 4096, 34 * 512] {
            let data = head[..cut.min(head_len)].to_vec();
            for ss in [512, 4096] {
                check(
                    &mem(data.clone()),
                    ss,
                    &format!("{image} cut at {cut}, ss {ss}"),
                );
                parsed += 1;
            }
        }

        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (n as u64 + 1));
        for round in 0..200 {
            // Half the flips land in the first two sectors, where the tables
            // are; the rest anywhere in the first 64 KiB.
            let span = if round % 2 == 0 {
                1024.min(head_len)
            } else {
                head_len
            };
            let bit = rng.next() % (span as u64 * 8);
            let mut flipped = head.clone();
            flipped[(bit / 8) as usize] ^= 1 << (bit % 8);
            let what = format!("{image} bit {bit} flipped");
            check(&mem(flipped.clone()), 512, &what);
            check(
                &Overlay {
                    head: flipped,
                    base: evidence.clone(),
                },
                512,
                &what,
            );
            parsed += 2;
        }
    }
    assert_eq!(parsed, IMAGES.len() * (8 + 400));
}

#[test]
fn every_byte_of_the_tables_set_to_extremes_never_panics() {
    // Each byte of sector 0 and of the EBR of tsk_volume_system.raw set to
    // 0x00 and 0xff in turn: exercises huge starts/sizes and odd types.
    let evidence: Arc<dyn Source> =
        Arc::new(exhibit_evidence::open(disk("tsk_volume_system.raw")).unwrap());
    let mut head = vec![0u8; 352 * 512];
    evidence.read_exact_at(0, &mut head).unwrap();
    for sector in [0usize, 351] {
        for at in 446..512 {
            for value in [0x00, 0xff, 0x05, 0x0f, 0xee] {
                let mut damaged = head.clone();
                damaged[sector * 512 + at] = value;
                check(
                    &Overlay {
                        head: damaged,
                        base: evidence.clone(),
                    },
                    512,
                    &format!("sector {sector} byte {at} = {value:#x}"),
                );
            }
        }
    }
}

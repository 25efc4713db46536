//! Hostile input: truncated and bit-flipped pictures, archives and random
//! bytes never make detection, hashing, EXIF reading, carving or archive
//! walking panic.

use exhibit_media::find::{inside, FindOptions};
use exhibit_media::{carve, exif, hash_picture, CarveOptions};

fn rng(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

struct Mem(Vec<u8>);
impl exhibit_evidence::Source for Mem {
    fn read_at(
        &self,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, exhibit_evidence::EvidenceError> {
        let start = (offset as usize).min(self.0.len());
        let n = buf.len().min(self.0.len() - start);
        buf[..n].copy_from_slice(&self.0[start..start + n]);
        Ok(n)
    }
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn name(&self) -> &str {
        "mem"
    }
}

fn exercise(data: &[u8]) {
    let _ = hash_picture(data);
    let _ = exif::read(data);
    let _ = carve(&Mem(data.to_vec()), &CarveOptions::default()).unwrap();
    inside(
        "v",
        "/f",
        data,
        exhibit_media::find::Origin::File,
        false,
        &FindOptions::default(),
        0,
        &mut |_, _| {},
    );
}

#[test]
fn damaged_inputs_do_not_panic() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/media/pdq/images/"
    );
    let samples = [
        "misc/wee.jpg",
        "misc/small.jpg",
        "labelme-subset/q0003.jpg",
        "bridge-mods/square-128x128.jpg",
    ];
    let mut s = 77u64;
    for rel in samples {
        let good = std::fs::read(format!("{dir}{rel}")).unwrap();
        for cut in [
            0,
            1,
            2,
            3,
            4,
            10,
            20,
            100,
            good.len() / 3,
            good.len() / 2,
            good.len() - 1,
        ] {
            exercise(&good[..cut.min(good.len())]);
        }
        for _ in 0..40 {
            let mut bad = good.clone();
            for _ in 0..1 + rng(&mut s) % 8 {
                let i = (rng(&mut s) as usize) % bad.len();
                bad[i] ^= 1 << (rng(&mut s) % 8);
            }
            exercise(&bad);
        }
    }
    // Archive-looking and random bytes.
    let mut zipish = b"PK\x03\x04".to_vec();
    zipish.extend((0..5000).map(|_| rng(&mut s) as u8));
    zipish.extend_from_slice(
        b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0",
    );
    exercise(&zipish);
    let mut gz = vec![0x1f, 0x8b, 8, 0];
    gz.extend((0..5000).map(|_| rng(&mut s) as u8));
    exercise(&gz);
    let mut tar = vec![0u8; 1024];
    tar[257..262].copy_from_slice(b"ustar");
    tar[124..135].copy_from_slice(b"77777777777");
    exercise(&tar);
    let random: Vec<u8> = (0..200_000).map(|_| rng(&mut s) as u8).collect();
    exercise(&random);
}

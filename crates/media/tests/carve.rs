//! A raw image with pictures and a video written at odd offsets between
//! random bytes carves back byte for byte, each at its offset.

use std::io::Cursor;

use exhibit_media::{carve, CarveOptions, MediaType};

fn rng(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

fn picture(format: image::ImageFormat, w: u32, h: u32, seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            ((x * 7 + seed) % 256) as u8,
            ((y * 5 + x * seed) % 256) as u8,
            ((x ^ y) % 256) as u8,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

fn mp4() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom");
    v.extend_from_slice(b"\0\0\0\x10moov\0\0\0\x08mvhd");
    v.extend_from_slice(&(8u32 + 3000).to_be_bytes());
    v.extend_from_slice(b"mdat");
    v.extend((0..3000u32).map(|i| (i * 31 % 251) as u8));
    v
}

#[test]
fn generated_image_carves_back_byte_exact() {
    let objects = vec![
        (
            MediaType::Jpeg,
            picture(image::ImageFormat::Jpeg, 120, 90, 3),
        ),
        (MediaType::Png, picture(image::ImageFormat::Png, 77, 41, 5)),
        (MediaType::Gif, picture(image::ImageFormat::Gif, 33, 20, 9)),
        (MediaType::Bmp, picture(image::ImageFormat::Bmp, 17, 13, 11)),
        (MediaType::Mp4, mp4()),
        (
            MediaType::Jpeg,
            picture(image::ImageFormat::Jpeg, 300, 200, 13),
        ),
    ];
    let mut s = 0x1234_5678_9abc_def1u64;
    let mut disk = Vec::new();
    let mut placed = Vec::new();
    for (kind, bytes) in &objects {
        let gap = 1000 + (rng(&mut s) % 5000) as usize;
        // Random filler that cannot start a signature by chance.
        disk.extend((0..gap).map(|_| (rng(&mut s) % 200) as u8 + 0x20));
        let off = disk.len() as u64;
        assert!(!off.is_multiple_of(512), "offsets are unaligned");
        placed.push((off, *kind, bytes.clone()));
        disk.extend_from_slice(bytes);
    }
    disk.extend((0..777).map(|_| (rng(&mut s) % 256) as u8));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unalloc.raw");
    std::fs::write(&path, &disk).unwrap();
    let src = exhibit_evidence::open(&path).unwrap();
    let found = carve(&src, &CarveOptions::default()).unwrap();
    for (off, kind, bytes) in &placed {
        let c = found
            .iter()
            .find(|c| c.offset == *off)
            .unwrap_or_else(|| panic!("{kind:?} at {off} not carved: {found:?}"));
        assert_eq!(c.kind, *kind);
        assert_eq!(c.length, bytes.len() as u64, "{kind:?} at {off}");
        let got = &disk[c.offset as usize..(c.offset + c.length) as usize];
        assert_eq!(got, bytes.as_slice());
    }
    // Nothing else but what lies inside the objects.
    for c in &found {
        assert!(
            placed
                .iter()
                .any(|(o, _, b)| c.offset >= *o && c.offset < o + b.len() as u64),
            "spurious {c:?}"
        );
    }
}

#[test]
fn truncated_pictures_are_not_reported() {
    let jpeg = picture(image::ImageFormat::Jpeg, 64, 64, 1);
    let png = picture(image::ImageFormat::Png, 64, 64, 2);
    let mut disk = vec![0x41u8; 1001];
    disk.extend_from_slice(&jpeg[..jpeg.len() / 2]);
    disk.extend_from_slice(&[0x41; 100]);
    disk.extend_from_slice(&png[..png.len() - 20]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.raw");
    std::fs::write(&path, &disk).unwrap();
    let src = exhibit_evidence::open(&path).unwrap();
    let found = carve(&src, &CarveOptions::default()).unwrap();
    assert!(found.is_empty(), "{found:?}");
}

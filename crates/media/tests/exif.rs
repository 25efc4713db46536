//! EXIF fields from a real file, and a thumbnail that no longer shows the
//! picture is flagged.

use std::io::Cursor;

use exhibit_media::{exif, pdq};

const WEE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/media/pdq/images/misc/wee.jpg"
);

#[test]
fn real_file_fields() {
    let bytes = std::fs::read(WEE).unwrap();
    let (info, _) = exif::read(&bytes).unwrap();
    assert_eq!(
        info.software.as_deref(),
        Some("Adobe Photoshop CC 2014 (Macintosh)")
    );
    assert_eq!(info.captured.as_deref(), Some("2017-11-06T21:37:40"));
    assert_eq!(info.orientation, Some(1));
}

/// A little-endian TIFF block: IFD0 (Make, Model, DateTimeOriginal via an
/// EXIF IFD, GPS) and IFD1 pointing at `thumb`.
fn app1(thumb: &[u8]) -> Vec<u8> {
    let mut t: Vec<u8> = b"II*\0\x08\0\0\0".to_vec();
    // Layout: IFD0 at 8 (4 entries), EXIF IFD, GPS IFD, IFD1, then data.
    let ifd0 = 8u32;
    let ifd0_len = 2 + 4 * 12 + 4;
    let exif_ifd = ifd0 + ifd0_len;
    let exif_len = 2 + 2 * 12 + 4;
    let gps_ifd = exif_ifd + exif_len;
    let gps_len = 2 + 4 * 12 + 4;
    let ifd1 = gps_ifd + gps_len;
    let ifd1_len = 2 + 2 * 12 + 4;
    let mut data_at = ifd1 + ifd1_len;
    let mut data: Vec<u8> = Vec::new();
    let put = |bytes: &[u8], data: &mut Vec<u8>, at: &mut u32| -> u32 {
        let o = *at;
        data.extend_from_slice(bytes);
        *at += bytes.len() as u32;
        o
    };
    let entry = |t: &mut Vec<u8>, tag: u16, ty: u16, n: u32, v: u32| {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&ty.to_le_bytes());
        t.extend_from_slice(&n.to_le_bytes());
        t.extend_from_slice(&v.to_le_bytes());
    };
    let make = put(b"ExhibitCam\0", &mut data, &mut data_at);
    let model = put(b"Model 7\0", &mut data, &mut data_at);
    let time = put(b"2024:02:29 23:59:58\0", &mut data, &mut data_at);
    let serial = put(b"SN12345\0", &mut data, &mut data_at);
    let rat = |v: &[(u32, u32)]| {
        v.iter()
            .flat_map(|(a, b)| [a.to_le_bytes(), b.to_le_bytes()])
            .flatten()
            .collect::<Vec<u8>>()
    };
    let lat = put(&rat(&[(13, 1), (45, 1), (0, 1)]), &mut data, &mut data_at);
    let lon = put(&rat(&[(100, 1), (30, 1), (36, 1)]), &mut data, &mut data_at);
    let th = put(thumb, &mut data, &mut data_at);
    // IFD0
    t.extend_from_slice(&4u16.to_le_bytes());
    entry(&mut t, 0x010f, 2, 11, make);
    entry(&mut t, 0x0110, 2, 8, model);
    entry(&mut t, 0x8769, 4, 1, exif_ifd);
    entry(&mut t, 0x8825, 4, 1, gps_ifd);
    t.extend_from_slice(&ifd1.to_le_bytes());
    // EXIF IFD
    t.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut t, 0x9003, 2, 20, time);
    entry(&mut t, 0xa431, 2, 8, serial);
    t.extend_from_slice(&0u32.to_le_bytes());
    // GPS IFD
    t.extend_from_slice(&4u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut t, 0x0002, 5, 3, lat);
    entry(&mut t, 0x0003, 2, 2, u32::from_le_bytes(*b"E\0\0\0"));
    entry(&mut t, 0x0004, 5, 3, lon);
    t.extend_from_slice(&0u32.to_le_bytes());
    // IFD1
    t.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut t, 0x0201, 4, 1, th);
    entry(&mut t, 0x0202, 4, 1, thumb.len() as u32);
    t.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(t.len() as u32, ifd1 + ifd1_len);
    t.extend_from_slice(&data);
    let mut seg = vec![0xff, 0xe1];
    seg.extend_from_slice(&((t.len() + 8) as u16).to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&t);
    seg
}

fn with_exif(main: &[u8], thumb: &[u8]) -> Vec<u8> {
    let mut out = main[..2].to_vec();
    out.extend_from_slice(&app1(thumb));
    out.extend_from_slice(&main[2..]);
    out
}

#[test]
fn fields_and_edited_thumbnail() {
    let pics = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/media/pdq/images/"
    );
    let main = std::fs::read(format!("{pics}bridge-mods/aaa-orig.jpg")).unwrap();
    let small = |bytes: &[u8]| {
        let img = image::load_from_memory(bytes).unwrap().thumbnail(160, 120);
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
        out.into_inner()
    };
    let same_thumb = small(&main);
    let edited_thumb = small(&std::fs::read(format!("{pics}labelme-subset/q0122.jpg")).unwrap());
    let honest = with_exif(&main, &same_thumb);
    let main_hash = pdq::hash_image(&honest).unwrap();
    let (info, thumb) = exif::read(&honest).unwrap();
    assert_eq!(info.make.as_deref(), Some("ExhibitCam"));
    assert_eq!(info.model.as_deref(), Some("Model 7"));
    assert_eq!(info.serial.as_deref(), Some("SN12345"));
    assert_eq!(info.captured.as_deref(), Some("2024-02-29T23:59:58"));
    assert!((info.latitude.unwrap() - 13.75).abs() < 1e-9);
    assert!((info.longitude.unwrap() - 100.51).abs() < 1e-9);
    let thumb = thumb.unwrap();
    assert_eq!(thumb, same_thumb);
    eprintln!(
        "same: {:?} q={}",
        exif::thumbnail_distance(&thumb, &main_hash),
        main_hash.quality
    );
    assert!(!exif::thumbnail_differs(&thumb, &main_hash));

    let edited = with_exif(&main, &edited_thumb);
    let (_, thumb) = exif::read(&edited).unwrap();
    let d = exif::thumbnail_distance(&thumb.unwrap(), &main_hash).unwrap();
    assert!(d > pdq::MATCH_DISTANCE, "{d}");
}

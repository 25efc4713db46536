//! Parses the disk images of ../shared/testdata/disk and compares
//! `render_mmls` with the output of The Sleuth Kit's `mmls` stored next to
//! them, byte for byte.

use std::path::PathBuf;

use exhibit_volumes::{read_volume_system, render_mmls, VolumeKind, VolumeSystemKind};

fn disk(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/disk")
        .join(name)
}

fn expected(name: &str) -> String {
    let path = disk("expected").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn mmls_of(image: &str) -> (exhibit_volumes::VolumeSystem, String) {
    let evidence = exhibit_evidence::open(disk(image)).unwrap();
    let vs = read_volume_system(&evidence, 512).unwrap();
    let text = render_mmls(&vs);
    (vs, text)
}

#[test]
fn tsk_volume_system_raw_matches_mmls_exactly() {
    let (vs, text) = mmls_of("tsk_volume_system.raw");
    assert_eq!(text, expected("tsk_volume_system.raw.mmls"));
    assert_eq!(vs.kind, VolumeSystemKind::Dos);
    assert!(vs.warnings.is_empty(), "{:?}", vs.warnings);
    // The logical partition is relative to its EBR (351 + 1).
    let logical = vs
        .volumes
        .iter()
        .find(|v| v.slot.as_deref() == Some("001:000"))
        .unwrap();
    assert_eq!((logical.start, logical.length), (352, 2528));
    assert_eq!(logical.type_code, Some(0x83));
    assert_eq!(logical.byte_range(512), 352 * 512..2880 * 512);
}

#[test]
fn imageformat_mmls_1_e01_matches_mmls_exactly() {
    let (vs, text) = mmls_of("imageformat_mmls_1.E01");
    assert_eq!(text, expected("imageformat_mmls_1.E01.mmls"));
    assert_eq!(vs.kind, VolumeSystemKind::Dos);
    assert!(vs.warnings.is_empty(), "{:?}", vs.warnings);
    let allocated: Vec<_> = vs.allocated().map(|v| v.description.as_str()).collect();
    assert_eq!(allocated, ["NTFS / exFAT (0x07)", "NTFS / exFAT (0x07)"]);
}

#[test]
fn bare_file_systems_are_one_whole_volume() {
    for image in [
        "dftt-5-fat-daylight/daylight.dd",
        "dftt-6-undel-fat/6-fat-undel.dd",
        "dftt-8-jpeg-search/8-jpeg-search.dd",
        "ext2.E01",
        "ext2.split.E01",
        "ext2.splitraw.000",
        "ímynd.dd",
        "plaso-image.E01",
    ] {
        let evidence = exhibit_evidence::open(disk(image)).unwrap();
        let vs = read_volume_system(&evidence, 512).unwrap();
        assert_eq!(vs.kind, VolumeSystemKind::None, "{image}: {vs:?}");
        assert_eq!(vs.volumes.len(), 1, "{image}");
        let v = &vs.volumes[0];
        assert_eq!(v.kind, VolumeKind::Allocated);
        assert_eq!(v.start, 0);
        assert_eq!(
            v.byte_range(512).end,
            exhibit_evidence::Source::len(&evidence)
        );
        assert!(vs.warnings.is_empty(), "{image}: {:?}", vs.warnings);
    }
}

#[test]
fn json_output_carries_every_field() {
    let (vs, _) = mmls_of("tsk_volume_system.raw");
    let json = serde_json::to_value(&vs).unwrap();
    assert_eq!(json["kind"], "dos");
    assert_eq!(json["sector_size"], 512);
    let rows = json["volumes"].as_array().unwrap();
    assert_eq!(rows.len(), 7);
    assert_eq!(rows[0]["kind"], "meta");
    assert_eq!(rows[1]["kind"], "unallocated");
    assert_eq!(rows[2]["kind"], "allocated");
    assert_eq!(rows[2]["slot"], "000:000");
    assert_eq!(rows[2]["description"], "Linux (0x83)");
    assert_eq!(rows[2]["type_code"], 0x83);
    assert_eq!(rows[3]["slot"], "000:001");
    assert_eq!(rows[3]["description"], "DOS Extended (0x05)");
    assert!(json["warnings"].as_array().unwrap().is_empty());
}

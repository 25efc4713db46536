//! Image offsets back to files, checked against TSK (`istat`, `ifind -d`)
//! on the shared test images.

use std::path::PathBuf;
use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_examine::{open_fs, partitions, Area, FileMap};
use exhibit_vfs::{FsOptions, Recovery};

fn image(name: &str) -> Arc<dyn Source> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/disk")
        .join(name);
    Arc::new(exhibit_evidence::open(p).unwrap())
}

fn map(name: &str) -> (Arc<dyn Source>, FileMap) {
    let ev = image(name);
    let map = FileMap::build(ev.clone(), name).unwrap();
    (ev, map)
}

#[test]
fn ext2_file_content_maps_to_its_path() {
    // istat ext2.E01 14: /passwords.txt, 116 bytes in block 514 (1 KiB blocks)
    let (ev, map) = map("ext2.E01");
    assert_eq!(map.file_systems(), 1);
    let start = 514 * 1024;
    for k in [0u64, 1, 57, 115] {
        let hit = map.lookup(start + k).expect("in /passwords.txt");
        assert_eq!(hit.file.path, "/passwords.txt");
        assert_eq!(hit.file.inode, "14");
        assert_eq!(hit.file.partition, 1);
        assert!(!hit.file.deleted);
        assert_eq!(hit.file.recovery, Recovery::Certain);
        assert_eq!(hit.offset_in_file, k);
    }
    // slack after the 116 bytes is in no file
    assert!(map.lookup(start + 116).is_none());
    assert_eq!(map.area(start + 116), Area::Unallocated { partition: 1 });
    // ifind -d 3000: unallocated block
    assert!(map.lookup(3000 * 1024).is_none());
    assert_eq!(map.area(3000 * 1024), Area::Unallocated { partition: 1 });
    assert_eq!(map.area(ev.len()), Area::OutsidePartitions);
}

#[test]
fn fat_deleted_file_first_cluster_maps_to_it() {
    // istat 6-fat-undel.dd 4: deleted _rag1.dat, sectors 88-91;
    // ifind -d 100: _ult1.dat (entry 7), deleted, sectors 100-107
    let (_, map) = map("dftt-6-undel-fat/6-fat-undel.dd");
    let hit = map.lookup(88 * 512).expect("in _rag1.dat");
    assert_eq!(hit.file.path, "/_rag1.dat");
    assert_eq!(hit.file.inode, "4");
    assert!(hit.file.deleted);
    assert_eq!(hit.offset_in_file, 0);
    let hit = map.lookup(91 * 512 + 10).expect("in _rag1.dat");
    assert_eq!(hit.file.inode, "4");
    assert_eq!(hit.offset_in_file, 3 * 512 + 10);
    let hit = map.lookup(100 * 512 + 3).expect("in _ult1.dat");
    assert_eq!(hit.file.inode, "7");
    assert!(hit.file.deleted);
    assert_eq!(hit.offset_in_file, 3);
    // the FAT itself is a virtual file ($FAT1): not a file's content
    assert!(map.lookup(512 + 4).is_none());
}

#[test]
fn partitions_are_numbered_and_gaps_are_outside() {
    // mmls: partition 1 @ 128, partition 2 @ 55424 (NTFS, 4 KiB clusters,
    // $MFT at cluster 2560), unallocated 0-127 and 116864-122880
    let (_, map) = map("imageformat_mmls_1.E01");
    assert_eq!(map.file_systems(), 2);
    let mft = 55424 * 512 + 2560 * 4096;
    let hit = map.lookup(mft + 5).expect("in $MFT");
    assert_eq!(hit.file.partition, 2);
    assert_eq!(hit.file.path, "/$MFT");
    assert_eq!(hit.offset_in_file, 5);
    // ifind -o 55424 -d 100: 34-128-1
    let hit = map.lookup(55424 * 512 + 100 * 4096).expect("cluster 100");
    assert_eq!(hit.file.partition, 2);
    assert_eq!(hit.file.inode, "34-128-1");
    assert_eq!(map.area(64 * 512), Area::OutsidePartitions);
    assert!(map.lookup(64 * 512).is_none());
    assert_eq!(map.area(117_000 * 512), Area::OutsidePartitions);
    match map.area(200 * 512) {
        Area::File(h) => assert_eq!(h.file.partition, 1),
        Area::Unallocated { partition } => assert_eq!(partition, 1),
        other => panic!("sector 200 is in partition 1, got {other:?}"),
    }
}

/// On every test image, sampled offsets that the map puts in a file hold
/// the same byte as the file's content at `offset_in_file`.
#[test]
fn mapped_bytes_are_the_files_bytes() {
    for name in [
        "ext2.E01",
        "dftt-6-undel-fat/6-fat-undel.dd",
        "dftt-5-fat-daylight/daylight.dd",
        "dftt-8-jpeg-search/8-jpeg-search.dd",
        "imageformat_mmls_1.E01",
        "tsk_volume_system.raw",
        "plaso-image.E01",
        "ímynd.dd",
    ] {
        let Ok(ev) = exhibit_evidence::open(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/testdata/disk")
                .join(name),
        ) else {
            continue;
        };
        let ev: Arc<dyn Source> = Arc::new(ev);
        let map = FileMap::build(ev.clone(), name).unwrap();
        assert!(map.file_systems() >= 1, "{name}");
        let (_, parts) = partitions(ev.clone(), name).unwrap();
        let fss: Vec<_> = parts
            .iter()
            .map(|p| (p.number, open_fs(p, &FsOptions::default()).ok()))
            .collect();
        let mut checked = 0;
        let spans: Vec<_> = map.spans().collect();
        let pick = (spans.len() / 500).max(1);
        for (start, len, hit) in spans.into_iter().step_by(pick) {
            let Some((_, Some(fs))) = fss.iter().find(|(n, _)| *n == hit.file.partition) else {
                panic!("{name}: partition {} not opened", hit.file.partition);
            };
            let data = fs.open(&hit.file.inode, None).unwrap();
            for k in [0, len / 2, len - 1] {
                let at = start + k;
                assert_eq!(
                    map.lookup(at).map(|h| h.offset_in_file),
                    Some(hit.offset_in_file + k)
                );
                let (mut a, mut b) = ([0u8], [0u8]);
                ev.read_exact_at(at, &mut a).unwrap();
                data.source
                    .read_exact_at(hit.offset_in_file + k, &mut b)
                    .unwrap();
                assert_eq!(
                    a,
                    b,
                    "{name} @ {at}: {} + {}",
                    hit.file.path,
                    hit.offset_in_file + k
                );
                checked += 1;
            }
        }
        assert!(checked > 0, "{name}: no offset in a file");
    }
}

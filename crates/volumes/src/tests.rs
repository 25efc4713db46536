//! Unit tests on synthetic disks built in memory.

use std::sync::Arc;

use exhibit_evidence::{MemSource, Source};

use crate::*;

fn mem(data: Vec<u8>) -> MemSource {
    MemSource::new(data, "mem")
}

const SS: usize = 512;

// ---------------------------------------------------------------- MBR ---

/// Writes MBR/EBR entry `i` of the table in the sector at `lba`.
fn put_entry(disk: &mut [u8], lba: u64, i: usize, ptype: u8, start: u32, size: u32) {
    let at = lba as usize * SS + 446 + 16 * i;
    disk[at] = 0;
    disk[at + 4] = ptype;
    disk[at + 8..at + 12].copy_from_slice(&start.to_le_bytes());
    disk[at + 12..at + 16].copy_from_slice(&size.to_le_bytes());
    sign(disk, lba);
}

fn sign(disk: &mut [u8], lba: u64) {
    let at = lba as usize * SS;
    disk[at + 510] = 0x55;
    disk[at + 511] = 0xaa;
}

fn rows(vs: &VolumeSystem) -> Vec<(u64, u64, &str)> {
    vs.volumes
        .iter()
        .map(|v| (v.start, v.length, v.description.as_str()))
        .collect()
}

fn has_warning(vs: &VolumeSystem, needle: &str) -> bool {
    vs.warnings.iter().any(|w| w.what.contains(needle))
}

#[test]
fn dos_with_a_chain_of_logical_partitions_renders_like_mmls() {
    let mut disk = vec![0u8; 1000 * SS];
    put_entry(&mut disk, 0, 0, 0x83, 63, 137); // 63..=199
    put_entry(&mut disk, 0, 1, 0x05, 200, 800); // extended 200..=999
                                                // EBR #1 at 200: logical at 200+63, link to base+300 = 500
    put_entry(&mut disk, 200, 0, 0x07, 63, 200);
    put_entry(&mut disk, 200, 1, 0x05, 300, 300);
    // EBR #2 at 500: logical at 500+1, end of chain
    put_entry(&mut disk, 500, 0, 0x0b, 1, 400);
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Dos);
    assert!(vs.warnings.is_empty(), "{:?}", vs.warnings);
    let expected = "\
DOS Partition Table
Offset Sector: 0
Units are in 512-byte sectors

      Slot      Start        End          Length       Description
000:  Meta      0000000000   0000000000   0000000001   Primary Table (#0)
001:  -------   0000000000   0000000062   0000000063   Unallocated
002:  000:000   0000000063   0000000199   0000000137   Linux (0x83)
003:  Meta      0000000200   0000000999   0000000800   DOS Extended (0x05)
004:  Meta      0000000200   0000000200   0000000001   Extended Table (#1)
005:  -------   0000000200   0000000262   0000000063   Unallocated
006:  001:000   0000000263   0000000462   0000000200   NTFS / exFAT (0x07)
007:  -------   0000000463   0000000500   0000000038   Unallocated
008:  Meta      0000000500   0000000799   0000000300   DOS Extended (0x05)
009:  Meta      0000000500   0000000500   0000000001   Extended Table (#2)
010:  002:000   0000000501   0000000900   0000000400   Win95 FAT32 (0x0b)
011:  -------   0000000901   0000000999   0000000099   Unallocated
";
    assert_eq!(render_mmls(&vs), expected);
    let v = &vs.volumes[10];
    assert_eq!(v.slot.as_deref(), Some("002:000"));
    assert_eq!(v.type_code, Some(0x0b));
    assert_eq!(v.kind, VolumeKind::Allocated);
    assert_eq!(vs.volumes[8].slot.as_deref(), Some("001:001"));
}

#[test]
fn ebr_chain_that_loops_is_cut_with_a_warning() {
    let mut disk = vec![0u8; 1000 * SS];
    put_entry(&mut disk, 0, 0, 0x0f, 100, 900);
    put_entry(&mut disk, 100, 0, 0x83, 10, 50);
    put_entry(&mut disk, 100, 1, 0x05, 100, 400); // -> EBR at 200
    put_entry(&mut disk, 200, 0, 0x83, 10, 50);
    put_entry(&mut disk, 200, 1, 0x05, 200, 400); // -> EBR at 300
    put_entry(&mut disk, 300, 0, 0x83, 10, 50);
    put_entry(&mut disk, 300, 1, 0x05, 100, 400); // -> back to EBR at 200
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Dos);
    assert!(has_warning(&vs, "loop"), "{:?}", vs.warnings);
    let logical: Vec<u64> = vs.allocated().map(|v| v.start).collect();
    assert_eq!(logical, [110, 210, 310]);
    let tables = vs
        .volumes
        .iter()
        .filter(|v| v.description.starts_with("Extended Table"))
        .count();
    assert_eq!(tables, 3);
}

#[test]
fn ebr_self_loop_and_endless_chain_are_bounded() {
    // EBR linking to itself.
    let mut disk = vec![0u8; 300 * SS];
    put_entry(&mut disk, 0, 0, 0x05, 100, 200);
    put_entry(&mut disk, 100, 0, 0x83, 1, 10);
    put_entry(&mut disk, 100, 1, 0x05, 50, 10); // -> 150
    put_entry(&mut disk, 150, 1, 0x05, 50, 10); // -> 150 again
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert!(has_warning(&vs, "loop"), "{:?}", vs.warnings);

    // A chain longer than MAX_EXTENDED_TABLES, without a loop.
    let n = MAX_EXTENDED_TABLES as u32 + 50;
    let mut disk = vec![0u8; (2 * n as usize + 10) * SS];
    put_entry(&mut disk, 0, 0, 0x05, 2, 2 * n + 2);
    for k in 0..n {
        let ebr = 2 + 2 * u64::from(k);
        put_entry(&mut disk, ebr, 0, 0x83, 1, 1);
        put_entry(&mut disk, ebr, 1, 0x05, 2 * (k + 1), 2);
    }
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.allocated().count(), MAX_EXTENDED_TABLES);
    assert!(has_warning(&vs, "extended tables"), "{:?}", vs.warnings);
}

#[test]
fn overlapping_partitions_are_kept_with_a_warning() {
    let mut disk = vec![0u8; 1000 * SS];
    put_entry(&mut disk, 0, 0, 0x83, 100, 200); // 100..=299
    put_entry(&mut disk, 0, 1, 0x07, 150, 100); // 150..=249, inside the first
    put_entry(&mut disk, 0, 2, 0x0c, 400, 100); // 400..=499
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Dos);
    assert!(has_warning(&vs, "overlaps"), "{:?}", vs.warnings);
    assert_eq!(
        rows(&vs),
        [
            (0, 1, "Primary Table (#0)"),
            (0, 100, "Unallocated"),
            (100, 200, "Linux (0x83)"),
            (150, 100, "NTFS / exFAT (0x07)"),
            // The gap starts after the *outer* partition (see Layout::finish).
            (300, 100, "Unallocated"),
            (400, 100, "Win95 FAT32 (0x0c)"),
            (500, 500, "Unallocated"),
        ]
    );
}

#[test]
fn partition_beyond_the_end_of_a_truncated_image_is_kept_with_a_warning() {
    let mut disk = vec![0u8; 100 * SS];
    put_entry(&mut disk, 0, 0, 0x83, 63, 10_000);
    put_entry(&mut disk, 0, 1, 0x05, 5000, 100); // extended entirely beyond
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Dos);
    let linux = vs.allocated().next().unwrap();
    assert_eq!((linux.start, linux.length), (63, 10_000));
    assert_eq!(
        vs.warnings
            .iter()
            .filter(|w| w.what.contains("beyond the end"))
            .count(),
        2,
        "{:?}",
        vs.warnings
    );
    // volume_source clamps to what the image holds.
    let src: Arc<dyn Source> = Arc::new(mem(vec![0u8; 100 * SS]));
    let sub = volume_source(src, &vs, linux).unwrap();
    assert_eq!(sub.len(), 37 * 512);
}

#[test]
fn zero_length_and_type_zero_entries_are_skipped() {
    let mut disk = vec![0u8; 100 * SS];
    put_entry(&mut disk, 0, 0, 0x83, 10, 0);
    put_entry(&mut disk, 0, 1, 0x00, 10, 20);
    put_entry(&mut disk, 0, 2, 0x82, 40, 20);
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.allocated().count(), 1);
    let swap = vs.allocated().next().unwrap();
    assert_eq!(swap.slot.as_deref(), Some("000:002"));
    assert_eq!(swap.description, "Linux Swap / Solaris x86 (0x82)");
}

// -------------------------------------------------------- bare / none ---

#[test]
fn bare_file_systems_and_garbage_are_kind_none() {
    // A FAT boot sector: jump, OEM name, BPB, 0x55AA.
    let mut fat = vec![0u8; 64 * SS];
    fat[..3].copy_from_slice(&[0xeb, 0x3c, 0x90]);
    fat[3..11].copy_from_slice(b"MSDOS5.0");
    fat[11..13].copy_from_slice(&512u16.to_le_bytes());
    sign(&mut fat, 0);
    // mkfs.fat style: OEM not in mmls's list, boot message where the table is.
    let mut mkfs = fat.clone();
    mkfs[3..11].copy_from_slice(b"mkfs.fat");
    mkfs[0x1a0..0x1f0].copy_from_slice(&[b'x'; 0x50]);
    let mut ntfs = fat.clone();
    ntfs[3..11].copy_from_slice(b"NTFS    ");
    for (name, image) in [
        ("fat", fat),
        ("mkfs.fat", mkfs),
        ("ntfs", ntfs),
        ("zeros", vec![0u8; 10 * SS]),
        ("noise", (0..10 * SS).map(|i| (i * 7 + 3) as u8).collect()),
    ] {
        let len = image.len() as u64;
        let vs = read_volume_system(&mem(image), 512).unwrap();
        assert_eq!(vs.kind, VolumeSystemKind::None, "{name}");
        assert_eq!(vs.volumes.len(), 1);
        assert_eq!(vs.volumes[0].byte_range(512), 0..len);
        assert!(vs.warnings.is_empty(), "{name}: {:?}", vs.warnings);
    }
    // Partial last sector and tiny sources.
    let vs = read_volume_system(&mem(vec![0u8; 1000]), 512).unwrap();
    assert_eq!(vs.volumes[0].length, 2);
    let vs = read_volume_system(&mem(vec![1u8; 100]), 512).unwrap();
    assert_eq!((vs.kind, vs.volumes[0].length), (VolumeSystemKind::None, 1));
    let vs = read_volume_system(&mem(Vec::new()), 512).unwrap();
    assert!(vs.volumes.is_empty());
    assert!(render_mmls(&vs).starts_with("No Partition Table\n"));
}

#[test]
fn bad_sector_sizes_are_refused() {
    for ss in [0, 1, 256, 513, 1000, 1 << 17] {
        assert!(matches!(
            read_volume_system(&mem(vec![0; 4096]), ss),
            Err(VolumeError::BadSectorSize(s)) if s == ss
        ));
    }
}

#[test]
fn scheme_specific_readers_report_corruption() {
    let mut disk = vec![0u8; 100 * SS];
    put_entry(&mut disk, 0, 0, 0x83, 1, 50);
    assert!(matches!(
        read_gpt(&mem(disk.clone()), 512),
        Err(VolumeError::Corrupt { .. })
    ));
    assert!(read_dos(&mem(disk), 512).is_ok());
    let err = read_dos(&mem(vec![0u8; 100 * SS]), 512).unwrap_err();
    assert!(err.to_string().contains("0x55AA"), "{err}");
}

// ---------------------------------------------------------------- GPT ---

/// Parses a canonical GUID string into its on-disk (mixed-endian) bytes.
fn guid(s: &str) -> [u8; 16] {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    let b: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    [
        b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13],
        b[14], b[15],
    ]
}

const EFI: &str = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
const BASIC: &str = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";
const LINUX: &str = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

struct Part {
    type_guid: &'static str,
    first: u64,
    last: u64,
    name: &'static str,
}

/// A GPT disk of `total` sectors of `ss` bytes with a protective MBR, the
/// primary header at LBA 1 and entries at LBA 2, the backup entries and
/// header at the end, all CRCs correct.
fn gpt_disk(ss: usize, total: u64, entries: u32, entry_size: u32, parts: &[Part]) -> Vec<u8> {
    let mut disk = vec![0u8; total as usize * ss];
    // Protective MBR.
    disk[446 + 4] = 0xee;
    disk[446 + 8..446 + 12].copy_from_slice(&1u32.to_le_bytes());
    let size = u32::try_from(total - 1).unwrap_or(u32::MAX);
    disk[446 + 12..446 + 16].copy_from_slice(&size.to_le_bytes());
    disk[510] = 0x55;
    disk[511] = 0xaa;

    let array_len = entries as usize * entry_size as usize;
    let mut array = vec![0u8; array_len];
    for (i, p) in parts.iter().enumerate() {
        let e = &mut array[i * entry_size as usize..][..128];
        e[..16].copy_from_slice(&guid(p.type_guid));
        e[16..32].copy_from_slice(&[i as u8 + 1; 16]);
        e[32..40].copy_from_slice(&p.first.to_le_bytes());
        e[40..48].copy_from_slice(&p.last.to_le_bytes());
        for (k, u) in p.name.encode_utf16().enumerate() {
            e[56 + 2 * k..58 + 2 * k].copy_from_slice(&u.to_le_bytes());
        }
    }
    let array_crc = crc32fast::hash(&array);
    let array_sectors = array_len.div_ceil(ss) as u64;
    let backup_lba = total - 1;
    let backup_array = backup_lba - array_sectors;

    for (my, alt, table) in [(1, backup_lba, 2), (backup_lba, 1, backup_array)] {
        let mut h = vec![0u8; 92];
        h[..8].copy_from_slice(b"EFI PART");
        h[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        h[12..16].copy_from_slice(&92u32.to_le_bytes());
        h[24..32].copy_from_slice(&my.to_le_bytes());
        h[32..40].copy_from_slice(&alt.to_le_bytes());
        h[40..48].copy_from_slice(&(2 + array_sectors).to_le_bytes());
        h[48..56].copy_from_slice(&(backup_array - 1).to_le_bytes());
        h[56..72].copy_from_slice(&[0xd1; 16]);
        h[72..80].copy_from_slice(&table.to_le_bytes());
        h[80..84].copy_from_slice(&entries.to_le_bytes());
        h[84..88].copy_from_slice(&entry_size.to_le_bytes());
        h[88..92].copy_from_slice(&array_crc.to_le_bytes());
        let crc = crc32fast::hash(&h);
        h[16..20].copy_from_slice(&crc.to_le_bytes());
        disk[my as usize * ss..][..92].copy_from_slice(&h);
        disk[table as usize * ss..][..array_len].copy_from_slice(&array);
    }
    disk
}

fn three_partitions() -> Vec<u8> {
    gpt_disk(
        SS,
        8192,
        128,
        128,
        &[
            Part {
                type_guid: EFI,
                first: 2048,
                last: 4095,
                name: "EFI System Partition",
            },
            Part {
                type_guid: BASIC,
                first: 4096,
                last: 6143,
                name: "",
            },
            Part {
                type_guid: LINUX,
                first: 6144,
                last: 8158,
                name: "root ✓",
            },
        ],
    )
}

const THREE_PARTITIONS_MMLS: &str = "\
GUID Partition Table (EFI)
Offset Sector: 0
Units are in 512-byte sectors

      Slot      Start        End          Length       Description
000:  Meta      0000000000   0000000000   0000000001   Safety Table
001:  -------   0000000000   0000002047   0000002048   Unallocated
002:  Meta      0000000001   0000000001   0000000001   GPT Header
003:  Meta      0000000002   0000000033   0000000032   Partition Table
004:  000       0000002048   0000004095   0000002048   EFI System Partition
005:  001       0000004096   0000006143   0000002048   Basic data partition
006:  002       0000006144   0000008158   0000002015   root ✓
007:  -------   0000008159   0000008191   0000000033   Unallocated
";

#[test]
fn gpt_with_three_partitions_and_128_entries() {
    let vs = read_volume_system(&mem(three_partitions()), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Gpt);
    assert!(vs.warnings.is_empty(), "{:?}", vs.warnings);
    assert_eq!(render_mmls(&vs), THREE_PARTITIONS_MMLS);
    let parts: Vec<_> = vs.allocated().collect();
    assert_eq!(parts[0].type_guid.as_deref(), Some(EFI));
    assert_eq!(
        parts[0].guid.as_deref(),
        Some("01010101-0101-0101-0101-010101010101")
    );
    assert_eq!(parts[1].description, "Basic data partition");
    assert_eq!(gpt_type_name(LINUX), Some("Linux filesystem"));
    assert_eq!(parts[2].type_code, None);
    assert_eq!(format_guid(&guid(BASIC)), BASIC);
    // read_gpt agrees; read_dos sees the protective MBR.
    assert_eq!(read_gpt(&mem(three_partitions()), 512).unwrap(), vs);
    let dos = read_dos(&mem(three_partitions()), 512).unwrap();
    assert_eq!(
        dos.allocated().next().unwrap().description,
        "GPT Safety Partition (0xee)"
    );
}

#[test]
fn gpt_with_a_corrupted_primary_header_uses_the_backup() {
    let good = read_volume_system(&mem(three_partitions()), 512).unwrap();
    let strip = |v: &Volume| Volume {
        index: 0,
        ..v.clone()
    };
    let expected: Vec<_> = good.allocated().map(strip).collect();

    // A flipped byte in the disk GUID: the header CRC fails.
    let mut disk = three_partitions();
    disk[SS + 60] ^= 0x01;
    // And a wiped primary signature.
    let mut wiped = three_partitions();
    wiped[SS..SS + 8].fill(0);
    for (what, disk) in [("crc", disk), ("signature", wiped)] {
        let vs = read_volume_system(&mem(disk), 512).unwrap();
        assert_eq!(vs.kind, VolumeSystemKind::Gpt, "{what}");
        let got: Vec<_> = vs.allocated().map(strip).collect();
        assert_eq!(got, expected, "{what}");
        assert!(
            has_warning(&vs, "using the backup header at LBA 8191"),
            "{what}: {:?}",
            vs.warnings
        );
        let header = vs
            .volumes
            .iter()
            .find(|v| v.description == "GPT Header")
            .unwrap();
        assert_eq!(header.start, 8191);
        let table = vs
            .volumes
            .iter()
            .find(|v| v.description == "Partition Table")
            .unwrap();
        assert_eq!((table.start, table.length), (8159, 32));
    }
    let mut disk = three_partitions();
    disk[SS + 60] ^= 0x01;
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert!(
        has_warning(&vs, "fails its CRC32 check"),
        "{:?}",
        vs.warnings
    );
}

#[test]
fn gpt_with_both_headers_damaged_falls_back() {
    // Both CRCs bad but fields sane: the primary is used, with warnings.
    let mut disk = three_partitions();
    disk[SS + 60] ^= 0x01;
    disk[8191 * SS + 60] ^= 0x01;
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Gpt);
    assert_eq!(vs.allocated().count(), 3);
    assert!(
        has_warning(&vs, "using the primary header anyway"),
        "{:?}",
        vs.warnings
    );

    // Both signatures gone: the protective MBR is read as a DOS table.
    let mut disk = three_partitions();
    disk[SS..SS + 8].fill(0);
    disk[8191 * SS..8191 * SS + 8].fill(0);
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Dos);
    assert!(
        has_warning(&vs, "no GPT header was found"),
        "{:?}",
        vs.warnings
    );

    // Both headers insane (entry size 0): DOS again, saying why.
    let mut disk = three_partitions();
    disk[SS + 84..SS + 88].fill(0);
    disk[8191 * SS + 84..8191 * SS + 88].fill(0);
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Dos);
    assert!(has_warning(&vs, "entry size 0"), "{:?}", vs.warnings);
}

#[test]
fn gpt_entry_array_crc_mismatch_is_a_warning() {
    let mut disk = three_partitions();
    disk[2 * SS + 127 * 128 + 60] = b'x'; // name of an unused entry
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Gpt);
    assert_eq!(vs.allocated().count(), 3);
    assert!(
        has_warning(&vs, "entry array fails its CRC32"),
        "{:?}",
        vs.warnings
    );
}

#[test]
fn gpt_with_unusual_entry_count_and_size() {
    let parts: Vec<Part> = (0..200)
        .map(|i| Part {
            type_guid: LINUX,
            first: 200 + 10 * i,
            last: 209 + 10 * i,
            name: "p",
        })
        .collect();
    let disk = gpt_disk(SS, 4000, 200, 256, &parts);
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Gpt);
    assert!(vs.warnings.is_empty(), "{:?}", vs.warnings);
    assert_eq!(vs.allocated().count(), 200);
    let table = vs
        .volumes
        .iter()
        .find(|v| v.description == "Partition Table")
        .unwrap();
    assert_eq!(table.length, 100); // 200 × 256 bytes
    assert_eq!(vs.allocated().last().unwrap().slot.as_deref(), Some("199"));
}

#[test]
fn gpt_with_4096_byte_sectors_is_found_from_512() {
    let disk = gpt_disk(
        4096,
        1024,
        128,
        128,
        &[Part {
            type_guid: BASIC,
            first: 256,
            last: 1000,
            name: "data",
        }],
    );
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Gpt);
    assert_eq!(vs.sector_size, 4096);
    assert!(has_warning(&vs, "4096-byte sectors"), "{:?}", vs.warnings);
    let p = vs.allocated().next().unwrap();
    assert_eq!(p.byte_range(vs.sector_size), 256 * 4096..1001 * 4096);
}

#[test]
fn gpt_truncated_image_warns_about_partitions_beyond_the_end() {
    let mut disk = three_partitions();
    disk.truncate(5000 * SS);
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Gpt);
    assert_eq!(vs.allocated().count(), 3);
    assert_eq!(
        vs.warnings
            .iter()
            .filter(|w| w.what.contains("beyond the end"))
            .count(),
        2,
        "{:?}",
        vs.warnings
    );
    // Cut inside the entry array: what is there is read, the CRC is not checked.
    let mut disk = three_partitions();
    disk.truncate(3 * SS);
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Gpt);
    assert_eq!(vs.allocated().count(), 3);
    assert!(has_warning(&vs, "incomplete"), "{:?}", vs.warnings);
}

#[test]
fn gpt_without_protective_mbr_and_hybrid_mbr() {
    let mut disk = three_partitions();
    disk[..SS].fill(0);
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Gpt);
    assert!(has_warning(&vs, "no protective MBR"), "{:?}", vs.warnings);
    assert!(!vs.volumes.iter().any(|v| v.description == "Safety Table"));

    let mut disk = three_partitions();
    put_entry(&mut disk, 0, 1, 0x07, 4096, 2048);
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.kind, VolumeSystemKind::Gpt);
    assert!(has_warning(&vs, "hybrid MBR"), "{:?}", vs.warnings);
}

#[test]
fn gpt_names_with_control_characters_stay_on_one_row() {
    let disk = gpt_disk(
        SS,
        200,
        4,
        128,
        &[Part {
            type_guid: LINUX,
            first: 40,
            last: 50,
            name: "evil\nname",
        }],
    );
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    assert_eq!(vs.allocated().next().unwrap().description, "evil\nname");
    let text = render_mmls(&vs);
    assert!(text.contains("evil\\nname\n"), "{text}");
}

#[test]
fn gpt_entries_with_impossible_ranges_are_skipped_with_warnings() {
    let disk = gpt_disk(
        SS,
        200,
        4,
        128,
        &[
            Part {
                type_guid: LINUX,
                first: 60,
                last: 50,
                name: "backwards",
            },
            Part {
                type_guid: LINUX,
                first: 0,
                last: 50,
                name: "at zero",
            },
            Part {
                type_guid: LINUX,
                first: 40,
                last: u64::MAX,
                name: "huge",
            },
        ],
    );
    let vs = read_volume_system(&mem(disk), 512).unwrap();
    let parts: Vec<_> = vs.allocated().collect();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].length, u64::MAX - 39);
    assert!(has_warning(&vs, "before it starts"));
    assert!(has_warning(&vs, "starts at LBA 0"));
    assert!(has_warning(&vs, "beyond the end"));
    assert!(has_warning(&vs, "outside the usable area"));
    let _ = render_mmls(&vs);
}

#[test]
fn damaged_gpt_headers_and_entries_never_panic() {
    let small = || {
        gpt_disk(
            SS,
            300,
            128,
            128,
            &[
                Part {
                    type_guid: EFI,
                    first: 40,
                    last: 99,
                    name: "a",
                },
                Part {
                    type_guid: LINUX,
                    first: 100,
                    last: 266,
                    name: "b",
                },
            ],
        )
    };
    let base = small();
    let regions = [
        (SS, 92),          // primary header
        (2 * SS, 3 * 128), // first entries
        (299 * SS, 92),    // backup header
        (446, 66),         // protective MBR entries and signature
    ];
    let mut state = 0x1234_5678_9abc_def0u64;
    for round in 0..1200 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let (at, len) = regions[round % regions.len()];
        let bit = state % (len as u64 * 8);
        let mut disk = base.clone();
        disk[at + (bit / 8) as usize] ^= 1 << (bit % 8);
        let vs = read_volume_system(&mem(disk), 512).unwrap();
        let _ = render_mmls(&vs);
    }
    // Every header and entry byte set to extreme values, both headers at once.
    for at in 8..92 {
        for value in [0x00, 0x01, 0x7f, 0x80, 0xff] {
            let mut disk = base.clone();
            disk[SS + at] = value;
            disk[299 * SS + at] = value;
            disk[2 * SS + at] = value;
            let vs = read_volume_system(&mem(disk.clone()), 512).unwrap();
            let _ = render_mmls(&vs);
            let _ = read_gpt(&mem(disk), 512);
        }
    }
}

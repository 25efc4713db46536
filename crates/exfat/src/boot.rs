//! The boot region: main boot sector, its checksum sector, and the backup
//! boot region; the volume layout they describe.

use exhibit_evidence::Source;
use exhibit_vfs::{FsError, Warning};

/// First inode number of a directory-entry slot (as TSK's FAT code).
pub(crate) const FIRST_SLOT_INODE: u64 = 3;
/// The root directory's inode number (as in TSK).
pub(crate) const ROOT_INODE: u64 = 2;
/// A directory is at most 256 MiB (exFAT specification 6.1).
pub(crate) const MAX_DIR_BYTES: u64 = 256 << 20;

const KIND: &str = "exFAT";

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// Whether a 512-byte boot sector carries the exFAT signature: `EXFAT   `
/// at byte 3, bytes 11–63 zero (where FAT keeps its BPB), a sector size
/// shift of 9–12.
pub(crate) fn check_signature(b: &[u8]) -> Result<(), String> {
    if b.len() < 512 {
        return Err("shorter than a boot sector".into());
    }
    if &b[3..11] != b"EXFAT   " {
        return Err("no \"EXFAT   \" file system name at byte 3".into());
    }
    if b[11..64].iter().any(|&x| x != 0) {
        return Err("bytes 11-63 (MustBeZero) are not zero".into());
    }
    if !(9..=12).contains(&b[108]) {
        return Err(format!("bytes-per-sector shift {} is not 9-12", b[108]));
    }
    Ok(())
}

/// The boot checksum (exFAT specification 3.4) of the first 11 sectors of
/// a boot region, skipping VolumeFlags and PercentInUse.
pub(crate) fn boot_checksum(region: &[u8]) -> u32 {
    let mut sum = 0u32;
    for (i, &b) in region.iter().enumerate() {
        if i == 106 || i == 107 || i == 112 {
            continue;
        }
        sum = sum.rotate_right(1).wrapping_add(u32::from(b));
    }
    sum
}

/// The volume layout, in sectors and clusters.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub sector_size: u64,
    pub sectors_per_cluster: u64,
    pub cluster_size: u64,
    pub volume_sectors: u64,
    pub fat_offset: u64,
    pub fat_length: u64,
    pub heap_offset: u64,
    pub cluster_count: u32,
    pub root_cluster: u32,
    pub num_fats: u64,
    /// Which FAT and allocation bitmap are active (TexFAT: 0 or 1).
    pub active_fat: u64,
    pub serial: u32,
    pub revision: u16,
    pub volume_flags: u16,
    /// Sectors of the volume present in the evidence.
    pub image_sectors: u64,
    /// Byte offset of the boot sector used (0, or the backup's).
    pub boot_offset: u64,
}

impl Layout {
    /// Parses and checks a boot sector read at `boot_offset`.
    fn parse(b: &[u8], boot_offset: u64, image_len: u64) -> Result<Layout, FsError> {
        let corrupt = |at: u64, what: String| FsError::Corrupt {
            structure: "exFAT boot sector".into(),
            offset: boot_offset + at,
            what,
        };
        check_signature(b).map_err(|why| FsError::NotThisKind { kind: KIND, why })?;
        let bps_shift = u32::from(b[108]);
        let spc_shift = u32::from(b[109]);
        if bps_shift + spc_shift > 25 {
            return Err(corrupt(
                109,
                format!(
                    "cluster of 2^{} bytes exceeds the 32 MiB limit",
                    bps_shift + spc_shift
                ),
            ));
        }
        let sector_size = 1u64 << bps_shift;
        let sectors_per_cluster = 1u64 << spc_shift;
        let volume_sectors = le64(b, 72);
        let fat_offset = u64::from(le32(b, 80));
        let fat_length = u64::from(le32(b, 84));
        let heap_offset = u64::from(le32(b, 88));
        let mut cluster_count = le32(b, 92);
        let root_cluster = le32(b, 96);
        let num_fats = u64::from(b[110]);
        let volume_flags = le16(b, 106);
        if !(1..=2).contains(&num_fats) {
            return Err(corrupt(110, format!("{num_fats} FATs (must be 1 or 2)")));
        }
        if fat_offset < 24 || fat_length == 0 {
            return Err(corrupt(
                80,
                format!("FAT at sector {fat_offset}, {fat_length} sectors long: outside the rules (offset ≥ 24, length > 0)"),
            ));
        }
        if heap_offset < fat_offset + fat_length * num_fats {
            return Err(corrupt(
                88,
                format!(
                    "cluster heap at sector {heap_offset} overlaps the FAT(s) ending at sector {}",
                    fat_offset + fat_length * num_fats
                ),
            ));
        }
        if heap_offset >= volume_sectors {
            return Err(corrupt(
                88,
                format!("cluster heap at sector {heap_offset} is beyond the volume ({volume_sectors} sectors)"),
            ));
        }
        // The cluster count may not exceed what the volume or the FAT can hold.
        let by_volume = (volume_sectors - heap_offset) / sectors_per_cluster;
        let by_fat = (fat_length * sector_size / 4).saturating_sub(2);
        let max = by_volume.min(by_fat).min(0xFFFF_FFF5);
        if u64::from(cluster_count) > max {
            cluster_count = max as u32;
        }
        if root_cluster < 2 || u64::from(root_cluster) > u64::from(cluster_count) + 1 {
            return Err(corrupt(
                96,
                format!(
                    "root directory cluster {root_cluster} is outside clusters 2-{}",
                    u64::from(cluster_count) + 1
                ),
            ));
        }
        let active_fat = if num_fats == 2 {
            u64::from(volume_flags & 1)
        } else {
            0
        };
        Ok(Layout {
            sector_size,
            sectors_per_cluster,
            cluster_size: sector_size * sectors_per_cluster,
            volume_sectors,
            fat_offset,
            fat_length,
            heap_offset,
            cluster_count,
            root_cluster,
            num_fats,
            active_fat,
            serial: le32(b, 100),
            revision: le16(b, 104),
            volume_flags,
            image_sectors: (image_len / sector_size).min(volume_sectors),
            boot_offset,
        })
    }

    /// Reads the boot region: the main boot sector, or the backup (sector
    /// 12) when the main one is unusable; checks the boot checksum.
    pub(crate) fn read(source: &dyn Source) -> Result<(Layout, Vec<Warning>), FsError> {
        let len = source.len();
        if len < 512 {
            return Err(FsError::NotThisKind {
                kind: KIND,
                why: format!("{len} bytes, too short for a boot sector"),
            });
        }
        let mut warnings = Vec::new();
        let mut b = [0u8; 512];
        source.read_exact_at(0, &mut b)?;
        match Layout::parse(&b, 0, len) {
            Ok(layout) => {
                layout.verify_checksum(source, &mut warnings);
                layout.size_warnings(len, &mut warnings);
                Ok((layout, warnings))
            }
            Err(e) => Self::from_backup(source, e, &mut warnings).map(|l| (l, warnings)),
        }
    }

    /// The backup boot region (sector 12, whatever the sector size), when
    /// the main boot sector is unusable.
    fn from_backup(
        source: &dyn Source,
        main_err: FsError,
        warnings: &mut Vec<Warning>,
    ) -> Result<Layout, FsError> {
        let mut b = [0u8; 512];
        for shift in 9..=12u32 {
            let at = 12u64 << shift;
            if source.read_exact_at(at, &mut b).is_err() {
                break;
            }
            if check_signature(&b).is_err() || u32::from(b[108]) != shift {
                continue;
            }
            if let Ok(l) = Layout::parse(&b, at, source.len()) {
                warnings.push(Warning {
                    offset: 0,
                    what: format!(
                        "main exFAT boot sector unusable ({main_err}); using the backup boot sector at offset {at}"
                    ),
                });
                l.verify_checksum(source, warnings);
                l.size_warnings(source.len(), warnings);
                return Ok(l);
            }
        }
        Err(main_err)
    }

    fn verify_checksum(&self, source: &dyn Source, warnings: &mut Vec<Warning>) {
        let ss = self.sector_size as usize;
        let mut region = vec![0u8; 12 * ss];
        if let Err(e) = source.read_exact_at(self.boot_offset, &mut region) {
            warnings.push(Warning {
                offset: self.boot_offset,
                what: format!("exFAT boot region unreadable, checksum not verified: {e}"),
            });
            return;
        }
        let sum = boot_checksum(&region[..11 * ss]);
        let stored = &region[11 * ss..];
        let bad = stored
            .chunks_exact(4)
            .position(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) != sum);
        if let Some(i) = bad {
            let at = self.boot_offset + 11 * self.sector_size + 4 * i as u64;
            let c = &stored[4 * i..4 * i + 4];
            warnings.push(Warning {
                offset: at,
                what: format!(
                    "exFAT boot checksum sector: stored {:#010x} but sectors 0-10 sum to {sum:#010x} (boot region altered or damaged)",
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                ),
            });
        }
    }

    fn size_warnings(&self, image_len: u64, warnings: &mut Vec<Warning>) {
        let want = self.volume_sectors.saturating_mul(self.sector_size);
        if want > image_len {
            warnings.push(Warning {
                offset: image_len,
                what: format!(
                    "exFAT boot sector: the volume has {} sectors ({want} bytes) but the evidence holds {image_len} bytes (truncated image?)",
                    self.volume_sectors
                ),
            });
        }
    }

    /// Whether `c` is a cluster of the heap.
    pub(crate) fn is_cluster(&self, c: u32) -> bool {
        c >= 2 && u64::from(c) <= u64::from(self.cluster_count) + 1
    }

    /// Byte offset of cluster `c`.
    pub(crate) fn cluster_offset(&self, c: u32) -> u64 {
        (self.heap_offset + u64::from(c.saturating_sub(2)) * self.sectors_per_cluster)
            * self.sector_size
    }

    /// Byte offset of the active FAT.
    pub(crate) fn fat_start(&self) -> u64 {
        (self.fat_offset + self.active_fat * self.fat_length) * self.sector_size
    }

    /// Directory-entry slots per sector.
    pub(crate) fn entries_per_sector(&self) -> u64 {
        self.sector_size / 32
    }

    /// TSK's inode number of the 32-byte slot at byte `offset` (in the
    /// cluster heap).
    pub(crate) fn slot_inode(&self, offset: u64) -> u64 {
        let sector = offset / self.sector_size;
        sector.saturating_sub(self.heap_offset) * self.entries_per_sector()
            + (offset % self.sector_size) / 32
            + FIRST_SLOT_INODE
    }

    /// Inode of `$MBR`: one past the last slot of the sectors present in
    /// the evidence; `$FAT1`, `$FAT2` and `$OrphanFiles` follow (TSK).
    pub(crate) fn mbr_inode(&self) -> u64 {
        self.image_sectors.saturating_sub(self.heap_offset) * self.entries_per_sector()
            + FIRST_SLOT_INODE
    }

    pub(crate) fn orphan_inode(&self) -> u64 {
        self.mbr_inode() + self.num_fats + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_skips_flags_and_percent() {
        let mut region = vec![0u8; 11 * 512];
        region[0] = 0xEB;
        region[200] = 7;
        let a = boot_checksum(&region);
        region[106] = 0xFF;
        region[107] = 0x01;
        region[112] = 50;
        assert_eq!(boot_checksum(&region), a);
        region[113] = 1;
        assert_ne!(boot_checksum(&region), a);
    }

    #[test]
    fn signature() {
        let mut b = [0u8; 512];
        b[3..11].copy_from_slice(b"EXFAT   ");
        b[108] = 9;
        assert!(check_signature(&b).is_ok());
        b[20] = 1;
        assert!(check_signature(&b).is_err());
        b[20] = 0;
        b[108] = 8;
        assert!(check_signature(&b).is_err());
    }
}

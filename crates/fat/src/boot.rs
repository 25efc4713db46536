//! The boot sector (BIOS parameter block) and the volume layout derived
//! from it, with TSK's inode addressing.

use exhibit_vfs::FsError;

/// Name used in errors about the boot sector.
const BOOT: &str = "FAT boot sector";

/// Number of directory entries a FAT directory may hold (the specification's
/// limit, 65 536 entries of 32 bytes = 2 MiB).
pub(crate) const MAX_DIR_BYTES: u64 = 65_536 * 32;

/// First inode number of a directory-entry slot (TSK: 2 is the root, 3 the
/// first 32-byte slot of the data area).
pub(crate) const FIRST_SLOT_INODE: u64 = 3;

/// The root directory's inode number (as in TSK).
pub(crate) const ROOT_INODE: u64 = 2;

/// The FAT variant, decided by the number of data clusters (Microsoft's
/// rule: fewer than 4085 is FAT12, fewer than 65525 is FAT16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FatKind {
    /// 12-bit FAT entries.
    Fat12,
    /// 16-bit FAT entries.
    Fat16,
    /// 32-bit FAT entries (28 bits used).
    Fat32,
}

impl FatKind {
    /// `FAT12`, `FAT16` or `FAT32`.
    pub fn name(self) -> &'static str {
        match self {
            FatKind::Fat12 => "FAT12",
            FatKind::Fat16 => "FAT16",
            FatKind::Fat32 => "FAT32",
        }
    }

    /// Mask of the meaningful bits of a FAT entry.
    pub(crate) fn mask(self) -> u32 {
        match self {
            FatKind::Fat12 => 0x0fff,
            FatKind::Fat16 => 0xffff,
            FatKind::Fat32 => 0x0fff_ffff,
        }
    }

    /// Smallest end-of-chain value.
    pub(crate) fn eoc(self) -> u32 {
        self.mask() & 0x0fff_fff8
    }

    /// The "bad cluster" value.
    pub(crate) fn bad(self) -> u32 {
        self.mask() & 0x0fff_fff7
    }

    /// Bits per FAT entry.
    fn bits(self) -> u64 {
        match self {
            FatKind::Fat12 => 12,
            FatKind::Fat16 => 16,
            FatKind::Fat32 => 32,
        }
    }
}

/// Where everything is, in sectors of the volume.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Bytes per sector.
    pub sector_size: u64,
    /// Sectors per cluster.
    pub sectors_per_cluster: u64,
    /// Bytes per cluster.
    pub cluster_size: u64,
    /// Number of FATs.
    pub num_fats: u64,
    /// Sectors of the file system according to the boot sector.
    pub total_sectors: u64,
    /// Sectors per FAT.
    pub sectors_per_fat: u64,
    /// First sector of FAT 1 (= reserved sectors).
    pub first_fat_sector: u64,
    /// First sector after the FATs: the root directory region on FAT12/16,
    /// cluster 2 on FAT32. TSK numbers directory-entry slots from here.
    pub first_data_sector: u64,
    /// First sector of cluster 2.
    pub first_cluster_sector: u64,
    /// Number of data clusters.
    pub cluster_count: u64,
    /// Highest valid cluster number (bounded by what the FAT can address).
    pub last_cluster: u32,
    /// FAT variant.
    pub kind: FatKind,
    /// First cluster of the root directory (FAT32 only, else 0).
    pub root_cluster: u32,
    /// Sectors of the volume actually present in the evidence
    /// (TSK's `last_block_act + 1`).
    pub image_sectors: u64,
    /// Directory entries per sector.
    pub entries_per_sector: u64,
    /// Volume label from the boot sector, if set and not `NO NAME`.
    pub boot_label: Option<String>,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(s) => u16::from_le_bytes([s[0], s[1]]),
        None => 0,
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(s) => u32::from_le_bytes([s[0], s[1], s[2], s[3]]),
        None => 0,
    }
}

/// Cheap checks that the first sector is a FAT boot sector; the reason
/// when it is not.
pub(crate) fn check_signature(b: &[u8]) -> Result<(), String> {
    if b.len() < 512 {
        return Err(format!("boot sector is {} bytes, fewer than 512", b.len()));
    }
    if b[0] != 0xeb && b[0] != 0xe9 {
        return Err(format!("no x86 jump instruction (byte 0 is {:#04x})", b[0]));
    }
    let oem = &b[3..11];
    if oem == b"NTFS    " || oem == b"EXFAT   " {
        return Err(format!(
            "OEM identifier is {:?}",
            String::from_utf8_lossy(oem)
        ));
    }
    let bps = u16_at(b, 11);
    if !matches!(bps, 512 | 1024 | 2048 | 4096) {
        return Err(format!("{bps} bytes per sector"));
    }
    let spc = b[13];
    if spc == 0 || !spc.is_power_of_two() {
        return Err(format!("{spc} sectors per cluster"));
    }
    if u16_at(b, 14) == 0 {
        return Err("no reserved sectors".into());
    }
    let fats = b[16];
    if !(1..=4).contains(&fats) {
        return Err(format!("{fats} FATs"));
    }
    if u16_at(b, 19) == 0 && u32_at(b, 32) == 0 {
        return Err("total sector count is 0".into());
    }
    if u16_at(b, 22) == 0 && u32_at(b, 36) == 0 {
        return Err("sectors per FAT is 0".into());
    }
    Ok(())
}

fn label_from(raw: &[u8]) -> Option<String> {
    let s: String = raw
        .iter()
        .map(|&c| {
            if (0x20..0x7f).contains(&c) {
                c as char
            } else {
                '^'
            }
        })
        .collect();
    let s = s.trim_end().to_string();
    if s.is_empty() || s == "NO NAME" {
        None
    } else {
        Some(s)
    }
}

impl Layout {
    /// Parses the boot sector `b` of a volume of `volume_len` bytes.
    pub(crate) fn parse(b: &[u8], volume_len: u64) -> Result<Layout, FsError> {
        check_signature(b).map_err(|why| FsError::NotThisKind { kind: "FAT", why })?;
        let corrupt = |offset: u64, what: String| FsError::Corrupt {
            structure: BOOT.into(),
            offset,
            what,
        };
        let sector_size = u64::from(u16_at(b, 11));
        let sectors_per_cluster = u64::from(b[13]);
        let first_fat_sector = u64::from(u16_at(b, 14));
        let num_fats = u64::from(b[16]);
        let root_entries = u64::from(u16_at(b, 17));
        let total_sectors = match u16_at(b, 19) {
            0 => u64::from(u32_at(b, 32)),
            n => u64::from(n),
        };
        let sectors_per_fat = match u16_at(b, 22) {
            0 => u64::from(u32_at(b, 36)),
            n => u64::from(n),
        };
        if first_fat_sector > total_sectors {
            return Err(corrupt(
                14,
                format!(
                    "{first_fat_sector} reserved sectors exceed the {total_sectors} sectors of the volume"
                ),
            ));
        }
        let first_data_sector = first_fat_sector + sectors_per_fat * num_fats;
        let root_sectors = (root_entries * 32).div_ceil(sector_size);
        let first_cluster_sector = first_data_sector + root_sectors;
        if first_cluster_sector >= total_sectors {
            return Err(corrupt(
                19,
                format!(
                    "the data area would start at sector {first_cluster_sector}, past the {total_sectors} sectors of the volume"
                ),
            ));
        }
        let cluster_count = (total_sectors - first_cluster_sector) / sectors_per_cluster;
        if cluster_count == 0 {
            return Err(corrupt(13, "the volume has no data clusters".into()));
        }
        let kind = if cluster_count < 4085 {
            FatKind::Fat12
        } else if cluster_count < 65525 {
            FatKind::Fat16
        } else {
            FatKind::Fat32
        };
        let (root_cluster, label_at) = if kind == FatKind::Fat32 {
            if root_entries != 0 {
                return Err(corrupt(
                    17,
                    format!("FAT32 by cluster count but {root_entries} fixed root entries"),
                ));
            }
            (u32_at(b, 44) & kind.mask(), 71)
        } else {
            if root_entries == 0 {
                return Err(corrupt(
                    17,
                    format!(
                        "{} by cluster count but no root directory entries",
                        kind.name()
                    ),
                ));
            }
            (0, 43)
        };
        // Highest cluster: bounded by the count and by what FAT 1 can hold.
        let fat_entries = sectors_per_fat * sector_size * 8 / kind.bits();
        let by_count = cluster_count + 1;
        let last = by_count
            .min(fat_entries.saturating_sub(1))
            .min(u64::from(kind.bad() - 1));
        if last < 2 {
            return Err(corrupt(
                22,
                format!("a FAT of {sectors_per_fat} sectors cannot describe any cluster"),
            ));
        }
        let last_cluster = u32::try_from(last).unwrap_or(kind.bad() - 1);
        if kind == FatKind::Fat32 && !(2..=last_cluster).contains(&root_cluster) {
            return Err(corrupt(
                44,
                format!("root directory cluster {root_cluster} is outside 2..={last_cluster}"),
            ));
        }
        let image_sectors = total_sectors.min(volume_len / sector_size);
        let boot_label = if b.get(label_at - 5) == Some(&0x29) {
            b.get(label_at..label_at + 11).and_then(label_from)
        } else {
            None
        };
        Ok(Layout {
            sector_size,
            sectors_per_cluster,
            cluster_size: sector_size * sectors_per_cluster,
            num_fats,
            total_sectors,
            sectors_per_fat,
            first_fat_sector,
            first_data_sector,
            first_cluster_sector,
            cluster_count,
            last_cluster,
            kind,
            root_cluster,
            image_sectors,
            entries_per_sector: sector_size / 32,
            boot_label,
        })
    }

    /// Whether clusters stored for `by_count` would exceed what the FAT can
    /// address (reported as a warning by the reader).
    pub(crate) fn fat_too_small(&self) -> bool {
        u64::from(self.last_cluster) < self.cluster_count + 1
    }

    /// Number of sectors of the fixed root directory region (FAT12/16).
    pub(crate) fn root_sectors(&self) -> u64 {
        self.first_cluster_sector - self.first_data_sector
    }

    /// First sector of cluster `c` (`c >= 2`).
    pub(crate) fn cluster_sector(&self, c: u32) -> u64 {
        self.first_cluster_sector + u64::from(c.saturating_sub(2)) * self.sectors_per_cluster
    }

    /// Byte offset of cluster `c` in the volume.
    pub(crate) fn cluster_offset(&self, c: u32) -> u64 {
        self.cluster_sector(c) * self.sector_size
    }

    /// Whether `c` names a data cluster.
    pub(crate) fn is_cluster(&self, c: u32) -> bool {
        (2..=self.last_cluster).contains(&c)
    }

    /// First sector after the clustered area.
    pub(crate) fn cluster_area_end(&self) -> u64 {
        self.first_cluster_sector + self.cluster_count * self.sectors_per_cluster
    }

    /// Bytes of the data (cluster) area.
    pub(crate) fn data_area_bytes(&self) -> u64 {
        self.cluster_count * self.cluster_size
    }

    /// TSK's inode number of the first 32-byte slot of `sector`
    /// (`FATFS_SECT_2_INODE`): slots are numbered from the first sector
    /// after the FATs, starting at 3.
    pub(crate) fn sector_inode(&self, sector: u64) -> u64 {
        sector.saturating_sub(self.first_data_sector) * self.entries_per_sector + FIRST_SLOT_INODE
    }

    /// Sector and byte offset (in the volume) of the slot with inode number
    /// `inode`, if it lies in the evidence.
    pub(crate) fn slot_of(&self, inode: u64) -> Option<(u64, u64)> {
        let i = inode.checked_sub(FIRST_SLOT_INODE)?;
        let sector = self.first_data_sector + i / self.entries_per_sector;
        if sector >= self.image_sectors {
            return None;
        }
        let offset = sector * self.sector_size + (i % self.entries_per_sector) * 32;
        Some((sector, offset))
    }

    /// Inode of `$MBR`: one past the last slot of the sectors present in
    /// the evidence (TSK: `SECT_2_INODE(last_block_act + 1)`); `$FAT1`… and
    /// `$OrphanFiles` follow.
    pub(crate) fn mbr_inode(&self) -> u64 {
        self.sector_inode(self.image_sectors.max(self.first_data_sector))
    }

    /// Inode of `$OrphanFiles` (TSK: last inode, after MBR and the FATs).
    pub(crate) fn orphan_inode(&self) -> u64 {
        self.mbr_inode() + self.num_fats + 1
    }
}

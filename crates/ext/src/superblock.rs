//! The superblock and the group descriptors.

use exhibit_evidence::Source;
use exhibit_vfs::FsError;

/// Byte offset of the primary superblock in the volume.
pub(crate) const SUPERBLOCK_OFFSET: u64 = 1024;
/// Offset of `s_magic` inside the superblock.
const MAGIC_AT: usize = 56;
/// The ext2/3/4 magic number.
pub(crate) const MAGIC: u16 = 0xEF53;
/// Largest `s_log_block_size`: 1024 << 6 = 64 KiB blocks.
const MAX_LOG_BLOCK_SIZE: u32 = 6;

// Compatible features.
pub(crate) const COMPAT_HAS_JOURNAL: u32 = 0x0004;

// Incompatible features.
pub(crate) const INCOMPAT_FILETYPE: u32 = 0x0002;
pub(crate) const INCOMPAT_RECOVER: u32 = 0x0004;
pub(crate) const INCOMPAT_JOURNAL_DEV: u32 = 0x0008;
pub(crate) const INCOMPAT_META_BG: u32 = 0x0010;
pub(crate) const INCOMPAT_64BIT: u32 = 0x0080;
/// Everything ext4 introduced (extents, 64bit, mmp, flex_bg, ea_inode,
/// dirdata, csum_seed, largedir, inline_data, encrypt, casefold).
const INCOMPAT_EXT4: u32 = 0x0040
    | 0x0080
    | 0x0100
    | 0x0200
    | 0x0400
    | 0x1000
    | 0x2000
    | 0x4000
    | 0x8000
    | 0x1_0000
    | 0x2_0000;

// Read-only compatible features.
pub(crate) const RO_COMPAT_SPARSE_SUPER: u32 = 0x0001;
pub(crate) const RO_COMPAT_LARGE_FILE: u32 = 0x0002;
/// huge_file, gdt_csum, dir_nlink, extra_isize, quota, bigalloc,
/// metadata_csum: only ext4 sets these.
const RO_COMPAT_EXT4: u32 = 0x0008 | 0x0010 | 0x0020 | 0x0040 | 0x0100 | 0x0200 | 0x0400;

/// Group descriptor flag: inode table and bitmap not initialised.
pub(crate) const BG_INODE_UNINIT: u16 = 0x0001;

pub(crate) fn le16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(s) => u16::from_le_bytes([s[0], s[1]]),
        None => 0,
    }
}

pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(s) => u32::from_le_bytes([s[0], s[1], s[2], s[3]]),
        None => 0,
    }
}

fn corrupt(offset: u64, what: impl Into<String>) -> FsError {
    FsError::Corrupt {
        structure: "ext superblock".into(),
        offset,
        what: what.into(),
    }
}

/// The fields of the superblock this reader uses.
#[derive(Debug, Clone)]
pub(crate) struct Superblock {
    pub inodes_count: u32,
    pub blocks_count: u64,
    pub first_data_block: u32,
    pub block_size: u32,
    pub blocks_per_group: u32,
    pub inodes_per_group: u32,
    pub inode_size: u32,
    pub feature_compat: u32,
    pub feature_incompat: u32,
    pub feature_ro_compat: u32,
    pub volume_name: [u8; 16],
    /// Size of one group descriptor: 32, or `s_desc_size` with 64bit.
    pub desc_size: u32,
    pub first_meta_bg: u32,
    /// Number of block groups.
    pub groups: u32,
}

/// True when the source holds an ext superblock: magic 0xEF53 at byte 1080
/// and a block size between 1 KiB and 64 KiB.
pub(crate) fn probe(source: &dyn Source) -> bool {
    let mut b = [0u8; 60];
    if source.read_exact_at(SUPERBLOCK_OFFSET, &mut b).is_err() {
        return false;
    }
    le16(&b, MAGIC_AT) == MAGIC && le32(&b, 24) <= MAX_LOG_BLOCK_SIZE
}

impl Superblock {
    /// Reads and checks the primary superblock. Values that would make
    /// every later computation meaningless are refused here.
    pub(crate) fn read(source: &dyn Source) -> Result<Superblock, FsError> {
        let mut b = [0u8; 1024];
        source
            .read_exact_at(SUPERBLOCK_OFFSET, &mut b)
            .map_err(|e| FsError::NotThisKind {
                kind: "ext",
                why: format!("cannot read the superblock: {e}"),
            })?;
        if le16(&b, MAGIC_AT) != MAGIC {
            return Err(FsError::NotThisKind {
                kind: "ext",
                why: format!(
                    "no magic 0xEF53 at byte {} (found {:#06x})",
                    SUPERBLOCK_OFFSET + MAGIC_AT as u64,
                    le16(&b, MAGIC_AT)
                ),
            });
        }
        let at = |field: usize| SUPERBLOCK_OFFSET + field as u64;
        let log_block_size = le32(&b, 24);
        if log_block_size > MAX_LOG_BLOCK_SIZE {
            return Err(corrupt(
                at(24),
                format!("s_log_block_size {log_block_size} is beyond 64 KiB blocks"),
            ));
        }
        let block_size = 1024u32 << log_block_size;
        let inodes_count = le32(&b, 0);
        let blocks_lo = le32(&b, 4) as u64;
        let first_data_block = le32(&b, 20);
        let blocks_per_group = le32(&b, 32);
        let inodes_per_group = le32(&b, 40);
        let rev_level = le32(&b, 76);
        let feature_compat = le32(&b, 92);
        let feature_incompat = le32(&b, 96);
        let feature_ro_compat = le32(&b, 100);
        let mut volume_name = [0u8; 16];
        volume_name.copy_from_slice(&b[120..136]);
        let (inode_size, feature_compat, feature_incompat, feature_ro_compat) = if rev_level == 0 {
            // Revision 0 has no feature fields and 128-byte inodes.
            (128, 0, 0, 0)
        } else {
            (
                le16(&b, 88) as u32,
                feature_compat,
                feature_incompat,
                feature_ro_compat,
            )
        };
        let is64 = feature_incompat & INCOMPAT_64BIT != 0;
        let blocks_count = if is64 {
            blocks_lo | (le32(&b, 336) as u64) << 32
        } else {
            blocks_lo
        };
        let desc_size = if is64 { le16(&b, 254) as u32 } else { 32 };
        let first_meta_bg = le32(&b, 260);

        if inode_size < 128 || inode_size > block_size || !inode_size.is_power_of_two() {
            return Err(corrupt(
                at(88),
                format!("inode size {inode_size} is not a power of two between 128 and the block size {block_size}"),
            ));
        }
        if is64 && (!(64..=1024).contains(&desc_size) || !desc_size.is_power_of_two()) {
            return Err(corrupt(
                at(254),
                format!("group descriptor size {desc_size} with 64bit is not a power of two between 64 and 1024"),
            ));
        }
        let bits = block_size.saturating_mul(8);
        if blocks_per_group == 0 || blocks_per_group > bits {
            return Err(corrupt(
                at(32),
                format!("{blocks_per_group} blocks per group (1 to {bits} allowed)"),
            ));
        }
        if inodes_per_group == 0 || inodes_per_group > bits {
            return Err(corrupt(
                at(40),
                format!("{inodes_per_group} inodes per group (1 to {bits} allowed)"),
            ));
        }
        if first_data_block > 1 || (block_size > 1024 && first_data_block != 0) {
            return Err(corrupt(
                at(20),
                format!("first data block {first_data_block} with {block_size}-byte blocks"),
            ));
        }
        if blocks_count <= first_data_block as u64 {
            return Err(corrupt(at(4), format!("{blocks_count} blocks")));
        }
        // Every byte offset computed from a block number must fit, with room.
        if blocks_count
            .checked_mul(block_size as u64)
            .is_none_or(|bytes| bytes > i64::MAX as u64)
        {
            return Err(corrupt(
                at(4),
                format!("{blocks_count} blocks of {block_size} bytes overflow a 64-bit offset"),
            ));
        }
        if inodes_count < 2 {
            return Err(corrupt(
                at(0),
                format!("{inodes_count} inodes: no root directory"),
            ));
        }
        let groups_by_blocks =
            (blocks_count - first_data_block as u64).div_ceil(blocks_per_group as u64);
        let groups_by_inodes = (inodes_count as u64).div_ceil(inodes_per_group as u64);
        // Every inode must belong to a group that has a descriptor.
        if groups_by_inodes > groups_by_blocks {
            return Err(corrupt(
                at(0),
                format!(
                    "{inodes_count} inodes need {groups_by_inodes} groups of {inodes_per_group}, but {blocks_count} blocks make only {groups_by_blocks} groups"
                ),
            ));
        }
        let groups = u32::try_from(groups_by_blocks)
            .map_err(|_| corrupt(at(4), format!("{groups_by_blocks} block groups")))?;
        Ok(Superblock {
            inodes_count,
            blocks_count,
            first_data_block,
            block_size,
            blocks_per_group,
            inodes_per_group,
            inode_size,
            feature_compat,
            feature_incompat,
            feature_ro_compat,
            volume_name,
            desc_size,
            first_meta_bg,
            groups,
        })
    }

    pub(crate) fn has_incompat(&self, f: u32) -> bool {
        self.feature_incompat & f != 0
    }

    pub(crate) fn has_ro_compat(&self, f: u32) -> bool {
        self.feature_ro_compat & f != 0
    }

    /// `ext2`, `ext3` (has a journal) or `ext4` (any ext4-only feature).
    pub(crate) fn kind(&self) -> &'static str {
        if self.feature_incompat & INCOMPAT_EXT4 != 0
            || self.feature_ro_compat & RO_COMPAT_EXT4 != 0
        {
            "ext4"
        } else if self.feature_compat & COMPAT_HAS_JOURNAL != 0 {
            "ext3"
        } else {
            "ext2"
        }
    }

    /// The volume name, if set.
    pub(crate) fn label(&self) -> Option<String> {
        let end = self.volume_name.iter().position(|&c| c == 0).unwrap_or(16);
        let name = &self.volume_name[..end];
        if name.is_empty() {
            None
        } else {
            Some(String::from_utf8_lossy(name).into_owned())
        }
    }

    /// True when the group holds a backup superblock (sparse_super: groups
    /// 0, 1 and powers of 3, 5 and 7).
    fn group_has_super(&self, group: u32) -> bool {
        if !self.has_ro_compat(RO_COMPAT_SPARSE_SUPER) || group <= 1 {
            return true;
        }
        [3u32, 5, 7].iter().any(|&base| {
            let mut p = base;
            while p < group {
                match p.checked_mul(base) {
                    Some(n) => p = n,
                    None => return false,
                }
            }
            p == group
        })
    }

    /// Byte offset in the volume of the descriptor of `group`.
    pub(crate) fn descriptor_offset(&self, group: u32) -> Option<u64> {
        let bs = self.block_size as u64;
        let per_block = (self.block_size / self.desc_size) as u64;
        let g = group as u64;
        let meta_group = g / per_block;
        let block =
            if self.has_incompat(INCOMPAT_META_BG) && meta_group >= self.first_meta_bg as u64 {
                // meta_bg: each meta group's descriptors live in the first
                // block group of that meta group, after its superblock backup.
                let first = meta_group.checked_mul(per_block)?;
                let start = (self.first_data_block as u64)
                    .checked_add(first.checked_mul(self.blocks_per_group as u64)?)?;
                let first32 = u32::try_from(first).ok()?;
                start + u64::from(self.group_has_super(first32))
            } else {
                self.first_data_block as u64 + 1 + meta_group
            };
        block
            .checked_mul(bs)?
            .checked_add((g % per_block) * self.desc_size as u64)
    }
}

/// The fields of a group descriptor this reader uses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GroupDesc {
    pub inode_bitmap: u64,
    pub inode_table: u64,
    pub flags: u16,
    /// Inodes at the end of the group's table never used
    /// (`bg_itable_unused`, meaningful with group checksums).
    pub itable_unused: u32,
}

impl GroupDesc {
    pub(crate) fn parse(b: &[u8], is64: bool) -> GroupDesc {
        let hi = |at: usize| if is64 { (le32(b, at) as u64) << 32 } else { 0 };
        GroupDesc {
            inode_bitmap: le32(b, 4) as u64 | hi(36),
            inode_table: le32(b, 8) as u64 | hi(40),
            flags: le16(b, 18),
            itable_unused: le16(b, 28) as u32 | if is64 { (le16(b, 50) as u32) << 16 } else { 0 },
        }
    }
}

//! Inodes: type, owner, size, times and where the content is described.

use exhibit_vfs::{EntryKind, Times};
use jiff::Timestamp;

use crate::superblock::{le16, le32};

/// Inode flag: the content is an extent tree.
pub(crate) const FLAG_EXTENTS: u32 = 0x0008_0000;
/// Inode flag: the content is stored inside the inode (ext4 inline_data).
pub(crate) const FLAG_INLINE_DATA: u32 = 0x1000_0000;

const S_IFMT: u16 = 0xF000;
pub(crate) const S_IFIFO: u16 = 0x1000;
pub(crate) const S_IFCHR: u16 = 0x2000;
pub(crate) const S_IFDIR: u16 = 0x4000;
pub(crate) const S_IFBLK: u16 = 0x6000;
pub(crate) const S_IFREG: u16 = 0x8000;
pub(crate) const S_IFLNK: u16 = 0xA000;
pub(crate) const S_IFSOCK: u16 = 0xC000;

/// Size of `i_block`: 15 block pointers, an extent tree root, inline data
/// or a fast symlink's target.
pub(crate) const I_BLOCK_LEN: usize = 60;
const I_BLOCK_AT: usize = 40;

/// One on-disk inode, decoded.
#[derive(Debug, Clone)]
pub(crate) struct Inode {
    /// Inode number.
    pub number: u32,
    /// Byte offset of the inode in the volume.
    pub offset: u64,
    /// `i_mode`: type and permission bits.
    pub mode: u16,
    pub uid: u32,
    pub gid: u32,
    /// Size in bytes (`i_size_high` included for regular files when the
    /// file system has large_file, as TSK does).
    pub size: u64,
    pub times: Times,
    /// `i_flags`.
    pub flags: u32,
    /// `i_block`.
    pub block: [u8; I_BLOCK_LEN],
    /// The raw inode (`inode_size` bytes), for in-inode extended attributes:
    /// kept only for inodes with the inline-data flag (the only ones whose
    /// attributes are read), empty otherwise.
    pub raw: Vec<u8>,
    /// 128 + `i_extra_isize`, bounded by the inode size: where in-inode
    /// extended attributes start.
    pub extra_end: usize,
}

/// A time from its 32-bit seconds and, when stored, the ext4 `_extra`
/// field (low 2 bits extend the epoch, upper 30 bits are nanoseconds), the
/// way Linux decodes it (seconds signed).
fn decode_time(secs: u32, extra: Option<u32>) -> Option<Timestamp> {
    let mut s = secs as i32 as i64;
    let mut ns = 0i32;
    if let Some(x) = extra {
        s += ((x & 3) as i64) << 32;
        ns = (x >> 2) as i32;
        if ns > 999_999_999 {
            ns = 0;
        }
    }
    Timestamp::new(s, ns).ok()
}

impl Inode {
    /// Decodes `raw` (one inode slot). `large_file` is the superblock's
    /// RO_COMPAT_LARGE_FILE feature.
    pub(crate) fn parse(number: u32, offset: u64, raw: &[u8], large_file: bool) -> Inode {
        let b = raw;
        let mode = le16(b, 0);
        let uid = le16(b, 2) as u32 | (le16(b, 120) as u32) << 16;
        let gid = le16(b, 24) as u32 | (le16(b, 122) as u32) << 16;
        let mut size = le32(b, 4) as u64;
        if mode & S_IFMT == S_IFREG && large_file {
            size |= (le32(b, 108) as u64) << 32;
        }
        let extra_isize = if raw.len() > 128 {
            le16(b, 128) as usize
        } else {
            0
        };
        let extra_end = (128 + extra_isize).min(raw.len());
        // An `_extra` field counts only when i_extra_isize covers it.
        let extra = |at: usize| {
            if at + 4 <= extra_end {
                Some(le32(b, at))
            } else {
                None
            }
        };
        let times = Times {
            atime: decode_time(le32(b, 8), extra(140)),
            mtime: decode_time(le32(b, 16), extra(136)),
            ctime: decode_time(le32(b, 12), extra(132)),
            crtime: extra(144).and_then(|c| decode_time(c, extra(148))),
        };
        let mut block = [0u8; I_BLOCK_LEN];
        if let Some(s) = b.get(I_BLOCK_AT..I_BLOCK_AT + I_BLOCK_LEN) {
            block.copy_from_slice(s);
        }
        let flags = le32(b, 32);
        Inode {
            number,
            offset,
            mode,
            uid,
            gid,
            size,
            times,
            flags,
            block,
            raw: if flags & FLAG_INLINE_DATA != 0 {
                raw.to_vec()
            } else {
                Vec::new()
            },
            extra_end,
        }
    }

    /// The type bits of `i_mode`.
    pub(crate) fn file_type(&self) -> u16 {
        self.mode & S_IFMT
    }

    pub(crate) fn is_dir(&self) -> bool {
        self.file_type() == S_IFDIR
    }

    pub(crate) fn is_symlink(&self) -> bool {
        self.file_type() == S_IFLNK
    }

    /// Type as TSK's metadata layer names it.
    pub(crate) fn kind(&self) -> EntryKind {
        match self.file_type() {
            S_IFREG => EntryKind::File,
            S_IFDIR => EntryKind::Directory,
            S_IFLNK => EntryKind::Symlink,
            S_IFCHR => EntryKind::CharDevice,
            S_IFBLK => EntryKind::BlockDevice,
            S_IFIFO => EntryKind::Fifo,
            S_IFSOCK => EntryKind::Socket,
            _ => EntryKind::Unknown,
        }
    }

    /// Permission bits (`0o7777`).
    pub(crate) fn permissions(&self) -> u32 {
        (self.mode & 0o7777) as u32
    }

    pub(crate) fn has_flag(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    /// A fast symlink: the target sits in `i_block` (TSK's rule: a symlink
    /// without extents and shorter than 60 bytes).
    pub(crate) fn is_fast_symlink(&self) -> bool {
        self.is_symlink()
            && !self.has_flag(FLAG_EXTENTS)
            && !self.has_flag(FLAG_INLINE_DATA)
            && self.size < I_BLOCK_LEN as u64
    }

    /// Devices, FIFOs and sockets have no content (`i_block` holds device
    /// numbers, if anything).
    pub(crate) fn has_no_content(&self) -> bool {
        matches!(self.file_type(), S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK)
    }

    /// Finds the in-inode extended attribute `system.data` (inline data
    /// beyond the first 60 bytes): its byte range inside `raw` (None for
    /// inodes without the inline-data flag, whose `raw` is not kept).
    pub(crate) fn inline_xattr_value(&self) -> Option<(usize, usize)> {
        const XATTR_MAGIC: u32 = 0xEA02_0000;
        const INDEX_SYSTEM: u8 = 7;
        let start = self.extra_end;
        let end = self.raw.len();
        if start + 4 > end || le32(&self.raw, start) != XATTR_MAGIC {
            return None;
        }
        let first = start + 4;
        let mut at = first;
        // Each entry is at least 16 bytes; the loop ends within the inode.
        while at + 16 <= end {
            let name_len = self.raw[at] as usize;
            let index = self.raw[at + 1];
            if name_len == 0 && index == 0 && le32(&self.raw, at) == 0 {
                break;
            }
            let value_offs = le16(&self.raw, at + 2) as usize;
            let value_inum = le32(&self.raw, at + 4);
            let value_size = le32(&self.raw, at + 8) as usize;
            let name = self.raw.get(at + 16..at + 16 + name_len)?;
            if index == INDEX_SYSTEM && name == b"data" && value_inum == 0 {
                let vstart = first.checked_add(value_offs)?;
                let vend = vstart.checked_add(value_size)?;
                if vend <= end {
                    return Some((vstart, vend));
                }
                return None;
            }
            at += (16 + name_len).div_ceil(4) * 4;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_time_encoding() {
        // 2038-01-19T03:14:08Z is 2^31: low 32 bits negative, epoch bit 1.
        let t = decode_time(0x8000_0000, Some(1 | (123 << 2))).unwrap();
        assert_eq!(t.as_second(), 1 << 31);
        assert_eq!(t.subsec_nanosecond(), 123);
        // Without an extra field the seconds are signed, as Linux reads them.
        assert_eq!(decode_time(0xFFFF_FFFF, None).unwrap().as_second(), -1);
        assert_eq!(
            decode_time(1_337_961_350, None).unwrap().as_second(),
            1_337_961_350
        );
    }

    #[test]
    fn short_inode_has_no_crtime() {
        let mut raw = vec![0u8; 128];
        raw[0..2].copy_from_slice(&0o100644u16.to_le_bytes());
        raw[4..8].copy_from_slice(&53u32.to_le_bytes());
        let i = Inode::parse(13, 0, &raw, false);
        assert_eq!(i.size, 53);
        assert_eq!(i.kind(), EntryKind::File);
        assert!(i.times.crtime.is_none());
        assert_eq!(i.permissions(), 0o644);
    }
}

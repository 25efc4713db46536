//! Values of the attributes Exhibit interprets: `$STANDARD_INFORMATION`,
//! `$FILE_NAME`, `$ATTRIBUTE_LIST`; NT timestamps and UTF-16 names.

use jiff::Timestamp;

use crate::record::{u16le, u32le, u64le};

/// 100-ns intervals between 1601-01-01 and 1970-01-01.
const NT_EPOCH_DELTA: i128 = 116_444_736_000_000_000;

/// Converts an NT timestamp (100-ns ticks since 1601, UTC) at full
/// resolution. 0 (never set) and values outside jiff's range are `None`.
pub(crate) fn nt_time(t: u64) -> Option<Timestamp> {
    if t == 0 {
        return None;
    }
    let ticks = t as i128 - NT_EPOCH_DELTA;
    let secs = ticks.div_euclid(10_000_000);
    let nanos = (ticks.rem_euclid(10_000_000) * 100) as i32;
    Timestamp::new(i64::try_from(secs).ok()?, nanos).ok()
}

/// Decodes a UTF-16LE name, replacing unpaired surrogates.
pub(crate) fn utf16(units: &[u16]) -> String {
    String::from_utf16_lossy(units)
}

/// `$STANDARD_INFORMATION` (0x10).
#[derive(Debug, Clone, Copy)]
pub(crate) struct StdInfo {
    pub crtime: u64,
    pub mtime: u64,
    /// MFT entry changed.
    pub ctime: u64,
    pub atime: u64,
    /// DOS attribute flags (read-only 0x1, hidden 0x2, system 0x4, …).
    pub dos_flags: u32,
    /// What TSK reports as the owner (`uid`): the 32-bit value at offset 48
    /// of the value. NTFS 3.x values are 72 bytes and hold the owner id
    /// there; NTFS 1.2-style values are only 48 bytes long, and TSK then
    /// reads the first bytes *after* the value (normally the next
    /// attribute's type code, 0x30 = 48 for `$FILE_NAME`). Exhibit
    /// reproduces that so its body files match TSK's; the value is 0 when
    /// those bytes lie outside the record.
    pub owner_id: u32,
}

pub(crate) const DOS_READ_ONLY: u32 = 0x0001;
pub(crate) const DOS_HIDDEN: u32 = 0x0002;

/// Parses a `$STANDARD_INFORMATION` value found at `value_off` in `record`.
pub(crate) fn std_info(value: &[u8], record: &[u8], value_off: usize) -> Option<StdInfo> {
    if value.len() < 36 {
        return None;
    }
    let owner_id = if value.len() >= 52 {
        u32le(value, 48)
    } else {
        match value_off.checked_add(52) {
            Some(end) if end <= record.len() => u32le(record, value_off + 48),
            _ => 0,
        }
    };
    Some(StdInfo {
        crtime: u64le(value, 0),
        mtime: u64le(value, 8),
        ctime: u64le(value, 16),
        atime: u64le(value, 24),
        dos_flags: u32le(value, 32),
        owner_id,
    })
}

/// `$FILE_NAME` namespaces.
pub(crate) const NS_DOS: u8 = 2;

/// `$FILE_NAME` flag: the entry is a directory (has a `$I30` index).
pub(crate) const FN_FLAG_DIRECTORY: u32 = 0x1000_0000;

/// `$FILE_NAME` (0x30), also the key of directory index entries.
#[derive(Debug, Clone)]
pub(crate) struct FileName {
    pub parent: u64,
    pub parent_seq: u16,
    pub crtime: u64,
    pub mtime: u64,
    pub ctime: u64,
    pub atime: u64,
    pub flags: u32,
    pub namespace: u8,
    pub name: String,
}

pub(crate) fn file_name(value: &[u8]) -> Option<FileName> {
    if value.len() < 66 {
        return None;
    }
    let parent_ref = u64le(value, 0);
    let nlen = value[64] as usize;
    if 66 + 2 * nlen > value.len() {
        return None;
    }
    let units: Vec<u16> = (0..nlen).map(|i| u16le(value, 66 + 2 * i)).collect();
    Some(FileName {
        parent: parent_ref & 0x0000_FFFF_FFFF_FFFF,
        parent_seq: (parent_ref >> 48) as u16,
        crtime: u64le(value, 8),
        mtime: u64le(value, 16),
        ctime: u64le(value, 24),
        atime: u64le(value, 32),
        flags: u32le(value, 56),
        namespace: value[65],
        name: utf16(&units),
    })
}

/// One entry of an `$ATTRIBUTE_LIST` (0x20).
#[derive(Debug, Clone)]
pub(crate) struct ListEntry {
    pub type_code: u32,
    pub start_vcn: u64,
    /// MFT entry holding the attribute.
    pub record: u64,
    pub id: u16,
    pub name: Vec<u16>,
}

/// Parses an attribute list; stops at the first malformed entry and says
/// where (byte offset within the list).
pub(crate) fn attribute_list(data: &[u8]) -> (Vec<ListEntry>, Option<String>) {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos + 26 <= data.len() {
        let type_code = u32le(data, pos);
        let len = u16le(data, pos + 4) as usize;
        if len < 26 || pos + len > data.len() {
            if type_code == 0 && len == 0 {
                break;
            }
            return (
                out,
                Some(format!(
                    "attribute list entry at byte {pos} has length {len}"
                )),
            );
        }
        let name_len = data[pos + 6] as usize;
        let name_off = data[pos + 7] as usize;
        if name_len > 0 && name_off + 2 * name_len > len {
            return (
                out,
                Some(format!(
                    "attribute list entry at byte {pos}: name runs past it"
                )),
            );
        }
        let name = (0..name_len)
            .map(|i| u16le(data, pos + name_off + 2 * i))
            .collect();
        out.push(ListEntry {
            type_code,
            start_vcn: u64le(data, pos + 8),
            record: u64le(data, pos + 16) & 0x0000_FFFF_FFFF_FFFF,
            id: u16le(data, pos + 24),
            name,
        });
        pos += len;
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nt_times() {
        // 2004-06-10 14:42:22 UTC = 1086878542
        let t = (1_086_878_542i128 * 10_000_000 + NT_EPOCH_DELTA + 1234) as u64;
        let ts = nt_time(t).unwrap();
        assert_eq!(ts.as_second(), 1_086_878_542);
        assert_eq!(ts.subsec_nanosecond(), 123_400);
        assert!(nt_time(0).is_none());
        // before 1970
        assert!(nt_time(1).unwrap().as_second() < 0);
        assert!(nt_time(u64::MAX).is_none());
    }

    #[test]
    fn file_name_value() {
        let mut v = vec![0u8; 66 + 6];
        v[0..8].copy_from_slice(&(5u64 | (5u64 << 48)).to_le_bytes());
        v[56..60].copy_from_slice(&FN_FLAG_DIRECTORY.to_le_bytes());
        v[64] = 3;
        v[65] = 1;
        for (i, c) in "abc".encode_utf16().enumerate() {
            v[66 + 2 * i..68 + 2 * i].copy_from_slice(&c.to_le_bytes());
        }
        let f = file_name(&v).unwrap();
        assert_eq!((f.parent, f.parent_seq, f.name.as_str()), (5, 5, "abc"));
        v[64] = 4; // name longer than the value
        assert!(file_name(&v).is_none());
    }

    #[test]
    fn short_standard_information_reads_past_like_tsk() {
        let mut rec = vec![0u8; 200];
        rec[100 + 48..100 + 52].copy_from_slice(&0x30u32.to_le_bytes());
        let si = std_info(&rec[100..148], &rec, 100).unwrap();
        assert_eq!(si.owner_id, 48);
        let si = std_info(&rec[100..148], &rec[..150], 100).unwrap();
        assert_eq!(si.owner_id, 0);
    }
}

//! Directory indexes: `$INDEX_ROOT` (0x90) and the `INDX` records of
//! `$INDEX_ALLOCATION` (0xA0), whose entries are keyed by `$FILE_NAME`.

use crate::attr::{self, FileName};
use crate::record::{u16le, u32le, u64le};

/// One allocated index entry.
#[derive(Debug, Clone)]
pub(crate) struct IndexEntry {
    /// MFT entry the name points to.
    pub record: u64,
    /// Sequence number the name expects that entry to have.
    pub seq: u16,
    pub key: FileName,
}

/// `$INDEX_ROOT` header fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RootHeader {
    /// Attribute type the index is keyed by (0x30 for directories).
    pub indexed_type: u32,
    /// Bytes per `INDX` record of this index.
    pub block_size: u32,
}

pub(crate) fn root_header(value: &[u8]) -> Option<RootHeader> {
    if value.len() < 32 {
        return None;
    }
    Some(RootHeader {
        indexed_type: u32le(value, 0),
        block_size: u32le(value, 8),
    })
}

/// Parses the entries of an index node whose node header starts at
/// `node` in `buf` (16 in an `$INDEX_ROOT` value, 24 in an `INDX` record).
/// Only the in-use part (up to the node's index length, or the end entry)
/// is read; entries in the slack after it are not. Returns the entries and,
/// if the node is damaged, what is wrong and at which byte of `buf`.
pub(crate) fn node_entries(buf: &[u8], node: usize) -> (Vec<IndexEntry>, Option<(usize, String)>) {
    let mut out = Vec::new();
    if node + 16 > buf.len() {
        return (out, Some((node, "index node header is truncated".into())));
    }
    let first = node.saturating_add(u32le(buf, node) as usize);
    let used_end = node.saturating_add(u32le(buf, node + 4) as usize);
    if used_end > buf.len() || first > used_end {
        return (
            out,
            Some((
                node,
                format!(
                    "index node offsets (entries at {}, in use to {}) lie outside the {}-byte buffer",
                    first,
                    used_end,
                    buf.len()
                ),
            )),
        );
    }
    let mut pos = first;
    while pos + 16 <= used_end {
        let file_ref = u64le(buf, pos);
        let entry_len = u16le(buf, pos + 8) as usize;
        let key_len = u16le(buf, pos + 10) as usize;
        let flags = u16le(buf, pos + 12);
        if flags & 0x2 != 0 {
            // last entry: no key
            return (out, None);
        }
        if entry_len < 16 || pos + entry_len > used_end || 16 + key_len > entry_len {
            return (
                out,
                Some((
                    pos,
                    format!("index entry length {entry_len} (key {key_len}) is invalid"),
                )),
            );
        }
        match attr::file_name(&buf[pos + 16..pos + 16 + key_len]) {
            Some(key) => out.push(IndexEntry {
                record: file_ref & 0x0000_FFFF_FFFF_FFFF,
                seq: (file_ref >> 48) as u16,
                key,
            }),
            None => {
                return (
                    out,
                    Some((pos, "index entry key is not a valid $FILE_NAME".into())),
                )
            }
        }
        pos += entry_len;
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(record: u64, seq: u16, name: &str) -> Vec<u8> {
        let units: Vec<u16> = name.encode_utf16().collect();
        let key_len = 66 + 2 * units.len();
        let len = (16 + key_len).div_ceil(8) * 8;
        let mut e = vec![0u8; len];
        e[0..8].copy_from_slice(&(record | (u64::from(seq) << 48)).to_le_bytes());
        e[8..10].copy_from_slice(&(len as u16).to_le_bytes());
        e[10..12].copy_from_slice(&(key_len as u16).to_le_bytes());
        e[16..24].copy_from_slice(&(5u64 | (5u64 << 48)).to_le_bytes());
        e[16 + 64] = units.len() as u8;
        e[16 + 65] = 1;
        for (i, u) in units.iter().enumerate() {
            e[16 + 66 + 2 * i..16 + 68 + 2 * i].copy_from_slice(&u.to_le_bytes());
        }
        e
    }

    #[test]
    fn reads_entries_until_the_end_entry() {
        let mut buf = vec![0u8; 16];
        let mut entries = entry(64, 1, "one.txt");
        entries.extend(entry(65, 2, "two.txt"));
        let mut end = vec![0u8; 16];
        end[8] = 16;
        end[12] = 2;
        entries.extend(end);
        let used = 16 + entries.len();
        buf[0..4].copy_from_slice(&16u32.to_le_bytes());
        buf[4..8].copy_from_slice(&(used as u32).to_le_bytes());
        buf[8..12].copy_from_slice(&(used as u32).to_le_bytes());
        buf.extend(entries);
        // slack after the end entry is not read
        buf.extend(entry(66, 1, "gone.txt"));
        let (e, err) = node_entries(&buf, 0);
        assert!(err.is_none());
        let names: Vec<_> = e
            .iter()
            .map(|e| (e.record, e.seq, e.key.name.as_str()))
            .collect();
        assert_eq!(names, vec![(64, 1, "one.txt"), (65, 2, "two.txt")]);
    }

    #[test]
    fn damaged_nodes_are_reported() {
        let mut buf = vec![0u8; 64];
        buf[0..4].copy_from_slice(&16u32.to_le_bytes());
        buf[4..8].copy_from_slice(&1000u32.to_le_bytes());
        assert!(node_entries(&buf, 0).1.is_some());
        buf[4..8].copy_from_slice(&64u32.to_le_bytes());
        buf[16 + 8] = 200; // entry length past the node
        let (e, err) = node_entries(&buf, 0);
        assert!(e.is_empty());
        assert_eq!(err.unwrap().0, 16);
    }
}

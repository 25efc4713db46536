//! Directory blocks: live entries, and deleted entries found in the slack
//! behind them, the way TSK's `ext2fs_dent_parse_block` finds them.

use exhibit_vfs::{EntryKind, Warning};

use crate::superblock::{le16, le32};

/// Longest name ext allows.
const MAX_NAME_LEN: usize = 255;

/// Bytes a directory record with a name of `name_len` bytes needs: the
/// 8-byte header and the name, rounded up to 4.
fn rec_size(name_len: usize) -> usize {
    (name_len + 8 + 3) & !3
}

/// One name found in a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawName<'a> {
    /// Inode number as recorded (0 for many deleted names).
    pub inode: u32,
    /// The name bytes, cut at the first NUL as TSK copies them.
    pub name: &'a [u8],
    /// `file_type` of the record (0 without the filetype feature).
    pub file_type: u8,
    /// Allocated (live) record; false for deleted names.
    pub allocated: bool,
}

impl RawName<'_> {
    /// `.` or `..`.
    pub(crate) fn is_dot(&self) -> bool {
        self.name == b"." || self.name == b".."
    }

    /// Type as the name layer records it.
    pub(crate) fn kind(&self) -> EntryKind {
        match self.file_type {
            1 => EntryKind::File,
            2 => EntryKind::Directory,
            3 => EntryKind::CharDevice,
            4 => EntryKind::BlockDevice,
            5 => EntryKind::Fifo,
            6 => EntryKind::Socket,
            7 => EntryKind::Symlink,
            _ => EntryKind::Unknown,
        }
    }
}

/// A name of a [`Names`] list: the record, its bytes in the list's shared
/// buffer.
#[derive(Debug, Clone, Copy)]
struct NameRec {
    inode: u32,
    start: u32,
    len: u32,
    file_type: u8,
    allocated: bool,
}

/// The names of one directory in block order, their bytes in one buffer
/// (no allocation per name).
#[derive(Debug, Default)]
pub(crate) struct Names {
    recs: Vec<NameRec>,
    bytes: Vec<u8>,
}

impl Names {
    /// How many names.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.recs.len()
    }

    /// The `i`th name.
    pub(crate) fn get(&self, i: usize) -> Option<RawName<'_>> {
        self.recs.get(i).map(|r| self.view(r))
    }

    fn view(&self, r: &NameRec) -> RawName<'_> {
        let start = r.start as usize;
        let end = start.saturating_add(r.len as usize);
        RawName {
            inode: r.inode,
            name: self.bytes.get(start..end).unwrap_or(&[]),
            file_type: r.file_type,
            allocated: r.allocated,
        }
    }

    fn push(&mut self, inode: u32, name: &[u8], file_type: u8, allocated: bool) {
        // Names are at most 255 bytes and a directory read is bounded (far
        // below 4 GiB), so the offsets fit.
        let start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(name);
        self.recs.push(NameRec {
            inode,
            start,
            len: name.len() as u32,
            file_type,
            allocated,
        });
    }

    /// Empties the list, keeping its buffers.
    pub(crate) fn clear(&mut self) {
        self.recs.clear();
        self.bytes.clear();
    }

    /// Every name, in order.
    #[cfg(test)]
    fn to_vec(&self) -> Vec<RawName<'_>> {
        self.recs.iter().map(|r| self.view(r)).collect()
    }
}

/// How records are laid out and what is plausible.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// Records have a 1-byte name length and a file type (filetype
    /// feature); otherwise a 2-byte name length.
    pub file_type: bool,
    /// Highest valid inode number.
    pub max_inode: u32,
    /// Block size (65536-byte blocks encode rec_len specially).
    pub block_size: u32,
}

impl Layout {
    fn record(&self, b: &[u8], at: usize) -> (u32, usize, usize, u8) {
        let inode = le32(b, at);
        let raw_rec = le16(b, at + 4) as usize;
        let rec_len = if self.block_size >= 65536 {
            // Linux's encoding of lengths up to 256 KiB in 16 bits.
            if raw_rec == 65535 || raw_rec == 0 {
                65536
            } else {
                (raw_rec & 65532) | ((raw_rec & 3) << 16)
            }
        } else {
            raw_rec
        };
        let (name_len, file_type) = if self.file_type {
            (
                b.get(at + 6).copied().unwrap_or(0) as usize,
                b.get(at + 7).copied().unwrap_or(0),
            )
        } else {
            (le16(b, at + 6) as usize, 0)
        };
        (inode, rec_len, name_len, file_type)
    }
}

/// Checks the chain of live records (each `rec_len` leading to the next)
/// and reports the first record that cannot be right. `base` is the byte
/// offset of `buf` in the volume, `what` names the directory.
pub(crate) fn check_chain(buf: &[u8], base: u64, layout: &Layout, what: &str) -> Option<Warning> {
    let mut at = 0usize;
    while at + 8 <= buf.len() {
        let (inode, rec_len, name_len, _) = layout.record(buf, at);
        let problem = if rec_len < 12 || rec_len % 4 != 0 {
            Some(format!("rec_len {rec_len}"))
        } else if at + rec_len > buf.len() {
            Some(format!("rec_len {rec_len} runs past the end of the block"))
        } else if name_len > MAX_NAME_LEN || rec_size(name_len) > rec_len {
            Some(format!(
                "name_len {name_len} does not fit rec_len {rec_len}"
            ))
        } else if inode > layout.max_inode {
            Some(format!(
                "inode {inode} is beyond the {} inodes of the file system",
                layout.max_inode
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            return Some(Warning {
                offset: base + at as u64,
                what: format!("{what}: directory record: {p}"),
            });
        }
        at += rec_len;
    }
    None
}

/// Parses one directory block (or inline-data region) like TSK: live
/// records by their `rec_len`, then every plausible record in the space a
/// live record does not use (deleted names). `dir_deleted` marks every
/// name deleted (the directory's inode is unallocated).
pub(crate) fn parse_block(buf: &[u8], layout: &Layout, dir_deleted: bool, out: &mut Names) {
    let len = buf.len();
    let min_entry = rec_size(1);
    let mut dellen: isize = 0;
    let mut idx = 0usize;
    while idx + min_entry <= len {
        let (inode, rec_len, name_len, file_type) = layout.record(buf, idx);
        let mut step = rec_size(name_len);
        if inode > layout.max_inode
            || name_len > MAX_NAME_LEN
            || name_len == 0
            || rec_len < step
            || rec_len % 4 != 0
            || idx + rec_len > len
        {
            // Not a record: try the next 4-byte boundary.
            idx += 4;
            if dellen > 0 {
                dellen -= 4;
            }
            continue;
        }
        // A record in unused space must end inside that space.
        if dellen != 0 && dellen < step as isize {
            idx += 4;
            dellen -= 4;
            continue;
        }
        let name_at = idx + 8;
        let raw = buf.get(name_at..name_at + name_len).unwrap_or(&[]);
        let cut = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
        let deleted = dellen > 0 || inode == 0 || dir_deleted;
        if dellen > 0 {
            dellen -= step as isize;
        }
        out.push(inode, &raw[..cut], file_type, !deleted);
        // A record longer than it needs hides deleted records behind it.
        if dellen <= 0 {
            if rec_len - step >= min_entry {
                dellen = (rec_len - step) as isize;
            } else {
                step = rec_len;
            }
        }
        idx += step;
    }
}

fn name_of(names: &Names, i: u32) -> &[u8] {
    names.view(&names.recs[i as usize]).name
}

/// Reusable buffers for [`dedup`].
#[derive(Debug, Default)]
pub(crate) struct DedupScratch {
    keys: Vec<u64>,
    run: Vec<u32>,
}

/// TSK's de-duplication within one directory: a name with the same inode
/// and name as one already listed is dropped, except that an allocated
/// name replaces a deleted one in place.
///
/// Equal (inode, name) pairs are grouped by sorting (by inode number, then,
/// for the rare inode numbers several names share, by name): each group
/// keeps the place of its first name and the record of its first allocated
/// name (of its first name when none is allocated), which is what listing
/// them in order and replacing deleted by allocated gives.
pub(crate) fn dedup(names: &mut Names, scratch: &mut DedupScratch) {
    let n = names.recs.len();
    if n < 2 {
        return;
    }
    let keys = &mut scratch.keys;
    keys.clear();
    keys.extend(
        names
            .recs
            .iter()
            .enumerate()
            .map(|(i, r)| (r.inode as u64) << 32 | i as u64),
    );
    keys.sort_unstable();
    // Dropped names get `len` u32::MAX (never a real length: names are at
    // most 255 bytes).
    let mut dropped = false;
    let mut g = 0;
    while g < n {
        let inode = keys[g] >> 32;
        let mut end = g + 1;
        while end < n && keys[end] >> 32 == inode {
            end += 1;
        }
        if end > g + 1 {
            let run = &mut scratch.run;
            run.clear();
            run.extend(keys[g..end].iter().map(|&k| k as u32));
            run.sort_unstable_by(|&a, &b| name_of(names, a).cmp(name_of(names, b)).then(a.cmp(&b)));
            let mut r = 0;
            while r < run.len() {
                let first = run[r];
                let mut stop = r + 1;
                while stop < run.len() && name_of(names, run[stop]) == name_of(names, first) {
                    stop += 1;
                }
                if stop > r + 1 {
                    dropped = true;
                    let chosen = run[r..stop]
                        .iter()
                        .copied()
                        .find(|&i| names.recs[i as usize].allocated)
                        .unwrap_or(first);
                    names.recs[first as usize] = names.recs[chosen as usize];
                    for &i in &run[r + 1..stop] {
                        names.recs[i as usize].len = u32::MAX;
                    }
                }
                r = stop;
            }
        }
        g = end;
    }
    if dropped {
        names.recs.retain(|r| r.len != u32::MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(buf: &mut [u8], at: usize, inode: u32, rec_len: u16, name: &[u8], ft: u8) {
        buf[at..at + 4].copy_from_slice(&inode.to_le_bytes());
        buf[at + 4..at + 6].copy_from_slice(&rec_len.to_le_bytes());
        buf[at + 6] = name.len() as u8;
        buf[at + 7] = ft;
        buf[at + 8..at + 8 + name.len()].copy_from_slice(name);
    }

    const L: Layout = Layout {
        file_type: true,
        max_inode: 100,
        block_size: 1024,
    };

    #[test]
    fn finds_deleted_names_in_slack() {
        let mut b = vec![0u8; 1024];
        rec(&mut b, 0, 2, 12, b".", 2);
        rec(&mut b, 12, 2, 12, b"..", 2);
        // "a" absorbed the deleted "gone" (inode zeroed, as ext2 does).
        rec(&mut b, 24, 12, 1000, b"a", 1);
        rec(&mut b, 36, 0, 988, b"gone", 1);
        let mut out = Names::default();
        parse_block(&b, &L, false, &mut out);
        let names: Vec<_> = out
            .to_vec()
            .iter()
            .map(|n| {
                (
                    n.inode,
                    String::from_utf8_lossy(n.name).into_owned(),
                    n.allocated,
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![
                (2, ".".into(), true),
                (2, "..".into(), true),
                (12, "a".into(), true),
                (0, "gone".into(), false),
            ]
        );
        assert!(check_chain(&b, 0, &L, "dir").is_none());
    }

    #[test]
    fn garbage_is_skipped_and_reported() {
        let mut b = vec![0xFFu8; 64];
        rec(&mut b, 0, 2, 3, b"x", 1);
        let mut out = Names::default();
        parse_block(&b, &L, false, &mut out);
        assert_eq!(out.len(), 0);
        assert_eq!(check_chain(&b, 4096, &L, "dir").unwrap().offset, 4096);
    }

    #[test]
    fn dedup_prefers_allocated() {
        let mut names = Names::default();
        names.push(5, b"x", 1, false);
        names.push(5, b"x", 7, true);
        names.push(5, b"x", 2, false);
        let mut scratch = DedupScratch::default();
        dedup(&mut names, &mut scratch);
        assert_eq!(
            names.to_vec(),
            vec![RawName {
                inode: 5,
                name: b"x",
                file_type: 7,
                allocated: true
            }]
        );
    }

    /// The sort-based dedup against its definition (in order, replacing).
    #[test]
    fn dedup_matches_the_definition() {
        let mut seed = 12345u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        type Plain = (u32, Vec<u8>, u8, bool);
        let plain = |names: &[RawName]| -> Vec<Plain> {
            names
                .iter()
                .map(|n| (n.inode, n.name.to_vec(), n.file_type, n.allocated))
                .collect()
        };
        for _ in 0..2000 {
            let mut names = Names::default();
            let count = next(20) as usize;
            for _ in 0..count {
                let inode = next(4) as u32;
                let name = [b'a' + next(3) as u8; 2];
                let len = next(3) as usize;
                names.push(inode, &name[..len], next(8) as u8, next(2) == 0);
            }
            let mut want: Vec<RawName> = Vec::new();
            for n in names.to_vec() {
                match want
                    .iter()
                    .position(|w| w.inode == n.inode && w.name == n.name)
                {
                    Some(i) => {
                        if !want[i].allocated && n.allocated {
                            want[i] = n;
                        }
                    }
                    None => want.push(n),
                }
            }
            let want = plain(&want);
            let mut scratch = DedupScratch::default();
            dedup(&mut names, &mut scratch);
            assert_eq!(plain(&names.to_vec()), want);
        }
    }
}

//! Where a file's content lies: block maps (direct, single, double and
//! triple indirect pointers) and extent trees, turned into byte runs.

use std::collections::HashSet;

use exhibit_evidence::Source;
use exhibit_vfs::{Run, Warning};

use crate::inode::{Inode, I_BLOCK_LEN};
use crate::superblock::{le16, le32};

/// Extent tree header magic.
const EXTENT_MAGIC: u16 = 0xF30A;
/// Linux never builds extent trees deeper than 5 levels.
const MAX_EXTENT_DEPTH: u16 = 5;
/// An extent longer than this is uninitialised (reads as zeros).
const EXT_INIT_MAX_LEN: u16 = 32768;

/// A mapped piece of a file: `len` blocks from logical block `logical`
/// stored from physical block `physical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece {
    pub logical: u64,
    pub physical: u64,
    pub len: u64,
}

/// The pieces of a file (sorted by logical block, not overlapping; gaps are
/// holes) and everything wrong met while finding them.
#[derive(Debug, Default)]
pub(crate) struct Mapping {
    pub pieces: Vec<Piece>,
    pub problems: Vec<Warning>,
}

/// What the mapper needs of the file system.
pub(crate) struct Geometry<'a> {
    pub volume: &'a dyn Source,
    pub block_size: u64,
    pub blocks_count: u64,
}

struct Mapper<'a, 'g> {
    geo: &'g Geometry<'a>,
    inode: u32,
    /// Logical blocks wanted: the file size in blocks.
    wanted: u64,
    pieces: Vec<Piece>,
    problems: Vec<Warning>,
    /// Pointer / tree blocks already read: a second visit is a loop.
    seen: HashSet<u64>,
}

impl Mapper<'_, '_> {
    fn problem(&mut self, offset: u64, what: String) {
        self.problems.push(Warning {
            offset,
            what: format!("inode {}: {what}", self.inode),
        });
    }

    fn valid_block(&self, b: u64) -> bool {
        b < self.geo.blocks_count
    }

    fn push(&mut self, logical: u64, physical: u64, len: u64) {
        if let Some(last) = self.pieces.last_mut() {
            if last.logical + last.len == logical && last.physical + last.len == physical {
                last.len += len;
                return;
            }
        }
        self.pieces.push(Piece {
            logical,
            physical,
            len,
        });
    }

    /// Reads a pointer or tree block, refusing blocks outside the file
    /// system and blocks already read for this file.
    fn read_meta_block(&mut self, block: u64, what: &str, from: u64) -> Option<Vec<u8>> {
        if !self.valid_block(block) {
            self.problem(
                from,
                format!(
                    "{what} block {block} is beyond the {} blocks of the file system",
                    self.geo.blocks_count
                ),
            );
            return None;
        }
        if !self.seen.insert(block) {
            self.problem(
                block * self.geo.block_size,
                format!("{what} block {block} is used twice (loop)"),
            );
            return None;
        }
        let mut buf = vec![0u8; self.geo.block_size as usize];
        match self
            .geo
            .volume
            .read_exact_at(block * self.geo.block_size, &mut buf)
        {
            Ok(()) => Some(buf),
            Err(e) => {
                self.problem(
                    block * self.geo.block_size,
                    format!("cannot read {what} block {block}: {e}"),
                );
                None
            }
        }
    }

    /// A data pointer: 0 is a hole.
    fn data(&mut self, ptr: u32, logical: u64, from: u64) {
        if ptr == 0 || logical >= self.wanted {
            return;
        }
        let b = ptr as u64;
        if !self.valid_block(b) {
            self.problem(
                from,
                format!(
                    "block pointer for logical block {logical} names block {b}, beyond the {} blocks of the file system",
                    self.geo.blocks_count
                ),
            );
            return;
        }
        self.push(logical, b, 1);
    }

    /// An indirect pointer of `level` (1 single, 2 double, 3 triple)
    /// covering logical blocks from `logical`.
    fn indirect(&mut self, ptr: u32, level: u32, logical: u64, from: u64) {
        if ptr == 0 || logical >= self.wanted {
            return;
        }
        let per = self.geo.block_size / 4;
        let names = ["", "indirect", "double indirect", "triple indirect"];
        let what = names.get(level as usize).copied().unwrap_or("indirect");
        let Some(buf) = self.read_meta_block(ptr as u64, what, from) else {
            return;
        };
        let span = per.pow(level - 1);
        let base = ptr as u64 * self.geo.block_size;
        for i in 0..per {
            let child_logical = logical + i * span;
            if child_logical >= self.wanted {
                break;
            }
            let p = le32(&buf, (i * 4) as usize);
            let at = base + i * 4;
            if level == 1 {
                self.data(p, child_logical, at);
            } else {
                self.indirect(p, level - 1, child_logical, at);
            }
        }
    }

    fn block_map(&mut self, iblock: &[u8; I_BLOCK_LEN], inode_offset: u64) {
        let per = self.geo.block_size / 4;
        let at = |i: usize| inode_offset + 40 + 4 * i as u64;
        for i in 0..12 {
            self.data(le32(iblock, 4 * i), i as u64, at(i));
        }
        self.indirect(le32(iblock, 48), 1, 12, at(12));
        self.indirect(le32(iblock, 52), 2, 12 + per, at(13));
        self.indirect(le32(iblock, 56), 3, 12 + per + per * per, at(14));
    }

    /// One extent tree node (the root in `i_block` or a tree block).
    fn extent_node(&mut self, node: &[u8], node_offset: u64, expect_depth: Option<u16>) {
        let magic = le16(node, 0);
        let entries = le16(node, 2) as usize;
        let max = le16(node, 4) as usize;
        let depth = le16(node, 6);
        if magic != EXTENT_MAGIC {
            self.problem(
                node_offset,
                format!("extent header magic {magic:#06x}, expected 0xf30a"),
            );
            return;
        }
        let capacity = node.len().saturating_sub(12) / 12;
        if entries > max || entries > capacity {
            self.problem(
                node_offset,
                format!(
                    "extent node claims {entries} entries, room for {}",
                    max.min(capacity)
                ),
            );
            return;
        }
        if depth > MAX_EXTENT_DEPTH {
            self.problem(
                node_offset,
                format!("extent tree depth {depth} is deeper than {MAX_EXTENT_DEPTH}"),
            );
            return;
        }
        if let Some(d) = expect_depth {
            if d != depth {
                self.problem(
                    node_offset,
                    format!("extent node has depth {depth}, its parent implies {d}"),
                );
                return;
            }
        }
        for i in 0..entries {
            let e = 12 + 12 * i;
            let at = node_offset + e as u64;
            let logical = le32(node, e) as u64;
            if depth == 0 {
                let raw_len = le16(node, e + 4);
                let (len, uninit) = if raw_len > EXT_INIT_MAX_LEN {
                    (raw_len - EXT_INIT_MAX_LEN, true)
                } else {
                    (raw_len, false)
                };
                let start = (le16(node, e + 6) as u64) << 32 | le32(node, e + 8) as u64;
                if len == 0 || logical >= self.wanted {
                    continue;
                }
                let len = len as u64;
                if start
                    .checked_add(len)
                    .is_none_or(|end| end > self.geo.blocks_count)
                {
                    self.problem(
                        at,
                        format!(
                            "extent of {len} blocks at block {start} reaches beyond the {} blocks of the file system",
                            self.geo.blocks_count
                        ),
                    );
                    continue;
                }
                if uninit {
                    // Allocated but never written: reads as zeros (a hole).
                    continue;
                }
                let len = len.min(self.wanted - logical);
                self.pieces.push(Piece {
                    logical,
                    physical: start,
                    len,
                });
            } else {
                let child = (le16(node, e + 8) as u64) << 32 | le32(node, e + 4) as u64;
                if let Some(buf) = self.read_meta_block(child, "extent tree", at) {
                    self.extent_node(&buf, child * self.geo.block_size, Some(depth - 1));
                }
            }
        }
    }

    /// Sorts the pieces by logical block and drops overlaps.
    fn finish(mut self) -> Mapping {
        self.pieces.sort_by_key(|p| p.logical);
        let mut out: Vec<Piece> = Vec::with_capacity(self.pieces.len());
        for p in std::mem::take(&mut self.pieces) {
            let mut p = p;
            if let Some(last) = out.last() {
                let end = last.logical + last.len;
                if p.logical < end {
                    let cut = end - p.logical;
                    self.problems.push(Warning {
                        offset: p.physical * self.geo.block_size,
                        what: format!(
                            "inode {}: extents overlap at logical block {}",
                            self.inode, p.logical
                        ),
                    });
                    if cut >= p.len {
                        continue;
                    }
                    p.logical += cut;
                    p.physical += cut;
                    p.len -= cut;
                }
            }
            match out.last_mut() {
                Some(last)
                    if last.logical + last.len == p.logical
                        && last.physical + last.len == p.physical =>
                {
                    last.len += p.len
                }
                _ => out.push(p),
            }
        }
        Mapping {
            pieces: out,
            problems: self.problems,
        }
    }
}

/// Most logical blocks a file can have: 2^32 with extents (32-bit logical
/// block numbers), 12 + p + p² + p³ with a block map (p pointers a block).
pub(crate) fn max_blocks(block_size: u64, extents: bool) -> u64 {
    if extents {
        1 << 32
    } else {
        let p = block_size / 4;
        12 + p + p * p + p * p * p
    }
}

/// True when the extent root in `i_block` is an extent header.
pub(crate) fn has_extent_header(iblock: &[u8; I_BLOCK_LEN]) -> bool {
    le16(iblock, 0) == EXTENT_MAGIC
}

/// Maps the first `wanted` logical blocks of `inode` (block map or extent
/// tree, as its flags say).
pub(crate) fn map(geo: &Geometry<'_>, inode: &Inode, extents: bool, wanted: u64) -> Mapping {
    let mut m = Mapper {
        geo,
        inode: inode.number,
        wanted,
        pieces: Vec::new(),
        problems: Vec::new(),
        seen: HashSet::new(),
    };
    if extents {
        m.extent_node(&inode.block, inode.offset + 40, None);
    } else {
        m.block_map(&inode.block, inode.offset);
    }
    m.finish()
}

/// Byte runs for the first `size` bytes of a mapping: pieces become runs
/// of the volume, gaps become holes, the last run is cut to `size`.
pub(crate) fn runs(pieces: &[Piece], block_size: u64, size: u64) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::with_capacity(pieces.len() * 2 + 1);
    let mut at = 0u64; // byte position in the file
    let push = |out: &mut Vec<Run>, offset: Option<u64>, len: u64| {
        if len == 0 {
            return;
        }
        match (out.last_mut(), offset) {
            (Some(last), None) if last.offset.is_none() => last.len += len,
            (Some(last), Some(o)) if last.offset.is_some_and(|lo| lo + last.len == o) => {
                last.len += len
            }
            _ => out.push(Run { offset, len }),
        }
    };
    for p in pieces {
        if at >= size {
            break;
        }
        let start = p.logical.saturating_mul(block_size);
        if start > at {
            let hole = (start - at).min(size - at);
            push(&mut out, None, hole);
            at += hole;
            if at >= size {
                break;
            }
        }
        let len = p.len.saturating_mul(block_size).min(size - at);
        push(&mut out, Some(p.physical * block_size), len);
        at += len;
    }
    if at < size {
        push(&mut out, None, size - at);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_fill_holes_and_cut_to_size() {
        let pieces = [
            Piece {
                logical: 0,
                physical: 10,
                len: 2,
            },
            Piece {
                logical: 4,
                physical: 12,
                len: 1,
            },
        ];
        let r = runs(&pieces, 1024, 5000);
        assert_eq!(
            r,
            vec![
                Run {
                    offset: Some(10240),
                    len: 2048
                },
                Run {
                    offset: None,
                    len: 2048
                },
                Run {
                    offset: Some(12288),
                    len: 904
                },
            ]
        );
        // Trailing hole up to the size.
        let r = runs(&pieces[..1], 1024, 3000);
        assert_eq!(
            r[1],
            Run {
                offset: None,
                len: 952
            }
        );
    }
}

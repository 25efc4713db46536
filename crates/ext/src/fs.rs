//! The file system: inode lookup, content, and the TSK-style tree walk.

use std::collections::HashSet;
use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_vfs::{
    Entry, EntryKind, FileData, FileSystem, FsError, Listing, Recovery, Run, RunsSource, Times,
    Warning,
};

use crate::blocks::{self, Geometry, Mapping};
use crate::dir::{self, DedupScratch, Layout, Names, RawName};
use crate::inode::{Inode, FLAG_EXTENTS, FLAG_INLINE_DATA, I_BLOCK_LEN};
use crate::superblock::{
    GroupDesc, Superblock, BG_INODE_UNINIT, INCOMPAT_64BIT, INCOMPAT_FILETYPE,
    INCOMPAT_JOURNAL_DEV, INCOMPAT_RECOVER, RO_COMPAT_LARGE_FILE,
};

/// The root directory's inode.
const ROOT_INODE: u32 = 2;
/// Directories nested deeper than this are not descended into (TSK stops
/// at 128).
const MAX_DEPTH: usize = 512;
/// Symlink targets longer than this are not read (TSK's limit).
const MAX_LINK_LEN: u64 = 4096;
/// Most bytes read for one directory: a bound on work for damaged
/// directories, far above real ones.
const MAX_DIR_BYTES: u64 = 1 << 29;
/// Bytes of inode table read at once while looking for orphans.
const TABLE_CHUNK: u64 = 1 << 16;
/// Bytes of inode table read at once while listing (a whole number of
/// inodes; at least one).
const LOOKUP_CHUNK: u64 = 1 << 16;
/// Inode-table chunks kept while listing.
const LOOKUP_CHUNKS: usize = 16;
/// Groups whose descriptor and inode bitmap are kept while listing: groups
/// numbered beyond are read each time.
const LOOKUP_GROUPS: u32 = 1 << 18;
/// Most bytes of inode bitmaps kept while listing.
const LOOKUP_BITMAP_BYTES: usize = 64 << 20;
/// Bytes of directory read at once.
const DIR_CHUNK: u64 = 1 << 16;
/// Inode numbers below this are kept in a bitmap (16 MiB at most), the
/// rest in a hash set.
const SET_BITS: u32 = 1 << 27;
/// gdt_csum or metadata_csum: group descriptor flags are meaningful.
const RO_COMPAT_GROUP_CSUM: u32 = 0x0010 | 0x0400;
/// Name of TSK's virtual directory of orphan inodes.
const ORPHAN_DIR: &str = "$OrphanFiles";

/// A read-only ext2/ext3/ext4 file system.
pub struct ExtFs {
    volume: Arc<dyn Source>,
    sb: Superblock,
    /// Oddities found at open, repeated in every listing.
    open_warnings: Vec<Warning>,
}

/// An inode with its allocation state.
struct Meta {
    inode: Inode,
    allocated: bool,
}

/// A set of inode numbers: a bitmap for the numbers below [`SET_BITS`]
/// (grown as needed), a hash set above, and the members in insertion order.
#[derive(Default, Clone)]
struct InodeSet {
    bits: Vec<u64>,
    high: HashSet<u32>,
    members: Vec<u32>,
}

impl InodeSet {
    fn contains(&self, n: u32) -> bool {
        if n < SET_BITS {
            self.bits
                .get((n / 64) as usize)
                .is_some_and(|w| w & (1 << (n % 64)) != 0)
        } else {
            self.high.contains(&n)
        }
    }

    /// Adds `n`; false when it was already there.
    fn insert(&mut self, n: u32) -> bool {
        let new = if n < SET_BITS {
            let word = (n / 64) as usize;
            if word >= self.bits.len() {
                // Doubling keeps growth amortised; SET_BITS bounds it.
                let want = (word + 1)
                    .max(self.bits.len() * 2)
                    .min((SET_BITS / 64) as usize);
                self.bits.resize(want, 0);
            }
            let bit = 1u64 << (n % 64);
            let new = self.bits[word] & bit == 0;
            self.bits[word] |= bit;
            new
        } else {
            self.high.insert(n)
        };
        if new {
            self.members.push(n);
        }
        new
    }

    /// Empties the set, returning its members.
    fn drain(&mut self) -> Vec<u32> {
        let members = std::mem::take(&mut self.members);
        for &n in &members {
            if let Some(w) = self.bits.get_mut((n / 64) as usize) {
                *w &= !(1 << (n % 64));
            }
        }
        self.high.clear();
        members
    }
}

/// State of one walk over directories.
#[derive(Default)]
struct Walk<'s> {
    /// Where entries go (nowhere for a scratch walk).
    emit: Option<&'s mut dyn FnMut(Entry)>,
    warnings: Vec<Warning>,
    /// Directories already listed: reaching one again is a loop.
    visited: InodeSet,
    /// Unallocated inodes some name points to (not orphans).
    named_unalloc: InodeSet,
    /// Emptied name lists, for reuse.
    spare_names: Vec<Names>,
    /// Directory read buffer.
    buf: Vec<u8>,
    /// Scratch for [`dir::dedup`].
    dedup: DedupScratch,
}

impl Walk<'_> {
    fn emit(&mut self, entry: Entry) {
        if let Some(each) = self.emit.as_mut() {
            each(entry);
        }
    }
}

/// A directory being listed.
struct Frame {
    names: Names,
    next: usize,
    path: String,
}

/// TSK prints names with control characters replaced by `^`; the rest is
/// decoded as UTF-8 (invalid sequences become U+FFFD). Appends to `out`.
fn push_printable(out: &mut String, name: &[u8]) {
    match std::str::from_utf8(name) {
        // Valid UTF-8 has bytes below 0x20 only as those characters.
        Ok(s) if !name.iter().any(|&c| c < 0x20) => out.push_str(s),
        _ => out.extend(String::from_utf8_lossy(name).chars().map(|c| {
            if (c as u32) < 0x20 {
                '^'
            } else {
                c
            }
        })),
    }
}

fn printable(name: &[u8]) -> String {
    let mut s = String::with_capacity(name.len());
    push_printable(&mut s, name);
    s
}

/// `n` in decimal.
fn decimal(n: u32) -> String {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut v = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let mut s = String::with_capacity(digits.len() - at);
    for &d in &digits[at..] {
        s.push(d as char);
    }
    s
}

/// Fills `buf` from `at` with reads the cache need not keep
/// ([`Source::read_once_at`]); false when the bytes are not all there (the
/// caller then reads the usual way, which says why).
fn read_once_exact(volume: &dyn Source, at: u64, buf: &mut [u8]) -> bool {
    let mut done = 0;
    // Each turn reads at least one byte or stops.
    while done < buf.len() {
        let Some(pos) = at.checked_add(done as u64) else {
            return false;
        };
        match volume.read_once_at(pos, &mut buf[done..]) {
            Ok(n) if n > 0 => done += n,
            _ => return false,
        }
    }
    true
}

/// A group's descriptor (or why it cannot be read) and inode bitmap, as
/// kept while listing.
struct GroupSlot {
    desc: Result<GroupDesc, Warning>,
    /// The group's inode bitmap: not read yet, or `None` when it could not
    /// be read in one piece (bits are then read one by one, as before).
    bitmap: Option<Option<Vec<u8>>>,
}

/// A piece of an inode table kept while listing: `group`, first inode
/// index `first`, the bytes (`None` when they could not be read in one
/// piece: inodes are then read one by one).
struct Chunk {
    group: u32,
    first: u32,
    bytes: Option<Vec<u8>>,
}

/// Inode lookups during one listing: group descriptors, inode bitmaps and
/// pieces of inode tables are read once and kept (within bounds) instead
/// of three small reads per inode. Whatever cannot be read in one piece is
/// read the way [`ExtFs::load_meta`] reads it, so results and warnings are
/// the same.
struct Lookup<'a> {
    fs: &'a ExtFs,
    groups: Vec<Option<Box<GroupSlot>>>,
    bitmap_bytes: usize,
    chunks: Vec<Chunk>,
    /// The chunk replaced next.
    victim: usize,
    /// The chunk found last.
    last: usize,
    /// Inodes per chunk.
    per_chunk: u32,
}

impl<'a> Lookup<'a> {
    fn new(fs: &'a ExtFs) -> Lookup<'a> {
        Lookup {
            fs,
            groups: Vec::new(),
            bitmap_bytes: 0,
            chunks: Vec::new(),
            victim: 0,
            last: 0,
            per_chunk: (LOOKUP_CHUNK / fs.sb.inode_size as u64).max(1) as u32,
        }
    }

    /// The group's slot, read on first use; None beyond [`LOOKUP_GROUPS`].
    fn group(&mut self, group: u32) -> Option<&mut GroupSlot> {
        if group >= LOOKUP_GROUPS {
            return None;
        }
        let g = group as usize;
        if g >= self.groups.len() {
            self.groups.resize_with(g + 1, || None);
        }
        let fs = self.fs;
        let slot = self.groups[g].get_or_insert_with(|| {
            Box::new(GroupSlot {
                desc: fs.group_desc(group),
                bitmap: None,
            })
        });
        Some(slot)
    }

    /// The inode's allocation bit, when its group's bitmap is kept.
    fn allocated_bit(&mut self, group: u32, index: u32) -> Option<bool> {
        let fs = self.fs;
        let room = LOOKUP_BITMAP_BYTES.saturating_sub(self.bitmap_bytes);
        let mut added = 0;
        let slot = self.group(group)?;
        let gd = *slot.desc.as_ref().ok()?;
        let bitmap = slot.bitmap.get_or_insert_with(|| {
            let len = fs.sb.inodes_per_group.div_ceil(8) as usize;
            if len > room {
                return None;
            }
            let mut b = vec![0u8; len];
            let at = gd.inode_bitmap * fs.sb.block_size as u64;
            fs.volume.read_exact_at(at, &mut b).ok()?;
            added = len;
            Some(b)
        });
        let bit = bitmap
            .as_ref()
            .and_then(|b| b.get((index / 8) as usize))
            .map(|byte| byte & (1 << (index % 8)) != 0);
        self.bitmap_bytes += added;
        bit
    }

    /// The raw inode and its offset, when its piece of the table is kept.
    fn raw_inode(&mut self, group: u32, index: u32, gd: &GroupDesc) -> Option<(u64, &[u8])> {
        let sb = &self.fs.sb;
        let isz = sb.inode_size as u64;
        let first = index / self.per_chunk * self.per_chunk;
        let found = match self.chunks.get(self.last) {
            Some(c) if c.group == group && c.first == first => Some(self.last),
            _ => self
                .chunks
                .iter()
                .position(|c| c.group == group && c.first == first),
        };
        let table = gd.inode_table.checked_mul(sb.block_size as u64)?;
        let i = match found {
            Some(i) => i,
            None => {
                let count = self.per_chunk.min(sb.inodes_per_group - first);
                let at = table.checked_add(first as u64 * isz)?;
                let len = count as u64 * isz;
                let i = if self.chunks.len() < LOOKUP_CHUNKS {
                    self.chunks.push(Chunk {
                        group,
                        first,
                        bytes: None,
                    });
                    self.chunks.len() - 1
                } else {
                    let v = self.victim;
                    self.victim = (v + 1) % LOOKUP_CHUNKS;
                    v
                };
                let c = &mut self.chunks[i];
                c.group = group;
                c.first = first;
                let mut buf = c.bytes.take().unwrap_or_default();
                // Already-initialised bytes are overwritten, not zeroed again.
                buf.resize(len as usize, 0);
                if read_once_exact(self.fs.volume.as_ref(), at, &mut buf) {
                    c.bytes = Some(buf);
                }
                i
            }
        };
        self.last = i;
        let bytes = self.chunks[i].bytes.as_deref()?;
        let within = (index - first) as u64 * isz;
        let at = table.checked_add(index as u64 * isz)?;
        let raw = bytes.get(within as usize..(within + isz) as usize)?;
        Some((at, raw))
    }

    /// What [`ExtFs::load_meta`] gives.
    fn meta(&mut self, n: u32) -> Result<Meta, Warning> {
        let fs = self.fs;
        fs.check_inode_number(n)?;
        let ipg = fs.sb.inodes_per_group;
        let (group, index) = ((n - 1) / ipg, (n - 1) % ipg);
        let gd = match self.group(group) {
            Some(slot) => slot.desc.clone()?,
            None => return fs.load_meta(n),
        };
        let large_file = fs.sb.has_ro_compat(RO_COMPAT_LARGE_FILE);
        let inode = match self.raw_inode(group, index, &gd) {
            Some((at, raw)) => Inode::parse(n, at, raw, large_file),
            None => fs.read_inode(n)?,
        };
        let allocated = if fs.inodes_uninit(&gd) {
            false
        } else {
            match self.allocated_bit(group, index) {
                Some(a) => a,
                None => fs.is_allocated(n)?,
            }
        };
        Ok(Meta { inode, allocated })
    }
}

impl ExtFs {
    /// Opens the file system on `volume` (a partition or a whole image).
    pub fn new(volume: Arc<dyn Source>) -> Result<ExtFs, FsError> {
        let sb = Superblock::read(volume.as_ref())?;
        if sb.has_incompat(INCOMPAT_JOURNAL_DEV) {
            return Err(FsError::NotThisKind {
                kind: "ext",
                why: "an external journal device, not a file system".into(),
            });
        }
        let mut open_warnings = Vec::new();
        if sb.has_incompat(INCOMPAT_RECOVER) {
            open_warnings.push(Warning {
                offset: 1024 + 96,
                what: "the journal needs recovery: transactions not yet written to the file system are not shown (the journal is never replayed)".into(),
            });
        }
        let bytes = sb.blocks_count.saturating_mul(sb.block_size as u64);
        if bytes > volume.len() {
            open_warnings.push(Warning {
                offset: 1024 + 4,
                what: format!(
                    "the file system has {} blocks ({bytes} bytes) but the evidence holds {} bytes: truncated image",
                    sb.blocks_count,
                    volume.len()
                ),
            });
        }
        let fs = ExtFs {
            volume,
            sb,
            open_warnings,
        };
        // The root inode must be readable for anything to make sense.
        fs.read_inode(ROOT_INODE).map_err(|w| FsError::Corrupt {
            structure: "ext root directory inode 2".into(),
            offset: w.offset,
            what: w.what,
        })?;
        Ok(fs)
    }

    fn geometry(&self) -> Geometry<'_> {
        Geometry {
            volume: self.volume.as_ref(),
            block_size: self.sb.block_size as u64,
            blocks_count: self.sb.blocks_count,
        }
    }

    /// TSK's number for the virtual `$OrphanFiles` directory.
    fn orphan_dir_inode(&self) -> u64 {
        self.sb.inodes_count as u64 + 1
    }

    fn group_desc(&self, group: u32) -> Result<GroupDesc, Warning> {
        if group >= self.sb.groups {
            return Err(Warning {
                offset: 0,
                what: format!("group {group} does not exist ({} groups)", self.sb.groups),
            });
        }
        let at = self.sb.descriptor_offset(group).ok_or_else(|| Warning {
            offset: 0,
            what: format!("group descriptor {group}: location overflows"),
        })?;
        let mut b = vec![0u8; self.sb.desc_size as usize];
        self.volume.read_exact_at(at, &mut b).map_err(|e| Warning {
            offset: at,
            what: format!("cannot read group descriptor {group}: {e}"),
        })?;
        let gd = GroupDesc::parse(&b, self.sb.has_incompat(INCOMPAT_64BIT));
        for (name, block) in [
            ("inode bitmap", gd.inode_bitmap),
            ("inode table", gd.inode_table),
        ] {
            if block == 0 || block >= self.sb.blocks_count {
                return Err(Warning {
                    offset: at,
                    what: format!(
                        "group descriptor {group}: {name} at block {block}, outside the {} blocks of the file system",
                        self.sb.blocks_count
                    ),
                });
            }
        }
        Ok(gd)
    }

    /// Whether the group's inode bitmap and table were never initialised.
    fn inodes_uninit(&self, gd: &GroupDesc) -> bool {
        self.sb.feature_ro_compat & RO_COMPAT_GROUP_CSUM != 0 && gd.flags & BG_INODE_UNINIT != 0
    }

    fn check_inode_number(&self, n: u32) -> Result<(), Warning> {
        if n == 0 || n > self.sb.inodes_count {
            return Err(Warning {
                offset: 0,
                what: format!(
                    "inode {n} is outside 1..={} of the file system",
                    self.sb.inodes_count
                ),
            });
        }
        Ok(())
    }

    fn read_inode(&self, n: u32) -> Result<Inode, Warning> {
        self.check_inode_number(n)?;
        let group = (n - 1) / self.sb.inodes_per_group;
        let index = (n - 1) % self.sb.inodes_per_group;
        let gd = self.group_desc(group)?;
        let at = gd
            .inode_table
            .checked_mul(self.sb.block_size as u64)
            .and_then(|t| t.checked_add(index as u64 * self.sb.inode_size as u64))
            .ok_or_else(|| Warning {
                offset: 0,
                what: format!("inode {n}: location overflows"),
            })?;
        let mut raw = vec![0u8; self.sb.inode_size as usize];
        self.volume
            .read_exact_at(at, &mut raw)
            .map_err(|e| Warning {
                offset: at,
                what: format!("cannot read inode {n}: {e}"),
            })?;
        Ok(Inode::parse(
            n,
            at,
            &raw,
            self.sb.has_ro_compat(RO_COMPAT_LARGE_FILE),
        ))
    }

    /// The inode's bit in its group's inode bitmap.
    fn is_allocated(&self, n: u32) -> Result<bool, Warning> {
        self.check_inode_number(n)?;
        let group = (n - 1) / self.sb.inodes_per_group;
        let index = (n - 1) % self.sb.inodes_per_group;
        let gd = self.group_desc(group)?;
        if self.inodes_uninit(&gd) {
            return Ok(false);
        }
        let at = (gd.inode_bitmap * self.sb.block_size as u64).saturating_add((index / 8) as u64);
        let mut b = [0u8; 1];
        self.volume.read_exact_at(at, &mut b).map_err(|e| Warning {
            offset: at,
            what: format!("cannot read the inode bitmap of group {group}: {e}"),
        })?;
        Ok(b[0] & (1 << (index % 8)) != 0)
    }

    fn load_meta(&self, n: u32) -> Result<Meta, Warning> {
        let inode = self.read_inode(n)?;
        let allocated = self.is_allocated(n)?;
        Ok(Meta { inode, allocated })
    }

    /// Where the inode's first `inode.size` bytes are, and what was wrong
    /// on the way.
    fn content(&self, inode: &Inode) -> (Vec<Run>, Vec<Warning>) {
        let size = inode.size;
        if inode.has_no_content() || size == 0 {
            return (Vec::new(), Vec::new());
        }
        if inode.has_flag(FLAG_INLINE_DATA) || inode.is_fast_symlink() {
            // Inside the inode: i_block, then the system.data attribute.
            let first = size.min(I_BLOCK_LEN as u64);
            let mut runs = vec![Run {
                offset: Some(inode.offset + 40),
                len: first,
            }];
            let mut problems = Vec::new();
            if size > first {
                match inode.inline_xattr_value() {
                    Some((s, e)) if (e - s) as u64 >= size - first => runs.push(Run {
                        offset: Some(inode.offset + s as u64),
                        len: size - first,
                    }),
                    _ => problems.push(Warning {
                        offset: inode.offset,
                        what: format!(
                            "inode {}: inline data of {size} bytes, but no system.data attribute holds the {} bytes beyond i_block",
                            inode.number,
                            size - first
                        ),
                    }),
                }
            }
            return (runs, problems);
        }
        let bs = self.sb.block_size as u64;
        let wanted = size.div_ceil(bs);
        let extents = inode.has_flag(FLAG_EXTENTS);
        let max_blocks = blocks::max_blocks(bs, extents);
        if wanted > max_blocks {
            return (
                Vec::new(),
                vec![Warning {
                    offset: inode.offset,
                    what: format!(
                        "inode {}: size {size} is beyond the {} bytes {} can address",
                        inode.number,
                        max_blocks.saturating_mul(bs),
                        if extents {
                            "an extent tree"
                        } else {
                            "a block map"
                        }
                    ),
                }],
            );
        }
        let Mapping { pieces, problems } = blocks::map(&self.geometry(), inode, extents, wanted);
        (blocks::runs(&pieces, bs, size), problems)
    }

    /// Whether an unallocated inode still says where its content was.
    fn has_pointers(&self, inode: &Inode) -> bool {
        if inode.size == 0 || inode.has_no_content() {
            return false;
        }
        if inode.has_flag(FLAG_INLINE_DATA) || inode.is_fast_symlink() {
            return true;
        }
        if inode.has_flag(FLAG_EXTENTS) {
            return blocks::has_extent_header(&inode.block)
                && crate::superblock::le16(&inode.block, 2) > 0;
        }
        inode.block.iter().any(|&b| b != 0)
    }

    /// Reads a symlink's target (as TSK shows it after ` -> `).
    fn link_target(&self, inode: &Inode, warnings: &mut Vec<Warning>) -> Option<String> {
        if !inode.is_symlink() || inode.size == 0 || inode.size >= MAX_LINK_LEN {
            return None;
        }
        let (runs, problems) = self.content(inode);
        if !problems.is_empty() {
            warnings.extend(problems);
            return None;
        }
        let name = format!("{}: symlink inode {}", self.volume.name(), inode.number);
        let src = match RunsSource::new(self.volume.clone(), runs, inode.size, name) {
            Ok(s) => s,
            Err(e) => {
                warnings.push(Warning {
                    offset: inode.offset,
                    what: format!("inode {}: symlink target unreadable: {e}", inode.number),
                });
                return None;
            }
        };
        let mut buf = vec![0u8; src.len() as usize];
        if let Err(e) = src.read_exact_at(0, &mut buf) {
            warnings.push(Warning {
                offset: inode.offset,
                what: format!("inode {}: symlink target unreadable: {e}", inode.number),
            });
            return None;
        }
        let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
        Some(printable(&buf[..end]))
    }

    fn layout(&self) -> Layout {
        Layout {
            file_type: self.sb.has_incompat(INCOMPAT_FILETYPE),
            max_inode: self.sb.inodes_count,
            block_size: self.sb.block_size,
        }
    }

    /// Every name in a directory, deleted ones included, in block order,
    /// into `names` (emptied first). `walk` gets the warnings and lends its
    /// buffers.
    fn read_dir(&self, inode: &Inode, deleted: bool, walk: &mut Walk<'_>, names: &mut Names) {
        names.clear();
        let layout = self.layout();
        let warnings = &mut walk.warnings;
        let what = format!("directory inode {}", inode.number);
        if inode.has_flag(FLAG_INLINE_DATA) {
            // Inline directory: the parent's inode number, then records in
            // the rest of i_block and in the system.data attribute.
            let first = &inode.block[4..];
            if let Some(w) = dir::check_chain(first, inode.offset + 44, &layout, &what) {
                warnings.push(w);
            }
            dir::parse_block(first, &layout, deleted, names);
            if let Some((s, e)) = inode.inline_xattr_value() {
                let region = &inode.raw[s..e];
                if let Some(w) = dir::check_chain(region, inode.offset + s as u64, &layout, &what) {
                    warnings.push(w);
                }
                dir::parse_block(region, &layout, deleted, names);
            }
            dir::dedup(names, &mut walk.dedup);
            return;
        }
        let bs = self.sb.block_size as u64;
        let wanted = inode.size.min(MAX_DIR_BYTES).div_ceil(bs);
        if inode.size > MAX_DIR_BYTES {
            warnings.push(Warning {
                offset: inode.offset,
                what: format!(
                    "{what}: size {} is implausible; only the first {MAX_DIR_BYTES} bytes are read",
                    inode.size
                ),
            });
        }
        let mapping = blocks::map(
            &self.geometry(),
            inode,
            inode.has_flag(FLAG_EXTENTS),
            wanted,
        );
        warnings.extend(mapping.problems);
        let buf = &mut walk.buf;
        // Blocks of a piece are read several at once; a piece that cannot
        // be read so is read block by block, each failure reported.
        let per_read = (DIR_CHUNK / bs).max(1);
        for p in &mapping.pieces {
            let mut i = 0;
            while i < p.len {
                let count = per_read.min(p.len - i);
                let at = (p.physical + i) * bs;
                buf.resize((count * bs) as usize, 0);
                if read_once_exact(self.volume.as_ref(), at, buf) {
                    for (k, block) in buf.chunks_exact(bs as usize).enumerate() {
                        let block_at = at + k as u64 * bs;
                        if let Some(w) = dir::check_chain(block, block_at, &layout, &what) {
                            warnings.push(w);
                        }
                        dir::parse_block(block, &layout, deleted, names);
                    }
                    i += count;
                    continue;
                }
                for j in i..i + count {
                    let at = (p.physical + j) * bs;
                    let block = &mut buf[..bs as usize];
                    if let Err(e) = self.volume.read_exact_at(at, block) {
                        warnings.push(Warning {
                            offset: at,
                            what: format!("{what}: cannot read block {}: {e}", p.physical + j),
                        });
                        continue;
                    }
                    if let Some(w) = dir::check_chain(block, at, &layout, &what) {
                        warnings.push(w);
                    }
                    dir::parse_block(block, &layout, deleted, names);
                }
                i += count;
            }
        }
        dir::dedup(names, &mut walk.dedup);
    }

    /// An entry for a name (`name_inode`, `name_kind`, `name_allocated`);
    /// `meta` is the inode it points to, if loaded.
    fn entry(
        &self,
        mut path: String,
        name: &RawName<'_>,
        meta: Option<&Meta>,
        link: Option<String>,
    ) -> Entry {
        let deleted = !name.allocated;
        if let Some(l) = link {
            path.reserve(4 + l.len());
            path.push_str(" -> ");
            path.push_str(&l);
        }
        match meta {
            None => Entry {
                path,
                inode: decimal(name.inode),
                name_kind: name.kind(),
                meta_kind: EntryKind::Unknown,
                mode: 0,
                uid: 0,
                gid: 0,
                size: 0,
                times: Times::default(),
                deleted,
                meta_allocated: false,
                recovery: Recovery::Lost,
            },
            Some(m) => Entry {
                path,
                inode: decimal(name.inode),
                name_kind: name.kind(),
                meta_kind: m.inode.kind(),
                mode: m.inode.permissions(),
                uid: m.inode.uid,
                gid: m.inode.gid,
                size: m.inode.size,
                times: m.inode.times,
                deleted,
                meta_allocated: m.allocated,
                recovery: if m.allocated {
                    Recovery::Certain
                } else if self.has_pointers(&m.inode) {
                    Recovery::Guess
                } else {
                    Recovery::Lost
                },
            },
        }
    }

    /// Lists directory `start` (already read as `inode`) and everything
    /// below it, depth first in directory order, into `walk`.
    fn walk_from(
        &self,
        look: &mut Lookup<'_>,
        inode: &Inode,
        path: String,
        deleted: bool,
        walk: &mut Walk<'_>,
    ) {
        walk.visited.insert(inode.number);
        let mut names = walk.spare_names.pop().unwrap_or_default();
        self.read_dir(inode, deleted, walk, &mut names);
        let mut stack = vec![Frame {
            names,
            next: 0,
            path,
        }];
        while let Some(frame) = stack.last_mut() {
            let Some(raw) = frame.names.get(frame.next) else {
                if let Some(done) = stack.pop() {
                    walk.spare_names.push(done.names);
                }
                continue;
            };
            frame.next += 1;
            if raw.is_dot() {
                continue;
            }
            let mut path = String::with_capacity(frame.path.len() + 1 + raw.name.len());
            path.push_str(&frame.path);
            path.push('/');
            push_printable(&mut path, raw.name);
            // The name without its bytes: the frame may move below.
            let name = RawName { name: &[], ..raw };
            // TSK loads the inode of every name with an inode number, and of
            // allocated names.
            let mut meta = None;
            if name.inode != 0 || name.allocated {
                match look.meta(name.inode) {
                    Ok(m) => meta = Some(m),
                    Err(w) => walk.warnings.push(Warning {
                        offset: w.offset,
                        what: format!("name {path}: {}", w.what),
                    }),
                }
            }
            if let Some(m) = &meta {
                if !m.allocated {
                    walk.named_unalloc.insert(name.inode);
                }
            }
            // A deleted name whose inode is allocated again describes
            // another file now: its metadata is not shown for this name.
            // (TSK shows the new file's metadata and marks the line
            // `(deleted-realloc)`, which the body file model cannot say.)
            let reallocated = !name.allocated && meta.as_ref().is_some_and(|m| m.allocated);
            if reallocated {
                meta = None;
            }
            let link = meta
                .as_ref()
                .and_then(|m| self.link_target(&m.inode, &mut walk.warnings));
            // Only directories need their path again (as the parent of
            // their names).
            let dir_path = meta
                .as_ref()
                .is_some_and(|m| m.inode.is_dir())
                .then(|| path.clone());
            let mut entry = self.entry(path, &name, meta.as_ref(), link);
            // The inode is in use (by another file): say so.
            entry.meta_allocated |= reallocated;
            walk.emit(entry);
            let (Some(m), Some(path)) = (meta, dir_path) else {
                continue;
            };
            // TSK recurses when both layers say directory (or the name does
            // not say) and the name is allocated or both are unallocated.
            let name_ok = matches!(name.kind(), EntryKind::Directory | EntryKind::Unknown);
            if !(name_ok && m.inode.is_dir() && (name.allocated || !m.allocated)) {
                continue;
            }
            if walk.visited.contains(name.inode) {
                walk.warnings.push(Warning {
                    offset: m.inode.offset,
                    what: format!(
                        "directory inode {} is reached again by {path}: not listed twice (loop or shared directory)",
                        name.inode
                    ),
                });
                continue;
            }
            if stack.len() >= MAX_DEPTH {
                walk.warnings.push(Warning {
                    offset: m.inode.offset,
                    what: format!(
                        "{path}: directories nested deeper than {MAX_DEPTH}: not descended"
                    ),
                });
                continue;
            }
            walk.visited.insert(name.inode);
            let mut names = walk.spare_names.pop().unwrap_or_default();
            self.read_dir(&m.inode, !m.allocated, walk, &mut names);
            stack.push(Frame {
                names,
                next: 0,
                path,
            });
        }
    }

    /// Unallocated inodes that were used (nonzero ctime, TSK's test) and
    /// that no name points to, in inode order.
    fn orphan_candidates(&self, named: &InodeSet, warnings: &mut Vec<Warning>) -> Vec<u32> {
        let mut out = Vec::new();
        let ipg = self.sb.inodes_per_group;
        let isz = self.sb.inode_size as u64;
        let bs = self.sb.block_size as u64;
        let groups = self.sb.inodes_count.div_ceil(ipg);
        let mut unreadable = 0u32;
        let mut first_problem: Option<Warning> = None;
        let mut bitmap: Vec<u8> = Vec::new();
        let mut chunk: Vec<u8> = Vec::new();
        for g in 0..groups {
            let gd = match self.group_desc(g) {
                Ok(gd) => gd,
                Err(w) => {
                    unreadable += 1;
                    first_problem.get_or_insert(w);
                    continue;
                }
            };
            if self.inodes_uninit(&gd) {
                continue;
            }
            let first = g * ipg + 1;
            let mut count = ipg.min(self.sb.inodes_count - g * ipg);
            if self.sb.feature_ro_compat & RO_COMPAT_GROUP_CSUM != 0 {
                // The end of the table was never used (nor, perhaps, zeroed).
                count = count.min(ipg.saturating_sub(gd.itable_unused));
            }
            bitmap.resize(count.div_ceil(8) as usize, 0);
            if let Err(e) = self.volume.read_exact_at(gd.inode_bitmap * bs, &mut bitmap) {
                unreadable += 1;
                first_problem.get_or_insert(Warning {
                    offset: gd.inode_bitmap * bs,
                    what: format!("cannot read the inode bitmap of group {g}: {e}"),
                });
                continue;
            }
            let table = gd.inode_table * bs;
            let per_chunk = (TABLE_CHUNK / isz).max(1) as u32;
            chunk.clear();
            let mut chunk_start = u32::MAX;
            for i in 0..count {
                if bitmap[(i / 8) as usize] & (1 << (i % 8)) != 0 {
                    continue;
                }
                let n = first + i;
                if named.contains(n) {
                    continue;
                }
                let c = i / per_chunk * per_chunk;
                if c != chunk_start {
                    chunk_start = c;
                    let len = (count - c).min(per_chunk) as u64 * isz;
                    // Bytes left from an earlier chunk are overwritten.
                    chunk.resize(len as usize, 0);
                    let at = table.saturating_add(c as u64 * isz);
                    if let Err(e) = self.volume.read_exact_at(at, &mut chunk) {
                        unreadable += 1;
                        first_problem.get_or_insert(Warning {
                            offset: at,
                            what: format!("cannot read the inode table of group {g}: {e}"),
                        });
                        chunk.clear();
                    }
                }
                let at = ((i - c) as u64 * isz) as usize;
                if crate::superblock::le32(&chunk, at + 12) != 0 {
                    out.push(n);
                }
            }
        }
        if let Some(mut w) = first_problem {
            if unreadable > 1 {
                w.what = format!(
                    "{} (and {} more unreadable inode structures)",
                    w.what,
                    unreadable - 1
                );
            }
            w.what = format!("looking for orphan inodes: {}", w.what);
            warnings.push(w);
        }
        out
    }

    /// TSK's `$OrphanFiles`: the virtual directory and the orphan inodes in
    /// it (orphan directories with their contents, which are then not
    /// listed again at the top).
    fn orphans(&self, look: &mut Lookup<'_>, walk: &mut Walk<'_>) {
        let base = format!("/{ORPHAN_DIR}");
        walk.emit(Entry {
            path: base.clone(),
            inode: self.orphan_dir_inode().to_string(),
            name_kind: EntryKind::VirtualDirectory,
            meta_kind: EntryKind::VirtualDirectory,
            mode: 0,
            uid: 0,
            gid: 0,
            size: 0,
            times: Times::default(),
            deleted: false,
            meta_allocated: true,
            recovery: Recovery::Certain,
        });
        let candidates = self.orphan_candidates(&walk.named_unalloc, &mut walk.warnings);
        // Inodes reachable through an orphan directory are listed there.
        let mut claimed = InodeSet::default();
        let mut scratch = Walk::default();
        let mut top = Vec::new();
        for &c in &candidates {
            if claimed.contains(c) {
                continue;
            }
            let meta = match look.meta(c) {
                Ok(m) => m,
                Err(w) => {
                    walk.warnings.push(w);
                    continue;
                }
            };
            if meta.inode.is_dir() && !scratch.visited.contains(c) {
                // One scratch walk for all orphan directories: a subtree
                // several of them reach is walked once.
                self.walk_from(look, &meta.inode, String::new(), true, &mut scratch);
                for n in scratch.named_unalloc.drain() {
                    if n != c {
                        claimed.insert(n);
                    }
                }
                scratch.warnings.clear();
            }
            top.push(meta);
        }
        for meta in top {
            let c = meta.inode.number;
            if claimed.contains(c) {
                continue;
            }
            let path = format!("{base}/OrphanFile-{c}");
            let name = RawName {
                inode: c,
                name: &[],
                file_type: 0,
                allocated: false,
            };
            let link = self.link_target(&meta.inode, &mut walk.warnings);
            let entry = self.entry(path.clone(), &name, Some(&meta), link);
            walk.emit(entry);
            if meta.inode.is_dir() {
                if walk.visited.contains(c) {
                    walk.warnings.push(Warning {
                        offset: meta.inode.offset,
                        what: format!("orphan directory inode {c} was already listed"),
                    });
                } else {
                    self.walk_from(look, &meta.inode, path, true, walk);
                }
            }
        }
    }
}

impl FileSystem for ExtFs {
    fn kind(&self) -> &str {
        self.sb.kind()
    }

    fn label(&self) -> Option<String> {
        self.sb.label()
    }

    fn list(&self) -> Result<Listing, FsError> {
        let mut entries = Vec::new();
        let warnings = self.list_each(&mut |e| entries.push(e))?;
        Ok(Listing { entries, warnings })
    }

    fn list_each(&self, each: &mut dyn FnMut(Entry)) -> Result<Vec<Warning>, FsError> {
        let mut walk = Walk {
            emit: Some(each),
            warnings: self.open_warnings.clone(),
            ..Walk::default()
        };
        let mut look = Lookup::new(self);
        let root = self.read_inode(ROOT_INODE).map_err(|w| FsError::Corrupt {
            structure: "ext root directory inode 2".into(),
            offset: w.offset,
            what: w.what,
        })?;
        if !root.is_dir() {
            walk.warnings.push(Warning {
                offset: root.offset,
                what: format!("root inode 2 is not a directory (mode {:#o})", root.mode),
            });
        } else {
            let deleted = match self.is_allocated(ROOT_INODE) {
                Ok(a) => !a,
                Err(w) => {
                    walk.warnings.push(w);
                    false
                }
            };
            self.walk_from(&mut look, &root, String::new(), deleted, &mut walk);
        }
        self.orphans(&mut look, &mut walk);
        Ok(walk.warnings)
    }

    fn open(&self, inode: &str, stream: Option<&str>) -> Result<FileData, FsError> {
        if let Some(s) = stream {
            return Err(FsError::NotFound(format!(
                "{inode}:{s} (ext files have no named streams)"
            )));
        }
        let (source, recovery) = self.file_runs(inode)?;
        Ok(FileData::from_runs(source, recovery))
    }

    fn extents(&self, inode: &str) -> Result<Option<Vec<Run>>, FsError> {
        Ok(Some(self.file_runs(inode)?.0.runs()))
    }
}

impl ExtFs {
    /// The content of `inode` as runs of the volume, with its recovery.
    fn file_runs(&self, inode: &str) -> Result<(RunsSource, Recovery), FsError> {
        let n: u64 = inode
            .parse()
            .map_err(|_| FsError::NotFound(inode.to_string()))?;
        if n == self.orphan_dir_inode() {
            return Err(FsError::Unsupported(format!(
                "{inode} is the virtual {ORPHAN_DIR} directory: it has no content"
            )));
        }
        let n = u32::try_from(n)
            .ok()
            .filter(|&n| n >= 1 && n <= self.sb.inodes_count)
            .ok_or_else(|| FsError::NotFound(inode.to_string()))?;
        let corrupt = |w: Warning| FsError::Corrupt {
            structure: format!("ext inode {n}"),
            offset: w.offset,
            what: w.what,
        };
        let meta = self.load_meta(n).map_err(corrupt)?;
        let (runs, problems) = self.content(&meta.inode);
        let name = format!("{}:inode {n}", self.volume.name());
        let (runs, size, recovery) = if meta.allocated {
            if let Some(p) = problems.into_iter().next() {
                return Err(corrupt(p));
            }
            (runs, meta.inode.size, Recovery::Certain)
        } else if problems.is_empty() && self.has_pointers(&meta.inode) {
            (runs, meta.inode.size, Recovery::Guess)
        } else {
            (Vec::new(), 0, Recovery::Lost)
        };
        let source = RunsSource::new(self.volume.clone(), runs, size, name)?;
        Ok((source, recovery))
    }
}

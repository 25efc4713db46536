//! The ISO 9660 file system: the directory trees (primary with Rock Ridge,
//! Joliet), merged into one listing addressed like TSK.

use std::cell::Cell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_vfs::{
    Entry, EntryKind, FileData, FileSystem, FsError, Listing, Recovery, Run, RunsSource, Times,
    Warning,
};

use crate::record::{self, Record, FLAG_ASSOCIATED, FLAG_MULTI_EXTENT};
use crate::susp::{self, Reader, RockRidge};
use crate::time;
use crate::volume::{Volume, SECTOR};

/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 256;

/// One file or directory, as listed.
#[derive(Debug, Clone)]
struct Node {
    name: String,
    inode: u64,
    children: Vec<usize>,
    kind: EntryKind,
    mode: u32,
    uid: u32,
    gid: u32,
    size: u64,
    runs: Vec<Run>,
    times: Times,
    link: Option<String>,
    /// Why `open` refuses the content (interleaved files).
    refuse: Option<String>,
}

/// A merged directory record set (one record, or all extents of a
/// multi-extent file) in one directory tree.
#[derive(Debug, Clone)]
struct RawNode {
    /// The first record.
    rec: Record,
    /// Every extent.
    extents: Vec<Extent>,
    /// Name from the identifier (Joliet or ISO, version stripped).
    name: String,
    rr: Option<RockRidge>,
    /// For directories: byte offset and length of the directory's extent.
    dir: Option<(u64, u64)>,
    children: Vec<usize>,
    depth: usize,
}

impl RawNode {
    fn is_dir(&self) -> bool {
        self.dir.is_some()
    }

    fn size(&self) -> u64 {
        match self.dir {
            Some((_, len)) => len,
            None => self.extents.iter().map(|e| u64::from(e.2)).sum(),
        }
    }

    /// The name shown: Rock Ridge `NM`, else the identifier's.
    fn shown_name(&self) -> String {
        match self.rr.as_ref().and_then(|r| r.name.as_deref()) {
            Some(n) => record::printable(n),
            None => self.name.clone(),
        }
    }

    /// (logical block, size) of the first extent: TSK's duplicate key.
    fn key(&self) -> Option<(u32, u32)> {
        self.extents.first().map(|e| (e.0, e.2))
    }
}

/// An extent: (logical block, extended attribute blocks, bytes).
type Extent = (u32, u8, u32);

/// A record and the extents of the file it starts.
type Grouped = (Record, Vec<Extent>);

/// One directory tree, nodes in breadth-first (path table) order: TSK's
/// numbering order. Node 0 is the root.
struct RawTree {
    nodes: Vec<RawNode>,
}

/// Reads one directory tree.
struct Walker<'a> {
    source: &'a dyn Source,
    block_size: u64,
    image_len: u64,
    joliet: bool,
    /// SUSP reader when the tree carries Rock Ridge.
    susp: Option<Reader<'a>>,
    /// Directory bytes that may still be read.
    budget: u64,
    budget_warned: bool,
    visited: HashMap<u64, String>,
    warnings: Vec<Warning>,
}

impl Walker<'_> {
    fn tree_name(&self) -> &'static str {
        if self.joliet {
            "Joliet tree"
        } else {
            "primary tree"
        }
    }

    /// Reads the records of the directory at `at` (`len` bytes), `.` and
    /// `..` excepted, checking bounds and the budget.
    fn read_dir(&mut self, at: u64, len: u64, path: &str) -> Vec<Record> {
        let shown = if path.is_empty() { "/" } else { path };
        let tree = self.tree_name();
        if at >= self.image_len {
            self.warnings.push(Warning {
                offset: at,
                what: format!(
                    "{tree}: directory {shown}: extent at byte {at} is beyond the image ({} bytes)",
                    self.image_len
                ),
            });
            return Vec::new();
        }
        let mut len = len;
        if at + len > self.image_len {
            self.warnings.push(Warning {
                offset: at,
                what: format!(
                    "{tree}: directory {shown}: {len} bytes at byte {at} run past the end of the image; only {} read",
                    self.image_len - at
                ),
            });
            len = self.image_len - at;
        }
        if len > self.budget {
            if !self.budget_warned {
                self.budget_warned = true;
                self.warnings.push(Warning {
                    offset: at,
                    what: format!(
                        "{tree}: directory {shown}: directories add up to more than twice the image size (overlapping or absurd extents); the rest of the tree is not read"
                    ),
                });
            }
            len = self.budget;
        }
        self.budget -= len;
        let mut out = Vec::new();
        let end = at + len;
        let mut buf = vec![0u8; SECTOR as usize];
        let mut sector_start = at;
        while sector_start < end {
            let sector_end = ((sector_start / SECTOR) + 1) * SECTOR;
            let chunk_end = sector_end.min(end);
            let n = (chunk_end - sector_start) as usize;
            let chunk = &mut buf[..n];
            if let Err(e) = self.source.read_exact_at(sector_start, chunk) {
                self.warnings.push(Warning {
                    offset: sector_start,
                    what: format!("{tree}: directory {shown} unreadable: {e}"),
                });
                break;
            }
            let mut p = 0usize;
            while p < n {
                let rlen = usize::from(chunk[p]);
                if rlen == 0 {
                    break; // rest of the sector is padding
                }
                let here = sector_start + p as u64;
                if rlen < record::MIN_RECORD || p + rlen > n {
                    self.warnings.push(Warning {
                        offset: here,
                        what: format!(
                            "{tree}: directory {shown}: record length {rlen} at byte {here} is below 34 or crosses the sector end; rest of the sector skipped"
                        ),
                    });
                    break;
                }
                match record::parse(&chunk[p..p + rlen], here) {
                    Some(r) if r.is_dot() => {}
                    Some(r) => out.push(r),
                    None => self.warnings.push(Warning {
                        offset: here,
                        what: format!(
                            "{tree}: directory {shown}: record at byte {here} has an identifier longer than the record; skipped"
                        ),
                    }),
                }
                p += rlen;
            }
            sector_start = chunk_end;
        }
        out
    }

    fn extent_offset(&self, lba: u32, xar: u8) -> u64 {
        (u64::from(lba) + u64::from(xar)) * self.block_size
    }

    /// Byte offset and length of the directory a `CL` entry points to,
    /// from the `.` record at its start.
    fn relocated_dir(&mut self, lba: u32, rec: &Record, path: &str) -> Option<(u64, u64)> {
        let at = u64::from(lba) * self.block_size;
        let mut b = [0u8; 256];
        let dot = self
            .source
            .read_exact_at(at, &mut b[..34])
            .ok()
            .and_then(|()| {
                let n = usize::from(b[0]).max(34);
                self.source.read_exact_at(at, &mut b[..n]).ok()?;
                record::parse(&b[..n], at)
            });
        match dot {
            Some(d) if d.ident == [0] && d.is_dir() => Some((at, u64::from(d.size))),
            _ => {
                self.warnings.push(Warning {
                    offset: rec.offset,
                    what: format!(
                        "{}: {path}: Rock Ridge CL points to block {lba}, which does not start with a '.' directory record; not followed",
                        self.tree_name()
                    ),
                });
                None
            }
        }
    }

    /// Groups the records of a directory into files (joining the extents
    /// of multi-extent files).
    fn group(&mut self, recs: Vec<Record>, path: &str) -> Vec<Grouped> {
        let mut out: Vec<Grouped> = Vec::new();
        let mut pending: Option<Grouped> = None;
        let tree = self.tree_name();
        for r in recs {
            let piece = (r.lba, r.xar_len, r.size);
            if let Some((first, pieces)) = pending.as_mut() {
                if first.ident == r.ident && !r.is_dir() {
                    pieces.push(piece);
                    if r.flags & FLAG_MULTI_EXTENT == 0 {
                        out.extend(pending.take());
                    }
                    continue;
                }
                self.warnings.push(Warning {
                    offset: first.offset,
                    what: format!(
                        "{tree}: {path}/{}: multi-extent file lacks its final extent record",
                        record::display_name(&first.ident, self.joliet)
                    ),
                });
                out.extend(pending.take());
            }
            if r.flags & FLAG_MULTI_EXTENT != 0 && !r.is_dir() {
                pending = Some((r, vec![piece]));
            } else {
                out.push((r, vec![piece]));
            }
        }
        if let Some((first, pieces)) = pending {
            self.warnings.push(Warning {
                offset: first.offset,
                what: format!(
                    "{tree}: {path}/{}: multi-extent file lacks its final extent record",
                    record::display_name(&first.ident, self.joliet)
                ),
            });
            out.push((first, pieces));
        }
        out
    }

    /// Walks the tree from `root` breadth first.
    fn walk(&mut self, root: &Record) -> RawTree {
        let root_at = u64::from(root.lba) * self.block_size;
        let mut nodes = vec![RawNode {
            rec: root.clone(),
            extents: vec![(root.lba, root.xar_len, root.size)],
            name: String::new(),
            rr: None,
            dir: Some((root_at, u64::from(root.size))),
            children: Vec::new(),
            depth: 0,
        }];
        let mut paths = vec![String::new()];
        self.visited.insert(root_at, "/".into());
        let mut queue = VecDeque::from([0usize]);
        // Directories moved by Rock Ridge (RE), listed where a CL points.
        let mut relocated: Vec<(usize, Record)> = Vec::new();
        let mut reached_by_cl: HashSet<u64> = HashSet::new();
        loop {
            let Some(d) = queue.pop_front() else {
                // Relocated directories no CL led to: list them where
                // they physically are.
                let orphans: Vec<(usize, Record)> = relocated
                    .drain(..)
                    .filter(|(_, r)| !reached_by_cl.contains(&(u64::from(r.lba) * self.block_size)))
                    .collect();
                if orphans.is_empty() {
                    break;
                }
                for (parent, r) in orphans {
                    self.warnings.push(Warning {
                        offset: r.offset,
                        what: format!(
                            "{}: {}/{}: directory marked relocated (Rock Ridge RE) but no CL entry points to it; listed where it is",
                            self.tree_name(),
                            paths[parent],
                            record::display_name(&r.ident, self.joliet)
                        ),
                    });
                    let at = u64::from(r.lba) * self.block_size;
                    reached_by_cl.insert(at);
                    let rr = self
                        .susp
                        .as_ref()
                        .map(|s| s.parse(&r.sua, r.offset, &mut self.warnings));
                    let dir = Some((at, u64::from(r.size)));
                    self.add_child(
                        &mut nodes,
                        &mut paths,
                        &mut queue,
                        parent,
                        (r.clone(), vec![(r.lba, r.xar_len, r.size)]),
                        rr,
                        dir,
                    );
                }
                continue;
            };
            let Some((at, len)) = nodes[d].dir else {
                continue;
            };
            let path = paths[d].clone();
            let recs = self.read_dir(at, len, &path);
            for (rec, pieces) in self.group(recs, &path) {
                let rr = self
                    .susp
                    .as_ref()
                    .map(|s| s.parse(&rec.sua, rec.offset, &mut self.warnings));
                let mut dir = rec
                    .is_dir()
                    .then(|| (u64::from(rec.lba) * self.block_size, u64::from(rec.size)));
                if let Some(rr) = &rr {
                    if rr.relocated && rec.is_dir() {
                        relocated.push((d, rec));
                        continue;
                    }
                    if let Some(lba) = rr.child_link {
                        let child_path =
                            format!("{path}/{}", record::display_name(&rec.ident, false));
                        dir = self.relocated_dir(lba, &rec, &child_path);
                        if let Some((a, _)) = dir {
                            reached_by_cl.insert(a);
                        }
                    }
                }
                self.add_child(
                    &mut nodes,
                    &mut paths,
                    &mut queue,
                    d,
                    (rec, pieces),
                    rr,
                    dir,
                );
            }
        }
        RawTree { nodes }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_child(
        &mut self,
        nodes: &mut Vec<RawNode>,
        paths: &mut Vec<String>,
        queue: &mut VecDeque<usize>,
        parent: usize,
        (rec, pieces): Grouped,
        rr: Option<RockRidge>,
        dir: Option<(u64, u64)>,
    ) {
        let tree = self.tree_name();
        let name = record::display_name(&rec.ident, self.joliet);
        let mut node = RawNode {
            rec,
            extents: pieces,
            name,
            rr,
            dir,
            children: Vec::new(),
            depth: nodes[parent].depth + 1,
        };
        let path = format!("{}/{}", paths[parent], node.shown_name());
        if node.rec.interleaved() {
            self.warnings.push(Warning {
                offset: node.rec.offset,
                what: format!(
                    "{tree}: {path}: interleaved file (unit size {}, gap {}); not supported, its content is not given",
                    node.rec.unit_size, node.rec.gap
                ),
            });
        }
        if node.rr.as_ref().is_some_and(|r| r.zisofs) {
            self.warnings.push(Warning {
                offset: node.rec.offset,
                what: format!(
                    "{tree}: {path}: content is zisofs-compressed (Rock Ridge ZF); given as stored"
                ),
            });
        }
        if node.dir.is_none() {
            for &(lba, xar, size) in &node.extents {
                let at = self.extent_offset(lba, xar);
                if at.saturating_add(u64::from(size)) > self.image_len {
                    self.warnings.push(Warning {
                        offset: node.rec.offset,
                        what: format!(
                            "{tree}: {path}: extent of {size} bytes at byte {at} reaches beyond the image ({} bytes)",
                            self.image_len
                        ),
                    });
                }
            }
        }
        let mut descend = false;
        if let Some((at, _)) = node.dir {
            if node.depth >= MAX_DEPTH {
                self.warnings.push(Warning {
                    offset: node.rec.offset,
                    what: format!("{tree}: {path}: nested too deep; not descended into"),
                });
            } else if let Some(first) = self.visited.get(&at) {
                self.warnings.push(Warning {
                    offset: node.rec.offset,
                    what: format!(
                        "{tree}: {path}: directory extent at byte {at} is already listed as {first} (directory loop or shared directory); not descended into"
                    ),
                });
            } else {
                self.visited.insert(at, path.clone());
                descend = true;
            }
        }
        let i = nodes.len();
        if node.rec.flags & FLAG_ASSOCIATED != 0 {
            node.name.push_str(" (associated file)");
            if let Some(n) = node.rr.as_mut().and_then(|r| r.name.as_mut()) {
                n.push_str(" (associated file)");
            }
        }
        nodes.push(node);
        paths.push(path);
        nodes[parent].children.push(i);
        if descend {
            queue.push_back(i);
        }
    }
}

/// A node's kind, mode and owner from its Rock Ridge entries.
fn kind_of(raw: &RawNode, rr: Option<&RockRidge>) -> EntryKind {
    if raw.is_dir() {
        return EntryKind::Directory;
    }
    let Some(rr) = rr else {
        return EntryKind::File;
    };
    if rr.link.is_some() {
        return EntryKind::Symlink;
    }
    match rr.mode.map(|m| m & 0o170000) {
        Some(0o120000) => EntryKind::Symlink,
        Some(0o020000) => EntryKind::CharDevice,
        Some(0o060000) => EntryKind::BlockDevice,
        Some(0o010000) => EntryKind::Fifo,
        Some(0o140000) => EntryKind::Socket,
        _ => EntryKind::File,
    }
}

/// An ISO 9660 volume opened read-only, its tree loaded.
pub struct IsoFs {
    source: Arc<dyn Source>,
    label: Option<String>,
    nodes: Vec<Node>,
    by_inode: HashMap<u64, usize>,
    orphan_inode: u64,
    joliet: bool,
    rock_ridge: bool,
    warnings: Vec<Warning>,
}

/// Builds the listed nodes from the raw trees.
struct Assembler {
    block_size: u64,
    out: Vec<Node>,
    by_inode: HashMap<u64, usize>,
}

impl Assembler {
    fn node(&self, raw: &RawNode, rr: Option<&RockRidge>, name: String, inode: u64) -> Node {
        let kind = kind_of(raw, rr);
        let mut times = Times {
            mtime: time::short(&raw.rec.date),
            ..Times::default()
        };
        if let Some(rr) = rr {
            let t = rr.times;
            times.crtime = t.crtime.or(times.crtime);
            times.mtime = t.mtime.or(times.mtime);
            times.atime = t.atime.or(times.atime);
            times.ctime = t.ctime.or(times.ctime);
        }
        let runs = match raw.dir {
            Some((at, len)) => vec![Run {
                offset: Some(at),
                len,
            }],
            None => raw
                .extents
                .iter()
                .map(|&(lba, xar, size)| Run {
                    offset: Some((u64::from(lba) + u64::from(xar)) * self.block_size),
                    len: u64::from(size),
                })
                .collect(),
        };
        Node {
            name,
            inode,
            children: Vec::new(),
            kind,
            mode: rr.and_then(|r| r.mode).map_or(0, |m| m & 0o7777),
            uid: rr.and_then(|r| r.uid).unwrap_or(0),
            gid: rr.and_then(|r| r.gid).unwrap_or(0),
            size: raw.size(),
            runs,
            times,
            link: rr.and_then(|r| r.link.clone()),
            refuse: raw.rec.interleaved().then(|| {
                format!(
                    "interleaved file (directory record at offset {}): not supported",
                    raw.rec.offset
                )
            }),
        }
    }

    /// Appends the subtree of `p` (primary-only) under listed node `parent`.
    fn append_primary_only(
        &mut self,
        tree: &RawTree,
        p: usize,
        parent: usize,
        numbers: &[Option<u64>],
        next_extra: &mut u64,
    ) {
        // Iterative, so deep trees cannot exhaust the stack; children are
        // pushed reversed so that each directory's children are appended in
        // directory order.
        let mut stack = vec![(p, parent)];
        while let Some((p, parent)) = stack.pop() {
            let raw = &tree.nodes[p];
            let inode = match numbers[p] {
                Some(n) => n,
                None => {
                    let n = *next_extra;
                    *next_extra += 1;
                    n
                }
            };
            let node = self.node(raw, raw.rr.as_ref(), raw.shown_name(), inode);
            let i = self.out.len();
            self.out.push(node);
            self.by_inode.entry(inode).or_insert(i);
            self.out[parent].children.push(i);
            for &c in raw.children.iter().rev() {
                stack.push((c, i));
            }
        }
    }
}

/// Pops the first node of `map[k]` without a partner yet.
fn take<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, VecDeque<usize>>,
    k: &K,
    partner: &[Option<usize>],
) -> Option<usize> {
    let q = map.get_mut(k)?;
    while let Some(j) = q.pop_front() {
        if partner[j].is_none() {
            return Some(j);
        }
    }
    None
}

/// Directories whose names differ between the trees are tried against at
/// most this many unmatched Joliet directories for a shared file.
const MAX_DIR_GUESSES: usize = 64;

/// Matches primary-tree nodes to Joliet nodes, directory by directory from
/// the roots: files by extent and size (TSK's rule), directories and empty
/// files by name (exact, then case-insensitive), then directories by a
/// shared file, then whatever is left on both sides in equal numbers, in
/// order. Returns `partner[joliet] = Some(primary)` and which primary
/// nodes are accounted for.
fn match_trees(primary: &RawTree, joliet: &RawTree) -> (Vec<Option<usize>>, Vec<bool>) {
    let mut partner: Vec<Option<usize>> = vec![None; joliet.nodes.len()];
    let mut p_matched = vec![false; primary.nodes.len()];
    let mut by_key: HashMap<(u32, u32), VecDeque<usize>> = HashMap::new();
    for (j, n) in joliet.nodes.iter().enumerate() {
        if let (false, Some(k)) = (n.is_dir(), n.key()) {
            if k.1 > 0 {
                by_key.entry(k).or_default().push_back(j);
            }
        }
    }
    partner[0] = Some(0);
    p_matched[0] = true;
    let mut stack = vec![(0usize, 0usize)];
    while let Some((pd, jd)) = stack.pop() {
        let pk = &primary.nodes[pd].children;
        let jk = &joliet.nodes[jd].children;
        let mut keys: HashMap<(u32, u32), VecDeque<usize>> = HashMap::new();
        let mut names: HashMap<(bool, String), VecDeque<usize>> = HashMap::new();
        let mut lower: HashMap<(bool, String), VecDeque<usize>> = HashMap::new();
        for &j in jk {
            let n = &joliet.nodes[j];
            match n.key() {
                Some(k) if !n.is_dir() && k.1 > 0 => keys.entry(k).or_default().push_back(j),
                _ => {
                    names
                        .entry((n.is_dir(), n.name.clone()))
                        .or_default()
                        .push_back(j);
                    lower
                        .entry((n.is_dir(), n.name.to_lowercase()))
                        .or_default()
                        .push_back(j);
                }
            }
        }
        let mut pending: Vec<usize> = Vec::new();
        for &p in pk {
            let pn = &primary.nodes[p];
            let mut found = None;
            if let (false, Some(key)) = (pn.is_dir(), pn.key()) {
                if key.1 > 0 {
                    found = take(&mut keys, &key, &partner)
                        .or_else(|| take(&mut by_key, &key, &partner));
                }
            }
            if found.is_none() && (pn.is_dir() || pn.size() == 0) {
                let name = pn.shown_name();
                found = take(&mut names, &(pn.is_dir(), name.clone()), &partner)
                    .or_else(|| take(&mut lower, &(pn.is_dir(), name.to_lowercase()), &partner));
            }
            if found.is_none() && pn.is_dir() {
                // A directory whose names differ: one sharing a file.
                let shared: HashSet<(u32, u32)> = pn
                    .children
                    .iter()
                    .filter_map(|&c| primary.nodes[c].key())
                    .filter(|k| k.1 > 0)
                    .collect();
                if !shared.is_empty() {
                    found = jk
                        .iter()
                        .copied()
                        .filter(|&j| partner[j].is_none() && joliet.nodes[j].is_dir())
                        .take(MAX_DIR_GUESSES)
                        .find(|&j| {
                            joliet.nodes[j].children.iter().any(|&c| {
                                joliet.nodes[c].key().is_some_and(|k| shared.contains(&k))
                            })
                        });
                }
            }
            match found {
                Some(j) => {
                    partner[j] = Some(p);
                    p_matched[p] = true;
                    if pn.is_dir() {
                        stack.push((p, j));
                    }
                }
                None => pending.push(p),
            }
        }
        // Left over on both sides in equal numbers: pair them in order
        // (names the two trees spell differently).
        for want_dir in [true, false] {
            let fits = |n: &RawNode| n.is_dir() == want_dir && (want_dir || n.size() == 0);
            let ps: Vec<usize> = pending
                .iter()
                .copied()
                .filter(|&p| fits(&primary.nodes[p]))
                .collect();
            let js: Vec<usize> = jk
                .iter()
                .copied()
                .filter(|&j| partner[j].is_none() && fits(&joliet.nodes[j]))
                .collect();
            if !ps.is_empty() && ps.len() == js.len() {
                for (&p, &j) in ps.iter().zip(&js) {
                    partner[j] = Some(p);
                    p_matched[p] = true;
                    if want_dir {
                        stack.push((p, j));
                    }
                }
            }
        }
    }
    (partner, p_matched)
}

impl IsoFs {
    /// Opens the ISO 9660 volume in `source` and loads its directory tree.
    pub fn open(source: Arc<dyn Source>) -> Result<IsoFs, FsError> {
        let vol = Volume::read(source.as_ref())?;
        let image_len = source.len();
        let mut warnings = vol.warnings.clone();
        let budget = image_len.saturating_mul(2).saturating_add(1 << 20);
        let label = vol
            .primary
            .as_ref()
            .map(|p| p.volume_id.clone())
            .filter(|s| !s.is_empty())
            .or_else(|| {
                vol.joliet
                    .as_ref()
                    .map(|j| j.volume_id.clone())
                    .filter(|s| !s.is_empty())
            });
        // Rock Ridge: announced by SP in the root's `.` record.
        let mut rr_skip = None;
        if let Some(p) = &vol.primary {
            let at = u64::from(p.root.lba) * vol.block_size;
            let mut b = [0u8; 256];
            if source.read_exact_at(at, &mut b[..1]).is_ok() {
                let n = usize::from(b[0]);
                if n >= record::MIN_RECORD && source.read_exact_at(at, &mut b[..n]).is_ok() {
                    if let Some(dot) = record::parse(&b[..n], at) {
                        rr_skip = susp::sp_skip(&dot.sua);
                    }
                }
            }
        }
        let walker = |joliet: bool, root: &Record, budget: u64| {
            let mut w = Walker {
                source: source.as_ref(),
                block_size: vol.block_size,
                image_len,
                joliet,
                susp: (!joliet).then_some(rr_skip).flatten().map(|skip| Reader {
                    source: source.as_ref(),
                    block_size: vol.block_size,
                    skip,
                    budget: Cell::new(image_len.saturating_add(1 << 20)),
                    exhausted: Cell::new(false),
                }),
                budget,
                budget_warned: false,
                visited: HashMap::new(),
                warnings: Vec::new(),
            };
            if !root.is_dir() {
                w.warnings.push(Warning {
                    offset: root.offset,
                    what: format!(
                        "{}: root directory record is not flagged as a directory; read as one",
                        w.tree_name()
                    ),
                });
            }
            let tree = w.walk(root);
            (tree, w.budget, w.warnings)
        };
        let mut budget_left = budget;
        let primary = vol.primary.as_ref().map(|p| {
            let (t, b, w) = walker(false, &p.root, budget_left);
            budget_left = b;
            warnings.extend(w);
            t
        });
        let joliet = vol.joliet.as_ref().map(|j| {
            let (t, _, w) = walker(true, &j.root, budget_left);
            warnings.extend(w);
            t
        });
        let mut asm = Assembler {
            block_size: vol.block_size,
            out: Vec::new(),
            by_inode: HashMap::new(),
        };
        let orphan_inode;
        match (primary, joliet) {
            (Some(p), None) | (None, Some(p)) => {
                // One tree: TSK numbers every record in path-table order.
                let mut n = 0u64;
                for (i, raw) in p.nodes.iter().enumerate() {
                    let name = if i == 0 {
                        String::new()
                    } else {
                        raw.shown_name()
                    };
                    let node = asm.node(raw, raw.rr.as_ref(), name, n);
                    asm.by_inode.insert(n, i);
                    asm.out.push(node);
                    n += raw.extents.len().max(1) as u64;
                }
                for (i, raw) in p.nodes.iter().enumerate() {
                    asm.out[i].children = raw.children.clone();
                }
                orphan_inode = n;
            }
            (Some(p), Some(j)) => {
                // Joliet first (TSK's order), then the primary tree's files
                // Joliet does not share.
                let mut n = 0u64;
                let mut seen: HashSet<(u32, u32)> = HashSet::new();
                let mut j_numbers = Vec::with_capacity(j.nodes.len());
                for raw in &j.nodes {
                    j_numbers.push(n);
                    for &(lba, _, size) in &raw.extents {
                        seen.insert((lba, size));
                    }
                    n += raw.extents.len().max(1) as u64;
                }
                let mut p_numbers: Vec<Option<u64>> = vec![None; p.nodes.len()];
                for (i, raw) in p.nodes.iter().enumerate().skip(1) {
                    if raw.is_dir() {
                        continue;
                    }
                    for &(lba, _, size) in &raw.extents {
                        if size > 0 && seen.contains(&(lba, size)) {
                            continue;
                        }
                        seen.insert((lba, size));
                        p_numbers[i].get_or_insert(n);
                        n += 1;
                    }
                }
                orphan_inode = n;
                let mut next_extra = n + 1;
                let (partner, p_matched) = match_trees(&p, &j);
                for (i, raw) in j.nodes.iter().enumerate() {
                    let pr = partner[i].map(|x| &p.nodes[x]);
                    let rr = pr.and_then(|x| x.rr.as_ref());
                    let name = if i == 0 {
                        String::new()
                    } else {
                        match rr.and_then(|r| r.name.as_deref()) {
                            Some(nm) => {
                                let mut s = record::printable(nm);
                                if raw.rec.flags & FLAG_ASSOCIATED != 0
                                    && !s.ends_with(" (associated file)")
                                {
                                    s.push_str(" (associated file)");
                                }
                                s
                            }
                            None => raw.name.clone(),
                        }
                    };
                    // Times and attributes: the Joliet record's date, Rock
                    // Ridge from the primary partner.
                    let node = asm.node(raw, rr, name, j_numbers[i]);
                    asm.by_inode.insert(j_numbers[i], i);
                    asm.out.push(node);
                }
                for (i, raw) in j.nodes.iter().enumerate() {
                    asm.out[i].children = raw.children.clone();
                }
                let mut p_to_j: HashMap<usize, usize> = HashMap::new();
                for (ji, pi) in partner.iter().enumerate() {
                    if let Some(pi) = pi {
                        p_to_j.insert(*pi, ji);
                    }
                }
                // Primary numbers of matched files address the same node.
                for (pi, num) in p_numbers.iter().enumerate() {
                    if let (Some(num), Some(&ji)) = (num, p_to_j.get(&pi)) {
                        asm.by_inode.entry(*num).or_insert(ji);
                    }
                }
                // Primary-only entries, under their matched parent.
                for (pd, raw) in p.nodes.iter().enumerate() {
                    let Some(&jd) = p_to_j.get(&pd) else {
                        continue;
                    };
                    if !raw.is_dir() {
                        continue;
                    }
                    for &c in &raw.children {
                        if !p_matched[c] {
                            asm.append_primary_only(&p, c, jd, &p_numbers, &mut next_extra);
                        }
                    }
                }
            }
            (None, None) => {
                return Err(FsError::Corrupt {
                    structure: "ISO 9660 volume descriptor set".into(),
                    offset: crate::volume::FIRST_DESCRIPTOR,
                    what: "no directory tree".into(),
                })
            }
        }
        let Assembler {
            out: nodes,
            by_inode,
            ..
        } = asm;
        Ok(IsoFs {
            source,
            label,
            nodes,
            by_inode,
            orphan_inode,
            joliet: vol.joliet.is_some(),
            rock_ridge: rr_skip.is_some(),
            warnings,
        })
    }

    /// Whether the volume has a Joliet tree (names are read from it).
    pub fn has_joliet(&self) -> bool {
        self.joliet
    }

    /// Whether the primary tree carries Rock Ridge entries.
    pub fn has_rock_ridge(&self) -> bool {
        self.rock_ridge
    }

    fn entry(&self, path: String, n: &Node) -> Entry {
        let path = match &n.link {
            Some(l) => format!("{path} -> {l}"),
            None => path,
        };
        Entry {
            path,
            inode: n.inode.to_string(),
            name_kind: n.kind,
            meta_kind: n.kind,
            mode: n.mode,
            uid: n.uid,
            gid: n.gid,
            size: n.size,
            times: n.times,
            deleted: false,
            meta_allocated: true,
            recovery: Recovery::Certain,
        }
    }
}

impl FileSystem for IsoFs {
    fn kind(&self) -> &str {
        "ISO9660"
    }

    fn label(&self) -> Option<String> {
        self.label.clone()
    }

    fn list(&self) -> Result<Listing, FsError> {
        let mut out = Listing {
            entries: Vec::with_capacity(self.nodes.len()),
            warnings: self.warnings.clone(),
        };
        // Depth first, directory order; the tree is acyclic by construction.
        let mut stack: Vec<(usize, String)> = Vec::new();
        if let Some(root) = self.nodes.first() {
            for &c in root.children.iter().rev() {
                stack.push((c, String::new()));
            }
        }
        while let Some((i, parent)) = stack.pop() {
            let Some(n) = self.nodes.get(i) else { continue };
            let path = format!("{parent}/{}", n.name);
            out.entries.push(self.entry(path.clone(), n));
            for &c in n.children.iter().rev() {
                stack.push((c, path.clone()));
            }
        }
        out.entries.push(Entry {
            path: "/$OrphanFiles".into(),
            inode: self.orphan_inode.to_string(),
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
        Ok(out)
    }

    fn open(&self, inode: &str, stream: Option<&str>) -> Result<FileData, FsError> {
        if let Some(s) = stream {
            return Err(FsError::Unsupported(format!(
                "ISO 9660 has no named streams (asked for `{s}` of {inode})"
            )));
        }
        Ok(FileData::from_runs(self.content(inode)?, Recovery::Certain))
    }

    fn extents(&self, inode: &str) -> Result<Option<Vec<Run>>, FsError> {
        Ok(Some(self.content(inode)?.runs()))
    }
}

impl IsoFs {
    /// The content of `inode` as runs of the volume (always certain).
    fn content(&self, inode: &str) -> Result<RunsSource, FsError> {
        let n: u64 = inode
            .parse()
            .map_err(|_| FsError::NotFound(inode.to_string()))?;
        let name = format!("{}:{inode}", self.source.name());
        if n == self.orphan_inode {
            return Ok(RunsSource::new(
                Arc::clone(&self.source),
                Vec::new(),
                0,
                name,
            )?);
        }
        let node = self
            .by_inode
            .get(&n)
            .and_then(|&i| self.nodes.get(i))
            .ok_or_else(|| FsError::NotFound(inode.to_string()))?;
        if let Some(why) = &node.refuse {
            return Err(FsError::Unsupported(why.clone()));
        }
        Ok(RunsSource::new(
            Arc::clone(&self.source),
            node.runs.clone(),
            node.size,
            name,
        )?)
    }
}

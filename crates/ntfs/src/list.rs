//! The listing: TSK's `fls -r -m /` for NTFS. A first pass reads every
//! MFT record to learn which records name which directory as parent; the
//! tree is then walked depth first from the root through each directory's
//! index, adding the records that name it as parent but are missing from
//! the index (deleted files), and finally `$OrphanFiles`.

use std::collections::{HashMap, HashSet};

use exhibit_evidence::Source;
use exhibit_vfs::{Entry, EntryKind, FsError, Listing, Recovery, Times};

use crate::attr;
use crate::content;
use crate::fs::{
    corrupt, sanitize, Attr, AttrData, FileMeta, Name, NtfsFs, Warnings, MAX_DEPTH,
    MAX_INDEX_BYTES, ROOT,
};
use crate::index;
use crate::record;
use crate::runlist::Extent;

/// What the first pass over the MFT keeps of every base record.
#[derive(Debug, Clone)]
struct Light {
    in_use: bool,
    used: bool,
    is_dir: bool,
    names: Vec<Name>,
}

/// For each directory entry number: (the parent sequence number the child
/// expects, child entry), in MFT order. Indexed by record number
/// (`start[d]..start[d + 1]` into `items`).
struct Parents {
    start: Vec<usize>,
    items: Vec<(u16, u64)>,
}

impl Parents {
    fn build(light: &[Option<Light>]) -> Self {
        let n = light.len();
        let mut start = vec![0usize; n + 1];
        for l in light.iter().flatten() {
            for nm in &l.names {
                if (nm.parent as usize) < n {
                    start[nm.parent as usize + 1] += 1;
                }
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill: Vec<usize> = start[..n].to_vec();
        let mut items = vec![(0u16, 0u64); start[n]];
        for (child, l) in light.iter().enumerate() {
            let Some(l) = l else { continue };
            for nm in &l.names {
                if let Some(f) = fill.get_mut(nm.parent as usize) {
                    if let Some(slot) = items.get_mut(*f) {
                        *slot = (nm.parent_seq, child as u64);
                        *f += 1;
                    }
                }
            }
        }
        Parents { start, items }
    }

    fn get(&self, dir: u64) -> &[(u16, u64)] {
        let d = dir as usize;
        match (self.start.get(d), self.start.get(d + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// Records read from the MFT at a time by the first pass.
const SCAN_CHUNK_BYTES: u64 = 1 << 20;

/// The first pass over records `from..to`.
fn scan_range(fs: &NtfsFs, from: u64, to: u64) -> (Vec<Option<Light>>, Warnings) {
    let mut w = Warnings::new();
    let mut light = Vec::with_capacity((to - from).min(1 << 24) as usize);
    let rs = fs.boot.record_size as u64;
    let per = (SCAN_CHUNK_BYTES / rs).max(1);
    let mut buf = Vec::new();
    let mut first = from;
    while first < to {
        let count = per.min(to - first);
        buf.resize((count * rs) as usize, 0);
        let bulk = first
            .checked_mul(rs)
            .is_some_and(|start| fs.read_mft_bytes(start, &mut buf));
        for (i, n) in (first..first + count).enumerate() {
            let mut warn = |o: u64, s: String| w.push(o, s);
            let loaded = if bulk {
                let rec = &mut buf[i * rs as usize..(i + 1) * rs as usize];
                fs.load_raw(n, rec, &mut warn)
            } else {
                fs.load(n, &mut warn)
            };
            match loaded {
                Ok(m) if m.base_ref == 0 => light.push(Some(Light {
                    in_use: m.in_use,
                    used: !m.attrs.is_empty(),
                    is_dir: m.is_dir,
                    names: m.names,
                })),
                Ok(_) => light.push(None),
                Err((o, e)) => {
                    w.push(o, format!("MFT entry {n}: {e}; skipped"));
                    light.push(None);
                }
            }
        }
        first += count;
    }
    (light, w)
}

/// First pass: every base record's names and state, and which
/// records name each directory as their parent. The two halves of the
/// MFT are read in parallel.
fn scan(fs: &NtfsFs, w: &mut Warnings) -> (Vec<Option<Light>>, Parents) {
    let total = fs.record_count;
    let mid = total / 2;
    let (mut light, w1, (light2, w2)) = if total >= 4096 {
        std::thread::scope(|s| {
            let second = s.spawn(|| scan_range(fs, mid, total));
            let (l1, w1) = scan_range(fs, 0, mid);
            let second = second.join().unwrap_or_else(|_| scan_range(fs, mid, total));
            (l1, w1, second)
        })
    } else {
        let (l, w1) = scan_range(fs, 0, total);
        (l, w1, (Vec::new(), Warnings::new()))
    };
    light.extend(light2);
    w.append(w1);
    w.append(w2);
    let parents = Parents::build(&light);
    (light, parents)
}

/// A name in a directory listing.
#[derive(Debug, Clone)]
struct DirName {
    name: String,
    addr: u64,
    /// Sequence number the name expects (index entries only).
    seq: Option<u16>,
    kind: EntryKind,
    deleted: bool,
    orphan_dir: bool,
}

/// The state of one `list()`.
struct Walk<'a> {
    fs: &'a NtfsFs,
    light: Vec<Option<Light>>,
    parents: Parents,
    each: &'a mut dyn FnMut(Entry),
    /// Reused record buffer.
    rec_buf: Vec<u8>,
    w: Warnings,
    visited: HashSet<u64>,
    named_unalloc: HashSet<u64>,
}

impl Walk<'_> {
    fn load_quiet(&self, n: u64) -> Option<FileMeta> {
        self.fs.load(n, &mut |_, _| {}).ok()
    }

    /// The names in directory `dir`: its index (root and allocation), then
    /// the records naming it as parent that the index lacks (deleted
    /// files), like TSK; the root also gets `$OrphanFiles`.
    fn dir_names(&mut self, dir: &FileMeta) -> Vec<DirName> {
        let mut out: Vec<DirName> = Vec::new();
        let mut seen: HashMap<(u64, String), usize> = HashMap::new();
        // TSK keeps one name per (entry, name): a deleted duplicate gives way
        // to an allocated one.
        let mut add =
            |dn: DirName, out: &mut Vec<DirName>| match seen.get(&(dn.addr, dn.name.clone())) {
                Some(&i) => {
                    if out[i].deleted && !dn.deleted {
                        out[i] = dn;
                    }
                }
                None => {
                    seen.insert((dn.addr, dn.name.clone()), out.len());
                    out.push(dn);
                }
            };
        let is_del = !dir.in_use;
        let at = self.fs.record_offset(dir.addr);
        let pick = |t: u32| {
            dir.attrs
                .iter()
                .find(|a| a.type_code == t && a.name == "$I30")
                .or_else(|| dir.attrs.iter().find(|a| a.type_code == t))
        };
        let mut block = self.fs.boot.index_record_size as u64;
        let mut entries: Vec<index::IndexEntry> = Vec::new();
        match pick(record::AT_INDEX_ROOT).map(|a| &a.data) {
            Some(AttrData::Resident(v)) => match index::root_header(v) {
                Some(h) if h.indexed_type == record::AT_FILE_NAME => {
                    if h.block_size.is_power_of_two() && (256..=65536).contains(&h.block_size) {
                        block = h.block_size as u64;
                    }
                    let (ents, err) = index::node_entries(v, 16);
                    if let Some((o, e)) = err {
                        self.w.push(
                            at,
                            format!("directory {} $INDEX_ROOT byte {o}: {e}", dir.addr),
                        );
                    }
                    entries.extend(ents);
                }
                Some(_) => {}
                None => self.w.push(
                    at,
                    format!("directory {}: $INDEX_ROOT is truncated", dir.addr),
                ),
            },
            Some(AttrData::NonResident { .. }) => self.w.push(
                at,
                format!("directory {}: $INDEX_ROOT is non-resident", dir.addr),
            ),
            None => {
                if dir.is_dir {
                    self.w
                        .push(at, format!("directory {} has no $INDEX_ROOT", dir.addr));
                }
            }
        }
        if let Some(a) = pick(record::AT_INDEX_ALLOCATION) {
            if let AttrData::NonResident {
                extents, init_size, ..
            } = &a.data
            {
                let (size, init) = (a.size, *init_size);
                self.index_allocation(dir.addr, at, extents, size, init, block, &mut entries);
            }
        }
        for e in entries {
            if e.key.namespace == attr::NS_DOS {
                continue; // the long name of the same file is listed
            }
            if e.record >= self.fs.record_count {
                self.w.push(
                    at,
                    format!(
                        "directory {}: index entry `{}` points to MFT entry {} outside the MFT",
                        dir.addr, e.key.name, e.record
                    ),
                );
                continue;
            }
            add(
                DirName {
                    kind: if e.key.flags & attr::FN_FLAG_DIRECTORY != 0 {
                        EntryKind::Directory
                    } else {
                        EntryKind::File
                    },
                    name: e.key.name,
                    addr: e.record,
                    seq: Some(e.seq),
                    deleted: is_del,
                    orphan_dir: false,
                },
                &mut out,
            );
        }
        // records that name this directory as their parent
        let seq = if is_del {
            dir.seq.saturating_sub(1)
        } else {
            dir.seq
        };
        {
            for &(pseq, child) in self.parents.get(dir.addr) {
                if pseq != seq {
                    continue;
                }
                let Some(Some(l)) = self.light.get(child as usize) else {
                    continue;
                };
                for n in &l.names {
                    if n.parent == dir.addr {
                        add(
                            DirName {
                                name: n.name.clone(),
                                addr: child,
                                seq: None,
                                kind: EntryKind::Unknown,
                                deleted: !l.in_use,
                                orphan_dir: false,
                            },
                            &mut out,
                        );
                    }
                }
            }
        }
        if dir.addr == ROOT {
            out.push(DirName {
                name: "$OrphanFiles".into(),
                addr: self.fs.record_count,
                seq: None,
                kind: EntryKind::VirtualDirectory,
                deleted: false,
                orphan_dir: true,
            });
        }
        out
    }

    /// Reads the `INDX` records of a directory's `$INDEX_ALLOCATION`,
    /// skipping sparse parts and bounded in total size.
    #[allow(clippy::too_many_arguments)]
    fn index_allocation(
        &mut self,
        dir: u64,
        at: u64,
        extents: &[Extent],
        size: u64,
        init_size: u64,
        block: u64,
        out: &mut Vec<index::IndexEntry>,
    ) {
        let cs = self.fs.boot.cluster_size;
        let runs = match content::byte_runs(&content::contiguous(extents), cs, init_size) {
            Ok(r) => r,
            Err(e) => {
                self.w
                    .push(at, format!("directory {dir} $INDEX_ALLOCATION: {e}"));
                return;
            }
        };
        let src = match exhibit_vfs::RunsSource::new(
            self.fs.volume.clone(),
            runs.clone(),
            size,
            format!("MFT entry {dir} $INDEX_ALLOCATION"),
        ) {
            Ok(s) => s,
            Err(e) => {
                self.w
                    .push(at, format!("directory {dir} $INDEX_ALLOCATION: {e}"));
                return;
            }
        };
        let size = src.len();
        let mut blocks: Vec<u64> = Vec::new();
        let mut pos = 0u64;
        let budget = MAX_INDEX_BYTES / block;
        'runs: for r in &runs {
            if r.offset.is_some() && pos < size {
                let first = pos / block;
                let last = (pos.saturating_add(r.len).min(size) - 1) / block;
                for b in first..=last {
                    if blocks.last() != Some(&b) {
                        if blocks.len() as u64 >= budget {
                            self.w.push(
                                at,
                                format!("directory {dir}: index larger than {MAX_INDEX_BYTES} bytes; rest not read"),
                            );
                            break 'runs;
                        }
                        blocks.push(b);
                    }
                }
            }
            pos = pos.saturating_add(r.len);
        }
        let mut buf = vec![0u8; block as usize];
        for b in blocks {
            let off = b * block;
            buf.fill(0);
            let n = match src.read_at(off, &mut buf) {
                Ok(n) => n,
                Err(e) => {
                    self.w
                        .push(at, format!("directory {dir} index record at {off}: {e}"));
                    continue;
                }
            };
            if n < 28 || &buf[0..4] != b"INDX" {
                continue;
            }
            if let Err(e) = record::apply_fixups(&mut buf) {
                self.w.push(
                    at,
                    format!("directory {dir} index record at {off}: {e}; skipped"),
                );
                continue;
            }
            let (ents, err) = index::node_entries(&buf, 24);
            if let Some((o, e)) = err {
                self.w.push(
                    at,
                    format!("directory {dir} index record at {off}, byte {o}: {e}"),
                );
            }
            out.extend(ents);
        }
    }

    /// The metadata a name refers to, or `None` when it cannot be loaded or
    /// its sequence number says the entry now belongs to another file.
    fn resolve(&mut self, dn: &DirName) -> Option<FileMeta> {
        if dn.addr >= self.fs.record_count {
            return None;
        }
        let meta = match self.fs.load_in(dn.addr, &mut self.rec_buf, &mut |_, _| {}) {
            Ok(m) => m,
            Err(_) => return None, // already warned by the scan
        };
        if let Some(seq) = dn.seq {
            // Windows increments the sequence number when it frees a record
            let expect = if meta.in_use {
                meta.seq
            } else {
                meta.seq.saturating_sub(1)
            };
            if seq != expect {
                return None;
            }
        }
        Some(meta)
    }

    fn times_si(meta: &FileMeta) -> Times {
        match &meta.si {
            Some(si) => Times {
                atime: attr::nt_time(si.atime),
                mtime: attr::nt_time(si.mtime),
                ctime: attr::nt_time(si.ctime),
                crtime: attr::nt_time(si.crtime),
            },
            None => Times::default(),
        }
    }

    /// The body-file lines TSK prints for one name.
    fn emit(&mut self, path: &str, dn: &DirName, meta: Option<&FileMeta>) {
        let Some(m) = meta else {
            (self.each)(Entry {
                path: path.to_string(),
                inode: dn.addr.to_string(),
                name_kind: dn.kind,
                meta_kind: EntryKind::Unknown,
                mode: 0,
                uid: 0,
                gid: 0,
                size: 0,
                times: Times::default(),
                deleted: dn.deleted,
                meta_allocated: false,
                recovery: Recovery::Lost,
            });
            return;
        };
        let meta_kind = if m.is_dir {
            EntryKind::Directory
        } else {
            EntryKind::File
        };
        let base =
            |path: String, inode: String, size: u64, times: Times, recovery: Recovery| Entry {
                path,
                inode,
                name_kind: dn.kind,
                meta_kind,
                mode: m.mode,
                uid: m.si.map(|s| s.owner_id).unwrap_or(0),
                gid: 0,
                size,
                times,
                deleted: dn.deleted,
                meta_allocated: m.in_use,
                recovery,
            };
        let si_times = Self::times_si(m);
        let recovery_of = |a: &Attr| {
            if m.in_use || matches!(a.data, AttrData::Resident(_)) {
                Recovery::Certain
            } else {
                Recovery::Guess
            }
        };
        let mut printed = false;
        for a in &m.attrs {
            let inode = format!("{}-{}-{}", m.addr, a.type_code, a.id);
            match a.type_code {
                record::AT_DATA | record::AT_INDEX_ROOT => {
                    printed = true;
                    let stream = if a.name.is_empty()
                        || (a.type_code == record::AT_INDEX_ROOT && a.name == "$I30")
                    {
                        String::new()
                    } else {
                        format!(":{}", a.name)
                    };
                    let e = base(
                        format!("{path}{stream}"),
                        inode,
                        a.size,
                        si_times,
                        recovery_of(a),
                    );
                    (self.each)(e);
                }
                record::AT_FILE_NAME if a.id == m.fn_id => {
                    let [cr, mt, ct, at] = m.fn_times;
                    let times = Times {
                        atime: attr::nt_time(at),
                        mtime: attr::nt_time(mt),
                        ctime: attr::nt_time(ct),
                        crtime: attr::nt_time(cr),
                    };
                    let e = base(
                        format!("{path} ($FILE_NAME)"),
                        inode,
                        a.size,
                        times,
                        Recovery::Certain,
                    );
                    (self.each)(e);
                }
                _ => {}
            }
        }
        if !printed {
            let recovery = if m.in_use || m.size == 0 {
                Recovery::Certain
            } else {
                Recovery::Guess
            };
            let e = base(
                path.to_string(),
                m.addr.to_string(),
                m.size,
                si_times,
                recovery,
            );
            (self.each)(e);
        }
    }

    /// Lists directory `dir` under `prefix` and recurses, depth first.
    fn walk(&mut self, dir: &FileMeta, prefix: &str, depth: usize) {
        let names = self.dir_names(dir);
        for dn in names {
            if dn.name == "." || dn.name == ".." {
                continue;
            }
            let path = format!("{prefix}/{}", sanitize(&dn.name));
            if dn.orphan_dir {
                self.orphans(&path, &dn);
                continue;
            }
            let meta = self.resolve(&dn);
            self.emit(&path, &dn, meta.as_ref());
            let Some(m) = meta else { continue };
            if !m.in_use {
                self.named_unalloc.insert(m.addr);
            }
            self.descend(&dn, &m, &path, depth);
        }
    }

    fn descend(&mut self, dn: &DirName, m: &FileMeta, path: &str, depth: usize) {
        let recurse = matches!(dn.kind, EntryKind::Directory | EntryKind::Unknown)
            && m.is_dir
            && (!dn.deleted || !m.in_use);
        if !recurse {
            return;
        }
        let at = self.fs.record_offset(m.addr);
        if depth + 1 >= MAX_DEPTH {
            self.w.push(
                at,
                format!(
                    "directory {} at `{path}` is nested deeper than {MAX_DEPTH}; not listed",
                    m.addr
                ),
            );
            return;
        }
        if !self.visited.insert(m.addr) {
            self.w.push(
                at,
                format!("directory {} reached again at `{path}` (loop or second name); not listed again", m.addr),
            );
            return;
        }
        self.walk(m, path, depth + 1);
    }

    /// `$OrphanFiles`: unallocated records with attributes that no name
    /// reached, as TSK finds them; orphaned directories bring their
    /// contents along.
    fn orphans(&mut self, path: &str, dn: &DirName) {
        (self.each)(Entry {
            path: path.to_string(),
            inode: dn.addr.to_string(),
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
        let mut in_subdirs: HashSet<u64> = HashSet::new();
        let mut found: Vec<DirName> = Vec::new();
        for n in 0..self.light.len() as u64 {
            let Some(Some(l)) = self.light.get(n as usize) else {
                continue;
            };
            if l.in_use || !l.used || self.named_unalloc.contains(&n) || in_subdirs.contains(&n) {
                continue;
            }
            let name = l
                .names
                .first()
                .map(|x| x.name.clone())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| format!("OrphanFile-{n}"));
            let is_dir = l.is_dir;
            found.push(DirName {
                name,
                addr: n,
                seq: None,
                kind: EntryKind::Unknown,
                deleted: true,
                orphan_dir: false,
            });
            if is_dir {
                if let Some(m) = self.load_quiet(n) {
                    let mut seen = HashSet::from([n]);
                    self.mark_orphan_subtree(&m, &mut in_subdirs, &mut seen, 0);
                }
            }
        }
        found.retain(|d| !in_subdirs.contains(&d.addr));
        for d in found {
            let p = format!("{path}/{}", sanitize(&d.name));
            let meta = self.resolve(&d);
            self.emit(&p, &d, meta.as_ref());
            if let Some(m) = meta {
                self.descend(&d, &m, &p, 1);
            }
        }
    }

    /// Marks what an orphaned directory contains as reachable through it.
    /// Returns false to stop (an allocated entry was met, as in TSK).
    fn mark_orphan_subtree(
        &mut self,
        dir: &FileMeta,
        marked: &mut HashSet<u64>,
        seen: &mut HashSet<u64>,
        depth: usize,
    ) -> bool {
        if depth >= MAX_DEPTH {
            return true;
        }
        for dn in self.dir_names(dir) {
            if dn.name == "." || dn.name == ".." || dn.orphan_dir {
                continue;
            }
            let Some(m) = self.resolve(&dn) else { continue };
            if dn.deleted {
                if m.in_use {
                    return false;
                }
                marked.insert(m.addr);
            }
            let recurse = matches!(dn.kind, EntryKind::Directory | EntryKind::Unknown)
                && m.is_dir
                && (!dn.deleted || !m.in_use);
            if recurse
                && seen.insert(m.addr)
                && !self.mark_orphan_subtree(&m, marked, seen, depth + 1)
            {
                return false;
            }
        }
        true
    }
}

/// Lists the file system like TSK's `fls -r -m /`, handing each entry to
/// `each` as it is found; returns the warnings.
pub(crate) fn list_each(
    fs: &NtfsFs,
    each: &mut dyn FnMut(Entry),
) -> Result<Vec<exhibit_vfs::Warning>, FsError> {
    let mut w = Warnings::new();
    for x in &fs.open_warnings {
        w.push(x.offset, x.what.clone());
    }
    let root = fs
        .load(ROOT, &mut |_, _| {})
        .map_err(|(o, e)| corrupt("MFT entry 5 (root directory)", o, e))?;
    let (light, parents) = scan(fs, &mut w);
    let mut walk = Walk {
        fs,
        light,
        parents,
        each,
        rec_buf: Vec::new(),
        w,
        visited: HashSet::from([ROOT]),
        named_unalloc: HashSet::new(),
    };
    walk.walk(&root, "", 0);
    Ok(walk.w.finish())
}

/// Lists the file system like TSK's `fls -r -m /`.
pub(crate) fn list(fs: &NtfsFs) -> Result<Listing, FsError> {
    let mut entries = Vec::new();
    let warnings = list_each(fs, &mut |e| entries.push(e))?;
    Ok(Listing { entries, warnings })
}

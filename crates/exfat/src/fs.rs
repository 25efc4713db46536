//! The exFAT file system: listing from the root (allocated and deleted
//! entry sets) and file content, addressed like TSK.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use exhibit_evidence::Source;
use exhibit_vfs::{
    Entry, EntryKind, FileData, FileSystem, FsError, FsOptions, Listing, Recovery, Run, RunsSource,
    Times, Warning,
};
use jiff::tz::TimeZone;

use crate::boot::{Layout, MAX_DIR_BYTES, ROOT_INODE};
use crate::dir::{FileSet, Item, Parser, Slot, Special};
use crate::table::{Bitmap, Cached, Table};
use crate::time::timestamp;

/// Deepest directory nesting followed (TSK's `MAX_DEPTH`).
const MAX_DEPTH: usize = 128;
/// How often the same directory cluster may be listed (deleted
/// directories may share a reused cluster; more means a damaged tree).
const MAX_VISITS: u32 = 4;
/// Largest up-case table (65 536 UTF-16 units).
const MAX_UPCASE: u64 = 128 * 1024;

/// Where a file's bytes are and how far that is known.
#[derive(Debug, Clone)]
struct Plan {
    clusters: Vec<u32>,
    size: u64,
    /// Bytes from `valid_len` to `size` read as zeros.
    valid_len: u64,
    recovery: Recovery,
    problem: Option<(u64, String)>,
    /// The lookup budget ran out: location and recovery not verified.
    unchecked: bool,
}

/// What an inode number stands for, for `open`.
#[derive(Debug, Clone)]
enum Target {
    File(FileSet),
    Special { first_cluster: u32, size: u64 },
    Empty,
}

/// A listing and what `open` needs from it.
struct Walked {
    listing: Listing,
    targets: HashMap<u64, Target>,
}

/// An exFAT volume opened read-only.
pub struct ExfatFs {
    source: Arc<dyn Source>,
    layout: Layout,
    vol: Cached,
    table: Table,
    bitmap: Option<Bitmap>,
    tz: TimeZone,
    label: Option<String>,
    open_warnings: Vec<Warning>,
    walked: OnceLock<Walked>,
}

impl ExfatFs {
    /// Opens the exFAT volume in `source` (a partition or whole image).
    /// Timestamps without a valid UTC offset are read as local time in
    /// `opts.local_tz`.
    pub fn open(source: Arc<dyn Source>, opts: &FsOptions) -> Result<ExfatFs, FsError> {
        let (layout, mut open_warnings) = Layout::read(source.as_ref())?;
        let vol = Cached::new(Arc::clone(&source));
        let table = Table::new(&layout);
        // The FAT must at least be readable.
        table.next(&vol, 0)?;
        if layout.image_sectors < layout.heap_offset {
            return Err(FsError::Corrupt {
                structure: "exFAT boot sector".into(),
                offset: layout.boot_offset + 88,
                what: format!(
                    "cluster heap at sector {} lies beyond the evidence ({} sectors)",
                    layout.heap_offset, layout.image_sectors
                ),
            });
        }
        let mut fs = ExfatFs {
            source,
            layout,
            vol,
            table,
            bitmap: None,
            tz: opts.local_tz.clone(),
            label: None,
            open_warnings: Vec::new(),
            walked: OnceLock::new(),
        };
        // Root directory: label, allocation bitmap, up-case table.
        let mut w = Vec::new();
        let root = fs.root_clusters(&mut w);
        let items = fs.read_dir(&root, "", false, &mut w);
        let mut bitmaps: Vec<(u8, u32, u64, u64)> = Vec::new();
        for it in &items {
            match it {
                Item::Label { text: Some(t), .. } if fs.label.is_none() && !t.is_empty() => {
                    fs.label = Some(t.clone())
                }
                Item::Special {
                    kind: Special::Bitmap,
                    flags,
                    first_cluster,
                    size,
                    offset,
                    ..
                } => bitmaps.push((*flags, *first_cluster, *size, *offset)),
                Item::Special {
                    kind: Special::Upcase,
                    first_cluster,
                    size,
                    checksum,
                    offset,
                    ..
                } => fs.check_upcase(
                    *first_cluster,
                    *size,
                    *checksum,
                    *offset,
                    &mut open_warnings,
                ),
                _ => {}
            }
        }
        let active = fs.layout.active_fat as u8;
        let chosen = bitmaps
            .iter()
            .find(|b| b.0 & 1 == active)
            .or(bitmaps.first())
            .copied();
        match chosen {
            Some((_, first, size, offset)) => {
                let want = u64::from(fs.layout.cluster_count).div_ceil(8);
                if size < want {
                    open_warnings.push(Warning {
                        offset,
                        what: format!(
                            "allocation bitmap entry: {size} bytes cannot cover {} clusters ({want} bytes needed); clusters beyond it are taken as allocated",
                            fs.layout.cluster_count
                        ),
                    });
                }
                let (clusters, problem) = fs.contiguous_or_chain(first, size);
                if let Some(p) = problem {
                    open_warnings.push(Warning {
                        offset,
                        what: format!("allocation bitmap: {p}"),
                    });
                }
                let runs = fs
                    .runs(&clusters)
                    .into_iter()
                    .filter_map(|r| r.offset.map(|o| (o, r.len)))
                    .collect();
                fs.bitmap = Some(Bitmap { runs });
            }
            None => open_warnings.push(Warning {
                offset: fs.layout.cluster_offset(fs.layout.root_cluster),
                what: "root directory has no allocation bitmap entry: every cluster is taken as allocated, deleted content as lost".into(),
            }),
        }
        open_warnings.append(&mut w);
        fs.open_warnings = open_warnings;
        Ok(fs)
    }

    /// Bytes per cluster.
    pub fn cluster_size(&self) -> u64 {
        self.layout.cluster_size
    }

    /// The volume serial number.
    pub fn serial(&self) -> u32 {
        self.layout.serial
    }

    /// File system revision (major in the high byte).
    pub fn revision(&self) -> u16 {
        self.layout.revision
    }

    /// Whether the VolumeDirty flag is set (not cleanly unmounted).
    pub fn dirty(&self) -> bool {
        self.layout.volume_flags & 2 != 0
    }

    /// FAT lookups one listing may spend on chains and recovery checks.
    fn lookup_budget(&self) -> u64 {
        u64::from(self.layout.cluster_count)
            .saturating_mul(4)
            .saturating_add(65_536)
    }

    fn max_dir_clusters(&self) -> u64 {
        (MAX_DIR_BYTES / self.layout.cluster_size).max(1)
    }

    fn allocated(&self, c: u32) -> Option<bool> {
        self.bitmap.as_ref()?.allocated(&self.vol, c)
    }

    fn root_clusters(&self, warnings: &mut Vec<Warning>) -> Vec<u32> {
        let chain = self
            .table
            .chain(&self.vol, self.layout.root_cluster, self.max_dir_clusters());
        if let Some((offset, what)) = chain.problem {
            warnings.push(Warning {
                offset,
                what: format!("root directory: {what}"),
            });
        }
        if chain.truncated {
            warnings.push(Warning {
                offset: self.table.entry_offset(self.layout.root_cluster),
                what: "root directory longer than 256 MiB; the rest is ignored".into(),
            });
        }
        chain.clusters
    }

    /// Clusters of a system structure (bitmap, up-case table): its FAT
    /// chain, or contiguous clusters when the chain is absent or broken.
    fn contiguous_or_chain(&self, first: u32, size: u64) -> (Vec<u32>, Option<String>) {
        let need = size.div_ceil(self.layout.cluster_size).max(1);
        let chain = self.table.chain(&self.vol, first, need);
        if chain.clusters.len() as u64 == need {
            return (chain.clusters, None);
        }
        let contiguous = self.contiguous(first, need);
        if contiguous.len() as u64 == need {
            return (contiguous, None);
        }
        let why = chain.problem.map(|p| p.1).unwrap_or_else(|| {
            format!("cluster chain from cluster {first} is shorter than its {size} bytes")
        });
        (chain.clusters, Some(why))
    }

    /// `n` contiguous clusters from `first`, cut at the end of the heap.
    fn contiguous(&self, first: u32, n: u64) -> Vec<u32> {
        if !self.layout.is_cluster(first) {
            return Vec::new();
        }
        let last = u64::from(self.layout.cluster_count) + 1;
        let end = (u64::from(first) + n).min(last + 1);
        (u64::from(first)..end).map(|c| c as u32).collect()
    }

    fn check_upcase(
        &self,
        first: u32,
        size: u64,
        checksum: u32,
        offset: u64,
        warnings: &mut Vec<Warning>,
    ) {
        if size == 0 || size > MAX_UPCASE {
            warnings.push(Warning {
                offset,
                what: format!("up-case table entry: {size} bytes (1-{MAX_UPCASE} allowed)"),
            });
            return;
        }
        let (clusters, problem) = self.contiguous_or_chain(first, size);
        if let Some(p) = problem {
            warnings.push(Warning {
                offset,
                what: format!("up-case table: {p}"),
            });
            return;
        }
        let name = format!("{}: up-case table", self.source.name());
        let Ok(src) = RunsSource::new(Arc::clone(&self.source), self.runs(&clusters), size, name)
        else {
            return;
        };
        let mut buf = vec![0u8; size as usize];
        if src.read_exact_at(0, &mut buf).is_err() {
            return;
        }
        let sum = buf
            .iter()
            .fold(0u32, |s, &b| s.rotate_right(1).wrapping_add(u32::from(b)));
        if sum != checksum {
            warnings.push(Warning {
                offset,
                what: format!(
                    "up-case table: stored checksum {checksum:#010x}, table sums to {sum:#010x}"
                ),
            });
        }
    }

    /// Reads and parses a directory's clusters.
    fn read_dir(
        &self,
        clusters: &[u32],
        path: &str,
        deleted: bool,
        warnings: &mut Vec<Warning>,
    ) -> Vec<Item> {
        let l = &self.layout;
        let mut parser = Parser::new(path, deleted);
        let mut buf = vec![0u8; l.cluster_size as usize];
        for &c in clusters {
            let at = l.cluster_offset(c);
            if let Err(e) = self.source.read_exact_at(at, &mut buf) {
                warnings.push(Warning {
                    offset: at,
                    what: format!(
                        "directory {}: cluster {c} unreadable: {e}",
                        if path.is_empty() { "/" } else { path }
                    ),
                });
                break;
            }
            let allocated = self.allocated(c).unwrap_or(true);
            for (i, e) in buf.chunks_exact(32).enumerate() {
                let mut raw = [0u8; 32];
                raw.copy_from_slice(e);
                parser.push(Slot {
                    offset: at + 32 * i as u64,
                    raw,
                    allocated,
                });
            }
        }
        parser.finish();
        warnings.append(&mut parser.warnings);
        parser.items
    }

    /// Where a file's (or directory's) bytes are. Allocated: contiguous
    /// (NoFatChain) or the FAT chain. Deleted: lost when the first cluster
    /// is allocated again; else the FAT chain when it is still intact over
    /// free clusters, or contiguous clusters: a guess either way. Each FAT
    /// or bitmap lookup spends one unit of `budget`.
    fn plan(&self, f: &FileSet, budget: &mut u64) -> Plan {
        let cs = self.layout.cluster_size;
        let heap = u64::from(self.layout.cluster_count) * cs;
        let mut plan = Plan {
            clusters: Vec::new(),
            size: f.size,
            valid_len: f.valid_len.min(f.size),
            recovery: if f.deleted {
                Recovery::Guess
            } else {
                Recovery::Certain
            },
            problem: None,
            unchecked: false,
        };
        if f.size == 0 {
            return plan;
        }
        let c0 = f.first_cluster;
        let mut need = f.size.div_ceil(cs);
        if f.size > heap {
            plan.problem = Some((
                f.offset,
                format!(
                    "size of {} bytes exceeds the cluster heap ({heap} bytes)",
                    f.size
                ),
            ));
            plan.recovery = Recovery::Guess;
            need = u64::from(self.layout.cluster_count);
        }
        if !self.layout.is_cluster(c0) {
            plan.problem = Some((
                f.offset,
                format!("first cluster {c0} is outside the cluster heap"),
            ));
            plan.recovery = if f.deleted {
                Recovery::Lost
            } else {
                Recovery::Guess
            };
            return plan;
        }
        if f.deleted {
            *budget = budget.saturating_sub(1);
            if self.allocated(c0).unwrap_or(true) {
                plan.recovery = Recovery::Lost;
                plan.problem = Some((
                    f.offset,
                    format!("deleted; first cluster {c0} is allocated again: the content was overwritten"),
                ));
                return plan;
            }
            if !f.contiguous() && need <= *budget {
                let chain = self.table.chain(&self.vol, c0, need);
                *budget = budget.saturating_sub(2 * chain.clusters.len() as u64);
                let intact = chain.clusters.len() as u64 == need
                    && chain
                        .clusters
                        .iter()
                        .all(|&c| self.allocated(c) == Some(false));
                if intact {
                    plan.clusters = chain.clusters;
                    return plan;
                }
            }
            plan.clusters = self.contiguous(c0, need);
            return plan;
        }
        if f.contiguous() {
            plan.clusters = self.contiguous(c0, need);
        } else {
            if need > *budget {
                plan.unchecked = true;
                return plan;
            }
            let chain = self.table.chain(&self.vol, c0, need);
            *budget = budget.saturating_sub(chain.clusters.len() as u64 + 1);
            if let Some(p) = chain.problem {
                plan.problem = Some(p);
            }
            plan.clusters = chain.clusters;
        }
        let got = plan.clusters.len() as u64;
        if got < need {
            plan.recovery = Recovery::Guess;
            if plan.problem.is_none() {
                plan.problem = Some((
                    f.offset,
                    format!(
                        "{} of the {need} clusters its {} bytes need lie in the cluster heap",
                        got, f.size
                    ),
                ));
            }
        }
        plan
    }

    fn runs(&self, clusters: &[u32]) -> Vec<Run> {
        let cs = self.layout.cluster_size;
        let mut runs: Vec<Run> = Vec::new();
        for &c in clusters {
            let off = self.layout.cluster_offset(c);
            match runs.last_mut() {
                Some(Run {
                    offset: Some(o),
                    len,
                }) if *o + *len == off => *len += cs,
                _ => runs.push(Run {
                    offset: Some(off),
                    len: cs,
                }),
            }
        }
        runs
    }

    /// Runs for a plan: the clusters up to the valid data length, then
    /// zeros up to the size (what exFAT gives for bytes past
    /// ValidDataLength). A chain shorter than the valid data cuts the file.
    fn plan_runs(&self, plan: &Plan) -> Vec<Run> {
        let stored = plan.clusters.len() as u64 * self.layout.cluster_size;
        let mut left = plan.valid_len.min(stored);
        let mut out = Vec::new();
        for r in self.runs(&plan.clusters) {
            if left == 0 {
                break;
            }
            let take = r.len.min(left);
            out.push(Run {
                offset: r.offset,
                len: take,
            });
            left -= take;
        }
        if plan.valid_len <= stored && plan.size > plan.valid_len {
            out.push(Run {
                offset: None,
                len: plan.size - plan.valid_len,
            });
        }
        out
    }

    fn times(&self, f: &FileSet) -> Times {
        let t = |s: crate::dir::Stamp| timestamp(s.field, s.tens, s.utc_offset, &self.tz);
        Times {
            atime: t(f.accessed),
            mtime: t(f.modified),
            ctime: None,
            crtime: t(f.created),
        }
    }

    fn entry(&self, path: String, f: &FileSet, plan: &Plan) -> Entry {
        let kind = if f.is_dir() {
            EntryKind::Directory
        } else {
            EntryKind::File
        };
        Entry {
            path,
            inode: self.layout.slot_inode(f.offset).to_string(),
            name_kind: kind,
            meta_kind: kind,
            mode: f.mode(),
            uid: 0,
            gid: 0,
            size: f.size,
            times: self.times(f),
            deleted: f.deleted,
            meta_allocated: !f.deleted,
            recovery: plan.recovery,
        }
    }

    fn plain_entry(path: String, inode: u64, kind: EntryKind, mode: u32, size: u64) -> Entry {
        Entry {
            path,
            inode: inode.to_string(),
            name_kind: kind,
            meta_kind: kind,
            mode,
            uid: 0,
            gid: 0,
            size,
            times: Times::default(),
            deleted: false,
            meta_allocated: true,
            recovery: Recovery::Certain,
        }
    }

    fn data(
        &self,
        runs: Vec<Run>,
        size: u64,
        recovery: Recovery,
        inode: &str,
    ) -> Result<(RunsSource, Recovery), FsError> {
        let name = format!("{}:{inode}", self.source.name());
        let src = RunsSource::new(Arc::clone(&self.source), runs, size, name)?;
        Ok((src, recovery))
    }

    fn walked(&self) -> &Walked {
        self.walked.get_or_init(|| self.walk())
    }

    fn walk(&self) -> Walked {
        let mut walk = Walk {
            fs: self,
            out: Listing {
                entries: Vec::new(),
                warnings: self.open_warnings.clone(),
            },
            targets: HashMap::new(),
            visits: HashMap::new(),
            stack: vec![self.layout.root_cluster],
            budget: self.lookup_budget(),
            budget_warned: false,
        };
        walk.visits
            .insert(self.layout.root_cluster, (1, "/".to_string()));
        let mut ignored = Vec::new();
        let root = self.root_clusters(&mut ignored);
        walk.dir(&root, "", false, 0);
        let l = &self.layout;
        let mbr = l.mbr_inode();
        let mut out = walk.out;
        let mut targets = walk.targets;
        out.entries.push(Self::plain_entry(
            "/$MBR".into(),
            mbr,
            EntryKind::Virtual,
            0,
            512,
        ));
        for k in 1..=l.num_fats {
            out.entries.push(Self::plain_entry(
                format!("/$FAT{k}"),
                mbr + k,
                EntryKind::Virtual,
                0,
                l.fat_length * l.sector_size,
            ));
        }
        out.entries.push(Self::plain_entry(
            "/$OrphanFiles".into(),
            l.orphan_inode(),
            EntryKind::VirtualDirectory,
            0,
            0,
        ));
        targets.insert(l.orphan_inode(), Target::Empty);
        Walked {
            listing: out,
            targets,
        }
    }
}

/// State of one listing.
struct Walk<'a> {
    fs: &'a ExfatFs,
    out: Listing,
    targets: HashMap<u64, Target>,
    /// First cluster of each directory listed → times listed, first path.
    visits: HashMap<u32, (u32, String)>,
    /// First clusters of the directories on the current path.
    stack: Vec<u32>,
    budget: u64,
    budget_warned: bool,
}

impl Walk<'_> {
    fn dir(&mut self, clusters: &[u32], path: &str, deleted: bool, depth: usize) {
        let fs = self.fs;
        let items = fs.read_dir(clusters, path, deleted, &mut self.out.warnings);
        for item in items {
            match item {
                Item::Label { offset, text } => {
                    let name = text.unwrap_or_else(|| "$EMPTY_VOLUME_LABEL".into());
                    let inode = fs.layout.slot_inode(offset);
                    self.out.entries.push(ExfatFs::plain_entry(
                        format!("{path}/{name} (Volume Label Entry)"),
                        inode,
                        EntryKind::File,
                        0o111,
                        0,
                    ));
                    self.targets.insert(inode, Target::Empty);
                }
                Item::Special {
                    offset,
                    kind,
                    first_cluster,
                    size,
                    ..
                } => {
                    let inode = fs.layout.slot_inode(offset);
                    self.out.entries.push(ExfatFs::plain_entry(
                        format!("{path}/{}", kind.name()),
                        inode,
                        EntryKind::File,
                        0o111,
                        size,
                    ));
                    self.targets.insert(
                        inode,
                        Target::Special {
                            first_cluster,
                            size,
                        },
                    );
                }
                Item::File(f) => self.file(f, path, depth),
            }
        }
    }

    fn file(&mut self, f: FileSet, path: &str, depth: usize) {
        let fs = self.fs;
        let child = format!("{path}/{}", f.name);
        let plan = fs.plan(&f, &mut self.budget);
        if plan.unchecked && !self.budget_warned {
            self.budget_warned = true;
            self.out.warnings.push(Warning {
                offset: f.offset,
                what: format!(
                    "{child}: stopped checking cluster chains after {} FAT lookups (damaged or cross-linked volume); from here on, recovery states are not verified",
                    fs.lookup_budget()
                ),
            });
        }
        if let Some((offset, what)) = &plan.problem {
            let inode = fs.layout.slot_inode(f.offset);
            self.out.warnings.push(Warning {
                offset: *offset,
                what: format!("{child} (entry {inode}): {what}"),
            });
        }
        let inode = fs.layout.slot_inode(f.offset);
        self.out.entries.push(fs.entry(child.clone(), &f, &plan));
        self.targets.insert(inode, Target::File(f.clone()));
        if !f.is_dir() || plan.clusters.is_empty() || plan.recovery == Recovery::Lost {
            return;
        }
        let c = plan.clusters[0];
        if depth + 1 >= MAX_DEPTH {
            self.out.warnings.push(Warning {
                offset: f.offset,
                what: format!("{child}: nested too deep; not descended into"),
            });
            return;
        }
        if self.stack.contains(&c) {
            self.out.warnings.push(Warning {
                offset: f.offset,
                what: format!(
                    "{child}: cluster {c} is a directory above it on the path (cyclic tree); not descended into"
                ),
            });
            return;
        }
        let visits = self.visits.entry(c).or_insert((0, child.clone()));
        if visits.0 >= MAX_VISITS {
            self.out.warnings.push(Warning {
                offset: f.offset,
                what: format!(
                    "{child}: directory cluster {c} already listed {MAX_VISITS} times; not descended into"
                ),
            });
            return;
        }
        if visits.0 > 0 && !f.deleted {
            let first = visits.1.clone();
            self.out.warnings.push(Warning {
                offset: f.offset,
                what: format!(
                    "{child}: directory cluster {c} is also listed as {first}; listing it again"
                ),
            });
        }
        visits.0 += 1;
        let max = fs.max_dir_clusters() as usize;
        let mut clusters = plan.clusters;
        clusters.truncate(max);
        // Directory clusters read count against the same budget, so that
        // overlapping directories cannot multiply the work.
        let n = clusters.len() as u64;
        if n > self.budget {
            if !self.budget_warned {
                self.budget_warned = true;
                self.out.warnings.push(Warning {
                    offset: f.offset,
                    what: format!(
                        "{child}: directories and chains add up to more than {} cluster lookups (damaged or cross-linked volume); not descended into, nor any further directory",
                        fs.lookup_budget()
                    ),
                });
            }
            return;
        }
        self.budget -= n;
        self.stack.push(c);
        self.dir(&clusters, &child, f.deleted, depth + 1);
        self.stack.pop();
    }
}

impl FileSystem for ExfatFs {
    fn kind(&self) -> &str {
        "exFAT"
    }

    fn label(&self) -> Option<String> {
        self.label.clone()
    }

    fn list(&self) -> Result<Listing, FsError> {
        Ok(self.walked().listing.clone())
    }

    fn open(&self, inode: &str, stream: Option<&str>) -> Result<FileData, FsError> {
        if let Some(s) = stream {
            return Err(FsError::Unsupported(format!(
                "exFAT has no named streams (asked for `{s}` of {inode})"
            )));
        }
        let (src, recovery) = self.content(inode)?;
        Ok(FileData::from_runs(src, recovery))
    }

    fn extents(&self, inode: &str) -> Result<Option<Vec<Run>>, FsError> {
        Ok(Some(self.content(inode)?.0.runs()))
    }
}

impl ExfatFs {
    /// The content of `inode` as runs of the volume, with its recovery.
    fn content(&self, inode: &str) -> Result<(RunsSource, Recovery), FsError> {
        let n: u64 = inode
            .parse()
            .map_err(|_| FsError::NotFound(inode.to_string()))?;
        let l = &self.layout;
        if n == ROOT_INODE {
            let mut problems = Vec::new();
            let cs = self.root_clusters(&mut problems);
            let len = cs.len() as u64 * l.cluster_size;
            let recovery = if problems.is_empty() {
                Recovery::Certain
            } else {
                Recovery::Guess
            };
            return self.data(self.runs(&cs), len, recovery, inode);
        }
        let mbr = l.mbr_inode();
        if n == mbr {
            let runs = vec![Run {
                offset: Some(0),
                len: 512,
            }];
            return self.data(runs, 512, Recovery::Certain, inode);
        }
        if n > mbr && n <= mbr + l.num_fats {
            let len = l.fat_length * l.sector_size;
            let at = (l.fat_offset + (n - mbr - 1) * l.fat_length) * l.sector_size;
            let runs = vec![Run {
                offset: Some(at),
                len,
            }];
            return self.data(runs, len, Recovery::Certain, inode);
        }
        match self.walked().targets.get(&n) {
            None => Err(FsError::NotFound(inode.to_string())),
            Some(Target::Empty) => self.data(Vec::new(), 0, Recovery::Certain, inode),
            Some(Target::Special {
                first_cluster,
                size,
            }) => {
                let (clusters, problem) = self.contiguous_or_chain(*first_cluster, *size);
                let recovery = if problem.is_some() {
                    Recovery::Guess
                } else {
                    Recovery::Certain
                };
                self.data(self.runs(&clusters), *size, recovery, inode)
            }
            Some(Target::File(f)) => {
                let mut unlimited = u64::MAX;
                let plan = self.plan(f, &mut unlimited);
                let runs = self.plan_runs(&plan);
                self.data(runs, plan.size, plan.recovery, inode)
            }
        }
    }
}

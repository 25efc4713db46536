//! The FAT file system: listing from the root (allocated and deleted) and
//! file content, addressed like TSK.

use std::collections::HashMap;
use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_vfs::{
    Entry, EntryKind, FileData, FileSystem, FsError, FsOptions, Listing, Recovery, Run, RunsSource,
    Times, Warning,
};
use jiff::tz::TimeZone;

use crate::boot::{FatKind, Layout, MAX_DIR_BYTES, ROOT_INODE};
use crate::dir::{Dentry, DirParser, Named};
use crate::table::Table;
use crate::time::{date_only, date_time};

/// Deepest directory nesting followed (TSK's `MAX_DEPTH`).
const MAX_DEPTH: usize = 128;
/// Longest path followed (TSK's `DIR_STRSZ`).
const MAX_PATH: usize = 4096;
/// How often the same directory cluster may be listed (deleted directories
/// legitimately share a reused cluster; more means a damaged tree).
const MAX_VISITS: u32 = 4;

/// A FAT12/16/32 volume opened read-only.
pub struct FatFs {
    source: Arc<dyn Source>,
    layout: Layout,
    table: Table,
    tz: TimeZone,
    label: Option<String>,
    open_warnings: Vec<Warning>,
}

/// A directory's content: the fixed FAT12/16 root region, or clusters.
enum DirBody {
    FixedRoot,
    Clusters(Vec<u32>),
}

/// Where a file's bytes are and how far that is known.
struct Plan {
    clusters: Vec<u32>,
    size: u64,
    recovery: Recovery,
    problem: Option<(u64, String)>,
    /// The lookup budget ran out: location and recovery not verified.
    unchecked: bool,
}

impl FatFs {
    /// Opens the FAT volume in `source` (a partition or a whole floppy
    /// image); FAT timestamps are read as local time in `opts.local_tz`.
    pub fn open(source: Arc<dyn Source>, opts: &FsOptions) -> Result<FatFs, FsError> {
        let mut boot = [0u8; 512];
        if source.len() < 512 {
            return Err(FsError::NotThisKind {
                kind: "FAT",
                why: format!("{} bytes, too short for a boot sector", source.len()),
            });
        }
        source.read_exact_at(0, &mut boot)?;
        let layout = Layout::parse(&boot, source.len())?;
        let table = Table::new(Arc::clone(&source), &layout);
        table.raw(0)?;
        let mut open_warnings = Vec::new();
        if layout.image_sectors < layout.total_sectors {
            open_warnings.push(Warning {
                offset: source.len(),
                what: format!(
                    "FAT boot sector: the volume has {} sectors but the evidence holds {} (truncated image?)",
                    layout.total_sectors, layout.image_sectors
                ),
            });
        }
        if layout.fat_too_small() {
            open_warnings.push(Warning {
                offset: layout.first_fat_sector * layout.sector_size,
                what: format!(
                    "FAT 1 ({} sectors) cannot describe all {} clusters; clusters above {} are ignored",
                    layout.sectors_per_fat, layout.cluster_count, layout.last_cluster
                ),
            });
        }
        let mut fs = FatFs {
            source,
            layout,
            table,
            tz: opts.local_tz.clone(),
            label: None,
            open_warnings,
        };
        fs.label = fs.root_label().or_else(|| fs.layout.boot_label.clone());
        Ok(fs)
    }

    /// The FAT variant.
    pub fn fat_kind(&self) -> FatKind {
        self.layout.kind
    }

    /// Bytes per cluster.
    pub fn cluster_size(&self) -> u64 {
        self.layout.cluster_size
    }

    /// FAT lookups one listing may spend on chains and recovery scans: a
    /// sound volume needs at most one per cluster (plus recovery scans), so
    /// four times the cluster count only runs out on cross-linked or
    /// hostile volumes.
    fn lookup_budget(&self) -> u64 {
        self.layout
            .cluster_count
            .saturating_mul(4)
            .saturating_add(65_536)
    }

    fn max_dir_clusters(&self) -> u64 {
        (MAX_DIR_BYTES / self.layout.cluster_size).max(1)
    }

    fn root_body(&self, warnings: &mut Vec<Warning>) -> DirBody {
        if self.layout.kind != FatKind::Fat32 {
            return DirBody::FixedRoot;
        }
        let chain = self
            .table
            .chain(self.layout.root_cluster, self.max_dir_clusters());
        if let Some((offset, what)) = chain.problem {
            warnings.push(Warning {
                offset,
                what: format!("root directory: {what}"),
            });
        }
        if chain.truncated {
            warnings.push(Warning {
                offset: self.table.entry_offset(self.layout.root_cluster),
                what: "root directory longer than 65536 entries; the rest is ignored".into(),
            });
        }
        DirBody::Clusters(chain.clusters)
    }

    /// The volume label entry of the root directory, if any.
    fn root_label(&self) -> Option<String> {
        let mut ignored = Vec::new();
        let body = self.root_body(&mut ignored);
        let named = self.read_dir(&body, "/", &mut ignored);
        named
            .iter()
            .find(|n| n.dentry.is_label() && !n.deleted)
            .map(|n| n.dentry.label_text())
            .filter(|s| !s.is_empty())
    }

    /// Whether the sector holds allocated data (TSK's `fatfs_is_sectalloc`).
    fn sector_allocated(&self, sector: u64) -> bool {
        let l = &self.layout;
        if sector < l.first_cluster_sector {
            return true;
        }
        if sector >= l.cluster_area_end() {
            return false;
        }
        let c = (sector - l.first_cluster_sector) / l.sectors_per_cluster + 2;
        match u32::try_from(c) {
            Ok(c) => self.table.allocated(c).unwrap_or(true),
            Err(_) => false,
        }
    }

    /// Reads and parses a directory.
    fn read_dir(&self, body: &DirBody, path: &str, warnings: &mut Vec<Warning>) -> Vec<Named> {
        let l = &self.layout;
        let mut parser = DirParser::new(l);
        match body {
            DirBody::FixedRoot => {
                let want = l.root_sectors();
                let have = l
                    .image_sectors
                    .saturating_sub(l.first_data_sector)
                    .min(want);
                if have < want {
                    warnings.push(Warning {
                        offset: (l.first_data_sector + have) * l.sector_size,
                        what: format!(
                            "root directory: only {have} of its {want} sectors are in the evidence"
                        ),
                    });
                }
                let mut buf = vec![0u8; (have * l.sector_size) as usize];
                let at = l.first_data_sector * l.sector_size;
                match self.source.read_exact_at(at, &mut buf) {
                    Ok(()) => {
                        for (i, s) in buf.chunks_exact(l.sector_size as usize).enumerate() {
                            parser.sector(l.first_data_sector + i as u64, true, s);
                        }
                    }
                    Err(e) => warnings.push(Warning {
                        offset: at,
                        what: format!("root directory unreadable: {e}"),
                    }),
                }
            }
            DirBody::Clusters(clusters) => {
                let mut buf = vec![0u8; l.cluster_size as usize];
                for &c in clusters {
                    let at = l.cluster_offset(c);
                    if let Err(e) = self.source.read_exact_at(at, &mut buf) {
                        warnings.push(Warning {
                            offset: at,
                            what: format!("directory {path}: cluster {c} unreadable: {e}"),
                        });
                        break;
                    }
                    let allocated = self.table.allocated(c).unwrap_or(true);
                    let first = l.cluster_sector(c);
                    for (i, s) in buf.chunks_exact(l.sector_size as usize).enumerate() {
                        parser.sector(first + i as u64, allocated, s);
                    }
                }
            }
        }
        warnings.append(&mut parser.warnings);
        parser.named
    }

    /// For a deleted directory whose first cluster `c` is free: the `..`
    /// cluster if `c` still starts with `.` (pointing to `c`) and `..`.
    fn looks_like_dir(&self, c: u32) -> Option<u32> {
        let mut b = [0u8; 64];
        self.source
            .read_exact_at(self.layout.cluster_offset(c), &mut b)
            .ok()?;
        let mut e0 = [0u8; 32];
        let mut e1 = [0u8; 32];
        e0.copy_from_slice(&b[..32]);
        e1.copy_from_slice(&b[32..]);
        let (dot, dotdot) = (Dentry::parse(&e0), Dentry::parse(&e1));
        let kind = self.layout.kind;
        (dot.is_dot_self() && dotdot.is_dotdot() && dot.first_cluster(kind) == c)
            .then(|| dotdot.first_cluster(kind))
    }

    /// Where a file's bytes are. Allocated: the FAT chain. Deleted (TSK's
    /// recovery): from the first cluster onward, taking free clusters and
    /// skipping allocated ones; a guess, or lost if the first cluster is in
    /// use again. Each FAT lookup spends one unit of `budget`; when it runs
    /// out the plan is marked `unchecked` (listing only: `open` has no limit
    /// but the volume's own bounds).
    fn plan_file(&self, d: &Dentry, deleted: bool, budget: &mut u64) -> Plan {
        let size = u64::from(d.size);
        let need = size.div_ceil(self.layout.cluster_size);
        let c0 = d.first_cluster(self.layout.kind);
        let mut plan = Plan {
            clusters: Vec::new(),
            size,
            recovery: if deleted {
                Recovery::Guess
            } else {
                Recovery::Certain
            },
            problem: None,
            unchecked: false,
        };
        if need == 0 {
            return plan;
        }
        if !deleted {
            if need > *budget {
                plan.unchecked = true;
                return plan;
            }
            let chain = self.table.chain(c0, need);
            let got = chain.clusters.len() as u64;
            *budget = budget.saturating_sub(got + 1);
            plan.clusters = chain.clusters;
            if got < need {
                plan.recovery = Recovery::Guess;
                plan.problem = Some(chain.problem.unwrap_or_else(|| {
                    (
                        self.table
                            .entry_offset(plan.clusters.last().copied().unwrap_or(c0)),
                        format!("cluster chain ends after {got} of {need} clusters"),
                    )
                }));
            }
            return plan;
        }
        let lost = |plan: &mut Plan, why: String| {
            plan.recovery = Recovery::Lost;
            plan.clusters.clear();
            plan.problem = Some((self.table.entry_offset(c0.max(2)), why));
        };
        if !self.layout.is_cluster(c0) {
            lost(
                &mut plan,
                format!("first cluster {c0} is outside the volume"),
            );
            return plan;
        }
        *budget = budget.saturating_sub(1);
        if self.table.allocated(c0).unwrap_or(true) {
            lost(
                &mut plan,
                format!("first cluster {c0} is allocated again: the content was overwritten"),
            );
            return plan;
        }
        let mut c = c0;
        while (plan.clusters.len() as u64) < need {
            if *budget == 0 {
                plan.unchecked = true;
                plan.clusters.clear();
                return plan;
            }
            if c > self.layout.last_cluster {
                lost(
                    &mut plan,
                    format!("not enough free clusters after cluster {c0} for {size} bytes"),
                );
                return plan;
            }
            *budget -= 1;
            match self.table.allocated(c) {
                Ok(false) => plan.clusters.push(c),
                Ok(true) => {}
                Err(e) => {
                    lost(&mut plan, e.to_string());
                    return plan;
                }
            }
            c += 1;
        }
        plan
    }

    /// Size, recovery and content of a directory entry that is a directory.
    fn plan_dir(&self, d: &Dentry, deleted: bool, budget: &mut u64) -> Plan {
        let c = d.first_cluster(self.layout.kind);
        let cs = self.layout.cluster_size;
        if !deleted {
            let max = self.max_dir_clusters().min(*budget).max(1);
            let chain = self.table.chain(c, max);
            *budget = budget.saturating_sub(chain.clusters.len() as u64 + 1);
            let mut problem = chain.problem;
            let mut unchecked = false;
            if chain.truncated {
                if max < self.max_dir_clusters() {
                    unchecked = true;
                } else {
                    problem = Some((
                        self.table.entry_offset(c),
                        "directory longer than 65536 entries; the rest is ignored".into(),
                    ));
                }
            }
            return Plan {
                size: chain.clusters.len() as u64 * cs,
                recovery: if problem.is_some() {
                    Recovery::Guess
                } else {
                    Recovery::Certain
                },
                clusters: chain.clusters,
                problem,
                unchecked,
            };
        }
        // TSK: a deleted directory is one cluster if that cluster is free.
        *budget = budget.saturating_sub(1);
        let (clusters, size, recovery) =
            if self.layout.is_cluster(c) && !self.table.allocated(c).unwrap_or(true) {
                (vec![c], cs, Recovery::Guess)
            } else {
                (Vec::new(), 0, Recovery::Lost)
            };
        Plan {
            clusters,
            size,
            recovery,
            problem: None,
            unchecked: false,
        }
    }

    fn plan(&self, d: &Dentry, deleted: bool, budget: &mut u64) -> Plan {
        if d.is_dir() {
            self.plan_dir(d, deleted, budget)
        } else {
            self.plan_file(d, deleted, budget)
        }
    }

    fn times(&self, d: &Dentry) -> Times {
        Times {
            atime: date_only(d.adate, &self.tz),
            mtime: date_time(d.wdate, d.wtime, 0, &self.tz),
            ctime: None,
            crtime: date_time(d.cdate, d.ctime, d.ctime_tens, &self.tz),
        }
    }

    fn entry(&self, path: String, n: &Named, plan: &Plan) -> Entry {
        let kind = if n.dentry.is_dir() {
            EntryKind::Directory
        } else {
            EntryKind::File
        };
        Entry {
            path,
            inode: n.inode.to_string(),
            name_kind: kind,
            meta_kind: kind,
            mode: n.dentry.mode(),
            uid: 0,
            gid: 0,
            size: if n.dentry.is_dir() {
                plan.size
            } else {
                u64::from(n.dentry.size)
            },
            times: self.times(&n.dentry),
            deleted: n.deleted,
            meta_allocated: !n.deleted,
            recovery: plan.recovery,
        }
    }

    fn virtual_entry(path: &str, inode: u64, kind: EntryKind, size: u64) -> Entry {
        Entry {
            path: path.into(),
            inode: inode.to_string(),
            name_kind: kind,
            meta_kind: kind,
            mode: 0,
            uid: 0,
            gid: 0,
            size,
            times: Times::default(),
            deleted: false,
            meta_allocated: true,
            recovery: Recovery::Certain,
        }
    }

    /// TSK's virtual files: `$MBR`, `$FAT1`…, `$OrphanFiles`.
    fn virtual_entries(&self) -> Vec<Entry> {
        let l = &self.layout;
        let mbr = l.mbr_inode();
        let mut v = vec![Self::virtual_entry(
            "/$MBR",
            mbr,
            EntryKind::Virtual,
            l.sector_size.min(512),
        )];
        for k in 1..=l.num_fats {
            v.push(Self::virtual_entry(
                &format!("/$FAT{k}"),
                mbr + k,
                EntryKind::Virtual,
                l.sectors_per_fat * l.sector_size,
            ));
        }
        v.push(Self::virtual_entry(
            "/$OrphanFiles",
            l.orphan_inode(),
            EntryKind::VirtualDirectory,
            0,
        ));
        v
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
}

/// State of one listing.
struct Walk<'a> {
    fs: &'a FatFs,
    out: Listing,
    /// First cluster of each directory listed → times listed, first path.
    visits: HashMap<u32, (u32, String)>,
    /// First clusters of the directories on the current path.
    stack: Vec<u32>,
    /// FAT lookups left for chain checks and recovery scans.
    budget: u64,
    budget_warned: bool,
}

impl Walk<'_> {
    fn dir(&mut self, body: &DirBody, path: &str, own_cluster: u32, depth: usize) {
        let named = self.fs.read_dir(body, path, &mut self.out.warnings);
        for n in named {
            let child = format!("{path}/{}", n.name);
            let plan = self.fs.plan(&n.dentry, n.deleted, &mut self.budget);
            if plan.unchecked && !self.budget_warned {
                self.budget_warned = true;
                self.out.warnings.push(Warning {
                    offset: n.offset,
                    what: format!(
                        "{child}: stopped checking cluster chains after {} FAT lookups (damaged or cross-linked volume); from here on, recovery states are not verified and directories may be cut short",
                        self.fs.lookup_budget()
                    ),
                });
            }
            if let Some((offset, what)) = &plan.problem {
                self.out.warnings.push(Warning {
                    offset: *offset,
                    what: format!("{child} (entry {}): {what}", n.inode),
                });
            }
            self.out
                .entries
                .push(self.fs.entry(child.clone(), &n, &plan));
            if !n.dentry.is_dir() || plan.clusters.is_empty() {
                continue;
            }
            let c = plan.clusters[0];
            if n.deleted {
                match self.fs.looks_like_dir(c) {
                    None => continue,
                    Some(parent) => {
                        let root_ok =
                            own_cluster == 0 || own_cluster == self.fs.layout.root_cluster;
                        let matches = parent == own_cluster || (root_ok && parent == 0);
                        if !matches {
                            self.out.warnings.push(Warning {
                                offset: self.fs.layout.cluster_offset(c),
                                what: format!(
                                    "deleted directory {child}: cluster {c} holds a directory whose '..' is cluster {parent}, not this parent (cluster {own_cluster}); the entries listed under it may belong to another deleted directory"
                                ),
                            });
                        }
                    }
                }
            }
            if depth + 1 >= MAX_DEPTH || child.len() >= MAX_PATH {
                self.out.warnings.push(Warning {
                    offset: n.offset,
                    what: format!("{child}: nested too deep; not descended into"),
                });
                continue;
            }
            if self.stack.contains(&c) {
                self.out.warnings.push(Warning {
                    offset: n.offset,
                    what: format!(
                        "{child}: cluster {c} is a directory above it on the path (cyclic tree); not descended into"
                    ),
                });
                continue;
            }
            let visits = self.visits.entry(c).or_insert((0, child.clone()));
            if visits.0 >= MAX_VISITS {
                self.out.warnings.push(Warning {
                    offset: n.offset,
                    what: format!(
                        "{child}: directory cluster {c} already listed {MAX_VISITS} times; not descended into"
                    ),
                });
                continue;
            }
            if visits.0 > 0 {
                let first = visits.1.clone();
                self.out.warnings.push(Warning {
                    offset: n.offset,
                    what: format!(
                        "{child}: directory cluster {c} is also listed as {first}; listing it again"
                    ),
                });
            }
            visits.0 += 1;
            self.stack.push(c);
            self.dir(&DirBody::Clusters(plan.clusters), &child, c, depth + 1);
            self.stack.pop();
        }
    }
}

impl FileSystem for FatFs {
    fn kind(&self) -> &str {
        self.layout.kind.name()
    }

    fn label(&self) -> Option<String> {
        self.label.clone()
    }

    fn list(&self) -> Result<Listing, FsError> {
        let mut walk = Walk {
            fs: self,
            out: Listing {
                entries: Vec::new(),
                warnings: self.open_warnings.clone(),
            },
            visits: HashMap::new(),
            stack: Vec::new(),
            budget: self.lookup_budget(),
            budget_warned: false,
        };
        let body = self.root_body(&mut walk.out.warnings);
        let own = if self.layout.kind == FatKind::Fat32 {
            self.layout.root_cluster
        } else {
            0
        };
        if own != 0 {
            walk.stack.push(own);
            walk.visits.insert(own, (1, "/".into()));
        }
        walk.dir(&body, "", own, 0);
        let mut out = walk.out;
        out.entries.extend(self.virtual_entries());
        Ok(out)
    }

    fn open(&self, inode: &str, stream: Option<&str>) -> Result<FileData, FsError> {
        if let Some(s) = stream {
            return Err(FsError::Unsupported(format!(
                "FAT has no named streams (asked for `{s}` of {inode})"
            )));
        }
        let (src, recovery) = self.content(inode)?;
        Ok(FileData::from_runs(src, recovery))
    }

    fn extents(&self, inode: &str) -> Result<Option<Vec<Run>>, FsError> {
        Ok(Some(self.content(inode)?.0.runs()))
    }
}

impl FatFs {
    /// The content of `inode` as runs of the volume, with its recovery.
    fn content(&self, inode: &str) -> Result<(RunsSource, Recovery), FsError> {
        let n: u64 = inode
            .parse()
            .map_err(|_| FsError::NotFound(inode.to_string()))?;
        let l = &self.layout;
        if n == ROOT_INODE {
            let mut ignored = Vec::new();
            return match self.root_body(&mut ignored) {
                DirBody::FixedRoot => {
                    let len = l.root_sectors() * l.sector_size;
                    let runs = vec![Run {
                        offset: Some(l.first_data_sector * l.sector_size),
                        len,
                    }];
                    self.data(runs, len, Recovery::Certain, inode)
                }
                DirBody::Clusters(cs) => {
                    let len = cs.len() as u64 * l.cluster_size;
                    let recovery = if ignored.is_empty() {
                        Recovery::Certain
                    } else {
                        Recovery::Guess
                    };
                    self.data(self.runs(&cs), len, recovery, inode)
                }
            };
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
            let len = l.sectors_per_fat * l.sector_size;
            let at = (l.first_fat_sector + (n - mbr - 1) * l.sectors_per_fat) * l.sector_size;
            let runs = vec![Run {
                offset: Some(at),
                len,
            }];
            return self.data(runs, len, Recovery::Certain, inode);
        }
        if n == l.orphan_inode() {
            return self.data(Vec::new(), 0, Recovery::Certain, inode);
        }
        if n >= mbr {
            return Err(FsError::NotFound(inode.to_string()));
        }
        let (sector, offset) = l
            .slot_of(n)
            .ok_or_else(|| FsError::NotFound(inode.to_string()))?;
        let mut raw = [0u8; 32];
        self.source.read_exact_at(offset, &mut raw)?;
        let d = Dentry::parse(&raw);
        if d.is_lfn() {
            return Err(FsError::NotFound(format!(
                "{inode} (a long-file-name slot at offset {offset})"
            )));
        }
        let allocated = self.sector_allocated(sector);
        d.check(l, allocated)
            .map_err(|why| FsError::NotFound(format!("{inode} (offset {offset}: {why})")))?;
        let deleted = d.marked_deleted() || !allocated;
        let mut unlimited = u64::MAX;
        let plan = self.plan(&d, deleted, &mut unlimited);
        let runs = self.runs(&plan.clusters);
        self.data(runs, plan.size, plan.recovery, inode)
    }
}

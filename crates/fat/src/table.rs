//! The file allocation table: entries, cluster chains, allocation.
//!
//! FAT 1 is read lazily through a small chunk cache, so memory stays
//! bounded whatever size the boot sector claims.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use exhibit_evidence::Source;
use exhibit_vfs::FsError;

use crate::boot::{FatKind, Layout};

const CHUNK: u64 = 64 * 1024;
const MAX_CHUNKS: usize = 64;

/// What a FAT entry says about the cluster after this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// The cluster is free (0).
    Free,
    /// The chain continues at this cluster.
    Link(u32),
    /// End of chain.
    End,
    /// The cluster is marked bad.
    Bad,
    /// A value that is neither a cluster of the volume nor a marker.
    Invalid(u32),
}

/// A cluster chain as far as it could be followed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chain {
    /// The clusters, in order.
    pub clusters: Vec<u32>,
    /// Why the chain stopped early, with the byte offset of the FAT entry
    /// (or directory entry) concerned.
    pub problem: Option<(u64, String)>,
    /// Stopped at the requested maximum while the FAT continued.
    pub truncated: bool,
}

/// FAT 1 of the volume.
pub(crate) struct Table {
    source: Arc<dyn Source>,
    /// Byte offset of FAT 1 in the volume.
    offset: u64,
    /// Bytes of FAT 1.
    len: u64,
    kind: FatKind,
    last_cluster: u32,
    cache: Mutex<HashMap<u64, Arc<Vec<u8>>>>,
}

impl Table {
    /// FAT 1 as the layout places it.
    pub(crate) fn new(source: Arc<dyn Source>, layout: &Layout) -> Table {
        Table {
            source,
            offset: layout.first_fat_sector * layout.sector_size,
            len: layout.sectors_per_fat * layout.sector_size,
            kind: layout.kind,
            last_cluster: layout.last_cluster,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Byte offset in the volume of the FAT entry of cluster `c`.
    pub(crate) fn entry_offset(&self, c: u32) -> u64 {
        self.offset + self.entry_pos(c)
    }

    fn entry_pos(&self, c: u32) -> u64 {
        let c = u64::from(c);
        match self.kind {
            FatKind::Fat12 => c + c / 2,
            FatKind::Fat16 => c * 2,
            FatKind::Fat32 => c * 4,
        }
    }

    fn chunk(&self, index: u64) -> Result<Arc<Vec<u8>>, FsError> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.get(&index) {
            return Ok(Arc::clone(c));
        }
        let start = index * CHUNK;
        let want = CHUNK.min(self.len.saturating_sub(start));
        let mut buf = vec![0u8; want as usize];
        let mut got = 0usize;
        while got < buf.len() {
            let n = self
                .source
                .read_at(self.offset + start + got as u64, &mut buf[got..])?;
            if n == 0 {
                break;
            }
            got += n;
        }
        buf.truncate(got);
        if cache.len() >= MAX_CHUNKS {
            cache.clear();
        }
        let arc = Arc::new(buf);
        cache.insert(index, Arc::clone(&arc));
        Ok(arc)
    }

    fn bytes(&self, pos: u64, out: &mut [u8]) -> Result<(), FsError> {
        for (i, b) in out.iter_mut().enumerate() {
            let p = pos + i as u64;
            let chunk = self.chunk(p / CHUNK)?;
            match chunk.get((p % CHUNK) as usize) {
                Some(v) => *b = *v,
                None => {
                    return Err(FsError::Corrupt {
                        structure: "FAT 1".into(),
                        offset: self.offset + p,
                        what: "entry lies beyond the end of the evidence".into(),
                    })
                }
            }
        }
        Ok(())
    }

    /// The raw (masked) FAT entry of cluster `c`.
    pub(crate) fn raw(&self, c: u32) -> Result<u32, FsError> {
        let pos = self.entry_pos(c);
        let width = if self.kind == FatKind::Fat32 { 4 } else { 2 };
        if pos + width > self.len {
            return Err(FsError::Corrupt {
                structure: "FAT 1".into(),
                offset: self.offset + pos,
                what: format!("no entry for cluster {c}: the FAT is {} bytes", self.len),
            });
        }
        let mut b = [0u8; 4];
        self.bytes(pos, &mut b[..width as usize])?;
        let v = u32::from_le_bytes(b);
        Ok(match self.kind {
            FatKind::Fat12 if c & 1 == 1 => (v & 0xffff) >> 4,
            FatKind::Fat12 => v & 0x0fff,
            FatKind::Fat16 => v & 0xffff,
            FatKind::Fat32 => v & 0x0fff_ffff,
        })
    }

    /// What follows cluster `c`.
    pub(crate) fn next(&self, c: u32) -> Result<Next, FsError> {
        let v = self.raw(c)?;
        Ok(if v == 0 {
            Next::Free
        } else if v >= self.kind.eoc() {
            Next::End
        } else if v == self.kind.bad() {
            Next::Bad
        } else if (2..=self.last_cluster).contains(&v) {
            Next::Link(v)
        } else {
            Next::Invalid(v)
        })
    }

    /// Whether cluster `c` is in use (its FAT entry is not 0).
    pub(crate) fn allocated(&self, c: u32) -> Result<bool, FsError> {
        Ok(self.raw(c)? != 0)
    }

    /// Follows the chain from `first` for at most `max` clusters, stopping
    /// at the end mark, a loop, a free/bad/out-of-range entry or a read
    /// failure (the last ones recorded in `problem`).
    pub(crate) fn chain(&self, first: u32, max: u64) -> Chain {
        let mut chain = Chain::default();
        if max == 0 {
            return chain;
        }
        let mut seen = HashSet::new();
        let mut c = first;
        loop {
            if !(2..=self.last_cluster).contains(&c) {
                let at = chain
                    .clusters
                    .last()
                    .map(|&p| self.entry_offset(p))
                    .unwrap_or(self.offset);
                chain.problem = Some((
                    at,
                    format!(
                        "cluster {c} is outside the volume's clusters 2..={}",
                        self.last_cluster
                    ),
                ));
                break;
            }
            if !seen.insert(c) {
                let at = chain
                    .clusters
                    .last()
                    .map(|&p| self.entry_offset(p))
                    .unwrap_or(self.offset);
                chain.problem = Some((at, format!("cluster chain loops back to cluster {c}")));
                break;
            }
            chain.clusters.push(c);
            if chain.clusters.len() as u64 >= max {
                chain.truncated = matches!(self.next(c), Ok(Next::Link(_)));
                break;
            }
            let at = self.entry_offset(c);
            let next = match self.next(c) {
                Ok(n) => n,
                Err(e) => {
                    chain.problem = Some((at, e.to_string()));
                    break;
                }
            };
            match next {
                Next::End => break,
                Next::Link(n) => c = n,
                Next::Free => {
                    chain.problem = Some((
                        at,
                        format!("chain reaches free cluster {c} (no end-of-chain mark)"),
                    ));
                    break;
                }
                Next::Bad => {
                    chain.problem = Some((at, format!("chain reaches cluster {c}, marked bad")));
                    break;
                }
                Next::Invalid(v) => {
                    chain.problem = Some((
                        at,
                        format!(
                            "FAT entry of cluster {c} points to {v}, outside the volume's clusters 2..={}",
                            self.last_cluster
                        ),
                    ));
                    break;
                }
            }
        }
        chain
    }
}

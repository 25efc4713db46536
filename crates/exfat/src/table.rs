//! Cached reads of the volume, the FAT (cluster chains) and the allocation
//! bitmap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use exhibit_evidence::{EvidenceError, Source};

use crate::boot::Layout;

const BLOCK: u64 = 4096;
const CACHE_BLOCKS: usize = 256;

/// FAT entry: end of chain.
const END: u32 = 0xFFFF_FFFF;
/// FAT entry: bad cluster.
const BAD: u32 = 0xFFFF_FFF7;

/// Small reads of the volume through a block cache (FAT entries, bitmap
/// bytes).
pub(crate) struct Cached {
    source: Arc<dyn Source>,
    blocks: Mutex<HashMap<u64, Arc<Vec<u8>>>>,
}

impl Cached {
    pub(crate) fn new(source: Arc<dyn Source>) -> Self {
        Cached {
            source,
            blocks: Mutex::new(HashMap::new()),
        }
    }

    fn block(&self, n: u64) -> Result<Arc<Vec<u8>>, EvidenceError> {
        if let Ok(map) = self.blocks.lock() {
            if let Some(b) = map.get(&n) {
                return Ok(Arc::clone(b));
            }
        }
        let at = n * BLOCK;
        let want = BLOCK.min(self.source.len().saturating_sub(at)) as usize;
        let mut buf = vec![0u8; want];
        self.source.read_exact_at(at, &mut buf)?;
        let b = Arc::new(buf);
        if let Ok(mut map) = self.blocks.lock() {
            if map.len() >= CACHE_BLOCKS {
                map.clear();
            }
            map.insert(n, Arc::clone(&b));
        }
        Ok(b)
    }

    /// `N` bytes at `offset` (may straddle two blocks).
    pub(crate) fn bytes<const N: usize>(&self, offset: u64) -> Result<[u8; N], EvidenceError> {
        let mut out = [0u8; N];
        for (i, o) in out.iter_mut().enumerate() {
            let at = offset + i as u64;
            let b = self.block(at / BLOCK)?;
            *o = *b
                .get((at % BLOCK) as usize)
                .ok_or_else(|| EvidenceError::OutOfRange {
                    evidence: self.source.name().to_string(),
                    offset: at,
                    len: self.source.len(),
                })?;
        }
        Ok(out)
    }
}

/// A cluster chain as far as it could be followed.
#[derive(Debug, Default)]
pub(crate) struct Chain {
    pub clusters: Vec<u32>,
    /// What stopped it early: offset of the FAT entry and why.
    pub problem: Option<(u64, String)>,
    /// Stopped at the length limit before the end-of-chain mark.
    pub truncated: bool,
}

/// The active FAT.
pub(crate) struct Table {
    start: u64,
    layout: Layout,
}

impl Table {
    pub(crate) fn new(layout: &Layout) -> Self {
        Table {
            start: layout.fat_start(),
            layout: layout.clone(),
        }
    }

    /// Byte offset of the FAT entry of cluster `c`.
    pub(crate) fn entry_offset(&self, c: u32) -> u64 {
        self.start + u64::from(c) * 4
    }

    pub(crate) fn next(&self, vol: &Cached, c: u32) -> Result<u32, EvidenceError> {
        Ok(u32::from_le_bytes(vol.bytes::<4>(self.entry_offset(c))?))
    }

    /// Follows the chain from `first` for at most `max` clusters.
    pub(crate) fn chain(&self, vol: &Cached, first: u32, max: u64) -> Chain {
        let mut chain = Chain::default();
        if !self.layout.is_cluster(first) {
            chain.problem = Some((
                self.entry_offset(first.min(self.layout.cluster_count.saturating_add(1))),
                format!("first cluster {first} is outside the cluster heap"),
            ));
            return chain;
        }
        let mut seen = std::collections::HashSet::new();
        let mut c = first;
        loop {
            chain.clusters.push(c);
            seen.insert(c);
            if chain.clusters.len() as u64 >= max {
                chain.truncated = true;
                return chain;
            }
            let next = match self.next(vol, c) {
                Ok(n) => n,
                Err(e) => {
                    chain.problem = Some((self.entry_offset(c), format!("FAT unreadable: {e}")));
                    return chain;
                }
            };
            match next {
                END => return chain,
                BAD => {
                    chain.problem = Some((
                        self.entry_offset(c),
                        format!("cluster chain leads from cluster {c} to a cluster marked bad"),
                    ));
                    return chain;
                }
                n if !self.layout.is_cluster(n) => {
                    chain.problem = Some((
                        self.entry_offset(c),
                        format!("FAT entry of cluster {c} is {n:#x}: neither a cluster nor end of chain"),
                    ));
                    return chain;
                }
                n if seen.contains(&n) => {
                    chain.problem = Some((
                        self.entry_offset(c),
                        format!("cluster chain loops: cluster {c} leads back to cluster {n}"),
                    ));
                    return chain;
                }
                n => c = n,
            }
        }
    }
}

/// The allocation bitmap: where its bytes are.
#[derive(Debug, Clone)]
pub(crate) struct Bitmap {
    /// (byte offset, length) pieces, in order.
    pub runs: Vec<(u64, u64)>,
}

impl Bitmap {
    /// Whether cluster `c` is allocated; `None` when the bitmap does not
    /// cover it or cannot be read.
    pub(crate) fn allocated(&self, vol: &Cached, c: u32) -> Option<bool> {
        let idx = u64::from(c.checked_sub(2)?);
        let mut byte = idx / 8;
        for &(off, len) in &self.runs {
            if byte < len {
                let [b] = vol.bytes::<1>(off + byte).ok()?;
                return Some(b & (1 << (idx % 8)) != 0);
            }
            byte -= len;
        }
        None
    }
}

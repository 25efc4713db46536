//! File content as read-only sources: resident values, run lists (with the
//! initialized size honoured and sparse runs as holes) and LZNT1-compressed
//! attributes decompressed one compression unit at a time.

use std::sync::{Arc, Mutex};

use exhibit_evidence::{EvidenceError, Source};
use exhibit_vfs::{Run, RunsSource};

use crate::lznt1;
use crate::runlist::Extent;

pub(crate) use exhibit_evidence::MemSource;

/// Extents sorted by VCN with the gaps between them (clusters no piece of
/// the attribute describes, e.g. a missing extension record) filled with
/// holes. Overlapping pieces are cut so each VCN is described once.
pub(crate) fn contiguous(extents: &[Extent]) -> Vec<Extent> {
    let mut sorted: Vec<Extent> = extents.to_vec();
    sorted.sort_by_key(|e| e.vcn);
    let mut out: Vec<Extent> = Vec::with_capacity(sorted.len());
    let mut next = 0u64;
    for e in sorted {
        let end = e.vcn.saturating_add(e.len);
        if end <= next {
            continue;
        }
        if e.vcn > next {
            out.push(Extent {
                vcn: next,
                lcn: None,
                len: e.vcn - next,
            });
        }
        let skip = next.saturating_sub(e.vcn);
        out.push(Extent {
            vcn: e.vcn + skip,
            lcn: e.lcn.map(|l| l.saturating_add(skip)),
            len: e.len - skip,
        });
        next = end;
    }
    out
}

/// Byte runs for `extents` (already contiguous), with everything at or past
/// `init_size` turned into holes: NTFS returns zeros beyond the valid data
/// length whatever the clusters hold.
pub(crate) fn byte_runs(
    extents: &[Extent],
    cluster: u64,
    init_size: u64,
) -> Result<Vec<Run>, String> {
    let mut runs = Vec::with_capacity(extents.len());
    let mut at = 0u64;
    for e in extents {
        let len = e
            .len
            .checked_mul(cluster)
            .ok_or_else(|| format!("run of {} clusters overflows", e.len))?;
        let off = match e.lcn {
            Some(l) => Some(
                l.checked_mul(cluster)
                    .ok_or_else(|| format!("cluster {l} overflows"))?,
            ),
            None => None,
        };
        let end = at.saturating_add(len);
        match off {
            Some(o) if at < init_size && end > init_size => {
                let valid = init_size - at;
                runs.push(Run {
                    offset: Some(o),
                    len: valid,
                });
                runs.push(Run {
                    offset: None,
                    len: len - valid,
                });
            }
            Some(_) if at >= init_size => runs.push(Run { offset: None, len }),
            _ => runs.push(Run { offset: off, len }),
        }
        at = end;
    }
    Ok(runs)
}

/// A plain non-resident attribute as a [`RunsSource`].
pub(crate) fn runs_source(
    volume: Arc<dyn Source>,
    extents: &[Extent],
    cluster: u64,
    size: u64,
    init_size: u64,
    name: String,
) -> Result<RunsSource, String> {
    let runs = byte_runs(&contiguous(extents), cluster, init_size)?;
    RunsSource::new(volume, runs, size, name).map_err(|e| e.to_string())
}

/// An LZNT1-compressed attribute. Each compression unit (usually 16
/// clusters) is stored either raw (all its clusters allocated), as zeros
/// (all sparse) or compressed in its first clusters followed by sparse
/// ones. One decompressed unit is cached.
pub(crate) struct CompressedSource {
    volume: Arc<dyn Source>,
    extents: Vec<Extent>,
    cluster: u64,
    unit_clusters: u64,
    /// Clusters the runlist describes (content cannot extend past them).
    described: u64,
    size: u64,
    init_size: u64,
    name: String,
    cache: Mutex<Option<(u64, Arc<Vec<u8>>)>>,
}

/// Largest compression unit accepted (Windows uses 64 KiB).
const MAX_UNIT: u64 = 4 * 1024 * 1024;

impl CompressedSource {
    pub(crate) fn new(
        volume: Arc<dyn Source>,
        extents: &[Extent],
        cluster: u64,
        comp_unit_log2: u16,
        size: u64,
        init_size: u64,
        name: String,
    ) -> Result<Self, String> {
        if comp_unit_log2 > 16 {
            return Err(format!(
                "compression unit 2^{comp_unit_log2} clusters is too large"
            ));
        }
        let unit_clusters = 1u64 << comp_unit_log2;
        if unit_clusters.saturating_mul(cluster) > MAX_UNIT {
            return Err(format!(
                "compression unit of {} bytes is larger than {MAX_UNIT}",
                unit_clusters.saturating_mul(cluster)
            ));
        }
        let extents = contiguous(extents);
        for e in &extents {
            if let Some(l) = e.lcn {
                let end = l.checked_add(e.len).and_then(|c| c.checked_mul(cluster));
                if end.is_none_or(|end| end > volume.len()) {
                    return Err(format!(
                        "run of {} clusters at cluster {l} lies outside the volume",
                        e.len
                    ));
                }
            }
        }
        // content past the described clusters does not exist
        let described = extents.last().map(|e| e.vcn + e.len).unwrap_or(0);
        Ok(CompressedSource {
            volume,
            extents,
            cluster,
            unit_clusters,
            described,
            size: size.min(described.saturating_mul(cluster)),
            init_size,
            name,
            cache: Mutex::new(None),
        })
    }

    fn lcn_of(&self, vcn: u64) -> Option<u64> {
        let i = self.extents.partition_point(|e| e.vcn + e.len <= vcn);
        let e = self.extents.get(i)?;
        if vcn < e.vcn {
            return None;
        }
        e.lcn.map(|l| l + (vcn - e.vcn))
    }

    fn unit(&self, index: u64) -> Result<Arc<Vec<u8>>, EvidenceError> {
        if let Ok(guard) = self.cache.lock() {
            if let Some((i, data)) = guard.as_ref() {
                if *i == index {
                    return Ok(data.clone());
                }
            }
        }
        let unit_bytes = (self.unit_clusters * self.cluster) as usize;
        let first = index * self.unit_clusters;
        // a last, partial unit only has the clusters the runlist describes
        let last = (first + self.unit_clusters).min(self.described);
        let lcns: Vec<Option<u64>> = (first..last.max(first)).map(|v| self.lcn_of(v)).collect();
        let stored = lcns.iter().take_while(|l| l.is_some()).count();
        let mut raw = vec![0u8; stored * self.cluster as usize];
        for (k, l) in lcns.iter().take(stored).enumerate() {
            if let Some(l) = l {
                let at = k * self.cluster as usize;
                self.volume
                    .read_exact_at(l * self.cluster, &mut raw[at..at + self.cluster as usize])?;
            }
        }
        let data = if stored == lcns.len() {
            raw // stored uncompressed (shorter only for a partial last unit)
        } else if stored == 0 {
            vec![0u8; unit_bytes]
        } else {
            let mut d =
                lznt1::decompress(&raw, unit_bytes).map_err(|what| EvidenceError::Corrupt {
                    path: self.name.clone().into(),
                    offset: index * unit_bytes as u64,
                    what,
                })?;
            d.resize(unit_bytes, 0);
            d
        };
        let data = Arc::new(data);
        if let Ok(mut guard) = self.cache.lock() {
            *guard = Some((index, data.clone()));
        }
        Ok(data)
    }
}

impl Source for CompressedSource {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let unit_bytes = self.unit_clusters * self.cluster;
        let mut done = 0usize;
        while done < buf.len() {
            let pos = offset + done as u64;
            if pos >= self.size {
                break;
            }
            let index = pos / unit_bytes;
            let within = (pos % unit_bytes) as usize;
            let want = (buf.len() - done)
                .min(unit_bytes as usize - within)
                .min((self.size - pos).min(usize::MAX as u64) as usize);
            if pos >= self.init_size {
                buf[done..done + want].fill(0);
            } else {
                let data = self.unit(index)?;
                match data.get(within..within + want) {
                    Some(src) => buf[done..done + want].copy_from_slice(src),
                    None => buf[done..done + want].fill(0),
                }
                let valid_end = self.init_size.saturating_sub(pos).min(want as u64) as usize;
                buf[done + valid_end..done + want].fill(0);
            }
            done += want;
        }
        Ok(done)
    }

    fn len(&self) -> u64 {
        self.size
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(vcn: u64, lcn: Option<u64>, len: u64) -> Extent {
        Extent { vcn, lcn, len }
    }

    #[test]
    fn gaps_become_holes_and_overlaps_are_cut() {
        let c = contiguous(&[
            ext(10, Some(100), 5),
            ext(0, Some(50), 4),
            ext(12, Some(7), 5),
        ]);
        assert_eq!(
            c,
            vec![
                ext(0, Some(50), 4),
                ext(4, None, 6),
                ext(10, Some(100), 5),
                ext(15, Some(10), 2),
            ]
        );
    }

    #[test]
    fn initialized_size_zeroes_the_tail() {
        let runs = byte_runs(&[ext(0, Some(1), 2), ext(2, Some(9), 2)], 512, 700).unwrap();
        assert_eq!(
            runs,
            vec![
                Run {
                    offset: Some(512),
                    len: 700
                },
                Run {
                    offset: None,
                    len: 324
                },
                Run {
                    offset: None,
                    len: 1024
                },
            ]
        );
    }

    struct Vol(Vec<u8>);
    impl Source for Vol {
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
            MemSource::new(self.0.clone(), "v").read_at(offset, buf)
        }
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn name(&self) -> &str {
            "vol"
        }
    }

    #[test]
    fn compressed_units_raw_sparse_and_lznt1() {
        let cluster = 512u64;
        // unit 0 (4 clusters): compressed into 1 cluster at lcn 10
        // unit 1: stored raw at lcn 20..24
        // unit 2: all sparse
        let plain0: Vec<u8> = b"hello NTFS ".iter().cycle().take(2048).copied().collect();
        let plain1: Vec<u8> = (0..2048u32).map(|i| (i * 7) as u8).collect();
        let packed = crate::lznt1::tests::compress(&plain0);
        assert!(packed.len() <= 512);
        let mut vol = vec![0u8; 64 * 512];
        vol[10 * 512..10 * 512 + packed.len()].copy_from_slice(&packed);
        vol[20 * 512..24 * 512].copy_from_slice(&plain1);
        let vol: Arc<dyn Source> = Arc::new(Vol(vol));
        let extents = [
            ext(0, Some(10), 1),
            ext(1, None, 3),
            ext(4, Some(20), 4),
            ext(8, None, 4),
        ];
        let size = 3 * 2048 - 100;
        let src = CompressedSource::new(vol.clone(), &extents, cluster, 2, size, size, "f".into())
            .unwrap();
        let mut all = vec![0u8; size as usize];
        let mut off = 0;
        while off < all.len() {
            let n = src.read_at(off as u64, &mut all[off..]).unwrap();
            assert!(n > 0);
            off += n;
        }
        assert_eq!(&all[..2048], &plain0[..]);
        assert_eq!(&all[2048..4096], &plain1[..]);
        assert!(all[4096..].iter().all(|&b| b == 0));
        // initialized size: zeros past 3000
        let src = CompressedSource::new(vol, &extents, cluster, 2, size, 3000, "f".into()).unwrap();
        let mut b = vec![0u8; 200];
        src.read_exact_at(2900, &mut b).unwrap();
        assert_eq!(&b[..100], &plain1[852..952]);
        assert!(b[100..].iter().all(|&x| x == 0));
    }
}

//! Multi-index hashing (Norouzi, Punjani & Fleet) for PDQ lists: the 256
//! bits are cut into 16 chunks of 16 bits. Two hashes within distance `d`
//! agree to within `d / 16` bits on at least one chunk (pigeonhole), so a
//! query probes each chunk's table at radius `d / 16` and verifies only the
//! candidates found there — a few thousand per query for a million entries,
//! instead of all of them.

use crate::pdq::PdqHash;

const CHUNKS: usize = 16;
const BUCKETS: usize = 1 << 16;
/// Above this probing radius per chunk the enumeration costs more than it saves.
const MAX_RADIUS: u32 = 2;

/// An immutable index over a list of PDQ hashes.
pub struct PdqIndex {
    hashes: Vec<[u64; 4]>,
    /// Per chunk: bucket start offsets into `ids` (`BUCKETS + 1` each).
    starts: Vec<u32>,
    /// Per chunk: entry numbers grouped by chunk value.
    ids: Vec<u32>,
}

/// One hit of a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexHit {
    /// Position of the entry in the list the index was built from.
    pub entry: usize,
    /// Hamming distance.
    pub distance: u32,
}

fn chunk(w: &[u64; 4], c: usize) -> usize {
    ((w[c / 4] >> ((c % 4) * 16)) & 0xffff) as usize
}

fn distance(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    (a[0] ^ b[0]).count_ones()
        + (a[1] ^ b[1]).count_ones()
        + (a[2] ^ b[2]).count_ones()
        + (a[3] ^ b[3]).count_ones()
}

impl PdqIndex {
    /// Builds the index. Lists longer than `u32::MAX` entries are cut there.
    pub fn new(hashes: &[PdqHash]) -> Self {
        let n = hashes.len().min(u32::MAX as usize - 1);
        let hashes: Vec<[u64; 4]> = hashes[..n].iter().map(PdqHash::words).collect();
        let mut starts = vec![0u32; CHUNKS * (BUCKETS + 1)];
        for h in &hashes {
            for c in 0..CHUNKS {
                starts[c * (BUCKETS + 1) + chunk(h, c) + 1] += 1;
            }
        }
        for c in 0..CHUNKS {
            let s = &mut starts[c * (BUCKETS + 1)..(c + 1) * (BUCKETS + 1)];
            for b in 1..=BUCKETS {
                s[b] += s[b - 1];
            }
        }
        let mut ids = vec![0u32; CHUNKS * n];
        let mut fill: Vec<u32> = starts.clone();
        for (e, h) in hashes.iter().enumerate() {
            for c in 0..CHUNKS {
                let slot = &mut fill[c * (BUCKETS + 1) + chunk(h, c)];
                ids[c * n + *slot as usize] = e as u32;
                *slot += 1;
            }
        }
        PdqIndex {
            hashes,
            starts,
            ids,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Every entry within `max_distance` of `query`, sorted by entry.
    pub fn query(&self, query: &PdqHash, max_distance: u32) -> Vec<IndexHit> {
        let q = query.words();
        let radius = max_distance / CHUNKS as u32;
        if radius > MAX_RADIUS {
            return self.linear(query, max_distance);
        }
        let n = self.hashes.len();
        let mut hits = Vec::new();
        let probe = |c: usize, v: usize, hits: &mut Vec<IndexHit>| {
            let base = c * (BUCKETS + 1);
            let (lo, hi) = (
                self.starts[base + v] as usize,
                self.starts[base + v + 1] as usize,
            );
            for &e in &self.ids[c * n + lo..c * n + hi] {
                let d = distance(&q, &self.hashes[e as usize]);
                if d <= max_distance {
                    hits.push(IndexHit {
                        entry: e as usize,
                        distance: d,
                    });
                }
            }
        };
        for c in 0..CHUNKS {
            let v = chunk(&q, c);
            probe(c, v, &mut hits);
            if radius >= 1 {
                for b1 in 0..16 {
                    probe(c, v ^ (1 << b1), &mut hits);
                    if radius >= 2 {
                        for b2 in b1 + 1..16 {
                            probe(c, v ^ (1 << b1) ^ (1 << b2), &mut hits);
                        }
                    }
                }
            }
        }
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    /// The same answer as [`PdqIndex::query`], by comparing with every entry.
    pub fn linear(&self, query: &PdqHash, max_distance: u32) -> Vec<IndexHit> {
        let q = query.words();
        self.hashes
            .iter()
            .enumerate()
            .filter_map(|(e, h)| {
                let d = distance(&q, h);
                (d <= max_distance).then_some(IndexHit {
                    entry: e,
                    distance: d,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift: deterministic pseudo-random hashes without a dependency.
    fn rng(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    fn near(h: &PdqHash, flips: u32, s: &mut u64) -> PdqHash {
        let mut w = h.words();
        for _ in 0..flips {
            let bit = rng(s) % 256;
            w[(bit / 64) as usize] ^= 1 << (bit % 64);
        }
        PdqHash::from_words(w)
    }

    #[test]
    fn index_equals_linear_scan() {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut list: Vec<PdqHash> = (0..20_000)
            .map(|_| PdqHash::from_words([rng(&mut s), rng(&mut s), rng(&mut s), rng(&mut s)]))
            .collect();
        // Near copies of some entries so that there is something to find.
        for i in 0..500 {
            let base = list[i * 7];
            let flips = (i % 40) as u32;
            list.push(near(&base, flips, &mut s));
        }
        let idx = PdqIndex::new(&list);
        assert_eq!(idx.len(), list.len());
        let mut found = 0;
        for i in 0..600 {
            let q = if i % 2 == 0 {
                near(&list[i * 13], (i % 45) as u32, &mut s)
            } else {
                PdqHash::from_words([rng(&mut s), rng(&mut s), rng(&mut s), rng(&mut s)])
            };
            for d in [0, 10, 31, 40, 47, 60] {
                let a = idx.query(&q, d);
                let b = idx.linear(&q, d);
                assert_eq!(a, b, "query {i} distance {d}");
                found += a.len();
            }
        }
        assert!(found > 600);
    }

    #[test]
    fn empty_index() {
        let idx = PdqIndex::new(&[]);
        assert!(idx.is_empty());
        assert!(idx.query(&PdqHash::default(), 31).is_empty());
    }
}

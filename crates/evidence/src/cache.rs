use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex};

use crate::{EvidenceError, Source};

/// Hashes page indices: one multiplication (SipHash is for keys an
/// attacker chooses freely; page indices are bounded by the source).
#[derive(Default)]
struct PageHasher(u64);

impl Hasher for PageHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, i: u64) {
        let h = (self.0 ^ i).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Cached pages by index, their insertion order for eviction, and the
/// buffer of the page evicted last (reused: no new allocation, no zeroing).
#[derive(Default)]
struct Pages {
    map: HashMap<u64, Arc<Vec<u8>>, BuildHasherDefault<PageHasher>>,
    order: VecDeque<u64>,
    spare: Option<Vec<u8>>,
}

/// A page cache in front of another source. File-system readers make many
/// small reads (an inode, a directory entry, a FAT sector); served from
/// memory they cost no system call. Large reads, and reads made with
/// [`Source::read_once_at`], go straight through.
pub struct CachedSource<S> {
    inner: S,
    page: u64,
    capacity: usize,
    pages: Mutex<Pages>,
}

impl<S: Source> CachedSource<S> {
    /// Caches up to `capacity` pages of `page` bytes (e.g. 64 KiB × 256).
    pub fn new(inner: S, page: u64, capacity: usize) -> Self {
        CachedSource {
            inner,
            page: page.max(512),
            capacity: capacity.max(1),
            pages: Mutex::new(Pages::default()),
        }
    }

    fn page_at(&self, index: u64) -> Result<Arc<Vec<u8>>, EvidenceError> {
        let mut buf = None;
        if let Ok(mut guard) = self.pages.lock() {
            if let Some(p) = guard.map.get(&index) {
                return Ok(p.clone());
            }
            buf = guard.spare.take();
        }
        let start = index * self.page;
        let want = crate::clamp_read(start, self.page as usize, self.inner.len());
        let mut buf = buf.unwrap_or_default();
        // A reused buffer keeps its (initialised) bytes: they are
        // overwritten by the read or cut off below.
        buf.resize(want, 0);
        let mut done = 0;
        while done < want {
            let n = self.inner.read_at(start + done as u64, &mut buf[done..])?;
            if n == 0 {
                break;
            }
            done += n;
        }
        buf.truncate(done);
        let page = Arc::new(buf);
        if let Ok(mut guard) = self.pages.lock() {
            let pages = &mut *guard;
            if pages.map.len() >= self.capacity {
                if let Some(old) = pages.order.pop_front() {
                    if let Some(evicted) = pages.map.remove(&old) {
                        // Still lent out by a reader: left to it.
                        if let Ok(v) = Arc::try_unwrap(evicted) {
                            pages.spare = Some(v);
                        }
                    }
                }
            }
            if pages.map.insert(index, page.clone()).is_none() {
                pages.order.push_back(index);
            }
        }
        Ok(page)
    }
}

impl<S: Source> Source for CachedSource<S> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let want = crate::clamp_read(offset, buf.len(), self.inner.len());
        if want as u64 >= self.page {
            return self.inner.read_at(offset, &mut buf[..want]);
        }
        let mut done = 0;
        while done < want {
            let pos = offset + done as u64;
            let page = self.page_at(pos / self.page)?;
            let within = (pos % self.page) as usize;
            let avail = page.len().saturating_sub(within);
            if avail == 0 {
                break;
            }
            let n = avail.min(want - done);
            buf[done..done + n].copy_from_slice(&page[within..within + n]);
            done += n;
        }
        Ok(done)
    }

    /// Straight to the inner source: the bytes are the same as cached ones
    /// (a source never changes), and the cache is left to reads that
    /// come back.
    fn read_once_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let want = crate::clamp_read(offset, buf.len(), self.inner.len());
        self.inner.read_once_at(offset, &mut buf[..want])
    }

    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn name(&self) -> &str {
        self.inner.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting(Vec<u8>, std::sync::atomic::AtomicUsize);
    impl Source for Counting {
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
            self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let o = offset.min(self.0.len() as u64) as usize;
            let n = buf.len().min(self.0.len() - o);
            buf[..n].copy_from_slice(&self.0[o..o + n]);
            Ok(n)
        }
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn name(&self) -> &str {
            "counting"
        }
    }

    #[test]
    fn same_bytes_fewer_reads() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let c = CachedSource::new(Counting(data.clone(), Default::default()), 1024, 4);
        let mut out = vec![0u8; 10_000];
        for (i, chunk) in out.chunks_mut(100).enumerate() {
            let n = c.read_at(i as u64 * 100, chunk).unwrap();
            assert_eq!(n, chunk.len());
        }
        assert!(out == data);
        assert!(c.inner.1.load(std::sync::atomic::Ordering::Relaxed) <= 10);
        // reads across the end and beyond
        let mut b = [0u8; 300];
        assert_eq!(c.read_at(9_900, &mut b).unwrap(), 100);
        assert_eq!(c.read_at(20_000, &mut b).unwrap(), 0);
        // a large read bypasses the cache
        let mut big = vec![0u8; 4096];
        assert_eq!(c.read_at(10, &mut big).unwrap(), 4096);
        assert_eq!(&big[..], &data[10..4106]);
        // once-reads go through, same bytes
        let before = c.inner.1.load(std::sync::atomic::Ordering::Relaxed);
        let mut small = [0u8; 100];
        assert_eq!(c.read_once_at(5_000, &mut small).unwrap(), 100);
        assert_eq!(&small[..], &data[5_000..5_100]);
        assert_eq!(c.read_once_at(9_950, &mut small).unwrap(), 50);
        assert_eq!(&small[..50], &data[9_950..]);
        assert_eq!(
            c.inner.1.load(std::sync::atomic::Ordering::Relaxed),
            before + 2
        );
    }

    /// Evicted pages are reused: every byte read through a small cache,
    /// in a scattered order, is still right (and a short last page too).
    #[test]
    fn reused_pages_hold_the_right_bytes() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 13 % 253) as u8).collect();
        let c = CachedSource::new(Counting(data.clone(), Default::default()), 512, 2);
        let mut at = 0u64;
        for _ in 0..2_000 {
            at = (at * 7 + 1_031) % 10_000;
            let mut b = [0u8; 37];
            let n = c.read_at(at, &mut b).unwrap();
            let end = (at as usize + 37).min(10_000);
            assert_eq!(n, end - at as usize);
            assert_eq!(&b[..n], &data[at as usize..end]);
        }
    }
}

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::{EvidenceError, Source};

/// Cached pages by index, and their insertion order for eviction.
type Pages = (HashMap<u64, Arc<Vec<u8>>>, VecDeque<u64>);

/// A page cache in front of another source. File-system readers make many
/// small reads (an inode, a directory entry, a FAT sector); served from
/// memory they cost no system call. Large reads go straight through.
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
            pages: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    fn page_at(&self, index: u64) -> Result<Arc<Vec<u8>>, EvidenceError> {
        if let Ok(guard) = self.pages.lock() {
            if let Some(p) = guard.0.get(&index) {
                return Ok(p.clone());
            }
        }
        let start = index * self.page;
        let want = crate::clamp_read(start, self.page as usize, self.inner.len());
        let mut buf = vec![0u8; want];
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
            let (map, order) = &mut *guard;
            if map.len() >= self.capacity {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
            if map.insert(index, page.clone()).is_none() {
                order.push_back(index);
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
    }
}

use std::sync::Arc;

use crate::{EvidenceError, Source};

/// A window `[start, start + len)` of another source, itself a source: a
/// partition, a file's extent, a carved object.
#[derive(Clone)]
pub struct SubSource {
    inner: Arc<dyn Source>,
    start: u64,
    len: u64,
    name: String,
}

impl SubSource {
    /// Creates the window; fails if it does not lie inside `inner`.
    pub fn new(inner: Arc<dyn Source>, start: u64, len: u64) -> Result<Self, EvidenceError> {
        let end = start.checked_add(len);
        if end.is_none_or(|end| end > inner.len()) {
            return Err(EvidenceError::OutOfRange {
                evidence: inner.name().to_string(),
                offset: start.saturating_add(len),
                len: inner.len(),
            });
        }
        let name = format!("{}@{}+{}", inner.name(), start, len);
        Ok(SubSource {
            inner,
            start,
            len,
            name,
        })
    }

    /// Offset of the window in the parent source.
    pub fn start(&self) -> u64 {
        self.start
    }
}

impl Source for SubSource {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let want = crate::clamp_read(offset, buf.len(), self.len);
        if want == 0 {
            return Ok(0);
        }
        self.inner.read_at(self.start + offset, &mut buf[..want])
    }

    fn read_once_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let want = crate::clamp_read(offset, buf.len(), self.len);
        if want == 0 {
            return Ok(0);
        }
        self.inner
            .read_once_at(self.start + offset, &mut buf[..want])
    }

    fn len(&self) -> u64 {
        self.len
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemSource;

    fn mem(data: Vec<u8>) -> MemSource {
        MemSource::new(data, "mem")
    }

    #[test]
    fn window_reads_stay_inside() {
        let src: Arc<dyn Source> = Arc::new(mem((0u8..100).collect()));
        let sub = SubSource::new(src.clone(), 10, 20).unwrap();
        let mut buf = [0u8; 50];
        assert_eq!(sub.read_at(15, &mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], &[25, 26, 27, 28, 29]);
        assert_eq!(sub.read_at(20, &mut buf).unwrap(), 0);
        // nested windows are sources too
        let nested = SubSource::new(Arc::new(sub), 5, 5).unwrap();
        assert_eq!(nested.read_at(0, &mut buf[..5]).unwrap(), 5);
        assert_eq!(&buf[..5], &[15, 16, 17, 18, 19]);
    }

    #[test]
    fn window_outside_parent_is_refused() {
        let src: Arc<dyn Source> = Arc::new(mem(vec![0; 10]));
        assert!(SubSource::new(src.clone(), 5, 6).is_err());
        assert!(SubSource::new(src, u64::MAX, 2).is_err());
    }
}

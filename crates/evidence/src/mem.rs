use crate::{EvidenceError, Source};

/// Bytes held in memory as a source: decoded data (a resident attribute, a
/// decompressed stream) and test images built in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemSource {
    data: Vec<u8>,
    name: String,
}

impl MemSource {
    /// A source over `data`, called `name` in messages.
    pub fn new(data: Vec<u8>, name: impl Into<String>) -> Self {
        MemSource {
            data,
            name: name.into(),
        }
    }

    /// The bytes.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
}

impl Source for MemSource {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let n = crate::clamp_read(offset, buf.len(), self.data.len() as u64);
        if n > 0 {
            let start = offset as usize;
            buf[..n].copy_from_slice(&self.data[start..start + n]);
        }
        Ok(n)
    }

    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    fn name(&self) -> &str {
        &self.name
    }
}

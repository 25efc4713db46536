use std::io::{self, Read, Seek, SeekFrom};

use crate::Source;

/// Adapts a [`Source`] to `Read + Seek` for code that wants a stream
/// (hashers, parsers from other crates).
pub struct SourceReader<S> {
    source: S,
    pos: u64,
}

impl<S: Source> SourceReader<S> {
    /// A stream positioned at offset 0.
    pub fn new(source: S) -> Self {
        SourceReader { source, pos: 0 }
    }

    /// Current stream position.
    pub fn position(&self) -> u64 {
        self.pos
    }
}

impl<S: Source> Read for SourceReader<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self
            .source
            .read_at(self.pos, buf)
            .map_err(io::Error::other)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<S: Source> Seek for SourceReader<S> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let new = match pos {
            SeekFrom::Start(o) => Some(o),
            SeekFrom::End(d) => self.source.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match new {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before start",
            )),
        }
    }
}

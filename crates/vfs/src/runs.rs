use std::sync::Arc;

use exhibit_evidence::{EvidenceError, Source};

/// A piece of a file: `len` bytes at `offset` in the volume, or a sparse
/// hole (`offset: None`) that reads as zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// Byte offset in the volume, `None` for a hole.
    pub offset: Option<u64>,
    /// Length in bytes.
    pub len: u64,
}

/// A file's content as a read-only source: runs of the volume, cut to the
/// file's size. Runs are checked against the volume when built.
pub struct RunsSource {
    volume: Arc<dyn Source>,
    runs: Vec<(u64, Run)>,
    size: u64,
    name: String,
}

impl RunsSource {
    /// Builds the source. A run reaching past the end of the volume is an
    /// error naming it; the file size may be smaller than the runs (slack is
    /// not part of the file).
    pub fn new(
        volume: Arc<dyn Source>,
        runs: Vec<Run>,
        size: u64,
        name: String,
    ) -> Result<Self, EvidenceError> {
        let mut at = 0u64;
        let mut placed = Vec::with_capacity(runs.len());
        for r in runs {
            if let Some(off) = r.offset {
                if off.checked_add(r.len).is_none_or(|end| end > volume.len()) {
                    return Err(EvidenceError::OutOfRange {
                        evidence: name,
                        offset: off.saturating_add(r.len),
                        len: volume.len(),
                    });
                }
            }
            placed.push((at, r));
            at = at.saturating_add(r.len);
            if at >= size {
                break;
            }
        }
        let size = size.min(at);
        Ok(RunsSource {
            volume,
            runs: placed,
            size,
            name,
        })
    }
}

impl RunsSource {
    /// Where the file's bytes are: its runs in file order, cut to the
    /// file's size (slack is not part of the file). Offsets are relative to
    /// the volume the source was built on; holes have `offset: None`.
    pub fn runs(&self) -> Vec<Run> {
        self.runs
            .iter()
            .filter(|(start, _)| *start < self.size)
            .map(|&(start, r)| Run {
                offset: r.offset,
                len: r.len.min(self.size - start),
            })
            .filter(|r| r.len > 0)
            .collect()
    }
}

impl Source for RunsSource {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let mut done = 0usize;
        while done < buf.len() {
            let pos = offset + done as u64;
            if pos >= self.size {
                break;
            }
            let i = self.runs.partition_point(|(start, r)| start + r.len <= pos);
            let Some(&(start, run)) = self.runs.get(i) else {
                break;
            };
            let within = pos - start;
            let want = (buf.len() - done).min(
                (run.len - within)
                    .min(self.size - pos)
                    .min(usize::MAX as u64) as usize,
            );
            match run.offset {
                Some(off) => self
                    .volume
                    .read_exact_at(off + within, &mut buf[done..done + want])?,
                None => buf[done..done + want].fill(0),
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

    struct Zeros(u64);
    impl Source for Zeros {
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
            let n = (self.0.saturating_sub(offset)).min(buf.len() as u64) as usize;
            buf[..n].fill(0);
            Ok(n)
        }
        fn len(&self) -> u64 {
            self.0
        }
        fn name(&self) -> &str {
            "zeros"
        }
    }

    #[test]
    fn runs_are_cut_to_the_file_size() {
        let vol: Arc<dyn Source> = Arc::new(Zeros(1 << 20));
        let runs = vec![
            Run {
                offset: Some(4096),
                len: 1024,
            },
            Run {
                offset: None,
                len: 1024,
            },
            Run {
                offset: Some(8192),
                len: 1024,
            },
            Run {
                offset: Some(65536),
                len: 1024,
            },
        ];
        let src = RunsSource::new(vol, runs, 2500, "f".into()).unwrap();
        assert_eq!(
            src.runs(),
            vec![
                Run {
                    offset: Some(4096),
                    len: 1024
                },
                Run {
                    offset: None,
                    len: 1024
                },
                Run {
                    offset: Some(8192),
                    len: 452
                },
            ]
        );
    }
}

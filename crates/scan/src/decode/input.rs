//! Compressed input for a decoder: the frame's bytes from the object's
//! start and, for objects in source bytes that run past the end of the
//! chunk, further bytes read from the source piece by piece.

use crate::frame::{Frame, Tail};

/// Bytes read from the source at a time beyond the chunk.
const PIECE: usize = 256 << 10;

pub(crate) struct Input<'a> {
    head: &'a [u8],
    pos: usize,
    tail: Option<Tail<'a>>,
    next_abs: u64,
    buf: Vec<u8>,
    bpos: usize,
    consumed: u64,
    cap: u64,
}

impl<'a> Input<'a> {
    /// Input from `f.data[i..]`, at most `cap` bytes in all.
    pub fn new(f: &Frame<'a>, i: usize, cap: u64) -> Self {
        Input {
            head: &f.data[i.min(f.data.len())..],
            pos: 0,
            tail: f.tail,
            next_abs: f.tail.map_or(0, |t| t.end_abs),
            buf: Vec::new(),
            bpos: 0,
            consumed: 0,
            cap,
        }
    }

    /// Bytes consumed so far.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The next available bytes (empty at the end of the input).
    pub fn fill(&mut self) -> &[u8] {
        let left = (self.cap - self.consumed).min(usize::MAX as u64) as usize;
        if left == 0 {
            return &[];
        }
        if self.pos < self.head.len() {
            let n = (self.head.len() - self.pos).min(left);
            return &self.head[self.pos..self.pos + n];
        }
        if self.bpos >= self.buf.len() {
            self.refill(left);
        }
        let n = (self.buf.len() - self.bpos).min(left);
        &self.buf[self.bpos..self.bpos + n]
    }

    fn refill(&mut self, left: usize) {
        self.buf.clear();
        self.bpos = 0;
        let Some(t) = self.tail else {
            return;
        };
        let remain = t.source.len().saturating_sub(self.next_abs);
        let want = (PIECE as u64).min(remain).min(left as u64) as usize;
        if want == 0 {
            return;
        }
        self.buf.resize(want, 0);
        match t.source.read_at(self.next_abs, &mut self.buf) {
            Ok(n) if n > 0 => {
                self.buf.truncate(n);
                self.next_abs += n as u64;
            }
            // A read error beyond the chunk ends this object; the chunk that
            // owns those bytes reports the error itself.
            _ => {
                self.buf.clear();
                self.tail = None;
            }
        }
    }

    /// Marks `n` bytes of the last [`fill`](Self::fill) as used.
    pub fn consume(&mut self, n: usize) {
        self.consumed += n as u64;
        if self.pos < self.head.len() {
            self.pos += n;
        } else {
            self.bpos += n;
        }
    }

    /// The next byte.
    pub fn byte(&mut self) -> Option<u8> {
        let b = *self.fill().first()?;
        self.consume(1);
        Some(b)
    }

    /// Skips `n` bytes; false if the input ends first.
    pub fn skip(&mut self, mut n: usize) -> bool {
        while n > 0 {
            let k = self.fill().len().min(n);
            if k == 0 {
                return false;
            }
            self.consume(k);
            n -= k;
        }
        true
    }

    /// Appends up to `n` bytes to `out`; returns how many.
    pub fn take(&mut self, n: usize, out: &mut Vec<u8>) -> usize {
        let mut done = 0;
        while done < n {
            let avail = self.fill();
            let k = avail.len().min(n - done);
            if k == 0 {
                break;
            }
            out.extend_from_slice(&avail[..k]);
            self.consume(k);
            done += k;
        }
        done
    }
}

//! Bounded inflation of deflate and zlib streams.

use flate2::{Decompress, FlushDecompress, Status};

use super::input::Input;

/// Output size past which the ratio limit applies.
const RATIO_FLOOR: usize = 1 << 20;

/// Why decoding stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    /// `max_decoded` reached.
    Size,
    /// `max_ratio` exceeded.
    Ratio,
}

impl Cut {
    pub fn what(self) -> &'static str {
        match self {
            Cut::Size => "size limit",
            Cut::Ratio => "ratio limit",
        }
    }
}

/// What came out of a stream.
pub(crate) struct Inflated {
    pub data: Vec<u8>,
    /// The stream ended properly.
    pub complete: bool,
    pub cut: Option<Cut>,
    /// Compressed bytes consumed.
    pub used: u64,
}

/// Inflates from `input` with `d` (reset first) until the stream ends, the
/// data is corrupt, the input ends, or a limit is hit.
pub(crate) fn inflate(
    d: &mut Decompress,
    zlib: bool,
    input: &mut Input,
    limit: usize,
    max_ratio: u64,
) -> Inflated {
    d.reset(zlib);
    let mut out: Vec<u8> = Vec::with_capacity(limit.clamp(1, 4096));
    let mut complete = false;
    let mut cut = None;
    loop {
        if out.len() >= limit {
            cut = Some(Cut::Size);
            break;
        }
        if out.len() == out.capacity() {
            let grow = out.len().max(4096).min(limit - out.len());
            out.reserve_exact(grow);
        }
        let avail = input.fill();
        let eof = avail.is_empty();
        let (in0, out0) = (d.total_in(), d.total_out());
        let flush = if eof {
            FlushDecompress::Finish
        } else {
            FlushDecompress::None
        };
        let res = d.decompress_vec(avail, &mut out, flush);
        let used = (d.total_in() - in0) as usize;
        let made = d.total_out() - out0;
        input.consume(used);
        if out.len() > limit {
            out.truncate(limit);
            cut = Some(Cut::Size);
            break;
        }
        match res {
            Ok(Status::StreamEnd) => {
                complete = true;
                break;
            }
            Ok(_) if used == 0 && made == 0 && (eof || out.len() < out.capacity()) => break,
            Ok(_) => {}
            Err(_) => break,
        }
        if out.len() > RATIO_FLOOR && out.len() as u64 / input.consumed().max(1) > max_ratio {
            cut = Some(Cut::Ratio);
            break;
        }
    }
    Inflated {
        data: out,
        complete,
        cut,
        used: input.consumed(),
    }
}

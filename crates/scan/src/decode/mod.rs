//! Decoders for objects that hide text: gzip members, zlib streams, ZIP
//! members, base64 blocks and PDF FlateDecode streams. Each decodes within
//! the configured limits and rescans the output as a child frame whose
//! paths extend the object's (`OFFSET-TAG-…`).

pub(crate) mod base64;
mod gzip;
mod inflate;
pub(crate) mod input;
pub(crate) mod pdf;
mod zip;
mod zlib;

use crate::engine::{scan_frame, Ctx};
use crate::frame::Frame;

pub(crate) use inflate::Cut;

/// Partial output (from a damaged or truncated stream) is rescanned only if
/// at least this many compressed bytes decoded cleanly: random bytes after
/// a signature often inflate to a few hundred bytes of repetitive noise
/// (long back-references) from a few dozen input bytes before failing.
pub(crate) const MIN_PARTIAL_INPUT: u64 = 256;

/// A signature at `f.data[i]` (found by the block masks): a container
/// (decoded only when `decode`), or an EXIF block.
pub(crate) fn binary_object(ctx: &mut Ctx, f: &Frame, i: usize, decode: bool) {
    match f.data[i] {
        b'E' => crate::exif::scan(ctx, f, i),
        0x1f if decode => gzip::decode(ctx, f, i),
        0x78 if decode => zlib::decode(ctx, f, i),
        b'P' if decode => zip::decode(ctx, f, i),
        _ => {}
    }
}

/// Most decoded bytes per object, as a `usize`.
pub(crate) fn limit(ctx: &Ctx) -> usize {
    ctx.cfg.max_decoded.min(usize::MAX as u64) as usize
}

/// Most compressed bytes one object may consume (twice the output limit,
/// at least 1 MiB: stored blocks and empty blocks cost input without
/// output).
pub(crate) fn input_cap(ctx: &Ctx) -> u64 {
    ctx.cfg.max_decoded.max(1 << 20).saturating_mul(2)
}

/// Rescans `data`, decoded from the object at `f.data[i]`, noting a cut.
pub(crate) fn rescan(ctx: &mut Ctx, f: &Frame, i: usize, tag: &str, data: &[u8], cut: Option<Cut>) {
    if let Some(c) = cut {
        let path = format!("{}-{tag}", f.path(i));
        let what = format!(
            "decompression stopped at {} bytes ({})",
            data.len(),
            c.what()
        );
        ctx.note(&path, &what);
    }
    if data.is_empty() {
        return;
    }
    ctx.stats.objects += 1;
    ctx.stats.decoded_bytes += data.len() as u64;
    let child = Frame {
        data,
        origin: f.child(i, tag),
        report: 0..data.len(),
        depth: f.depth + 1,
        tail: None,
    };
    scan_frame(ctx, &child);
}

/// Rescans the result of inflating if it is worth it: a stream that ended
/// properly, one cut at a limit, or a long enough damaged one.
pub(crate) fn rescan_inflated(ctx: &mut Ctx, f: &Frame, i: usize, tag: &str, r: inflate::Inflated) {
    if r.complete || r.cut.is_some() || r.used >= MIN_PARTIAL_INPUT {
        rescan(ctx, f, i, tag, &r.data, r.cut);
    }
}

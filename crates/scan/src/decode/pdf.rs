//! PDF streams: `<<… /Filter /FlateDecode …>> stream` EOL data `endstream`.
//! The data (a zlib stream, or raw deflate in some writers) is inflated and
//! rescanned with the tag `PDF`, at the offset of the data's first byte;
//! that offset is claimed so the generic zlib trigger does not decode the
//! same stream again.

use memchr::memmem;

use super::inflate::inflate;
use super::input::Input;
use super::{input_cap, limit, rescan_inflated};
use crate::engine::Ctx;
use crate::frame::Frame;

/// How far back from `stream` the dictionary is searched.
const DICT_WINDOW: usize = 2048;

pub(crate) fn scan_run(ctx: &mut Ctx, f: &Frame, s: usize, e: usize, claims: &mut Vec<usize>) {
    let d = f.data;
    let finder = memmem::Finder::new(b"stream");
    let hits: Vec<usize> = finder.find_iter(&d[s..e]).map(|k| s + k).collect();
    for k in hits {
        if k >= 3 && &d[k - 3..k] == b"end" {
            continue;
        }
        let after = k + 6;
        let start = if d[after.min(d.len())..].starts_with(b"\r\n") {
            after + 2
        } else if matches!(d.get(after), Some(b'\n' | b'\r')) {
            after + 1
        } else {
            continue;
        };
        if start >= d.len() || !f.owns(start) || !flate_dict(d, k) {
            continue;
        }
        if claims.last().is_none_or(|&l| l < start) {
            claims.push(start);
        }
        let zlib = d.len() > start + 1
            && d[start] & 0x0f == 8
            && (u16::from(d[start]) << 8 | u16::from(d[start + 1])) % 31 == 0;
        let mut input = Input::new(f, start, input_cap(ctx));
        let (lim, ratio) = (limit(ctx), ctx.cfg.max_ratio);
        let dec = if zlib { &mut ctx.zlib } else { &mut ctx.raw };
        let r = inflate(dec, zlib, &mut input, lim, ratio);
        rescan_inflated(ctx, f, start, "PDF", r);
    }
}

/// True when the dictionary before `stream` at `k` ends with `>>` and asks
/// for FlateDecode.
fn flate_dict(d: &[u8], k: usize) -> bool {
    let mut j = k;
    while j > 0 && matches!(d[j - 1], b' ' | b'\r' | b'\n' | b'\t') && k - j < 8 {
        j -= 1;
    }
    if j < 2 || &d[j - 2..j] != b">>" {
        return false;
    }
    let w = &d[k.saturating_sub(DICT_WINDOW)..j];
    // only this object's dictionary
    let from = [&b"endstream"[..], b"endobj"]
        .iter()
        .filter_map(|n| memmem::rfind(w, n).map(|p| p + n.len()))
        .max()
        .unwrap_or(0);
    let dict = &w[from..];
    memmem::find(dict, b"/FlateDecode").is_some()
        || [&b"/Fl "[..], b"/Fl/", b"/Fl]", b"/Fl>"]
            .iter()
            .any(|n| memmem::find(dict, n).is_some())
}

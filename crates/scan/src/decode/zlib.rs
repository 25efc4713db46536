//! zlib streams (RFC 1950) with the common headers `78 01`, `78 5e`,
//! `78 9c`, `78 da` (32 KiB window, no preset dictionary, header check
//! valid by construction).

use super::inflate::inflate;
use super::input::Input;
use super::{input_cap, limit, rescan_inflated};
use crate::engine::Ctx;
use crate::frame::Frame;

pub(crate) fn decode(ctx: &mut Ctx, f: &Frame, i: usize) {
    let d = &f.data[i..];
    if d.len() < 3 || d[0] != 0x78 || !matches!(d[1], 0x01 | 0x5e | 0x9c | 0xda) {
        return;
    }
    // The first deflate block header: BTYPE 11 is invalid.
    if (d[2] >> 1) & 3 == 3 {
        return;
    }
    let mut input = Input::new(f, i, input_cap(ctx));
    let (lim, ratio) = (limit(ctx), ctx.cfg.max_ratio);
    let r = inflate(&mut ctx.zlib, true, &mut input, lim, ratio);
    rescan_inflated(ctx, f, i, "ZLIB", r);
}

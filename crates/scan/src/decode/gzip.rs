//! gzip members (RFC 1952): `1f 8b 08`, flags, optional extra/name/comment/
//! header CRC, then raw deflate. Concatenated members are separate objects
//! (each found at its own signature).

use super::inflate::inflate;
use super::input::Input;
use super::{input_cap, limit, rescan_inflated};
use crate::engine::Ctx;
use crate::frame::Frame;

/// Longest file name or comment accepted in a header.
const MAX_HEADER_STRING: usize = 4096;

pub(crate) fn decode(ctx: &mut Ctx, f: &Frame, i: usize) {
    let d = &f.data[i..];
    // magic, CM = deflate, reserved flag bits clear
    if d.len() < 4 || d[1] != 0x8b || d[2] != 8 || d[3] & 0xE0 != 0 {
        return;
    }
    let flg = d[3];
    let mut input = Input::new(f, i, input_cap(ctx));
    if !input.skip(10) {
        return;
    }
    if flg & 4 != 0 {
        let (Some(a), Some(b)) = (input.byte(), input.byte()) else {
            return;
        };
        if !input.skip(u16::from_le_bytes([a, b]) as usize) {
            return;
        }
    }
    for bit in [8u8, 16] {
        if flg & bit != 0 && !skip_cstring(&mut input) {
            return;
        }
    }
    if flg & 2 != 0 && !input.skip(2) {
        return;
    }
    let (lim, ratio) = (limit(ctx), ctx.cfg.max_ratio);
    let r = inflate(&mut ctx.raw, false, &mut input, lim, ratio);
    rescan_inflated(ctx, f, i, "GZIP", r);
}

fn skip_cstring(input: &mut Input) -> bool {
    for _ in 0..MAX_HEADER_STRING {
        match input.byte() {
            Some(0) => return true,
            Some(_) => {}
            None => return false,
        }
    }
    false
}

//! ZIP members from their local file headers (`PK\3\4`): stored and
//! deflated members, with sizes from the header or (bit 3, data
//! descriptor) by inflating to the end of the deflate stream. Office Open
//! XML, ODF, JAR and APK files are ZIPs. Encrypted members are skipped.

use super::inflate::{inflate, Cut};
use super::input::Input;
use super::{input_cap, limit, rescan, rescan_inflated};
use crate::engine::Ctx;
use crate::frame::Frame;

fn u16le(d: &[u8], o: usize) -> usize {
    u16::from_le_bytes([d[o], d[o + 1]]) as usize
}

fn u32le(d: &[u8], o: usize) -> u64 {
    u32::from_le_bytes([d[o], d[o + 1], d[o + 2], d[o + 3]]) as u64
}

pub(crate) fn decode(ctx: &mut Ctx, f: &Frame, i: usize) {
    let d = &f.data[i..];
    if d.len() < 30 || &d[..4] != b"PK\x03\x04" {
        return;
    }
    let version = u16le(d, 4);
    let flags = u16le(d, 6);
    let method = u16le(d, 8);
    let csize = u32le(d, 18);
    let nlen = u16le(d, 26);
    let xlen = u16le(d, 28);
    if version > 100 || flags & 1 != 0 || nlen == 0 {
        return;
    }
    let mut input = Input::new(f, i, input_cap(ctx));
    if !input.skip(30 + nlen + xlen) {
        return;
    }
    let lim = limit(ctx);
    match method {
        0 => {
            if csize == 0 || csize == 0xFFFF_FFFF {
                return;
            }
            let want = csize.min(lim as u64) as usize;
            let mut data = Vec::with_capacity(want.min(1 << 20));
            let got = input.take(want, &mut data);
            let cut = (got == want && csize > lim as u64).then_some(Cut::Size);
            rescan(ctx, f, i, "ZIP", &data, cut);
        }
        8 => {
            let ratio = ctx.cfg.max_ratio;
            let r = inflate(&mut ctx.raw, false, &mut input, lim, ratio);
            rescan_inflated(ctx, f, i, "ZIP", r);
        }
        _ => {}
    }
}

//! UTF-16 text: runs of at least six ASCII code units (`a\0b\0…` little
//! endian, `\0a\0b…` big endian) found from the block masks, transcoded to
//! ASCII with an offset map and handed to the text scanners. Features are
//! reported at the offset of their first code unit, with `encoding` set.

use crate::classes::{is, PRINT};
use crate::engine::{Ctx, Map, TextOut, MIN_RUN};
use crate::frame::Frame;
use crate::text;

/// Scans the UTF-16 run detected at `s`; returns the index after it.
///
/// The run is the longest sequence of text bytes two apart with zero bytes
/// between them: `c0 0 c1 0 … cn`. Read little endian its units start at
/// the text bytes and the last needs a zero after it; read big endian they
/// start one byte earlier and the first needs a zero before it. The reading
/// with more units wins; if both keep every character, the one whose
/// units start at even offsets (strings are 2-byte aligned in practice);
/// if both lose one, little endian (by far the commoner order).
pub(crate) fn run(ctx: &mut Ctx, f: &Frame, s: usize) -> usize {
    let d = f.data;
    let c0 = if is(d[s], PRINT) { s } else { s + 1 };
    let mut n = 0;
    while c0 + 2 * n < d.len() && is(d[c0 + 2 * n], PRINT) && (n == 0 || d[c0 + 2 * n - 1] == 0) {
        n += 1;
    }
    if n < MIN_RUN {
        return (c0 + 2 * n).max(s + 1);
    }
    let last = c0 + 2 * (n - 1);
    let le_end = d.get(last + 1) == Some(&0);
    let be_start = c0 > 0 && d[c0 - 1] == 0;
    let le_units = n - usize::from(!le_end);
    let be_units = n - usize::from(!be_start);
    let le = match le_units.cmp(&be_units) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal if le_units == n => f.position(c0).is_multiple_of(2),
        std::cmp::Ordering::Equal => true,
    };
    let (first, units) = if le {
        (c0, le_units)
    } else {
        (c0 + 2 * usize::from(!be_start), be_units)
    };
    let end = c0 + 2 * n;
    if units < MIN_RUN {
        return end.max(s + 1);
    }
    let mut buf = std::mem::take(&mut ctx.u16buf);
    let mut map = std::mem::take(&mut ctx.u16map);
    buf.clear();
    map.clear();
    for u in 0..units {
        let c = first + 2 * u;
        buf.push(d[c]);
        map.push(if le { c } else { c - 1 });
    }
    {
        let mut out = TextOut {
            ctx: &mut *ctx,
            frame: f,
            text: &buf,
            map: Map::Utf16 {
                map: &map,
                enc: if le { "utf16le" } else { "utf16be" },
            },
            seen: Vec::new(),
        };
        text::scan(&buf, &mut out);
    }
    ctx.u16buf = buf;
    ctx.u16map = map;
    end
}

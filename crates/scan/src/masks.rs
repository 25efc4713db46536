//! Per-64-byte-block bit masks: the only code that touches every byte.
//!
//! For a block at `base`, bit `i` of
//! - `p` is set when byte `base+i` is text (printable ASCII, tab, CR, LF),
//! - `z` when it is zero,
//! - `g` when a container may start there: gzip `1f 8b`, zlib `78 01/5e/9c/da`,
//!   ZIP `PK`, and EXIF `Ex` (of `Exif\0\0`, checked by the EXIF scanner).
//!
//! On x86-64 this is SSE2 (always present there): 16 bytes per compare.
//! Bytes past the end of the data count as `0xFF` (no class at all).

/// The masks of one 64-byte block.
#[derive(Clone, Copy, Default)]
pub(crate) struct Masks {
    pub p: u64,
    pub z: u64,
    pub g: u64,
}

/// Masks of the block starting at `base` (which may run past the end).
#[inline]
pub(crate) fn block(data: &[u8], base: usize) -> Masks {
    if base + 65 <= data.len() {
        fast(&data[base..base + 65])
    } else if base >= data.len() {
        Masks::default()
    } else {
        let mut pad = [0xFFu8; 65];
        let rest = &data[base..];
        pad[..rest.len()].copy_from_slice(rest);
        fast(&pad)
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn fast(b: &[u8]) -> Masks {
    use std::arch::x86_64::*;
    assert!(b.len() >= 65);
    let mut m = Masks::default();
    // SAFETY: SSE2 is part of the x86-64 baseline; every load reads 16 bytes
    // at offsets k and k+1 for k <= 48, within the 65 bytes asserted above.
    unsafe {
        let ptr = b.as_ptr();
        // All-zero blocks (unallocated space, sparse files) are common:
        // four loads answer for them.
        let any = _mm_or_si128(
            _mm_or_si128(
                _mm_loadu_si128(ptr as *const __m128i),
                _mm_loadu_si128(ptr.add(16) as *const __m128i),
            ),
            _mm_or_si128(
                _mm_loadu_si128(ptr.add(32) as *const __m128i),
                _mm_loadu_si128(ptr.add(48) as *const __m128i),
            ),
        );
        if _mm_movemask_epi8(_mm_cmpeq_epi8(any, _mm_setzero_si128())) == 0xFFFF {
            return Masks { p: 0, z: !0, g: 0 };
        }
        let shift = _mm_set1_epi8(0x60);
        let lim = _mm_set1_epi8(-33);
        let tab = _mm_set1_epi8(9);
        let lf = _mm_set1_epi8(10);
        let cr = _mm_set1_epi8(13);
        let zero = _mm_setzero_si128();
        let x1f = _mm_set1_epi8(0x1f);
        let x8b = _mm_set1_epi8(0x8bu8 as i8);
        let xp = _mm_set1_epi8(b'P' as i8);
        let xk = _mm_set1_epi8(b'K' as i8);
        let xe = _mm_set1_epi8(b'E' as i8);
        let xx = _mm_set1_epi8(b'x' as i8);
        let x78 = _mm_set1_epi8(0x78);
        let x01 = _mm_set1_epi8(0x01);
        let x5e = _mm_set1_epi8(0x5e);
        let x9c = _mm_set1_epi8(0x9cu8 as i8);
        let xda = _mm_set1_epi8(0xdau8 as i8);
        let mut k = 0;
        while k < 64 {
            let v = _mm_loadu_si128(ptr.add(k) as *const __m128i);
            let n = _mm_loadu_si128(ptr.add(k + 1) as *const __m128i);
            // 0x20..=0x7E maps to 0x80..=0xDE, i.e. signed < -33.
            let pr = _mm_cmplt_epi8(_mm_add_epi8(v, shift), lim);
            let ws = _mm_or_si128(
                _mm_cmpeq_epi8(v, tab),
                _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)),
            );
            let p = _mm_movemask_epi8(_mm_or_si128(pr, ws)) as u32 as u64;
            let z = _mm_movemask_epi8(_mm_cmpeq_epi8(v, zero)) as u32 as u64;
            let gz = _mm_and_si128(_mm_cmpeq_epi8(v, x1f), _mm_cmpeq_epi8(n, x8b));
            let pk = _mm_and_si128(_mm_cmpeq_epi8(v, xp), _mm_cmpeq_epi8(n, xk));
            let ex = _mm_and_si128(_mm_cmpeq_epi8(v, xe), _mm_cmpeq_epi8(n, xx));
            let zl = _mm_and_si128(
                _mm_cmpeq_epi8(v, x78),
                _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(n, x01), _mm_cmpeq_epi8(n, x5e)),
                    _mm_or_si128(_mm_cmpeq_epi8(n, x9c), _mm_cmpeq_epi8(n, xda)),
                ),
            );
            let g = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(gz, ex), _mm_or_si128(pk, zl)))
                as u32 as u64;
            m.p |= p << k;
            m.z |= z << k;
            m.g |= g << k;
            k += 16;
        }
    }
    m
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn fast(b: &[u8]) -> Masks {
    use crate::classes::{is, PRINT};
    let mut m = Masks::default();
    for i in 0..64 {
        let v = b[i];
        let n = b[i + 1];
        m.p |= (is(v, PRINT) as u64) << i;
        m.z |= ((v == 0) as u64) << i;
        let g = (v == 0x1f && n == 0x8b)
            || (v == b'P' && n == b'K')
            || (v == b'E' && n == b'x')
            || (v == 0x78 && matches!(n, 0x01 | 0x5e | 0x9c | 0xda));
        m.g |= (g as u64) << i;
    }
    m
}

/// Base64-alphabet mask (`A-Z a-z 0-9 + / - _`) of the 64 bytes of `data`
/// at `base` (bytes past the end count as outside the alphabet).
#[inline]
pub(crate) fn b64(data: &[u8], base: usize) -> u64 {
    if base + 64 <= data.len() {
        b64_fast(&data[base..base + 64])
    } else if base >= data.len() {
        0
    } else {
        let mut pad = [0u8; 64];
        let rest = &data[base..];
        pad[..rest.len()].copy_from_slice(rest);
        b64_fast(&pad)
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn b64_fast(b: &[u8]) -> u64 {
    use std::arch::x86_64::*;
    assert!(b.len() >= 64);
    let mut m = 0u64;
    // SAFETY: SSE2 is part of the x86-64 baseline; the loads read bytes
    // k..k+16 for k <= 48, within the 64 bytes asserted above.
    unsafe {
        // x in lo..=hi as unsigned: (x - lo) ^ 0x80 < (hi - lo + 1) ^ 0x80, signed
        let in_range = |v: __m128i, lo: u8, hi: u8| {
            let t = _mm_xor_si128(
                _mm_sub_epi8(v, _mm_set1_epi8(lo as i8)),
                _mm_set1_epi8(-128),
            );
            _mm_cmplt_epi8(t, _mm_set1_epi8(((hi - lo + 1) ^ 0x80) as i8))
        };
        let ptr = b.as_ptr();
        let mut k = 0;
        while k < 64 {
            let v = _mm_loadu_si128(ptr.add(k) as *const __m128i);
            let letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', b'z');
            let digit = in_range(v, b'0', b'9');
            let sym = _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'+' as i8)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'/' as i8)),
                ),
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8)),
                ),
            );
            let all = _mm_or_si128(_mm_or_si128(letter, digit), sym);
            m |= (_mm_movemask_epi8(all) as u32 as u64) << k;
            k += 16;
        }
    }
    m
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn b64_fast(b: &[u8]) -> u64 {
    use crate::classes::{is, B64};
    let mut m = 0u64;
    for (i, &v) in b.iter().take(64).enumerate() {
        m |= (is(v, B64) as u64) << i;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classes::{is, PRINT};

    #[test]
    fn matches_scalar_definition() {
        let mut data: Vec<u8> = (0..=255u8).collect();
        data.extend_from_slice(b"\x1f\x8b\x08PK\x03\x04x\x9cx\x01x^x\xdaxxExif\0\0EX");
        data.extend((0..300u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
        for base in (0..data.len()).step_by(64) {
            let m = block(&data, base);
            for i in 0..64 {
                let j = base + i;
                let (p, z, g) = match data.get(j) {
                    None => (false, false, false),
                    Some(&v) => {
                        let n = data.get(j + 1).copied().unwrap_or(0xFF);
                        (
                            is(v, PRINT),
                            v == 0,
                            (v == 0x1f && n == 0x8b)
                                || (v == b'P' && n == b'K')
                                || (v == b'E' && n == b'x')
                                || (v == 0x78 && matches!(n, 0x01 | 0x5e | 0x9c | 0xda)),
                        )
                    }
                };
                assert_eq!(m.p >> i & 1 == 1, p, "p at {j}");
                assert_eq!(m.z >> i & 1 == 1, z, "z at {j}");
                assert_eq!(m.g >> i & 1 == 1, g, "g at {j}");
                let b = data
                    .get(j)
                    .is_some_and(|&v| crate::classes::is(v, crate::classes::B64));
                assert_eq!(super::b64(&data, base) >> i & 1 == 1, b, "b64 at {j}");
            }
        }
    }
}

//! Xpress Huffman decompression ([MS-XCA] 2.2), as used by Windows 10
//! compressed prefetch files (`MAM\x04`). Output is capped by the caller's
//! declared size; malformed input is an error, never a panic.

const CHUNK: usize = 65536;

fn u16_at(d: &[u8], p: usize) -> Option<u32> {
    d.get(p..p + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]) as u32)
}

/// Decompresses `input` into exactly `out_len` bytes.
pub(crate) fn decompress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(out_len);
    let mut pos = 0usize;
    while out.len() < out_len {
        let table = input.get(pos..pos + 256)?;
        pos += 256;
        let mut lengths = [0u8; 512];
        for (i, b) in table.iter().enumerate() {
            lengths[2 * i] = b & 0x0f;
            lengths[2 * i + 1] = b >> 4;
        }
        let decode = build(&lengths)?;
        let mut bits: u32 = (u16_at(input, pos)? << 16) | u16_at(input, pos + 2)?;
        pos += 4;
        let mut extra: i32 = 16;
        let chunk_end = (out.len() + CHUNK).min(out_len);
        while out.len() < chunk_end {
            let (sym, len) = decode[(bits >> 17) as usize];
            if len == 0 {
                return None;
            }
            bits <<= len;
            extra -= len as i32;
            if extra < 0 {
                bits |= u16_at(input, pos).unwrap_or(0) << (-extra) as u32;
                extra += 16;
                pos += 2;
            }
            if sym < 256 {
                out.push(sym as u8);
                continue;
            }
            let s = sym - 256;
            let mut length = (s & 15) as usize;
            let dist_bits = (s >> 4) as u32;
            if length == 15 {
                length = *input.get(pos)? as usize;
                pos += 1;
                if length == 255 {
                    length = u16_at(input, pos)? as usize;
                    pos += 2;
                    if length == 0 {
                        let b = input.get(pos..pos + 4)?;
                        length = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
                        pos += 4;
                    }
                    length = length.checked_sub(15)?;
                }
                length += 15;
            }
            length += 3;
            let offset = if dist_bits == 0 {
                1
            } else {
                ((bits >> (32 - dist_bits)) as usize) + (1usize << dist_bits)
            };
            if dist_bits > 0 {
                bits = if dist_bits >= 32 {
                    0
                } else {
                    bits << dist_bits
                };
                extra -= dist_bits as i32;
                if extra < 0 {
                    bits |= u16_at(input, pos).unwrap_or(0) << (-extra) as u32;
                    extra += 16;
                    pos += 2;
                }
            }
            if offset > out.len() {
                return None;
            }
            let start = out.len() - offset;
            for i in 0..length {
                if out.len() >= out_len {
                    break;
                }
                let b = out[start + i];
                out.push(b);
            }
        }
    }
    Some(out)
}

/// A 15-bit lookup table of (symbol, code length) for canonical codes.
fn build(lengths: &[u8; 512]) -> Option<Vec<(u16, u8)>> {
    let mut table = vec![(0u16, 0u8); 1 << 15];
    let mut code: usize = 0;
    for len in 1..=15u8 {
        for (sym, &l) in lengths.iter().enumerate() {
            if l != len {
                continue;
            }
            let span = 1usize << (15 - len);
            let start = code.checked_mul(span)?;
            let end = start.checked_add(span)?;
            if end > table.len() {
                return None;
            }
            for e in &mut table[start..end] {
                *e = (sym as u16, len);
            }
            code += 1;
        }
        code <<= 1;
    }
    Some(table)
}

//! LZNT1, the LZ77 variant NTFS uses for compressed attributes.
//!
//! A compression unit's stored bytes are a sequence of chunks, each with a
//! 16-bit header: bits 0–11 hold the stored chunk size minus 1 (excluding
//! the header), bit 15 says whether the chunk is compressed, and a zero
//! header ends the unit. Each chunk expands to at most 4096 bytes. In a
//! compressed chunk a flag byte precedes every group of eight tokens: a 0
//! bit is a literal byte, a 1 bit a 16-bit back reference whose split
//! between offset and length bits depends on how far into the chunk the
//! output is.

/// Uncompressed size of one chunk.
pub(crate) const CHUNK: usize = 4096;

/// Decompresses `input` into at most `max_out` bytes. Stops at a zero
/// chunk header, at the end of the input, or when `max_out` bytes have been
/// produced. Malformed data (a back reference before the chunk start, a
/// chunk expanding past 4096 bytes, a truncated token) is an error naming
/// the input offset.
pub(crate) fn decompress(input: &[u8], max_out: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(max_out.min(1 << 20));
    let mut pos = 0usize;
    while pos + 2 <= input.len() && out.len() < max_out {
        let header = u16::from_le_bytes([input[pos], input[pos + 1]]);
        if header == 0 {
            break;
        }
        let size = (header & 0x0FFF) as usize + 1;
        let start = pos + 2;
        let end = start + size;
        if end > input.len() {
            return Err(format!(
                "LZNT1 chunk at input byte {pos} ({size} bytes) runs past the data"
            ));
        }
        let chunk = &input[start..end];
        if header & 0x8000 == 0 {
            let take = chunk.len().min(max_out - out.len());
            out.extend_from_slice(&chunk[..take]);
        } else {
            chunk_into(chunk, start, &mut out, max_out)?;
        }
        pos = end;
    }
    Ok(out)
}

fn chunk_into(chunk: &[u8], base: usize, out: &mut Vec<u8>, max_out: usize) -> Result<(), String> {
    let chunk_start = out.len();
    let mut i = 0usize;
    while i < chunk.len() {
        let flags = chunk[i];
        i += 1;
        for bit in 0..8 {
            if i >= chunk.len() || out.len() >= max_out {
                return Ok(());
            }
            if flags & (1 << bit) == 0 {
                out.push(chunk[i]);
                i += 1;
            } else {
                if i + 2 > chunk.len() {
                    return Err(format!(
                        "LZNT1 back reference truncated at input byte {}",
                        base + i
                    ));
                }
                let token = u16::from_le_bytes([chunk[i], chunk[i + 1]]);
                i += 2;
                let at = out.len() - chunk_start;
                if at == 0 {
                    return Err(format!(
                        "LZNT1 back reference at input byte {} before any output",
                        base + i - 2
                    ));
                }
                let mut len_bits = 12u32;
                let mut p = at - 1;
                while p >= 0x10 {
                    p >>= 1;
                    len_bits -= 1;
                }
                let length = (token & ((1u16 << len_bits) - 1)) as usize + 3;
                let offset = (token >> len_bits) as usize + 1;
                if offset > at {
                    return Err(format!(
                        "LZNT1 back reference at input byte {} points {offset} bytes back, only {at} produced",
                        base + i - 2
                    ));
                }
                if at + length > CHUNK {
                    return Err(format!(
                        "LZNT1 chunk expands past {CHUNK} bytes at input byte {}",
                        base + i - 2
                    ));
                }
                let from = out.len() - offset;
                for k in 0..length {
                    if out.len() >= max_out {
                        return Ok(());
                    }
                    let b = out[from + k];
                    out.push(b);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small greedy LZNT1 compressor, for tests only.
    pub(crate) fn compress(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in data.chunks(CHUNK) {
            let body = compress_chunk(chunk);
            if body.len() >= chunk.len() {
                let h = (chunk.len() - 1) as u16 | 0x3000;
                out.extend_from_slice(&h.to_le_bytes());
                out.extend_from_slice(chunk);
            } else {
                let h = (body.len() - 1) as u16 | 0xB000;
                out.extend_from_slice(&h.to_le_bytes());
                out.extend_from_slice(&body);
            }
        }
        out.extend_from_slice(&[0, 0]);
        out
    }

    fn compress_chunk(c: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut at = 0usize;
        while at < c.len() {
            let flag_pos = out.len();
            out.push(0u8);
            for bit in 0..8 {
                if at >= c.len() {
                    break;
                }
                let mut len_bits = 12u32;
                if at > 0 {
                    let mut p = at - 1;
                    while p >= 0x10 {
                        p >>= 1;
                        len_bits -= 1;
                    }
                }
                let max_off = 1usize << (16 - len_bits);
                let max_len = (1usize << len_bits) + 2;
                let (mut best_len, mut best_off) = (0, 0);
                for off in 1..=max_off.min(at) {
                    let mut l = 0;
                    while l < max_len && at + l < c.len() && c[at + l] == c[at + l - off] {
                        l += 1;
                    }
                    if l > best_len {
                        best_len = l;
                        best_off = off;
                    }
                }
                if best_len >= 3 {
                    let token = (((best_off - 1) << len_bits) | (best_len - 3)) as u16;
                    out.extend_from_slice(&token.to_le_bytes());
                    out[flag_pos] |= 1 << bit;
                    at += best_len;
                } else {
                    out.push(c[at]);
                    at += 1;
                }
            }
        }
        out
    }

    #[test]
    fn hand_built_chunk() {
        // "abcabcabcabc" + "xyz": literals a b c, then a reference 3 back,
        // 9 long (at position 3: 12 length bits), then literals x y z.
        let token: u16 = (2 << 12) | (9 - 3);
        let mut body = vec![0b0000_1000u8, b'a', b'b', b'c'];
        body.extend_from_slice(&token.to_le_bytes());
        body.extend_from_slice(b"xyz");
        let mut input = ((body.len() - 1) as u16 | 0xB000).to_le_bytes().to_vec();
        input.extend_from_slice(&body);
        input.extend_from_slice(&[0, 0]);
        assert_eq!(decompress(&input, 65536).unwrap(), b"abcabcabcabcxyz");
    }

    #[test]
    fn round_trip_with_test_compressor() {
        let mut data = Vec::new();
        for i in 0..20000u32 {
            data.extend_from_slice(format!("line {} of {}\n", i % 97, i % 13).as_bytes());
        }
        data.truncate(3 * CHUNK + 123);
        let c = compress(&data);
        assert!(c.len() < data.len() / 2);
        assert_eq!(decompress(&c, 16 * CHUNK).unwrap(), data);
        // bounded output
        assert_eq!(decompress(&c, 5000).unwrap(), &data[..5000]);
    }

    #[test]
    fn uncompressed_chunks_and_incompressible_data() {
        let data: Vec<u8> = (0..CHUNK as u32 * 2)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let c = compress(&data);
        assert_eq!(decompress(&c, 1 << 20).unwrap(), data);
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        // reference before any output
        assert!(decompress(&[0x01, 0xB0, 0x01, 0x00, 0x00], 4096).is_err());
        // reference too far back
        let input = [0x03, 0xB0, 0b10, b'a', 0x00, 0xF0];
        assert!(decompress(&input, 4096).is_err());
        // chunk running past the input
        assert!(decompress(&[0xFF, 0xBF, 0x00], 4096).is_err());
        // truncated token
        assert!(decompress(&[0x02, 0xB0, 0b10, b'a', 0x00], 4096).is_err());
        // fuzz-ish: never panics
        let mut x = 12345u32;
        for _ in 0..2000 {
            let n = (x % 64) as usize;
            let v: Vec<u8> = (0..n)
                .map(|_| {
                    x = x.wrapping_mul(1103515245).wrapping_add(12345);
                    (x >> 16) as u8
                })
                .collect();
            let _ = decompress(&v, 8192);
        }
    }
}

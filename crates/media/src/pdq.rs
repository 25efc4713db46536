//! PDQ perceptual hashing, written from Meta's published description of the
//! algorithm (ThreatExchange `pdq/README.md` and the hashing paper): luminance,
//! a two-pass tent ("Jarosz") filter sized to the picture, decimation to
//! 64×64, the 16×16 lowest non-constant DCT coefficients, a median
//! threshold, and a quality score from the sum of gradients.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::MediaError;

/// Side of the decimated luminance buffer.
const N64: usize = 64;
/// Side of the kept DCT block.
const N16: usize = 16;

/// Meta's match threshold: two hashes at Hamming distance ≤ 31 are the same picture.
pub const MATCH_DISTANCE: u32 = 31;
/// Meta's rule: hashes of quality ≤ 49 say too little to match on.
pub const MIN_QUALITY: u8 = 50;

/// A 256-bit PDQ hash. Bytes are in the order of the usual hex form (the
/// reference implementations print 16-bit words, most significant first).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PdqHash(pub [u8; 32]);

impl PdqHash {
    /// The hash as four 64-bit words (for fast distances and indexing).
    pub fn words(&self) -> [u64; 4] {
        let mut w = [0u64; 4];
        for (i, chunk) in self.0.chunks_exact(8).enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            w[i] = u64::from_be_bytes(b);
        }
        w
    }

    /// Builds a hash from [`PdqHash::words`].
    pub fn from_words(w: [u64; 4]) -> Self {
        let mut out = [0u8; 32];
        for (i, word) in w.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&word.to_be_bytes());
        }
        PdqHash(out)
    }

    /// Number of differing bits.
    pub fn distance(&self, other: &PdqHash) -> u32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }

    /// Number of set bits (the "norm" of the reference tools).
    pub fn norm(&self) -> u32 {
        self.0.iter().map(|b| b.count_ones()).sum()
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Sets bit `k` (0..256) as the reference numbering does: word `k / 16`,
    /// bit `k % 16`, words printed from the last to the first.
    fn set_bit(&mut self, k: usize) {
        let word = k / 16;
        let bit = k % 16;
        let byte = (15 - word) * 2 + if bit >= 8 { 0 } else { 1 };
        if let Some(b) = self.0.get_mut(byte) {
            *b |= 1 << (bit % 8);
        }
    }
}

impl fmt::Display for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PdqHash({})", self.to_hex())
    }
}

impl FromStr for PdqHash {
    type Err = MediaError;
    fn from_str(s: &str) -> Result<Self, MediaError> {
        let s = s.trim();
        let mut out = [0u8; 32];
        if s.len() != 64 {
            return Err(MediaError::BadHash(s.chars().take(80).collect()));
        }
        hex::decode_to_slice(s, &mut out)
            .map_err(|_| MediaError::BadHash(s.chars().take(80).collect()))?;
        Ok(PdqHash(out))
    }
}

/// The eight rotations and flips of a picture, in the reference order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dihedral {
    /// As is.
    Original,
    /// Turned 90° anticlockwise (the reference's "rotate 90").
    Rotate90,
    /// Turned 180°.
    Rotate180,
    /// Turned 270° anticlockwise.
    Rotate270,
    /// Mirrored top to bottom (about the x axis, the reference's "flipx").
    FlipX,
    /// Mirrored left to right (about the y axis).
    FlipY,
    /// Mirrored about the main diagonal (transposed).
    FlipPlus1,
    /// Mirrored about the other diagonal.
    FlipMinus1,
}

impl Dihedral {
    /// All eight, original first.
    pub const ALL: [Dihedral; 8] = [
        Dihedral::Original,
        Dihedral::Rotate90,
        Dihedral::Rotate180,
        Dihedral::Rotate270,
        Dihedral::FlipX,
        Dihedral::FlipY,
        Dihedral::FlipPlus1,
        Dihedral::FlipMinus1,
    ];

    /// Short name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Dihedral::Original => "original",
            Dihedral::Rotate90 => "rotate-90",
            Dihedral::Rotate180 => "rotate-180",
            Dihedral::Rotate270 => "rotate-270",
            Dihedral::FlipX => "flip-x",
            Dihedral::FlipY => "flip-y",
            Dihedral::FlipPlus1 => "flip-plus-1",
            Dihedral::FlipMinus1 => "flip-minus-1",
        }
    }

    /// (transpose, negate odd column frequencies, negate odd row frequencies).
    /// Mirroring a 64-sample axis multiplies DCT basis `u` by `(-1)^u`, and
    /// the kept block starts at `u = 1`, so index `i` is negated when even.
    fn ops(self) -> (bool, bool, bool) {
        match self {
            Dihedral::Original => (false, false, false),
            Dihedral::FlipX => (false, false, true),
            Dihedral::FlipY => (false, true, false),
            Dihedral::Rotate180 => (false, true, true),
            Dihedral::FlipPlus1 => (true, false, false),
            Dihedral::Rotate90 => (true, false, true),
            Dihedral::Rotate270 => (true, true, false),
            Dihedral::FlipMinus1 => (true, true, true),
        }
    }
}

/// A hash with what is needed to derive the other seven orientations.
#[derive(Clone, Debug)]
pub struct PdqResult {
    /// The hash of the picture as it is.
    pub hash: PdqHash,
    /// 0–100; Meta discards ≤ 49 (flat or nearly flat pictures).
    pub quality: u8,
    /// The 16×16 DCT block, row frequency major.
    dct: Box<[f32; N16 * N16]>,
}

impl PdqResult {
    /// The hash the picture would have after `d`, without hashing it again.
    pub fn variant(&self, d: Dihedral) -> PdqHash {
        let (transpose, flip_cols, flip_rows) = d.ops();
        let mut block = [0f32; N16 * N16];
        for i in 0..N16 {
            for j in 0..N16 {
                let (si, sj) = if transpose { (j, i) } else { (i, j) };
                let mut v = self.dct[si * N16 + sj];
                if flip_cols && j % 2 == 0 {
                    v = -v;
                }
                if flip_rows && i % 2 == 0 {
                    v = -v;
                }
                block[i * N16 + j] = v;
            }
        }
        threshold(&block)
    }

    /// All eight orientations, in [`Dihedral::ALL`] order.
    pub fn variants(&self) -> [(Dihedral, PdqHash); 8] {
        Dihedral::ALL.map(|d| (d, self.variant(d)))
    }
}

/// Hashes a luminance buffer (`width × height`, row major, 0–255).
/// Returns `None` when the buffer does not match the dimensions or is empty.
pub fn hash_luma(luma: &[f32], width: usize, height: usize) -> Option<PdqResult> {
    if width == 0 || height == 0 || width.checked_mul(height)? != luma.len() {
        return None;
    }
    let mut buf = luma.to_vec();
    let mut tmp = vec![0f32; buf.len()];
    let wx = window(width);
    let wy = window(height);
    for _ in 0..2 {
        for r in 0..height {
            box_1d(
                &buf[r * width..(r + 1) * width],
                &mut tmp[r * width..(r + 1) * width],
                wx,
            );
        }
        box_columns(&tmp, &mut buf, width, height, wy);
    }
    let mut small = [0f32; N64 * N64];
    for i in 0..N64 {
        let si = (((i as f64 + 0.5) * height as f64) / N64 as f64) as usize;
        let si = si.min(height - 1);
        for j in 0..N64 {
            let sj = (((j as f64 + 0.5) * width as f64) / N64 as f64) as usize;
            let sj = sj.min(width - 1);
            small[i * N64 + j] = buf[si * width + sj];
        }
    }
    let quality = quality(&small);
    let dct = dct16(&small);
    let hash = threshold(&dct);
    Some(PdqResult {
        hash,
        quality,
        dct: Box::new(dct),
    })
}

/// Window of the tent filter for one axis: about twice the decimation step.
fn window(old: usize) -> usize {
    old.div_ceil(2 * N64)
}

/// Centred moving average whose window shrinks at the edges, as the
/// reference filter does (output `k` averages inputs
/// `k-(w-h) ..= k+h-1` with `h = (w+2)/2`, clamped to the vector).
fn box_1d(input: &[f32], out: &mut [f32], w: usize) {
    let n = input.len();
    let h = (w + 2) / 2;
    let back = w.saturating_sub(h);
    let mut sum = 0f32;
    let mut lo = 0usize;
    let mut hi = 0usize; // exclusive
    for (k, o) in out.iter_mut().enumerate().take(n) {
        let want_hi = (k + h).min(n);
        while hi < want_hi {
            sum += input[hi];
            hi += 1;
        }
        let want_lo = k.saturating_sub(back);
        while lo < want_lo {
            sum -= input[lo];
            lo += 1;
        }
        let count = (hi - lo).max(1);
        *o = sum / count as f32;
    }
}

/// [`box_1d`] down every column, a row at a time so memory is read in order.
fn box_columns(input: &[f32], out: &mut [f32], width: usize, height: usize, w: usize) {
    let h = (w + 2) / 2;
    let back = w.saturating_sub(h);
    let mut sum = vec![0f32; width];
    let mut lo = 0usize;
    let mut hi = 0usize;
    for k in 0..height {
        let want_hi = (k + h).min(height);
        while hi < want_hi {
            for (s, v) in sum.iter_mut().zip(&input[hi * width..(hi + 1) * width]) {
                *s += v;
            }
            hi += 1;
        }
        let want_lo = k.saturating_sub(back);
        while lo < want_lo {
            for (s, v) in sum.iter_mut().zip(&input[lo * width..(lo + 1) * width]) {
                *s -= v;
            }
            lo += 1;
        }
        let count = (hi - lo).max(1) as f32;
        for (o, s) in out[k * width..(k + 1) * width].iter_mut().zip(&sum) {
            *o = s / count;
        }
    }
}

/// Sum of absolute neighbour differences in percent, scaled to 0–100.
fn quality(b: &[f32; N64 * N64]) -> u8 {
    let mut sum: i64 = 0;
    for i in 0..N64 - 1 {
        for j in 0..N64 {
            let d = ((b[i * N64 + j] - b[(i + 1) * N64 + j]) * 100.0) / 255.0;
            sum += (d as i64).abs();
        }
    }
    for i in 0..N64 {
        for j in 0..N64 - 1 {
            let d = ((b[i * N64 + j] - b[i * N64 + j + 1]) * 100.0) / 255.0;
            sum += (d as i64).abs();
        }
    }
    (sum / 90).min(100) as u8
}

/// The 16×64 DCT-II basis without the constant row.
fn dct_matrix() -> &'static [f32; N16 * N64] {
    static M: OnceLock<Box<[f32; N16 * N64]>> = OnceLock::new();
    M.get_or_init(|| {
        let mut m = Box::new([0f32; N16 * N64]);
        let scale = (2.0f64 / N64 as f64).sqrt();
        for i in 0..N16 {
            for j in 0..N64 {
                let arg = std::f64::consts::PI / 2.0 / N64 as f64
                    * (i as f64 + 1.0)
                    * (2.0 * j as f64 + 1.0);
                m[i * N64 + j] = (scale * arg.cos()) as f32;
            }
        }
        m
    })
}

/// `D · A · Dᵀ` for the 64×64 buffer `A`.
fn dct16(a: &[f32; N64 * N64]) -> [f32; N16 * N16] {
    let d = dct_matrix();
    let mut t = [0f32; N16 * N64];
    for i in 0..N16 {
        let di = &d[i * N64..(i + 1) * N64];
        for (r, dv) in di.iter().enumerate() {
            let row = &a[r * N64..(r + 1) * N64];
            let ti = &mut t[i * N64..(i + 1) * N64];
            for (x, y) in ti.iter_mut().zip(row) {
                *x += dv * y;
            }
        }
    }
    let mut b = [0f32; N16 * N16];
    for i in 0..N16 {
        let ti = &t[i * N64..(i + 1) * N64];
        for j in 0..N16 {
            let dj = &d[j * N64..(j + 1) * N64];
            b[i * N16 + j] = ti.iter().zip(dj).map(|(x, y)| x * y).sum();
        }
    }
    b
}

/// One bit per coefficient: above the (lower) median or not.
fn threshold(block: &[f32; N16 * N16]) -> PdqHash {
    let mut sorted = *block;
    sorted.sort_by(|a, b| a.total_cmp(b));
    let median = sorted[N16 * N16 / 2 - 1];
    let mut h = PdqHash::default();
    for (k, v) in block.iter().enumerate() {
        if *v > median {
            h.set_bit(k);
        }
    }
    h
}

/// Luminance (Rec. 601 weights, as the reference) of a decoded picture.
pub fn luma_of(img: &image::DynamicImage) -> (Vec<f32>, usize, usize) {
    let w = img.width() as usize;
    let h = img.height() as usize;
    let luma = match img {
        image::DynamicImage::ImageLuma8(g) => g.as_raw().iter().map(|&v| v as f32).collect(),
        image::DynamicImage::ImageRgb8(rgb) => rgb
            .as_raw()
            .chunks_exact(3)
            .map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32)
            .collect(),
        other => other
            .to_rgb8()
            .as_raw()
            .chunks_exact(3)
            .map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32)
            .collect(),
    };
    (luma, w, h)
}

/// Decodes a picture (bounded) and hashes it.
pub fn hash_image(bytes: &[u8]) -> Result<PdqResult, MediaError> {
    let img = crate::decode(bytes)?;
    let (luma, w, h) = luma_of(&img);
    hash_luma(&luma, w, h).ok_or(MediaError::Decode("empty picture".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_numbering_matches_hex_form() {
        let mut h = PdqHash::default();
        h.set_bit(0);
        assert!(h.to_hex().ends_with("0001"));
        let mut h = PdqHash::default();
        h.set_bit(255);
        assert!(h.to_hex().starts_with("8000"));
    }

    #[test]
    fn box_filter_edges() {
        let input = [1.0, 2.0, 3.0, 4.0, 5.0];
        let mut out = [0.0; 5];
        box_1d(&input, &mut out, 3);
        // h = 2, back = 1: [0..=1], [0..=2], [1..=3], [2..=4], [3..=4]
        assert_eq!(out, [1.5, 2.0, 3.0, 4.0, 4.5]);
    }

    #[test]
    fn flat_picture_has_zero_quality() {
        let luma = vec![128.0; 100 * 80];
        let r = hash_luma(&luma, 100, 80).unwrap();
        assert_eq!(r.quality, 0);
        assert!(hash_luma(&luma, 100, 81).is_none());
    }
}

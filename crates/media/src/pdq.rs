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
    hash_luma_in(luma, width, height, &mut Scratch::default())
}

/// Buffers reused from picture to picture on one thread: allocating and
/// zeroing them costs more than filtering a small picture.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Decoded samples.
    pub(crate) bytes: Vec<u8>,
    /// Luminance, in the [`blocked`] layout.
    pub(crate) luma: Vec<f32>,
    /// Output of the first row pass.
    tmp: Vec<f32>,
    /// Output of the first column pass, in the [`blocked`] layout.
    buf: Vec<f32>,
    /// Second row pass, only at the 64 sampled columns (`height × 64`).
    cols: Vec<f32>,
    /// Running column sums.
    sums: Vec<f32>,
    /// `0..width` / `0..height`: every row or column is kept in the first pass.
    all: Vec<usize>,
    /// [`box_rows`]' kept output, eight rows interleaved.
    inter: Vec<f32>,
}

impl Scratch {
    /// Largest buffer kept between pictures (in elements); a huge picture's
    /// buffers are given back rather than held by an idle thread.
    const KEEP: usize = 16 << 20;

    /// Frees buffers grown past [`Scratch::KEEP`].
    pub(crate) fn trim(&mut self) {
        if self.bytes.capacity() > Self::KEEP
            || self.luma.capacity() > Self::KEEP
            || self.tmp.capacity() > Self::KEEP
        {
            *self = Scratch::default();
        }
    }
}

/// [`hash_luma`] with reusable buffers.
pub(crate) fn hash_luma_in(
    luma: &[f32],
    width: usize,
    height: usize,
    s: &mut Scratch,
) -> Option<PdqResult> {
    if width == 0 || height == 0 || width.checked_mul(height)? != luma.len() {
        return None;
    }
    s.luma.clear();
    s.luma.resize(blocked_len(width, height)?, 0.0);
    for (r, row) in luma.chunks_exact(width).enumerate() {
        let base = (r / LANES) * width * LANES + r % LANES;
        for (x, v) in row.iter().enumerate() {
            s.luma[base + x * LANES] = *v;
        }
    }
    hash_blocked(width, height, s)
}

/// Elements of a `width × height` picture in the [`blocked`] layout.
fn blocked_len(width: usize, height: usize) -> Option<usize> {
    height
        .div_ceil(LANES)
        .checked_mul(width)?
        .checked_mul(LANES)
}

/// Hashes the luminance in `s.luma`, stored in the [`blocked`] layout. The
/// two-pass tent filter is only needed at the 64×64 sampled points, so the
/// second pass keeps the running sums of every row and column (for
/// bit-identical rounding) but divides and stores only where a sample is
/// taken.
///
/// <span id="blocked"></span>**Blocked layout**: rows in groups of eight,
/// each group stored column by column with its eight values side by side
/// (row `r`, column `x` at `(r/8)·width·8 + x·8 + r%8`), so [`box_rows`]
/// advances eight rows at once without gathering them first; lanes past
/// the last row are ignored.
pub(crate) fn hash_blocked(width: usize, height: usize, s: &mut Scratch) -> Option<PdqResult> {
    let blocked = blocked_len(width, height)?;
    if width == 0 || height == 0 || s.luma.len() != blocked {
        return None;
    }
    let n = width.checked_mul(height)?;
    let wx = window(width);
    let wy = window(height);
    let si: [usize; N64] = std::array::from_fn(|i| {
        ((((i as f64 + 0.5) * height as f64) / N64 as f64) as usize).min(height - 1)
    });
    let sj: [usize; N64] = std::array::from_fn(|j| {
        ((((j as f64 + 0.5) * width as f64) / N64 as f64) as usize).min(width - 1)
    });
    s.tmp.resize(n, 0.0);
    s.buf.resize(blocked, 0.0);
    s.cols.resize(height * N64, 0.0);
    s.all.clear();
    s.all.extend(0..width.max(height));
    box_rows(
        &s.luma,
        &mut s.tmp,
        width,
        height,
        wx,
        &s.all[..width],
        &mut s.inter,
    );
    box_columns(
        &s.tmp,
        &mut s.buf,
        width,
        height,
        wy,
        &s.all[..height],
        &mut s.sums,
        true,
    );
    box_rows(&s.buf, &mut s.cols, width, height, wx, &sj, &mut s.inter);
    let mut small = [0f32; N64 * N64];
    box_columns(
        &s.cols,
        &mut small,
        N64,
        height,
        wy,
        &si,
        &mut s.sums,
        false,
    );
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
#[cfg(test)]
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

/// Rows filtered together by [`box_rows`].
const LANES: usize = 8;

/// The moving average of `box_1d` along every row, kept at columns `at`
/// (ascending): `input` is in the [`blocked`] layout, `out` is
/// `height × at.len()`. A row's running sum is one chain of dependent
/// additions, so the eight rows of a block advance side by side, in vector
/// registers; each row's additions stay in the same order, so results are
/// bit for bit those of `box_1d`.
fn box_rows(
    input: &[f32],
    out: &mut [f32],
    width: usize,
    height: usize,
    w: usize,
    at: &[usize],
    kept: &mut Vec<f32>,
) {
    let h = (w + 2) / 2;
    let back = w.saturating_sub(h);
    let m = at.len();
    kept.clear();
    kept.resize(m * LANES, 0.0);
    for (b, r0) in (0..height).step_by(LANES).enumerate() {
        let rows = (height - r0).min(LANES);
        let Some(block) = input.get(b * width * LANES..(b + 1) * width * LANES) else {
            return;
        };
        let lane = |i: usize| -> [f32; LANES] {
            block
                .get(i * LANES..(i + 1) * LANES)
                .and_then(|c| c.try_into().ok())
                .unwrap_or([0.0; LANES])
        };
        let mut sum = [0f32; LANES];
        let mut lo = 0usize;
        let mut hi = 0usize;
        let mut next = 0usize;
        for k in 0..width {
            let want_hi = (k + h).min(width);
            while hi < want_hi {
                let v = lane(hi);
                for l in 0..LANES {
                    sum[l] += v[l];
                }
                hi += 1;
            }
            let want_lo = k.saturating_sub(back);
            while lo < want_lo {
                let v = lane(lo);
                for l in 0..LANES {
                    sum[l] -= v[l];
                }
                lo += 1;
            }
            if at.get(next) != Some(&k) {
                continue;
            }
            let count = (hi - lo).max(1) as f32;
            let v = sum.map(|s| s / count);
            while at.get(next) == Some(&k) {
                if let Some(d) = kept.get_mut(next * LANES..(next + 1) * LANES) {
                    d.copy_from_slice(&v);
                }
                next += 1;
            }
        }
        for l in 0..rows {
            let Some(o) = out.get_mut((r0 + l) * m..(r0 + l + 1) * m) else {
                return;
            };
            for (o, c) in o.iter_mut().zip(kept.chunks_exact(LANES)) {
                *o = c[l];
            }
        }
    }
}

/// The same moving average down every column, a row at a time so memory is
/// read in order; output rows are kept only at `at` (ascending), so `out`
/// is `at.len() × width`, in the [`blocked`] layout if `to_blocked`.
#[allow(clippy::too_many_arguments)]
fn box_columns(
    input: &[f32],
    out: &mut [f32],
    width: usize,
    height: usize,
    w: usize,
    at: &[usize],
    sum: &mut Vec<f32>,
    to_blocked: bool,
) {
    let h = (w + 2) / 2;
    let back = w.saturating_sub(h);
    sum.clear();
    sum.resize(width, 0.0);
    let mut lo = 0usize;
    let mut hi = 0usize;
    let mut next = 0usize;
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
        while at.get(next) == Some(&k) {
            if to_blocked {
                let base = (next / LANES) * width * LANES + next % LANES;
                if let Some(block) = out.get_mut(base..) {
                    for (o, s) in block.iter_mut().step_by(LANES).zip(sum.iter()) {
                        *o = s / count;
                    }
                }
            } else {
                for (o, s) in out[next * width..(next + 1) * width]
                    .iter_mut()
                    .zip(sum.iter())
                {
                    *o = s / count;
                }
            }
            next += 1;
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

/// `0.299·v`, `0.587·v` and `0.114·v` in f32 for every byte `v`.
fn luma_tables() -> &'static [[f32; 256]; 3] {
    static T: OnceLock<[[f32; 256]; 3]> = OnceLock::new();
    T.get_or_init(|| [0.299f32, 0.587, 0.114].map(|c| std::array::from_fn(|v| c * v as f32)))
}

thread_local! {
    /// This thread's buffers for [`hash_image`].
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// Decodes a picture (bounded) and hashes it.
pub fn hash_image(bytes: &[u8]) -> Result<PdqResult, MediaError> {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            let r = hash_image_in(bytes, &mut s);
            s.trim();
            r
        }
        Err(_) => hash_image_in(bytes, &mut Scratch::default()),
    })
}

/// [`hash_image`] with reusable buffers. 8-bit grey and RGB pictures (nearly
/// all JPEGs and PNGs) are decoded straight into `s.bytes` and converted to
/// luminance there; the luminance is the same as [`luma_of`] gives.
fn hash_image_in(bytes: &[u8], s: &mut Scratch) -> Result<PdqResult, MediaError> {
    use image::{ColorType, ImageDecoder};
    let decoder = crate::decoder(bytes)?;
    let (w, h) = decoder.dimensions();
    let (w, h) = (w as usize, h as usize);
    let color = decoder.color_type();
    let channels = match color {
        ColorType::L8 => 1,
        ColorType::Rgb8 => 3,
        _ => {
            let img = image::DynamicImage::from_decoder(decoder)
                .map_err(|e| MediaError::Decode(e.to_string()))?;
            let (luma, w, h) = luma_of(&img);
            return hash_luma_in(&luma, w, h, s).ok_or(MediaError::Decode("empty picture".into()));
        }
    };
    let total = usize::try_from(decoder.total_bytes())
        .ok()
        .filter(|&t| t <= isize::MAX as usize)
        .ok_or_else(|| {
            MediaError::Decode(
                image::ImageError::Limits(image::error::LimitError::from_kind(
                    image::error::LimitErrorKind::InsufficientMemory,
                ))
                .to_string(),
            )
        })?;
    s.bytes.clear();
    s.bytes.resize(total, 0);
    decoder
        .read_image(&mut s.bytes)
        .map_err(|e| MediaError::Decode(e.to_string()))?;
    // As `ImageBuffer::from_raw`: the samples must cover the picture.
    if w.checked_mul(h)
        .and_then(|p| p.checked_mul(channels))
        .is_none_or(|need| need > s.bytes.len())
    {
        return Err(MediaError::Decode(
            image::ImageError::Parameter(image::error::ParameterError::from_kind(
                image::error::ParameterErrorKind::DimensionMismatch,
            ))
            .to_string(),
        ));
    }
    // Straight into the blocked layout the filter reads.
    let empty = || MediaError::Decode("empty picture".into());
    if w == 0 || h == 0 {
        return Err(empty());
    }
    s.luma.clear();
    s.luma.resize(blocked_len(w, h).ok_or_else(empty)?, 0.0);
    let t = luma_tables();
    for (r, row) in s.bytes.chunks_exact(w * channels).take(h).enumerate() {
        let base = (r / LANES) * w * LANES + r % LANES;
        let Some(dst) = s.luma.get_mut(base..) else {
            break;
        };
        let dst = dst.iter_mut().step_by(LANES);
        if channels == 1 {
            dst.zip(row).for_each(|(d, &v)| *d = v as f32);
        } else {
            // The same products and sums as `luma_of`, the products looked up.
            dst.zip(row.chunks_exact(3)).for_each(|(d, p)| {
                *d = t[0][p[0] as usize] + t[1][p[1] as usize] + t[2][p[2] as usize]
            });
        }
    }
    hash_blocked(w, h, s).ok_or_else(empty)
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

    /// The filter before it was restricted to the sampled points, kept to
    /// prove the fast one gives the same bits.
    fn reference_hash_luma(luma: &[f32], width: usize, height: usize) -> Option<PdqResult> {
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
            reference_box_columns(&tmp, &mut buf, width, height, wy);
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

    /// [`box_1d`] down every column, a row at a time so memory is read in order.
    fn reference_box_columns(
        input: &[f32],
        out: &mut [f32],
        width: usize,
        height: usize,
        w: usize,
    ) {
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

    fn same(luma: &[f32], w: usize, h: usize) {
        let a = reference_hash_luma(luma, w, h);
        let b = hash_luma(luma, w, h);
        match (a, b) {
            (None, None) => {}
            (Some(a), Some(b)) => {
                assert_eq!(a.hash, b.hash, "{w}x{h}");
                assert_eq!(a.quality, b.quality, "{w}x{h}");
                assert_eq!(a.dct.map(f32::to_bits), b.dct.map(f32::to_bits), "{w}x{h}");
            }
            (a, b) => panic!("{w}x{h}: {:?} vs {:?}", a.is_some(), b.is_some()),
        }
    }

    #[test]
    fn fast_filter_is_bit_identical() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for &(w, h) in &[
            (1, 1),
            (1, 300),
            (300, 1),
            (7, 9),
            (63, 65),
            (64, 64),
            (100, 80),
            (256, 256),
            (257, 129),
            (640, 480),
            (1001, 333),
        ] {
            let luma: Vec<f32> = (0..w * h)
                .map(|_| {
                    let r = next();
                    let (a, b, c) = (r & 255, (r >> 8) & 255, (r >> 16) & 255);
                    0.299 * a as f32 + 0.587 * b as f32 + 0.114 * c as f32
                })
                .collect();
            same(&luma, w, h);
            // Smooth pictures too, where the median is close to many values.
            let smooth: Vec<f32> = (0..w * h)
                .map(|i| ((i % w) as f32 * 0.37 + (i / w) as f32 * 0.11).sin() * 100.0 + 128.0)
                .collect();
            same(&smooth, w, h);
        }
    }

    #[test]
    fn decoding_path_matches_dynamic_image() {
        let dir = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/testdata/media/pdq/images"
        ));
        let mut stack = vec![dir.to_path_buf()];
        let mut seen = 0;
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let Ok(bytes) = std::fs::read(&p) else {
                    continue;
                };
                let old = crate::decode(&bytes).map(|img| {
                    let (l, w, h) = luma_of(&img);
                    reference_hash_luma(&l, w, h)
                });
                let new = hash_image(&bytes);
                match (old, new) {
                    (Ok(Some(a)), Ok(b)) => {
                        assert_eq!(a.hash, b.hash, "{}", p.display());
                        assert_eq!(a.quality, b.quality, "{}", p.display());
                        seen += 1;
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                    (a, b) => panic!("{}: {:?} vs {:?}", p.display(), a.is_ok(), b.is_ok()),
                }
            }
        }
        eprintln!("{seen} pictures compared");
    }
}

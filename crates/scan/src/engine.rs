//! The one pass over a buffer: find text runs, UTF-16 runs and container
//! signatures from 64-byte block masks, hand each to its scanners, and
//! report what they find.

use std::collections::HashMap;

use flate2::Decompress;

use crate::config::Stats;
use crate::frame::Frame;
use crate::text::phone::{self, Region};
use crate::text::{self, Out};
use crate::{decode, masks, utf16, Feature, Kind, ScanConfig, Sink};

/// Shortest text run handed to the text scanners (the shortest feature,
/// `a@b.cd`, is six bytes).
pub(crate) const MIN_RUN: usize = 6;

/// Per-worker state: settings, reusable decoders and buffers, counters.
pub(crate) struct Ctx<'a> {
    pub cfg: &'a ScanConfig,
    pub sink: &'a dyn Sink,
    want: [bool; Kind::ALL.len()],
    pub regions: Vec<Region>,
    /// Phone validation results (the same numbers recur; validation is
    /// costly). Cleared when it reaches [`PHONE_MEMO`] entries.
    phone_memo: HashMap<String, Option<String>>,
    pub max_depth: usize,
    /// Raw-deflate decoder (gzip, ZIP), reset for each object.
    pub raw: Decompress,
    /// Zlib decoder (zlib streams, PDF), reset for each object.
    pub zlib: Decompress,
    /// Transcoding buffer for UTF-16 runs.
    pub u16buf: Vec<u8>,
    pub u16map: Vec<usize>,
    counts: [u64; Kind::ALL.len()],
    pub stats: Stats,
}

/// Most remembered phone validations per worker.
const PHONE_MEMO: usize = 16_384;

/// Parses region codes, ignoring unknown ones.
pub(crate) fn parse_regions(codes: &[String]) -> Vec<Region> {
    codes.iter().filter_map(|c| Region::new(c)).collect()
}

impl<'a> Ctx<'a> {
    pub fn new(cfg: &'a ScanConfig, sink: &'a dyn Sink) -> Self {
        let mut want = [false; Kind::ALL.len()];
        for k in &cfg.kinds {
            want[k.index()] = true;
        }
        Ctx {
            cfg,
            sink,
            want,
            regions: parse_regions(&cfg.phone_regions),
            phone_memo: HashMap::new(),
            max_depth: cfg.effective_depth(),
            raw: Decompress::new(false),
            zlib: Decompress::new(true),
            u16buf: Vec::new(),
            u16map: Vec::new(),
            counts: [0; Kind::ALL.len()],
            stats: Stats::default(),
        }
    }

    pub fn wants(&self, k: Kind) -> bool {
        self.want[k.index()]
    }

    pub fn emit(&mut self, f: Feature) {
        self.counts[f.kind.index()] += 1;
        self.stats.features += 1;
        self.sink.feature(f);
    }

    /// [`phone::validate`], remembered.
    pub fn phone(&mut self, digits: &str) -> Option<String> {
        if let Some(r) = self.phone_memo.get(digits) {
            return r.clone();
        }
        let r = phone::validate(digits, &self.regions);
        if self.phone_memo.len() >= PHONE_MEMO {
            self.phone_memo.clear();
        }
        self.phone_memo.insert(digits.to_string(), r.clone());
        r
    }

    pub fn note(&mut self, path: &str, what: &str) {
        self.stats.notes += 1;
        self.sink.note(path, what);
    }

    /// The counters, with per-kind counts filled in.
    pub fn finish(mut self) -> Stats {
        for k in Kind::ALL {
            let n = self.counts[k.index()];
            if n > 0 {
                *self.stats.by_kind.entry(k.name().to_string()).or_default() += n;
            }
        }
        self.stats
    }
}

/// Bits of a block at or after index `next` (for a block at `base`).
#[inline(always)]
pub(crate) fn from(next: usize, base: usize) -> u64 {
    if next <= base {
        !0
    } else if next - base >= 64 {
        0
    } else {
        !0u64 << (next - base)
    }
}

/// Scans a whole frame.
pub(crate) fn scan_frame(ctx: &mut Ctx, f: &Frame) {
    let data = f.data;
    let stop = f.report.end.min(data.len());
    let decode = f.depth < ctx.max_depth && ctx.cfg.max_decoded > 0;
    // Signatures matter when decoding, or for EXIF blocks (GPS).
    let binary = decode || ctx.wants(Kind::Gps);
    // Object starts already decoded by a structure-aware decoder (PDF), so
    // that the generic zlib trigger does not decode them twice. Text runs are
    // scanned in order, so this stays sorted.
    let mut claims: Vec<usize> = Vec::new();
    // A text run whose end is not yet seen, and the container signatures
    // met meanwhile (decoded once the run, which may claim them, is done).
    let mut open: Option<usize> = None;
    let mut pending: Vec<usize> = Vec::new();
    let mut next_text = 0usize;
    let mut next_u16 = 0usize;
    let mut cur = masks::block(data, 0);
    let mut base = 0usize;
    while base < data.len() && (base < stop || open.is_some()) {
        let nxt = masks::block(data, base + 64);
        let wp = cur.p as u128 | (nxt.p as u128) << 64;
        if let Some(s) = open {
            let gap = !cur.p;
            if gap != 0 {
                let e = (base + gap.trailing_zeros() as usize).min(data.len());
                open = None;
                next_text = e;
                text_run(ctx, f, s, e, decode, &mut claims);
                for i in pending.drain(..) {
                    if claims.binary_search(&i).is_err() {
                        decode::binary_object(ctx, f, i, decode);
                    }
                }
            }
        }
        if open.is_none() && cur.p != 0 && base < stop {
            // bit i: bytes i..i+6 are all text
            let m6 = (wp & wp >> 1 & wp >> 2 & wp >> 3 & wp >> 4 & wp >> 5) as u64;
            let mut c = m6 & from(next_text, base);
            while c != 0 {
                let s = base + c.trailing_zeros() as usize;
                if s >= stop {
                    break;
                }
                let gap = !cur.p & from(s + MIN_RUN, base);
                if gap == 0 {
                    open = Some(s);
                    break;
                }
                let e = base + gap.trailing_zeros() as usize;
                next_text = e;
                text_run(ctx, f, s, e, decode, &mut claims);
                c = m6 & from(next_text, base);
            }
        }
        if (cur.z != 0 || nxt.z != 0) && base < stop {
            let wz = cur.z as u128 | (nxt.z as u128) << 64;
            let le = wp & (wz >> 1);
            let be = wz & (wp >> 1);
            let six = |u: u128| u & u >> 2 & u >> 4 & u >> 6 & u >> 8 & u >> 10;
            let m = (six(le) | six(be)) as u64;
            let mut c = m & from(next_u16, base);
            while c != 0 {
                let s = base + c.trailing_zeros() as usize;
                if s >= stop {
                    break;
                }
                next_u16 = utf16::run(ctx, f, s);
                c = m & from(next_u16, base);
            }
        }
        if binary && cur.g != 0 {
            let mut g = cur.g;
            while g != 0 {
                let i = base + g.trailing_zeros() as usize;
                g &= g - 1;
                if !f.owns(i) {
                    continue;
                }
                if open.is_some() {
                    pending.push(i);
                } else if claims.binary_search(&i).is_err() {
                    decode::binary_object(ctx, f, i, decode);
                }
            }
        }
        cur = nxt;
        base += 64;
    }
    if let Some(s) = open {
        text_run(ctx, f, s, data.len(), decode, &mut claims);
        for i in pending.drain(..) {
            if claims.binary_search(&i).is_err() {
                decode::binary_object(ctx, f, i, decode);
            }
        }
    }
}

/// A run of ASCII text `data[s..e]`: text scanners, then the decoders that
/// start in text (base64 blocks, PDF streams).
fn text_run(ctx: &mut Ctx, f: &Frame, s: usize, e: usize, decode: bool, claims: &mut Vec<usize>) {
    let t = &f.data[s..e];
    {
        let mut out = TextOut {
            ctx: &mut *ctx,
            frame: f,
            text: t,
            map: Map::Ascii { start: s },
            seen: Vec::new(),
        };
        text::scan(t, &mut out);
    }
    if decode {
        decode::pdf::scan_run(ctx, f, s, e, claims);
        decode::base64::scan_run(ctx, f, s, e);
    }
}

/// How positions in scanned text map back to the frame.
pub(crate) enum Map<'m> {
    /// `text[i]` is `data[start + i]`.
    Ascii { start: usize },
    /// `text[i]` comes from the code unit at `data[map[i]]`.
    Utf16 { map: &'m [usize], enc: &'static str },
}

/// Context bytes either side of a plain hit.
pub(crate) const CONTEXT: usize = 16;

/// Turns text-scanner hits into features.
pub(crate) struct TextOut<'x, 'c, 'f> {
    pub ctx: &'x mut Ctx<'c>,
    pub frame: &'x Frame<'f>,
    pub text: &'x [u8],
    pub map: Map<'x>,
    pub seen: Vec<(Kind, usize, usize)>,
}

impl Out for TextOut<'_, '_, '_> {
    fn want(&self, kind: Kind) -> bool {
        self.ctx.wants(kind)
    }

    fn phone(&mut self, digits: &str) -> Option<String> {
        self.ctx.phone(digits)
    }

    fn hit(&mut self, kind: Kind, start: usize, end: usize, normalized: String, validated: bool) {
        if !self.ctx.wants(kind) || end <= start || end > self.text.len() {
            return;
        }
        let (os, oe, enc, pad) = match &self.map {
            Map::Ascii { start: s0 } => (s0 + start, s0 + end, None, CONTEXT),
            Map::Utf16 { map, enc } => (map[start], map[end - 1] + 2, Some(*enc), 2 * CONTEXT),
        };
        if !self.frame.owns(os) || self.seen.contains(&(kind, start, end)) {
            return;
        }
        self.seen.push((kind, start, end));
        let data = self.frame.data;
        let context = data[os.saturating_sub(pad)..(oe + pad).min(data.len())].to_vec();
        let f = Feature {
            kind,
            value: String::from_utf8_lossy(&self.text[start..end]).into_owned(),
            normalized,
            path: self.frame.path(os),
            offset: self.frame.offset(os),
            encoding: enc,
            validated,
            context,
        };
        self.ctx.emit(f);
    }
}

//! Signature carving with structure: a header is only the start; the end is
//! found by walking the format (JPEG segments and entropy-coded data to EOI,
//! PNG chunks to IEND, GIF blocks to the trailer, ISO-BMFF boxes, RIFF and
//! BMP sizes, the EBML segment size). An object whose structure does not
//! hold is not reported. Each result carries its byte offset in the source:
//! the provenance an examiner quotes.

use exhibit_evidence::Source;
use serde::Serialize;

use crate::detect::{bmff_brand, bmp_header_ok, MediaType};
use crate::{MediaError, MAX_OBJECT};

/// One carved object.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Carved {
    /// Byte offset in the source.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
    /// Format.
    #[serde(rename = "type")]
    pub kind: MediaType,
    /// Offset of an enclosing carved object (an EXIF thumbnail inside its
    /// JPEG, a JPEG inside a video), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inside: Option<u64>,
}

/// What to carve.
#[derive(Clone, Debug)]
pub struct CarveOptions {
    /// Formats to look for.
    pub types: Vec<MediaType>,
    /// Objects longer than this are cut off (not reported).
    pub max_object: u64,
    /// Smallest object worth reporting (tiny "JPEGs" are mostly noise).
    pub min_object: u64,
}

impl Default for CarveOptions {
    fn default() -> Self {
        CarveOptions {
            types: MediaType::ALL
                .into_iter()
                .filter(|t| *t != MediaType::Tiff)
                .collect(),
            max_object: MAX_OBJECT,
            min_object: 64,
        }
    }
}

/// Reads a source through a small window, so parsers can ask for bytes at
/// any offset without holding the object in memory.
struct Window<'a> {
    src: &'a dyn Source,
    start: u64,
    buf: Vec<u8>,
}

const WINDOW: usize = 1 << 16;

impl<'a> Window<'a> {
    fn new(src: &'a dyn Source) -> Self {
        Window {
            src,
            start: u64::MAX,
            buf: Vec::new(),
        }
    }

    fn byte(&mut self, pos: u64) -> Result<Option<u8>, MediaError> {
        if pos < self.start || pos >= self.start.saturating_add(self.buf.len() as u64) {
            if pos >= self.src.len() {
                return Ok(None);
            }
            self.buf.resize(WINDOW, 0);
            let n = self.src.read_at(pos, &mut self.buf)?;
            self.buf.truncate(n);
            self.start = pos;
            if n == 0 {
                return Ok(None);
            }
        }
        Ok(self.buf.get((pos - self.start) as usize).copied())
    }

    fn bytes<const N: usize>(&mut self, pos: u64) -> Result<Option<[u8; N]>, MediaError> {
        let mut out = [0u8; N];
        for (i, o) in out.iter_mut().enumerate() {
            match self.byte(pos + i as u64)? {
                Some(b) => *o = b,
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    fn u16be(&mut self, pos: u64) -> Result<Option<u16>, MediaError> {
        Ok(self.bytes::<2>(pos)?.map(u16::from_be_bytes))
    }
    fn u32be(&mut self, pos: u64) -> Result<Option<u32>, MediaError> {
        Ok(self.bytes::<4>(pos)?.map(u32::from_be_bytes))
    }
    fn u32le(&mut self, pos: u64) -> Result<Option<u32>, MediaError> {
        Ok(self.bytes::<4>(pos)?.map(u32::from_le_bytes))
    }
}

/// Carves every object of the wanted types from `src`, sorted by offset.
pub fn carve(src: &dyn Source, opts: &CarveOptions) -> Result<Vec<Carved>, MediaError> {
    let mut found: Vec<Carved> = Vec::new();
    let mut win = Window::new(src);
    let len = src.len();
    let want = |t: MediaType| opts.types.contains(&t);
    const CHUNK: usize = 4 << 20;
    const OVERLAP: usize = 32;
    let mut chunk = vec![0u8; CHUNK + OVERLAP];
    let mut base = 0u64;
    while base < len {
        let n = src.read_at(base, &mut chunk)?;
        if n == 0 {
            break;
        }
        let data = &chunk[..n];
        let limit = n.min(CHUNK);
        for i in 0..limit {
            let head = &data[i..];
            let kind = match head[0] {
                0xff if head.starts_with(&[0xff, 0xd8, 0xff]) => MediaType::Jpeg,
                0x89 if head.starts_with(b"\x89PNG\r\n\x1a\n") => MediaType::Png,
                b'G' if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") => {
                    MediaType::Gif
                }
                b'B' if head.starts_with(b"BM") && bmp_header_ok(head) => MediaType::Bmp,
                b'R' if head.starts_with(b"RIFF") && head.len() >= 12 => match &head[8..12] {
                    b"WEBP" => MediaType::Webp,
                    b"AVI " => MediaType::Avi,
                    _ => continue,
                },
                0x1a if head.starts_with(&[0x1a, 0x45, 0xdf, 0xa3]) => MediaType::Mkv,
                0 if head.len() >= 12 && &head[4..8] == b"ftyp" => bmff_brand(&head[8..12]),
                _ => continue,
            };
            if !want(kind) {
                continue;
            }
            let off = base + i as u64;
            let length = match kind {
                MediaType::Jpeg => jpeg_len(&mut win, off, opts.max_object)?,
                MediaType::Png => png_len(&mut win, off, opts.max_object)?,
                MediaType::Gif => gif_len(&mut win, off, opts.max_object)?,
                MediaType::Bmp => win.u32le(off + 2)?.map(u64::from),
                MediaType::Webp | MediaType::Avi => win.u32le(off + 4)?.map(|s| u64::from(s) + 8),
                MediaType::Mkv => mkv_len(&mut win, off)?,
                MediaType::Heic | MediaType::Mp4 | MediaType::Mov | MediaType::ThreeGp => {
                    bmff_len(&mut win, off, opts.max_object)?
                }
                MediaType::Tiff => None,
            };
            let Some(length) = length else { continue };
            if length < opts.min_object
                || length > opts.max_object
                || off.saturating_add(length) > len
            {
                continue;
            }
            found.push(Carved {
                offset: off,
                length,
                kind,
                inside: None,
            });
        }
        base += CHUNK as u64;
    }
    // Mark objects that lie inside an earlier, larger one.
    let mut open: Vec<(u64, u64)> = Vec::new();
    for c in &mut found {
        open.retain(|(s, l)| s + l > c.offset);
        c.inside = open
            .iter()
            .filter(|(s, l)| c.offset + c.length <= s + l)
            .map(|(s, _)| *s)
            .next_back();
        open.push((c.offset, c.length));
    }
    Ok(found)
}

/// JPEG: segments from SOI; after each SOS, entropy-coded data runs to the
/// next marker that is not a stuffed `FF00` or a restart marker. A frame
/// header (SOFn) and a scan are required before EOI.
fn jpeg_len(w: &mut Window, off: u64, max: u64) -> Result<Option<u64>, MediaError> {
    let end = off.saturating_add(max);
    let mut pos = off + 2;
    let (mut frame, mut scan) = (false, false);
    while pos < end {
        if w.byte(pos)? != Some(0xff) {
            return Ok(None);
        }
        let mut p = pos + 1;
        let mut m = w.byte(p)?;
        while m == Some(0xff) {
            p += 1;
            m = w.byte(p)?;
        }
        let Some(m) = m else { return Ok(None) };
        pos = p + 1;
        match m {
            0xd9 => return Ok((frame && scan).then_some(pos - off)),
            0xd0..=0xd7 | 0x01 => continue,
            0x00 | 0xd8 => return Ok(None),
            _ => {}
        }
        let Some(seg) = w.u16be(pos)? else {
            return Ok(None);
        };
        if seg < 2 {
            return Ok(None);
        }
        if matches!(m, 0xc0..=0xc3 | 0xc5..=0xc7 | 0xc9..=0xcb | 0xcd..=0xcf) {
            frame = true;
        }
        pos += u64::from(seg);
        if m == 0xda {
            scan = true;
            // Entropy-coded data.
            loop {
                if pos >= end {
                    return Ok(None);
                }
                match w.byte(pos)? {
                    None => return Ok(None),
                    Some(0xff) => match w.byte(pos + 1)? {
                        None => return Ok(None),
                        Some(0x00) | Some(0xd0..=0xd7) | Some(0xff) => pos += 1,
                        Some(_) => break,
                    },
                    Some(_) => pos += 1,
                }
            }
        }
    }
    Ok(None)
}

/// PNG: IHDR first, then chunks (length, type of four letters, data, CRC) to IEND.
fn png_len(w: &mut Window, off: u64, max: u64) -> Result<Option<u64>, MediaError> {
    let mut pos = off + 8;
    let mut first = true;
    while pos - off < max {
        let (Some(len), Some(ty)) = (w.u32be(pos)?, w.bytes::<4>(pos + 4)?) else {
            return Ok(None);
        };
        if !ty.iter().all(u8::is_ascii_alphabetic) || len > 0x7fff_ffff {
            return Ok(None);
        }
        if first && &ty != b"IHDR" {
            return Ok(None);
        }
        first = false;
        pos += 12 + u64::from(len);
        if &ty == b"IEND" {
            return Ok(Some(pos - off));
        }
    }
    Ok(None)
}

/// GIF: screen descriptor, colour table, then images and extensions made of
/// sub-blocks, to the `;` trailer.
fn gif_len(w: &mut Window, off: u64, max: u64) -> Result<Option<u64>, MediaError> {
    let Some(flags) = w.byte(off + 10)? else {
        return Ok(None);
    };
    let mut pos = off + 13;
    if flags & 0x80 != 0 {
        pos += 3 << ((flags & 7) + 1);
    }
    let mut images = 0;
    while pos - off < max {
        match w.byte(pos)? {
            Some(0x3b) => return Ok((images > 0).then_some(pos + 1 - off)),
            Some(0x21) => pos += 2,
            Some(0x2c) => {
                let Some(f) = w.byte(pos + 9)? else {
                    return Ok(None);
                };
                pos += 10;
                if f & 0x80 != 0 {
                    pos += 3 << ((f & 7) + 1);
                }
                pos += 1; // LZW minimum code size
                images += 1;
            }
            _ => return Ok(None),
        }
        // Sub-blocks up to the zero-length terminator.
        loop {
            let Some(n) = w.byte(pos)? else {
                return Ok(None);
            };
            pos += 1 + u64::from(n);
            if n == 0 {
                break;
            }
            if pos - off >= max {
                return Ok(None);
            }
        }
    }
    Ok(None)
}

/// Top-level ISO-BMFF box types: a walk stops at the first box that is not one.
const BMFF_TOP: &[&[u8; 4]] = &[
    b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"meta", b"moof", b"mfra",
    b"pdin", b"styp", b"sidx", b"udta", b"pnot", b"PICT", b"junk", b"idat", b"iinf", b"prft",
];

/// ISO-BMFF (MP4, MOV, 3GP, HEIC): consecutive top-level boxes; a movie
/// needs `moov` (or `meta` for a still) and media data.
fn bmff_len(w: &mut Window, off: u64, max: u64) -> Result<Option<u64>, MediaError> {
    let mut pos = off;
    let (mut header, mut data) = (false, false);
    while pos - off < max {
        let (Some(size), Some(ty)) = (w.u32be(pos)?, w.bytes::<4>(pos + 4)?) else {
            break;
        };
        if !BMFF_TOP.contains(&&ty) {
            break;
        }
        let size = match size {
            1 => match w.bytes::<8>(pos + 8)? {
                Some(b) => u64::from_be_bytes(b),
                None => break,
            },
            0 => break, // "to the end of the file": unknowable when carving
            s => u64::from(s),
        };
        if size < 8 {
            break;
        }
        match &ty {
            b"moov" | b"meta" | b"moof" => header = true,
            b"mdat" | b"idat" => data = true,
            _ => {}
        }
        pos = pos.saturating_add(size);
    }
    let len = pos - off;
    Ok((header && data && len <= max).then_some(len))
}

/// EBML variable-length integer: (value, length in bytes); `None` for the
/// reserved all-ones "unknown size".
fn vint(w: &mut Window, pos: u64, keep_marker: bool) -> Result<Option<(u64, u64)>, MediaError> {
    let Some(first) = w.byte(pos)? else {
        return Ok(None);
    };
    let n = first.leading_zeros() as u64 + 1;
    if n > 8 {
        return Ok(None);
    }
    let mut v = if keep_marker {
        u64::from(first)
    } else {
        u64::from(first) & ((1u64 << (8 - n)) - 1)
    };
    let mut all_ones = v == (1u64 << (8 - n)) - 1;
    for i in 1..n {
        let Some(b) = w.byte(pos + i)? else {
            return Ok(None);
        };
        all_ones &= b == 0xff;
        v = (v << 8) | u64::from(b);
    }
    if all_ones && !keep_marker {
        return Ok(None);
    }
    Ok(Some((v, n)))
}

/// Matroska: the EBML header element, then the Segment element's size.
fn mkv_len(w: &mut Window, off: u64) -> Result<Option<u64>, MediaError> {
    let Some((hsize, hn)) = vint(w, off + 4, false)? else {
        return Ok(None);
    };
    let seg = off + 4 + hn + hsize;
    if w.bytes::<4>(seg)? != Some([0x18, 0x53, 0x80, 0x67]) {
        return Ok(None);
    }
    let Some((ssize, sn)) = vint(w, seg + 4, false)? else {
        return Ok(None);
    };
    Ok(Some(seg + 4 + sn + ssize - off))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Mem(Vec<u8>);
    impl Source for Mem {
        fn read_at(
            &self,
            offset: u64,
            buf: &mut [u8],
        ) -> Result<usize, exhibit_evidence::EvidenceError> {
            let start = (offset as usize).min(self.0.len());
            let n = buf.len().min(self.0.len() - start);
            buf[..n].copy_from_slice(&self.0[start..start + n]);
            Ok(n)
        }
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn name(&self) -> &str {
            "mem"
        }
    }

    #[test]
    fn truncated_and_garbage_give_nothing() {
        let mut data = vec![0u8; 100];
        data.extend_from_slice(&[0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);
        data.extend_from_slice(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR");
        data.extend_from_slice(b"\0\0\0\x18ftypisom\0\0\0\0");
        data.extend_from_slice(&[0x1a, 0x45, 0xdf, 0xa3, 0xff]);
        let found = carve(&Mem(data), &CarveOptions::default()).unwrap();
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn bmff_boxes() {
        let mut mp4 = Vec::new();
        mp4.extend_from_slice(b"\0\0\0\x14ftypisom\0\0\0\0isom");
        mp4.extend_from_slice(b"\0\0\0\x10moov\0\0\0\0\0\0\0\0");
        mp4.extend_from_slice(b"\0\0\0\x50mdat");
        mp4.extend_from_slice(&[7u8; 0x48]);
        let mut data = vec![0x55u8; 33];
        data.extend_from_slice(&mp4);
        data.extend_from_slice(&[0x55u8; 40]);
        let found = carve(&Mem(data), &CarveOptions::default()).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].offset, found[0].length), (33, mp4.len() as u64));
        assert_eq!(found[0].kind, MediaType::Mp4);
    }
}

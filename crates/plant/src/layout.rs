//! Items (a feature wrapped in its form), placement, and streaming the image.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::codec;
use crate::features::{self, Decoy, Feature};
use crate::rng::Rng;
use crate::{Error, Form, Kind, Summary, TruthDecoy, TruthFeature, TruthHeader};

/// Chunk size whose multiples get features planted across them.
pub(crate) const CHUNK: u64 = 16 << 20;
const BLOCK: usize = 1 << 20;
const GUARD: u64 = 64;

/// Where a truth entry sits inside its item.
#[derive(Debug, Clone)]
enum Loc {
    /// Byte offset from the item start.
    Raw(usize),
    /// Offset of the outermost object from the item start, then the
    /// (decoder, offset in decoded bytes) layers.
    Layered(usize, Vec<(&'static str, usize)>),
}

#[derive(Debug, Clone)]
struct Entry {
    kind: Kind,
    value: String,
    normalized: String,
    loc: Loc,
    derived: bool,
}

/// A contiguous run of planted bytes with the truth it carries.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    bytes: Vec<u8>,
    form: Form,
    entries: Vec<Entry>,
    decoy: Option<(Decoy, usize)>,
    /// Byte (from the item start) that goes right after a 16 MiB boundary
    /// when the item is planted across one.
    anchor: usize,
}

const HEADERS: &[&str] = &[
    "Subject: case notes",
    "Note:",
    "Forwarded message",
    "Chat export",
    "Saved contacts",
    "Customer record",
];

/// True when `bytes` (binary container output) cannot be mistaken for text
/// holding a feature: no e-mail/domain/URL/IPv6-ish punctuation between
/// alphanumerics, no digit runs, no long alphanumeric runs, no nested magic.
pub(crate) fn binary_quiet(bytes: &[u8]) -> bool {
    text_quiet(bytes) && !has_magic(bytes)
}

fn has_magic(bytes: &[u8]) -> bool {
    let has = |pat: &[u8]| bytes.windows(pat.len()).any(|w| w == pat);
    has(b"PK\x03\x04")
        || has(b"\x1f\x8b")
        || has(b"%PDF")
        || has(b"x\x9c")
        || has(b"x\x01")
        || has(b"x^")
        || has(b"x\xda")
}

/// The text part of [`binary_quiet`].
fn text_quiet(bytes: &[u8]) -> bool {
    let alnum = |b: u8| b.is_ascii_alphanumeric();
    let hex = |b: u8| b.is_ascii_hexdigit();
    let mut run = 0usize;
    let mut digits = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        let prev = if i > 0 { bytes[i - 1] } else { 0 };
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        let next2 = bytes.get(i + 2).copied().unwrap_or(0);
        match b {
            b'@' if alnum(prev) || alnum(next) => return false,
            b'.' if alnum(prev) && next.is_ascii_alphabetic() => return false,
            b':' if (hex(prev) && (hex(next) || next == b':'))
                || (next == b'/' && next2 == b'/') =>
            {
                return false
            }
            b'[' if next == b'.' || next == b':' => return false,
            _ => {}
        }
        run = if alnum(b) { run + 1 } else { 0 };
        if run >= 12 {
            return false;
        }
        if b.is_ascii_digit() {
            digits += 1;
            if digits >= 5 {
                return false;
            }
        } else if !matches!(b, b' ' | b'-' | b'.' | b'(' | b')' | b'+') {
            digits = 0;
        }
    }
    true
}

/// True when a gzip member or ZIP file built here is [`binary_quiet`],
/// ignoring its own headers' magic numbers.
fn container_quiet(form: Form, object: &[u8]) -> bool {
    match form {
        Form::Base64 => true,
        Form::Gzip => binary_quiet(object.get(10..).unwrap_or(&[])),
        _ => {
            // Compressed data sits between the local header (+ name) and the
            // central directory; the headers carry CRC and sizes.
            let name_len = object
                .get(26..28)
                .map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]])));
            let csize = object
                .get(18..22)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
            let data = object
                .get(30 + name_len..30 + name_len + csize)
                .unwrap_or(&[]);
            text_quiet(object) && binary_quiet(data)
        }
    }
}

fn text_with(rng: &mut Rng, f: &Feature, attempt: u32) -> (String, usize) {
    // The rule lines make the text compressible, so deflate never falls back
    // to a stored block (which would leave the value readable in the raw bytes).
    let head = rng.pick(HEADERS);
    let rule = if rng.chance(1, 2) { "=" } else { "-" }.repeat(rng.range(48, 72) as usize);
    let prefix = format!("{head}\n{rule}\n{} ", f.context);
    let text = format!("{prefix}{}\n{rule}\nRef {}\n", f.value, attempt);
    (text, prefix.len())
}

fn wrap_base64(rng: &mut Rng, data: &[u8]) -> String {
    let b64 = codec::base64(data);
    if rng.chance(1, 2) {
        return b64;
    }
    let width = rng.pick(&[64usize, 76]);
    let eol = if rng.chance(1, 3) { "\r\n" } else { "\n" };
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(width)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    lines.join(eol)
}

fn entries_for(f: &Feature, loc: impl Fn(usize) -> Loc) -> Vec<Entry> {
    let mut v = vec![Entry {
        kind: f.kind,
        value: f.value.clone(),
        normalized: f.normalized.clone(),
        loc: loc(0),
        derived: false,
    }];
    for d in &f.derived {
        v.push(Entry {
            kind: d.kind,
            value: d.value.clone(),
            normalized: d.normalized.clone(),
            loc: loc(d.rel),
            derived: true,
        });
    }
    v
}

/// A JPEG with the EXIF GPS block of `g` whose bytes are quiet (no text
/// runs, digits or magic that another scanner could take for a feature),
/// and the offset of its TIFF header.
fn quiet_jpeg(g: &features::Gps, rng: &mut Rng) -> Option<(Vec<u8>, usize)> {
    for _ in 0..20 {
        let pad: Vec<u8> = (0..rng.range(4, 24))
            .map(|_| rng.range(0x80, 0xFE) as u8)
            .collect();
        let (j, at) = g.jpeg(&pad);
        if binary_quiet(&j) {
            return Some((j, at));
        }
    }
    None
}

/// Coordinates from `make` (re-rolled until their JPEG is quiet), the JPEG
/// and the offset of its TIFF header.
fn gps_jpeg(
    rng: &mut Rng,
    make: impl Fn(&mut Rng) -> features::Gps,
) -> Result<(features::Gps, Vec<u8>, usize), Error> {
    for _ in 0..1000 {
        let g = make(rng);
        if let Some((j, at)) = quiet_jpeg(&g, rng) {
            return Ok((g, j, at));
        }
    }
    Err(Error::Invalid(String::from("could not build a quiet JPEG")))
}

/// Builds an item for GPS coordinates in an EXIF block of a JPEG in `form`.
fn gps_item(form: Form, rng: &mut Rng) -> Result<Item, Error> {
    let (g, jpeg, at) = gps_jpeg(rng, features::Gps::random)?;
    let normalized = g.normalized();
    let entry = |loc: Loc| Entry {
        kind: Kind::Gps,
        value: normalized.clone(),
        normalized: normalized.clone(),
        loc,
        derived: false,
    };
    if form == Form::Plain {
        let mut bytes = vec![b'\n'];
        bytes.extend_from_slice(&jpeg);
        bytes.push(b'\n');
        return Ok(Item {
            entries: vec![entry(Loc::Raw(1 + at))],
            form,
            anchor: 1 + jpeg.len() / 2,
            bytes,
            decoy: None,
        });
    }
    for attempt in 0..1000u32 {
        // vary the scan bytes so that the compressed bytes differ
        let (jpeg, at) = match attempt {
            0 => (jpeg.clone(), at),
            _ => quiet_jpeg(&g, rng).unwrap_or_else(|| (jpeg.clone(), at)),
        };
        let (object, layers): (Vec<u8>, Vec<(&'static str, usize)>) = match form {
            Form::Gzip => (codec::gzip(&jpeg)?, vec![("GZIP", at)]),
            Form::Zip => (codec::zip("photo", &jpeg)?, vec![("ZIP", at)]),
            Form::Base64 => (wrap_base64(rng, &jpeg).into_bytes(), vec![("BASE64", at)]),
            _ => {
                let lead = "Attachment follows\n";
                let member = format!("{lead}{}\n", wrap_base64(rng, &jpeg));
                (
                    codec::zip("message", member.as_bytes())?,
                    vec![("ZIP", lead.len()), ("BASE64", at)],
                )
            }
        };
        if !container_quiet(form, &object) {
            continue;
        }
        let mut bytes = vec![b'\n'];
        bytes.extend_from_slice(&object);
        bytes.push(b'\n');
        return Ok(Item {
            anchor: 1 + object.len() / 2,
            bytes,
            form,
            entries: vec![entry(Loc::Layered(1, layers))],
            decoy: None,
        });
    }
    Err(Error::Invalid(format!(
        "could not build a quiet {form:?} GPS object"
    )))
}

/// Builds an item for a true feature of `kind` in `form`.
pub(crate) fn feature_item(kind: Kind, form: Form, rng: &mut Rng) -> Result<Item, Error> {
    if kind == Kind::Gps {
        return gps_item(form, rng);
    }
    let f = features::make(kind, form, rng);
    match form {
        Form::Plain | Form::Upper | Form::Defanged => {
            let pre = rng.pick(&["\n", " ", "\r\n", "\t"]);
            let post = rng.pick(&["\n", " \n", "\r\n", " "]);
            let at = pre.len() + f.context.len() + 1;
            let text = format!("{pre}{} {}{post}", f.context, f.value);
            let anchor = at
                + match rng.below(3) {
                    0 => 1,
                    1 => f.value.len() / 2,
                    _ => f.value.len() - 1,
                };
            Ok(Item {
                bytes: text.into_bytes(),
                form,
                entries: entries_for(&f, |r| Loc::Raw(at + r)),
                decoy: None,
                anchor,
            })
        }
        Form::Utf16le => {
            let prefix = format!(" {} ", f.context);
            let text = format!("{prefix}{} \n", f.value);
            let mut bytes = vec![b'\n'];
            bytes.extend(codec::utf16le(&text));
            bytes.push(b'\n');
            let at = 1 + 2 * prefix.len();
            Ok(Item {
                bytes,
                form,
                entries: entries_for(&f, |r| Loc::Raw(at + 2 * r)),
                decoy: None,
                anchor: at + 2 * (f.value.len() / 2),
            })
        }
        Form::Gzip | Form::Zip | Form::Base64 | Form::ZipBase64 => {
            for attempt in 0..1000u32 {
                let (text, at) = text_with(rng, &f, attempt);
                let (object, layers): (Vec<u8>, Vec<(&'static str, usize)>) = match form {
                    Form::Gzip => (codec::gzip(text.as_bytes())?, vec![("GZIP", at)]),
                    Form::Zip => (codec::zip("document", text.as_bytes())?, vec![("ZIP", at)]),
                    Form::Base64 => (
                        wrap_base64(rng, text.as_bytes()).into_bytes(),
                        vec![("BASE64", at)],
                    ),
                    _ => {
                        let lead = "Attachment follows\n";
                        let member = format!("{lead}{}\n", wrap_base64(rng, text.as_bytes()));
                        (
                            codec::zip("message", member.as_bytes())?,
                            vec![("ZIP", lead.len()), ("BASE64", at)],
                        )
                    }
                };
                if !container_quiet(form, &object) {
                    continue;
                }
                let mut bytes = vec![b'\n'];
                bytes.extend_from_slice(&object);
                bytes.push(b'\n');
                let anchor = 1 + object.len() / 2;
                let entries = entries_for(&f, |r| {
                    let mut l = layers.clone();
                    if let Some(last) = l.last_mut() {
                        last.1 += r;
                    }
                    Loc::Layered(1, l)
                });
                return Ok(Item {
                    bytes,
                    form,
                    entries,
                    decoy: None,
                    anchor,
                });
            }
            Err(Error::Invalid(format!(
                "could not build a quiet {form:?} object"
            )))
        }
    }
}

/// Builds a decoy item (always plain).
pub(crate) fn decoy_item(what: &'static str, rng: &mut Rng) -> Result<Item, Error> {
    if what.starts_with("gps-") {
        let (g, jpeg, at) = gps_jpeg(rng, |r| features::gps_decoy(what, r))?;
        let mut bytes = vec![b'\n'];
        bytes.extend_from_slice(&jpeg);
        bytes.push(b'\n');
        let d = Decoy {
            kind: Kind::Gps,
            what,
            value: g.describe(),
            context: "",
        };
        return Ok(Item {
            anchor: 1 + at + 1,
            bytes,
            form: Form::Plain,
            entries: Vec::new(),
            decoy: Some((d, 1 + at)),
        });
    }
    let d = features::decoy(what, rng);
    let text = format!("\n{} {}\n", d.context, d.value);
    let at = 1 + d.context.len() + 1;
    Ok(Item {
        bytes: text.into_bytes(),
        form: Form::Plain,
        entries: Vec::new(),
        decoy: Some((d, at)),
        anchor: at + 1,
    })
}

const NOISE: &[&str] = &[
    "the",
    "and",
    "report",
    "segment",
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "buffer",
    "cache",
    "index",
    "node",
    "block",
    "sector",
    "journal",
    "invoice",
    "meeting",
    "delivery",
    "Hello",
    "thanks",
    "please",
    "confirm",
    "order",
    "transfer",
    "account",
    "login",
    "Bangkok",
    "Hanoi",
    "Jakarta",
    "Manila",
    "Yangon",
    "Vientiane",
    "Phnom",
    "Penh",
    "Kuala",
    "Lumpur",
    "Singapore",
    "Re:",
    "Fwd:",
    "Note:",
    "OK",
    "yes",
    "no",
    "tomorrow",
    "price",
    "payment",
];
const ENDS: &[&[u8]] = &[b" ", b"\n", b". ", b", ", b"\r\n"];

/// Fills `buf` (block `block` of the image) with background: random bytes
/// with the high bit set, sprinkled with short phrases of plain words. Neither
/// can form a feature.
pub(crate) fn background(seed: u64, block: u64, buf: &mut [u8]) {
    let mut rng = Rng::new(seed, 0x8000_0000_0000_0000 | block);
    let mut chunks = buf.chunks_exact_mut(8);
    for c in &mut chunks {
        c.copy_from_slice(&(rng.next_u64() | 0x8080_8080_8080_8080).to_le_bytes());
    }
    let rest = chunks.into_remainder();
    let tail = (rng.next_u64() | 0x8080_8080_8080_8080).to_le_bytes();
    let n = rest.len();
    rest.copy_from_slice(&tail[..n]);
    let len = buf.len();
    if len == 0 {
        return;
    }
    for _ in 0..len / 1024 {
        let mut pos = rng.index(len);
        let words = rng.range(1, 4);
        let mut put = |bytes: &[u8], pos: &mut usize| {
            for &b in bytes {
                if *pos < len {
                    buf[*pos] = b;
                    *pos += 1;
                }
            }
        };
        put(b" ", &mut pos);
        for w in 0..words {
            if w > 0 {
                put(b" ", &mut pos);
            }
            put(rng.pick(NOISE).as_bytes(), &mut pos);
        }
        put(rng.pick(ENDS), &mut pos);
    }
}

struct Placed {
    offset: u64,
    item: Item,
    boundary: bool,
}

fn boundary_form(k: u64) -> Form {
    [
        Form::Plain,
        Form::Utf16le,
        Form::Gzip,
        Form::Base64,
        Form::Zip,
    ][(k % 5) as usize]
}

/// How many items of each (kind, form) an image of `size` bytes gets.
pub(crate) fn per_form(size: u64) -> u64 {
    (size / (8 << 20)).max(4)
}

fn stream_id(class: u64, i: u64) -> u64 {
    (class << 40) | i
}

fn layout(size: u64, seed: u64) -> Result<Vec<Placed>, Error> {
    let n = per_form(size);
    let mut regular: Vec<Item> = Vec::new();
    let mut idx = 0u64;
    for kind in Kind::ALL {
        for &form in Form::for_kind(kind) {
            for _ in 0..n {
                let mut rng = Rng::new(seed, stream_id(1, idx));
                regular.push(feature_item(kind, form, &mut rng)?);
                idx += 1;
            }
        }
    }
    for what in features::DECOY_TYPES {
        for _ in 0..(n / 4).max(2) {
            let mut rng = Rng::new(seed, stream_id(2, idx));
            regular.push(decoy_item(what, &mut rng)?);
            idx += 1;
        }
    }
    // Items planted across multiples of the 16 MiB chunk size.
    let mut reserved: Vec<Placed> = Vec::new();
    let mut k = 1u64;
    while k * CHUNK < size {
        let kind = Kind::ALL[(k % Kind::ALL.len() as u64) as usize];
        let mut rng = Rng::new(seed, stream_id(3, k));
        let mut form = boundary_form(k);
        if !Form::for_kind(kind).contains(&form) {
            form = Form::Plain;
        }
        let item = feature_item(kind, form, &mut rng)?;
        let boundary = k * CHUNK;
        if let Some(start) = boundary.checked_sub(item.anchor as u64) {
            if start + item.bytes.len() as u64 + GUARD <= size && start >= GUARD {
                reserved.push(Placed {
                    offset: start,
                    item,
                    boundary: true,
                });
            }
        }
        k += 1;
    }
    let mut rng = Rng::new(seed, stream_id(4, 0));
    rng.shuffle(&mut regular);
    let count = regular.len() as u64;
    let max_len = regular
        .iter()
        .map(|i| i.bytes.len() as u64)
        .max()
        .unwrap_or(0);
    let seg = size / count.max(1);
    if seg < 2 * max_len + 8 * GUARD + 1024 {
        return Err(Error::Invalid(format!(
            "image size {size} too small for {count} planted items (need at least {} bytes)",
            count * (2 * max_len + 8 * GUARD + 1024)
        )));
    }
    let mut placed: Vec<Placed> = Vec::with_capacity(regular.len() + reserved.len());
    for (i, item) in regular.into_iter().enumerate() {
        let len = item.bytes.len() as u64;
        let (seg_lo, seg_hi) = (i as u64 * seg + GUARD, (i as u64 + 1) * seg - GUARD);
        let mut off = rng.range(seg_lo, seg_hi - len);
        for r in &reserved {
            let (rs, re) = (
                r.offset - GUARD,
                r.offset + r.item.bytes.len() as u64 + GUARD,
            );
            if off < re && off + len > rs {
                off = if re + len <= seg_hi {
                    re
                } else if rs >= seg_lo + len {
                    rs - len
                } else {
                    return Err(Error::Invalid(String::from(
                        "cannot place an item beside a boundary item",
                    )));
                };
            }
        }
        placed.push(Placed {
            offset: off,
            item,
            boundary: false,
        });
    }
    placed.extend(reserved);
    placed.sort_by_key(|p| p.offset);
    for w in placed.windows(2) {
        if w[0].offset + w[0].item.bytes.len() as u64 + 16 > w[1].offset {
            return Err(Error::Invalid(String::from("planted items overlap (bug)")));
        }
    }
    Ok(placed)
}

fn truth_records(placed: &[Placed]) -> (Vec<TruthFeature>, Vec<TruthDecoy>) {
    let mut feats = Vec::new();
    let mut decoys = Vec::new();
    for p in placed {
        let item_len = p.item.bytes.len() as u64;
        for e in &p.item.entries {
            let path = match &e.loc {
                Loc::Raw(r) => (p.offset + *r as u64).to_string(),
                Loc::Layered(obj, layers) => {
                    let mut s = (p.offset + *obj as u64).to_string();
                    for (name, off) in layers {
                        s.push_str(&format!("-{name}-{off}"));
                    }
                    s
                }
            };
            feats.push(TruthFeature {
                kind: e.kind,
                normalized: e.normalized.clone(),
                value: e.value.clone(),
                path,
                form: p.item.form,
                encoding: (p.item.form == Form::Utf16le).then(|| String::from("utf16le")),
                boundary: p.boundary,
                derived: e.derived,
                item: p.offset,
                item_len,
            });
        }
        if let Some((d, at)) = &p.item.decoy {
            decoys.push(TruthDecoy {
                kind: d.kind,
                what: d.what.to_string(),
                value: d.value.clone(),
                offset: p.offset + *at as u64,
            });
        }
    }
    (feats, decoys)
}

/// Generates the image and the truth file.
pub(crate) fn generate(size: u64, seed: u64, image: &Path, truth: &Path) -> Result<Summary, Error> {
    let placed = layout(size, seed)?;
    let mut out = BufWriter::with_capacity(BLOCK, File::create(image)?);
    let mut buf = vec![0u8; BLOCK];
    let mut first = 0usize; // first placed item that may still intersect
    let mut start = 0u64;
    let mut block = 0u64;
    while start < size {
        let len = (size - start).min(BLOCK as u64) as usize;
        let b = &mut buf[..len];
        background(seed, block, b);
        let end = start + len as u64;
        while first < placed.len()
            && placed[first].offset + placed[first].item.bytes.len() as u64 <= start
        {
            first += 1;
        }
        for p in placed[first..].iter().take_while(|p| p.offset < end) {
            let (ps, pe) = (p.offset, p.offset + p.item.bytes.len() as u64);
            let (s, e) = (ps.max(start), pe.min(end));
            if s < e {
                b[(s - start) as usize..(e - start) as usize]
                    .copy_from_slice(&p.item.bytes[(s - ps) as usize..(e - ps) as usize]);
            }
        }
        out.write_all(b)?;
        start = end;
        block += 1;
    }
    out.flush()?;
    drop(out);

    let (feats, decoys) = truth_records(&placed);
    let mut summary = Summary {
        size,
        seed,
        items: placed.len() as u64,
        features: feats.len() as u64,
        decoys: decoys.len() as u64,
        boundary_items: placed.iter().filter(|p| p.boundary).count() as u64,
        per_kind: Default::default(),
    };
    for f in &feats {
        *summary
            .per_kind
            .entry(f.kind.as_str().to_string())
            .or_default() += 1;
    }
    let mut w = BufWriter::new(File::create(truth)?);
    let header = TruthHeader {
        size,
        seed,
        generator: format!("exhibit-plant {}", env!("CARGO_PKG_VERSION")),
        features: summary.features,
        decoys: summary.decoys,
    };
    serde_json::to_writer(&mut w, &crate::Record::Image(header))?;
    w.write_all(b"\n")?;
    for f in feats {
        serde_json::to_writer(&mut w, &crate::Record::Feature(f))?;
        w.write_all(b"\n")?;
    }
    for d in decoys {
        serde_json::to_writer(&mut w, &crate::Record::Decoy(d))?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_has_no_feature_material() {
        let mut buf = vec![0u8; 1 << 20];
        background(7, 3, &mut buf);
        assert!(!buf
            .iter()
            .any(|b| b.is_ascii_digit() || *b == b'@' || *b == b'/'));
        // every '.' is followed by a space
        for w in buf.windows(2) {
            if w[0] == b'.' {
                assert_eq!(w[1], b' ');
            }
        }
    }

    #[test]
    fn quiet_check() {
        assert!(!binary_quiet(b"\xff a.com \xff"));
        assert!(!binary_quiet(b"\xffx@\xff"));
        assert!(!binary_quiet(b"\xff12345\xff"));
        assert!(!binary_quiet(b"\xffab:cd\xff"));
        assert!(binary_quiet(b"\xff\x80ab. \x01:\xff"));
    }
}

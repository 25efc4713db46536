//! Expert Witness Format (EWF-E01, as written by EnCase, FTK Imager and
//! libewf's ewfacquire).
//!
//! Our own reader rather than a crate because forensic use needs things the
//! available readers do not give together: `&self` positional reads shared by
//! threads, every chunk's checksum checked, and damage reported with the
//! segment file and offset. The layout follows Joachim Metz's public
//! description of the format: a 13-byte file header, then a chain of 76-byte
//! section descriptors (`header2`, `header`, `volume`/`disk`, `sectors`,
//! `table`, `table2`, `hash`, `digest`, `error2`, `next`/`done`).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::raw::{file_len, open_read_only, pread_full};
use crate::{EvidenceError, Source};

const EVF_SIGNATURE: [u8; 8] = *b"EVF\x09\x0d\x0a\xff\x00";
const EVF2_SIGNATURE: [u8; 8] = *b"EVF2\x0d\x0a\x81\x00";
const LVF_SIGNATURE: [u8; 8] = *b"LVF\x09\x0d\x0a\xff\x00";
const FILE_HEADER_LEN: u64 = 13;
const SECTION_LEN: u64 = 76;
/// Refuse chunks larger than this: a chunk size comes from the image and
/// must not decide how much memory a read takes.
const MAX_CHUNK: u64 = 64 * 1024 * 1024;
/// More sections than this in one segment means a loop or garbage.
const MAX_SECTIONS: usize = 1 << 20;
/// Header sections are small text; cap what decompression may produce.
const MAX_HEADER: u64 = 1024 * 1024;
const CACHE_CHUNKS: usize = 16;

pub(crate) fn is_ewf_signature(magic: &[u8; 8]) -> bool {
    magic == &EVF_SIGNATURE || magic == &EVF2_SIGNATURE || magic == &LVF_SIGNATURE
}

/// True for `.E01`…`.E99`, `.EAA`… style names (any case).
pub(crate) fn has_ewf_extension(path: &Path) -> bool {
    let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
        return false;
    };
    let b = ext.as_bytes();
    b.len() == 3 && b[0].eq_ignore_ascii_case(&b'e') && b[1..].iter().all(|c| c.is_ascii_digit())
}

/// Hashes of the media that the acquiring tool stored in the image.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StoredHashes {
    /// MD5 from the `hash` or `digest` section, lower-case hex.
    pub md5: Option<String>,
    /// SHA-1 from the `digest` section, lower-case hex.
    pub sha1: Option<String>,
}

/// Case and acquisition metadata stored in the image.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EwfMetadata {
    /// Header values by descriptive name (`case_number`, `examiner`,
    /// `acquiry_date`, …), exactly as stored (dates are not reinterpreted).
    pub header: BTreeMap<String, String>,
    /// Bytes per sector.
    pub bytes_per_sector: u32,
    /// Sectors per chunk.
    pub sectors_per_chunk: u32,
    /// Number of sectors of the media.
    pub sector_count: u64,
    /// Number of chunks.
    pub chunk_count: u64,
    /// Media type byte (0x00 removable, 0x01 fixed, 0x03 optical, 0x0e logical, 0x10 RAM).
    pub media_type: u8,
    /// Number of segment files.
    pub segment_count: usize,
    /// Read errors the acquiring tool recorded: (first sector, sector count).
    pub acquisition_errors: Vec<(u64, u64)>,
}

#[derive(Debug, Clone, Copy)]
struct Chunk {
    offset: u64,
    size: u64,
    segment: u16,
    compressed: bool,
}

struct SegmentFile {
    file: File,
    path: PathBuf,
    len: u64,
}

/// An EWF image (one or more segment files) read as the media it holds.
pub struct EwfSource {
    segments: Vec<SegmentFile>,
    chunks: Vec<Chunk>,
    chunk_size: u64,
    media_len: u64,
    name: String,
    stored: StoredHashes,
    metadata: EwfMetadata,
    cache: Mutex<Vec<(u64, Arc<Vec<u8>>)>>,
}

struct Section {
    kind: String,
    offset: u64,
    next: u64,
    size: u64,
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

fn adler32(data: &[u8]) -> u32 {
    let mut a = adler2::Adler32::new();
    a.write_slice(data);
    a.checksum()
}

fn corrupt(path: &Path, offset: u64, what: impl Into<String>) -> EvidenceError {
    EvidenceError::Corrupt {
        path: path.to_path_buf(),
        offset,
        what: what.into(),
    }
}

/// Path of segment `n` (1-based) given the first segment's path:
/// E01…E99, then EAA…EZZ, FAA… (case follows the first file's).
fn segment_path(first: &Path, n: u32) -> Option<PathBuf> {
    let ext = first.extension()?.to_str()?;
    let first_letter = ext.chars().next()?;
    let upper = first_letter.is_ascii_uppercase();
    let ext = if n <= 99 {
        format!("{first_letter}{n:02}")
    } else {
        let k = n - 100;
        let (hi, rest) = (k / 676, k % 676);
        let base = if upper { b'A' } else { b'a' };
        let lead = (if upper { b'E' } else { b'e' }).checked_add(u8::try_from(hi).ok()?)?;
        if !lead.is_ascii_alphabetic() {
            return None;
        }
        format!(
            "{}{}{}",
            lead as char,
            (base + (rest / 26) as u8) as char,
            (base + (rest % 26) as u8) as char
        )
    };
    Some(first.with_extension(ext))
}

/// The first segment of the set `path` belongs to: naming `.E02` opens the
/// whole set from `.E01`, as naming any split-raw segment does.
fn first_segment(path: &Path) -> Result<PathBuf, EvidenceError> {
    let file = open_read_only(path)?;
    let mut fh = [0u8; FILE_HEADER_LEN as usize];
    if pread_full(&file, path, 0, &mut fh)? < fh.len() || fh[..8] != EVF_SIGNATURE {
        return Ok(path.to_path_buf());
    }
    let number = u16::from_le_bytes([fh[9], fh[10]]);
    if number <= 1 {
        return Ok(path.to_path_buf());
    }
    let first =
        segment_path(path, 1).ok_or_else(|| corrupt(path, 9, "cannot name the first segment"))?;
    if !first.exists() {
        return Err(EvidenceError::MissingSegment {
            path: path.to_path_buf(),
            expected: first.display().to_string(),
        });
    }
    Ok(first)
}

impl EwfSource {
    /// Opens an EWF image from its first segment (`.E01`); the other
    /// segments are found beside it. Fails if a segment is missing, the
    /// section chain is damaged, or the chunk tables do not cover the media.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, EvidenceError> {
        let first = first_segment(path.as_ref())?;
        let mut segments: Vec<SegmentFile> = Vec::new();
        let mut chunks: Vec<Chunk> = Vec::new();
        let mut volume: Option<(u32, u32, u64, u64, u8)> = None;
        let mut stored = StoredHashes::default();
        let mut header = BTreeMap::new();
        let mut errors = Vec::new();
        let mut seg_no: u32 = 1;
        loop {
            let p = if seg_no == 1 {
                first.clone()
            } else {
                segment_path(&first, seg_no)
                    .ok_or_else(|| corrupt(&first, 0, "too many segments"))?
            };
            let file = match open_read_only(&p) {
                Ok(f) => f,
                Err(EvidenceError::NotFound { .. }) if seg_no > 1 => {
                    return Err(EvidenceError::MissingSegment {
                        path: first.clone(),
                        expected: p.display().to_string(),
                    })
                }
                Err(e) => return Err(e),
            };
            let len = file_len(&file, &p)?;
            if len == 0 {
                return Err(EvidenceError::Empty { path: p });
            }
            let seg_index =
                u16::try_from(segments.len()).map_err(|_| corrupt(&p, 0, "too many segments"))?;
            let mut fh = [0u8; FILE_HEADER_LEN as usize];
            if pread_full(&file, &p, 0, &mut fh)? < fh.len() {
                return Err(corrupt(&p, 0, "file shorter than the EWF file header"));
            }
            let magic: [u8; 8] = fh[..8].try_into().unwrap_or_default();
            if magic == EVF2_SIGNATURE {
                return Err(EvidenceError::Unsupported {
                    path: p,
                    what: "EWF version 2 (Ex01) is not supported yet".into(),
                });
            }
            if magic == LVF_SIGNATURE {
                return Err(EvidenceError::Unsupported {
                    path: p,
                    what: "logical evidence files (L01) are not supported yet".into(),
                });
            }
            if magic != EVF_SIGNATURE {
                return Err(corrupt(&p, 0, "not an EWF segment (bad signature)"));
            }
            let stated = u16::from_le_bytes([fh[9], fh[10]]);
            if u32::from(stated) != seg_no {
                return Err(corrupt(
                    &p,
                    9,
                    format!("segment number {stated} where segment {seg_no} was expected"),
                ));
            }
            let sections = read_sections(&file, &p, len)?;
            let last_kind = sections.last().map(|s| s.kind.clone()).unwrap_or_default();
            // Section starts bound the data that precedes them: the last chunk
            // of a table ends at the first section after it.
            let mut starts: Vec<u64> = sections.iter().map(|s| s.offset).collect();
            starts.push(len);
            starts.sort_unstable();
            // Each `table` has a `table2` mirror: used only when the table is damaged.
            let mut table_ok = false;
            let mut table_err: Option<EvidenceError> = None;
            for s in &sections {
                let data_off = s.offset + SECTION_LEN;
                match s.kind.as_str() {
                    "header2" | "header" => {
                        let raw = read_section_data(&file, &p, s, MAX_HEADER)?;
                        // header2 (UTF-16) wins over header (ASCII) when both exist.
                        if s.kind == "header" && !header.is_empty() {
                            continue;
                        }
                        if let Ok(text) = inflate_limited(&raw, MAX_HEADER) {
                            header = parse_header(&text);
                        }
                    }
                    "volume" | "disk" | "data" => {
                        if volume.is_some() {
                            continue;
                        }
                        let raw = read_section_data(&file, &p, s, 4096)?;
                        if raw.len() < 24 {
                            return Err(corrupt(&p, data_off, "volume section too short"));
                        }
                        let chunk_count = u64::from(le_u32(&raw, 4));
                        let spc = le_u32(&raw, 8);
                        let bps = le_u32(&raw, 12);
                        // E01 volume sections carry a 64-bit sector count; the
                        // short SMART form a 32-bit one.
                        let sectors = if raw.len() >= 1000 {
                            le_u64(&raw, 16)
                        } else {
                            u64::from(le_u32(&raw, 16))
                        };
                        volume = Some((spc, bps, sectors, chunk_count, raw[0]));
                    }
                    "table" => {
                        if let Some(e) = table_err.take() {
                            return Err(e);
                        }
                        match read_table(&file, &p, s) {
                            Ok(table) => {
                                push_chunks(&mut chunks, &table, seg_index, &starts, &p)?;
                                table_ok = true;
                            }
                            Err(e) => {
                                table_ok = false;
                                table_err = Some(e);
                            }
                        }
                    }
                    "table2" => {
                        if !table_ok {
                            match read_table(&file, &p, s) {
                                Ok(table) => {
                                    push_chunks(&mut chunks, &table, seg_index, &starts, &p)?;
                                    table_err = None;
                                }
                                Err(e) => return Err(table_err.take().unwrap_or(e)),
                            }
                        }
                        table_ok = false;
                    }
                    "hash" => {
                        let raw = read_section_data(&file, &p, s, 4096)?;
                        if raw.len() >= 16 && stored.md5.is_none() {
                            stored.md5 = Some(hex_lower(&raw[..16]));
                        }
                    }
                    "digest" => {
                        let raw = read_section_data(&file, &p, s, 4096)?;
                        if raw.len() >= 36 {
                            if raw[..16].iter().any(|&b| b != 0) {
                                stored.md5 = Some(hex_lower(&raw[..16]));
                            }
                            if raw[16..36].iter().any(|&b| b != 0) {
                                stored.sha1 = Some(hex_lower(&raw[16..36]));
                            }
                        }
                    }
                    "error2" => {
                        let raw = read_section_data(&file, &p, s, 16 * 1024 * 1024)?;
                        let n = le_u32(&raw, 0) as usize;
                        let base = 520;
                        for i in 0..n {
                            let at = base + i * 8;
                            if at + 8 > raw.len() {
                                break;
                            }
                            errors.push((
                                u64::from(le_u32(&raw, at)),
                                u64::from(le_u32(&raw, at + 4)),
                            ));
                        }
                    }
                    _ => {}
                }
            }
            if let Some(e) = table_err {
                return Err(e);
            }
            segments.push(SegmentFile {
                file,
                path: p.clone(),
                len,
            });
            match last_kind.as_str() {
                "done" => break,
                "next" => seg_no += 1,
                _ => {
                    return Err(corrupt(
                        &p,
                        len,
                        "segment ends without a `next` or `done` section (truncated?)",
                    ))
                }
            }
        }
        let (spc, bps, sector_count, chunk_count, media_type) =
            volume.ok_or_else(|| corrupt(&first, FILE_HEADER_LEN, "no volume section"))?;
        let chunk_size = u64::from(spc) * u64::from(bps);
        if chunk_size == 0 || chunk_size > MAX_CHUNK {
            return Err(corrupt(
                &first,
                FILE_HEADER_LEN,
                format!("implausible chunk size {chunk_size}"),
            ));
        }
        let media_len = sector_count
            .checked_mul(u64::from(bps))
            .ok_or_else(|| corrupt(&first, FILE_HEADER_LEN, "sector count overflows"))?;
        let needed = media_len.div_ceil(chunk_size);
        if (chunks.len() as u64) < needed {
            return Err(corrupt(
                &first,
                0,
                format!(
                    "chunk tables cover {} of {} chunks: image is incomplete",
                    chunks.len(),
                    needed
                ),
            ));
        }
        chunks.truncate(usize::try_from(needed).unwrap_or(usize::MAX));
        let metadata = EwfMetadata {
            header,
            bytes_per_sector: bps,
            sectors_per_chunk: spc,
            sector_count,
            chunk_count,
            media_type,
            segment_count: segments.len(),
            acquisition_errors: errors,
        };
        Ok(EwfSource {
            name: first.display().to_string(),
            segments,
            chunks,
            chunk_size,
            media_len,
            stored,
            metadata,
            cache: Mutex::new(Vec::new()),
        })
    }

    /// Hashes the acquiring tool stored in the image.
    pub fn stored_hashes(&self) -> &StoredHashes {
        &self.stored
    }

    /// Case metadata and geometry.
    pub fn metadata(&self) -> &EwfMetadata {
        &self.metadata
    }

    /// Paths of the segment files, in order.
    pub fn segment_paths(&self) -> Vec<&Path> {
        self.segments.iter().map(|s| s.path.as_path()).collect()
    }

    /// Decodes chunk `index`, checking its checksum.
    fn load_chunk(&self, index: u64) -> Result<Arc<Vec<u8>>, EvidenceError> {
        if let Ok(cache) = self.cache.lock() {
            if let Some((_, data)) = cache.iter().find(|(i, _)| *i == index) {
                return Ok(data.clone());
            }
        }
        let chunk = *self
            .chunks
            .get(usize::try_from(index).unwrap_or(usize::MAX))
            .ok_or_else(|| EvidenceError::OutOfRange {
                evidence: self.name.clone(),
                offset: index.saturating_mul(self.chunk_size),
                len: self.media_len,
            })?;
        let seg = &self.segments[usize::from(chunk.segment)];
        let expected = self
            .chunk_size
            .min(self.media_len - index * self.chunk_size);
        if chunk.offset.saturating_add(chunk.size) > seg.len {
            return Err(corrupt(
                &seg.path,
                chunk.offset,
                format!("chunk {index} lies beyond the end of the segment (truncated image)"),
            ));
        }
        if chunk.size > MAX_CHUNK + 4 {
            return Err(corrupt(
                &seg.path,
                chunk.offset,
                format!("chunk {index} has implausible size"),
            ));
        }
        let mut stored = vec![0u8; chunk.size as usize];
        pread_full(&seg.file, &seg.path, chunk.offset, &mut stored)?;
        let data = if chunk.compressed {
            let out = inflate_limited(&stored, expected).map_err(|what| {
                corrupt(
                    &seg.path,
                    chunk.offset,
                    format!(
                        "chunk {index} (media offset {}): {what}",
                        index * self.chunk_size
                    ),
                )
            })?;
            if (out.len() as u64) != expected {
                return Err(corrupt(
                    &seg.path,
                    chunk.offset,
                    format!(
                        "chunk {index} (media offset {}) decompresses to {} bytes, expected {expected}",
                        index * self.chunk_size,
                        out.len()
                    ),
                ));
            }
            out
        } else {
            let exp = expected as usize;
            if stored.len() < exp {
                return Err(corrupt(
                    &seg.path,
                    chunk.offset,
                    format!(
                        "chunk {index} is {} bytes, expected {expected}",
                        stored.len()
                    ),
                ));
            }
            if stored.len() >= exp + 4 {
                let want = le_u32(&stored, exp);
                if adler32(&stored[..exp]) != want {
                    return Err(corrupt(
                        &seg.path,
                        chunk.offset,
                        format!(
                            "chunk {index} (media offset {}) fails its checksum",
                            index * self.chunk_size
                        ),
                    ));
                }
            }
            stored.truncate(exp);
            stored
        };
        let data = Arc::new(data);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_CHUNKS {
                cache.remove(0);
            }
            cache.push((index, data.clone()));
        }
        Ok(data)
    }
}

fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Inflates a zlib stream, refusing to produce more than `limit` bytes (a
/// decompression bomb in a chunk must not exhaust memory).
fn inflate_limited(data: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut dec = flate2::read::ZlibDecoder::new(data).take(limit + 1);
    dec.read_to_end(&mut out)
        .map_err(|e| format!("zlib: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!("decompresses to more than {limit} bytes"));
    }
    Ok(out)
}

fn read_sections(file: &File, path: &Path, len: u64) -> Result<Vec<Section>, EvidenceError> {
    let mut out = Vec::new();
    let mut at = FILE_HEADER_LEN;
    loop {
        if out.len() >= MAX_SECTIONS {
            return Err(corrupt(path, at, "too many sections"));
        }
        let mut d = [0u8; SECTION_LEN as usize];
        let n = pread_full(file, path, at, &mut d)?;
        if n < d.len() {
            return Err(corrupt(
                path,
                at,
                format!("section descriptor cut short (file is {len} bytes): truncated image"),
            ));
        }
        let want = le_u32(&d, 72);
        if adler32(&d[..72]) != want {
            return Err(corrupt(path, at, "section descriptor fails its checksum"));
        }
        let kind: String = d[..16]
            .iter()
            .take_while(|&&b| b != 0)
            .map(|&b| b as char)
            .collect();
        let next = le_u64(&d, 16);
        let size = le_u64(&d, 24);
        out.push(Section {
            kind: kind.clone(),
            offset: at,
            next,
            size,
        });
        if kind == "done" || kind == "next" {
            return Ok(out);
        }
        if next <= at {
            return Err(corrupt(
                path,
                at,
                format!("section `{kind}` points backwards (loop)"),
            ));
        }
        if next > len {
            return Err(corrupt(
                path,
                at,
                format!("section `{kind}` points to offset {next} beyond the end of the file ({len} bytes): truncated image"),
            ));
        }
        at = next;
    }
}

fn read_section_data(
    file: &File,
    path: &Path,
    s: &Section,
    limit: u64,
) -> Result<Vec<u8>, EvidenceError> {
    let data_off = s.offset + SECTION_LEN;
    // Some writers leave `size` 0; then the data runs to the next section.
    let size = if s.size >= SECTION_LEN {
        s.size - SECTION_LEN
    } else {
        s.next.saturating_sub(data_off)
    };
    let size = size.min(limit);
    let mut buf = vec![0u8; size as usize];
    let n = pread_full(file, path, data_off, &mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

/// Table entries: (offset in segment, compressed).
fn read_table(file: &File, path: &Path, s: &Section) -> Result<Vec<(u64, bool)>, EvidenceError> {
    let data_off = s.offset + SECTION_LEN;
    let mut head = [0u8; 24];
    if pread_full(file, path, data_off, &mut head)? < head.len() {
        return Err(corrupt(path, data_off, "table header cut short"));
    }
    if adler32(&head[..20]) != le_u32(&head, 20) {
        return Err(corrupt(path, data_off, "table header fails its checksum"));
    }
    let count = u64::from(le_u32(&head, 0));
    let base = le_u64(&head, 8);
    let avail = s.size.saturating_sub(SECTION_LEN + 24) / 4;
    if (s.size != 0 && count > avail) || count > 1 << 24 {
        return Err(corrupt(
            path,
            data_off,
            format!("table claims {count} entries, section holds {avail}"),
        ));
    }
    let mut raw = vec![0u8; (count * 4) as usize];
    if pread_full(file, path, data_off + 24, &mut raw)? < raw.len() {
        return Err(corrupt(path, data_off + 24, "table entries cut short"));
    }
    Ok(raw
        .chunks_exact(4)
        .map(|e| {
            let v = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
            (base + u64::from(v & 0x7fff_ffff), v & 0x8000_0000 != 0)
        })
        .collect())
}

fn push_chunks(
    chunks: &mut Vec<Chunk>,
    table: &[(u64, bool)],
    segment: u16,
    starts: &[u64],
    path: &Path,
) -> Result<(), EvidenceError> {
    for (i, &(offset, compressed)) in table.iter().enumerate() {
        let end = match table.get(i + 1) {
            Some(&(next, _)) if next > offset => next,
            Some(_) => return Err(corrupt(path, offset, "chunk table offsets out of order")),
            None => {
                let j = starts.partition_point(|&s| s <= offset);
                starts.get(j).copied().unwrap_or(offset)
            }
        };
        chunks.push(Chunk {
            offset,
            size: end - offset,
            segment,
            compressed,
        });
    }
    Ok(())
}

/// Parses the tab-separated header text (ASCII `header` or UTF-16 `header2`).
fn parse_header(raw: &[u8]) -> BTreeMap<String, String> {
    let text = if raw.starts_with(&[0xff, 0xfe]) {
        let units: Vec<u16> = raw[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        raw.iter().map(|&b| b as char).collect()
    };
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let mut out = BTreeMap::new();
    // line 0: category count, line 1: "main", line 2: keys, line 3: values
    let (Some(keys), Some(values)) = (lines.get(2), lines.get(3)) else {
        return out;
    };
    for (k, v) in keys.split('\t').zip(values.split('\t')) {
        let name = match k {
            "c" => "case_number",
            "n" => "evidence_number",
            "a" => "description",
            "e" => "examiner",
            "t" => "notes",
            "md" => "model",
            "sn" => "serial_number",
            "l" => "device_label",
            "av" => "acquiry_software_version",
            "ov" => "acquiry_os",
            "m" => "acquiry_date",
            "u" => "system_date",
            "p" => "password_hash",
            "r" => "compression",
            "pid" => "process_id",
            "dc" => "unknown_dc",
            "ext" => "extents",
            other => other,
        };
        if !v.is_empty() {
            out.insert(name.to_string(), v.to_string());
        }
    }
    out
}

impl Source for EwfSource {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let mut done = 0usize;
        while done < buf.len() {
            let pos = offset + done as u64;
            if pos >= self.media_len {
                break;
            }
            let index = pos / self.chunk_size;
            let within = (pos % self.chunk_size) as usize;
            let chunk = self.load_chunk(index)?;
            let avail = chunk.len().saturating_sub(within);
            if avail == 0 {
                break;
            }
            let n = avail.min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&chunk[within..within + n]);
            done += n;
        }
        Ok(done)
    }

    fn len(&self) -> u64 {
        self.media_len
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names() {
        let p = Path::new("/x/img.E01");
        assert_eq!(segment_path(p, 2).unwrap(), PathBuf::from("/x/img.E02"));
        assert_eq!(segment_path(p, 99).unwrap(), PathBuf::from("/x/img.E99"));
        assert_eq!(segment_path(p, 100).unwrap(), PathBuf::from("/x/img.EAA"));
        assert_eq!(segment_path(p, 101).unwrap(), PathBuf::from("/x/img.EAB"));
        assert_eq!(segment_path(p, 776).unwrap(), PathBuf::from("/x/img.FAA"));
        assert_eq!(
            segment_path(Path::new("a.e01"), 3).unwrap(),
            PathBuf::from("a.e03")
        );
    }

    #[test]
    fn header_text() {
        let h = parse_header(b"1\nmain\nc\tn\ta\te\tt\tav\tov\tm\tu\tp\tr\nC-1\tE-7\tdisk\tAnn\tnote\t6.1\tWin\t2002 3 4 10 19 59\t2002 3 4 10 19 59\t0\tf\n\n");
        assert_eq!(h["case_number"], "C-1");
        assert_eq!(h["examiner"], "Ann");
        assert_eq!(h["acquiry_date"], "2002 3 4 10 19 59");
        assert!(!h.contains_key("password_hash") || h["password_hash"] == "0");
    }

    #[test]
    fn bomb_is_refused() {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![0u8; 1 << 20]).unwrap();
        let z = e.finish().unwrap();
        assert!(inflate_limited(&z, 1024).is_err());
        assert_eq!(inflate_limited(&z, 1 << 20).unwrap().len(), 1 << 20);
    }
}

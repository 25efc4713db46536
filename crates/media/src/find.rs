//! Every picture and video of a disk image: files recognised by content
//! whatever their name, deleted files, named streams (NTFS alternate data
//! streams are listed by the file-system reader as `path:stream`), objects
//! inside zip, gzip and tar archives (recursively, bounded), objects
//! embedded in other files (documents, EXIF thumbnails, pictures appended
//! to other bytes), and finally objects carved from the raw volume that no
//! file accounted for.

use std::io::Read;
use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_examine::{open_fs, partitions};
use exhibit_vfs::{EntryKind, FsOptions};
use serde::Serialize;

use crate::carve::{carve, CarveOptions};
use crate::detect::{detect, MediaType};
use crate::{MediaError, MAX_OBJECT};

/// How deep archives inside archives are opened.
const MAX_DEPTH: usize = 4;
/// Most entries read from one archive.
const MAX_ENTRIES: usize = 10_000;

/// How a picture was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// An allocated file (or named stream).
    File,
    /// A deleted file whose content was recovered.
    Deleted,
    /// A member of an archive (zip, tar, gzip).
    Archive,
    /// Embedded at an offset inside another file.
    Embedded,
    /// Carved from the volume.
    Carved,
}

/// One picture or video found.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Found {
    /// Where: `partition provenance`.
    pub volume: String,
    /// Path in the file system; members are `archive!member`, embedded
    /// objects `file@offset`, carved objects `@offset`.
    pub path: String,
    /// How it was reached.
    pub origin: Origin,
    /// Byte offset in the enclosing file (embedded) or volume (carved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Length in bytes.
    pub length: u64,
    /// Format.
    #[serde(rename = "type")]
    pub kind: MediaType,
    /// The file (or the file holding it) is deleted.
    pub deleted: bool,
}

/// Options of [`find_in_image`].
#[derive(Clone, Debug)]
pub struct FindOptions {
    /// Carve the raw volumes too (objects already found in files are not
    /// repeated).
    pub carve_volumes: bool,
    /// Look inside archives and other files.
    pub look_inside: bool,
}

impl Default for FindOptions {
    fn default() -> Self {
        FindOptions {
            carve_volumes: true,
            look_inside: true,
        }
    }
}

/// Walks every volume of `evidence` and calls `each` with every picture or
/// video found and its bytes; returns warnings (unreadable files, damaged
/// structures), never stopping at one.
pub fn find_in_image(
    evidence: Arc<dyn Source>,
    label: &str,
    opts: &FindOptions,
    each: &mut dyn FnMut(&Found, &[u8]),
) -> Result<Vec<String>, MediaError> {
    let mut warnings = Vec::new();
    let (_, parts) = partitions(evidence, label)?;
    for part in &parts {
        let mut seen: std::collections::HashSet<(u64, [u8; 16])> = Default::default();
        let mut record = |f: &Found, data: &[u8], each: &mut dyn FnMut(&Found, &[u8])| {
            seen.insert((data.len() as u64, md5_of(data)));
            each(f, data);
        };
        match open_fs(part, &FsOptions::default()) {
            Ok(fs) => {
                let mut entries = Vec::new();
                let listed = fs.list_each(&mut |e| {
                    if e.name_kind == EntryKind::File || e.meta_kind == EntryKind::File {
                        entries.push(e);
                    }
                });
                match listed {
                    Ok(ws) => {
                        warnings.extend(ws.into_iter().map(|w| {
                            format!("{}: offset {}: {}", part.provenance, w.offset, w.what)
                        }))
                    }
                    Err(e) => warnings.push(format!("{}: {e}", part.provenance)),
                }
                entries.sort_by(|a, b| a.path.cmp(&b.path).then(a.inode.cmp(&b.inode)));
                for e in entries {
                    let deleted = e.deleted || !e.meta_allocated;
                    if e.size == 0 {
                        continue;
                    }
                    if e.size > MAX_OBJECT {
                        warnings.push(format!(
                            "{}: {}: larger than the limit, carved only",
                            part.provenance, e.path
                        ));
                        continue;
                    }
                    let data = match fs.open(&e.inode, None) {
                        Ok(d) => match read_all(&*d.source) {
                            Ok(d) => d,
                            Err(err) => {
                                warnings.push(format!("{}: {}: {err}", part.provenance, e.path));
                                continue;
                            }
                        },
                        Err(err) => {
                            warnings.push(format!("{}: {}: {err}", part.provenance, e.path));
                            continue;
                        }
                    };
                    let origin = if deleted {
                        Origin::Deleted
                    } else {
                        Origin::File
                    };
                    inside(
                        &part.provenance,
                        &e.path,
                        &data,
                        origin,
                        deleted,
                        opts,
                        0,
                        &mut |f, d| record(f, d, each),
                    );
                }
            }
            Err(e) => warnings.push(e.to_string()),
        }
        if opts.carve_volumes {
            let carved = carve(&*part.source, &CarveOptions::default())?;
            for c in carved {
                let mut buf = vec![0u8; c.length as usize];
                let n = part.source.read_at(c.offset, &mut buf)?;
                buf.truncate(n);
                if seen.contains(&(buf.len() as u64, md5_of(&buf))) {
                    continue;
                }
                let f = Found {
                    volume: part.provenance.clone(),
                    path: format!("@{}", c.offset),
                    origin: Origin::Carved,
                    offset: Some(c.offset),
                    length: buf.len() as u64,
                    kind: c.kind,
                    deleted: false,
                };
                each(&f, &buf);
            }
        }
    }
    Ok(warnings)
}

fn md5_of(data: &[u8]) -> [u8; 16] {
    let d = exhibit_hash::hash_bytes(data, &[exhibit_hash::Algorithm::Md5]);
    let mut out = [0u8; 16];
    if let Some(m) = d.get(exhibit_hash::Algorithm::Md5) {
        out.copy_from_slice(&m[..16.min(m.len())]);
    }
    out
}

/// Reads a whole source (callers check the size against [`MAX_OBJECT`]).
pub fn read_all(src: &dyn Source) -> Result<Vec<u8>, MediaError> {
    let len = src.len().min(MAX_OBJECT) as usize;
    let mut buf = vec![0u8; len];
    let mut done = 0;
    while done < len {
        let n = src.read_at(done as u64, &mut buf[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    buf.truncate(done);
    Ok(buf)
}

/// An in-memory source, for carving inside a file's bytes.
pub(crate) struct Mem<'a>(pub &'a [u8]);

impl Source for Mem<'_> {
    fn read_at(
        &self,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, exhibit_evidence::EvidenceError> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.0.len());
        let n = buf.len().min(self.0.len() - start);
        buf[..n].copy_from_slice(&self.0[start..start + n]);
        Ok(n)
    }
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn name(&self) -> &str {
        "memory"
    }
}

/// Looks at one file's bytes: the file itself, archive members, embedded objects.
#[allow(clippy::too_many_arguments)]
pub fn inside(
    volume: &str,
    path: &str,
    data: &[u8],
    origin: Origin,
    deleted: bool,
    opts: &FindOptions,
    depth: usize,
    each: &mut dyn FnMut(&Found, &[u8]),
) {
    let whole = detect(data);
    if let Some(kind) = whole {
        each(
            &Found {
                volume: volume.to_string(),
                path: path.to_string(),
                origin,
                offset: None,
                length: data.len() as u64,
                kind,
                deleted,
            },
            data,
        );
    }
    if !opts.look_inside || depth >= MAX_DEPTH {
        return;
    }
    let mut members = Vec::new();
    if data.starts_with(b"PK\x03\x04") {
        members = zip_members(data);
    } else if data.starts_with(&[0x1f, 0x8b]) {
        if let Some(plain) = gunzip(data) {
            if is_tar(&plain) {
                members = tar_members(&plain);
            } else {
                members.push(("".to_string(), plain));
            }
        }
    } else if is_tar(data) {
        members = tar_members(data);
    }
    if !members.is_empty() {
        for (name, bytes) in members {
            let p = if name.is_empty() {
                format!("{path}!")
            } else {
                format!("{path}!{name}")
            };
            inside(
                volume,
                &p,
                &bytes,
                Origin::Archive,
                deleted,
                opts,
                depth + 1,
                each,
            );
        }
        return;
    }
    // Embedded objects: everything carvable except the file itself.
    let Ok(carved) = carve(&Mem(data), &CarveOptions::default()) else {
        return;
    };
    for c in carved {
        if c.offset == 0 && whole.is_some() {
            continue;
        }
        let start = c.offset as usize;
        let Some(bytes) = data.get(start..start + c.length as usize) else {
            continue;
        };
        each(
            &Found {
                volume: volume.to_string(),
                path: format!("{path}@{}", c.offset),
                origin: Origin::Embedded,
                offset: Some(c.offset),
                length: c.length,
                kind: c.kind,
                deleted,
            },
            bytes,
        );
    }
}

/// Decompresses at most [`MAX_OBJECT`] bytes of a deflate or gzip stream.
fn bounded(mut r: impl Read) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    (&mut r).take(MAX_OBJECT).read_to_end(&mut out).ok()?;
    Some(out)
}

fn gunzip(data: &[u8]) -> Option<Vec<u8>> {
    bounded(flate2::read::MultiGzDecoder::new(data))
}

fn le16(d: &[u8], i: usize) -> Option<usize> {
    Some(u16::from_le_bytes(d.get(i..i + 2)?.try_into().ok()?) as usize)
}
fn le32(d: &[u8], i: usize) -> Option<usize> {
    Some(u32::from_le_bytes(d.get(i..i + 4)?.try_into().ok()?) as usize)
}

/// Zip members from the central directory (sizes there are reliable even
/// when the local headers defer them to data descriptors); stored and
/// deflated members only.
fn zip_members(d: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let from = d.len().saturating_sub(22 + 65_535);
    let Some(eocd) = (from..d.len().saturating_sub(21))
        .rev()
        .find(|&i| d[i..].starts_with(b"PK\x05\x06"))
    else {
        return out;
    };
    let (Some(count), Some(mut pos)) = (le16(d, eocd + 10), le32(d, eocd + 16)) else {
        return out;
    };
    for _ in 0..count.min(MAX_ENTRIES) {
        if !d.get(pos..).is_some_and(|s| s.starts_with(b"PK\x01\x02")) {
            break;
        }
        let (
            Some(method),
            Some(csize),
            Some(usize_),
            Some(nlen),
            Some(xlen),
            Some(clen),
            Some(local),
        ) = (
            le16(d, pos + 10),
            le32(d, pos + 20),
            le32(d, pos + 24),
            le16(d, pos + 28),
            le16(d, pos + 30),
            le16(d, pos + 32),
            le32(d, pos + 42),
        )
        else {
            break;
        };
        let name = d
            .get(pos + 46..pos + 46 + nlen)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        pos += 46 + nlen + xlen + clen;
        if name.ends_with('/') || usize_ as u64 > MAX_OBJECT {
            continue;
        }
        let (Some(lnlen), Some(lxlen)) = (le16(d, local + 26), le16(d, local + 28)) else {
            continue;
        };
        let start = local + 30 + lnlen + lxlen;
        let Some(raw) = d.get(start..start.saturating_add(csize)) else {
            continue;
        };
        let bytes = match method {
            0 => Some(raw.to_vec()),
            8 => bounded(flate2::read::DeflateDecoder::new(raw)),
            _ => None,
        };
        if let Some(b) = bytes {
            out.push((name, b));
        }
    }
    out
}

fn is_tar(d: &[u8]) -> bool {
    d.len() >= 512 && d.get(257..262) == Some(b"ustar".as_slice())
}

/// Regular members of a tar archive.
fn tar_members(d: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while out.len() < MAX_ENTRIES {
        let Some(h) = d.get(pos..pos + 512) else {
            break;
        };
        if h.iter().all(|&b| b == 0) {
            break;
        }
        let name_end = h[..100].iter().position(|&b| b == 0).unwrap_or(100);
        let mut name = String::from_utf8_lossy(&h[..name_end]).into_owned();
        let prefix_end = 345 + h[345..500].iter().position(|&b| b == 0).unwrap_or(155);
        if is_tar(d.get(pos..).unwrap_or(&[])) && prefix_end > 345 {
            name = format!("{}/{name}", String::from_utf8_lossy(&h[345..prefix_end]));
        }
        let size_field = String::from_utf8_lossy(&h[124..136]);
        let Ok(size) =
            usize::from_str_radix(size_field.trim_matches(|c: char| c == '\0' || c == ' '), 8)
        else {
            break;
        };
        let kind = h[156];
        let start = pos + 512;
        let Some(body) = d.get(start..start.saturating_add(size)) else {
            break;
        };
        if kind == b'0' || kind == 0 {
            out.push((name, body.to_vec()));
        }
        pos = start.saturating_add(size.div_ceil(512) * 512);
    }
    out
}

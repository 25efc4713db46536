//! A file's content: hashes and type by content, with bounded memory.

use exhibit_evidence::{EvidenceError, Source};
use exhibit_hash::{hash_bytes, Algorithm, Digests, MultiHasher};

/// Files up to this size are read into memory; larger ones are hashed
/// streaming.
pub const MAX_IN_MEMORY: u64 = 64 << 20;

/// How much of the start of a file is used to tell its type.
const SNIFF: usize = 8192;

const ALGS: [Algorithm; 3] = [Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256];

/// Hashes and type of one file's content.
pub struct Content {
    /// MD5, SHA-1, SHA-256.
    pub digests: Digests,
    /// Type by content.
    pub mime: String,
    /// The first bytes (up to 8 KiB), for analysers to decide on.
    pub head: Vec<u8>,
    /// Whether the whole content was read into the caller's buffer
    /// (analysers then read it from there instead of from the evidence).
    pub in_memory: bool,
}

/// A buffer a worker reuses from file to file: a fresh allocation per file
/// cost more in page faults and zeroing than the hashing of small files.
/// Kept at most this large between files.
const KEEP_BUFFER: usize = 16 << 20;

/// Reads `source` (a file's content) and hashes and types it; a file of up
/// to [`MAX_IN_MEMORY`] bytes is left in `buf`.
pub fn examine(source: &dyn Source, buf: &mut Vec<u8>) -> Result<Content, EvidenceError> {
    let len = source.len();
    if buf.capacity() > KEEP_BUFFER {
        *buf = Vec::new();
    }
    buf.clear();
    if len <= MAX_IN_MEMORY {
        // `len` is at most 64 MiB here, so it fits in usize.
        buf.resize(len as usize, 0);
        source.read_exact_at(0, buf)?;
        let head = buf[..buf.len().min(SNIFF)].to_vec();
        return Ok(Content {
            digests: hash_bytes(buf, &ALGS),
            mime: mime(&head),
            head,
            in_memory: true,
        });
    }
    let mut head = vec![0u8; SNIFF];
    source.read_exact_at(0, &mut head)?;
    let mut hasher = MultiHasher::new(&ALGS);
    let mut offset = 0u64;
    while offset < len {
        let n = hasher.update_with(|buf| {
            let want = buf
                .len()
                .min(usize::try_from(len - offset).unwrap_or(usize::MAX));
            source.read_exact_at(offset, &mut buf[..want]).map(|_| want)
        })?;
        if n == 0 {
            break;
        }
        offset += n as u64;
    }
    Ok(Content {
        digests: hasher.finish(),
        mime: mime(&head),
        head,
        in_memory: false,
    })
}

/// Runs the analysers that want a file whose content was examined, on the
/// bytes in memory when they were read, else on the file itself.
pub fn analyse(
    analysers: &[Box<dyn crate::analyse::Analyser>],
    evidence: &str,
    key: &exhibit_store::FileKey,
    (c, mem): (&Content, &[u8]),
    source: &dyn Source,
    text_limit: usize,
) -> crate::analyse::Found {
    let mem = c.in_memory.then_some(mem);
    let facts = crate::analyse::FileFacts {
        evidence,
        key,
        mime: &c.mime,
        size: source.len(),
        head: &c.head,
    };
    // Only files some analyser wants are handed over (from memory when
    // they were read whole: no second read of the evidence).
    let wanted: Vec<&Box<dyn crate::analyse::Analyser>> =
        analysers.iter().filter(|a| a.wants(&facts)).collect();
    let mut found = crate::analyse::Found::default();
    if !wanted.is_empty() {
        let slice = mem.map(|d| SliceSource {
            data: d,
            name: source.name(),
        });
        let data: &dyn Source = match &slice {
            Some(m) => m,
            None => source,
        };
        for a in wanted {
            found.extend(crate::analyse::run_one(a.as_ref(), &facts, data));
        }
    }
    if let Some(text) = index_text(c, mem, text_limit) {
        found.docs.push(exhibit_index::Doc {
            kind: exhibit_index::DocKind::Text,
            evidence: evidence.to_string(),
            key: format!("{}\u{0}{}\u{0}{}", key.partition, key.inode, key.path),
            sort: format!("{}\u{0}{}", key.path, key.inode),
            tag: c.mime.clone(),
            value: String::new(),
            path: key.path.clone(),
            time: None,
            text,
        });
    }
    found
}

/// A file's bytes already in memory, as a source (no copy).
struct SliceSource<'a> {
    data: &'a [u8],
    name: &'a str,
}

impl Source for SliceSource<'_> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        let Some(rest) = self.data.get(start..) else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }

    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    fn name(&self) -> &str {
        self.name
    }
}

/// Type by content: magic numbers (`infer`), else text or binary.
pub fn mime(head: &[u8]) -> String {
    if head.is_empty() {
        return "application/x-empty".into();
    }
    if let Some(t) = infer::get(head) {
        // `00 00 01 00` is all `infer` asks of an icon; NTFS's $UpCase
        // table starts so too. An icon's directory must also hold up.
        if t.mime_type() != "image/vnd.microsoft.icon" || plausible_icon(head) {
            return t.mime_type().into();
        }
    }
    if looks_like_text(head) {
        match exhibit_mail::sniff(head) {
            Some(exhibit_mail::MailboxKind::Mbox) => "application/mbox".into(),
            Some(exhibit_mail::MailboxKind::Eml) => "message/rfc822".into(),
            None => "text/plain".into(),
        }
    } else {
        "application/octet-stream".into()
    }
}

/// An ICO/CUR directory: a count, and entries with a zero reserved byte,
/// 0 or 1 colour planes, a usual bit depth and image data after the
/// directory (the entries the head holds are checked).
fn plausible_icon(head: &[u8]) -> bool {
    let u16_at = |o: usize| head.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| {
        head.get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let Some(count) = u16_at(4).filter(|&c| c > 0) else {
        return false;
    };
    let table_end = 6 + 16 * u32::from(count);
    (0..usize::from(count))
        .map(|i| 6 + 16 * i)
        .take_while(|&e| e + 16 <= head.len())
        .all(|e| {
            head[e + 3] == 0
                && u16_at(e + 4).is_some_and(|p| p <= 1)
                && u16_at(e + 6).is_some_and(|b| matches!(b, 0 | 1 | 4 | 8 | 16 | 24 | 32))
                && u32_at(e + 8).is_some_and(|size| size > 0)
                && u32_at(e + 12).is_some_and(|off| off >= table_end)
        })
}

/// No NUL bytes and UTF-8 (allowing a character cut at the end), or
/// nearly all printable ASCII.
fn looks_like_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) if e.error_len().is_none() => true,
        Err(_) => {
            let printable = head
                .iter()
                .filter(|&&b| b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b))
                .count();
            printable * 100 >= head.len() * 95
        }
    }
}

/// The text of a file for the full-text index: the first `limit` bytes of
/// plain text read into memory (mail is indexed message by message).
pub fn index_text(c: &Content, mem: Option<&[u8]>, limit: usize) -> Option<String> {
    if limit == 0 || !c.mime.starts_with("text/") {
        return None;
    }
    let data = mem?;
    let cut = &data[..data.len().min(limit)];
    Some(String::from_utf8_lossy(cut).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_by_content() {
        assert_eq!(mime(b"hello\nworld"), "text/plain");
        assert_eq!(
            mime(&[0x89, b'P', b'N', b'G', 13, 10, 26, 10, 0, 0]),
            "image/png"
        );
        assert_eq!(mime(&[0, 1, 2, 3, 0xff]), "application/octet-stream");
        assert_eq!(mime(b""), "application/x-empty");
    }

    #[test]
    fn an_upcase_table_is_not_an_icon() {
        // NTFS $UpCase: the UTF-16 code units 0, 1, 2, … as themselves.
        let upcase: Vec<u8> = (0u16..512).flat_map(|c| c.to_le_bytes()).collect();
        assert_eq!(mime(&upcase), "application/octet-stream");
        // A real one-entry icon: 16×16, 32 bpp, data right after the table.
        let mut ico = vec![0, 0, 1, 0, 1, 0];
        ico.extend([16, 16, 0, 0, 1, 0, 32, 0]);
        ico.extend(1128u32.to_le_bytes());
        ico.extend(22u32.to_le_bytes());
        ico.extend([0u8; 64]);
        assert_eq!(mime(&ico), "image/vnd.microsoft.icon");
    }
}

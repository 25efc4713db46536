//! Directory records (ECMA-119 9.1) and file identifiers.

/// Smallest directory record: 33 fixed bytes and a 1-byte identifier.
pub(crate) const MIN_RECORD: usize = 34;

pub(crate) const FLAG_DIRECTORY: u8 = 0x02;
pub(crate) const FLAG_ASSOCIATED: u8 = 0x04;
pub(crate) const FLAG_MULTI_EXTENT: u8 = 0x80;

/// One directory record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// Byte offset of the record in the volume.
    pub offset: u64,
    /// Extended attribute record length, in logical blocks.
    pub xar_len: u8,
    /// Location of the extent, in logical blocks.
    pub lba: u32,
    /// Data length in bytes.
    pub size: u32,
    /// Recording date, 7-byte form.
    pub date: [u8; 7],
    pub flags: u8,
    pub unit_size: u8,
    pub gap: u8,
    /// File identifier, raw.
    pub ident: Vec<u8>,
    /// System use area (SUSP / Rock Ridge), raw.
    pub sua: Vec<u8>,
}

impl Record {
    pub(crate) fn is_dir(&self) -> bool {
        self.flags & FLAG_DIRECTORY != 0
    }

    /// `.` (identifier 0x00) or `..` (0x01).
    pub(crate) fn is_dot(&self) -> bool {
        self.ident == [0] || self.ident == [1]
    }

    pub(crate) fn interleaved(&self) -> bool {
        self.unit_size != 0 || self.gap != 0
    }
}

/// Parses the record at the start of `b` (whose length must be at least
/// the record's length byte); `offset` is where it lies in the volume.
/// `None` when the record is shorter than its fixed part or its identifier
/// overruns it.
pub(crate) fn parse(b: &[u8], offset: u64) -> Option<Record> {
    let len = usize::from(*b.first()?);
    if len < MIN_RECORD || b.len() < len {
        return None;
    }
    let b = &b[..len];
    let name_len = usize::from(b[32]);
    if 33 + name_len > len {
        return None;
    }
    let sua_start = 33 + name_len + usize::from(name_len % 2 == 0);
    let sua = b.get(sua_start..).map(<[u8]>::to_vec).unwrap_or_default();
    let mut date = [0u8; 7];
    date.copy_from_slice(&b[18..25]);
    Some(Record {
        offset,
        xar_len: b[1],
        lba: u32::from_le_bytes([b[2], b[3], b[4], b[5]]),
        size: u32::from_le_bytes([b[10], b[11], b[12], b[13]]),
        date,
        flags: b[25],
        unit_size: b[26],
        gap: b[27],
        ident: b[33..33 + name_len].to_vec(),
        sua,
    })
}

/// UCS-2 (UTF-16) big-endian to a string; unpaired surrogates become
/// U+FFFD; a trailing odd byte is ignored.
pub(crate) fn ucs2(b: &[u8]) -> String {
    let units = b.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Control characters become `^`, as TSK prints them.
pub(crate) fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if (c as u32) < 0x20 { '^' } else { c })
        .collect()
}

/// A file identifier as TSK shows it: decoded (UCS-2 for Joliet, bytes as
/// UTF-8 with replacement otherwise), the `;version` suffix removed, then a
/// trailing `.` (a name without extension) removed.
pub(crate) fn display_name(ident: &[u8], joliet: bool) -> String {
    let mut s = if joliet {
        ucs2(ident)
    } else {
        String::from_utf8_lossy(ident).into_owned()
    };
    if let Some(i) = s.find(';') {
        let version = &s[i + 1..];
        // ISO names: everything after the first `;` (TSK). Joliet names may
        // legitimately contain `;`: only a numeric suffix is a version.
        if !joliet || version.bytes().all(|c| c.is_ascii_digit()) {
            s.truncate(i);
        }
    }
    if s.len() > 1 && s.ends_with('.') {
        s.pop();
    }
    printable(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_like_tsk() {
        assert_eq!(display_name(b"README.TXT;1", false), "README.TXT");
        assert_eq!(display_name(b"MAKEFILE.;1", false), "MAKEFILE");
        assert_eq!(display_name(b"DIR", false), "DIR");
        let j: Vec<u8> = "ñandú;1"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(display_name(&j, true), "ñandú");
        let j: Vec<u8> = "a;b".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(display_name(&j, true), "a;b");
        assert_eq!(display_name(b"A\x01B", false), "A^B");
    }

    #[test]
    fn record_bounds() {
        let mut r = [0u8; 40];
        r[0] = 40;
        r[32] = 5;
        r[33..38].copy_from_slice(b"AB;1X");
        let rec = parse(&r, 100).unwrap();
        assert_eq!(rec.ident, b"AB;1X");
        assert_eq!(rec.sua.len(), 2);
        r[32] = 8;
        assert!(parse(&r, 0).is_none());
        r[0] = 33;
        assert!(parse(&r, 0).is_none());
        assert!(parse(&r[..20], 0).is_none());
    }
}

//! A minimal POSIX ustar writer and reader: regular files only, fixed
//! metadata (mode 0644, uid/gid 0, mtime 0, no user names), so the same
//! members give the same bytes. Any `tar` reads what it writes.
//!
//! Our own code rather than a crate: the package needs a byte-exact,
//! deterministic writer and a reader that treats every header field as
//! hostile (checksums checked, sizes bounded by the bytes present, no
//! links, devices or paths leaving the archive).

use std::io::{Read, Write};

use sha2::{Digest, Sha256};

use crate::PackageError;

/// Size of a tar block.
pub const BLOCK: usize = 512;

/// Longest member path we write or accept (ustar: 155 prefix + 100 name).
pub const MAX_PATH: usize = 255;

/// Writes one ustar header for a regular file.
fn header(path: &str, size: u64) -> Result<[u8; BLOCK], PackageError> {
    let mut h = [0u8; BLOCK];
    let bytes = path.as_bytes();
    let (prefix, name) = if bytes.len() <= 100 {
        (&[][..], bytes)
    } else {
        // Split at a '/' so that the name part fits in 100 bytes.
        let split = bytes
            .iter()
            .enumerate()
            .filter(|(i, b)| **b == b'/' && *i <= 155 && bytes.len() - i - 1 <= 100)
            .map(|(i, _)| i)
            .next_back()
            .ok_or_else(|| PackageError::Name {
                name: path.to_string(),
                what: "too long for a ustar header".into(),
            })?;
        (&bytes[..split], &bytes[split + 1..])
    };
    h[..name.len()].copy_from_slice(name);
    octal(&mut h[100..108], 0o644);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    if size >= 1 << 33 {
        return Err(PackageError::Name {
            name: path.to_string(),
            what: "larger than 8 GiB (ustar limit)".into(),
        });
    }
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], 0);
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    octal(&mut h[329..337], 0);
    octal(&mut h[337..345], 0);
    h[345..345 + prefix.len()].copy_from_slice(prefix);
    let sum = checksum(&h);
    // Six octal digits, NUL, space: the traditional layout.
    let text = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(text.as_bytes());
    Ok(h)
}

/// Fills a field with zero-padded octal digits and a final NUL.
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let text = format!("{value:0width$o}");
    field[..width].copy_from_slice(&text.as_bytes()[text.len() - width..]);
    field[width] = 0;
}

/// Header checksum: the byte sum with the checksum field read as spaces.
fn checksum(h: &[u8; BLOCK]) -> u64 {
    h.iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                u64::from(b' ')
            } else {
                u64::from(*b)
            }
        })
        .sum()
}

/// Streams a tar archive out, member by member.
pub struct TarWriter<W: Write> {
    out: W,
}

impl<W: Write> TarWriter<W> {
    /// Starts an archive on `out`.
    pub fn new(out: W) -> Self {
        TarWriter { out }
    }

    /// Appends a regular file of `size` bytes read from `content`; returns
    /// the SHA-256 of the bytes written (so a file that changed since it
    /// was listed is caught). Fails if `content` does not give exactly
    /// `size` bytes.
    pub fn append(
        &mut self,
        path: &str,
        size: u64,
        content: &mut dyn Read,
    ) -> Result<String, PackageError> {
        check_name(path)?;
        self.out.write_all(&header(path, size)?)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut left = size;
        while left > 0 {
            let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
            let n = content.read(&mut buf[..want])?;
            if n == 0 {
                return Err(PackageError::Changed {
                    name: path.to_string(),
                });
            }
            hasher.update(&buf[..n]);
            self.out.write_all(&buf[..n])?;
            left -= n as u64;
        }
        if content.read(&mut [0u8; 1])? != 0 {
            return Err(PackageError::Changed {
                name: path.to_string(),
            });
        }
        let pad = (BLOCK - (size % BLOCK as u64) as usize) % BLOCK;
        self.out.write_all(&vec![0u8; pad])?;
        Ok(hex::encode(hasher.finalize()))
    }

    /// Writes the two zero blocks that end an archive and returns the sink.
    pub fn finish(mut self) -> Result<W, PackageError> {
        self.out.write_all(&[0u8; 2 * BLOCK])?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A member path must be relative, `/`-separated, without `.`/`..`
/// components, empty components or control characters: it names a file
/// inside the package and nothing else.
pub fn check_name(name: &str) -> Result<(), PackageError> {
    let bad = |what: &str| {
        Err(PackageError::Name {
            name: name.escape_debug().to_string(),
            what: what.into(),
        })
    };
    if name.is_empty() || name.len() > MAX_PATH {
        return bad("empty or longer than 255 bytes");
    }
    if name.chars().any(|c| c.is_control() || c == '\\') {
        return bad("control character or backslash");
    }
    if name
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return bad("absolute, or an empty, '.' or '..' component");
    }
    Ok(())
}

/// One member read back from an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its path in the archive.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its content (hex).
    pub sha256: String,
    /// Its content, when the caller asked to keep it.
    pub data: Option<Vec<u8>>,
    /// Offset of its header in the archive.
    pub offset: u64,
}

/// Reads an archive from `input`, hashing every member and keeping the
/// content of those `keep` selects (at most `keep_limit` bytes each).
///
/// Damage (a bad checksum, a size beyond the end, a member that is not a
/// regular file, a path leaving the archive) is [`PackageError::Corrupt`]
/// with the offset; it never panics.
pub fn read_archive(
    input: &mut dyn Read,
    keep: &dyn Fn(&str) -> bool,
    keep_limit: u64,
) -> Result<Vec<Member>, PackageError> {
    let mut members = Vec::new();
    let mut offset: u64 = 0;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let mut h = [0u8; BLOCK];
        let got = read_full(input, &mut h)?;
        if got == 0 && offset == 0 {
            return Err(corrupt(0, "empty file: not a package"));
        }
        if got < BLOCK {
            return Err(corrupt(
                offset,
                "truncated: the archive ends inside a header (no end-of-archive marker)",
            ));
        }
        if h.iter().all(|b| *b == 0) {
            // End of archive: a second zero block, then nothing but zeros
            // (record padding). Every byte of a package is accounted for,
            // so no change anywhere goes unnoticed.
            let mut zeros = 0u64;
            loop {
                let n = read_full(input, &mut buf)?;
                if buf[..n].iter().any(|b| *b != 0) {
                    return Err(corrupt(
                        offset + BLOCK as u64,
                        "data after the end-of-archive marker",
                    ));
                }
                zeros += n as u64;
                if n < buf.len() {
                    break;
                }
            }
            if zeros < BLOCK as u64 {
                return Err(corrupt(
                    offset,
                    "truncated: the end-of-archive marker is cut off",
                ));
            }
            break;
        }
        let stored = parse_octal(&h[148..156]).ok_or_else(|| {
            corrupt(
                offset,
                "header checksum field is not octal: not a tar archive",
            )
        })?;
        if stored != checksum(&h) || !matches!(h[155], 0 | b' ') {
            return Err(corrupt(
                offset,
                "header checksum does not match: damaged header or not a tar archive",
            ));
        }
        let typeflag = h[156];
        if typeflag != b'0' && typeflag != 0 {
            return Err(corrupt(
                offset,
                &format!(
                    "member type {:?} is not a regular file (packages hold only files)",
                    char::from(typeflag)
                ),
            ));
        }
        let size =
            parse_octal(&h[124..136]).ok_or_else(|| corrupt(offset, "size field is not octal"))?;
        let name = member_name(&h).ok_or_else(|| corrupt(offset, "member name is not UTF-8"))?;
        check_name(&name).map_err(|e| corrupt(offset, &e.to_string()))?;

        let mut hasher = Sha256::new();
        let keep_it = keep(&name);
        if keep_it && size > keep_limit {
            return Err(corrupt(
                offset,
                &format!("{name}: {size} bytes, more than this file can be ({keep_limit})"),
            ));
        }
        let mut data = keep_it.then(Vec::new);
        let mut left = size;
        while left > 0 {
            let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
            let n = read_full(input, &mut buf[..want])?;
            if n == 0 {
                return Err(corrupt(
                    offset,
                    &format!(
                        "truncated: {name} is cut off ({} of {size} bytes present)",
                        size - left
                    ),
                ));
            }
            hasher.update(&buf[..n]);
            if let Some(d) = data.as_mut() {
                d.extend_from_slice(&buf[..n]);
            }
            left -= n as u64;
        }
        let pad = (BLOCK - (size % BLOCK as u64) as usize) % BLOCK;
        if pad > 0 && read_full(input, &mut buf[..pad])? < pad {
            return Err(corrupt(offset, &format!("truncated after {name}")));
        }
        if buf[..pad].iter().any(|b| *b != 0) {
            return Err(corrupt(
                offset,
                &format!("the padding after {name} is not zeros"),
            ));
        }
        members.push(Member {
            name,
            size,
            sha256: hex::encode(hasher.finalize()),
            data,
            offset,
        });
        offset += BLOCK as u64 + size + pad as u64;
    }
    Ok(members)
}

fn corrupt(offset: u64, what: &str) -> PackageError {
    PackageError::Corrupt {
        offset,
        what: what.to_string(),
    }
}

/// Reads until `buf` is full or the input ends; returns the count.
fn read_full(input: &mut dyn Read, buf: &mut [u8]) -> Result<usize, PackageError> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// An octal field: optional leading spaces, digits, then NUL or spaces.
fn parse_octal(field: &[u8]) -> Option<u64> {
    let text: &[u8] = {
        let start = field.iter().position(|b| *b != b' ')?;
        let rest = &field[start..];
        let end = rest
            .iter()
            .position(|b| *b == 0 || *b == b' ')
            .unwrap_or(rest.len());
        &rest[..end]
    };
    if text.is_empty() || text.len() > 11 {
        return None;
    }
    let mut v: u64 = 0;
    for b in text {
        if !(b'0'..=b'7').contains(b) {
            return None;
        }
        v = v * 8 + u64::from(b - b'0');
    }
    Some(v)
}

/// The member path: ustar prefix + name.
fn member_name(h: &[u8; BLOCK]) -> Option<String> {
    let field = |f: &[u8]| -> Option<String> {
        let end = f.iter().position(|b| *b == 0).unwrap_or(f.len());
        String::from_utf8(f[..end].to_vec()).ok()
    };
    let name = field(&h[..100])?;
    let prefix = if &h[257..262] == b"ustar" {
        field(&h[345..500])?
    } else {
        String::new()
    };
    Some(if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = TarWriter::new(Vec::new());
        for (name, data) in members {
            w.append(name, data.len() as u64, &mut &data[..]).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn round_trip_and_long_names() {
        let long = format!("{}/{}", "d".repeat(120), "f".repeat(90));
        let bytes = archive(&[("a.txt", b"hello"), (&long, b""), ("b/c", &[7u8; 1000])]);
        assert_eq!(bytes.len() % BLOCK, 0);
        let got = read_archive(&mut &bytes[..], &|n| n == "a.txt", 100).unwrap();
        let names: Vec<_> = got.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a.txt", long.as_str(), "b/c"]);
        assert_eq!(got[0].data.as_deref(), Some(&b"hello"[..]));
        assert_eq!(got[2].size, 1000);
        // Deterministic.
        assert_eq!(
            bytes,
            archive(&[("a.txt", b"hello"), (&long, b""), ("b/c", &[7u8; 1000])])
        );
    }

    #[test]
    fn damage_is_an_error_never_a_panic() {
        let bytes = archive(&[("a.txt", b"hello world"), ("b", &[1u8; 700])]);
        for cut in 0..bytes.len() {
            let _ = read_archive(&mut &bytes[..cut], &|_| true, 1 << 20);
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x5a;
            let _ = read_archive(&mut &b[..], &|_| true, 1 << 20);
        }
        assert!(read_archive(&mut &b"garbage"[..], &|_| true, 10).is_err());
        assert!(read_archive(&mut &[][..], &|_| true, 10).is_err());
    }

    #[test]
    fn hostile_names_are_refused() {
        for n in ["/etc/passwd", "../x", "a/../b", "a//b", "", "a\nb"] {
            assert!(check_name(n).is_err(), "{n:?}");
        }
    }
}

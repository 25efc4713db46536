use crate::{Entry, EntryKind};

use std::io::{self, Write};

/// TSK's mode string: name type, `/`, metadata type and `rwx` bits
/// (`r/rrw-r--r--`, `d/drwxr-xr-x`).
pub fn mode_string(e: &Entry) -> String {
    mode_bytes(e).iter().map(|&b| b as char).collect()
}

/// [`mode_string`] as bytes (every letter is ASCII).
fn mode_bytes(e: &Entry) -> [u8; 12] {
    let m = e.mode;
    let bit = |mask: u32, c: u8| if m & mask != 0 { c } else { b'-' };
    let special = |x: u32, mask_s: u32, on_x: u8, on_no_x: u8| match (m & x != 0, m & mask_s != 0) {
        (true, true) => on_x,
        (false, true) => on_no_x,
        (true, false) => b'x',
        (false, false) => b'-',
    };
    [
        ascii_letter(e.name_kind),
        b'/',
        if e.meta_kind == EntryKind::Unknown {
            b'-'
        } else {
            ascii_letter(e.meta_kind)
        },
        bit(0o400, b'r'),
        bit(0o200, b'w'),
        special(0o100, 0o4000, b's', b'S'),
        bit(0o040, b'r'),
        bit(0o020, b'w'),
        special(0o010, 0o2000, b's', b'S'),
        bit(0o004, b'r'),
        bit(0o002, b'w'),
        special(0o001, 0o1000, b't', b'T'),
    ]
}

/// [`EntryKind::letter`] as a byte (all letters are ASCII).
fn ascii_letter(k: EntryKind) -> u8 {
    let c = k.letter();
    if c.is_ascii() {
        c as u8
    } else {
        b'?'
    }
}

fn secs(t: Option<jiff::Timestamp>) -> i64 {
    t.map(|t| t.as_second()).unwrap_or(0)
}

/// One line of TSK's body file 3.x:
/// `MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime`,
/// epoch seconds, `0` where a time is absent; `prefix` is prepended to the
/// path (TSK's `-m` mount point, e.g. `/` gives `//x`… so pass "" for `/`).
pub fn bodyfile_line(prefix: &str, e: &Entry) -> String {
    let mut line = Vec::with_capacity(prefix.len() + e.path.len() + e.inode.len() + 80);
    push_line(&mut line, prefix, e);
    // Only whole strings and ASCII are pushed: always valid UTF-8.
    String::from_utf8(line).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Writes [`bodyfile_line`] and a newline to `out`, without building the
/// line as a `String`.
pub fn write_bodyfile_line<W: Write + ?Sized>(
    out: &mut W,
    prefix: &str,
    e: &Entry,
) -> io::Result<()> {
    let mut tail = [0u8; 160];
    let n = tail_fields(&mut tail, e);
    out.write_all(b"0|")?;
    out.write_all(prefix.as_bytes())?;
    out.write_all(e.path.as_bytes())?;
    if e.deleted {
        out.write_all(b" (deleted)")?;
    }
    out.write_all(b"|")?;
    out.write_all(e.inode.as_bytes())?;
    out.write_all(&tail[..n])?;
    out.write_all(b"\n")
}

/// Appends [`bodyfile_line`] (without a newline) to `line`.
fn push_line(line: &mut Vec<u8>, prefix: &str, e: &Entry) {
    let mut tail = [0u8; 160];
    let n = tail_fields(&mut tail, e);
    line.extend_from_slice(b"0|");
    line.extend_from_slice(prefix.as_bytes());
    line.extend_from_slice(e.path.as_bytes());
    if e.deleted {
        line.extend_from_slice(b" (deleted)");
    }
    line.push(b'|');
    line.extend_from_slice(e.inode.as_bytes());
    line.extend_from_slice(&tail[..n]);
}

/// Writes `|mode|uid|gid|size|atime|mtime|ctime|crtime` into `buf` and
/// returns its length: at most 140 bytes (8 separators, 12 for the mode,
/// 10 each for uid and gid, 20 for the size, a sign and 19 digits for each
/// time).
fn tail_fields(buf: &mut [u8; 160], e: &Entry) -> usize {
    let mut at = 0;
    buf[at] = b'|';
    at += 1;
    buf[at..at + 12].copy_from_slice(&mode_bytes(e));
    at += 12;
    for v in [e.uid as u64, e.gid as u64, e.size] {
        buf[at] = b'|';
        at = decimal(buf, at + 1, v);
    }
    for t in [e.times.atime, e.times.mtime, e.times.ctime, e.times.crtime] {
        buf[at] = b'|';
        at += 1;
        let v = secs(t);
        if v < 0 {
            buf[at] = b'-';
            at += 1;
        }
        at = decimal(buf, at, v.unsigned_abs());
    }
    at
}

/// Writes `v` in decimal at `buf[at..]` (20 bytes at most), returns the
/// end.
fn decimal(buf: &mut [u8; 160], at: usize, mut v: u64) -> usize {
    let mut digits = [0u8; 20];
    let mut d = digits.len();
    loop {
        d -= 1;
        digits[d] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let len = digits.len() - d;
    buf[at..at + len].copy_from_slice(&digits[d..]);
    at + len
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Recovery, Times};

    #[test]
    fn mode_strings_like_tsk() {
        let mut e = Entry {
            path: "/a".into(),
            inode: "13".into(),
            name_kind: EntryKind::File,
            meta_kind: EntryKind::File,
            mode: 0o664,
            uid: 1000,
            gid: 1000,
            size: 53,
            times: Times::default(),
            deleted: false,
            meta_allocated: true,
            recovery: Recovery::Certain,
        };
        assert_eq!(mode_string(&e), "r/rrw-rw-r--");
        e.name_kind = EntryKind::Directory;
        e.meta_kind = EntryKind::Directory;
        e.mode = 0o700;
        assert_eq!(mode_string(&e), "d/drwx------");
        e.mode = 0o1777;
        assert_eq!(mode_string(&e), "d/drwxrwxrwt");
        assert_eq!(
            bodyfile_line("", &e),
            "0|/a|13|d/drwxrwxrwt|1000|1000|53|0|0|0|0"
        );
        let mut out = Vec::new();
        write_bodyfile_line(&mut out, "", &e).unwrap();
        assert_eq!(out, b"0|/a|13|d/drwxrwxrwt|1000|1000|53|0|0|0|0\n");
    }

    /// The fast writer against the definition with `format!`.
    #[test]
    fn writer_matches_format() {
        use jiff::Timestamp;
        let kinds = EntryKind::ALL;
        let times = [
            None,
            Some(Timestamp::MIN),
            Some(Timestamp::MAX),
            Some(Timestamp::UNIX_EPOCH),
            Timestamp::new(-1, 5).ok(),
            Timestamp::new(1_337_961_350, 999).ok(),
            Timestamp::new(-2_208_988_800, 0).ok(),
        ];
        let mut n = 0u32;
        for (i, &k) in kinds.iter().enumerate() {
            for (j, &t) in times.iter().enumerate() {
                n += 1;
                let e = Entry {
                    path: format!("/d{i}/ü x^{j}"),
                    inode: format!("{}-128-{j}", n * 7919),
                    name_kind: k,
                    meta_kind: kinds[(i + j) % kinds.len()],
                    mode: n.wrapping_mul(2_654_435_761) & 0o7777,
                    uid: [0, 1000, u32::MAX][j % 3],
                    gid: [u32::MAX, 0, 42][i % 3],
                    size: [0, 53, u64::MAX][(i + j) % 3],
                    times: Times {
                        atime: t,
                        mtime: times[(j + 1) % times.len()],
                        ctime: times[(j + 2) % times.len()],
                        crtime: times[(j + 3) % times.len()],
                    },
                    deleted: (i + j) % 2 == 0,
                    meta_allocated: true,
                    recovery: Recovery::Certain,
                };
                for prefix in ["", "/mnt"] {
                    let want = format!(
                        "0|{prefix}{}{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
                        e.path,
                        if e.deleted { " (deleted)" } else { "" },
                        e.inode,
                        mode_string(&e),
                        e.uid,
                        e.gid,
                        e.size,
                        secs(e.times.atime),
                        secs(e.times.mtime),
                        secs(e.times.ctime),
                        secs(e.times.crtime),
                    );
                    assert_eq!(bodyfile_line(prefix, &e), want);
                    let mut out = Vec::new();
                    write_bodyfile_line(&mut out, prefix, &e).unwrap();
                    assert_eq!(String::from_utf8(out).unwrap(), want + "\n");
                }
            }
        }
    }
}

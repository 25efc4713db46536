//! System Use Sharing Protocol (IEEE P1281) entries in a record's system
//! use area, and the Rock Ridge (IEEE P1282) entries carried in them.

use std::cell::Cell;
use std::collections::HashSet;

use exhibit_evidence::Source;
use exhibit_vfs::Warning;
use jiff::Timestamp;

use crate::time;

/// Continuation areas followed per record.
const MAX_CONTINUATIONS: usize = 32;
/// Bytes of one continuation area read at most (one logical block).
const MAX_CONTINUATION_LEN: u64 = 2048;
/// Longest name or link target kept (bytes).
const MAX_TEXT: usize = 4096;

/// Rock Ridge times (`TF`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RrTimes {
    pub crtime: Option<Timestamp>,
    pub mtime: Option<Timestamp>,
    pub atime: Option<Timestamp>,
    pub ctime: Option<Timestamp>,
}

/// What the Rock Ridge entries of one record say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RockRidge {
    /// `NM`: the POSIX name.
    pub name: Option<String>,
    /// `PX`: `st_mode` (type and permission bits).
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// `TF`.
    pub times: RrTimes,
    /// `SL`: symbolic link target.
    pub link: Option<String>,
    /// `CL`: this placeholder stands for the directory relocated to this
    /// logical block.
    pub child_link: Option<u32>,
    /// `RE`: this directory was relocated here; it is listed at its `CL`.
    pub relocated: bool,
    /// `ZF`: content stored zisofs-compressed.
    pub zisofs: bool,
}

/// The skip length announced by an `SP` entry at the start of the root
/// directory's `.` record system use area, if Rock Ridge/SUSP is in use.
pub(crate) fn sp_skip(sua: &[u8]) -> Option<usize> {
    (sua.len() >= 7 && &sua[0..2] == b"SP" && sua[2] >= 7 && sua[4] == 0xBE && sua[5] == 0xEF)
        .then(|| usize::from(sua[6]))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Where SUSP data is read from.
pub(crate) struct Reader<'a> {
    pub source: &'a dyn Source,
    pub block_size: u64,
    /// Bytes to skip at the start of every system use area (`SP`).
    pub skip: usize,
    /// Continuation-area bytes that may still be read for the whole tree.
    pub budget: Cell<u64>,
    /// The budget ran out (warned once).
    pub exhausted: Cell<bool>,
}

#[derive(Default)]
struct Link {
    target: String,
    need_sep: bool,
    done: bool,
}

impl Link {
    fn add_entry(&mut self, e: &[u8]) {
        if self.done || e.len() < 5 {
            return;
        }
        let entry_continues = e[4] & 1 != 0;
        let mut p = 5;
        while p + 2 <= e.len() {
            let flags = e[p];
            let n = usize::from(e[p + 1]);
            let Some(content) = e.get(p + 2..p + 2 + n) else {
                break;
            };
            p += 2 + n;
            if flags & 0x08 != 0 {
                self.target.push('/');
                self.need_sep = false;
                continue;
            }
            let text = if flags & 0x02 != 0 {
                ".".to_string()
            } else if flags & 0x04 != 0 {
                "..".to_string()
            } else {
                String::from_utf8_lossy(content).into_owned()
            };
            if self.need_sep {
                self.target.push('/');
            }
            if self.target.len() + text.len() <= MAX_TEXT {
                self.target.push_str(&text);
            }
            self.need_sep = flags & 0x01 == 0;
        }
        if !entry_continues {
            self.done = true;
        }
    }
}

impl Reader<'_> {
    /// Parses the system use area of the record at `record_offset`,
    /// following continuation areas (`CE`) up to a fixed limit.
    pub(crate) fn parse(
        &self,
        sua: &[u8],
        record_offset: u64,
        warnings: &mut Vec<Warning>,
    ) -> RockRidge {
        let mut rr = RockRidge::default();
        let mut name: Option<Vec<u8>> = None;
        let mut name_done = false;
        let mut link: Option<Link> = None;
        let mut area = sua.get(self.skip..).unwrap_or_default().to_vec();
        let mut area_at = record_offset;
        let mut seen = HashSet::new();
        let mut continuations = 0usize;
        'areas: loop {
            let mut next: Option<(u64, u64)> = None;
            let mut p = 0usize;
            while p + 4 <= area.len() {
                let sig = [area[p], area[p + 1]];
                let len = usize::from(area[p + 2]);
                if sig == [0, 0] {
                    break; // padding
                }
                if len < 4 || p + len > area.len() {
                    warnings.push(Warning {
                        offset: area_at,
                        what: format!(
                            "SUSP entry {:?} of the directory record at offset {record_offset}: length {len} overruns its area; rest ignored",
                            String::from_utf8_lossy(&sig)
                        ),
                    });
                    break;
                }
                let e = &area[p..p + len];
                p += len;
                match &sig {
                    b"ST" => break 'areas,
                    b"CE" if len >= 28 => {
                        if let (Some(lba), Some(off), Some(n)) =
                            (le32(e, 4), le32(e, 12), le32(e, 20))
                        {
                            let at = u64::from(lba)
                                .saturating_mul(self.block_size)
                                .saturating_add(u64::from(off));
                            next = Some((at, u64::from(n).min(MAX_CONTINUATION_LEN)));
                        }
                    }
                    b"NM" if len >= 5 && !name_done => {
                        let flags = e[4];
                        if flags & 0x06 != 0 {
                            name_done = true;
                        } else {
                            let n = name.get_or_insert_with(Vec::new);
                            if n.len() + e.len() - 5 <= MAX_TEXT {
                                n.extend_from_slice(&e[5..]);
                            }
                            if flags & 0x01 == 0 {
                                name_done = true;
                            }
                        }
                    }
                    b"PX" if len >= 36 => {
                        rr.mode = le32(e, 4);
                        rr.uid = le32(e, 20);
                        rr.gid = le32(e, 28);
                    }
                    b"TF" if len >= 5 => {
                        let flags = e[4];
                        let size = if flags & 0x80 != 0 { 17 } else { 7 };
                        let mut at = 5;
                        for bit in 0..7 {
                            if flags & (1 << bit) == 0 {
                                continue;
                            }
                            let Some(raw) = e.get(at..at + size) else {
                                break;
                            };
                            at += size;
                            let t = if size == 17 {
                                time::long(raw)
                            } else {
                                time::short(raw)
                            };
                            match bit {
                                0 => rr.times.crtime = t,
                                1 => rr.times.mtime = t,
                                2 => rr.times.atime = t,
                                3 => rr.times.ctime = t,
                                _ => {}
                            }
                        }
                    }
                    b"SL" => link.get_or_insert_with(Link::default).add_entry(e),
                    b"CL" if len >= 12 => rr.child_link = le32(e, 4),
                    b"RE" => rr.relocated = true,
                    b"ZF" => rr.zisofs = true,
                    _ => {}
                }
            }
            let Some((at, n)) = next else { break };
            continuations += 1;
            if continuations > MAX_CONTINUATIONS || !seen.insert(at) {
                warnings.push(Warning {
                    offset: at,
                    what: format!(
                        "SUSP continuation of the directory record at offset {record_offset}: chain loops or is longer than {MAX_CONTINUATIONS} areas; rest ignored"
                    ),
                });
                break;
            }
            let left = self.budget.get();
            if left < n {
                if !self.exhausted.replace(true) {
                    warnings.push(Warning {
                        offset: at,
                        what: format!(
                            "SUSP continuation of the directory record at offset {record_offset}: continuation areas add up to more than the image size; no more are read"
                        ),
                    });
                }
                break;
            }
            self.budget.set(left - n);
            let mut buf = vec![0u8; n as usize];
            if let Err(e) = self.source.read_exact_at(at, &mut buf) {
                warnings.push(Warning {
                    offset: at,
                    what: format!(
                        "SUSP continuation area of the directory record at offset {record_offset} unreadable: {e}"
                    ),
                });
                break;
            }
            area = buf;
            area_at = at;
        }
        rr.name = name
            .filter(|n| !n.is_empty())
            .map(|n| String::from_utf8_lossy(&n).into_owned());
        rr.link = link.map(|l| l.target);
        rr
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exhibit_evidence::EvidenceError;

    struct Nothing;
    impl Source for Nothing {
        fn read_at(&self, _: u64, _: &mut [u8]) -> Result<usize, EvidenceError> {
            Ok(0)
        }
        fn len(&self) -> u64 {
            0
        }
        fn name(&self) -> &str {
            "nothing"
        }
    }

    #[test]
    fn names_links_modes() {
        let mut sua = Vec::new();
        sua.extend_from_slice(b"NM\x08\x01\x01abc");
        sua.extend_from_slice(b"NM\x07\x01\x00de");
        let mut px = vec![b'P', b'X', 36, 1];
        for v in [0o120777u32, 1, 1000, 100] {
            px.extend_from_slice(&v.to_le_bytes());
            px.extend_from_slice(&v.to_be_bytes());
        }
        sua.extend_from_slice(&px);
        // SL: "/", "..", "a" continued with "b", then "c": /../ab/c
        let comps: &[u8] = b"\x08\x00\x04\x00\x01\x01a\x00\x01b\x00\x01c";
        sua.extend_from_slice(&[b'S', b'L', 5 + comps.len() as u8, 1, 0]);
        sua.extend_from_slice(comps);
        let r = Reader {
            source: &Nothing,
            block_size: 2048,
            skip: 0,
            budget: Cell::new(1 << 20),
            exhausted: Cell::new(false),
        };
        let mut w = Vec::new();
        let rr = r.parse(&sua, 0, &mut w);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(rr.name.as_deref(), Some("abcde"));
        assert_eq!(rr.mode, Some(0o120777));
        assert_eq!(rr.uid, Some(1000));
        assert_eq!(rr.gid, Some(100));
        assert_eq!(rr.link.as_deref(), Some("/../ab/c"));
        // A bad length stops parsing with a warning.
        let rr = r.parse(b"NM\xff\x01\x00x", 7, &mut w);
        assert_eq!(rr.name, None);
        assert_eq!(w.len(), 1);
        assert_eq!(sp_skip(b"SP\x07\x01\xbe\xef\x00"), Some(0));
        assert_eq!(sp_skip(b"SP\x07\x01\xbe\xee\x00"), None);
    }
}

//! Directory entries and entry sets (exFAT specification 6–7), parsed one
//! 32-byte slot at a time.

use exhibit_vfs::Warning;

pub(crate) const TYPE_BITMAP: u8 = 0x81;
pub(crate) const TYPE_UPCASE: u8 = 0x82;
pub(crate) const TYPE_LABEL: u8 = 0x83;
pub(crate) const TYPE_NO_LABEL: u8 = 0x03;
pub(crate) const TYPE_FILE: u8 = 0x85;
pub(crate) const TYPE_GUID: u8 = 0xA0;
pub(crate) const TYPE_TEXFAT: u8 = 0xA1;
pub(crate) const TYPE_ACT: u8 = 0xE2;
pub(crate) const TYPE_STREAM: u8 = 0xC0;
pub(crate) const TYPE_NAME: u8 = 0xC1;
const IN_USE: u8 = 0x80;

pub(crate) const ATTR_READ_ONLY: u16 = 0x01;
pub(crate) const ATTR_HIDDEN: u16 = 0x02;
pub(crate) const ATTR_DIRECTORY: u16 = 0x10;

/// Stream extension flag: the content is contiguous, the FAT is not used.
pub(crate) const NO_FAT_CHAIN: u8 = 0x02;

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// One 32-byte slot of a directory.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    /// Byte offset in the volume.
    pub offset: u64,
    pub raw: [u8; 32],
    /// The slot lies in a cluster the bitmap marks allocated (and the
    /// directory itself is not deleted).
    pub allocated: bool,
}

/// A file's timestamp: field, 10 ms increment, UTC offset byte.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub field: u32,
    pub tens: u8,
    pub utc_offset: u8,
}

/// A file directory entry set.
#[derive(Debug, Clone)]
pub(crate) struct FileSet {
    /// Byte offset of the file entry (0x85).
    pub offset: u64,
    /// In-use bits clear, or in an unallocated cluster.
    pub deleted: bool,
    pub attrs: u16,
    pub created: Stamp,
    pub modified: Stamp,
    pub accessed: Stamp,
    /// Stream extension GeneralSecondaryFlags.
    pub flags: u8,
    pub name: String,
    pub valid_len: u64,
    pub first_cluster: u32,
    pub size: u64,
}

impl FileSet {
    pub(crate) fn is_dir(&self) -> bool {
        self.attrs & ATTR_DIRECTORY != 0
    }

    pub(crate) fn contiguous(&self) -> bool {
        self.flags & NO_FAT_CHAIN != 0
    }

    /// TSK's mode bits: execute for all, read unless read-only, write
    /// unless hidden.
    pub(crate) fn mode(&self) -> u32 {
        let mut m = 0o111;
        if self.attrs & ATTR_READ_ONLY == 0 {
            m |= 0o444;
        }
        if self.attrs & ATTR_HIDDEN == 0 {
            m |= 0o222;
        }
        m
    }
}

/// What a special (non-file) primary entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    Bitmap,
    Upcase,
    Guid,
    TexFat,
    Act,
}

impl Special {
    /// TSK's name for the entry.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Special::Bitmap => "$ALLOC_BITMAP",
            Special::Upcase => "$UPCASE_TABLE",
            Special::Guid => "$VOLUME_GUID",
            Special::TexFat => "$TEX_FAT",
            Special::Act => "$ACCESS_CONTROL_TABLE",
        }
    }
}

/// Something a directory holds.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    File(FileSet),
    /// Volume label (0x83), or "no label" (0x03).
    Label {
        offset: u64,
        text: Option<String>,
    },
    Special {
        offset: u64,
        kind: Special,
        /// Allocation bitmap flags (bit 0: which bitmap).
        flags: u8,
        first_cluster: u32,
        size: u64,
        /// Up-case table checksum.
        checksum: u32,
    },
}

/// UTF-16LE to a string; unpaired surrogates become U+FFFD; control
/// characters become `^` as TSK prints them.
pub(crate) fn utf16(units: &[u16]) -> String {
    char::decode_utf16(units.iter().copied())
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .map(|c| if (c as u32) < 0x20 { '^' } else { c })
        .collect()
}

/// Entry set checksum (specification 6.3.3): all entries of the set,
/// skipping the checksum field of the first.
pub(crate) fn set_checksum(entries: &[[u8; 32]]) -> u16 {
    let mut sum = 0u16;
    for (i, e) in entries.iter().enumerate() {
        for (j, &b) in e.iter().enumerate() {
            if i == 0 && (j == 2 || j == 3) {
                continue;
            }
            sum = sum.rotate_right(1).wrapping_add(u16::from(b));
        }
    }
    sum
}

/// Streaming parser of one directory's slots.
#[derive(Default)]
pub(crate) struct Parser {
    /// The set being collected: its slots, and how many secondaries it
    /// announced.
    current: Vec<Slot>,
    expected: usize,
    pub items: Vec<Item>,
    pub warnings: Vec<Warning>,
    /// Every slot is to be taken as deleted (a deleted directory).
    pub all_deleted: bool,
    path: String,
}

impl Parser {
    pub(crate) fn new(path: &str, all_deleted: bool) -> Self {
        Parser {
            all_deleted,
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
            ..Parser::default()
        }
    }

    fn live(&self, s: &Slot) -> bool {
        s.raw[0] & IN_USE != 0 && s.allocated && !self.all_deleted
    }

    /// Feeds the next slot.
    pub(crate) fn push(&mut self, s: Slot) {
        let t = s.raw[0];
        if !self.current.is_empty() {
            let first_in_use = self.current[0].raw[0] & IN_USE;
            // Secondary entries: 0xC0–0xFF in use, 0x40–0x7F deleted.
            let secondary = t & 0x40 != 0 && t & IN_USE == first_in_use;
            if secondary {
                self.current.push(s);
                if self.current.len() > self.expected {
                    self.finish_set();
                }
                return;
            }
            self.finish_set();
        }
        match t {
            0x00 => {}
            TYPE_FILE | 0x05 => {
                let n = usize::from(s.raw[1]);
                if !(2..=18).contains(&n) {
                    if self.live(&s) {
                        self.warnings.push(Warning {
                            offset: s.offset,
                            what: format!(
                                "directory {}: file entry announces {n} secondary entries (2-18 allowed); skipped",
                                self.path
                            ),
                        });
                    }
                    return;
                }
                self.expected = n;
                self.current.push(s);
            }
            // TSK's check: 1–11 characters.
            TYPE_LABEL if (1..=11).contains(&s.raw[1]) => {
                let n = usize::from(s.raw[1]);
                let units: Vec<u16> = (0..n).map(|i| le16(&s.raw, 2 + 2 * i)).collect();
                self.items.push(Item::Label {
                    offset: s.offset,
                    text: Some(utf16(&units)),
                });
            }
            TYPE_NO_LABEL
                if s.allocated
                    && !self.all_deleted
                    && s.raw[1] == 0
                    && s.raw[2..24].iter().all(|&b| b == 0) =>
            {
                self.items.push(Item::Label {
                    offset: s.offset,
                    text: None,
                });
            }
            TYPE_BITMAP | TYPE_UPCASE | TYPE_GUID | TYPE_TEXFAT | TYPE_ACT => {
                if !s.allocated || self.all_deleted {
                    return;
                }
                let kind = match t {
                    TYPE_BITMAP => Special::Bitmap,
                    TYPE_UPCASE => Special::Upcase,
                    TYPE_GUID => Special::Guid,
                    TYPE_TEXFAT => Special::TexFat,
                    _ => Special::Act,
                };
                let (first_cluster, size) = match kind {
                    Special::Bitmap | Special::Upcase => (le32(&s.raw, 20), le64(&s.raw, 24)),
                    _ => (0, 0),
                };
                self.items.push(Item::Special {
                    offset: s.offset,
                    kind,
                    flags: s.raw[1],
                    first_cluster,
                    size,
                    checksum: le32(&s.raw, 4),
                });
            }
            TYPE_STREAM | TYPE_NAME if self.live(&s) => self.warnings.push(Warning {
                offset: s.offset,
                what: format!(
                    "directory {}: stream or name entry (type {t:#04x}) without a file entry before it; ignored",
                    self.path
                ),
            }),
            _ => {}
        }
    }

    /// Ends the directory.
    pub(crate) fn finish(&mut self) {
        if !self.current.is_empty() {
            self.finish_set();
        }
    }

    fn finish_set(&mut self) {
        let slots = std::mem::take(&mut self.current);
        let Some(primary) = slots.first().copied() else {
            return;
        };
        let live = self.live(&primary);
        let deleted = !live;
        let path = self.path.clone();
        let mut warn = |what: String| {
            self.warnings.push(Warning {
                offset: primary.offset,
                what: format!(
                    "directory {path}: file entry set at offset {}: {what}",
                    primary.offset
                ),
            })
        };
        let Some(stream) = slots
            .get(1)
            .filter(|s| s.raw[0] & 0x7F == TYPE_STREAM & 0x7F)
        else {
            if live {
                warn("no stream extension entry follows the file entry; skipped".into());
            }
            return;
        };
        let complete = slots.len() == self.expected + 1;
        if complete {
            let raws: Vec<[u8; 32]> = slots
                .iter()
                .map(|s| {
                    let mut r = s.raw;
                    r[0] |= IN_USE;
                    r
                })
                .collect();
            let stored = le16(&primary.raw, 2);
            let sum = set_checksum(&raws);
            if stored != sum {
                warn(format!(
                    "set checksum {stored:#06x} does not match the entries ({sum:#06x}){}",
                    if deleted {
                        "; the deleted set may be partly overwritten"
                    } else {
                        ""
                    }
                ));
            }
        } else if live {
            warn(format!(
                "{} of {} secondary entries present",
                slots.len() - 1,
                self.expected
            ));
        }
        let name_len = usize::from(stream.raw[3]);
        let mut units: Vec<u16> = Vec::with_capacity(name_len);
        for s in &slots[2..] {
            if s.raw[0] & 0x7F != TYPE_NAME & 0x7F {
                continue;
            }
            for i in 0..15 {
                if units.len() < name_len {
                    units.push(le16(&s.raw, 2 + 2 * i));
                }
            }
        }
        if units.len() < name_len && live {
            warn(format!(
                "name has {} of its {name_len} characters",
                units.len()
            ));
        }
        let mut name = utf16(&units);
        if name.is_empty() {
            name = format!("_{}", primary.offset);
        }
        let r = &primary.raw;
        self.items.push(Item::File(FileSet {
            offset: primary.offset,
            deleted,
            attrs: le16(r, 4),
            created: Stamp {
                field: le32(r, 8),
                tens: r[20],
                utc_offset: r[22],
            },
            modified: Stamp {
                field: le32(r, 12),
                tens: r[21],
                utc_offset: r[23],
            },
            accessed: Stamp {
                field: le32(r, 16),
                tens: 0,
                utc_offset: r[24],
            },
            flags: stream.raw[1],
            name,
            valid_len: le64(&stream.raw, 8),
            first_cluster: le32(&stream.raw, 20),
            size: le64(&stream.raw, 24),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(at: u64, raw: [u8; 32]) -> Slot {
        Slot {
            offset: at,
            raw,
            allocated: true,
        }
    }

    fn set(name: &str, deleted: bool) -> Vec<[u8; 32]> {
        let units: Vec<u16> = name.encode_utf16().collect();
        let names = units.len().div_ceil(15);
        let mut f = [0u8; 32];
        f[0] = TYPE_FILE;
        f[1] = (1 + names) as u8;
        f[8] = 1;
        let mut st = [0u8; 32];
        st[0] = TYPE_STREAM;
        st[1] = 3;
        st[3] = units.len() as u8;
        st[20] = 5;
        st[24] = 10;
        st[8] = 10;
        let mut v = vec![f, st];
        for chunk in units.chunks(15) {
            let mut n = [0u8; 32];
            n[0] = TYPE_NAME;
            for (i, u) in chunk.iter().enumerate() {
                n[2 + 2 * i..4 + 2 * i].copy_from_slice(&u.to_le_bytes());
            }
            v.push(n);
        }
        let sum = set_checksum(&v);
        v[0][2..4].copy_from_slice(&sum.to_le_bytes());
        if deleted {
            for e in &mut v {
                e[0] &= 0x7F;
            }
        }
        v
    }

    #[test]
    fn parses_sets_and_checks_sums() {
        let mut p = Parser::new("", false);
        let mut at = 0;
        for (name, del) in [("a name longer than fifteen", false), ("gone.txt", true)] {
            for e in set(name, del) {
                p.push(slot(at, e));
                at += 32;
            }
        }
        p.finish();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let files: Vec<(String, bool)> = p
            .items
            .iter()
            .filter_map(|i| match i {
                Item::File(f) => Some((f.name.clone(), f.deleted)),
                _ => None,
            })
            .collect();
        assert_eq!(
            files,
            [
                ("a name longer than fifteen".to_string(), false),
                ("gone.txt".to_string(), true)
            ]
        );
        // A damaged name: checksum warning.
        let mut s = set("x.txt", false);
        s[2][4] ^= 1;
        let mut p = Parser::new("/d", false);
        for e in s {
            p.push(slot(0, e));
        }
        p.finish();
        assert!(p.warnings[0].what.contains("checksum"));
        // A set cut short by another file entry.
        let s = set("y.txt", false);
        let mut p = Parser::new("/d", false);
        p.push(slot(0, s[0]));
        p.push(slot(32, s[1]));
        for e in set("z.txt", false) {
            p.push(slot(64, e));
        }
        p.finish();
        assert_eq!(p.items.len(), 2);
        assert!(p.warnings.iter().any(|w| w.what.contains("1 of 2")));
    }
}

//! Directory entries: 8.3 entries, long-file-name (LFN) entries, volume
//! labels, and the parser that turns directory sectors into named entries
//! the way TSK's `fatxxfs_dent_parse_buf` does.

use exhibit_vfs::Warning;

use crate::boot::{FatKind, Layout};
use crate::time::{valid_date, valid_time};

/// Read-only attribute.
pub(crate) const ATTR_READ_ONLY: u8 = 0x01;
/// Hidden attribute.
pub(crate) const ATTR_HIDDEN: u8 = 0x02;
/// Volume label attribute.
pub(crate) const ATTR_VOLUME: u8 = 0x08;
/// Directory attribute.
pub(crate) const ATTR_DIRECTORY: u8 = 0x10;
/// Archive attribute.
const ATTR_ARCHIVE: u8 = 0x20;
/// The attribute combination marking an LFN entry.
const ATTR_LFN: u8 = 0x0f;
/// First byte of a deleted entry.
pub(crate) const DELETED: u8 = 0xe5;
/// NT case flag: base name in lower case.
const CASE_LOWER_BASE: u8 = 0x08;
/// NT case flag: extension in lower case.
const CASE_LOWER_EXT: u8 = 0x10;
/// Longest LFN: 20 entries of 13 UTF-16 units (255 characters).
const MAX_LFN_PARTS: usize = 20;

/// One 32-byte short (8.3) directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dentry {
    /// Name (8) and extension (3).
    pub name: [u8; 11],
    /// Attribute byte.
    pub attr: u8,
    /// NT case flags (byte 12).
    pub case: u8,
    /// Creation time, 10 ms units (0–199).
    pub ctime_tens: u8,
    /// Creation time.
    pub ctime: u16,
    /// Creation date.
    pub cdate: u16,
    /// Last access date.
    pub adate: u16,
    /// High 16 bits of the first cluster (FAT32).
    pub cluster_hi: u16,
    /// Last write time.
    pub wtime: u16,
    /// Last write date.
    pub wdate: u16,
    /// Low 16 bits of the first cluster.
    pub cluster_lo: u16,
    /// File size in bytes.
    pub size: u32,
}

fn le16(b: &[u8; 32], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// Whether `c` may appear in an 8.3 name (TSK's `FATFS_IS_83_NAME`).
fn is_83_char(c: u8) -> bool {
    !(c < 0x20
        || c == 0x22
        || (0x2a..=0x2c).contains(&c)
        || c == 0x2e
        || c == 0x2f
        || (0x3a..=0x3f).contains(&c)
        || (0x5b..=0x5d).contains(&c)
        || c == 0x7c)
}

/// TSK prints non-ASCII bytes of 8.3 names and control characters as `^`.
fn clean(c: char) -> char {
    if c.is_control() || c == '/' {
        '^'
    } else {
        c
    }
}

impl Dentry {
    /// Decodes a 32-byte slot.
    pub(crate) fn parse(b: &[u8; 32]) -> Dentry {
        let mut name = [0u8; 11];
        name.copy_from_slice(&b[..11]);
        Dentry {
            name,
            attr: b[11],
            case: b[12],
            ctime_tens: b[13],
            ctime: le16(b, 14),
            cdate: le16(b, 16),
            adate: le16(b, 18),
            cluster_hi: le16(b, 20),
            wtime: le16(b, 22),
            wdate: le16(b, 24),
            cluster_lo: le16(b, 26),
            size: u32::from_le_bytes([b[28], b[29], b[30], b[31]]),
        }
    }

    /// A long-file-name entry.
    pub(crate) fn is_lfn(&self) -> bool {
        self.attr & ATTR_LFN == ATTR_LFN
    }

    /// A volume label entry.
    pub(crate) fn is_label(&self) -> bool {
        !self.is_lfn() && self.attr & ATTR_VOLUME != 0
    }

    /// A directory.
    pub(crate) fn is_dir(&self) -> bool {
        !self.is_lfn() && !self.is_label() && self.attr & ATTR_DIRECTORY != 0
    }

    /// `.` or `..`.
    pub(crate) fn is_dot(&self) -> bool {
        self.attr & ATTR_DIRECTORY != 0
            && (&self.name == b".          " || &self.name == b"..         ")
    }

    /// `..` (for checks of deleted directories).
    pub(crate) fn is_dotdot(&self) -> bool {
        self.attr & ATTR_DIRECTORY != 0 && &self.name == b"..         "
    }

    /// `.`.
    pub(crate) fn is_dot_self(&self) -> bool {
        self.attr & ATTR_DIRECTORY != 0 && &self.name == b".          "
    }

    /// Marked deleted (first byte 0xE5).
    pub(crate) fn marked_deleted(&self) -> bool {
        self.name[0] == DELETED
    }

    /// First cluster (the high half counts on FAT32 only).
    pub(crate) fn first_cluster(&self, kind: FatKind) -> u32 {
        let hi = if kind == FatKind::Fat32 {
            u32::from(self.cluster_hi) << 16
        } else {
            0
        };
        (hi | u32::from(self.cluster_lo)) & kind.mask()
    }

    /// TSK's Unix mode for FAT attributes: always `x`; `r` unless
    /// read-only; `w` unless hidden.
    pub(crate) fn mode(&self) -> u32 {
        let mut m = 0o111;
        if self.attr & ATTR_READ_ONLY == 0 {
            m |= 0o444;
        }
        if self.attr & ATTR_HIDDEN == 0 {
            m |= 0o222;
        }
        m
    }

    fn is_83_name(&self) -> bool {
        let n = &self.name;
        if n[0] != 0x05 && n[0] != b'.' && !is_83_char(n[0]) {
            return false;
        }
        if n[0] == 0x20 {
            return false;
        }
        if n[1] == b'.' {
            if n[0] != b'.' {
                return false;
            }
        } else if !is_83_char(n[1]) {
            return false;
        }
        if !n[2..].iter().all(|&c| is_83_char(c)) {
            return false;
        }
        if self.attr & ATTR_VOLUME == 0 {
            // Windows pads with spaces only at the end of each part.
            for i in 1..7 {
                if n[i] == 0x20 && n[i + 1] != 0x20 {
                    return false;
                }
            }
            if n[9] == 0x20 && n[10] != 0x20 {
                return false;
            }
        }
        true
    }

    /// Whether the slot holds a plausible short entry (TSK's
    /// `fatxxfs_is_dentry`); `basic` skips the checks of optional fields,
    /// as TSK does for entries in allocated sectors. The reason otherwise.
    pub(crate) fn check(&self, layout: &Layout, basic: bool) -> Result<(), &'static str> {
        if !basic {
            if self.case & !(CASE_LOWER_BASE | CASE_LOWER_EXT) != 0 {
                return Err("reserved case flags set");
            }
            if self.attr & !0x3f != 0 {
                return Err("reserved attribute bits set");
            }
            if self.attr & ATTR_VOLUME != 0
                && self.attr & (ATTR_DIRECTORY | ATTR_READ_ONLY | ATTR_ARCHIVE) != 0
            {
                return Err("volume label with file attributes");
            }
            if self.ctime != 0 && !valid_time(self.ctime) {
                return Err("invalid creation time");
            }
            if self.wtime != 0 && !valid_time(self.wtime) {
                return Err("invalid write time");
            }
            if self.cdate != 0 && !valid_date(self.cdate) {
                return Err("invalid creation date");
            }
            if self.ctime_tens > 199 {
                return Err("invalid creation time hundredths");
            }
            if self.adate != 0 && !valid_date(self.adate) {
                return Err("invalid access date");
            }
            if self.wdate != 0 && !valid_date(self.wdate) {
                return Err("invalid write date");
            }
        }
        let cluster = self.first_cluster(layout.kind);
        if cluster > layout.last_cluster && cluster < layout.kind.eoc() {
            return Err("first cluster beyond the volume");
        }
        if u64::from(self.size) > layout.data_area_bytes() {
            return Err("size larger than the data area");
        }
        if self.size > 0 && cluster == 0 {
            return Err("non-zero size without a first cluster");
        }
        if !self.is_83_name() {
            return Err("not a valid 8.3 name");
        }
        if self.ctime == 0
            && self.wtime == 0
            && self.cdate == 0
            && self.adate == 0
            && self.wdate == 0
            && cluster == 0
            && self.size == 0
        {
            return Err("nearly all fields zero");
        }
        Ok(())
    }

    /// The 8.3 name as TSK prints it: padding removed, `.` before the
    /// extension, NT lower-case flags applied, `_` for the deleted marker,
    /// `^` for non-ASCII and control bytes.
    pub(crate) fn short_name(&self) -> String {
        let mut s = String::with_capacity(12);
        let push = |s: &mut String, c: u8, lower: bool| {
            let c = if lower && c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c
            };
            s.push(if c.is_ascii() { clean(c as char) } else { '^' });
        };
        for (i, &c) in self.name[..8].iter().enumerate() {
            if c == 0 || c == 0xff || c == 0x20 {
                continue;
            }
            if i == 0 && c == DELETED {
                s.push('_');
            } else {
                push(&mut s, c, self.case & CASE_LOWER_BASE != 0);
            }
        }
        for (i, &c) in self.name[8..].iter().enumerate() {
            if c == 0 || c == 0xff || c == 0x20 {
                continue;
            }
            if i == 0 {
                s.push('.');
            }
            push(&mut s, c, self.case & CASE_LOWER_EXT != 0);
        }
        s
    }

    /// A volume label entry's name as TSK prints it: all 11 bytes, padding
    /// included, then ` (Volume Label Entry)`.
    pub(crate) fn label_name(&self) -> String {
        let mut s: String = self
            .name
            .iter()
            .map(|&c| {
                if (0x20..0x7f).contains(&c) && c != b'/' {
                    c as char
                } else {
                    '^'
                }
            })
            .collect();
        s.push_str(" (Volume Label Entry)");
        s
    }

    /// The label text (padding trimmed), for [`exhibit_vfs::FileSystem::label`].
    pub(crate) fn label_text(&self) -> String {
        self.name
            .iter()
            .map(|&c| {
                if (0x20..0x7f).contains(&c) {
                    c as char
                } else {
                    '^'
                }
            })
            .collect::<String>()
            .trim_end()
            .to_string()
    }
}

/// The checksum of an 8.3 name stored in its LFN entries.
pub(crate) fn lfn_checksum(name: &[u8; 11]) -> u8 {
    name.iter()
        .fold(0u8, |sum, &c| sum.rotate_right(1).wrapping_add(c))
}

/// One LFN entry.
#[derive(Debug, Clone, Copy)]
struct LfnPart {
    seq: u8,
    chk: u8,
    units: [u16; 13],
}

impl LfnPart {
    fn parse(b: &[u8; 32]) -> LfnPart {
        let mut units = [0u16; 13];
        let at = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
        for (u, &i) in units.iter_mut().zip(at.iter()) {
            *u = le16(b, i);
        }
        LfnPart {
            seq: b[0],
            chk: b[13],
            units,
        }
    }

    /// TSK's validity test for LFN slots: sequence ≤ 0x4F or deleted.
    fn plausible(b: &[u8; 32]) -> bool {
        b[0] <= 0x4f || b[0] == DELETED
    }
}

/// A characters a generated 8.3 name may start with.
fn plausible_short_first(b: u8) -> bool {
    b.is_ascii_uppercase()
        || b.is_ascii_digit()
        || b"!#$%&'()-@^_`{}~".contains(&b)
        || (b >= 0x80 && b != DELETED)
}

/// Long name from collected LFN entries (in on-disk order) for the 8.3
/// entry `d`, checked against its checksum; `Err` says why not.
fn resolve_lfn(parts: &[LfnPart], d: &Dentry) -> Result<Option<String>, String> {
    let Some(first) = parts.first() else {
        return Ok(None);
    };
    if parts.len() > MAX_LFN_PARTS {
        return Err(format!("{} long-name entries, more than 20", parts.len()));
    }
    let chk = first.chk;
    // Name: the entries are stored last part first.
    let mut units: Vec<u16> = parts.iter().rev().flat_map(|p| p.units).collect();
    if let Some(end) = units.iter().position(|&u| u == 0) {
        units.truncate(end);
    }
    while units.last() == Some(&0xffff) {
        units.pop();
    }
    if units.is_empty() {
        return Err("long name is empty".into());
    }
    let name: String = char::decode_utf16(units.iter().copied())
        .map(|r| clean(r.unwrap_or(char::REPLACEMENT_CHARACTER)))
        .collect();

    let own = lfn_checksum(&d.name);
    if own != chk {
        if !d.marked_deleted() {
            return Err(format!(
                "checksum {chk:#04x} does not match the 8.3 name's {own:#04x}"
            ));
        }
        // The deleted marker overwrote the first byte the checksum covers:
        // find the byte that makes it match and require it to be the
        // plausible start of a short name made from this long name.
        let mut probe = d.name;
        let Some(b) = (0..=255u8).find(|&b| {
            probe[0] = b;
            lfn_checksum(&probe) == chk
        }) else {
            return Err(format!("checksum {chk:#04x} cannot match the 8.3 name"));
        };
        let lead = name.chars().find(|&c| c != '.' && c != ' ');
        let ok = match lead {
            Some(c) if c.is_ascii_alphanumeric() => {
                u32::from(b) == u32::from(c.to_ascii_uppercase())
            }
            _ => plausible_short_first(b),
        };
        if !ok {
            return Err(format!(
                "checksum {chk:#04x} does not fit the deleted 8.3 name (would need first byte {b:#04x})"
            ));
        }
    }
    if parts.iter().any(|p| p.seq != DELETED) {
        let n = parts.len();
        for (i, p) in parts.iter().enumerate() {
            let want = (n - i) as u8 | if i == 0 { 0x40 } else { 0 };
            if p.seq != want {
                return Err(format!(
                    "sequence numbers out of order (entry {} has {:#04x}, expected {want:#04x})",
                    i + 1,
                    p.seq
                ));
            }
        }
    }
    Ok(Some(name))
}

/// A named entry found in a directory.
#[derive(Debug, Clone)]
pub(crate) struct Named {
    /// TSK inode number of the 8.3 (or label) slot.
    pub inode: u64,
    /// Byte offset of that slot in the volume.
    pub offset: u64,
    /// Name as printed (long name, else 8.3; labels with their suffix).
    pub name: String,
    /// The short entry.
    pub dentry: Dentry,
    /// Unallocated: marked deleted, or in a sector the FAT says is free.
    pub deleted: bool,
}

/// Parses a directory's sectors in order, keeping LFN state across them.
pub(crate) struct DirParser<'a> {
    layout: &'a Layout,
    lfn: Vec<LfnPart>,
    lfn_offset: u64,
    seen: u32,
    invalid: u32,
    corrupt: bool,
    ended: bool,
    /// Entries found.
    pub named: Vec<Named>,
    /// Oddities.
    pub warnings: Vec<Warning>,
}

impl<'a> DirParser<'a> {
    /// A parser for one directory.
    pub(crate) fn new(layout: &'a Layout) -> Self {
        DirParser {
            layout,
            lfn: Vec::new(),
            lfn_offset: 0,
            seen: 0,
            invalid: 0,
            corrupt: false,
            ended: false,
            named: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn drop_lfn(&mut self, why: &str) {
        if !self.lfn.is_empty() {
            self.warnings.push(Warning {
                offset: self.lfn_offset,
                what: format!(
                    "{} long-file-name entr{} not followed by their 8.3 entry ({why}); ignored",
                    self.lfn.len(),
                    if self.lfn.len() == 1 { "y" } else { "ies" }
                ),
            });
            self.lfn.clear();
        }
    }

    /// Parses one sector `sector` (volume sector number) holding `bytes`;
    /// `allocated` is the FAT's say on the sector's cluster.
    pub(crate) fn sector(&mut self, sector: u64, allocated: bool, bytes: &[u8]) {
        let base_inode = self.layout.sector_inode(sector);
        let base_offset = sector * self.layout.sector_size;
        for (i, chunk) in bytes.chunks_exact(32).enumerate() {
            let Ok(raw) = <&[u8; 32]>::try_from(chunk) else {
                continue;
            };
            let offset = base_offset + i as u64 * 32;
            let inode = base_inode + i as u64;
            self.seen = self.seen.saturating_add(1);
            if raw[0] == 0 && !self.ended {
                self.ended = true;
                self.drop_lfn("end of directory");
            }
            let d = Dentry::parse(raw);
            if d.is_lfn() {
                if !LfnPart::plausible(raw) {
                    self.invalid = self.invalid.saturating_add(1);
                    self.note_invalid();
                    continue;
                }
                let part = LfnPart::parse(raw);
                let starts = part.seq & 0x40 != 0 && part.seq != DELETED;
                let differs = self.lfn.last().is_some_and(|p| p.chk != part.chk);
                if starts || differs {
                    self.drop_lfn("a new long name starts");
                }
                if self.lfn.is_empty() {
                    self.lfn_offset = offset;
                }
                self.lfn.push(part);
                continue;
            }
            let basic = !self.corrupt && allocated;
            if let Err(why) = d.check(self.layout, basic) {
                self.invalid = self.invalid.saturating_add(1);
                self.note_invalid();
                if allocated && !self.ended && !d.marked_deleted() {
                    self.warnings.push(Warning {
                        offset,
                        what: format!("directory entry {inode} skipped: {why}"),
                    });
                }
                self.drop_lfn(why);
                continue;
            }
            if d.is_dot() {
                self.drop_lfn("followed by a dot entry");
                continue;
            }
            let name = if d.is_label() {
                self.drop_lfn("followed by a volume label");
                d.label_name()
            } else {
                let parts = std::mem::take(&mut self.lfn);
                match resolve_lfn(&parts, &d) {
                    Ok(Some(long)) => long,
                    Ok(None) => d.short_name(),
                    Err(why) => {
                        self.warnings.push(Warning {
                            offset: self.lfn_offset,
                            what: format!(
                                "long file name of entry {inode} unusable ({why}); using the 8.3 name"
                            ),
                        });
                        d.short_name()
                    }
                }
            };
            if allocated && self.ended && !d.marked_deleted() {
                self.warnings.push(Warning {
                    offset,
                    what: format!(
                        "entry {inode} ({name}) lies after the end-of-directory mark; listed as allocated, as TSK does"
                    ),
                });
            }
            self.named.push(Named {
                inode,
                offset,
                name,
                dentry: d,
                deleted: d.marked_deleted() || !allocated,
            });
        }
    }

    fn note_invalid(&mut self) {
        // TSK: if the first four slots are all invalid, the "directory" is
        // probably file data: check every remaining entry fully.
        if self.seen == 4 && self.invalid == 4 {
            self.corrupt = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_and_names() {
        let mut d = Dentry::parse(&[0u8; 32]);
        d.name = *b"SYSTEM~1   ";
        assert_eq!(lfn_checksum(&d.name), 0x72);
        d.name = *b"MULT2   DAT";
        d.case = 0x18;
        assert_eq!(d.short_name(), "mult2.dat");
        d.name[0] = DELETED;
        assert_eq!(d.short_name(), "_ult2.dat");
        d.name = *b"FAT_REC_1  ";
        assert_eq!(d.label_name(), "FAT_REC_1   (Volume Label Entry)");
    }
}

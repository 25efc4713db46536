//! The data model (volume system, volume, warning) and the name tables for
//! MBR partition type codes and GPT partition type GUIDs.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// Which partitioning scheme a [`VolumeSystem`] was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VolumeSystemKind {
    /// DOS / MBR partition table, with any extended (EBR) chain.
    Dos,
    /// GUID Partition Table (UEFI).
    Gpt,
    /// No valid partition table: the whole source is one volume (for
    /// example a bare file system image).
    None,
}

impl VolumeSystemKind {
    /// The header line `mmls` prints for this scheme.
    pub fn mmls_name(self) -> &'static str {
        match self {
            VolumeSystemKind::Dos => "DOS Partition Table",
            VolumeSystemKind::Gpt => "GUID Partition Table (EFI)",
            VolumeSystemKind::None => "No Partition Table",
        }
    }
}

/// What a row of the volume list describes, as `mmls` classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VolumeKind {
    /// A partition described by a table entry (may hold a file system).
    Allocated,
    /// Sectors not covered by any partition.
    Unallocated,
    /// Sectors holding the partitioning structures themselves (tables,
    /// headers, extended-partition containers).
    Meta,
}

/// One row of the volume list: a partition, a gap or a table structure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Volume {
    /// Row number, as `mmls` prints it in its first column (0-based, in
    /// order of `start`).
    pub index: usize,
    /// Where the entry lives in the tables, `mmls` style: `"000:001"` is
    /// table 0 (the MBR), entry 1; `"001:000"` is the first entry of the
    /// first extended table; GPT entries are `"000"`, `"001"`, …. `None` for
    /// unallocated gaps and for the tables themselves.
    pub slot: Option<String>,
    /// First sector.
    pub start: u64,
    /// Length in sectors.
    pub length: u64,
    /// Allocated, unallocated or meta.
    pub kind: VolumeKind,
    /// Human description as `mmls` prints it, e.g. `"Linux (0x83)"`, the
    /// GPT partition name, `"Unallocated"`, `"Primary Table (#0)"`.
    pub description: String,
    /// MBR partition type byte, for DOS entries.
    pub type_code: Option<u8>,
    /// GPT partition type GUID (upper-case, canonical form), for GPT entries.
    pub type_guid: Option<String>,
    /// GPT unique partition GUID, for GPT entries.
    pub guid: Option<String>,
}

impl Volume {
    /// Last sector (inclusive), as `mmls` prints it in the `End` column.
    /// For an empty volume this is `start - 1` (saturating at 0).
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.length).saturating_sub(1)
    }

    /// The byte range `[start * sector_size, (start + length) * sector_size)`
    /// (saturating; callers clamp it to the source length, since a table may
    /// describe sectors beyond the end of the image).
    pub fn byte_range(&self, sector_size: u64) -> Range<u64> {
        let begin = self.start.saturating_mul(sector_size);
        let end = self
            .start
            .saturating_add(self.length)
            .saturating_mul(sector_size);
        begin..end
    }

    /// True for a partition described by a table entry.
    pub fn is_allocated(&self) -> bool {
        self.kind == VolumeKind::Allocated
    }
}

/// Something odd found while reading the tables that did not stop the read:
/// a damaged checksum, a loop, a partition beyond the end of the image, …
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Byte offset in the source of the structure concerned.
    pub offset: u64,
    /// What was found.
    pub what: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte offset {}: {}", self.offset, self.what)
    }
}

/// A parsed volume system: every partition, gap and table structure, sorted
/// by start sector exactly as `mmls` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VolumeSystem {
    /// Which scheme was found.
    pub kind: VolumeSystemKind,
    /// Sector size in bytes the table was read with; all `start`/`length`
    /// values are in these units.
    pub sector_size: u64,
    /// The rows, in `mmls` order.
    pub volumes: Vec<Volume>,
    /// Anomalies found while reading.
    pub warnings: Vec<Warning>,
}

impl VolumeSystem {
    /// The partitions only (rows of kind [`VolumeKind::Allocated`]).
    pub fn allocated(&self) -> impl Iterator<Item = &Volume> {
        self.volumes.iter().filter(|v| v.is_allocated())
    }
}

/// The `mmls` description of an MBR partition type byte, e.g.
/// `"Linux (0x83)"`. Strings follow The Sleuth Kit's table for the common
/// types; others read `"Unknown Type (0x..)"`.
pub fn mbr_type_description(code: u8) -> String {
    let name = match code {
        0x00 => "Empty",
        0x01 => "DOS FAT12",
        0x02 => "XENIX root",
        0x03 => "XENIX /usr",
        0x04 | 0x06 => "DOS FAT16",
        0x05 => "DOS Extended",
        0x07 => "NTFS / exFAT",
        0x08 => "AIX Boot",
        0x09 => "AIX Data",
        0x0a => "OS/2 Boot Manager",
        0x0b | 0x0c => "Win95 FAT32",
        0x0e => "Win95 FAT16",
        0x0f => "Win95 Extended",
        0x11 => "DOS FAT12 Hidden",
        0x12 => "Hibernation",
        0x14 | 0x16 => "DOS FAT16 Hidden",
        0x17 => "Hidden IFS/HPFS",
        0x19 | 0x1b | 0x1c => "Win95 FAT32 Hidden",
        0x1e => "Win95 FAT16 Hidden",
        0x42 => "Win LVM / Secure FS",
        0x63 => "UNIX System V",
        0x64..=0x69 => "Novell Netware",
        0x80 => "MINIX <=v1.4a",
        0x81 => "MINIX >=v1.4b, Early Linux",
        0x82 => "Linux Swap / Solaris x86",
        0x83 => "Linux",
        0x84 => "Hibernation",
        0x85 => "Linux Extended",
        0x86 | 0x87 => "NTFS Volume Set",
        0x8e => "Linux Logical Volume Manager",
        0x93 => "Linux Hidden",
        0x9f => "BSD/OS",
        0xa0 | 0xa1 => "Hibernation",
        0xa5 => "BSD/386, 386BSD, NetBSD, FreeBSD",
        0xa6 => "OpenBSD",
        0xa7 => "NeXTSTEP",
        0xa8 => "Mac OS X",
        0xa9 => "NetBSD",
        0xab => "Mac OS X Boot Partition",
        0xaf => "Mac OS X HFS",
        0xb7 => "BSDI",
        0xb8 => "BSDI Swap",
        0xbe => "Solaris 8 Boot",
        0xc2 => "Hidden Linux",
        0xc3 => "Hidden Linux Swap",
        0xda => "Non-FS Data",
        0xde => "Dell Utilities FAT",
        0xeb => "BeOS BFS",
        0xee => "GPT Safety Partition",
        0xef => "EFI File System",
        0xfb => "VMWare File System",
        0xfc => "VMWare Swap",
        0xfd => "Linux RAID",
        0xff => "Xenix Bad Block Table",
        _ => "Unknown Type",
    };
    format!("{name} (0x{code:02x})")
}

/// True for the MBR type codes that denote an extended partition
/// (a container holding a chain of extended boot records).
pub fn is_extended_type(code: u8) -> bool {
    matches!(code, 0x05 | 0x0f | 0x85)
}

/// Name of a well-known GPT partition type GUID (canonical upper-case form,
/// as produced by [`format_guid`]), or `None` if it is not in the table.
pub fn gpt_type_name(type_guid: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI System"),
        (
            "024DEE41-33E7-11D3-9D69-0008C781F39F",
            "MBR partition scheme",
        ),
        (
            "21686148-6449-6E6F-744E-656564454649",
            "BIOS boot partition",
        ),
        (
            "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
            "Basic data partition",
        ),
        ("E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved"),
        (
            "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC",
            "Windows recovery environment",
        ),
        ("5808C8AA-7E8F-42E0-85D2-E1E90434CFB3", "LDM metadata"),
        ("AF9B60A0-1431-4F62-BC68-3311714A69AD", "LDM data"),
        ("E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D", "Storage Spaces"),
        ("0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem"),
        ("0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap"),
        ("E6D6D379-F507-44C2-A23C-238F2A3DF928", "Linux LVM"),
        ("A19D880F-05FC-4D3B-A006-743F0F84911E", "Linux RAID"),
        ("44479540-F297-41B2-9AF7-D131D5F0458A", "Linux root (x86)"),
        (
            "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709",
            "Linux root (x86-64)",
        ),
        ("B921B045-1DF0-41C3-AF44-4C6F280D3FAE", "Linux root (ARM64)"),
        ("933AC7E1-2EB4-4F13-B844-0E14E2AEF915", "Linux home"),
        (
            "BC13C2FF-59E6-4262-A352-B275FD6F7172",
            "Linux extended boot",
        ),
        ("CA7D7CCB-63ED-4C53-861C-1742536059CC", "Linux LUKS"),
        ("48465300-0000-11AA-AA11-00306543ECAC", "Apple HFS+"),
        ("7C3457EF-0000-11AA-AA11-00306543ECAC", "Apple APFS"),
        ("426F6F74-0000-11AA-AA11-00306543ECAC", "Apple boot"),
        ("55465300-0000-11AA-AA11-00306543ECAC", "Apple UFS"),
        ("52414944-0000-11AA-AA11-00306543ECAC", "Apple RAID"),
        (
            "6A898CC3-1DD2-11B2-99A6-080020736631",
            "Solaris /usr or Apple ZFS",
        ),
        ("516E7CB4-6ECF-11D6-8FF8-00022D09712B", "FreeBSD data"),
        ("83BD6B9D-7F41-11DC-BE0B-001560B84F0F", "FreeBSD boot"),
        ("516E7CB5-6ECF-11D6-8FF8-00022D09712B", "FreeBSD swap"),
        ("516E7CB6-6ECF-11D6-8FF8-00022D09712B", "FreeBSD UFS"),
        ("516E7CBA-6ECF-11D6-8FF8-00022D09712B", "FreeBSD ZFS"),
        ("FE3A2A5D-4F32-41A7-B725-ACCC3285A309", "ChromeOS kernel"),
        ("3CB8E202-3B7E-47DD-8A3C-7FF2A13CFCEC", "ChromeOS root"),
        ("AA31E02A-400F-11DB-9590-000C2911D1B8", "VMware VMFS"),
        ("9D275380-40AD-11DB-BF97-000C2911D1B8", "VMware reserved"),
    ];
    TABLE
        .iter()
        .find(|(guid, _)| guid.eq_ignore_ascii_case(type_guid))
        .map(|&(_, name)| name)
}

/// Formats 16 on-disk GUID bytes (mixed-endian, as stored in GPT) in the
/// canonical upper-case form `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`.
pub fn format_guid(b: &[u8; 16]) -> String {
    format!(
        "{:02X}{:02X}{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
        b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
    )
}

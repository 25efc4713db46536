//! GUID Partition Tables: header and entry-array CRC checks, fall-back to
//! the backup header, entries of any size ≥ 128 bytes, UTF-16LE names.

use exhibit_evidence::Source;

use crate::types::{format_guid, gpt_type_name};
use crate::{
    mbr, read_bytes, read_sector, Layout, VolumeError, VolumeKind, VolumeSystem, VolumeSystemKind,
    Warning, MAX_GPT_ENTRY_ARRAY_BYTES,
};

const SIGNATURE: &[u8; 8] = b"EFI PART";
const MIN_HEADER_SIZE: u32 = 92;
const MIN_ENTRY_SIZE: u32 = 128;

/// What looking for a GPT found.
pub(crate) enum Outcome {
    /// A usable GPT (possibly with warnings).
    Found(VolumeSystem),
    /// No GPT header signature anywhere it was looked for.
    Absent,
    /// Headers were found but none is usable: why.
    Damaged(Warning),
}

/// The fields of a header that passed the sanity checks.
struct Header {
    lba: u64,
    header_size: u32,
    crc_stored: u32,
    crc_computed: u32,
    my_lba: u64,
    alternate_lba: u64,
    first_usable: u64,
    last_usable: u64,
    entries_lba: u64,
    num_entries: u32,
    entry_size: u32,
    entries_crc: u32,
}

impl Header {
    fn crc_ok(&self) -> bool {
        self.crc_stored == self.crc_computed
    }
}

enum Probe {
    Absent,
    Bad(u64, String),
    Found(Header),
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map_or(0, u32::from_le_bytes)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(0, u64::from_le_bytes)
}

fn guid_at(b: &[u8], at: usize) -> [u8; 16] {
    b.get(at..at + 16)
        .and_then(|s| <[u8; 16]>::try_from(s).ok())
        .unwrap_or([0; 16])
}

fn read_header(source: &dyn Source, ss: u64, lba: u64) -> Result<Probe, VolumeError> {
    let Some(sector) = read_sector(source, lba, ss)? else {
        return Ok(Probe::Absent);
    };
    if sector.get(..8) != Some(&SIGNATURE[..]) {
        return Ok(Probe::Absent);
    }
    let offset = lba.saturating_mul(ss);
    let bad = |what: String| {
        Ok(Probe::Bad(
            offset,
            format!("GPT header at LBA {lba}: {what}"),
        ))
    };
    let header_size = u32_at(&sector, 12);
    if header_size < MIN_HEADER_SIZE || u64::from(header_size) > ss {
        return bad(format!(
            "header size {header_size} is outside {MIN_HEADER_SIZE}..={ss}"
        ));
    }
    let mut copy = sector[..header_size as usize].to_vec();
    copy[16..20].fill(0);
    let entry_size = u32_at(&sector, 84);
    if entry_size < MIN_ENTRY_SIZE {
        return bad(format!(
            "partition entry size {entry_size} is below {MIN_ENTRY_SIZE}"
        ));
    }
    let entries_lba = u64_at(&sector, 72);
    if entries_lba.checked_mul(ss).is_none() {
        return bad(format!("entry array LBA {entries_lba} is impossible"));
    }
    Ok(Probe::Found(Header {
        lba,
        header_size,
        crc_stored: u32_at(&sector, 16),
        crc_computed: crc32fast::hash(&copy),
        my_lba: u64_at(&sector, 24),
        alternate_lba: u64_at(&sector, 32),
        first_usable: u64_at(&sector, 40),
        last_usable: u64_at(&sector, 48),
        entries_lba,
        num_entries: u32_at(&sector, 80),
        entry_size,
        entries_crc: u32_at(&sector, 88),
    }))
}

/// Why a probe is not a usable header, for warnings.
fn describe(probe: &Probe, ss: u64, lba: u64) -> Warning {
    match probe {
        Probe::Absent => Warning {
            offset: lba.saturating_mul(ss),
            what: format!("no GPT header signature at LBA {lba}"),
        },
        Probe::Bad(offset, what) => Warning {
            offset: *offset,
            what: what.clone(),
        },
        Probe::Found(h) => crc_warning(h, ss),
    }
}

fn crc_warning(h: &Header, ss: u64) -> Warning {
    Warning {
        offset: h.lba.saturating_mul(ss),
        what: format!(
            "GPT header at LBA {} fails its CRC32 check (stored 0x{:08x}, computed 0x{:08x})",
            h.lba, h.crc_stored, h.crc_computed
        ),
    }
}

/// How useful a probe is, for choosing among backup candidates.
fn rank(p: &Probe) -> u8 {
    match p {
        Probe::Found(h) if h.crc_ok() => 3,
        Probe::Found(_) => 2,
        Probe::Bad(..) => 1,
        Probe::Absent => 0,
    }
}

/// Looks for a GPT with sectors of `ss` bytes: the primary header at LBA 1,
/// else the backup at the last LBA (or where the primary says it is).
/// `protective` says whether sector 0 is a protective MBR.
pub(crate) fn read(source: &dyn Source, ss: u64, protective: bool) -> Result<Outcome, VolumeError> {
    let primary = match read_header(source, ss, 1)? {
        Probe::Found(h) if h.crc_ok() => {
            return Ok(Outcome::Found(build(
                source,
                ss,
                protective,
                h,
                Vec::new(),
            )?));
        }
        other => other,
    };

    // The primary is missing or damaged: look for the backup.
    let total = source.len() / ss;
    let mut candidates = Vec::new();
    if total > 2 {
        candidates.push(total - 1);
    }
    if let Probe::Found(h) = &primary {
        let alt = h.alternate_lba;
        if alt > 1 && alt < total && !candidates.contains(&alt) {
            candidates.push(alt);
        }
    }
    let mut backup: Option<(u64, Probe)> = None;
    for lba in candidates {
        let probe = read_header(source, ss, lba)?;
        if backup.as_ref().is_none_or(|(_, b)| rank(&probe) > rank(b)) {
            backup = Some((lba, probe));
        }
    }
    let (backup_lba, backup) = backup.unwrap_or((total.saturating_sub(1), Probe::Absent));

    let mut notes = Vec::new();
    let header = match (primary, backup) {
        (Probe::Absent, Probe::Absent) => return Ok(Outcome::Absent),
        (p, Probe::Found(b)) if b.crc_ok() => {
            notes.push(describe(&p, ss, 1));
            notes.push(Warning {
                offset: b.lba.saturating_mul(ss),
                what: format!(
                    "primary GPT header unusable; using the backup header at LBA {}",
                    b.lba
                ),
            });
            b
        }
        (Probe::Found(p), b) => {
            notes.push(crc_warning(&p, ss));
            notes.push(describe(&b, ss, backup_lba));
            notes.push(Warning {
                offset: ss,
                what: "no GPT header passes its CRC32 check; using the primary header anyway"
                    .into(),
            });
            p
        }
        (p, Probe::Found(b)) => {
            notes.push(describe(&p, ss, 1));
            notes.push(crc_warning(&b, ss));
            notes.push(Warning {
                offset: b.lba.saturating_mul(ss),
                what: format!(
                    "no GPT header passes its CRC32 check; using the backup header at LBA {} anyway",
                    b.lba
                ),
            });
            b
        }
        (p, b) => {
            notes.push(describe(&p, ss, 1));
            notes.push(describe(&b, ss, backup_lba));
            return Ok(finish_damaged(notes));
        }
    };
    Ok(Outcome::Found(build(
        source, ss, protective, header, notes,
    )?))
}

fn finish_damaged(notes: Vec<Warning>) -> Outcome {
    let offset = notes.first().map_or(0, |w| w.offset);
    let what = notes
        .iter()
        .map(|w| w.what.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    Outcome::Damaged(Warning { offset, what })
}

/// Reads the entry array of `header` and lists the partitions.
fn build(
    source: &dyn Source,
    ss: u64,
    protective: bool,
    header: Header,
    notes: Vec<Warning>,
) -> Result<VolumeSystem, VolumeError> {
    let mut layout = Layout::new(source, ss);
    for w in notes {
        layout.warn(w.offset, w.what);
    }
    let header_offset = header.lba.saturating_mul(ss);

    if protective {
        if let Some(s0) = read_sector(source, 0, ss)? {
            let others = mbr::entries(&s0)
                .iter()
                .filter(|e| e.size != 0 && e.ptype != 0 && e.ptype != 0xee)
                .count();
            if others > 0 {
                layout.warn(
                    446,
                    format!("hybrid MBR: besides the GPT protective entry it describes {others} DOS partition(s); the GPT is used"),
                );
            }
        }
        layout.push(
            0,
            VolumeKind::Meta,
            0,
            1,
            None,
            "Safety Table".into(),
            None,
            None,
        );
    } else {
        layout.warn(
            0,
            "no protective MBR in sector 0 (wiped or overwritten?); GPT found by its header",
        );
    }

    layout.push(
        header_offset,
        VolumeKind::Meta,
        header.lba,
        u64::from(header.header_size).div_ceil(ss),
        None,
        "GPT Header".into(),
        None,
        None,
    );
    if header.my_lba != header.lba {
        layout.warn(
            header_offset,
            format!(
                "GPT header at LBA {} records its own location as LBA {}",
                header.lba, header.my_lba
            ),
        );
    }

    let entry_size = u64::from(header.entry_size);
    let array_bytes = entry_size * u64::from(header.num_entries);
    let array_offset = header.entries_lba.saturating_mul(ss);
    let table_sectors = array_bytes.div_ceil(ss);
    if table_sectors > 0 {
        layout.push(
            header_offset,
            VolumeKind::Meta,
            header.entries_lba,
            table_sectors,
            None,
            "Partition Table".into(),
            None,
            None,
        );
    }
    let wanted = array_bytes.min(MAX_GPT_ENTRY_ARRAY_BYTES);
    if array_bytes > wanted {
        layout.warn(
            header_offset,
            format!(
                "GPT entry array of {} entries × {} bytes exceeds the {} byte bound; only its start is read",
                header.num_entries, header.entry_size, MAX_GPT_ENTRY_ARRAY_BYTES
            ),
        );
    }
    let array = read_bytes(source, array_offset, wanted)?;
    if array.len() as u64 == array_bytes {
        let crc = crc32fast::hash(&array);
        if crc != header.entries_crc {
            layout.warn(
                array_offset,
                format!(
                    "GPT entry array fails its CRC32 check (stored 0x{:08x}, computed 0x{crc:08x})",
                    header.entries_crc
                ),
            );
        }
    } else {
        layout.warn(
            array_offset,
            format!(
                "GPT entry array ({array_bytes} bytes at LBA {}) is incomplete in the image \
                 ({} bytes read); its CRC32 cannot be checked",
                header.entries_lba,
                array.len()
            ),
        );
    }

    let usable = header.first_usable..=header.last_usable;
    for (i, entry) in array.chunks_exact(header.entry_size as usize).enumerate() {
        let entry_offset = array_offset.saturating_add(i as u64 * entry_size);
        let type_guid = guid_at(entry, 0);
        if type_guid == [0; 16] {
            continue; // unused entry
        }
        let first = u64_at(entry, 32);
        let last = u64_at(entry, 40);
        if first == 0 {
            layout.warn(
                entry_offset,
                format!("GPT entry {i} has a type but starts at LBA 0; skipped"),
            );
            continue;
        }
        if last < first {
            layout.warn(
                entry_offset,
                format!("GPT entry {i} ends (LBA {last}) before it starts (LBA {first}); skipped"),
            );
            continue;
        }
        if !usable.contains(&first) || !usable.contains(&last) {
            layout.warn(
                entry_offset,
                format!(
                    "GPT entry {i} (LBA {first}..={last}) lies outside the usable area \
                     (LBA {}..={})",
                    header.first_usable, header.last_usable
                ),
            );
        }
        let type_str = format_guid(&type_guid);
        let name = utf16le_name(entry.get(56..128).unwrap_or(&[]));
        let description = if !name.is_empty() {
            name
        } else {
            gpt_type_name(&type_str).map_or_else(|| type_str.clone(), str::to_string)
        };
        layout.push(
            entry_offset,
            VolumeKind::Allocated,
            first,
            (last - first).saturating_add(1),
            Some(format!("{i:03}")),
            description,
            None,
            Some((type_str, format_guid(&guid_at(entry, 16)))),
        );
    }
    Ok(layout.finish(VolumeSystemKind::Gpt))
}

/// The partition name: UTF-16LE up to the first NUL, invalid units replaced.
fn utf16le_name(bytes: &[u8]) -> String {
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0);
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

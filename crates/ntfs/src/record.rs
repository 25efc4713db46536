//! MFT records (`FILE`) and index records (`INDX`): the update sequence
//! array fixups, the record header and the raw attribute headers.

use crate::runlist::{self, Extent};

/// NTFS protects multi-sector structures by replacing the last two bytes of
/// every 512-byte stride with the update sequence number; the real bytes
/// live in the update sequence array.
const STRIDE: usize = 512;

pub(crate) fn u16le(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}

pub(crate) fn u32le(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

pub(crate) fn u64le(b: &[u8], o: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[o..o + 8]);
    u64::from_le_bytes(a)
}

/// Checks and removes the update sequence fixups of a `FILE` or `INDX`
/// record in place. An update sequence count of 0 means no fixups (a record
/// that was never written). Fails, naming the stride, when a sector's last
/// two bytes do not hold the update sequence number (a torn or damaged
/// write).
pub(crate) fn apply_fixups(buf: &mut [u8]) -> Result<(), String> {
    if buf.len() < 8 {
        return Err("record shorter than its header".into());
    }
    let usa_off = u16le(buf, 4) as usize;
    let usa_count = u16le(buf, 6) as usize;
    if usa_count == 0 {
        return Ok(());
    }
    if (usa_count - 1) * STRIDE > buf.len() {
        return Err(format!(
            "update sequence array has {usa_count} entries for a {}-byte record",
            buf.len()
        ));
    }
    if usa_off + 2 * usa_count > buf.len() {
        return Err(format!(
            "update sequence array at offset {usa_off} runs past the record"
        ));
    }
    let usn = [buf[usa_off], buf[usa_off + 1]];
    for i in 1..usa_count {
        let at = i * STRIDE - 2;
        if buf[at..at + 2] != usn {
            return Err(format!(
                "update sequence mismatch at byte {at} (expected {:#06x}, found {:#06x})",
                u16::from_le_bytes(usn),
                u16le(buf, at)
            ));
        }
        let fix = usa_off + 2 * i;
        buf[at] = buf[fix];
        buf[at + 1] = buf[fix + 1];
    }
    Ok(())
}

/// Header flags of an MFT record.
pub(crate) const FLAG_IN_USE: u16 = 0x0001;
/// The record is a directory (has a `$I30` index).
pub(crate) const FLAG_DIRECTORY: u16 = 0x0002;

/// The parts of an MFT record header Exhibit uses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    /// `FILE` (or `BAAD`, or zeros for a never-used record).
    pub magic: [u8; 4],
    /// Sequence number (incremented by Windows when the record is freed).
    pub seq: u16,
    /// Offset of the first attribute.
    pub attr_off: u16,
    /// `FLAG_IN_USE`, `FLAG_DIRECTORY`.
    pub flags: u16,
    /// MFT entry of the base record (0 for a base record).
    pub base_ref: u64,
}

pub(crate) fn header(rec: &[u8]) -> Option<Header> {
    if rec.len() < 48 {
        return None;
    }
    let mut magic = [0u8; 4];
    magic.copy_from_slice(&rec[0..4]);
    Some(Header {
        magic,
        seq: u16le(rec, 16),
        attr_off: u16le(rec, 20),
        flags: u16le(rec, 22),
        base_ref: u64le(rec, 32) & 0x0000_FFFF_FFFF_FFFF,
    })
}

/// Attribute type codes.
pub(crate) const AT_STANDARD_INFORMATION: u32 = 0x10;
pub(crate) const AT_ATTRIBUTE_LIST: u32 = 0x20;
pub(crate) const AT_FILE_NAME: u32 = 0x30;
pub(crate) const AT_VOLUME_NAME: u32 = 0x60;
pub(crate) const AT_DATA: u32 = 0x80;
pub(crate) const AT_INDEX_ROOT: u32 = 0x90;
pub(crate) const AT_INDEX_ALLOCATION: u32 = 0xA0;
const AT_END: u32 = 0xFFFF_FFFF;

/// Attribute header flags.
pub(crate) const ATTR_COMPRESSED: u16 = 0x00FF;
pub(crate) const ATTR_ENCRYPTED: u16 = 0x4000;

/// A non-resident attribute header and its decoded runlist.
#[derive(Debug, Clone)]
pub(crate) struct NonResident {
    pub start_vcn: u64,
    /// log2 of the compression unit in clusters (0: not compressed).
    pub comp_unit: u16,
    pub real_size: u64,
    pub init_size: u64,
    pub extents: Vec<Extent>,
}

/// The value of an attribute.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// Stored in the record: the bytes, and where they start in the record.
    Resident { value: Vec<u8>, value_off: usize },
    /// Stored in clusters.
    NonResident(NonResident),
}

/// One attribute as found in a record.
#[derive(Debug, Clone)]
pub(crate) struct RawAttr {
    pub type_code: u32,
    pub id: u16,
    /// Name as UTF-16 code units (streams, `$I30`).
    pub name: Vec<u16>,
    pub flags: u16,
    pub body: Body,
}

/// Walks the attributes of a fixed-up record. Stops at the end marker, a
/// zero length, or an attribute that would run past the record; a damaged
/// attribute is reported through `warn` (with its byte offset in the record)
/// and skipped or ends the walk.
pub(crate) fn attributes(
    rec: &[u8],
    attr_off: usize,
    warn: &mut dyn FnMut(usize, String),
) -> Vec<RawAttr> {
    let mut out = Vec::new();
    let mut pos = attr_off;
    // A 1 KiB record holds at most ~60 attributes; bound the loop anyway.
    let mut guard = 0;
    while pos + 16 <= rec.len() && guard < 4096 {
        guard += 1;
        let type_code = u32le(rec, pos);
        if type_code == AT_END {
            break;
        }
        let len = u32le(rec, pos + 4) as usize;
        if len == 0 {
            break;
        }
        if len < 16 || pos + len > rec.len() {
            warn(
                pos,
                format!("attribute {type_code:#x} length {len} runs past the record"),
            );
            break;
        }
        let a = &rec[pos..pos + len];
        let non_resident = a[8] != 0;
        let name_len = a[9] as usize;
        let name_off = u16le(a, 10) as usize;
        let flags = u16le(a, 12);
        let id = u16le(a, 14);
        let name: Vec<u16> = if name_len > 0 {
            if name_off + 2 * name_len > len {
                warn(
                    pos,
                    format!("attribute {type_code:#x} name runs past the attribute"),
                );
                pos += len;
                continue;
            }
            (0..name_len).map(|i| u16le(a, name_off + 2 * i)).collect()
        } else {
            Vec::new()
        };
        let body = if !non_resident {
            if len < 24 {
                warn(
                    pos,
                    format!("resident attribute {type_code:#x} header is truncated"),
                );
                pos += len;
                continue;
            }
            let vlen = u32le(a, 16) as usize;
            let voff = u16le(a, 20) as usize;
            if voff.checked_add(vlen).is_none_or(|e| e > len) {
                warn(
                    pos,
                    format!("resident attribute {type_code:#x} value ({vlen} bytes at {voff}) runs past the attribute"),
                );
                pos += len;
                continue;
            }
            Body::Resident {
                value: a[voff..voff + vlen].to_vec(),
                value_off: pos + voff,
            }
        } else {
            if len < 64 {
                warn(
                    pos,
                    format!("non-resident attribute {type_code:#x} header is truncated"),
                );
                pos += len;
                continue;
            }
            let start_vcn = u64le(a, 16);
            let run_off = u16le(a, 32) as usize;
            let comp_unit = u16le(a, 34);
            let real_size = u64le(a, 48);
            let init_size = u64le(a, 56);
            if run_off > len {
                warn(
                    pos,
                    format!("attribute {type_code:#x} runlist offset {run_off} is outside it"),
                );
                pos += len;
                continue;
            }
            let extents = match runlist::decode(&a[run_off..], start_vcn) {
                Ok(e) => e,
                Err(e) => {
                    warn(pos, format!("attribute {type_code:#x}: {e}"));
                    pos += len;
                    continue;
                }
            };
            Body::NonResident(NonResident {
                start_vcn,
                comp_unit,
                real_size,
                init_size,
                extents,
            })
        };
        out.push(RawAttr {
            type_code,
            id,
            name,
            flags,
            body,
        });
        pos += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protected(len: usize) -> Vec<u8> {
        let mut b = vec![0u8; len];
        b[0..4].copy_from_slice(b"FILE");
        b[4..6].copy_from_slice(&48u16.to_le_bytes());
        let count = len / 512 + 1;
        b[6..8].copy_from_slice(&(count as u16).to_le_bytes());
        b[48..50].copy_from_slice(&0x0007u16.to_le_bytes()); // usn
        for i in 1..count {
            // original bytes saved in the array, usn written to the sector end
            b[48 + 2 * i] = 0xA0 + i as u8;
            b[48 + 2 * i + 1] = 0xB0 + i as u8;
            b[i * 512 - 2..i * 512].copy_from_slice(&0x0007u16.to_le_bytes());
        }
        b
    }

    #[test]
    fn fixups_restore_sector_ends() {
        let mut b = protected(1024);
        apply_fixups(&mut b).unwrap();
        assert_eq!(&b[510..512], &[0xA1, 0xB1]);
        assert_eq!(&b[1022..1024], &[0xA2, 0xB2]);
    }

    #[test]
    fn bad_fixups_are_detected() {
        let mut b = protected(1024);
        b[1022] = 0x99;
        let e = apply_fixups(&mut b).unwrap_err();
        assert!(e.contains("1022"), "{e}");
        // array larger than the record
        let mut b = protected(1024);
        b[6..8].copy_from_slice(&9u16.to_le_bytes());
        assert!(apply_fixups(&mut b).is_err());
        // array placed past the end
        let mut b = protected(1024);
        b[4..6].copy_from_slice(&1020u16.to_le_bytes());
        assert!(apply_fixups(&mut b).is_err());
        // never-written record: no fixups
        let mut b = vec![0u8; 1024];
        assert!(apply_fixups(&mut b).is_ok());
    }

    #[test]
    fn attribute_walk_is_bounded() {
        let mut rec = vec![0u8; 1024];
        // resident attribute at 56 claiming a value past its end
        rec[56..60].copy_from_slice(&0x80u32.to_le_bytes());
        rec[60..64].copy_from_slice(&32u32.to_le_bytes());
        rec[56 + 16..56 + 20].copy_from_slice(&100u32.to_le_bytes());
        rec[56 + 20..56 + 22].copy_from_slice(&24u16.to_le_bytes());
        // then an attribute whose length runs off the record
        rec[88..92].copy_from_slice(&0x30u32.to_le_bytes());
        rec[92..96].copy_from_slice(&5000u32.to_le_bytes());
        let mut warnings = Vec::new();
        let attrs = attributes(&rec, 56, &mut |o, w| warnings.push((o, w)));
        assert!(attrs.is_empty());
        assert_eq!(warnings.len(), 2);
        assert_eq!(warnings[0].0, 56);
        assert_eq!(warnings[1].0, 88);
    }
}

//! The volume descriptor set: from sector 16 to the set terminator.

use exhibit_evidence::Source;
use exhibit_vfs::{FsError, Warning};

use crate::record::{self, Record};

/// ISO 9660 sectors are 2048 bytes, whatever the logical block size.
pub(crate) const SECTOR: u64 = 2048;
/// Byte offset of the first volume descriptor (sector 16).
pub(crate) const FIRST_DESCRIPTOR: u64 = 16 * SECTOR;
/// Descriptors read before giving up on finding the terminator.
const MAX_DESCRIPTORS: u64 = 64;

const TYPE_BOOT: u8 = 0;
const TYPE_PRIMARY: u8 = 1;
const TYPE_SUPPLEMENTARY: u8 = 2;
const TYPE_TERMINATOR: u8 = 255;

/// Whether the first 7 bytes of a sector are a volume descriptor header:
/// any type, `CD001`, version 1.
pub(crate) fn is_descriptor(b: &[u8]) -> bool {
    b.len() >= 7 && &b[1..6] == b"CD001" && b[6] == 1
}

/// What a primary or Joliet descriptor says.
#[derive(Debug, Clone)]
pub(crate) struct Descriptor {
    /// Byte offset of the descriptor.
    pub offset: u64,
    /// The root directory record.
    pub root: Record,
    /// Volume identifier, decoded, trimmed.
    pub volume_id: String,
}

/// The volume descriptor set.
#[derive(Debug)]
pub(crate) struct Volume {
    pub block_size: u64,
    pub primary: Option<Descriptor>,
    pub joliet: Option<Descriptor>,
    pub warnings: Vec<Warning>,
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn trim(s: &str) -> String {
    s.trim_end_matches([' ', '\0']).trim_start().to_string()
}

/// Joliet escape sequences at bytes 88..120 of a supplementary descriptor.
fn is_joliet(d: &[u8]) -> bool {
    let esc = &d[88..120];
    let flags = d[7];
    flags & 1 == 0
        && esc
            .windows(3)
            .any(|w| w == b"%/@" || w == b"%/C" || w == b"%/E")
}

impl Volume {
    pub(crate) fn read(source: &dyn Source) -> Result<Volume, FsError> {
        let len = source.len();
        if len < FIRST_DESCRIPTOR + SECTOR {
            return Err(FsError::NotThisKind {
                kind: "ISO9660",
                why: format!("{len} bytes, too short for a volume descriptor at sector 16"),
            });
        }
        let mut warnings = Vec::new();
        let mut primary: Option<(Descriptor, u64, u64)> = None;
        let mut joliet = None;
        let mut terminated = false;
        let mut d = vec![0u8; SECTOR as usize];
        for i in 0..MAX_DESCRIPTORS {
            let at = FIRST_DESCRIPTOR + i * SECTOR;
            if at + SECTOR > len {
                break;
            }
            source.read_exact_at(at, &mut d)?;
            if !is_descriptor(&d) {
                if i == 0 {
                    return Err(FsError::NotThisKind {
                        kind: "ISO9660",
                        why: "no CD001 volume descriptor at sector 16".into(),
                    });
                }
                break;
            }
            match d[0] {
                TYPE_TERMINATOR => {
                    terminated = true;
                    break;
                }
                TYPE_PRIMARY if primary.is_none() => {
                    let bs = u64::from(le16(&d, 128));
                    let blocks = u64::from(le32(&d, 80));
                    let root = record::parse(&d[156..190], at + 156);
                    let volume_id = trim(&String::from_utf8_lossy(&d[40..72]));
                    match root {
                        Some(root) => {
                            primary = Some((
                                Descriptor {
                                    offset: at,
                                    root,
                                    volume_id,
                                },
                                bs,
                                blocks,
                            ))
                        }
                        None => warnings.push(Warning {
                            offset: at + 156,
                            what: "primary volume descriptor: root directory record unreadable"
                                .into(),
                        }),
                    }
                }
                TYPE_SUPPLEMENTARY if joliet.is_none() && is_joliet(&d) => {
                    let volume_id = trim(&record::ucs2(&d[40..72]));
                    match record::parse(&d[156..190], at + 156) {
                        Some(root) => {
                            joliet = Some(Descriptor {
                                offset: at,
                                root,
                                volume_id,
                            })
                        }
                        None => warnings.push(Warning {
                            offset: at + 156,
                            what: "Joliet volume descriptor: root directory record unreadable"
                                .into(),
                        }),
                    }
                }
                TYPE_BOOT | TYPE_PRIMARY | TYPE_SUPPLEMENTARY | 3 => {}
                t => warnings.push(Warning {
                    offset: at,
                    what: format!("volume descriptor of unknown type {t}; ignored"),
                }),
            }
        }
        if !terminated {
            warnings.push(Warning {
                offset: FIRST_DESCRIPTOR,
                what: format!(
                    "volume descriptor set has no terminator within {MAX_DESCRIPTORS} descriptors or the image"
                ),
            });
        }
        let (primary, mut block_size, blocks) = match primary {
            Some((p, bs, b)) => (Some(p), bs, b),
            None => {
                warnings.push(Warning {
                    offset: FIRST_DESCRIPTOR,
                    what: "no usable primary volume descriptor".into(),
                });
                (None, SECTOR, 0)
            }
        };
        if ![512, 1024, 2048].contains(&block_size) {
            let at = primary.as_ref().map_or(FIRST_DESCRIPTOR, |p| p.offset) + 128;
            warnings.push(Warning {
                offset: at,
                what: format!(
                    "primary volume descriptor: logical block size {block_size} is not 512, 1024 or 2048; 2048 assumed"
                ),
            });
            block_size = SECTOR;
        }
        if primary.is_some() {
            let want = blocks.saturating_mul(block_size);
            if want > len {
                warnings.push(Warning {
                    offset: len,
                    what: format!(
                        "primary volume descriptor: the volume has {blocks} blocks ({want} bytes) but the evidence holds {len} bytes (truncated image?)"
                    ),
                });
            }
        }
        if primary.is_none() && joliet.is_none() {
            return Err(FsError::Corrupt {
                structure: "ISO 9660 volume descriptor set".into(),
                offset: FIRST_DESCRIPTOR,
                what: "neither a primary nor a Joliet descriptor with a usable root directory"
                    .into(),
            });
        }
        Ok(Volume {
            block_size,
            primary,
            joliet,
            warnings,
        })
    }
}

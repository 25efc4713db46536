//! Shell items (Windows Explorer's ID lists), as found in shortcuts, jump
//! lists and registry MRU lists. Only what a timeline needs: each file-entry
//! item's name, its three FAT times (modified in the item, created and
//! accessed in its 0xbeef0004 extension block) and the path the list
//! spells out.

use crate::bytes::{asciiz_at, fat_datetime, guid, slice, u16le, u32le, u64le, utf16z_at};
use crate::Event;

const MAX_ITEMS: usize = 256;

/// One parsed item.
#[derive(Debug, Clone, Default)]
pub(crate) struct Item {
    pub name: String,
    pub file: Option<FileEntry>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct FileEntry {
    pub short_name: String,
    pub long_name: Option<String>,
    pub modified: u32,
    pub created: u32,
    pub accessed: u32,
    pub file_reference: Option<u64>,
    pub size: u32,
}

/// Splits an ID list into its items (stops at the terminating empty item).
pub(crate) fn items(list: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut p = 0;
    while out.len() < MAX_ITEMS {
        let Some(size) = u16le(list, p) else { break };
        let size = size as usize;
        if size < 3 {
            break;
        }
        let Some(item) = slice(list, p, size) else {
            break;
        };
        out.push(item);
        p += size;
    }
    out
}

fn known_folder(g: &str) -> String {
    match g {
        "20d04fe0-3aea-1069-a2d8-08002b30309d" => "<My Computer>".into(),
        "450d8fba-ad25-11d0-98a8-0800361b1103" => "<My Documents>".into(),
        "208d2c60-3aea-1069-a2d7-08002b30309d" => "<My Network Places>".into(),
        "645ff040-5081-101b-9f08-00aa002f954e" => "<Recycle Bin>".into(),
        "59031a47-3f72-44a7-89c5-5595fe6b30ee" => "<Users Files>".into(),
        "031e4825-7b94-4dc3-b131-e946b44c8dd5" => "<Users Libraries>".into(),
        "f02c1a0d-be21-4350-88b0-7367fc96ef3c" => "<Network>".into(),
        "26ee0668-a00a-44d7-9371-beb064c98683" => "<Control Panel>".into(),
        "21ec2020-3aea-1069-a2dd-08002b30309d" => "<Control Panel>".into(),
        "4336a54d-038b-4685-ab02-99bb52d3fb8b" => "<Public>".into(),
        "018d5c66-4533-4307-9b53-224de2ed1fe6" => "<OneDrive>".into(),
        _ => format!("<{g}>"),
    }
}

/// Parses one item.
pub(crate) fn parse(item: &[u8]) -> Item {
    let class = item.get(2).copied().unwrap_or(0);
    match class {
        0x1f => Item {
            name: slice(item, 4, 16)
                .and_then(guid)
                .map(|g| known_folder(&g))
                .unwrap_or_else(|| "<root folder>".into()),
            file: None,
        },
        0x20..=0x2f => Item {
            name: asciiz_at(item, 3).map(|(s, _)| s).unwrap_or_default(),
            file: None,
        },
        0x30..=0x3f => match file_entry(item, class) {
            Some(f) => Item {
                name: f.long_name.clone().unwrap_or_else(|| f.short_name.clone()),
                file: Some(f),
            },
            None => Item::default(),
        },
        0x40..=0x4f => Item {
            name: asciiz_at(item, 5).map(|(s, _)| s).unwrap_or_default(),
            file: None,
        },
        _ => Item {
            name: format!("<shell item {class:#04x}>"),
            file: None,
        },
    }
}

fn file_entry(item: &[u8], class: u8) -> Option<FileEntry> {
    let size = u32le(item, 4)?;
    let modified = u32le(item, 8)?;
    let unicode = class & 0x04 != 0;
    let (short_name, mut p) = if unicode {
        utf16z_at(item, 14)?
    } else {
        asciiz_at(item, 14)?
    };
    if p % 2 == 1 {
        p += 1;
    }
    let mut f = FileEntry {
        short_name,
        modified,
        size,
        ..FileEntry::default()
    };
    // The extension block: its offset is in the last two bytes of the item;
    // fall back to where it follows the name.
    let tail = u16le(item, item.len().checked_sub(2)?).map(|v| v as usize);
    let ext_at = [tail, Some(p)]
        .into_iter()
        .flatten()
        .find(|&o| u32le(item, o + 4) == Some(0xbeef_0004));
    if let Some(e) = ext_at {
        let version = u16le(item, e + 2)?;
        f.created = u32le(item, e + 8).unwrap_or(0);
        f.accessed = u32le(item, e + 12).unwrap_or(0);
        if version >= 7 {
            f.file_reference = u64le(item, e + 20);
        }
        let name_at = match version {
            0..=2 => None,
            3..=6 => Some(e + 20),
            7 => Some(e + 38),
            8 => Some(e + 42),
            _ => Some(e + 46),
        };
        if let Some(n) = name_at {
            if let Some((s, _)) = utf16z_at(item, n) {
                if !s.is_empty() {
                    f.long_name = Some(s);
                }
            }
        }
    }
    Some(f)
}

/// Joins item names into a displayable path.
pub(crate) fn join(names: &[String]) -> String {
    let mut out = String::new();
    for n in names {
        if n.is_empty() {
            continue;
        }
        if out.is_empty() {
            out.push_str(n);
        } else if n.starts_with('<') || out.ends_with('>') {
            out.push(' ');
            out.push_str(n);
        } else if out.ends_with('\\') {
            out.push_str(n);
        } else {
            out.push('\\');
            out.push_str(n);
        }
    }
    out
}

/// The path an ID list spells out.
pub(crate) fn path_of(list: &[u8]) -> String {
    let names: Vec<String> = items(list).into_iter().map(|i| parse(i).name).collect();
    join(&names)
}

/// Adds `shellitem:file` events (modified, created, accessed) for every
/// file-entry item in `list`. `parents` are single items that come before
/// (BagMRU) and only contribute to the path.
pub(crate) fn events_from_list(
    source: &str,
    origin: &str,
    list: &[u8],
    parents: &[Vec<u8>],
    out: &mut Vec<Event>,
) {
    let mut names: Vec<String> = parents
        .iter()
        .filter_map(|p| items(p).first().map(|i| parse(i).name))
        .collect();
    for raw in items(list) {
        let it = parse(raw);
        names.push(it.name.clone());
        let Some(f) = it.file else { continue };
        let path = join(&names);
        for (v, desc) in [
            (f.modified, "modified"),
            (f.created, "created"),
            (f.accessed, "accessed"),
        ] {
            let Some(t) = fat_datetime(v) else { continue };
            let mut e = Event::new(
                Some(t),
                desc,
                "shellitem:file",
                format!("{path} {desc} (shell item in {origin})"),
                source,
                origin,
            )
            .field("path", &path)
            .field("name", &f.short_name)
            .field("file_size", f.size);
            if let Some(l) = &f.long_name {
                e = e.field("long_name", l);
            }
            if let Some(r) = f.file_reference {
                e = e.field(
                    "file_reference",
                    format!("{}-{}", r & 0xffff_ffff_ffff, r >> 48),
                );
            }
            out.push(e);
        }
    }
}

/// Finds file-entry items anywhere in `data` by their 0xbeef0004 extension
/// block, for containers whose framing varies by Windows version
/// (ProgramsCache). Each item is checked by its own size and the extension
/// offset stored in its last two bytes.
pub(crate) fn carve_events(source: &str, origin: &str, data: &[u8], out: &mut Vec<Event>) {
    let sig = 0xbeef_0004u32.to_le_bytes();
    let mut p = 0;
    let mut last_end = 0;
    while let Some(rel) = data
        .get(p..)
        .and_then(|d| d.windows(4).position(|w| w == sig))
    {
        let s = p + rel;
        p = s + 4;
        let Some(ext) = s.checked_sub(4) else {
            continue;
        };
        let lo = ext.saturating_sub(1024).max(last_end);
        let mut found = None;
        for q in (lo..ext.saturating_sub(13)).rev() {
            let Some(size) = u16le(data, q).map(|v| v as usize) else {
                continue;
            };
            let class = data.get(q + 2).copied().unwrap_or(0);
            if !(0x30..=0x3f).contains(&class) || q + size <= ext + 8 || q + size > data.len() {
                continue;
            }
            if u16le(data, q + size - 2).map(|v| v as usize) == Some(ext - q) {
                found = Some((q, size));
                break;
            }
        }
        let Some((q, size)) = found else { continue };
        last_end = q + size;
        let list: Vec<u8> = [&data[q..q + size], &[0u8, 0u8][..]].concat();
        events_from_list(source, origin, &list, &[], out);
        p = p.max(q + size);
    }
}

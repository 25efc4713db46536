//! Shell links (`.lnk`) and the jump lists built from them.
//!
//! A shortcut records its target's path (from the link-info block and the
//! ID list), the target's three times as they were when the link was made
//! or refreshed, the volume serial and label, and a tracker block with the
//! machine name and object ids whose version-1 UUIDs carry a creation time
//! and the MAC address of the machine that made them. Automatic jump lists
//! are OLE compound files holding links and a `DestList` stream of
//! per-entry access times; custom jump lists are links back to back.

use std::io::{Cursor, Read};

use jiff::Timestamp;

use crate::bytes::{asciiz_at, filetime, filetime_at, guid, latin1z, slice, u16le, u32le, utf16z};
use crate::{shellitem, Event, WindowsError};

/// The first 20 bytes of every shell link: header size and class id.
pub(crate) const LNK_HEADER: [u8; 20] = [
    0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46,
];

const MAX_STREAM: u64 = 64 << 20;

/// What a link says.
#[derive(Debug, Clone, Default)]
pub(crate) struct Link {
    pub created: Option<Timestamp>,
    pub accessed: Option<Timestamp>,
    pub modified: Option<Timestamp>,
    pub file_size: u32,
    pub attributes: u32,
    pub local_path: Option<String>,
    pub network_path: Option<String>,
    pub drive_serial: Option<u32>,
    pub volume_label: Option<String>,
    pub drive_type: Option<u32>,
    pub name: Option<String>,
    pub relative_path: Option<String>,
    pub working_dir: Option<String>,
    pub arguments: Option<String>,
    pub icon: Option<String>,
    pub env_path: Option<String>,
    pub machine_id: Option<String>,
    pub droid_file: Option<[u8; 16]>,
    pub birth_droid_file: Option<[u8; 16]>,
    pub id_list: Vec<u8>,
}

impl Link {
    /// The best description of the target: local path, then network path,
    /// environment path, ID-list path, relative path.
    pub fn target(&self) -> String {
        self.local_path
            .clone()
            .or_else(|| self.network_path.clone())
            .or_else(|| self.env_path.clone())
            .or_else(|| {
                let p = shellitem::path_of(&self.id_list);
                (!p.is_empty()).then_some(p)
            })
            .or_else(|| self.relative_path.clone())
            .unwrap_or_default()
    }
}

/// Parses a link starting at the beginning of `d` (trailing bytes ignored).
pub(crate) fn parse_link(d: &[u8]) -> Option<Link> {
    if d.get(..20)? != LNK_HEADER {
        return None;
    }
    let flags = u32le(d, 20)?;
    let mut l = Link {
        attributes: u32le(d, 24)?,
        created: filetime_at(d, 28),
        accessed: filetime_at(d, 36),
        modified: filetime_at(d, 44),
        file_size: u32le(d, 52)?,
        ..Link::default()
    };
    let mut p = 76usize;
    if flags & 0x1 != 0 {
        let n = u16le(d, p)? as usize;
        l.id_list = slice(d, p + 2, n)?.to_vec();
        p += 2 + n;
    }
    if flags & 0x2 != 0 {
        let size = u32le(d, p)? as usize;
        let info = slice(d, p, size)?;
        link_info(info, &mut l);
        p += size;
    }
    let unicode = flags & 0x80 != 0;
    let mut strings = [None, None, None, None, None];
    for (i, bit) in [0x4u32, 0x8, 0x10, 0x20, 0x40].iter().enumerate() {
        if flags & bit == 0 {
            continue;
        }
        let n = u16le(d, p)? as usize;
        p += 2;
        let bytes = if unicode { n * 2 } else { n };
        let raw = slice(d, p, bytes)?;
        strings[i] = Some(if unicode {
            let u: Vec<u16> = raw
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&u)
        } else {
            raw.iter().map(|&b| b as char).collect()
        });
        p += bytes;
    }
    let [name, rel, wd, args, icon] = strings;
    l.name = name;
    l.relative_path = rel;
    l.working_dir = wd;
    l.arguments = args;
    l.icon = icon;
    // Extra data blocks.
    for _ in 0..64 {
        let Some(size) = u32le(d, p) else { break };
        let size = size as usize;
        if size < 8 {
            break;
        }
        let Some(block) = slice(d, p, size) else {
            break;
        };
        match u32le(block, 4) {
            Some(0xa000_0003) if size >= 0x60 => {
                l.machine_id = Some(latin1z(slice(block, 16, 16)?));
                let mut a = [0u8; 16];
                a.copy_from_slice(slice(block, 48, 16)?);
                l.droid_file = Some(a);
                let mut b = [0u8; 16];
                b.copy_from_slice(slice(block, 80, 16)?);
                l.birth_droid_file = Some(b);
            }
            Some(0xa000_0001) if size >= 0x314 => {
                let s = utf16z(slice(block, 268, 520)?);
                l.env_path = Some(if s.is_empty() {
                    latin1z(slice(block, 8, 260)?)
                } else {
                    s
                });
            }
            _ => {}
        }
        p += size;
    }
    Some(l)
}

fn link_info(info: &[u8], l: &mut Link) {
    let Some(header) = u32le(info, 4) else { return };
    let flags = u32le(info, 8).unwrap_or(0);
    let vol = u32le(info, 12).unwrap_or(0) as usize;
    let base = u32le(info, 16).unwrap_or(0) as usize;
    let net = u32le(info, 20).unwrap_or(0) as usize;
    let suffix = u32le(info, 24).unwrap_or(0) as usize;
    let suffix_s = if header >= 0x24 {
        u32le(info, 32)
            .and_then(|o| info.get(o as usize..))
            .map(utf16z)
            .unwrap_or_default()
    } else {
        asciiz_at(info, suffix).map(|(s, _)| s).unwrap_or_default()
    };
    if flags & 1 != 0 {
        if let Some(v) = info.get(vol..) {
            l.drive_type = u32le(v, 4);
            l.drive_serial = u32le(v, 8);
            let lo = u32le(v, 12).unwrap_or(0) as usize;
            l.volume_label = if lo == 0x14 {
                u32le(v, 16).and_then(|o| v.get(o as usize..)).map(utf16z)
            } else {
                asciiz_at(v, lo).map(|(s, _)| s)
            };
        }
        let base_s = if header >= 0x24 {
            u32le(info, 28)
                .and_then(|o| info.get(o as usize..))
                .map(utf16z)
                .unwrap_or_default()
        } else {
            asciiz_at(info, base).map(|(s, _)| s).unwrap_or_default()
        };
        if !base_s.is_empty() {
            l.local_path = Some(format!("{base_s}{suffix_s}"));
        }
    }
    if flags & 2 != 0 {
        if let Some(n) = info.get(net..) {
            let name_off = u32le(n, 8).unwrap_or(0) as usize;
            if let Some((s, _)) = asciiz_at(n, name_off) {
                l.network_path = Some(if suffix_s.is_empty() {
                    s
                } else {
                    format!("{s}\\{suffix_s}")
                });
            }
        }
    }
}

/// The time and MAC address in a version-1 UUID (object ids made by the
/// link-tracking service are time-based).
fn uuid_v1(u: &[u8; 16]) -> Option<(Timestamp, String)> {
    let low = u32le(u, 0)? as u64;
    let mid = u16le(u, 4)? as u64;
    let hi = u16le(u, 6)? as u64;
    if hi >> 12 != 1 {
        return None;
    }
    let ticks = ((hi & 0x0fff) << 48) | (mid << 32) | low;
    // 100 ns ticks since 1582-10-15; FILETIME counts from 1601-01-01.
    const GREGORIAN_TO_FILETIME: u64 = 5_748_192_000_000_000;
    let t = filetime(ticks.checked_sub(GREGORIAN_TO_FILETIME)?)?;
    let mac = u[10..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":");
    Some((t, mac))
}

fn tracker_event(source: &str, origin: &str, id: &[u8; 16], machine: &str) -> Option<Event> {
    let (t, mac) = uuid_v1(id)?;
    let g = guid(id)?;
    Some(
        Event::new(
            Some(t),
            "created",
            "lnk:tracker-created",
            format!("link-tracking object id {g} made on {machine} (MAC {mac})"),
            source,
            origin,
        )
        .field("object_id", g)
        .field("mac_address", mac)
        .field("machine_id", machine),
    )
}

/// Events for one link: the target's times, the tracker creation time and
/// the shell items in its ID list.
pub(crate) fn link_events(source: &str, origin: &str, l: &Link, out: &mut Vec<Event>) {
    let target = l.target();
    let mut base = Event::new(None, "", "lnk:target", "", source, origin)
        .field("target", &target)
        .field("file_size", l.file_size)
        .field("attributes", format!("{:#010x}", l.attributes));
    for (k, v) in [
        ("local_path", &l.local_path),
        ("network_path", &l.network_path),
        ("volume_label", &l.volume_label),
        ("description", &l.name),
        ("relative_path", &l.relative_path),
        ("working_dir", &l.working_dir),
        ("arguments", &l.arguments),
        ("icon", &l.icon),
        ("env_path", &l.env_path),
        ("machine_id", &l.machine_id),
    ] {
        if let Some(v) = v {
            base = base.field(k, v);
        }
    }
    if let Some(s) = l.drive_serial {
        base = base.field("drive_serial", format!("{s:#010x}"));
    }
    if let Some(t) = l.drive_type {
        base = base.field("drive_type", t);
    }
    if let Some(d) = &l.droid_file {
        if let Some((_, mac)) = uuid_v1(d) {
            base = base.field("mac_address", mac);
        }
    }
    for (t, desc) in [
        (l.created, "created"),
        (l.accessed, "accessed"),
        (l.modified, "modified"),
    ] {
        if t.is_none() {
            continue;
        }
        let mut e = base.clone();
        e.time = t;
        e.time_desc = desc.into();
        e.description = format!("shortcut to {target}: target {desc}");
        out.push(e);
    }
    let machine = l.machine_id.clone().unwrap_or_default();
    let tracked = l
        .droid_file
        .as_ref()
        .and_then(|d| tracker_event(source, origin, d, &machine))
        .or_else(|| {
            l.birth_droid_file
                .as_ref()
                .and_then(|d| tracker_event(source, origin, d, &machine))
        });
    out.extend(tracked);
    shellitem::events_from_list(source, origin, &l.id_list, &[], out);
}

pub(crate) fn events_from_file(name: &str, data: &[u8]) -> Result<Vec<Event>, WindowsError> {
    let l = parse_link(data).ok_or_else(|| WindowsError::corrupt(name, "damaged shell link"))?;
    let mut out = Vec::new();
    link_events(name, "link", &l, &mut out);
    Ok(out)
}

/// Custom destinations: links stored back to back between a header and a
/// footer; each is found by its header.
pub(crate) fn custom_destinations(name: &str, data: &[u8]) -> Result<Vec<Event>, WindowsError> {
    let mut out = Vec::new();
    let mut p = 0;
    while let Some(rel) = data
        .get(p..)
        .and_then(|d| d.windows(20).position(|w| w == LNK_HEADER))
    {
        let at = p + rel;
        if let Some(l) = parse_link(&data[at..]) {
            link_events(name, &format!("link @ {at:#x}"), &l, &mut out);
        }
        p = at + 20;
    }
    Ok(out)
}

/// Automatic destinations: an OLE compound file of numbered link streams
/// and a `DestList`.
pub(crate) fn automatic_destinations(name: &str, data: &[u8]) -> Result<Vec<Event>, WindowsError> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(data))
        .map_err(|e| WindowsError::corrupt(name, format!("compound file: {e}")))?;
    let mut out = Vec::new();
    let root_mod = cf.root_entry().modified();
    if let Ok(t) = Timestamp::try_from(root_mod) {
        if t.as_second() > 0 {
            out.push(Event::new(
                Some(t),
                "modified",
                "olecf:root-modified",
                "jump list compound file last modified",
                name,
                "Root Entry",
            ));
        }
    }
    let mut streams: Vec<(String, String)> = cf
        .walk()
        .filter(|e| e.is_stream())
        .map(|e| {
            (
                e.name().to_string(),
                e.path().to_string_lossy().into_owned(),
            )
        })
        .collect();
    streams.sort();
    for (sname, path) in streams {
        let mut buf = Vec::new();
        let Ok(s) = cf.open_stream(&path) else {
            continue;
        };
        if s.take(MAX_STREAM).read_to_end(&mut buf).is_err() {
            continue;
        }
        if sname == "DestList" {
            dest_list(name, &buf, &mut out);
        } else if let Some(l) = parse_link(&buf) {
            link_events(name, &format!("stream {sname}"), &l, &mut out);
        }
    }
    Ok(out)
}

fn dest_list(name: &str, d: &[u8], out: &mut Vec<Event>) {
    let version = u32le(d, 0).unwrap_or(0);
    let count = u32le(d, 4).unwrap_or(0) as usize;
    let mut p = 32;
    for _ in 0..count.min(100_000) {
        let Some(entry_number) = u32le(d, p + 88) else {
            break;
        };
        let host = slice(d, p + 72, 16).map(latin1z).unwrap_or_default();
        let modified = filetime_at(d, p + 100);
        let pin = u32le(d, p + 108).unwrap_or(0);
        let (size_at, trailer) = if version >= 3 { (128, 4) } else { (112, 0) };
        let Some(n) = u16le(d, p + size_at) else {
            break;
        };
        let Some(raw) = slice(d, p + size_at + 2, n as usize * 2) else {
            break;
        };
        let units: Vec<u16> = raw
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let path = String::from_utf16_lossy(&units);
        let origin = format!("DestList entry {entry_number}");
        let mut droid = [0u8; 16];
        if let Some(b) = slice(d, p + 24, 16) {
            droid.copy_from_slice(b);
        }
        if modified.is_some() {
            out.push(
                Event::new(
                    modified,
                    "modified",
                    "jumplist:entry",
                    format!("jump list entry {path} last used (host {host})"),
                    name,
                    origin.clone(),
                )
                .field("path", &path)
                .field("hostname", &host)
                .field("entry_number", entry_number)
                .field("pinned", pin != 0xffff_ffff),
            );
        }
        out.extend(tracker_event(name, &origin, &droid, &host));
        p += size_at + 2 + n as usize * 2 + trailer;
    }
}

//! Prefetch files: which program ran, how often and when (Windows XP to
//! 11, including the Xpress-Huffman compressed `MAM` files of Windows 10).

use crate::bytes::{filetime_at, slice, u32le, utf16z};
use crate::{xpress, Event, WindowsError};

const MAX_DECOMPRESSED: usize = 64 << 20;

pub(crate) fn parse(name: &str, data: &[u8]) -> Result<Vec<Event>, WindowsError> {
    let owned;
    let d: &[u8] = if data.starts_with(b"MAM") {
        let size = u32le(data, 4).unwrap_or(0) as usize;
        if !(84..=MAX_DECOMPRESSED).contains(&size) {
            return Err(WindowsError::corrupt(name, "implausible decompressed size"));
        }
        let (format, start) = match data.get(3) {
            Some(b) if b & 0x80 != 0 => (b & 0x0f, 12),
            Some(b) => (b & 0x0f, 8),
            None => (0, 8),
        };
        if format != 4 {
            return Err(WindowsError::corrupt(
                name,
                format!("compressed prefetch format {format} not supported"),
            ));
        }
        owned = data
            .get(start..)
            .and_then(|c| xpress::decompress(c, size))
            .ok_or_else(|| WindowsError::corrupt(name, "Xpress Huffman data damaged"))?;
        &owned
    } else {
        data
    };
    parse_scca(name, d).ok_or_else(|| WindowsError::corrupt(name, "damaged prefetch file"))
}

fn parse_scca(name: &str, d: &[u8]) -> Option<Vec<Event>> {
    if slice(d, 4, 4)? != b"SCCA" {
        return None;
    }
    let version = u32le(d, 0)?;
    let exe = utf16z(slice(d, 16, 60)?);
    let hash = u32le(d, 76)?;
    let metrics_off = u32le(d, 84)?;
    let strings_off = u32le(d, 100)? as usize;
    let strings_size = u32le(d, 104)? as usize;
    let vol_off = u32le(d, 108)? as usize;
    let vol_count = u32le(d, 112)? as usize;
    let (times, run_count) = match version {
        17 => (vec![filetime_at(d, 120)], u32le(d, 144)?),
        23 => (vec![filetime_at(d, 128)], u32le(d, 152)?),
        _ => {
            let times = (0..8).map(|i| filetime_at(d, 128 + 8 * i)).collect();
            let rc_at = if version >= 30 && metrics_off == 0x128 {
                200
            } else {
                208
            };
            (times, u32le(d, rc_at)?)
        }
    };
    // The full path of the executable is among the file-name strings.
    let strings = slice(d, strings_off, strings_size).unwrap_or(&[]);
    let units: Vec<u16> = strings
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let upper = exe.to_uppercase();
    let path_hint = String::from_utf16_lossy(&units)
        .split('\0')
        .find(|s| s.to_uppercase().ends_with(&format!("\\{upper}")))
        .map(str::to_string)
        .unwrap_or_default();
    let location = format!("prefetch v{version}");
    let mut out = Vec::new();
    for (i, t) in times.iter().enumerate() {
        let Some(t) = t else { continue };
        let desc = if i == 0 { "last run" } else { "previous run" };
        out.push(
            Event::new(
                Some(*t),
                desc,
                "prefetch:run",
                format!(
                    "{exe} ran ({desc}; run count {run_count}){}",
                    if path_hint.is_empty() {
                        String::new()
                    } else {
                        format!(" from {path_hint}")
                    }
                ),
                name,
                location.clone(),
            )
            .field("executable", &exe)
            .field("run_count", run_count)
            .field("hash", format!("{hash:#010X}"))
            .field("path", &path_hint)
            .field("run_index", i),
        );
    }
    let entry_size = match version {
        17 | 23 => 40,
        26 => 104,
        _ => 96,
    };
    for v in 0..vol_count.min(64) {
        let e = vol_off + v * entry_size;
        let Some(dev_off) = u32le(d, e) else { break };
        let dev_len = u32le(d, e + 4).unwrap_or(0) as usize;
        let device = slice(d, vol_off + dev_off as usize, dev_len * 2)
            .map(utf16z)
            .unwrap_or_default();
        let created = filetime_at(d, e + 8);
        let serial = u32le(d, e + 16).unwrap_or(0);
        if created.is_some() {
            out.push(
                Event::new(
                    created,
                    "created",
                    "prefetch:volume-created",
                    format!("volume {device} (serial {serial:#010X}) created, seen by {exe}"),
                    name,
                    format!("{location} volume {v}"),
                )
                .field("device_path", &device)
                .field("serial", format!("{serial:#010X}"))
                .field("executable", &exe),
            );
        }
    }
    Some(out)
}

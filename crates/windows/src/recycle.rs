//! Recycle-bin records: `INFO2` (Windows 95 to XP) and `$I` files (Vista
//! and later), each giving a deleted file's original path, size and
//! deletion time.

use crate::bytes::{filetime_at, latin1z, slice, u32le, u64le, utf16z};
use crate::{Event, WindowsError};

fn deleted(
    name: &str,
    location: String,
    t: Option<jiff::Timestamp>,
    path: &str,
    size: u64,
) -> Event {
    Event::new(
        t,
        "deleted",
        "recycle:deleted",
        format!("{path} ({size} bytes) moved to the recycle bin"),
        name,
        location,
    )
    .field("original_path", path)
    .field("file_size", size)
}

pub(crate) fn info2(name: &str, d: &[u8]) -> Result<Vec<Event>, WindowsError> {
    let record_size = u32le(d, 12).unwrap_or(0) as usize;
    if !(280..=4096).contains(&record_size) {
        return Err(WindowsError::corrupt(name, "INFO2 record size implausible"));
    }
    let mut out = Vec::new();
    let mut p = 20;
    while let Some(r) = slice(d, p, record_size) {
        let ansi = latin1z(&r[..260]);
        let index = u32le(r, 260).unwrap_or(0);
        let drive = u32le(r, 264).unwrap_or(0);
        let t = filetime_at(r, 268);
        let size = u32le(r, 276).unwrap_or(0) as u64;
        let uni = if record_size >= 800 {
            utf16z(&r[280..800])
        } else {
            String::new()
        };
        let path = if uni.is_empty() { ansi.clone() } else { uni };
        let letter = (b'A' + (drive.min(25) as u8)) as char;
        let e = deleted(name, format!("record {index} @ {p:#x}"), t, &path, size)
            .field(
                "recycled_name",
                format!("D{}{index}", letter.to_ascii_lowercase()),
            )
            .field("drive", letter)
            .field("record_index", index);
        out.push(e);
        p += record_size;
    }
    Ok(out)
}

pub(crate) fn dollar_i(name: &str, d: &[u8]) -> Result<Vec<Event>, WindowsError> {
    let version = u64le(d, 0).unwrap_or(0);
    let size = u64le(d, 8).unwrap_or(0);
    let t = filetime_at(d, 16);
    let path = match version {
        1 => slice(d, 24, 520).map(utf16z),
        2 => {
            let n = u32le(d, 24).unwrap_or(0) as usize;
            slice(d, 28, n.saturating_mul(2).min(65536)).map(utf16z)
        }
        _ => None,
    }
    .ok_or_else(|| WindowsError::corrupt(name, "damaged $I record"))?;
    Ok(vec![deleted(
        name,
        format!("$I v{version}"),
        t,
        &path,
        size,
    )])
}

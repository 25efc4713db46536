//! Bounds-checked little-endian reads and Windows time conversions.

use jiff::Timestamp;

pub(crate) fn u16le(d: &[u8], o: usize) -> Option<u16> {
    d.get(o..o.checked_add(2)?)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
}

pub(crate) fn u32le(d: &[u8], o: usize) -> Option<u32> {
    d.get(o..o.checked_add(4)?)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

pub(crate) fn i32le(d: &[u8], o: usize) -> Option<i32> {
    u32le(d, o).map(|v| v as i32)
}

pub(crate) fn u64le(d: &[u8], o: usize) -> Option<u64> {
    let b = d.get(o..o.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}

pub(crate) fn slice(d: &[u8], o: usize, n: usize) -> Option<&[u8]> {
    d.get(o..o.checked_add(n)?)
}

/// FILETIME (100 ns ticks since 1601) to a timestamp; zero and values
/// outside jiff's range are absent.
pub(crate) fn filetime(ft: u64) -> Option<Timestamp> {
    if ft == 0 || ft == u64::MAX {
        return None;
    }
    const EPOCH_DIFF: i128 = 116_444_736_000_000_000;
    let ns = (ft as i128 - EPOCH_DIFF).checked_mul(100)?;
    Timestamp::from_nanosecond(ns).ok()
}

pub(crate) fn filetime_at(d: &[u8], o: usize) -> Option<Timestamp> {
    u64le(d, o).and_then(filetime)
}

pub(crate) fn posix(secs: i64) -> Option<Timestamp> {
    if secs == 0 {
        return None;
    }
    Timestamp::from_second(secs).ok()
}

/// FAT date and time (as in shell items): low 16 bits date, high 16 time.
pub(crate) fn fat_datetime(v: u32) -> Option<Timestamp> {
    if v == 0 {
        return None;
    }
    let date = (v & 0xffff) as i16 as u16;
    let time = (v >> 16) as u16;
    let day = (date & 0x1f) as i8;
    let month = ((date >> 5) & 0x0f) as i8;
    let year = 1980 + (date >> 9) as i16;
    let sec = ((time & 0x1f) * 2) as i8;
    let min = ((time >> 5) & 0x3f) as i8;
    let hour = (time >> 11) as i8;
    let dt = jiff::civil::DateTime::new(year, month, day, hour, min, sec, 0).ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// UTF-16LE to a string, stopping at the first NUL.
pub(crate) fn utf16z(d: &[u8]) -> String {
    let units: Vec<u16> = d
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// A NUL-terminated UTF-16LE string at `o`, and the offset just past its NUL.
pub(crate) fn utf16z_at(d: &[u8], o: usize) -> Option<(String, usize)> {
    let mut units = Vec::new();
    let mut p = o;
    loop {
        let u = u16le(d, p)?;
        p += 2;
        if u == 0 {
            break;
        }
        units.push(u);
    }
    Some((String::from_utf16_lossy(&units), p))
}

/// A NUL-terminated 8-bit string at `o` (Windows-1252 read as Latin-1),
/// and the offset just past its NUL.
pub(crate) fn asciiz_at(d: &[u8], o: usize) -> Option<(String, usize)> {
    let rest = d.get(o..)?;
    let n = rest.iter().position(|&b| b == 0)?;
    Some((rest[..n].iter().map(|&b| b as char).collect(), o + n + 1))
}

/// Latin-1 bytes to a string, stopping at NUL.
pub(crate) fn latin1z(d: &[u8]) -> String {
    d.iter()
        .take_while(|&&b| b != 0)
        .map(|&b| b as char)
        .collect()
}

/// A GUID in its usual text form.
pub(crate) fn guid(d: &[u8]) -> Option<String> {
    let b = d.get(..16)?;
    Some(format!(
        "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        u32le(b, 0)?,
        u16le(b, 4)?,
        u16le(b, 6)?,
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    ))
}

//! ISO 9660 dates: the 7-byte form of directory records (and Rock Ridge
//! `TF` short form) and the 17-byte ASCII form of volume descriptors (and
//! `TF` long form), both with a GMT offset in 15-minute units.

use jiff::civil::DateTime;
use jiff::tz::Offset;
use jiff::Timestamp;

/// Converts a local date-time with an offset in 15-minute units (valid
/// range −48..=52; anything else is taken as UTC, as Linux does) to UTC.
fn to_utc(dt: DateTime, quarter_hours: i8) -> Option<Timestamp> {
    let q = if (-48..=52).contains(&quarter_hours) {
        i32::from(quarter_hours)
    } else {
        0
    };
    let off = Offset::from_seconds(q * 900).ok()?;
    off.to_timestamp(dt).ok()
}

/// The 7-byte form: years since 1900, month, day, hour, minute, second,
/// offset. `None` when all zero (not recorded) or invalid.
pub(crate) fn short(b: &[u8]) -> Option<Timestamp> {
    let b: &[u8; 7] = b.get(..7)?.try_into().ok()?;
    if b[..6].iter().all(|&x| x == 0) {
        return None;
    }
    let dt = DateTime::new(
        1900 + i16::from(b[0]),
        i8::try_from(b[1]).ok()?,
        i8::try_from(b[2]).ok()?,
        i8::try_from(b[3]).ok()?,
        i8::try_from(b[4]).ok()?,
        i8::try_from(b[5]).ok()?,
        0,
    )
    .ok()?;
    to_utc(dt, i8::from_ne_bytes([b[6]]))
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// The 17-byte form: `YYYYMMDDHHMMSScc` in ASCII digits (hundredths last),
/// then the offset byte. `None` when all digits are zero (not recorded) or
/// the fields are invalid.
pub(crate) fn long(b: &[u8]) -> Option<Timestamp> {
    let b: &[u8; 17] = b.get(..17)?.try_into().ok()?;
    if b[..16].iter().all(|&c| c == b'0' || c == 0) {
        return None;
    }
    let year = i16::try_from(digits(&b[0..4])?).ok()?;
    let f = |r: std::ops::Range<usize>| -> Option<i8> { i8::try_from(digits(&b[r])?).ok() };
    let hundredths = digits(&b[14..16])?;
    let dt = DateTime::new(
        year,
        f(4..6)?,
        f(6..8)?,
        f(8..10)?,
        f(10..12)?,
        f(12..14)?,
        i32::try_from(hundredths * 10_000_000).ok()?,
    )
    .ok()?;
    to_utc(dt, i8::from_ne_bytes([b[16]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_with_offset() {
        // 2020-05-06 07:08:09 at GMT+2 (8 quarter hours) = 05:08:09 UTC.
        let t = short(&[120, 5, 6, 7, 8, 9, 8]).unwrap();
        assert_eq!(t.to_string(), "2020-05-06T05:08:09Z");
        let t = short(&[120, 5, 6, 7, 8, 9, (-4i8).to_ne_bytes()[0]]).unwrap();
        assert_eq!(t.to_string(), "2020-05-06T08:08:09Z");
        assert!(short(&[0; 7]).is_none());
        assert!(short(&[120, 13, 6, 7, 8, 9, 0]).is_none());
        assert!(short(&[120, 2, 30, 7, 8, 9, 0]).is_none());
        // Out-of-range offset: read as UTC.
        let t = short(&[120, 5, 6, 7, 8, 9, 100]).unwrap();
        assert_eq!(t.to_string(), "2020-05-06T07:08:09Z");
    }

    #[test]
    fn long_form() {
        let mut b = *b"2021123123595950\0";
        b[16] = 4; // GMT+1
        assert_eq!(long(&b).unwrap().to_string(), "2021-12-31T22:59:59.5Z");
        assert!(long(b"0000000000000000\0").is_none());
        assert!(long(b"20211231235959xx\0").is_none());
    }
}

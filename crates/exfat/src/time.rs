//! exFAT timestamps: a FAT-style local date and time (2 s resolution), a
//! 10 ms increment, and a UTC offset byte (bit 7: valid; bits 0–6: signed
//! offset in 15-minute units). Without a valid offset the time is local to
//! the zone the examiner gives.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

fn date(d: u16) -> Option<Date> {
    let day = i8::try_from(d & 0x1f).ok()?;
    let month = i8::try_from((d >> 5) & 0x0f).ok()?;
    let year = 1980 + i16::try_from(d >> 9).ok()?;
    Date::new(year, month, day).ok()
}

fn time(t: u16) -> Option<Time> {
    let h = i8::try_from(t >> 11).ok()?;
    let m = i8::try_from((t >> 5) & 0x3f).ok()?;
    let s = i8::try_from((t & 0x1f) * 2).ok()?;
    Time::new(h, m, s, 0).ok()
}

/// The UTC offset a `UtcOffset` byte gives, if its valid bit is set.
pub(crate) fn utc_offset(b: u8) -> Option<Offset> {
    if b & 0x80 == 0 {
        return None;
    }
    // Sign-extend the low 7 bits.
    let quarters = i32::from(((b << 1) as i8) >> 1);
    Offset::from_seconds(quarters * 900).ok()
}

/// A timestamp field (`date << 16 | time`), its 10 ms increment (0–199;
/// larger values ignored) and UTC offset byte, in UTC. `None` when the
/// field is zero or invalid.
pub(crate) fn timestamp(ts: u32, tens: u8, offset: u8, tz: &TimeZone) -> Option<Timestamp> {
    if ts == 0 {
        return None;
    }
    let dt = DateTime::from_parts(date((ts >> 16) as u16)?, time(ts as u16)?);
    let t = match utc_offset(offset) {
        Some(off) => off.to_timestamp(dt).ok()?,
        None => tz.to_ambiguous_timestamp(dt).compatible().ok()?,
    };
    if tens <= 199 {
        t.checked_add(SignedDuration::from_millis(i64::from(tens) * 10))
            .ok()
    } else {
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> u32 {
        ((y - 1980) << 25) | (mo << 21) | (d << 16) | (h << 11) | (mi << 5) | (s / 2)
    }

    #[test]
    fn offsets_and_increments() {
        let ts = field(2024, 2, 29, 13, 14, 16);
        let utc = TimeZone::UTC;
        // Valid offset +02:00 (8 quarters): 11:14:16 UTC.
        let t = timestamp(ts, 0, 0x80 | 8, &utc).unwrap();
        assert_eq!(t.to_string(), "2024-02-29T11:14:16Z");
        // Valid offset −05:00 (−20 quarters = 0x6C in 7 bits).
        let t = timestamp(ts, 150, 0x80 | 0x6C, &utc).unwrap();
        assert_eq!(t.to_string(), "2024-02-29T18:14:17.5Z");
        // No valid offset: the examiner's zone.
        let ny = TimeZone::get("America/New_York")
            .unwrap_or(TimeZone::fixed(Offset::from_seconds(-5 * 3600).unwrap()));
        let t = timestamp(ts, 0, 8, &ny).unwrap();
        assert_eq!(t.to_string(), "2024-02-29T18:14:16Z");
        assert!(timestamp(0, 0, 0, &utc).is_none());
        assert!(timestamp(field(2024, 13, 1, 0, 0, 0), 0, 0, &utc).is_none());
        assert!(timestamp(field(2024, 1, 1, 25, 0, 0), 0, 0, &utc).is_none());
    }
}

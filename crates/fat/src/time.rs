//! FAT timestamps: local date and time fields, converted to UTC with the
//! zone the examiner says the volume was written in.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Whether a FAT date field is plausible (TSK's `FATFS_ISDATE`): day 1–31,
/// month 1–12. The year is 1980 + 0..127 by construction.
pub(crate) fn valid_date(d: u16) -> bool {
    let day = d & 0x1f;
    let month = (d >> 5) & 0x0f;
    (1..=31).contains(&day) && (1..=12).contains(&month)
}

/// Whether a FAT time field is plausible: hour ≤ 23, minute ≤ 59,
/// seconds ≤ 58.
pub(crate) fn valid_time(t: u16) -> bool {
    (t >> 11) <= 23 && ((t >> 5) & 0x3f) <= 59 && (t & 0x1f) <= 29
}

fn date(d: u16) -> Option<Date> {
    if !valid_date(d) {
        return None;
    }
    let year = 1980 + i16::try_from(d >> 9).ok()?;
    let month = i8::try_from((d >> 5) & 0x0f).ok()?;
    let day = i8::try_from(d & 0x1f).ok()?;
    Date::new(year, month, day).ok()
}

fn time(t: u16) -> Option<Time> {
    if !valid_time(t) {
        return None;
    }
    let h = i8::try_from(t >> 11).ok()?;
    let m = i8::try_from((t >> 5) & 0x3f).ok()?;
    let s = i8::try_from((t & 0x1f) * 2).ok()?;
    Time::new(h, m, s, 0).ok()
}

fn to_utc(dt: DateTime, tz: &TimeZone) -> Option<Timestamp> {
    tz.to_ambiguous_timestamp(dt).compatible().ok()
}

/// A date-only field (last access) as local midnight, in UTC.
pub(crate) fn date_only(d: u16, tz: &TimeZone) -> Option<Timestamp> {
    to_utc(date(d)?.to_datetime(Time::midnight()), tz)
}

/// A date and time (2 s resolution) plus the creation time's 10 ms units
/// (0–199, adding up to 1.99 s; values above 199 are ignored), in UTC.
/// `None` when the date is absent or invalid, or the time invalid.
pub(crate) fn date_time(d: u16, t: u16, tens: u8, tz: &TimeZone) -> Option<Timestamp> {
    let ts = to_utc(date(d)?.to_datetime(time(t)?), tz)?;
    if tens <= 199 {
        ts.checked_add(SignedDuration::from_millis(i64::from(tens) * 10))
            .ok()
    } else {
        Some(ts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_fields() {
        // 2004-01-01 14:00:02 local, as in DFTT #5 (winter.txt).
        let d = ((2004 - 1980) << 9) | (1 << 5) | 1;
        let t = (14 << 11) | 1;
        let utc = date_time(d, t, 0, &TimeZone::UTC).unwrap();
        assert_eq!(utc.as_second(), 1_072_965_602);
        let tens = date_time(d, t, 150, &TimeZone::UTC).unwrap();
        assert_eq!(tens.as_millisecond(), 1_072_965_603_500);
        assert_eq!(
            date_only(d, &TimeZone::UTC).unwrap().as_second(),
            1_072_915_200
        );
        assert!(date_time(0, t, 0, &TimeZone::UTC).is_none());
        // 30 February.
        let feb30 = ((2004 - 1980) << 9) | (2 << 5) | 30;
        assert!(date_only(feb30, &TimeZone::UTC).is_none());
        // Hour 24.
        assert!(date_time(d, 24 << 11, 0, &TimeZone::UTC).is_none());
    }
}

//! The one timestamp format used in both files: RFC 3339, UTC (`Z`),
//! exactly six fractional digits (microseconds, truncated), e.g.
//! `2026-11-29T16:22:11.123456Z`.

use jiff::Timestamp;

use crate::error::{CustodyError, Result};

/// Formats `ts` in the files' timestamp format.
pub fn format_time(ts: &Timestamp) -> String {
    format!("{ts:.6}")
}

/// `ts` truncated to the precision stored in the files, so the value
/// returned to callers equals the value read back later.
pub fn stored_time(ts: &Timestamp) -> Result<Timestamp> {
    let text = format_time(ts);
    let ok = text.len() == 27 && text.as_bytes().first().is_some_and(u8::is_ascii_digit);
    if !ok {
        return Err(CustodyError::Invalid {
            what: format!("time {text} is outside years 0000-9999"),
        });
    }
    text.parse().map_err(|e| CustodyError::Invalid {
        what: format!("time {text}: {e}"),
    })
}

/// Serde adapter writing a [`Timestamp`] in the files' format and reading
/// any RFC 3339 timestamp.
pub mod serde_rfc3339 {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes in the files' format.
    pub fn serialize<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_time(ts))
    }

    /// Parses an RFC 3339 timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digits_truncated() {
        let ts = Timestamp::new(1_795_969_331, 123_456_789).unwrap();
        assert_eq!(format_time(&ts), "2026-11-29T16:22:11.123456Z");
        let st = stored_time(&ts).unwrap();
        assert_eq!(st, Timestamp::new(1_795_969_331, 123_456_000).unwrap());
        let whole = Timestamp::from_second(0).unwrap();
        assert_eq!(format_time(&whole), "1970-01-01T00:00:00.000000Z");
    }
}

//! EXIF metadata of a picture: who took it with what (make, model, body
//! serial), when (with the UTC offset when the camera recorded one), where
//! (GPS), what touched it afterwards (software), and the embedded
//! thumbnail — which editors often leave showing the original picture, a
//! sign of editing when it no longer matches.

use std::io::Cursor;

use exif::{In, Tag, Value};
use serde::Serialize;

use crate::pdq::{self, PdqResult, MATCH_DISTANCE};

/// Largest thumbnail read (EXIF limits APP1 to 64 KiB anyway).
const MAX_THUMBNAIL: usize = 1 << 20;

/// What the EXIF block says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ExifInfo {
    /// Camera maker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// Camera model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Body serial number (or the maker's older serial tag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Software that wrote or edited the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
    /// Capture time as recorded (camera local time), `YYYY-MM-DDTHH:MM:SS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captured: Option<String>,
    /// UTC offset recorded with it (`+07:00`), when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<String>,
    /// Latitude in degrees, north positive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude in degrees, east positive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Altitude in metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub altitude: Option<f64>,
    /// EXIF orientation (1–8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orientation: Option<u32>,
    /// Length of the embedded JPEG thumbnail, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_length: Option<usize>,
}

/// Reads the EXIF block of a JPEG, TIFF, PNG, WebP or HEIF file. `None`
/// when there is none or it is unreadable.
pub fn read(bytes: &[u8]) -> Option<(ExifInfo, Option<Vec<u8>>)> {
    let ex = exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()?;
    let text = |tag: Tag| -> Option<String> {
        let f = ex.get_field(tag, In::PRIMARY)?;
        match &f.value {
            Value::Ascii(v) => {
                let s: Vec<String> = v
                    .iter()
                    .map(|b| {
                        String::from_utf8_lossy(b)
                            .trim_end_matches('\0')
                            .trim()
                            .to_string()
                    })
                    .filter(|s| !s.is_empty())
                    .collect();
                (!s.is_empty()).then(|| s.join(" "))
            }
            _ => Some(f.display_value().to_string()),
        }
    };
    let mut info = ExifInfo {
        make: text(Tag::Make),
        model: text(Tag::Model),
        serial: text(Tag::BodySerialNumber),
        software: text(Tag::Software),
        ..ExifInfo::default()
    };
    let time = text(Tag::DateTimeOriginal).or_else(|| text(Tag::DateTime));
    info.captured = time.and_then(|t| exif_time(&t));
    info.offset = text(Tag::OffsetTimeOriginal).or_else(|| text(Tag::OffsetTime));
    info.orientation = ex
        .get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|f| f.value.get_uint(0));
    let dms = |tag: Tag| -> Option<f64> {
        match &ex.get_field(tag, In::PRIMARY)?.value {
            Value::Rational(r) if r.len() >= 3 && r.iter().all(|x| x.denom != 0) => {
                Some(r[0].to_f64() + r[1].to_f64() / 60.0 + r[2].to_f64() / 3600.0)
            }
            _ => None,
        }
    };
    let sign = |tag: Tag, neg: &str| text(tag).map(|s| if s.starts_with(neg) { -1.0 } else { 1.0 });
    if let (Some(lat), Some(lon)) = (dms(Tag::GPSLatitude), dms(Tag::GPSLongitude)) {
        info.latitude = Some(lat * sign(Tag::GPSLatitudeRef, "S").unwrap_or(1.0));
        info.longitude = Some(lon * sign(Tag::GPSLongitudeRef, "W").unwrap_or(1.0));
        if let Some(Value::Rational(r)) = ex
            .get_field(Tag::GPSAltitude, In::PRIMARY)
            .map(|f| &f.value)
        {
            if let Some(a) = r.first().filter(|a| a.denom != 0) {
                let below = ex
                    .get_field(Tag::GPSAltitudeRef, In::PRIMARY)
                    .and_then(|f| match &f.value {
                        Value::Byte(b) => b.first().copied(),
                        _ => None,
                    })
                    == Some(1);
                info.altitude = Some(if below { -a.to_f64() } else { a.to_f64() });
            }
        }
    }
    let thumb = (|| {
        let off = ex
            .get_field(Tag::JPEGInterchangeFormat, In::THUMBNAIL)?
            .value
            .get_uint(0)? as usize;
        let len = ex
            .get_field(Tag::JPEGInterchangeFormatLength, In::THUMBNAIL)?
            .value
            .get_uint(0)? as usize;
        if len == 0 || len > MAX_THUMBNAIL {
            return None;
        }
        ex.buf().get(off..off.checked_add(len)?).map(<[u8]>::to_vec)
    })();
    info.thumbnail_length = thumb.as_ref().map(Vec::len);
    Some((info, thumb))
}

/// `2017:11:06 21:37:40` → `2017-11-06T21:37:40`; `None` for blank or
/// malformed values (cameras write `0000:00:00 00:00:00`).
fn exif_time(s: &str) -> Option<String> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19 || !b[..4].iter().all(u8::is_ascii_digit) || s.starts_with("0000") {
        return None;
    }
    let date = s.get(0..10)?.replace(':', "-");
    let time = s.get(11..19)?;
    Some(format!("{date}T{time}"))
}

/// Compares the thumbnail with the main picture: `Some(distance)` when both
/// hash with usable quality, the caller flags distances above the match
/// threshold ([`thumbnail_differs`]).
pub fn thumbnail_distance(thumbnail: &[u8], main: &PdqResult) -> Option<u32> {
    let t = pdq::hash_image(thumbnail).ok()?;
    if t.quality < pdq::MIN_QUALITY || main.quality < pdq::MIN_QUALITY {
        return None;
    }
    // A thumbnail may be stored unrotated while the picture was turned
    // losslessly: compare in every orientation.
    main.variants()
        .iter()
        .map(|(_, h)| h.distance(&t.hash))
        .min()
}

/// True when the thumbnail shows a different picture than the file.
pub fn thumbnail_differs(thumbnail: &[u8], main: &PdqResult) -> bool {
    thumbnail_distance(thumbnail, main).is_some_and(|d| d > MATCH_DISTANCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(
            exif_time("2017:11:06 21:37:40").as_deref(),
            Some("2017-11-06T21:37:40")
        );
        assert_eq!(exif_time("0000:00:00 00:00:00"), None);
        assert_eq!(exif_time("garbage"), None);
    }

    #[test]
    fn no_exif_is_none() {
        assert!(read(b"not a picture").is_none());
        assert!(read(&[0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]).is_none());
    }
}

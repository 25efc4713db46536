//! What a picture or video is, from its first bytes (names lie; content
//! does not).

use serde::Serialize;

/// The picture and video formats this crate recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    /// JPEG / JFIF / EXIF.
    Jpeg,
    /// PNG.
    Png,
    /// GIF 87a/89a.
    Gif,
    /// Windows bitmap.
    Bmp,
    /// WebP (RIFF).
    Webp,
    /// HEIC/HEIF/AVIF stills (ISO-BMFF with an image brand).
    Heic,
    /// TIFF (also most camera raw formats).
    Tiff,
    /// MP4 and other ISO-BMFF video.
    Mp4,
    /// QuickTime.
    Mov,
    /// 3GPP / 3GPP2.
    #[serde(rename = "3gp")]
    ThreeGp,
    /// AVI (RIFF).
    Avi,
    /// Matroska / WebM.
    Mkv,
}

impl MediaType {
    /// Every type.
    pub const ALL: [MediaType; 12] = [
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Gif,
        MediaType::Bmp,
        MediaType::Webp,
        MediaType::Heic,
        MediaType::Tiff,
        MediaType::Mp4,
        MediaType::Mov,
        MediaType::ThreeGp,
        MediaType::Avi,
        MediaType::Mkv,
    ];

    /// Lower-case name, also the file extension used for carved objects.
    pub fn name(self) -> &'static str {
        match self {
            MediaType::Jpeg => "jpeg",
            MediaType::Png => "png",
            MediaType::Gif => "gif",
            MediaType::Bmp => "bmp",
            MediaType::Webp => "webp",
            MediaType::Heic => "heic",
            MediaType::Tiff => "tiff",
            MediaType::Mp4 => "mp4",
            MediaType::Mov => "mov",
            MediaType::ThreeGp => "3gp",
            MediaType::Avi => "avi",
            MediaType::Mkv => "mkv",
        }
    }

    /// Parses [`MediaType::name`] (and `jpg`, `heif`, `webm`, `tif`).
    pub fn from_name(s: &str) -> Option<MediaType> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "jpg" => MediaType::Jpeg,
            "heif" | "avif" => MediaType::Heic,
            "tif" => MediaType::Tiff,
            "webm" => MediaType::Mkv,
            "m4v" => MediaType::Mp4,
            _ => return MediaType::ALL.into_iter().find(|t| t.name() == s),
        })
    }

    /// A still picture (as opposed to a video).
    pub fn is_picture(self) -> bool {
        matches!(
            self,
            MediaType::Jpeg
                | MediaType::Png
                | MediaType::Gif
                | MediaType::Bmp
                | MediaType::Webp
                | MediaType::Heic
                | MediaType::Tiff
        )
    }

    /// A picture our decoders read (so it gets a PDQ hash).
    pub fn decodable(self) -> bool {
        matches!(
            self,
            MediaType::Jpeg
                | MediaType::Png
                | MediaType::Gif
                | MediaType::Bmp
                | MediaType::Webp
                | MediaType::Tiff
        )
    }
}

/// Recognises the format from the start of the data (16 bytes are enough).
pub fn detect(head: &[u8]) -> Option<MediaType> {
    let starts = |sig: &[u8]| head.starts_with(sig);
    if starts(&[0xff, 0xd8, 0xff]) {
        return Some(MediaType::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(MediaType::Png);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some(MediaType::Gif);
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Some(MediaType::Tiff);
    }
    if starts(b"RIFF") && head.len() >= 12 {
        return match &head[8..12] {
            b"WEBP" => Some(MediaType::Webp),
            b"AVI " => Some(MediaType::Avi),
            _ => None,
        };
    }
    if starts(&[0x1a, 0x45, 0xdf, 0xa3]) {
        return Some(MediaType::Mkv);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Some(bmff_brand(&head[8..12]));
    }
    if starts(b"BM") && bmp_header_ok(head) {
        return Some(MediaType::Bmp);
    }
    None
}

/// The type an ISO-BMFF major brand stands for.
pub(crate) fn bmff_brand(brand: &[u8]) -> MediaType {
    match brand {
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" | b"avif"
        | b"avis" => MediaType::Heic,
        b"qt  " => MediaType::Mov,
        _ if brand.starts_with(b"3g") => MediaType::ThreeGp,
        _ => MediaType::Mp4,
    }
}

/// `BM` is two letters of text; require a plausible header behind them.
pub(crate) fn bmp_header_ok(h: &[u8]) -> bool {
    if h.len() < 18 {
        return false;
    }
    let u32le = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let size = u32le(2);
    let reserved = u32le(6);
    let data = u32le(10);
    let dib = u32le(14);
    reserved == 0
        && matches!(dib, 12 | 40 | 52 | 56 | 64 | 108 | 124)
        && data >= 14 + dib
        && size > data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert_eq!(detect(&[0xff, 0xd8, 0xff, 0xe0]), Some(MediaType::Jpeg));
        assert_eq!(detect(b"\0\0\0\x18ftypheic\0\0\0\0"), Some(MediaType::Heic));
        assert_eq!(detect(b"\0\0\0\x14ftypqt  \0\0\0\0"), Some(MediaType::Mov));
        assert_eq!(
            detect(b"\0\0\0\x14ftyp3gp4\0\0\0\0"),
            Some(MediaType::ThreeGp)
        );
        assert_eq!(detect(b"\0\0\0\x14ftypisom\0\0\0\0"), Some(MediaType::Mp4));
        assert_eq!(detect(b"RIFF\0\0\0\0AVI LIST"), Some(MediaType::Avi));
        assert_eq!(detect(b"BMW is a car brand"), None);
        assert_eq!(detect(b""), None);
        assert_eq!(MediaType::from_name("JPG"), Some(MediaType::Jpeg));
        assert_eq!(MediaType::from_name("3gp"), Some(MediaType::ThreeGp));
    }
}

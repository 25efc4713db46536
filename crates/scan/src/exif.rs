//! GPS coordinates from EXIF blocks (bulk_extractor's `exif` scanner,
//! `gps.txt`).
//!
//! Triggered by `Exif\0\0` (the payload of a JPEG APP1 segment; the block
//! masks flag every `Ex`), followed by a TIFF header (`II*\0` or `MM\0*`).
//! Parses IFD0 → GPS IFD (tag 0x8825) → GPSLatitudeRef (1), GPSLatitude
//! (2), GPSLongitudeRef (3), GPSLongitude (4). Every offset and count is
//! checked against the available bytes; IFDs are capped at
//! [`MAX_ENTRIES`] entries and only IFD0 and the GPS IFD are read (no IFD
//! chain is followed, so a hostile chain cannot loop; a GPS pointer back to
//! IFD0 is rejected). Only complete, in-range coordinates with non-zero
//! denominators are reported.

use crate::decode::input::Input;
use crate::engine::{Ctx, CONTEXT};
use crate::frame::Frame;
use crate::{Feature, Kind};

/// The APP1 EXIF identifier.
const MAGIC: &[u8; 6] = b"Exif\0\0";
/// Most entries read from one IFD (real ones hold a few dozen).
pub(crate) const MAX_ENTRIES: usize = 512;
/// Most bytes of a TIFF structure read (a JPEG APP1 segment holds at most
/// 64 KiB).
const MAX_TIFF: usize = 64 << 10;

/// Why a parse failed.
#[derive(Debug, PartialEq, Eq)]
enum Fail {
    /// An offset ran past the available bytes (more bytes may help).
    Short,
    /// The structure is not a valid EXIF with GPS coordinates.
    Bad,
}

/// Reader of a TIFF structure in its byte order.
struct Tiff<'a> {
    d: &'a [u8],
    be: bool,
}

impl Tiff<'_> {
    fn bytes<const N: usize>(&self, o: usize) -> Result<[u8; N], Fail> {
        let end = o.checked_add(N).ok_or(Fail::Bad)?;
        let b = self.d.get(o..end).ok_or(Fail::Short)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        Ok(a)
    }

    fn u16(&self, o: usize) -> Result<u16, Fail> {
        let b = self.bytes::<2>(o)?;
        Ok(if self.be {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32(&self, o: usize) -> Result<u32, Fail> {
        let b = self.bytes::<4>(o)?;
        Ok(if self.be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    /// Entry count of the IFD at `o`, checked against [`MAX_ENTRIES`].
    fn entries(&self, o: usize) -> Result<usize, Fail> {
        let n = usize::from(self.u16(o)?);
        if n == 0 || n > MAX_ENTRIES {
            return Err(Fail::Bad);
        }
        Ok(n)
    }

    /// Three unsigned rationals at `o` as degrees + minutes/60 +
    /// seconds/3600.
    fn dms(&self, o: usize) -> Result<f64, Fail> {
        let mut v = [0f64; 3];
        for (k, x) in v.iter_mut().enumerate() {
            let num = self.u32(o + 8 * k)?;
            let den = self.u32(o + 8 * k + 4)?;
            if den == 0 {
                return Err(Fail::Bad);
            }
            *x = f64::from(num) / f64::from(den);
        }
        Ok(v[0] + v[1] / 60.0 + v[2] / 3600.0)
    }
}

/// TIFF type RATIONAL.
const RATIONAL: u16 = 5;

/// Signed latitude and longitude from the TIFF structure starting at
/// `d[0]`.
fn parse(d: &[u8]) -> Result<(f64, f64), Fail> {
    let be = match d.get(..4).ok_or(Fail::Short)? {
        b"II*\0" => false,
        b"MM\0*" => true,
        _ => return Err(Fail::Bad),
    };
    let t = Tiff { d, be };
    let ifd0 = t.u32(4)? as usize;
    if ifd0 < 8 {
        return Err(Fail::Bad);
    }
    let mut gps = None;
    for k in 0..t.entries(ifd0)? {
        let e = ifd0 + 2 + 12 * k;
        if t.u16(e)? == 0x8825 {
            gps = Some(t.u32(e + 8)? as usize);
            break;
        }
    }
    let gps = gps.ok_or(Fail::Bad)?;
    if gps < 8 || gps == ifd0 {
        return Err(Fail::Bad);
    }
    let (mut lat_ref, mut lon_ref, mut lat, mut lon) = (None, None, None, None);
    for k in 0..t.entries(gps)? {
        let e = gps + 2 + 12 * k;
        let tag = t.u16(e)?;
        if !(1..=4).contains(&tag) {
            continue;
        }
        let typ = t.u16(e + 2)?;
        let count = t.u32(e + 4)?;
        match tag {
            1 | 3 => {
                // ASCII, "N\0" etc.: inline in the value field.
                if typ != 2 || !(1..=4).contains(&count) {
                    return Err(Fail::Bad);
                }
                let c = t.bytes::<1>(e + 8)?[0];
                if tag == 1 {
                    lat_ref = Some(c);
                } else {
                    lon_ref = Some(c);
                }
            }
            _ => {
                if typ != RATIONAL || count < 3 {
                    return Err(Fail::Bad);
                }
                let v = t.dms(t.u32(e + 8)? as usize)?;
                if tag == 2 {
                    lat = Some(v);
                } else {
                    lon = Some(v);
                }
            }
        }
    }
    let lat = match (lat_ref, lat) {
        (Some(b'N'), Some(v)) => v,
        (Some(b'S'), Some(v)) => -v,
        _ => return Err(Fail::Bad),
    };
    let lon = match (lon_ref, lon) {
        (Some(b'E'), Some(v)) => v,
        (Some(b'W'), Some(v)) => -v,
        _ => return Err(Fail::Bad),
    };
    if !(lat.abs() <= 90.0 && lon.abs() <= 180.0) {
        return Err(Fail::Bad);
    }
    Ok((lat, lon))
}

/// `x` with six decimals, never `-0.000000`.
fn deg(x: f64) -> String {
    let s = format!("{x:.6}");
    match s.strip_prefix('-') {
        Some(r) if r.bytes().all(|b| b == b'0' || b == b'.') => r.to_string(),
        _ => s,
    }
}

/// The normalized `lat,lon` of an EXIF TIFF structure at `d[0]`, if it
/// holds valid GPS coordinates.
#[cfg(test)]
pub(crate) fn gps(d: &[u8]) -> Option<String> {
    let (lat, lon) = parse(d).ok()?;
    Some(format!("{},{}", deg(lat), deg(lon)))
}

/// An `Ex` at `f.data[i]` (found by the block masks): reports the GPS
/// coordinates of the EXIF block starting there, if any.
pub(crate) fn scan(ctx: &mut Ctx, f: &Frame, i: usize) {
    let data = f.data;
    let t = i + MAGIC.len();
    if !ctx.wants(Kind::Gps) || data.get(i..t) != Some(&MAGIC[..]) {
        return;
    }
    let head = &data[t..data.len().min(t.saturating_add(MAX_TIFF))];
    let mut r = parse(head);
    if r == Err(Fail::Short) && head.len() < MAX_TIFF && f.tail.is_some() {
        // The structure runs past the chunk: read on from the source.
        let mut input = Input::new(f, t, MAX_TIFF as u64);
        let mut more = Vec::new();
        input.take(MAX_TIFF, &mut more);
        r = parse(&more);
    }
    let Ok((lat, lon)) = r else {
        return;
    };
    let value = format!("{},{}", deg(lat), deg(lon));
    let context = data[i.saturating_sub(CONTEXT)..data.len().min(t + CONTEXT)].to_vec();
    ctx.emit(Feature {
        kind: Kind::Gps,
        normalized: value.clone(),
        value,
        path: f.path(t),
        offset: f.offset(t),
        encoding: None,
        validated: true,
        context,
    });
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A TIFF structure: IFD0 with the GPS pointer, a GPS IFD with the
    /// refs and (deg, min, sec) rationals (num, den).
    pub(crate) fn tiff(
        be: bool,
        lat: (u8, [(u32, u32); 3]),
        lon: (u8, [(u32, u32); 3]),
    ) -> Vec<u8> {
        let w16 =
            |v: &mut Vec<u8>, x: u16| v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
        let w32 =
            |v: &mut Vec<u8>, x: u32| v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
        let mut v = Vec::new();
        v.extend_from_slice(if be { b"MM\0*" } else { b"II*\0" });
        w32(&mut v, 8);
        // IFD0 at 8: one entry, GPS pointer to 26.
        w16(&mut v, 1);
        w16(&mut v, 0x8825);
        w16(&mut v, 4);
        w32(&mut v, 1);
        w32(&mut v, 26);
        w32(&mut v, 0);
        // GPS IFD at 26: four entries, rationals at 80 and 104.
        w16(&mut v, 4);
        for (tag, r, off) in [(1u16, lat.0, 80u32), (3, lon.0, 104)] {
            w16(&mut v, tag);
            w16(&mut v, 2);
            w32(&mut v, 2);
            v.extend([r, 0, 0, 0]);
            w16(&mut v, tag + 1);
            w16(&mut v, RATIONAL);
            w32(&mut v, 3);
            w32(&mut v, off);
        }
        w32(&mut v, 0);
        assert_eq!(v.len(), 80);
        for (n, d) in lat.1.into_iter().chain(lon.1) {
            w32(&mut v, n);
            w32(&mut v, d);
        }
        v
    }

    pub(crate) const BKK: [(u32, u32); 3] = [(13, 1), (45, 1), (2279, 100)];
    pub(crate) const BKK_E: [(u32, u32); 3] = [(100, 1), (30, 1), (6354, 1000)];

    #[test]
    fn little_and_big_endian_all_hemispheres() {
        let le = tiff(false, (b'N', BKK), (b'E', BKK_E));
        assert_eq!(gps(&le).as_deref(), Some("13.756331,100.501765"));
        let be = tiff(true, (b'S', BKK), (b'W', BKK_E));
        assert_eq!(gps(&be).as_deref(), Some("-13.756331,-100.501765"));
        let z = tiff(false, (b'S', [(0, 1); 3]), (b'W', [(0, 1); 3]));
        assert_eq!(gps(&z).as_deref(), Some("0.000000,0.000000"));
    }

    #[test]
    fn rejects_bad_values() {
        let mut zero_den = BKK;
        zero_den[2].1 = 0;
        assert_eq!(gps(&tiff(false, (b'N', zero_den), (b'E', BKK_E))), None);
        let north = [(91, 1), (0, 1), (0, 1)];
        assert_eq!(gps(&tiff(true, (b'N', north), (b'E', BKK_E))), None);
        let east = [(180, 1), (0, 1), (1, 1)];
        assert_eq!(gps(&tiff(true, (b'N', BKK), (b'E', east))), None);
        assert_eq!(gps(&tiff(false, (b'X', BKK), (b'E', BKK_E))), None);
    }

    #[test]
    fn hostile_structures_neither_panic_nor_report() {
        let good = tiff(false, (b'N', BKK), (b'E', BKK_E));
        // every truncation
        for n in 0..good.len() {
            assert_eq!(gps(&good[..n]), None, "{n}");
        }
        // GPS pointer back to IFD0 (a loop)
        let mut l = good.clone();
        l[18..22].copy_from_slice(&8u32.to_le_bytes());
        assert_eq!(gps(&l), None);
        // pointers far out of range
        for at in [4usize, 18, 38 + 8, 62 + 8] {
            let mut h = good.clone();
            h[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            assert_eq!(gps(&h), None, "{at}");
        }
        // huge entry counts
        let mut h = good.clone();
        h[26..28].copy_from_slice(&0xFFFFu16.to_le_bytes());
        assert_eq!(gps(&h), None);
        // every single byte set to every interesting value
        for i in 0..good.len() {
            for b in [0u8, 1, 0x7f, 0x80, 0xff] {
                let mut h = good.clone();
                h[i] = b;
                let _ = gps(&h);
            }
        }
    }
}

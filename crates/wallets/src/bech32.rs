//! Bech32 (BIP-173) and Bech32m (BIP-350), and segwit address decoding.

/// The 32 data characters, by value.
pub(crate) const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// The value of a (lower-case) data character.
pub(crate) fn char_value(c: u8) -> Option<u8> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u8)
}

/// Which checksum constant a string satisfies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// BIP-173: constant 1.
    Bech32,
    /// BIP-350: constant 0x2bc830a3.
    Bech32m,
}

const BECH32M_CONST: u32 = 0x2bc8_30a3;

fn polymod(values: impl IntoIterator<Item = u8>) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

fn hrp_expand(hrp: &[u8]) -> impl Iterator<Item = u8> + '_ {
    hrp.iter()
        .map(|c| c >> 5)
        .chain(std::iter::once(0))
        .chain(hrp.iter().map(|c| c & 31))
}

/// A decoded Bech32/Bech32m string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    /// Human-readable part, lower-case.
    pub hrp: String,
    /// 5-bit data values, checksum removed.
    pub data: Vec<u8>,
    /// The checksum variant the string satisfies.
    pub variant: Variant,
}

/// Decodes a Bech32 or Bech32m string (BIP-173 rules: at most 90
/// characters, printable ASCII, not mixed case, a non-empty HRP, at least six
/// checksum characters after the last `1`).
pub(crate) fn decode(s: &str) -> Option<Decoded> {
    let b = s.as_bytes();
    if b.len() > 90 || b.iter().any(|&c| !(33..=126).contains(&c)) {
        return None;
    }
    let has_lower = b.iter().any(u8::is_ascii_lowercase);
    let has_upper = b.iter().any(u8::is_ascii_uppercase);
    if has_lower && has_upper {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let lb = lower.as_bytes();
    let sep = lb.iter().rposition(|&c| c == b'1')?;
    if sep == 0 || sep + 7 > lb.len() {
        return None;
    }
    let hrp = &lb[..sep];
    let values: Vec<u8> = lb[sep + 1..]
        .iter()
        .map(|&c| char_value(c))
        .collect::<Option<_>>()?;
    let variant = match polymod(hrp_expand(hrp).chain(values.iter().copied())) {
        1 => Variant::Bech32,
        BECH32M_CONST => Variant::Bech32m,
        _ => return None,
    };
    let data = values[..values.len() - 6].to_vec();
    Some(Decoded {
        hrp: String::from_utf8_lossy(hrp).into_owned(),
        data,
        variant,
    })
}

/// Encodes `hrp` (lower-case) and 5-bit `data` with the given checksum.
#[cfg(test)]
pub(crate) fn encode(hrp: &str, data: &[u8], variant: Variant) -> String {
    let konst = match variant {
        Variant::Bech32 => 1,
        Variant::Bech32m => BECH32M_CONST,
    };
    let pm = polymod(
        hrp_expand(hrp.as_bytes())
            .chain(data.iter().copied())
            .chain([0u8; 6]),
    ) ^ konst;
    let mut out = format!("{hrp}1");
    for &d in data {
        out.push(CHARSET[usize::from(d)] as char);
    }
    for i in 0..6 {
        out.push(CHARSET[((pm >> (5 * (5 - i))) & 31) as usize] as char);
    }
    out
}

/// Regroups bits: `from`-bit values into `to`-bit values. Without `pad`,
/// left-over bits must be fewer than `from` and all zero (BIP-173).
pub(crate) fn convert_bits(data: &[u8], from: u32, to: u32, pad: bool) -> Option<Vec<u8>> {
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    let maxv: u32 = (1 << to) - 1;
    let mut out = Vec::with_capacity(data.len() * from as usize / to as usize + 1);
    for &v in data {
        if u32::from(v) >> from != 0 {
            return None;
        }
        acc = ((acc << from) | u32::from(v)) & 0xffff;
        bits += from;
        while bits >= to {
            bits -= to;
            out.push(((acc >> bits) & maxv) as u8);
        }
    }
    if pad {
        if bits > 0 {
            out.push(((acc << (to - bits)) & maxv) as u8);
        }
    } else if bits >= from || (acc << (to - bits)) & maxv != 0 {
        return None;
    }
    Some(out)
}

/// A decoded segwit address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segwit {
    /// Lower-case HRP (`bc`, `tb`, …).
    pub hrp: String,
    /// Witness version, 0–16.
    pub version: u8,
    /// Witness program, 2–40 bytes.
    pub program: Vec<u8>,
}

/// Decodes a segwit address under BIP-350: version 0 must use Bech32 and
/// have a 20- or 32-byte program; versions 1–16 must use Bech32m; programs
/// are 2–40 bytes.
pub(crate) fn decode_segwit(s: &str) -> Option<Segwit> {
    let d = decode(s)?;
    let (&version, rest) = d.data.split_first()?;
    if version > 16 {
        return None;
    }
    let program = convert_bits(rest, 5, 8, false)?;
    if !(2..=40).contains(&program.len()) {
        return None;
    }
    match (version, d.variant) {
        (0, Variant::Bech32) if program.len() == 20 || program.len() == 32 => {}
        (1..=16, Variant::Bech32m) => {}
        _ => return None,
    }
    Some(Segwit {
        hrp: d.hrp,
        version,
        program,
    })
}

/// Encodes a segwit address (the checksum variant follows the version).
#[cfg(test)]
pub(crate) fn encode_segwit(hrp: &str, version: u8, program: &[u8]) -> Option<String> {
    let mut data = vec![version];
    data.extend(convert_bits(program, 8, 5, true)?);
    let variant = if version == 0 {
        Variant::Bech32
    } else {
        Variant::Bech32m
    };
    Some(encode(hrp, &data, variant))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip() {
        let prog = [7u8; 32];
        let s = encode_segwit("bc", 1, &prog).unwrap_or_default();
        let d = decode_segwit(&s).unwrap_or_else(|| panic!("{s}"));
        assert_eq!(
            (d.hrp.as_str(), d.version, d.program),
            ("bc", 1, prog.to_vec())
        );
    }

    #[test]
    fn wrong_variant_for_version_is_invalid() {
        let prog = [9u8; 20];
        let mut data = vec![0u8];
        data.extend(convert_bits(&prog, 8, 5, true).unwrap_or_default());
        assert!(decode_segwit(&encode("bc", &data, Variant::Bech32m)).is_none());
        data[0] = 1;
        assert!(decode_segwit(&encode("bc", &data, Variant::Bech32)).is_none());
        assert!(decode_segwit(&encode("bc", &data, Variant::Bech32m)).is_some());
    }
}

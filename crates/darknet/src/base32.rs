//! RFC 4648 base32, lower-case alphabet, no padding: the spelling of onion
//! and I2P addresses. Own code because it is twenty lines and must never
//! panic on evidence bytes.

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Value of one base32 character (either case), or `None`.
pub(crate) fn value(c: u8) -> Option<u8> {
    match c {
        b'a'..=b'z' => Some(c - b'a'),
        b'A'..=b'Z' => Some(c - b'A'),
        b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}

/// Encodes `data` without padding.
pub(crate) fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in data {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes unpadded base32. Returns the bytes and whether the unused low
/// bits of the last character were zero (canonical), or the position of the
/// first character outside the alphabet.
pub(crate) fn decode(s: &[u8]) -> Result<(Vec<u8>, bool), usize> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for (i, &c) in s.iter().enumerate() {
        let v = value(c).ok_or(i)?;
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    Ok((out, acc == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        // RFC 4648 section 10, lower-cased, padding removed.
        let cases: [(&str, &str); 7] = [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ];
        for (plain, enc) in cases {
            assert_eq!(encode(plain.as_bytes()), enc);
            let (dec, canonical) = decode(enc.as_bytes()).unwrap();
            assert_eq!(dec, plain.as_bytes());
            assert!(canonical);
            let upper = enc.to_ascii_uppercase();
            assert_eq!(decode(upper.as_bytes()).unwrap().0, plain.as_bytes());
        }
        assert_eq!(decode(b"mz1q"), Err(2));
        assert!(!decode(b"mzxr").unwrap().1);
    }
}

//! Encoders (and the few decoders the generator needs to verify its decoys):
//! base58check, bech32/bech32m, EIP-55, RFC 4648 base32/base64, Luhn,
//! ISO 13616 mod-97, gzip and minimal ZIP containers.

use std::io::Write;

use sha2::{Digest, Sha256};
use sha3::{Keccak256, Sha3_256};

pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(Sha256::digest(data).as_slice());
    out
}

const B58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// The base58 alphabet (Bitcoin).
pub(crate) const BASE58_ALPHABET: &[u8] = B58;

pub(crate) fn base58_encode(data: &[u8]) -> String {
    let zeros = data.iter().take_while(|&&b| b == 0).count();
    let mut digits: Vec<u8> = Vec::with_capacity(data.len() * 138 / 100 + 1);
    for &byte in data {
        let mut carry = u32::from(byte);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut s = String::with_capacity(zeros + digits.len());
    s.extend(std::iter::repeat_n('1', zeros));
    s.extend(
        digits
            .iter()
            .rev()
            .map(|&d| char::from(B58[usize::from(d)])),
    );
    s
}

pub(crate) fn base58_decode(s: &str) -> Option<Vec<u8>> {
    let zeros = s.bytes().take_while(|&b| b == b'1').count();
    let mut bytes: Vec<u8> = Vec::new();
    for c in s.bytes() {
        let mut carry = B58.iter().position(|&x| x == c)? as u32;
        for b in bytes.iter_mut() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let mut out = vec![0u8; zeros];
    out.extend(bytes.iter().rev());
    Some(out)
}

/// base58check: payload followed by the first four bytes of SHA-256(SHA-256(payload)).
pub(crate) fn base58check_encode(payload: &[u8]) -> String {
    let check = sha256(&sha256(payload));
    let mut full = payload.to_vec();
    full.extend_from_slice(&check[..4]);
    base58_encode(&full)
}

/// True when `s` decodes as base58 with a correct base58check checksum.
pub(crate) fn base58check_valid(s: &str) -> bool {
    match base58_decode(s) {
        Some(full) if full.len() > 4 => {
            let (payload, check) = full.split_at(full.len() - 4);
            sha256(&sha256(payload))[..4] == *check
        }
        _ => false,
    }
}

/// The bech32 data alphabet.
pub(crate) const BECH32_ALPHABET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BECH32M_CONST: u32 = 0x2bc8_30a3;

fn bech32_polymod(values: &[u8]) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk: u32 = 1;
    for &v in values {
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

fn hrp_expand(hrp: &str) -> Vec<u8> {
    let mut v: Vec<u8> = hrp.bytes().map(|c| c >> 5).collect();
    v.push(0);
    v.extend(hrp.bytes().map(|c| c & 31));
    v
}

fn convert_bits_8_to_5(data: &[u8]) -> Vec<u8> {
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut out = Vec::with_capacity(data.len() * 8 / 5 + 1);
    for &b in data {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(((acc >> bits) & 31) as u8);
        }
    }
    if bits > 0 {
        out.push(((acc << (5 - bits)) & 31) as u8);
    }
    out
}

/// A segwit address: bech32 for witness version 0, bech32m for 1..=16 (BIP 173/350).
pub(crate) fn segwit_encode(hrp: &str, version: u8, program: &[u8]) -> String {
    let mut data = vec![version];
    data.extend(convert_bits_8_to_5(program));
    let constant = if version == 0 { 1 } else { BECH32M_CONST };
    let mut values = hrp_expand(hrp);
    values.extend_from_slice(&data);
    values.extend_from_slice(&[0; 6]);
    let pm = bech32_polymod(&values) ^ constant;
    let mut s = String::from(hrp);
    s.push('1');
    for &d in &data {
        s.push(char::from(BECH32_ALPHABET[usize::from(d)]));
    }
    for i in 0..6 {
        s.push(char::from(
            BECH32_ALPHABET[((pm >> (5 * (5 - i))) & 31) as usize],
        ));
    }
    s
}

/// True when `s` (lower-case) has a valid bech32 or bech32m checksum.
pub(crate) fn bech32_valid(s: &str) -> bool {
    let Some(sep) = s.rfind('1') else {
        return false;
    };
    let (hrp, rest) = (&s[..sep], &s[sep + 1..]);
    if hrp.is_empty() || rest.len() < 6 {
        return false;
    }
    let mut values = hrp_expand(hrp);
    for c in rest.bytes() {
        match BECH32_ALPHABET.iter().position(|&x| x == c) {
            Some(p) => values.push(p as u8),
            None => return false,
        }
    }
    let pm = bech32_polymod(&values);
    pm == 1 || pm == BECH32M_CONST
}

pub(crate) fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(Keccak256::digest(data).as_slice());
    out
}

/// EIP-55 mixed-case checksum encoding of a 20-byte address, with `0x`.
pub(crate) fn eip55(addr: &[u8; 20]) -> String {
    let lower: String = addr.iter().map(|b| format!("{b:02x}")).collect();
    let hash = keccak256(lower.as_bytes());
    let mut s = String::from("0x");
    for (i, c) in lower.chars().enumerate() {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0xf;
        if c.is_ascii_alphabetic() && nibble >= 8 {
            s.push(c.to_ascii_uppercase());
        } else {
            s.push(c);
        }
    }
    s
}

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// RFC 4648 base32, lower-case, without padding.
pub(crate) fn base32(data: &[u8]) -> String {
    convert_bits_8_to_5(data)
        .into_iter()
        .map(|d| char::from(BASE32[usize::from(d)]))
        .collect()
}

/// Tor v3 onion checksum: SHA3-256(".onion checksum" || pubkey || version)[..2].
pub(crate) fn onion_checksum(pubkey: &[u8; 32], version: u8) -> [u8; 2] {
    let mut h = Sha3_256::new();
    h.update(b".onion checksum");
    h.update(pubkey);
    h.update([version]);
    let d = h.finalize();
    [d[0], d[1]]
}

/// A v3 onion host (`….onion`), lower-case, from a public key and a checksum.
pub(crate) fn onion_v3(pubkey: &[u8; 32], checksum: [u8; 2]) -> String {
    let mut raw = pubkey.to_vec();
    raw.extend_from_slice(&checksum);
    raw.push(3);
    format!("{}.onion", base32(&raw))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding.
pub(crate) fn base64(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// The Luhn check digit that completes `payload` (ASCII digits).
pub(crate) fn luhn_check_digit(payload: &str) -> u8 {
    let mut sum = 0u32;
    for (i, c) in payload.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    ((10 - sum % 10) % 10) as u8
}

/// True when the ASCII digits in `s` pass the Luhn check.
pub(crate) fn luhn_valid(digits: &str) -> bool {
    match digits.len() {
        0 => false,
        n => luhn_check_digit(&digits[..n - 1]) == digits.as_bytes()[n - 1] - b'0',
    }
}

/// ISO 7064 mod 97-10 of an IBAN (compact, upper-case), rearranged.
pub(crate) fn iban_mod97(iban: &str) -> u32 {
    let (head, tail) = iban.split_at(4.min(iban.len()));
    let mut rem: u32 = 0;
    for c in tail.bytes().chain(head.bytes()) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return u32::MAX,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem
}

/// An IBAN (compact) with correct check digits for `country` and `bban`.
pub(crate) fn iban(country: &str, bban: &str) -> String {
    let probe = format!("{country}00{bban}");
    let check = 98 - iban_mod97(&probe);
    format!("{country}{check:02}{bban}")
}

/// UTF-16LE encoding of ASCII text.
pub(crate) fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

/// A complete gzip member (no name, mtime 0) holding `data`.
pub(crate) fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(3)
        .write(Vec::new(), flate2::Compression::new(6));
    enc.write_all(data)?;
    enc.finish()
}

/// Raw deflate (no zlib header) of `data`.
pub(crate) fn deflate(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(data)?;
    enc.finish()
}

fn put16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn put32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// A minimal valid ZIP file with one deflated member `name`: local file
/// header at offset 0, data, central directory, end of central directory.
pub(crate) fn zip(name: &str, data: &[u8]) -> std::io::Result<Vec<u8>> {
    let comp = deflate(data)?;
    let mut crc = flate2::Crc::new();
    crc.update(data);
    let crc = crc.sum();
    let (time, date) = (0x6000u16, 0x5a21u16); // 12:00:00, 2025-01-01
    let too_big = || std::io::Error::other("zip member too large");
    let csize = u32::try_from(comp.len()).map_err(|_| too_big())?;
    let usize_ = u32::try_from(data.len()).map_err(|_| too_big())?;
    let name_len = u16::try_from(name.len()).map_err(|_| too_big())?;
    let mut z = Vec::with_capacity(comp.len() + 2 * name.len() + 98);
    put32(&mut z, 0x0403_4b50);
    put16(&mut z, 20); // version needed
    put16(&mut z, 0); // flags
    put16(&mut z, 8); // deflate
    put16(&mut z, time);
    put16(&mut z, date);
    put32(&mut z, crc);
    put32(&mut z, csize);
    put32(&mut z, usize_);
    put16(&mut z, name_len);
    put16(&mut z, 0);
    z.extend_from_slice(name.as_bytes());
    z.extend_from_slice(&comp);
    let cd_offset = u32::try_from(z.len()).map_err(|_| too_big())?;
    put32(&mut z, 0x0201_4b50);
    put16(&mut z, 0x031e); // made by: unix, 3.0
    put16(&mut z, 20);
    put16(&mut z, 0);
    put16(&mut z, 8);
    put16(&mut z, time);
    put16(&mut z, date);
    put32(&mut z, crc);
    put32(&mut z, csize);
    put32(&mut z, usize_);
    put16(&mut z, name_len);
    put16(&mut z, 0); // extra
    put16(&mut z, 0); // comment
    put16(&mut z, 0); // disk
    put16(&mut z, 0); // internal attrs
    put32(&mut z, 0o100644 << 16); // external attrs
    put32(&mut z, 0); // local header offset
    z.extend_from_slice(name.as_bytes());
    let cd_size = u32::try_from(z.len()).map_err(|_| too_big())? - cd_offset;
    put32(&mut z, 0x0605_4b50);
    put16(&mut z, 0);
    put16(&mut z, 0);
    put16(&mut z, 1);
    put16(&mut z, 1);
    put32(&mut z, cd_size);
    put32(&mut z, cd_offset);
    put16(&mut z, 0);
    Ok(z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58check_known_vector() {
        // Hash160 of the genesis coinbase key: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.
        let h: Vec<u8> = (0..20)
            .map(|i| {
                u8::from_str_radix(
                    &"62e907b15cbf27d5425399ebf6f0fb50ebb88f18"[2 * i..2 * i + 2],
                    16,
                )
            })
            .collect::<Result<_, _>>()
            .unwrap();
        let mut p = vec![0u8];
        p.extend(h);
        assert_eq!(base58check_encode(&p), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
        assert!(base58check_valid("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
        assert!(!base58check_valid("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"));
        assert_eq!(
            base58_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa").unwrap()[..21],
            p[..]
        );
    }

    #[test]
    fn segwit_known_vectors() {
        let prog: Vec<u8> = (0..20)
            .map(|i| {
                u8::from_str_radix(
                    &"751e76e8199196d454941c45d1b3a323f1433bd6"[2 * i..2 * i + 2],
                    16,
                )
            })
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            segwit_encode("bc", 0, &prog),
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
        );
        assert!(bech32_valid("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"));
        assert!(!bech32_valid("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"));
        // BIP 350 vector (v1, bech32m).
        assert!(bech32_valid(
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
        ));
    }

    #[test]
    fn eip55_known_vector() {
        let a: Vec<u8> = (0..20)
            .map(|i| {
                u8::from_str_radix(
                    &"5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"[2 * i..2 * i + 2],
                    16,
                )
            })
            .collect::<Result<_, _>>()
            .unwrap();
        let a: [u8; 20] = a.try_into().unwrap();
        assert_eq!(eip55(&a), "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    }

    #[test]
    fn base64_luhn_iban() {
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
        assert!(luhn_valid("4111111111111111"));
        assert!(!luhn_valid("4111111111111112"));
        assert_eq!(iban("DE", "370400440532013000"), "DE89370400440532013000");
        assert_eq!(iban("GB", "WEST12345698765432"), "GB82WEST12345698765432");
        assert_eq!(iban_mod97("GB82WEST12345698765432"), 1);
    }

    #[test]
    fn onion_known_vector() {
        // From rend-spec-v3: pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion
        let b32 = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd";
        let mut bits = Vec::new();
        for c in b32.bytes() {
            let v = BASE32.iter().position(|&x| x == c).unwrap() as u8;
            for i in (0..5).rev() {
                bits.push((v >> i) & 1);
            }
        }
        let bytes: Vec<u8> = bits
            .chunks(8)
            .map(|c| c.iter().fold(0, |a, &b| (a << 1) | b))
            .collect();
        let pk: [u8; 32] = bytes[..32].try_into().unwrap();
        assert_eq!(onion_checksum(&pk, 3), [bytes[32], bytes[33]]);
        assert_eq!(
            onion_v3(&pk, onion_checksum(&pk, 3)),
            format!("{b32}.onion")
        );
    }
}

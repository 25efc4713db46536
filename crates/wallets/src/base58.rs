//! Base58 (Bitcoin and Ripple alphabets), Base58Check, and Monero's
//! block-wise Base58.

use sha2::{Digest, Sha256};

/// Longest string any Base58 decoder here accepts. Every supported address is
/// shorter; the cap keeps the quadratic big-number decoding cheap.
const MAX_INPUT: usize = 128;

/// A Base58 alphabet and its reverse lookup table.
pub(crate) struct Alphabet {
    chars: &'static [u8; 58],
    rev: [u8; 128],
}

impl Alphabet {
    const fn new(chars: &'static [u8; 58]) -> Self {
        let mut rev = [0xff_u8; 128];
        let mut i = 0;
        while i < 58 {
            rev[chars[i] as usize] = i as u8;
            i += 1;
        }
        Alphabet { chars, rev }
    }

    /// The digit value of `c`, if `c` belongs to the alphabet.
    fn digit(&self, c: u8) -> Option<u8> {
        match self.rev.get(usize::from(c)) {
            Some(&d) if d != 0xff => Some(d),
            _ => None,
        }
    }
}

/// Bitcoin's alphabet (also Litecoin, Dogecoin, Tron, Monero, Solana).
pub(crate) static BITCOIN: Alphabet =
    Alphabet::new(b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz");

/// The XRP Ledger's alphabet.
pub(crate) static RIPPLE: Alphabet =
    Alphabet::new(b"rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz");

/// Decodes `s` as one big-endian Base58 number; each leading zero digit
/// stands for one leading zero byte.
pub(crate) fn decode(s: &[u8], alphabet: &Alphabet) -> Option<Vec<u8>> {
    if s.len() > MAX_INPUT {
        return None;
    }
    let zeros = s.iter().take_while(|&&c| c == alphabet.chars[0]).count();
    // Little-endian base-256 digits of the number.
    let mut le: Vec<u8> = Vec::with_capacity(s.len());
    for &c in &s[zeros..] {
        let mut carry = u32::from(alphabet.digit(c)?);
        for b in le.iter_mut() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            le.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let mut out = vec![0u8; zeros];
    out.extend(le.iter().rev());
    Some(out)
}

/// Encodes `bytes` as Base58 (the inverse of [`decode`]).
#[cfg(test)]
pub(crate) fn encode(bytes: &[u8], alphabet: &Alphabet) -> String {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    let mut le: Vec<u8> = Vec::new(); // little-endian base-58 digits
    for &b in &bytes[zeros..] {
        let mut carry = u32::from(b);
        for d in le.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            le.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out = String::new();
    out.extend(std::iter::repeat_n(alphabet.chars[0] as char, zeros));
    out.extend(
        le.iter()
            .rev()
            .map(|&d| alphabet.chars[usize::from(d)] as char),
    );
    out
}

/// The Base58Check checksum: the first four bytes of SHA-256(SHA-256(payload)).
pub(crate) fn checksum(payload: &[u8]) -> [u8; 4] {
    let twice = Sha256::digest(Sha256::digest(payload));
    [twice[0], twice[1], twice[2], twice[3]]
}

/// Decodes Base58Check: returns the payload (version byte(s) included) only
/// when the trailing four-byte checksum matches.
pub(crate) fn check_decode(s: &[u8], alphabet: &Alphabet) -> Option<Vec<u8>> {
    let mut raw = decode(s, alphabet)?;
    if raw.len() < 5 {
        return None;
    }
    let split = raw.len() - 4;
    if raw[split..] != checksum(&raw[..split]) {
        return None;
    }
    raw.truncate(split);
    Some(raw)
}

/// Encodes `payload` with its Base58Check checksum appended.
#[cfg(test)]
pub(crate) fn check_encode(payload: &[u8], alphabet: &Alphabet) -> String {
    let mut raw = payload.to_vec();
    raw.extend_from_slice(&checksum(payload));
    encode(&raw, alphabet)
}

/// Number of Base58 characters that encode a Monero block of `n` bytes (index).
const MONERO_BLOCK_CHARS: [usize; 9] = [0, 2, 3, 5, 6, 7, 9, 10, 11];

/// Decodes Monero's Base58: the data is cut into 8-byte blocks, each encoded
/// as exactly 11 characters (a shorter last block as fewer characters).
pub(crate) fn monero_decode(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() > MAX_INPUT {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 11 * 8 + 8);
    for chunk in s.chunks(11) {
        let n = MONERO_BLOCK_CHARS.iter().position(|&c| c == chunk.len())?;
        let mut v: u128 = 0;
        for &c in chunk {
            v = v * 58 + u128::from(BITCOIN.digit(c)?);
        }
        // The block must fit its byte count (no overflow into a longer block).
        if v >> (8 * n) != 0 {
            return None;
        }
        let be = v.to_be_bytes();
        out.extend_from_slice(&be[16 - n..]);
    }
    Some(out)
}

/// Encodes bytes in Monero's block-wise Base58 (the inverse of
/// [`monero_decode`]).
#[cfg(test)]
pub(crate) fn monero_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for block in bytes.chunks(8) {
        let mut v: u128 = 0;
        for &b in block {
            v = (v << 8) | u128::from(b);
        }
        let width = MONERO_BLOCK_CHARS[block.len()];
        let mut digits = vec![BITCOIN.chars[0]; width];
        for slot in digits.iter_mut().rev() {
            *slot = BITCOIN.chars[(v % 58) as usize];
            v /= 58;
        }
        out.extend(digits.iter().map(|&c| c as char));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_ripple_and_bitcoin() {
        for data in [&b""[..], b"\0\0abc", b"\xff\xfe\x00\x01"] {
            for a in [&BITCOIN, &RIPPLE] {
                assert_eq!(decode(encode(data, a).as_bytes(), a).as_deref(), Some(data));
            }
        }
    }

    #[test]
    fn monero_blocks_reject_overflow_and_bad_sizes() {
        // 11 'z' characters exceed 2^64.
        assert!(monero_decode(b"zzzzzzzzzzz").is_none());
        // A 1-, 4- or 8-character last block encodes no byte count.
        assert!(monero_decode(b"1").is_none());
        assert!(monero_decode(b"1111").is_none());
        assert!(monero_decode(b"11111111").is_none());
        let data: Vec<u8> = (0u8..69).map(|i| i.wrapping_mul(37)).collect();
        let enc = monero_encode(&data);
        assert_eq!(enc.len(), 95);
        assert_eq!(monero_decode(enc.as_bytes()), Some(data));
    }
}

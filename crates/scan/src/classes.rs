//! Byte classes: one table lookup answers "may this byte be part of …".

/// Printable ASCII (0x20..=0x7E) plus tab, CR and LF: the bytes text runs
/// are made of.
pub(crate) const PRINT: u16 = 1;
/// `0-9`.
pub(crate) const DIGIT: u16 = 1 << 1;
/// `A-Z a-z`.
pub(crate) const ALPHA: u16 = 1 << 2;
/// `0-9 A-F a-f`.
pub(crate) const HEX: u16 = 1 << 3;
/// E-mail local part as bulk_extractor and `grep` see it: `A-Za-z0-9._%+-`.
pub(crate) const LOCAL: u16 = 1 << 4;
/// Host name characters: `A-Za-z0-9.-`.
pub(crate) const DOMAIN: u16 = 1 << 5;
/// Characters a URL may contain (RFC 3986 unreserved, reserved and `%`).
pub(crate) const URL: u16 = 1 << 6;
/// Base64 alphabet `A-Za-z0-9+/` (and the URL-safe `-_`).
pub(crate) const B64: u16 = 1 << 7;
/// RFC 4648 base32 alphabet, either case: `A-Za-z2-7`.
pub(crate) const B32: u16 = 1 << 8;
/// Bitcoin base58 alphabet.
pub(crate) const B58: u16 = 1 << 9;
/// `A-Z a-z 0-9`.
pub(crate) const ALNUM: u16 = 1 << 10;

const fn build() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0u16;
        if (b >= 0x20 && b <= 0x7e) || b == b'\t' || b == b'\n' || b == b'\r' {
            c |= PRINT;
        }
        let digit = b.is_ascii_digit();
        let alpha = b.is_ascii_alphabetic();
        if digit {
            c |= DIGIT;
        }
        if alpha {
            c |= ALPHA;
        }
        if digit || alpha {
            c |= ALNUM | LOCAL | DOMAIN | URL | B64;
        }
        if b.is_ascii_hexdigit() {
            c |= HEX;
        }
        if b == b'.' || b == b'_' || b == b'%' || b == b'+' || b == b'-' {
            c |= LOCAL;
        }
        if b == b'.' || b == b'-' {
            c |= DOMAIN;
        }
        let mut k = 0;
        let url_extra = b"-._~:/?#[]@!$&'()*+,;=%";
        while k < url_extra.len() {
            if url_extra[k] == b {
                c |= URL;
            }
            k += 1;
        }
        if b == b'+' || b == b'/' || b == b'-' || b == b'_' {
            c |= B64;
        }
        if alpha || (b >= b'2' && b <= b'7') {
            c |= B32;
        }
        if (digit && b != b'0') || (alpha && b != b'O' && b != b'I' && b != b'l') {
            c |= B58;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static CLASS: [u16; 256] = build();

/// True when byte `b` is in class `c` (one of the constants above, or an
/// OR of several: true if in any).
#[inline(always)]
pub(crate) fn is(b: u8, c: u16) -> bool {
    CLASS[b as usize] & c != 0
}

/// Byte at `i`, or 0 past either end (0 is in no class).
#[inline(always)]
pub(crate) fn at(t: &[u8], i: usize) -> u8 {
    t.get(i).copied().unwrap_or(0)
}

/// Byte before `i`, or 0 at the start.
#[inline(always)]
pub(crate) fn before(t: &[u8], i: usize) -> u8 {
    if i == 0 {
        0
    } else {
        at(t, i - 1)
    }
}

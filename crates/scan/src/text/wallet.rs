//! Cryptocurrency addresses, validated by `exhibit-wallets` (Base58Check,
//! Bech32/Bech32m, CashAddr, EIP-55, Monero, XRP, Solana).
//!
//! Candidates are maximal runs of ASCII letters and digits (as in
//! `exhibit_wallets::scan_bytes`) that fit one of the crate's candidate
//! hints (prefix, alphabet, length), plus a CashAddr prefix (`bitcoincash:`
//! …) right before such a run. `validated` is true when the address's
//! checksum verified. Shape-only matches (Solana keys, all-lower-case
//! Ethereum) touching `+`, `=` or `/` on both sides are dropped (they are
//! pieces of base64 far more often than addresses), and so are repetitive
//! ones (fewer than 16 distinct characters).

use std::sync::OnceLock;

use exhibit_wallets::{candidates_hint, validate_bytes, Confidence};

use super::Out;
use crate::classes::{at, before, is, ALNUM};
use crate::Kind;

/// CashAddr prefixes written before the payload.
const CASH_PREFIXES: [&[u8]; 3] = [b"bitcoincash", b"bchtest", b"bchreg"];

/// One candidate hint, compiled to a byte table.
struct Hint {
    prefixes: Vec<Vec<u8>>,
    charset: [bool; 256],
    case_insensitive: bool,
    min: usize,
    max: usize,
}

impl Hint {
    fn fits(&self, run: &[u8]) -> bool {
        if run.len() < self.min || run.len() > self.max {
            return false;
        }
        let rest = if self.prefixes.is_empty() {
            run
        } else {
            let Some(p) = self.prefixes.iter().find(|p| {
                run.len() >= p.len()
                    && if self.case_insensitive {
                        run[..p.len()].eq_ignore_ascii_case(p)
                    } else {
                        run.starts_with(p)
                    }
            }) else {
                return false;
            };
            &run[p.len()..]
        };
        if self.case_insensitive {
            rest.iter()
                .all(|b| self.charset[b.to_ascii_lowercase() as usize])
        } else {
            rest.iter().all(|&b| self.charset[b as usize])
        }
    }
}

fn hints() -> &'static (Vec<Hint>, usize, usize) {
    static HINTS: OnceLock<(Vec<Hint>, usize, usize)> = OnceLock::new();
    HINTS.get_or_init(|| {
        let hs: Vec<Hint> = candidates_hint()
            .iter()
            // The prefixed CashAddr form contains ':' and is handled apart.
            .filter(|h| !h.prefixes.iter().any(|p| p.contains(':')))
            .map(|h| {
                let mut charset = [false; 256];
                for b in h.charset.bytes() {
                    charset[b as usize] = true;
                }
                Hint {
                    prefixes: h.prefixes.iter().map(|p| p.as_bytes().to_vec()).collect(),
                    charset,
                    case_insensitive: h.case_insensitive,
                    min: h.min_len,
                    max: h.max_len,
                }
            })
            .collect();
        let min = hs.iter().map(|h| h.min).min().unwrap_or(usize::MAX);
        let max = hs.iter().map(|h| h.max).max().unwrap_or(0);
        (hs, min, max)
    })
}

pub(crate) fn scan(t: &[u8], out: &mut dyn Out) {
    let (hs, min, max) = hints();
    long_runs(t, |s, i| {
        if let Some(p) = cash_prefix(t, s) {
            if let Some(a) = validate_bytes(&t[p..i]) {
                let ok = a.confidence() == Confidence::Checksum;
                out.hit(Kind::Wallet, p, i, a.normalized().to_string(), ok);
                return;
            }
        }
        let run = &t[s..i];
        if run.len() < *min || run.len() > *max || !hs.iter().any(|h| h.fits(run)) {
            return;
        }
        let Some(a) = validate_bytes(run) else {
            return;
        };
        let ok = a.confidence() == Confidence::Checksum;
        if !ok && (base64_piece(t, s, i) || low_entropy(run)) {
            return;
        }
        out.hit(Kind::Wallet, s, i, a.normalized().to_string(), ok);
    });
}

/// The shortest run of letters and digits an address candidate can be.
const MIN_RUN: usize = 14;

/// Calls `each(start, end)` for every maximal run of ASCII letters and
/// digits at least [`MIN_RUN`] long, in order. Such a run covers every
/// `MIN_RUN`-th byte, so only those are tested until one is a letter or
/// digit; then the run around it is measured (this loop sees every byte
/// of text: testing each cost a tenth of the scanner).
fn long_runs(t: &[u8], mut each: impl FnMut(usize, usize)) {
    // No run of interest starts before `from`, and `t[from - 1]` (if any)
    // is not a letter or digit.
    let mut from = 0;
    while from + MIN_RUN <= t.len() {
        let probe = from + MIN_RUN - 1;
        if !is(t[probe], ALNUM) {
            from = probe + 1;
            continue;
        }
        let mut s = probe;
        while s > from && is(t[s - 1], ALNUM) {
            s -= 1;
        }
        let mut e = probe + 1;
        while e < t.len() && is(t[e], ALNUM) {
            e += 1;
        }
        if e - s >= MIN_RUN {
            each(s, e);
        }
        from = e + 1;
    }
}

/// Start of a `bitcoincash:`-style prefix ending right before `s`.
fn cash_prefix(t: &[u8], s: usize) -> Option<usize> {
    if before(t, s) != b':' {
        return None;
    }
    let colon = s - 1;
    CASH_PREFIXES.iter().find_map(|p| {
        let ps = colon.checked_sub(p.len())?;
        (t[ps..colon].eq_ignore_ascii_case(p) && !is(before(t, ps), ALNUM)).then_some(ps)
    })
}

/// Fewer than 16 distinct characters: repetitive (decoded garbage,
/// padding), unlike a 32-byte key in base58 (about 30 distinct).
/// A hex address (`0x` + 40 hex digits, all one case) draws on only 16
/// symbols, so it is held to fewer than 10 (40 random hex digits show
/// about 15).
fn low_entropy(run: &[u8]) -> bool {
    let mut seen = [false; 256];
    for &b in run {
        seen[b as usize] = true;
    }
    let distinct = seen.iter().filter(|&&x| x).count();
    let hex = run.len() > 2
        && run[..2].eq_ignore_ascii_case(b"0x")
        && run[2..].iter().all(u8::is_ascii_hexdigit);
    distinct < if hex { 10 } else { 16 }
}

fn base64_piece(t: &[u8], s: usize, e: usize) -> bool {
    let b64 = |b: u8| matches!(b, b'+' | b'/' | b'=');
    b64(before(t, s)) && b64(at(t, e))
}

#[cfg(test)]
mod tests {

    /// The skipping search finds exactly the runs a byte-by-byte one does.
    #[test]
    fn long_runs_are_those_of_a_plain_search() {
        let plain = |t: &[u8]| {
            let mut out = Vec::new();
            let mut i = 0;
            while i < t.len() {
                if !is(t[i], ALNUM) {
                    i += 1;
                    continue;
                }
                let s = i;
                while i < t.len() && is(t[i], ALNUM) {
                    i += 1;
                }
                if i - s >= MIN_RUN {
                    out.push((s, i));
                }
            }
            out
        };
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for len in [0, 1, 13, 14, 15, 27, 28, 29, 100, 1000, 5000] {
            for density in [2u64, 8, 30, 64] {
                let t: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        if x % 64 < density {
                            b' '
                        } else {
                            b'a' + (x % 26) as u8
                        }
                    })
                    .collect();
                let mut got = Vec::new();
                long_runs(&t, |s, e| got.push((s, e)));
                assert_eq!(got, plain(&t), "len {len} density {density}");
            }
        }
    }

    use super::*;
    use crate::text::testing::run;

    fn wallets(s: &str) -> Vec<(String, String, bool)> {
        run(s, scan).into_iter().map(|h| (h.2, h.3, h.4)).collect()
    }

    #[test]
    fn checksummed_addresses() {
        let genesis = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
        assert_eq!(
            wallets(&format!("send to {genesis}.")),
            [(genesis.into(), genesis.into(), true)]
        );
        let bech = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
        assert_eq!(wallets(&format!("({})", bech.to_uppercase()))[0].1, bech);
        let eth = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        assert_eq!(
            wallets(&format!("https://etherscan.io/address/{eth}"))[0],
            (eth.into(), eth.into(), true)
        );
        // all lower case: no checksum, normalized to EIP-55; 40 hex digits
        // missing a few of the 16 symbols are not low-entropy noise
        let lower = "0xc3380f8f8132df43c52a078d191da17f81fe4070";
        assert_eq!(
            wallets(&format!("ETH {lower} ")),
            [(
                lower.into(),
                "0xC3380F8F8132Df43c52A078D191DA17f81fE4070".into(),
                false
            )]
        );
        let cash = "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a";
        assert_eq!(wallets(&format!("pay {cash} now"))[0].0, cash);
    }

    #[test]
    fn decoys() {
        for s in [
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",  // checksum
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf",    // truncated
            "x1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", // longer token
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdz",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", // EIP-55 case
        ] {
            assert!(wallets(s).is_empty(), "{s}: {:?}", wallets(s));
        }
    }
}

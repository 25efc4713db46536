//! Bitcoin Cash CashAddr: `prefix:payload`, a Bech32-like character set with
//! a 40-bit BCH-code checksum over the prefix and the payload.

use crate::bech32::{char_value, convert_bits};
use crate::chains::Network;

/// Known prefixes and their networks. Without a prefix, each is tried.
const PREFIXES: [(&str, Network); 3] = [
    ("bitcoincash", Network::Mainnet),
    ("bchtest", Network::Testnet),
    ("bchreg", Network::Regtest),
];

fn polymod(values: impl IntoIterator<Item = u8>) -> u64 {
    const GEN: [u64; 5] = [
        0x98_f2bc_8e61,
        0x79_b76d_99e2,
        0xf3_3e5f_b3c4,
        0xae_2eab_e2a8,
        0x1e_4f43_e470,
    ];
    let mut c: u64 = 1;
    for d in values {
        let c0 = c >> 35;
        c = ((c & 0x07_ffff_ffff) << 5) ^ u64::from(d);
        for (i, g) in GEN.iter().enumerate() {
            if (c0 >> i) & 1 == 1 {
                c ^= g;
            }
        }
    }
    c ^ 1
}

fn prefix_values(prefix: &str) -> impl Iterator<Item = u8> + '_ {
    prefix.bytes().map(|c| c & 0x1f).chain(std::iter::once(0))
}

/// A decoded CashAddr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CashAddr {
    /// Lower-case prefix (`bitcoincash`, `bchtest`, `bchreg`).
    pub prefix: &'static str,
    /// Network implied by the prefix.
    pub network: Network,
    /// Type: 0 P2PKH, 1 P2SH, 2 token-aware P2PKH, 3 token-aware P2SH.
    pub kind: u8,
    /// The hash (160–512 bits, as the version byte declares).
    pub hash: Vec<u8>,
    /// Canonical form: lower-case, with prefix.
    pub normalized: String,
}

/// Decodes a CashAddr, with or without its prefix. Mixed case is invalid.
pub(crate) fn decode(s: &str) -> Option<CashAddr> {
    let b = s.as_bytes();
    if b.len() > 130 || !b.is_ascii() {
        return None;
    }
    if b.iter().any(u8::is_ascii_lowercase) && b.iter().any(u8::is_ascii_uppercase) {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    match lower.split_once(':') {
        Some((p, payload)) => {
            let &(prefix, network) = PREFIXES.iter().find(|(q, _)| *q == p)?;
            decode_payload(prefix, network, payload)
        }
        None => PREFIXES
            .iter()
            .find_map(|&(prefix, network)| decode_payload(prefix, network, &lower)),
    }
}

fn decode_payload(prefix: &'static str, network: Network, payload: &str) -> Option<CashAddr> {
    // 160-bit hash: 34 + 8 characters; 512-bit hash: 104 + 8.
    if !(42..=112).contains(&payload.len()) {
        return None;
    }
    let values: Vec<u8> = payload.bytes().map(char_value).collect::<Option<_>>()?;
    if polymod(prefix_values(prefix).chain(values.iter().copied())) != 0 {
        return None;
    }
    let bytes = convert_bits(&values[..values.len() - 8], 5, 8, false)?;
    let (&version, hash) = bytes.split_first()?;
    if version & 0x80 != 0 {
        return None;
    }
    let kind = (version >> 3) & 0x0f;
    if kind > 3 {
        return None;
    }
    let size_bits: usize = match version & 0x07 {
        0 => 160,
        1 => 192,
        2 => 224,
        3 => 256,
        4 => 320,
        5 => 384,
        6 => 448,
        _ => 512,
    };
    if hash.len() * 8 != size_bits {
        return None;
    }
    Some(CashAddr {
        prefix,
        network,
        kind,
        hash: hash.to_vec(),
        normalized: format!("{prefix}:{payload}"),
    })
}

/// Encodes a CashAddr (with prefix) from its type and hash.
#[cfg(test)]
pub(crate) fn encode(prefix: &str, kind: u8, hash: &[u8]) -> Option<String> {
    let size = match hash.len() * 8 {
        160 => 0,
        192 => 1,
        224 => 2,
        256 => 3,
        320 => 4,
        384 => 5,
        448 => 6,
        512 => 7,
        _ => return None,
    };
    let mut bytes = vec![(kind << 3) | size];
    bytes.extend_from_slice(hash);
    let values = convert_bits(&bytes, 8, 5, true)?;
    let pm = polymod(
        prefix_values(prefix)
            .chain(values.iter().copied())
            .chain([0u8; 8]),
    );
    let mut out = format!("{prefix}:");
    let cs = crate::bech32::CHARSET;
    out.extend(values.iter().map(|&v| cs[usize::from(v)] as char));
    out.extend((0..8).map(|i| cs[((pm >> (5 * (7 - i))) & 31) as usize] as char));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_all_sizes_and_types() {
        for len in [20usize, 24, 28, 32, 40, 48, 56, 64] {
            for kind in 0..4u8 {
                let hash: Vec<u8> = (0..len as u8).collect();
                let s = encode("bchtest", kind, &hash).unwrap_or_default();
                let d = decode(&s).unwrap_or_else(|| panic!("{s}"));
                assert_eq!((d.kind, d.hash, d.network), (kind, hash, Network::Testnet));
            }
        }
    }

    #[test]
    fn prefix_is_part_of_the_checksum() {
        let s = encode("bitcoincash", 0, &[1u8; 20]).unwrap_or_default();
        let payload = s.trim_start_matches("bitcoincash:");
        assert!(decode(&format!("bchtest:{payload}")).is_none());
        assert!(decode(payload).is_some());
        assert!(decode(&s.to_ascii_uppercase()).is_some());
        assert!(decode(&format!("bitcoincash:{}", payload.to_ascii_uppercase())).is_none());
    }
}

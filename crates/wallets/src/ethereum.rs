//! Ethereum (and EVM) addresses: `0x` + 40 hex digits, with the EIP-55
//! mixed-case checksum (Keccak-256, not SHA3-256, of the lower-case hex).

use sha3::{Digest, Keccak256};

use crate::chains::{Address, Chain, Confidence, Network};

/// The EIP-55 form of 40 lower-case hex digits.
fn checksummed(lower_hex: &str) -> String {
    let hash = Keccak256::digest(lower_hex.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower_hex.chars().enumerate() {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
        out.push(if nibble >= 8 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

/// Validates an Ethereum address. Mixed case must satisfy EIP-55
/// ([`Confidence::Checksum`]); all lower or all upper case carries no
/// checksum ([`Confidence::Shape`]); mixed case that fails EIP-55 is `None`.
pub(crate) fn validate(s: &str) -> Option<Address> {
    let hex = s.strip_prefix("0x")?;
    if hex.len() != 40 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let lower = hex.to_ascii_lowercase();
    let normalized = checksummed(&lower);
    let mixed =
        hex.bytes().any(|c| c.is_ascii_lowercase()) && hex.bytes().any(|c| c.is_ascii_uppercase());
    let confidence = if mixed {
        if normalized[2..] != *hex {
            return None;
        }
        Confidence::Checksum
    } else {
        Confidence::Shape
    };
    let mut bytes = [0u8; 20];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(&lower[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(Address::new(
        Chain::Ethereum,
        "eoa",
        Network::Mainnet,
        normalized,
        confidence,
        &bytes,
    ))
}

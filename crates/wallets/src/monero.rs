//! Monero addresses: block-wise Base58 of `network byte ‖ spend key ‖ view
//! key [‖ payment id] ‖ checksum`, the checksum being the first four bytes
//! of Keccak-256 over everything before it.

use sha3::{Digest, Keccak256};

use crate::base58;
use crate::chains::{Address, Chain, Confidence, Network};

/// Network byte → (kind, network). All are below 0x80, so the varint that
/// holds them is a single byte.
pub(crate) const NETWORK_BYTES: [(u8, &str, Network); 9] = [
    (18, "standard", Network::Mainnet),
    (19, "integrated", Network::Mainnet),
    (42, "subaddress", Network::Mainnet),
    (53, "standard", Network::Testnet),
    (54, "integrated", Network::Testnet),
    (63, "subaddress", Network::Testnet),
    (24, "standard", Network::Stagenet),
    (25, "integrated", Network::Stagenet),
    (36, "subaddress", Network::Stagenet),
];

/// Validates a Monero address (95 characters; 106 for integrated ones).
pub(crate) fn validate(s: &str) -> Option<Address> {
    if s.len() != 95 && s.len() != 106 {
        return None;
    }
    let raw = base58::monero_decode(s.as_bytes())?;
    let split = raw.len().checked_sub(4)?;
    let (body, check) = raw.split_at(split);
    if Keccak256::digest(body)[..4] != *check {
        return None;
    }
    let (&tag, keys) = body.split_first()?;
    let &(_, kind, network) = NETWORK_BYTES.iter().find(|n| n.0 == tag)?;
    // Spend and view keys (64 bytes), plus an 8-byte payment id if integrated.
    let expected = if kind == "integrated" { 72 } else { 64 };
    if keys.len() != expected {
        return None;
    }
    Some(Address::new(
        Chain::Monero,
        kind,
        network,
        s.to_owned(),
        Confidence::Checksum,
        keys,
    ))
}

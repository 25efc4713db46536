//! The decoded ledger: blocks, transactions, inputs and outputs.

use serde::{Deserialize, Serialize};

/// The Bitcoin network a block belongs to; it decides how addresses are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// Bitcoin mainnet (`1…`, `3…`, `bc1…`).
    Mainnet,
    /// Testnet3 or testnet4 (`m…`/`n…`, `2…`, `tb1…`).
    Testnet,
    /// Signet (written like testnet).
    Signet,
    /// Regtest (`bcrt1…`).
    Regtest,
}

impl Network {
    /// The network whose `blk*.dat` message start ("magic") is `magic`.
    pub fn from_magic(magic: [u8; 4]) -> Option<Network> {
        match magic {
            [0xf9, 0xbe, 0xb4, 0xd9] => Some(Network::Mainnet),
            [0x0b, 0x11, 0x09, 0x07] | [0x1c, 0x16, 0x3f, 0x28] => Some(Network::Testnet),
            [0x0a, 0x03, 0xcf, 0x40] => Some(Network::Signet),
            [0xfa, 0xbf, 0xb5, 0xda] => Some(Network::Regtest),
            _ => None,
        }
    }

    pub(crate) fn to_bitcoin(self) -> bitcoin::Network {
        match self {
            Network::Mainnet => bitcoin::Network::Bitcoin,
            Network::Testnet => bitcoin::Network::Testnet,
            Network::Signet => bitcoin::Network::Signet,
            Network::Regtest => bitcoin::Network::Regtest,
        }
    }
}

/// The kind of locking script of an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScriptType {
    /// Pay to public key hash.
    P2pkh,
    /// Pay to script hash.
    P2sh,
    /// Segwit v0 pay to witness public key hash.
    P2wpkh,
    /// Segwit v0 pay to witness script hash.
    P2wsh,
    /// Segwit v1 taproot.
    P2tr,
    /// Bare public key (early coinbases). The address shown is the P2PKH
    /// address of that key, as explorers show it.
    P2pk,
    /// Bare multisig (no single address).
    Multisig,
    /// `OP_RETURN` data carrier (unspendable).
    OpReturn,
    /// Another witness version (future segwit).
    WitnessUnknown,
    /// Anything else.
    Nonstandard,
}

/// One block as found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Block hash (display hex, big-endian as explorers show it).
    pub hash: String,
    /// Hash of the previous block.
    pub prev_hash: String,
    /// Header timestamp, seconds since the Unix epoch (miner-supplied).
    pub time: u32,
    /// Height, when it could be worked out by chaining from the genesis block.
    pub height: Option<u32>,
    /// Network the block was read as.
    pub network: Network,
    /// Byte offset of the block (after the 8-byte framing) in its file.
    pub offset: u64,
    /// The transactions, in block order.
    pub txs: Vec<Tx>,
}

/// One transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tx {
    /// Transaction id (display hex).
    pub txid: String,
    /// Hash of the block holding it.
    pub block_hash: String,
    /// True for a coinbase (newly minted coins, no real inputs).
    pub coinbase: bool,
    /// Inputs, in order. Empty for a coinbase.
    pub inputs: Vec<TxIn>,
    /// Outputs, in order.
    pub outputs: Vec<TxOut>,
}

/// One transaction input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxIn {
    /// Txid of the output being spent.
    pub prev_txid: String,
    /// Index of the output being spent.
    pub prev_vout: u32,
    /// Address of the spent output, once resolved (see [`crate::resolve_inputs`]).
    pub address: Option<String>,
    /// Value of the spent output in satoshi, once resolved.
    pub value: Option<u64>,
}

/// One transaction output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxOut {
    /// Value in satoshi.
    pub value: u64,
    /// Kind of locking script.
    pub script_type: ScriptType,
    /// Address, when the script has a standard single-address form.
    pub address: Option<String>,
}

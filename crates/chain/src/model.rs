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
    /// Height of that block, when known.
    #[serde(default)]
    pub height: Option<u32>,
    /// Timestamp of that block (seconds since the Unix epoch, miner-supplied).
    #[serde(default)]
    pub time: u32,
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
    /// Script type of the spent output, once resolved.
    #[serde(default)]
    pub script_type: Option<ScriptType>,
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

impl Tx {
    /// Sum of the resolved input values in satoshi (0 for a coinbase).
    pub fn input_value(&self) -> u64 {
        self.inputs
            .iter()
            .filter_map(|i| i.value)
            .fold(0u64, u64::saturating_add)
    }

    /// Sum of the output values in satoshi.
    pub fn output_value(&self) -> u64 {
        self.outputs
            .iter()
            .map(|o| o.value)
            .fold(0u64, u64::saturating_add)
    }

    /// The fee in satoshi, when every input is resolved (0 for a coinbase).
    pub fn fee(&self) -> Option<u64> {
        if self.coinbase {
            return Some(0);
        }
        if self.inputs.iter().any(|i| i.value.is_none()) {
            return None;
        }
        self.input_value().checked_sub(self.output_value())
    }
}

impl ScriptType {
    /// The name Bitcoin Core's RPC gives this script type (`pubkeyhash`, `witness_v0_keyhash`, …).
    pub fn core_name(self) -> &'static str {
        match self {
            ScriptType::P2pkh => "pubkeyhash",
            ScriptType::P2sh => "scripthash",
            ScriptType::P2wpkh => "witness_v0_keyhash",
            ScriptType::P2wsh => "witness_v0_scripthash",
            ScriptType::P2tr => "witness_v1_taproot",
            ScriptType::P2pk => "pubkey",
            ScriptType::Multisig => "multisig",
            ScriptType::OpReturn => "nulldata",
            ScriptType::WitnessUnknown => "witness_unknown",
            ScriptType::Nonstandard => "nonstandard",
        }
    }
}

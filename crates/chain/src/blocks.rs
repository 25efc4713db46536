//! Reading Bitcoin blocks: `blk*.dat` framing and single raw blocks.

use std::collections::HashMap;
use std::path::Path;

use bitcoin::consensus::deserialize;
use bitcoin::{Address, Script};

use crate::error::ChainError;
use crate::model::{Block, Network, ScriptType, Tx, TxIn, TxOut};

impl Block {
    /// Sets the height of the block and of its transactions.
    pub fn set_height(&mut self, h: u32) {
        self.height = Some(h);
        for t in &mut self.txs {
            t.height = Some(h);
        }
    }
}

/// Hash of the mainnet genesis block.
const GENESIS_MAINNET: &str = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
/// Hash of the testnet3 genesis block.
const GENESIS_TESTNET3: &str = "000000000933ea01ad0ee984209779baaef7e2f3c0e4cb3c8a7b1a8f26f1c7b8";

/// Reads every block of a Bitcoin Core style `blk*.dat` file.
///
/// Each record is a 4-byte network magic, a 4-byte little-endian length and
/// the serialized block. Zero bytes between or after records (Bitcoin Core
/// pre-allocates files) are skipped. Anything else — an unknown magic, a
/// record running past the end of the file, a block that does not decode —
/// is a [`ChainError::Corrupt`] naming the file and offset.
pub fn read_blk_file(path: &Path) -> Result<Vec<Block>, ChainError> {
    let data = std::fs::read(path).map_err(|source| ChainError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    parse_blk_bytes(&data, path)
}

/// Reads a `blk*.dat` file obfuscated by Bitcoin Core 28+.
///
/// `key` is the content of `blocks/xor.dat` (8 bytes); byte `i` of the file
/// is XOR-ed with `key[i % key.len()]`. An empty or all-zero key means no
/// obfuscation.
pub fn read_blk_file_xor(path: &Path, key: &[u8]) -> Result<Vec<Block>, ChainError> {
    let mut data = std::fs::read(path).map_err(|source| ChainError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    unxor(&mut data, key);
    parse_blk_bytes(&data, path)
}

/// Reads the 8-byte obfuscation key from `blocks/xor.dat`.
pub fn read_xor_key(path: &Path) -> Result<Vec<u8>, ChainError> {
    let key = std::fs::read(path).map_err(|source| ChainError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    if key.len() != 8 {
        return Err(ChainError::Corrupt {
            file: path.to_path_buf(),
            offset: 0,
            what: format!("xor key is {} bytes, expected 8", key.len()),
        });
    }
    Ok(key)
}

/// XORs `data` (a whole file, from offset 0) with the repeating `key`.
pub fn unxor(data: &mut [u8], key: &[u8]) {
    if key.iter().all(|&b| b == 0) {
        return;
    }
    for (b, k) in data.iter_mut().zip(key.iter().cycle()) {
        *b ^= k;
    }
}

/// Like [`read_blk_file`], for bytes already in memory; `label` names them in errors.
pub fn parse_blk_bytes(data: &[u8], label: &Path) -> Result<Vec<Block>, ChainError> {
    let corrupt = |offset: usize, what: String| ChainError::Corrupt {
        file: label.to_path_buf(),
        offset: offset as u64,
        what,
    };
    let mut blocks = Vec::new();
    let mut pos = 0usize;
    while pos < data.len() {
        if data[pos] == 0 {
            pos += 1;
            continue;
        }
        let Some(head) = data.get(pos..pos + 8) else {
            return Err(corrupt(pos, "truncated record header".into()));
        };
        let magic = [head[0], head[1], head[2], head[3]];
        let Some(network) = Network::from_magic(magic) else {
            return Err(corrupt(pos, format!("unknown magic {:02x?}", magic)));
        };
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let start = pos + 8;
        let Some(body) = start.checked_add(len).and_then(|end| data.get(start..end)) else {
            return Err(corrupt(
                pos,
                format!(
                    "block of {len} bytes runs past the end of the file ({} bytes left)",
                    data.len() - start
                ),
            ));
        };
        blocks.push(decode_block(body, network, start as u64, label)?);
        pos = start + len;
    }
    assign_heights(&mut blocks);
    Ok(blocks)
}

/// Decodes one serialized block (no framing), as in a `getblock` hex dump.
///
/// `offset` is where the block starts inside `label`, for error messages.
pub fn decode_block(
    bytes: &[u8],
    network: Network,
    offset: u64,
    label: &Path,
) -> Result<Block, ChainError> {
    let block: bitcoin::Block = deserialize(bytes).map_err(|e| ChainError::Corrupt {
        file: label.to_path_buf(),
        offset,
        what: format!("block does not decode: {e}"),
    })?;
    let hash = block.block_hash().to_string();
    let txs = block
        .txdata
        .iter()
        .map(|tx| convert_tx(tx, &hash, block.header.time, network))
        .collect();
    let mut out = Block {
        hash,
        prev_hash: block.header.prev_blockhash.to_string(),
        time: block.header.time,
        height: None,
        network,
        offset,
        txs,
    };
    if out.hash == GENESIS_MAINNET || out.hash == GENESIS_TESTNET3 {
        out.set_height(0);
    }
    Ok(out)
}

/// Reads a file holding exactly one raw serialized block.
pub fn read_raw_block(path: &Path, network: Network) -> Result<Block, ChainError> {
    let data = std::fs::read(path).map_err(|source| ChainError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    decode_block(&data, network, 0, path)
}

pub(crate) fn convert_tx(
    tx: &bitcoin::Transaction,
    block_hash: &str,
    time: u32,
    network: Network,
) -> Tx {
    let coinbase = tx.is_coinbase();
    let inputs = if coinbase {
        Vec::new()
    } else {
        tx.input
            .iter()
            .map(|i| TxIn {
                prev_txid: i.previous_output.txid.to_string(),
                prev_vout: i.previous_output.vout,
                address: None,
                value: None,
                script_type: None,
            })
            .collect()
    };
    let outputs = tx
        .output
        .iter()
        .map(|o| {
            let (script_type, address) = classify(&o.script_pubkey, network);
            TxOut {
                value: o.value.to_sat(),
                script_type,
                address,
            }
        })
        .collect();
    Tx {
        txid: tx.compute_txid().to_string(),
        block_hash: block_hash.to_string(),
        height: None,
        time,
        coinbase,
        inputs,
        outputs,
    }
}

/// The script type of `script` and its address on `network`, when it has one.
pub fn classify(script: &Script, network: Network) -> (ScriptType, Option<String>) {
    let net = network.to_bitcoin();
    let kind = if script.is_p2pkh() {
        ScriptType::P2pkh
    } else if script.is_p2sh() {
        ScriptType::P2sh
    } else if script.is_p2wpkh() {
        ScriptType::P2wpkh
    } else if script.is_p2wsh() {
        ScriptType::P2wsh
    } else if script.is_p2tr() {
        ScriptType::P2tr
    } else if script.is_p2pk() {
        ScriptType::P2pk
    } else if script.is_op_return() {
        ScriptType::OpReturn
    } else if script.is_multisig() {
        ScriptType::Multisig
    } else if script.is_witness_program() {
        ScriptType::WitnessUnknown
    } else {
        ScriptType::Nonstandard
    };
    let address = match kind {
        ScriptType::P2pkh
        | ScriptType::P2sh
        | ScriptType::P2wpkh
        | ScriptType::P2wsh
        | ScriptType::P2tr => Address::from_script(script, net)
            .ok()
            .map(|a| a.to_string()),
        ScriptType::P2pk => script
            .p2pk_public_key()
            .map(|pk| Address::p2pkh(pk, net).to_string()),
        _ => None,
    };
    (kind, address)
}

/// Sets `height` on blocks that chain back to a block of known height.
///
/// Blocks in `blk*.dat` may be out of order, so this follows `prev_hash`
/// links rather than file order. Blocks whose ancestry is not in the set keep
/// `height: None`.
pub fn assign_heights(blocks: &mut [Block]) {
    let index: HashMap<String, usize> = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| (b.hash.clone(), i))
        .collect();
    for i in 0..blocks.len() {
        // Walk back to the nearest block with a known height.
        let mut chain = Vec::new();
        let mut cur = i;
        let base = loop {
            if let Some(h) = blocks[cur].height {
                break Some(h);
            }
            if chain.len() > blocks.len() {
                break None; // a cycle: never from valid data
            }
            chain.push(cur);
            match index.get(&blocks[cur].prev_hash) {
                Some(&p) => cur = p,
                None => break None,
            }
        };
        if let Some(mut h) = base {
            for &c in chain.iter().rev() {
                h = h.saturating_add(1);
                blocks[c].set_height(h);
            }
        }
    }
}

/// Fills [`TxIn::address`] and [`TxIn::value`] from outputs found in `txs`.
///
/// Inputs spending outputs outside the data set stay unresolved.
pub fn resolve_inputs(txs: &mut [Tx]) {
    resolve_inputs_with(txs, &[]);
}

/// Like [`resolve_inputs`], also looking up spent outputs in `extra`
/// (for example transactions from `getrawtransaction` responses that are
/// not part of the imported blocks).
pub fn resolve_inputs_with(txs: &mut [Tx], extra: &[Tx]) {
    type Found = (usize, usize, Option<String>, u64, ScriptType);
    let found: Vec<Found> = {
        let mut outs: HashMap<(&str, u32), &TxOut> = HashMap::new();
        for tx in extra.iter().chain(txs.iter()) {
            for (vout, o) in tx.outputs.iter().enumerate() {
                outs.insert((tx.txid.as_str(), vout as u32), o);
            }
        }
        let mut found = Vec::new();
        for (t, tx) in txs.iter().enumerate() {
            for (n, i) in tx.inputs.iter().enumerate() {
                if let Some(o) = outs.get(&(i.prev_txid.as_str(), i.prev_vout)) {
                    found.push((t, n, o.address.clone(), o.value, o.script_type));
                }
            }
        }
        found
    };
    for (t, n, address, value, kind) in found {
        let i = &mut txs[t].inputs[n];
        i.address = address;
        i.value = Some(value);
        i.script_type = Some(kind);
    }
}

//! Bitcoin Core RPC JSON: `getblock <hash> 2` (and 3) and
//! `getrawtransaction <txid> true` responses, into the same [`Block`]/[`Tx`]
//! model as `blk*.dat` files.
//!
//! Each transaction is decoded from its `hex` field when present (so the
//! result is byte-for-byte what a `blk*.dat` import gives) and its `txid` is
//! checked against the decoded bytes; without `hex`, the `vin`/`vout` fields
//! are read (`value` in BTC, `scriptPubKey.hex`). Addresses are always
//! derived from the output script for the chosen network; an address the
//! JSON states that disagrees is an error (wrong network). Verbosity 3
//! `prevout` objects resolve inputs directly.

use std::path::Path;

use bitcoin::consensus::encode::deserialize_hex;
use bitcoin::Script;
use serde_json::Value;

use crate::blocks::{classify, convert_tx};
use crate::error::ChainError;
use crate::model::{Block, Network, Tx, TxIn, TxOut};

/// What one RPC JSON file held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RpcImport {
    /// Blocks from `getblock` responses (verbosity 2 or 3), in file order.
    pub blocks: Vec<Block>,
    /// Stand-alone transactions from `getrawtransaction` responses; they are
    /// not part of the imported blocks but can resolve their inputs
    /// ([`crate::resolve_inputs_with`]).
    pub loose_txs: Vec<Tx>,
}

/// Reads a file of Bitcoin Core RPC JSON.
///
/// Accepted: one response object, a JSON-RPC envelope (`{"result": …}`), an
/// array of responses, or one response per line (JSON Lines).
pub fn read_rpc_json(path: &Path, network: Network) -> Result<RpcImport, ChainError> {
    let data = std::fs::read(path).map_err(|source| ChainError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    parse_rpc_json(&data, network, path)
}

/// Like [`read_rpc_json`] for bytes in memory; `label` names them in errors.
pub fn parse_rpc_json(
    data: &[u8],
    network: Network,
    label: &Path,
) -> Result<RpcImport, ChainError> {
    let mut out = RpcImport::default();
    match serde_json::from_slice::<Value>(data) {
        Ok(v) => add_value(&v, network, label, 0, &mut out)?,
        Err(whole) => {
            // JSON Lines?
            let mut offset = 0usize;
            let mut any = false;
            for line in data.split(|&b| b == b'\n') {
                let start = offset;
                offset += line.len() + 1;
                if line.iter().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                match serde_json::from_slice::<Value>(line) {
                    Ok(v) => {
                        any = true;
                        add_value(&v, network, label, start as u64, &mut out)?;
                    }
                    Err(e) if any => {
                        return Err(corrupt(label, start as u64 + col(line, &e), e.to_string()))
                    }
                    Err(_) => break,
                }
            }
            if !any {
                return Err(corrupt(
                    label,
                    col(data, &whole),
                    format!("not JSON: {whole}"),
                ));
            }
        }
    }
    Ok(out)
}

fn corrupt(label: &Path, offset: u64, what: impl Into<String>) -> ChainError {
    ChainError::Corrupt {
        file: label.to_path_buf(),
        offset,
        what: what.into(),
    }
}

/// Byte offset of a serde_json error's line and column inside `data`.
fn col(data: &[u8], e: &serde_json::Error) -> u64 {
    let mut line = 1usize;
    let mut pos = 0usize;
    while line < e.line() && pos < data.len() {
        if data[pos] == b'\n' {
            line += 1;
        }
        pos += 1;
    }
    (pos + e.column().saturating_sub(1)).min(data.len()) as u64
}

fn add_value(
    v: &Value,
    network: Network,
    label: &Path,
    offset: u64,
    out: &mut RpcImport,
) -> Result<(), ChainError> {
    match v {
        Value::Array(items) => {
            for item in items {
                add_value(item, network, label, offset, out)?;
            }
            Ok(())
        }
        Value::Object(o) => {
            if let Some(err) = o.get("error").filter(|e| !e.is_null()) {
                return Err(corrupt(label, offset, format!("RPC error response: {err}")));
            }
            if let Some(result) = o.get("result") {
                return add_value(result, network, label, offset, out);
            }
            if o.contains_key("tx") {
                out.blocks.push(block(v, network, label, offset)?);
                Ok(())
            } else if o.contains_key("vin") && o.contains_key("vout") {
                let block_hash = str_field(v, "blockhash").unwrap_or_default();
                let time = v
                    .get("blocktime")
                    .and_then(Value::as_u64)
                    .and_then(|t| u32::try_from(t).ok())
                    .unwrap_or(0);
                out.loose_txs
                    .push(tx(v, block_hash, time, None, network, label, offset)?);
                Ok(())
            } else {
                Err(corrupt(
                    label,
                    offset,
                    "JSON object is neither a getblock nor a getrawtransaction response",
                ))
            }
        }
        _ => Err(corrupt(
            label,
            offset,
            "not a getblock or getrawtransaction response (a bare string or number, e.g. getblockhash?)",
        )),
    }
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn block(v: &Value, network: Network, label: &Path, offset: u64) -> Result<Block, ChainError> {
    let need = |key: &str| {
        str_field(v, key).ok_or_else(|| corrupt(label, offset, format!("block without `{key}`")))
    };
    let hash = need("hash")?.to_string();
    let prev_hash = str_field(v, "previousblockhash")
        .unwrap_or("0000000000000000000000000000000000000000000000000000000000000000")
        .to_string();
    let time = v
        .get("time")
        .and_then(Value::as_u64)
        .and_then(|t| u32::try_from(t).ok())
        .ok_or_else(|| corrupt(label, offset, format!("block {hash}: no valid `time`")))?;
    let height = v
        .get("height")
        .and_then(Value::as_u64)
        .and_then(|h| u32::try_from(h).ok());
    let list = v
        .get("tx")
        .and_then(Value::as_array)
        .ok_or_else(|| corrupt(label, offset, format!("block {hash}: `tx` is not a list")))?;
    let mut txs = Vec::with_capacity(list.len());
    for t in list {
        if t.is_string() {
            return Err(corrupt(
                label,
                offset,
                format!("block {hash}: transactions are txids only (getblock verbosity 1); export with verbosity 2"),
            ));
        }
        txs.push(tx(t, &hash, time, height, network, label, offset)?);
    }
    Ok(Block {
        hash,
        prev_hash,
        time,
        height,
        network,
        offset,
        txs,
    })
}

fn btc_to_sat(v: &Value) -> Option<u64> {
    let f = v.as_f64()?;
    if !f.is_finite() || !(0.0..=21_000_000.0).contains(&f) {
        return None;
    }
    Some((f * 100_000_000.0).round() as u64)
}

fn tx(
    v: &Value,
    block_hash: &str,
    time: u32,
    height: Option<u32>,
    network: Network,
    label: &Path,
    offset: u64,
) -> Result<Tx, ChainError> {
    let txid = str_field(v, "txid")
        .ok_or_else(|| corrupt(label, offset, "transaction without `txid`"))?
        .to_string();
    let bad = |what: String| corrupt(label, offset, format!("transaction {txid}: {what}"));
    let mut out = if let Some(hex) = str_field(v, "hex") {
        let raw: bitcoin::Transaction =
            deserialize_hex(hex).map_err(|e| bad(format!("`hex` does not decode: {e}")))?;
        let t = convert_tx(&raw, block_hash, time, network);
        if t.txid != txid {
            return Err(bad(format!("`hex` decodes to a different txid {}", t.txid)));
        }
        t
    } else {
        from_fields(v, &txid, block_hash, time, network).map_err(bad)?
    };
    out.height = height;

    // Cross-check stated addresses (network) and take verbosity-3 prevouts.
    let vout = v.get("vout").and_then(Value::as_array);
    for (n, o) in out.outputs.iter().enumerate() {
        let stated = vout
            .and_then(|l| l.get(n))
            .and_then(|j| j.get("scriptPubKey"))
            .and_then(stated_address);
        if let (Some(s), Some(ours)) = (stated, o.address.as_deref()) {
            if s != ours {
                return Err(bad(format!(
                    "output {n}: the JSON says {s}, the script gives {ours} on {network:?} (wrong network?)"
                )));
            }
        }
    }
    if let Some(vin) = v.get("vin").and_then(Value::as_array) {
        for (i, j) in out
            .inputs
            .iter_mut()
            .zip(vin.iter().filter(|j| j.get("coinbase").is_none()))
        {
            let Some(p) = j.get("prevout") else { continue };
            let Some(script) = p
                .get("scriptPubKey")
                .and_then(|s| str_field(s, "hex"))
                .and_then(hex_bytes)
            else {
                continue;
            };
            let (kind, address) = classify(Script::from_bytes(&script), network);
            i.address = address;
            i.value = p.get("value").and_then(btc_to_sat);
            i.script_type = Some(kind);
        }
    }
    Ok(out)
}

fn stated_address(spk: &Value) -> Option<&str> {
    if let Some(a) = str_field(spk, "address") {
        return Some(a);
    }
    match spk.get("addresses").and_then(Value::as_array) {
        Some(l) if l.len() == 1 => l[0].as_str(),
        _ => None,
    }
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

fn from_fields(
    v: &Value,
    txid: &str,
    block_hash: &str,
    time: u32,
    network: Network,
) -> Result<Tx, String> {
    let vin = v
        .get("vin")
        .and_then(Value::as_array)
        .ok_or("no `hex` and no `vin` list")?;
    let vout = v
        .get("vout")
        .and_then(Value::as_array)
        .ok_or("no `hex` and no `vout` list")?;
    let coinbase = vin.len() == 1 && vin[0].get("coinbase").is_some();
    let mut inputs = Vec::new();
    if !coinbase {
        for (n, i) in vin.iter().enumerate() {
            let prev_txid = str_field(i, "txid").ok_or(format!("input {n} without `txid`"))?;
            let prev_vout = i
                .get("vout")
                .and_then(Value::as_u64)
                .and_then(|x| u32::try_from(x).ok())
                .ok_or(format!("input {n} without a valid `vout`"))?;
            inputs.push(TxIn {
                prev_txid: prev_txid.to_string(),
                prev_vout,
                address: None,
                value: None,
                script_type: None,
            });
        }
    }
    let mut outputs = Vec::new();
    for (n, o) in vout.iter().enumerate() {
        let value = o
            .get("value")
            .and_then(btc_to_sat)
            .ok_or(format!("output {n} without a valid `value`"))?;
        let script = o
            .get("scriptPubKey")
            .and_then(|s| str_field(s, "hex"))
            .and_then(hex_bytes)
            .ok_or(format!("output {n} without a valid `scriptPubKey.hex`"))?;
        let (script_type, address) = classify(Script::from_bytes(&script), network);
        outputs.push(TxOut {
            value,
            script_type,
            address,
        });
    }
    Ok(Tx {
        txid: txid.to_string(),
        block_hash: block_hash.to_string(),
        height: None,
        time,
        coinbase,
        inputs,
        outputs,
    })
}

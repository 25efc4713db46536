//! Bitcoin Core RPC JSON import against blockchain-etl's recorded expectations.

use std::path::{Path, PathBuf};

use exhibit_chain::{parse_rpc_json, read_rpc_json, resolve_inputs_with, ChainError, Network, Tx};
use serde_json::Value;

const ETL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/crypto/etl/test_export_blocks_job/bitcoin"
);

fn case_dir(name: &str) -> Option<PathBuf> {
    let p = Path::new(ETL).join(name);
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: test data {} not present", p.display());
        None
    }
}

fn files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    v.sort();
    v
}

fn jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Imports every verbosity-2 `getblock` response of a case directory, with
/// its `getrawtransaction` responses as the source for input resolution.
fn import(dir: &Path) -> (Vec<exhibit_chain::Block>, Vec<Tx>) {
    let mut blocks = Vec::new();
    let mut loose = Vec::new();
    for f in files(dir, "rpc_response_getblock_") {
        if !f.to_string_lossy().ends_with("_2.json") {
            continue;
        }
        let r = read_rpc_json(&f, Network::Mainnet).unwrap();
        blocks.extend(r.blocks);
        loose.extend(r.loose_txs);
    }
    for f in files(dir, "rpc_response_getrawtransaction_") {
        let r = read_rpc_json(&f, Network::Mainnet).unwrap();
        assert!(r.blocks.is_empty());
        loose.extend(r.loose_txs);
    }
    blocks.sort_by_key(|b| b.height);
    let mut txs: Vec<Tx> = blocks.iter().flat_map(|b| b.txs.clone()).collect();
    resolve_inputs_with(&mut txs, &loose);
    (blocks, txs)
}

fn opt_str(v: &Value) -> Option<&str> {
    v.as_str()
}

/// Compares one of our transactions with a bitcoin-etl transaction record, field by field.
fn compare(ours: &Tx, index: usize, exp: &Value) {
    let id = &ours.txid;
    assert_eq!(Some(ours.txid.as_str()), opt_str(&exp["hash"]), "hash");
    assert_eq!(
        Some(ours.block_hash.as_str()),
        opt_str(&exp["block_hash"]),
        "{id} block_hash"
    );
    assert_eq!(
        ours.height.map(u64::from),
        exp["block_number"].as_u64(),
        "{id} block_number"
    );
    assert_eq!(
        Some(u64::from(ours.time)),
        exp["block_timestamp"].as_u64(),
        "{id} timestamp"
    );
    assert_eq!(
        Some(ours.coinbase),
        exp["is_coinbase"].as_bool(),
        "{id} is_coinbase"
    );
    assert_eq!(Some(index as u64), exp["index"].as_u64(), "{id} index");
    assert_eq!(
        Some(ours.inputs.len() as u64),
        exp["input_count"].as_u64(),
        "{id} input_count"
    );
    assert_eq!(
        Some(ours.outputs.len() as u64),
        exp["output_count"].as_u64(),
        "{id} output_count"
    );
    assert_eq!(
        Some(ours.input_value()),
        exp["input_value"].as_u64(),
        "{id} input_value"
    );
    assert_eq!(
        Some(ours.output_value()),
        exp["output_value"].as_u64(),
        "{id} output_value"
    );
    // bitcoin-etl's fee is input_value - output_value even when inputs are unresolved.
    let fee = ours.input_value() as i64 - ours.output_value() as i64;
    let fee = if ours.coinbase { 0 } else { fee };
    assert_eq!(Some(fee), exp["fee"].as_i64(), "{id} fee");
    if ours.fee().is_some() && !ours.coinbase {
        assert_eq!(ours.fee().map(|f| f as i64), Some(fee), "{id} resolved fee");
    }

    let ins = exp["inputs"].as_array().unwrap();
    assert_eq!(ours.inputs.len(), ins.len(), "{id} inputs");
    for (n, (i, e)) in ours.inputs.iter().zip(ins).enumerate() {
        assert_eq!(Some(n as u64), e["index"].as_u64());
        assert_eq!(
            Some(i.prev_txid.as_str()),
            opt_str(&e["spent_transaction_hash"]),
            "{id} in {n}"
        );
        assert_eq!(
            Some(u64::from(i.prev_vout)),
            e["spent_output_index"].as_u64(),
            "{id} in {n}"
        );
        let addrs: Vec<&str> = e["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(
            i.address.as_deref().into_iter().collect::<Vec<_>>(),
            addrs,
            "{id} in {n} addresses"
        );
        assert_eq!(i.value, e["value"].as_u64(), "{id} in {n} value");
        assert_eq!(
            i.script_type.map(|t| t.core_name()),
            opt_str(&e["type"]),
            "{id} in {n} type"
        );
    }

    let outs = exp["outputs"].as_array().unwrap();
    assert_eq!(ours.outputs.len(), outs.len(), "{id} outputs");
    for (n, (o, e)) in ours.outputs.iter().zip(outs).enumerate() {
        assert_eq!(Some(n as u64), e["index"].as_u64());
        assert_eq!(Some(o.value), e["value"].as_u64(), "{id} out {n} value");
        assert_eq!(
            Some(o.script_type.core_name()),
            opt_str(&e["type"]),
            "{id} out {n} type"
        );
        let addrs: Vec<&str> = e["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(
            o.address.as_deref().into_iter().collect::<Vec<_>>(),
            addrs,
            "{id} out {n} addresses"
        );
    }
}

#[test]
fn rpc_json_reproduces_bitcoin_etl_expected_transactions() {
    let mut checked = 0;
    for case in [
        "block_0",
        "block_1",
        "block_with_transactions",
        "block_without_transactions",
        "stream_50001_50002",
    ] {
        let Some(dir) = case_dir(case) else { return };
        let (blocks, txs) = import(&dir);
        let expected: Vec<Value> = jsonl(&dir.join("expected_transactions.json"))
            .into_iter()
            .filter(|v| v.get("type").is_none_or(|t| t == "transaction"))
            .collect();
        assert_eq!(txs.len(), expected.len(), "{case}");
        for b in &blocks {
            for (index, t) in b.txs.iter().enumerate() {
                let exp = expected
                    .iter()
                    .find(|e| e["hash"] == t.txid.as_str())
                    .unwrap_or_else(|| panic!("{case}: {} not expected", t.txid));
                let ours = txs.iter().find(|x| x.txid == t.txid).unwrap();
                compare(ours, index, exp);
                checked += 1;
            }
        }
        // And the blocks.
        let exp_blocks: Vec<Value> = jsonl(&dir.join("expected_blocks.json"))
            .into_iter()
            .filter(|v| v.get("type").is_none_or(|t| t == "block"))
            .collect();
        assert_eq!(blocks.len(), exp_blocks.len(), "{case} blocks");
        for (b, e) in blocks.iter().zip(&exp_blocks) {
            assert_eq!(Some(b.hash.as_str()), e["hash"].as_str());
            assert_eq!(b.height.map(u64::from), e["number"].as_u64());
            assert_eq!(Some(u64::from(b.time)), e["timestamp"].as_u64());
            assert_eq!(Some(b.txs.len() as u64), e["transaction_count"].as_u64());
        }
    }
    assert_eq!(checked, 1 + 1 + 4 + 1 + 4);
}

#[test]
fn rpc_stream_inputs_resolve_from_getrawtransaction() {
    let Some(dir) = case_dir("stream_50001_50002") else {
        return;
    };
    let (_, txs) = import(&dir);
    let t = txs
        .iter()
        .find(|t| t.txid == "7940cdde4d713e171849efc6bd89939185be270266c94e92369e3877ad89455a")
        .unwrap();
    assert_eq!(t.fee(), Some(0));
    assert_eq!(
        t.inputs[0].address.as_deref(),
        Some("1DoQeKfU3dYhN9bxMpFFcVUnufCPDqSPae")
    );
    assert_eq!(t.inputs[0].value, Some(5_000_000_000));
}

#[test]
fn rpc_genesis_matches_blk_import() {
    let Some(dir) = case_dir("block_0") else {
        return;
    };
    let f = files(&dir, "rpc_response_getblock_")[0].clone();
    let r = read_rpc_json(&f, Network::Mainnet).unwrap();
    let b = &r.blocks[0];
    assert_eq!(b.height, Some(0));
    assert_eq!(
        b.txs[0].outputs[0].address.as_deref(),
        Some("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    );
    // The same block from blk*.dat gives the same transaction.
    let blk = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/crypto/btc/bitcoinj_first-100k-blocks.dat"
    ));
    if blk.exists() {
        let from_blk = exhibit_chain::read_blk_file(blk).unwrap();
        assert_eq!(from_blk[0].txs[0], b.txs[0]);
    }
}

#[test]
fn rpc_json_without_hex_reads_fields() {
    let Some(dir) = case_dir("block_with_transactions") else {
        return;
    };
    let f = files(&dir, "rpc_response_getblock_000000001c92")[0].clone();
    let mut v: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
    let with_hex = parse_rpc_json(v.to_string().as_bytes(), Network::Mainnet, &f).unwrap();
    for t in v["tx"].as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("hex");
    }
    // As a JSON-RPC envelope, too.
    let env = serde_json::json!({"result": v, "error": null, "id": 1});
    let without = parse_rpc_json(env.to_string().as_bytes(), Network::Mainnet, &f).unwrap();
    assert_eq!(with_hex, without);
}

#[test]
fn bad_rpc_json_is_an_error_with_offset() {
    let label = Path::new("getblock.json");
    let cases: [&[u8]; 5] = [
        b"{\"hash\": \"00\", \"tx\": [",
        b"\"000000001c920d495e1eeef2452b6d1c6c229a919b28196c103ecffebabee141\"",
        b"{\"hash\": \"00\", \"time\": 5, \"tx\": [\"aa\"]}",
        b"{\"hash\": \"00\", \"time\": 5, \"tx\": [{\"txid\": \"aa\", \"hex\": \"zz\"}]}",
        b"{\"hash\": \"00\", \"time\": 5, \"tx\": [{\"txid\": \"aa\", \"vin\": [], \"vout\": [{\"value\": -1}]}]}",
    ];
    for c in cases {
        match parse_rpc_json(c, Network::Mainnet, label) {
            Err(ChainError::Corrupt { file, .. }) => assert_eq!(file, label),
            other => panic!("{}: {other:?}", String::from_utf8_lossy(c)),
        }
    }
    // Wrong network: mainnet JSON addresses read as testnet.
    if let Some(dir) = case_dir("block_with_transactions") {
        let f = files(&dir, "rpc_response_getblock_000000001c92")[0].clone();
        let e = read_rpc_json(&f, Network::Testnet).unwrap_err();
        assert!(e.to_string().contains("wrong network"), "{e}");
    }
    // Truncation anywhere never panics.
    if let Some(dir) = case_dir("block_with_transactions") {
        let f = files(&dir, "rpc_response_getblock_000000001c92")[0].clone();
        let data = std::fs::read(&f).unwrap();
        for n in (0..data.len()).step_by(7) {
            let _ = parse_rpc_json(&data[..n], Network::Mainnet, label);
        }
    }
}

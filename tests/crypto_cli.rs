//! `exhibit crypto`: flows and clusters from Bitcoin ledger files.

mod common;

use std::path::PathBuf;

use common::exhibit;

fn btc(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/testdata/crypto/btc"
    ))
    .join(name);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("note: {} not found; test skipped", p.display());
        None
    }
}

#[test]
fn flows_of_an_early_address() {
    let Some(f) = btc("bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let out = exhibit()
        .args(["crypto", "flows", "--json", "--address"])
        .arg("12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
        .arg(&f)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["received"].as_array().unwrap().len(), 6);
    assert_eq!(v["spent"].as_array().unwrap().len(), 5);
    // The first spend: block 170, 10 BTC to Hal Finney, 40 BTC back.
    let first = &v["spent"][0];
    assert_eq!(
        first["txid"],
        "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
    );
    assert_eq!(first["value"], 5_000_000_000u64);
    // Same input, same bytes.
    let again = exhibit()
        .args(["crypto", "flows", "--json", "--address"])
        .arg("12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
        .arg(&f)
        .assert()
        .success();
    assert_eq!(again.get_output().stdout, out.get_output().stdout);
}

#[test]
fn damaged_ledger_is_an_error_naming_the_offset() {
    let Some(f) = btc("bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cut = tmp.path().join("blk00000.dat");
    let data = std::fs::read(&f).unwrap();
    std::fs::write(&cut, &data[..data.len() / 2]).unwrap();
    let out = exhibit()
        .args(["crypto", "cluster"])
        .arg(&cut)
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("blk00000.dat") && err.contains("offset"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

fn etl(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/testdata/crypto/etl/test_export_blocks_job/bitcoin"
    ))
    .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("note: {} not found; test skipped", p.display());
        None
    }
}

#[test]
fn import_reports_blocks_and_transactions_and_index_serves_the_other_commands() {
    let (Some(blk), Some(rpc)) = (
        btc("bitcoinj_first-100k-blocks.dat"),
        etl("block_with_transactions/rpc_response_getblock_000000001c920d495e1eeef2452b6d1c6c229a919b28196c103ecffebabee141_2.json"),
    ) else {
        return;
    };
    let before = common::fingerprint(&blk);
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("idx");
    let out = exhibit()
        .args(["crypto", "import"])
        .arg(&blk)
        .arg(&rpc)
        .arg("--out")
        .arg(&idx)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("bitcoinj_first-100k-blocks.dat: 439 blocks, 446 transactions"),
        "{text}"
    );
    assert!(
        text.contains("imported 440 blocks and 449 transactions"),
        "{text}"
    );
    assert_eq!(common::fingerprint(&blk), before, "evidence unchanged");
    for f in [
        "manifest.json",
        "blocks.jsonl",
        "txs.jsonl",
        "addresses.tsv",
    ] {
        assert!(idx.join(f).is_file(), "{f}");
    }
    // An index is never overwritten.
    exhibit()
        .args(["crypto", "import"])
        .arg(&blk)
        .arg("--out")
        .arg(&idx)
        .assert()
        .failure();

    // The index gives the same answers as the files.
    let from_files = exhibit()
        .args(["crypto", "cluster", "--json"])
        .arg(&blk)
        .arg(&rpc)
        .assert()
        .success();
    let from_index = exhibit()
        .args(["crypto", "cluster", "--json", "--index"])
        .arg(&idx)
        .assert()
        .success();
    assert_eq!(
        from_files.get_output().stdout,
        from_index.get_output().stdout
    );
    let flows = exhibit()
        .args([
            "crypto",
            "flows",
            "--json",
            "--address",
            "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S",
            "--index",
        ])
        .arg(&idx)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&flows.get_output().stdout).unwrap();
    assert_eq!(v["spent"].as_array().unwrap().len(), 5);
    // The RPC block's coinbase is there too.
    let flows = exhibit()
        .args([
            "crypto",
            "flows",
            "--json",
            "--address",
            "1PkqKGbNLDdDJGveCcNUMV9CEFH77ADrPQ",
            "--index",
        ])
        .arg(&idx)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&flows.get_output().stdout).unwrap();
    assert_eq!(v["received"][0]["value"], 5_000_000_000u64);
}

#[test]
fn xor_dat_beside_the_blk_file_is_used() {
    let Some(blk) = btc("bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let key = [0x3a, 0x91, 0x07, 0xee, 0x55, 0x00, 0xc4, 0x18];
    let mut bytes = std::fs::read(&blk).unwrap();
    for (b, k) in bytes.iter_mut().zip(key.iter().cycle()) {
        *b ^= k;
    }
    std::fs::write(tmp.path().join("blk00000.dat"), &bytes).unwrap();
    std::fs::write(tmp.path().join("xor.dat"), key).unwrap();
    let out = exhibit()
        .args(["crypto", "import"])
        .arg(tmp.path().join("blk00000.dat"))
        .arg("--out")
        .arg(tmp.path().join("idx"))
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("imported 439 blocks and 446 transactions"),
        "{text}"
    );
}

/// The peel chain of crates/chain/tests/trace.rs, as an index directory.
fn peel_chain_index(dir: &std::path::Path) {
    use serde_json::json;
    let tx = |id: &str, time: u64, ins: &[(&str, u32, &str, u64)], outs: &[(&str, u64)]| {
        json!({
            "txid": id, "block_hash": format!("b-{id}"), "height": time - 1_700_000_000,
            "time": time, "coinbase": ins.is_empty(),
            "inputs": ins.iter().map(|(p, n, a, v)| json!({
                "prev_txid": p, "prev_vout": n, "address": a, "value": v, "script_type": "p2wpkh"
            })).collect::<Vec<_>>(),
            "outputs": outs.iter().map(|(a, v)| json!({
                "value": v, "script_type": "p2wpkh", "address": a
            })).collect::<Vec<_>>(),
        })
    };
    let txs = [
        tx("f0", 1_700_000_001, &[], &[("victim", 150_000_000)]),
        tx("f1", 1_700_000_002, &[], &[("clean", 50_000_000)]),
        tx(
            "t0",
            1_700_000_010,
            &[("f0", 0, "victim", 150_000_000)],
            &[("scammer1", 100_000_000), ("victim", 49_990_000)],
        ),
        tx(
            "t1",
            1_700_000_020,
            &[("t0", 0, "scammer1", 100_000_000)],
            &[("mule1", 10_000_000), ("scammer2", 89_990_000)],
        ),
        tx(
            "t2",
            1_700_000_030,
            &[("t1", 1, "scammer2", 89_990_000)],
            &[("mule2", 10_000_000), ("scammer3", 79_980_000)],
        ),
        tx(
            "t3",
            1_700_000_040,
            &[
                ("f1", 0, "clean", 50_000_000),
                ("t2", 1, "scammer3", 79_980_000),
            ],
            &[("scammer4", 120_000_000), ("mule3", 9_970_000)],
        ),
        tx(
            "t4",
            1_700_000_050,
            &[("t3", 0, "scammer4", 120_000_000)],
            &[("scammer5", 119_990_000)],
        ),
        tx(
            "t5",
            1_700_000_060,
            &[("t4", 0, "scammer5", 119_990_000)],
            &[("bc1qexchangedeposit", 119_980_000)],
        ),
    ];
    std::fs::create_dir_all(dir).unwrap();
    let lines: Vec<String> = txs.iter().map(|t| t.to_string()).collect();
    std::fs::write(dir.join("txs.jsonl"), lines.join("\n") + "\n").unwrap();
    std::fs::write(
        dir.join("manifest.json"),
        json!({"format": "exhibit-chain-index", "version": 1, "sources": [], "blocks": 8, "txs": 8, "addresses": 12}).to_string(),
    )
    .unwrap();
}

#[test]
fn trace_peel_chain_with_tags_and_graphs() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("idx");
    peel_chain_index(&idx);
    let tags = tmp.path().join("tags.csv");
    std::fs::write(&tags, "address,label,category,source,date\nbc1qexchangedeposit,ExampleX,Exchange,court order 12/2026,2026-11-01\nscammer1,Fake broker,pig butchering,victim statement,2026-10-02\n").unwrap();
    let svg = tmp.path().join("t.svg");
    let graphml = tmp.path().join("t.graphml");
    let dot = tmp.path().join("t.dot");
    let run = |taint: &str, json: bool| {
        let mut c = exhibit();
        c.args([
            "crypto",
            "trace",
            "--tx",
            "t0",
            "--address",
            "scammer1",
            "--hops",
            "5",
            "--taint",
            taint,
            "--index",
        ])
        .arg(&idx)
        .arg("--tags")
        .arg(&tags);
        if json {
            c.arg("--json");
        }
        c.arg("--svg")
            .arg(&svg)
            .arg("--graphml")
            .arg(&graphml)
            .arg("--dot")
            .arg(&dot);
        c.assert().success().get_output().stdout.clone()
    };
    let expected = [
        ("poison", 119_980_000u64),
        ("haircut", 73_826_744),
        ("fifo", 69_980_000),
    ];
    for (taint, at_exchange) in expected {
        let out = run(taint, true);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let steps: Vec<&str> = v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["txid"].as_str().unwrap())
            .collect();
        assert_eq!(steps, ["t1", "t2", "t3", "t4", "t5"], "{taint}");
        let ex = v["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["address"] == "bc1qexchangedeposit")
            .unwrap();
        assert_eq!(ex["traced"], at_exchange, "{taint}");
        assert_eq!(ex["reason"]["service"], "ExampleX (exchange)");
        assert_eq!(v["model"], taint);
        assert!(v["model_explanation"].as_str().unwrap().ends_with('.'));
        assert_eq!(v["tags"]["scammer1"][0]["category"], "investment_fraud");
        // Same input, same bytes.
        assert_eq!(run(taint, true), out);
    }
    let table = String::from_utf8(run("fifo", false)).unwrap();
    assert!(table.contains("FIFO: satoshis keep their order"), "{table}");
    assert!(
        table.contains("hop 5  bc1qexchangedeposit  0.69980000 BTC  service: ExampleX (exchange)"),
        "{table}"
    );
    assert!(table.contains("(split, merge)"), "{table}");
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    assert!(svg_text.starts_with("<svg ") && svg_text.contains("ExampleX (exchange)"));
    assert!(std::fs::read_to_string(&graphml)
        .unwrap()
        .contains("maltego.BTCTransaction"));
    assert!(std::fs::read_to_string(&dot)
        .unwrap()
        .starts_with("digraph trace"));

    // Backward from the deposit.
    let out = exhibit()
        .args([
            "crypto",
            "trace",
            "--address",
            "bc1qexchangedeposit",
            "--backward",
            "--hops",
            "10",
            "--taint",
            "fifo",
            "--json",
            "--index",
        ])
        .arg(&idx)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let ends: Vec<(String, u64)> = v["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["address"].as_str().unwrap().to_string(),
                e["traced"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ends,
        [
            ("clean".to_string(), 50_000_000),
            ("victim".to_string(), 69_980_000)
        ]
    );

    // Bad taint model and unknown start are errors, not panics.
    let err = exhibit()
        .args([
            "crypto",
            "trace",
            "--address",
            "x",
            "--taint",
            "lifo",
            "--index",
        ])
        .arg(&idx)
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&err.get_output().stderr).contains("lifo"));
    exhibit()
        .args(["crypto", "trace", "--tx", "nope", "--index"])
        .arg(&idx)
        .assert()
        .failure();
}

#[test]
fn tags_list_and_reach_clusters() {
    let Some(blk) = btc("bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let yaml = tmp.path().join("t.yaml");
    std::fs::write(&yaml, "source: test\ntags:\n  - address: 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\n    label: Early miner\n    category: miner\n").unwrap();
    let out = exhibit()
        .args(["crypto", "tags", "--json", "--tags"])
        .arg(&yaml)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v[0]["label"], "Early miner");
    assert_eq!(v[0]["source"], "test");
    let out = exhibit()
        .args(["crypto", "tags", "--json"])
        .arg(&blk)
        .arg("--tags")
        .arg(&yaml)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["tags"][0]["category"], "miner");
    // A broken tag file names itself.
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "wallet,category\n1A,exchange\n").unwrap();
    let err = exhibit()
        .args(["crypto", "tags", "--tags"])
        .arg(&bad)
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&err.get_output().stderr).contains("bad.csv"));
}

#[test]
fn rpc_json_ledgers_are_read_directly() {
    let Some(rpc) = etl("block_0/rpc_response_getblock_000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f_2.json") else {
        return;
    };
    let out = exhibit()
        .args([
            "crypto",
            "flows",
            "--json",
            "--address",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        ])
        .arg(&rpc)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["received"][0]["value"], 5_000_000_000u64);
    assert_eq!(v["received"][0]["coinbase"], true);
}

#[test]
fn streaming_cluster_matches_and_summarises() {
    let Some(blk) = btc("bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let loaded = exhibit()
        .args(["crypto", "cluster", "--json"])
        .arg(&blk)
        .assert()
        .success();
    let streamed = exhibit()
        .args(["crypto", "cluster", "--json", "--stream"])
        .arg(&blk)
        .assert()
        .success();
    assert_eq!(loaded.get_output().stdout, streamed.get_output().stdout);
    let summary = exhibit()
        .args(["crypto", "cluster", "--json", "--stream", "--summary"])
        .arg(&blk)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&summary.get_output().stdout).unwrap();
    assert_eq!(v["blocks"], 439);
    assert_eq!(v["txs"], 446);
    assert!(v["state_bytes"].as_u64().unwrap() > 0);
}

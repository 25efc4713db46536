//! Integration tests against the shared crypto test data.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use exhibit_chain::{
    cluster, flows, looks_like_coinjoin, parse_blk_bytes, read_blk_file, read_raw_block,
    resolve_inputs, ChainError, ClusterOptions, Network, ScriptType, Tx, TxIn, TxOut, MULTI_INPUT,
};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/crypto"
);

fn data(rel: &str) -> Option<PathBuf> {
    let p = Path::new(DATA).join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: test data {} not present", p.display());
        None
    }
}

const GENESIS_TXID: &str = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";

#[test]
fn bitcoinj_blk_file_has_439_blocks_and_446_transactions() {
    let Some(p) = data("btc/bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let blocks = read_blk_file(&p).unwrap();
    assert_eq!(blocks.len(), 439);
    let txs: usize = blocks.iter().map(|b| b.txs.len()).sum();
    assert_eq!(txs, 446);
    let heights: BTreeSet<u32> = blocks.iter().filter_map(|b| b.height).collect();
    assert_eq!(heights.len(), 439);
    assert_eq!(heights.first(), Some(&0));
    assert_eq!(heights.last(), Some(&438));
    let genesis = &blocks[0];
    assert!(blocks.iter().all(|b| b.network == Network::Mainnet));
    assert_eq!(genesis.txs[0].txid, GENESIS_TXID);
    assert!(genesis.txs[0].coinbase);
    let out = &genesis.txs[0].outputs[0];
    assert_eq!(out.value, 50 * 100_000_000);
    assert_eq!(out.script_type, ScriptType::P2pk);
    assert_eq!(
        out.address.as_deref(),
        Some("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    );
}

#[test]
fn first_non_coinbase_spend_resolves_and_flows() {
    let Some(p) = data("btc/bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let mut txs: Vec<Tx> = read_blk_file(&p)
        .unwrap()
        .into_iter()
        .flat_map(|b| b.txs)
        .collect();
    resolve_inputs(&mut txs);
    // Block 170: Satoshi pays Hal Finney 10 BTC from the block-9 coinbase.
    let spend = txs
        .iter()
        .find(|t| t.txid == "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16")
        .expect("block 170 transaction present");
    let from = "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S";
    assert_eq!(spend.inputs[0].address.as_deref(), Some(from));
    assert_eq!(spend.inputs[0].value, Some(50 * 100_000_000));
    let f = flows(&txs, from);
    // The block-9 coinbase, then the change of each of five payments.
    assert_eq!(f.received.len(), 6);
    assert!(f.received[0].coinbase);
    assert!(f.received[1..].iter().all(|r| r.from == [from]));
    assert_eq!(f.spent.len(), 5);
    assert_eq!(f.spent[0].txid, spend.txid);
    let change: Vec<u64> = f.spent.iter().map(|s| s.value / 100_000_000).collect();
    assert_eq!(change, [50, 40, 30, 29, 28]);
    assert_eq!(f.spent[0].value, 50 * 100_000_000);
    assert_eq!(
        f.spent[0].to,
        vec![
            (
                "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3".to_string(),
                10 * 100_000_000
            ),
            (from.to_string(), 40 * 100_000_000),
        ]
    );
}

#[test]
fn mainnet_block_702861_has_2500_transactions() {
    let Some(p) = data("btc/mainnet_block_702861.raw") else {
        return;
    };
    let b = read_raw_block(&p, Network::Mainnet).unwrap();
    assert_eq!(b.txs.len(), 2500);
    assert!(b.txs[0].coinbase);
    let addrs: Vec<&str> = b
        .txs
        .iter()
        .flat_map(|t| t.outputs.iter().filter_map(|o| o.address.as_deref()))
        .collect();
    assert!(addrs.iter().any(|a| a.starts_with("bc1q")));
    assert!(addrs.iter().any(|a| a.starts_with('3')));
    assert!(addrs.iter().any(|a| a.starts_with('1')));
    // Every standard output gets an address.
    for t in &b.txs {
        for o in &t.outputs {
            let standard = matches!(
                o.script_type,
                ScriptType::P2pkh
                    | ScriptType::P2sh
                    | ScriptType::P2wpkh
                    | ScriptType::P2wsh
                    | ScriptType::P2tr
            );
            assert_eq!(standard, o.address.is_some(), "{} {:?}", t.txid, o);
        }
    }
}

#[test]
fn testnet_block_uses_testnet_addresses() {
    let Some(p) = data("btc/testnet_block_924634.raw") else {
        return;
    };
    let b = read_raw_block(&p, Network::Testnet).unwrap();
    let addrs: Vec<&str> = b
        .txs
        .iter()
        .flat_map(|t| t.outputs.iter().filter_map(|o| o.address.as_deref()))
        .collect();
    assert!(!addrs.is_empty());
    for a in addrs {
        assert!(
            a.starts_with("tb1") || a.starts_with('m') || a.starts_with('n') || a.starts_with('2'),
            "{a}"
        );
    }
}

#[test]
fn single_bitcoinj_blocks_decode() {
    for name in [
        "btc/bitcoinj_block169482.dat",
        "btc/bitcoinj_block227835.dat",
        "btc/bitcoinj_block370661.dat",
    ] {
        let Some(p) = data(name) else { return };
        let b = read_raw_block(&p, Network::Mainnet).unwrap();
        assert!(!b.txs.is_empty(), "{name}");
        assert!(b.txs[0].coinbase, "{name}");
    }
}

#[test]
fn zero_padding_is_tolerated_and_truncation_is_reported() {
    let Some(p) = data("btc/bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let bytes = std::fs::read(&p).unwrap();
    let label = Path::new("blk00000.dat");

    let mut padded = bytes.clone();
    padded.extend(std::iter::repeat_n(0u8, 4096));
    assert_eq!(parse_blk_bytes(&padded, label).unwrap().len(), 439);

    // Cut in the middle of the last block.
    let cut = &bytes[..bytes.len() - 10];
    match parse_blk_bytes(cut, label) {
        Err(ChainError::Corrupt { file, offset, what }) => {
            assert_eq!(file, label);
            assert!(offset > 0 && (offset as usize) < cut.len());
            assert!(what.contains("past the end"), "{what}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }

    // A header cut short, garbage magic, and a damaged block body.
    assert!(matches!(
        parse_blk_bytes(&bytes[..5], label),
        Err(ChainError::Corrupt { offset: 0, .. })
    ));
    let mut garbage = bytes.clone();
    garbage[0] = 0x42;
    assert!(matches!(
        parse_blk_bytes(&garbage, label),
        Err(ChainError::Corrupt { offset: 0, .. })
    ));
    let mut damaged = bytes[..8 + 285].to_vec();
    damaged[8 + 80] = 0xff; // transaction count varint → absurd
    assert!(matches!(
        parse_blk_bytes(&damaged, label),
        Err(ChainError::Corrupt { offset: 8, .. })
    ));
}

// ---- graphsense multi-input clustering fixture ----

struct Fixture {
    txs: Vec<Tx>,
    flagged: BTreeSet<String>,
    ids: BTreeMap<u64, String>,
}

fn one_address(v: &serde_json::Value) -> Option<String> {
    let list = v["address"].as_array()?;
    if list.len() == 1 {
        list[0].as_str().map(str::to_string)
    } else {
        None
    }
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn graphsense() -> Option<Fixture> {
    let dir = data("graphsense")?;
    let mut txs = Vec::new();
    let mut flagged = BTreeSet::new();
    for t in lines(&dir.join("test_txs.json")) {
        let txid = t["tx_hash"].as_str().unwrap().to_string();
        if t["coinjoin"].as_bool().unwrap() {
            flagged.insert(txid.clone());
        }
        let inputs = t["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| TxIn {
                prev_txid: String::new(),
                prev_vout: 0,
                address: one_address(i),
                value: i["value"].as_u64(),
                script_type: None,
            })
            .collect();
        let outputs = t["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let address = one_address(o);
                TxOut {
                    value: o["value"].as_u64().unwrap(),
                    script_type: if address.is_some() {
                        ScriptType::P2pkh
                    } else {
                        ScriptType::Multisig
                    },
                    address,
                }
            })
            .collect();
        txs.push(Tx {
            txid,
            block_hash: String::new(),
            height: None,
            time: t["timestamp"].as_u64().unwrap() as u32,
            coinbase: t["coinbase"].as_bool().unwrap(),
            inputs,
            outputs,
        });
    }
    let ids = lines(&dir.join("address_ids.json"))
        .into_iter()
        .map(|v| {
            (
                v["addressId"].as_u64().unwrap(),
                v["address"].as_str().unwrap().to_string(),
            )
        })
        .filter(|(id, _)| *id != 0) // graphsense's "coinbase" pseudo-address
        .collect();
    Some(Fixture { txs, flagged, ids })
}

/// Expected partition: sets of addresses sharing a clusterId.
fn expected(fx: &Fixture, file: &str) -> BTreeSet<BTreeSet<String>> {
    let path = Path::new(DATA).join("graphsense").join(file);
    let mut groups: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    for v in lines(&path) {
        let id = v["addressId"].as_u64().unwrap();
        if let Some(a) = fx.ids.get(&id) {
            groups
                .entry(v["clusterId"].as_u64().unwrap())
                .or_default()
                .insert(a.clone());
        }
    }
    groups.into_values().collect()
}

fn partition(c: &exhibit_chain::Clustering) -> BTreeSet<BTreeSet<String>> {
    c.clusters
        .iter()
        .map(|c| c.addresses.iter().cloned().collect())
        .collect()
}

#[test]
fn graphsense_clusters_with_coinjoin_detection() {
    // The detector alone, without the fixture's flags, finds its CoinJoin.
    let Some(fx) = graphsense() else { return };
    let opts = ClusterOptions {
        skip_detected_coinjoins: true,
        known_coinjoins: BTreeSet::new(),
        ..Default::default()
    };
    let c = cluster(&fx.txs, &opts);
    assert_eq!(partition(&c), expected(&fx, "address_cluster.json"));
    assert_eq!(
        c.skipped_coinjoins,
        fx.flagged.iter().cloned().collect::<Vec<_>>()
    );
    for t in &fx.txs {
        let kind = exhibit_chain::coinjoin_kind(t);
        if fx.flagged.contains(&t.txid) {
            assert_eq!(kind, Some(exhibit_chain::CoinJoinKind::IndependentParts));
        } else {
            assert_eq!(kind, None, "{}", t.txid);
        }
    }
    assert!(c
        .skipped_reasons
        .values()
        .all(|r| r.starts_with("mixed-value")));
}

#[test]
fn graphsense_clusters_with_known_coinjoins() {
    let Some(fx) = graphsense() else { return };
    let opts = ClusterOptions {
        skip_detected_coinjoins: false,
        known_coinjoins: fx.flagged.clone(),
        ..Default::default()
    };
    let c = cluster(&fx.txs, &opts);
    assert!(c.skipped_reasons.values().all(|r| r == "known"));
    assert_eq!(partition(&c), expected(&fx, "address_cluster.json"));
    assert_eq!(
        c.skipped_coinjoins,
        fx.flagged.iter().cloned().collect::<Vec<_>>()
    );
    let linked = c.cluster_of("12751KvnaTTPMJbHbbercdTV48kL81BjX8").unwrap();
    assert_eq!(linked.heuristic, MULTI_INPUT);
    assert_eq!(
        linked.addresses,
        [
            "12751KvnaTTPMJbHbbercdTV48kL81BjX8",
            "3Kawbc5pkpQPfmaoGCBiaw5t2uK6WBoVVe"
        ]
    );
}

#[test]
fn graphsense_clusters_with_coinjoins_included() {
    let Some(fx) = graphsense() else { return };
    let c = cluster(&fx.txs, &ClusterOptions::default());
    assert_eq!(
        partition(&c),
        expected(&fx, "address_cluster_with_coinjoin.json")
    );
    assert!(c.skipped_coinjoins.is_empty());
    let mut rev = fx.txs.clone();
    rev.reverse();
    assert_eq!(cluster(&rev, &ClusterOptions::default()), c);
}

#[test]
fn equal_output_coinjoin_is_detected() {
    let input = |a: &str| TxIn {
        prev_txid: String::new(),
        prev_vout: 0,
        address: Some(a.to_string()),
        value: Some(1_000_000),
        script_type: Some(ScriptType::P2wpkh),
    };
    let output = |a: &str, v: u64| TxOut {
        value: v,
        script_type: ScriptType::P2wpkh,
        address: Some(a.to_string()),
    };
    let tx = Tx {
        txid: "cj".into(),
        block_hash: String::new(),
        height: None,
        time: 0,
        coinbase: false,
        inputs: vec![input("a"), input("b"), input("c")],
        outputs: vec![
            output("x", 900_000),
            output("y", 900_000),
            output("z", 900_000),
            output("a2", 90_000),
            output("b2", 95_000),
        ],
    };
    assert!(looks_like_coinjoin(&tx));
    let skip = ClusterOptions {
        skip_detected_coinjoins: true,
        ..Default::default()
    };
    let c = cluster(std::slice::from_ref(&tx), &skip);
    assert_eq!(c.clusters.len(), 8);
    assert_eq!(c.skipped_coinjoins, ["cj"]);
    let c = cluster(std::slice::from_ref(&tx), &ClusterOptions::default());
    assert_eq!(c.cluster_of("a").unwrap().addresses, ["a", "b", "c"]);

    // One payer batching to three equal payees is not a CoinJoin.
    let mut batch = tx.clone();
    batch.inputs = vec![input("a"), input("a")];
    assert!(!looks_like_coinjoin(&batch));
}

#[test]
fn mixed_value_parts_are_detected_and_ordinary_payments_are_not() {
    let input = |a: &str, v: u64| TxIn {
        prev_txid: String::new(),
        prev_vout: 0,
        address: Some(a.to_string()),
        value: Some(v),
        script_type: Some(ScriptType::P2wpkh),
    };
    let output = |a: &str, v: u64| TxOut {
        value: v,
        script_type: ScriptType::P2wpkh,
        address: Some(a.to_string()),
    };
    let mut tx = Tx {
        txid: "parts".into(),
        block_hash: String::new(),
        height: None,
        time: 0,
        coinbase: false,
        // Alice 0.7 pays 0.4 + 0.2999 change; Bob 1.3 pays 1.0 + 0.2999 change.
        inputs: vec![input("alice", 70_000_000), input("bob", 130_000_000)],
        outputs: vec![
            output("p1", 40_000_000),
            output("p2", 100_000_000),
            output("c1", 29_990_000),
            output("c2", 29_990_000 + 5_000),
        ],
    };
    assert_eq!(
        exhibit_chain::coinjoin_kind(&tx),
        Some(exhibit_chain::CoinJoinKind::IndependentParts)
    );
    // One wallet's two addresses paying one payee plus change: no split exists.
    tx.outputs = vec![
        output("p1", 150_000_000),
        output("p2", 20_000_000),
        output("p3", 17_000_000),
        output("c1", 12_990_000),
    ];
    assert_eq!(exhibit_chain::coinjoin_kind(&tx), None);
    // An unresolved input: the test cannot be made.
    tx.inputs[1].value = None;
    assert_eq!(exhibit_chain::coinjoin_kind(&tx), None);
}

#[test]
fn xor_obfuscated_blk_file_imports_identically() {
    let Some(p) = data("btc/bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let plain = read_blk_file(&p).unwrap();
    let key = [0x3a, 0x91, 0x07, 0xee, 0x55, 0x00, 0xc4, 0x18];
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(&p).unwrap();
    exhibit_chain::unxor(&mut bytes, &key);
    let blk = dir.path().join("blk00000.dat");
    std::fs::write(&blk, &bytes).unwrap();
    std::fs::write(dir.path().join("xor.dat"), key).unwrap();
    let key = exhibit_chain::read_xor_key(&dir.path().join("xor.dat")).unwrap();
    let xored = exhibit_chain::read_blk_file_xor(&blk, &key).unwrap();
    assert_eq!(xored, plain);
    // Without the key the obfuscated file is reported, not mis-read.
    assert!(matches!(
        read_blk_file(&blk),
        Err(ChainError::Corrupt { offset: 0, .. })
    ));
}

#[test]
fn damaged_input_never_panics() {
    let Some(p) = data("btc/bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let bytes = std::fs::read(&p).unwrap();
    // The first four records (genesis and blocks 1-3), cut and flipped everywhere.
    let head = &bytes[..4 * (8 + 215) + 70];
    let label = Path::new("cut.dat");
    for len in 0..head.len() {
        let _ = parse_blk_bytes(&head[..len], label);
    }
    for i in (0..head.len()).step_by(3) {
        let mut m = head.to_vec();
        m[i] ^= 0xa5;
        let _ = parse_blk_bytes(&m, label);
    }
}

#[test]
fn change_heuristics_are_off_by_default_and_label_their_links() {
    use exhibit_chain::{
        ChangeHeuristics, CHANGE_ONE_TIME, CHANGE_ROUND_AMOUNT, CHANGE_SCRIPT_TYPE,
    };
    let out = |a: &str, v: u64, k: ScriptType| TxOut {
        value: v,
        script_type: k,
        address: Some(a.to_string()),
    };
    let tx = |id: &str, prev: &[(&str, u32)], outputs: Vec<TxOut>| Tx {
        txid: id.to_string(),
        block_hash: String::new(),
        height: None,
        time: 0,
        coinbase: prev.is_empty(),
        inputs: prev
            .iter()
            .map(|&(p, n)| TxIn {
                prev_txid: p.to_string(),
                prev_vout: n,
                address: None,
                value: None,
                script_type: None,
            })
            .collect(),
        outputs,
    };
    let mut txs = vec![
        tx(
            "m1",
            &[],
            vec![out("alice", 50_000_000, ScriptType::P2wpkh)],
        ),
        tx("m2", &[], vec![out("shop", 10_000_000, ScriptType::P2pkh)]),
        // Alice pays the (already known) shop a round 0.2 BTC; the change goes
        // to a fresh P2WPKH address like her input.
        tx(
            "pay",
            &[("m1", 0)],
            vec![
                out("shop", 20_000_000, ScriptType::P2pkh),
                out("alice-change", 29_987_654, ScriptType::P2wpkh),
            ],
        ),
    ];
    resolve_inputs(&mut txs);
    let plain = cluster(&txs, &ClusterOptions::default());
    assert!(plain.change_links.is_empty());
    assert_eq!(
        plain
            .clusters
            .iter()
            .filter(|c| c.addresses.len() > 1)
            .count(),
        0
    );

    for (h, name) in [
        (
            ChangeHeuristics {
                one_time: true,
                ..Default::default()
            },
            CHANGE_ONE_TIME,
        ),
        (
            ChangeHeuristics {
                round_amount: true,
                ..Default::default()
            },
            CHANGE_ROUND_AMOUNT,
        ),
        (
            ChangeHeuristics {
                script_type: true,
                ..Default::default()
            },
            CHANGE_SCRIPT_TYPE,
        ),
    ] {
        let c = cluster(
            &txs,
            &ClusterOptions {
                change: h,
                ..Default::default()
            },
        );
        assert_eq!(c.change_links.len(), 1, "{name}");
        let l = &c.change_links[0];
        assert_eq!(
            (
                l.txid.as_str(),
                l.spender.as_str(),
                l.change.as_str(),
                l.heuristic
            ),
            ("pay", "alice", "alice-change", name)
        );
        let k = c.cluster_of("alice").unwrap();
        assert_eq!(k.addresses, ["alice", "alice-change"]);
        assert_eq!(k.heuristics, [name]);
        assert_eq!(k.heuristic, name);
        assert_eq!(c.cluster_of("shop").unwrap().addresses, ["shop"]);
    }
}

#[test]
fn index_round_trip() {
    use exhibit_chain::{chain_order, index_lookup, read_index, write_index, SourceFile};
    let Some(p) = data("btc/bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let blocks: Vec<_> = read_blk_file(&p)
        .unwrap()
        .into_iter()
        .map(|b| (b, p.clone()))
        .collect();
    let mut again = blocks.clone();
    let expected = chain_order(&mut again);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("idx");
    let src = vec![SourceFile {
        file: p.clone(),
        size: std::fs::metadata(&p).unwrap().len(),
        blocks: 439,
        txs: 446,
    }];
    let m = write_index(&out, blocks.clone(), src.clone()).unwrap();
    assert_eq!((m.blocks, m.txs), (439, 446));
    let txs = read_index(&out).unwrap();
    assert_eq!(txs, expected);
    assert_eq!(txs[0].txid, GENESIS_TXID);
    assert_eq!(txs[0].height, Some(0));
    let ids = index_lookup(&out, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S").unwrap();
    assert_eq!(ids.len(), 6);
    assert!(index_lookup(&out, "nope").unwrap().is_empty());
    // Never overwritten.
    assert!(write_index(&out, blocks, src).is_err());
    // A damaged line is reported with its offset.
    let t = out.join("txs.jsonl");
    let mut body = std::fs::read(&t).unwrap();
    let first = body.iter().position(|&b| b == b'\n').unwrap();
    body[first + 5] = b'#';
    std::fs::write(&t, body).unwrap();
    match read_index(&out) {
        Err(ChainError::Corrupt { offset, .. }) => assert_eq!(offset, first as u64 + 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn streaming_clusterer_matches_in_memory_clustering() {
    use exhibit_chain::StreamClusterer;
    let Some(p) = data("btc/bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let mut txs: Vec<Tx> = read_blk_file(&p)
        .unwrap()
        .into_iter()
        .flat_map(|b| b.txs)
        .collect();
    resolve_inputs(&mut txs);
    let opts = ClusterOptions {
        skip_detected_coinjoins: true,
        ..Default::default()
    };
    let expected = cluster(&txs, &opts);
    let mut s = StreamClusterer::new(&opts);
    s.add_blk_file(&p, &[]).unwrap();
    let (c, stats) = s.finish();
    assert_eq!(c, expected);
    assert_eq!((stats.blocks, stats.txs), (439, 446));
    assert!(!expected.clusters.is_empty());

    // The same through an XOR key, and the big block as a raw file.
    let key = [0x3a, 0x91, 0x07, 0xee, 0x55, 0x00, 0xc4, 0x18];
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(&p).unwrap();
    exhibit_chain::unxor(&mut bytes, &key);
    let blk = dir.path().join("blk00000.dat");
    std::fs::write(&blk, &bytes).unwrap();
    let mut s = StreamClusterer::new(&opts);
    s.add_blk_file(&blk, &key).unwrap();
    assert_eq!(s.finish().0, expected);
    if let Some(raw) = data("btc/mainnet_block_702861.raw") {
        let b = read_raw_block(&raw, Network::Mainnet).unwrap();
        let mut txs = b.txs;
        resolve_inputs(&mut txs);
        let mut s = StreamClusterer::new(&opts);
        s.add_raw_block(&raw, Network::Mainnet).unwrap();
        assert_eq!(s.finish().0, cluster(&txs, &opts));
    }

    // Damage is reported with the offset, as for whole-file reads.
    let plain = std::fs::read(&p).unwrap();
    let cut = dir.path().join("cut.dat");
    std::fs::write(&cut, &plain[..plain.len() - 10]).unwrap();
    let mut s = StreamClusterer::new(&opts);
    match s.add_blk_file(&cut, &[]) {
        Err(ChainError::Corrupt { file, what, .. }) => {
            assert_eq!(file, cut);
            assert!(what.contains("past the end"), "{what}");
        }
        other => panic!("{other:?}"),
    }
}

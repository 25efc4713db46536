//! Tracing on a hand-built ledger: a victim's payment peeled through five
//! hops into an exchange deposit address.

use std::collections::BTreeMap;

use exhibit_chain::{
    resolve_inputs, trace, Direction, ScriptType, Start, StopReason, TaintModel, Trace, TraceError,
    TraceOptions, Tx, TxIn, TxOut,
};

const BTC: u64 = 100_000_000;
const EXCHANGE: &str = "bc1qexchangedeposit";

fn tx(id: &str, time: u32, inputs: &[(&str, u32)], outputs: &[(&str, u64)]) -> Tx {
    Tx {
        txid: id.to_string(),
        block_hash: format!("block-{id}"),
        height: Some(time - 1_700_000_000),
        time,
        coinbase: inputs.is_empty(),
        inputs: inputs
            .iter()
            .map(|&(p, n)| TxIn {
                prev_txid: p.to_string(),
                prev_vout: n,
                address: None,
                value: None,
                script_type: None,
            })
            .collect(),
        outputs: outputs
            .iter()
            .map(|&(a, v)| TxOut {
                value: v,
                script_type: ScriptType::P2wpkh,
                address: Some(a.to_string()),
            })
            .collect(),
    }
}

/// f0/f1 mint the victim's and an unrelated person's coins; t0 is the
/// victim's 1 BTC payment to the scammer S1; t1–t2 peel 0.1 BTC off each
/// time; t3 merges the rest with 0.5 BTC of clean coins; t4 forwards; t5
/// deposits at the exchange; t6 is the exchange's own later spend.
fn ledger() -> Vec<Tx> {
    let mut txs = vec![
        tx("f0", 1_700_000_001, &[], &[("victim", 150_000_000)]),
        tx("f1", 1_700_000_002, &[], &[("clean", 50_000_000)]),
        tx(
            "t0",
            1_700_000_010,
            &[("f0", 0)],
            &[("scammer1", 100_000_000), ("victim", 49_990_000)],
        ),
        tx(
            "t1",
            1_700_000_020,
            &[("t0", 0)],
            &[("mule1", 10_000_000), ("scammer2", 89_990_000)],
        ),
        tx(
            "t2",
            1_700_000_030,
            &[("t1", 1)],
            &[("mule2", 10_000_000), ("scammer3", 79_980_000)],
        ),
        tx(
            "t3",
            1_700_000_040,
            &[("f1", 0), ("t2", 1)],
            &[("scammer4", 120_000_000), ("mule3", 9_970_000)],
        ),
        tx(
            "t4",
            1_700_000_050,
            &[("t3", 0)],
            &[("scammer5", 119_990_000)],
        ),
        tx(
            "t5",
            1_700_000_060,
            &[("t4", 0)],
            &[(EXCHANGE, 119_980_000)],
        ),
        tx(
            "t6",
            1_700_000_070,
            &[("t5", 0)],
            &[("hotwallet", 119_970_000)],
        ),
    ];
    resolve_inputs(&mut txs);
    txs
}

fn opts(model: TaintModel, direction: Direction, hops: usize) -> TraceOptions {
    let mut services = BTreeMap::new();
    services.insert(EXCHANGE.to_string(), "ExampleX (exchange)".to_string());
    TraceOptions {
        hops,
        direction,
        model,
        services,
    }
}

fn victim_payment() -> Start {
    Start {
        address: Some("scammer1".into()),
        txid: Some("t0".into()),
    }
}

fn ends(t: &Trace) -> Vec<(String, u64, String)> {
    t.endpoints
        .iter()
        .map(|e| (e.address.clone(), e.traced, e.reason.describe()))
        .collect()
}

fn e(a: &str, v: u64, why: &str) -> (String, u64, String) {
    (a.to_string(), v, why.to_string())
}

#[test]
fn forward_peel_chain_under_each_model() {
    let txs = ledger();
    let path = ["t1", "t2", "t3", "t4", "t5"];
    let exchange = "service: ExampleX (exchange)";

    // Poison: every output touched counts in full.
    let p = trace(
        &txs,
        &victim_payment(),
        &opts(TaintModel::Poison, Direction::Forward, 5),
    )
    .unwrap();
    assert_eq!(p.start_value, BTC);
    assert_eq!(
        p.steps.iter().map(|s| s.txid.as_str()).collect::<Vec<_>>(),
        path
    );
    assert_eq!(
        p.steps.iter().map(|s| s.hop).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(
        ends(&p),
        [
            e("mule1", 10_000_000, "not spent in the data"),
            e("mule2", 10_000_000, "not spent in the data"),
            e("mule3", 9_970_000, "not spent in the data"),
            e(EXCHANGE, 119_980_000, exchange),
        ]
    );
    // The exchange's own spend (t6) is not followed.
    assert!(p.steps.iter().all(|s| s.txid != "t6"));
    // Splits at each peel, the merge with clean coins at t3.
    let t3 = &p.steps[2];
    assert!(t3.split && t3.merge);
    assert_eq!(t3.inputs[0].traced, 0);
    assert_eq!(t3.inputs[1].traced, 79_980_000);
    assert_eq!(t3.time, 1_700_000_040);
    assert!(p.steps[0].split && !p.steps[0].merge);
    assert!(!p.steps[3].split && !p.steps[3].merge);

    // Haircut: t3 passes 79.98/129.98 of each output on.
    let h = trace(
        &txs,
        &victim_payment(),
        &opts(TaintModel::Haircut, Direction::Forward, 5),
    )
    .unwrap();
    assert_eq!(
        h.steps.iter().map(|s| s.txid.as_str()).collect::<Vec<_>>(),
        path
    );
    let s4 = 120_000_000u128 * 79_980_000 / 129_980_000;
    let s5 = 119_990_000u128 * s4 / 120_000_000;
    let ex = 119_980_000u128 * s5 / 119_990_000;
    let m3 = 9_970_000u128 * 79_980_000 / 129_980_000;
    assert_eq!(
        (s4, s5, ex, m3),
        (73_839_052, 73_832_898, 73_826_744, 6_134_794)
    );
    assert_eq!(
        ends(&h),
        [
            e("mule1", 10_000_000, "not spent in the data"),
            e("mule2", 10_000_000, "not spent in the data"),
            e("mule3", m3 as u64, "not spent in the data"),
            e(EXCHANGE, ex as u64, exchange),
        ]
    );

    // FIFO: the clean 0.5 BTC comes first in t3, so it fills the start of
    // scammer4's output; the traced coins fill the rest and all of mule3.
    let f = trace(
        &txs,
        &victim_payment(),
        &opts(TaintModel::Fifo, Direction::Forward, 5),
    )
    .unwrap();
    assert_eq!(
        ends(&f),
        [
            e("mule1", 10_000_000, "not spent in the data"),
            e("mule2", 10_000_000, "not spent in the data"),
            e("mule3", 9_970_000, "not spent in the data"),
            e(EXCHANGE, 69_980_000, exchange),
        ]
    );
    assert_eq!(f.steps[2].outputs[0].traced, 70_000_000);
    assert_eq!(f.steps[2].traced_fee, 10_000);

    // Every model explains itself in one sentence.
    for t in [&p, &h, &f] {
        assert!(t.model_explanation.ends_with('.'));
        assert_eq!(t.model_explanation.matches(". ").count(), 0);
    }
    // Deterministic.
    let again = trace(
        &txs,
        &victim_payment(),
        &opts(TaintModel::Fifo, Direction::Forward, 5),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string(&again).unwrap(),
        serde_json::to_string(&f).unwrap()
    );
}

#[test]
fn hop_limit_stops_and_says_so() {
    let txs = ledger();
    let t = trace(
        &txs,
        &victim_payment(),
        &opts(TaintModel::Poison, Direction::Forward, 3),
    )
    .unwrap();
    assert_eq!(t.steps.len(), 3);
    assert_eq!(
        ends(&t),
        [
            e("mule1", 10_000_000, "not spent in the data"),
            e("mule2", 10_000_000, "not spent in the data"),
            e("mule3", 9_970_000, "not spent in the data"),
            e("scammer4", 120_000_000, "hop limit"),
        ]
    );
}

#[test]
fn backward_from_the_exchange_deposit() {
    let txs = ledger();
    let from = Start {
        address: Some(EXCHANGE.into()),
        txid: None,
    };
    // FIFO: the deposit's first 0.5 BTC are the clean coins, the rest the victim's.
    let f = trace(
        &txs,
        &from,
        &opts(TaintModel::Fifo, Direction::Backward, 10),
    )
    .unwrap();
    assert_eq!(
        f.steps.iter().map(|s| s.txid.as_str()).collect::<Vec<_>>(),
        ["t5", "t4", "t3", "t2", "t1", "t0"]
    );
    assert_eq!(
        ends(&f),
        [
            e("clean", 50_000_000, "newly mined coins"),
            e("victim", 69_980_000, "newly mined coins"),
        ]
    );
    // Haircut splits t3 in proportion to its inputs.
    let h = trace(
        &txs,
        &from,
        &opts(TaintModel::Haircut, Direction::Backward, 10),
    )
    .unwrap();
    let clean = 50_000_000u128 * 119_980_000 / 129_980_000;
    let victim = 79_980_000u128 * 119_980_000 / 129_980_000;
    assert_eq!(
        ends(&h),
        [
            e("clean", clean as u64, "newly mined coins"),
            e("victim", victim as u64, "newly mined coins"),
        ]
    );
    // Poison: everything that fed any step, in full (victim's whole 1.5 BTC coin).
    let p = trace(
        &txs,
        &from,
        &opts(TaintModel::Poison, Direction::Backward, 10),
    )
    .unwrap();
    assert_eq!(
        ends(&p),
        [
            e("clean", 50_000_000, "newly mined coins"),
            e("victim", 150_000_000, "newly mined coins"),
        ]
    );
    // Limited to two hops.
    let l = trace(
        &txs,
        &from,
        &opts(TaintModel::Poison, Direction::Backward, 2),
    )
    .unwrap();
    assert_eq!(ends(&l), [e("scammer4", 120_000_000, "hop limit")]);
    assert!(matches!(l.endpoints[0].reason, StopReason::HopLimit));
}

#[test]
fn bad_starts_are_errors() {
    let txs = ledger();
    let o = opts(TaintModel::Poison, Direction::Forward, 5);
    assert_eq!(trace(&txs, &Start::default(), &o), Err(TraceError::NoStart));
    let unknown = Start {
        txid: Some("nope".into()),
        address: None,
    };
    assert!(matches!(
        trace(&txs, &unknown, &o),
        Err(TraceError::UnknownTx(_))
    ));
    let unpaid = Start {
        txid: None,
        address: Some("nobody".into()),
    };
    assert!(matches!(
        trace(&txs, &unpaid, &o),
        Err(TraceError::NothingPaid(_))
    ));
}

#[test]
fn trace_graph_exports() {
    use exhibit_chain::{to_dot, to_graphml, to_svg, TraceGraph};
    let txs = ledger();
    let t = trace(
        &txs,
        &victim_payment(),
        &opts(TaintModel::Fifo, Direction::Forward, 5),
    )
    .unwrap();
    let g = TraceGraph::new(&t);
    // Five transactions; scammer1..5, mule1..3 and the exchange.
    assert_eq!(g.nodes.iter().filter(|n| n.id.starts_with("t:")).count(), 5);
    assert_eq!(g.nodes.iter().filter(|n| n.id.starts_with("a:")).count(), 9);
    // Layered by hop: scammer1 at 0, t1 at 1, …, the exchange at 10.
    let layer = |id: &str| g.nodes.iter().find(|n| n.id == id).unwrap().layer;
    assert_eq!(layer("a:scammer1"), 0);
    assert_eq!(layer("t:t1"), 1);
    assert_eq!(layer(&format!("a:{EXCHANGE}")), 10);
    let ex = g.nodes.iter().find(|n| n.value == EXCHANGE).unwrap();
    assert_eq!(ex.notes, ["0.69980000 BTC: service: ExampleX (exchange)"]);

    let graphml = to_graphml(&t);
    assert!(graphml.contains("<data key=\"maltego_type\">maltego.BTCAddress</data>"));
    assert!(graphml.contains("<data key=\"maltego_type\">maltego.BTCTransaction</data>"));
    assert_eq!(graphml.matches("<node ").count(), 14);
    assert_eq!(graphml.matches("<edge ").count(), g.edges.len());
    assert!(graphml.contains("0.69980000 of 1.19980000 BTC"));

    let dot = to_dot(&t);
    assert!(dot.starts_with("digraph trace {"));
    assert!(dot.contains(&format!(
        "\"t:t5\" -> \"a:{EXCHANGE}\" [label=\"0.69980000 of 1.19980000 BTC\"];"
    )));

    let svg = to_svg(&t);
    assert!(svg.starts_with("<svg "));
    assert!(svg.contains("ExampleX (exchange)"));
    assert_eq!(svg.matches("<rect ").count(), 15); // background + 14 boxes
    assert_eq!(svg.matches("<line ").count(), g.edges.len());
    // Deterministic.
    assert_eq!(to_svg(&t), svg);
    assert_eq!(to_graphml(&t), graphml);

    // Well-formed, where the tools exist.
    let dir = tempfile::tempdir().unwrap();
    for (name, body, tool, args) in [
        (
            "t.dot",
            dot.as_str(),
            "dot",
            vec!["-Tsvg", "-o", "/dev/null"],
        ),
        ("t.graphml", graphml.as_str(), "xmllint", vec!["--noout"]),
        ("t.svg", svg.as_str(), "xmllint", vec!["--noout"]),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        match std::process::Command::new(tool)
            .args(&args)
            .arg(&p)
            .output()
        {
            Ok(out) => assert!(
                out.status.success(),
                "{tool} {name}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(_) => eprintln!("note: {tool} not installed; {name} not checked"),
        }
    }

    // Backward traces are drawn with funds flowing left to right too.
    let from = Start {
        address: Some(EXCHANGE.into()),
        txid: None,
    };
    let b = trace(
        &txs,
        &from,
        &opts(TaintModel::Fifo, Direction::Backward, 10),
    )
    .unwrap();
    let g = TraceGraph::new(&b);
    let layer = |id: &str| g.nodes.iter().find(|n| n.id == id).unwrap().layer;
    assert!(layer("a:victim") < layer("t:t0"));
    assert!(layer("t:t5") < layer(&format!("a:{EXCHANGE}")));
}

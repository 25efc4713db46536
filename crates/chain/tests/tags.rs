//! Attribution tags from CSV and YAML files.

use std::path::Path;

use exhibit_chain::{
    cluster, parse_csv, parse_yaml, ChainError, ClusterOptions, ScriptType, Tags, Tx, TxIn, TxOut,
};

#[test]
fn csv_columns_are_matched_by_name() {
    let text = "Source,Category,Address,Label,date\n\
                https://example.org/report,Exchange,bc1qex,ExampleX,2024-05-01\n\
                \"case 12/2025, seized phone\",Darknet Market,1Market,\"The \"\"Shop\"\"\",\n\
                ,pig butchering,TScam,Scam ring,\n\
                ,lottery,1Odd,Someone,\n";
    let tags = parse_csv(text, Path::new("tags.csv")).unwrap();
    assert_eq!(tags.len(), 4);
    assert_eq!(
        (
            tags[0].address.as_str(),
            tags[0].label.as_str(),
            tags[0].category.as_str()
        ),
        ("bc1qex", "ExampleX", "exchange")
    );
    assert_eq!(tags[0].source, "https://example.org/report");
    assert_eq!(tags[0].date, "2024-05-01");
    assert_eq!(tags[0].line, 2);
    assert_eq!(tags[1].label, "The \"Shop\"");
    assert_eq!(tags[1].source, "case 12/2025, seized phone");
    assert_eq!(tags[1].category, "market");
    assert_eq!(tags[2].category, "investment_fraud");
    assert!(tags[2].in_taxonomy);
    assert_eq!(tags[3].category, "lottery");
    assert!(!tags[3].in_taxonomy);
}

#[test]
fn bad_csv_names_file_and_offset() {
    let no_label = parse_csv("address,category\n1A,exchange\n", Path::new("t.csv"));
    assert!(matches!(
        no_label,
        Err(ChainError::Corrupt { offset: 0, .. })
    ));
    let open_quote = parse_csv("address,label\n1A,\"oops\n", Path::new("t.csv"));
    match open_quote {
        Err(ChainError::Corrupt { file, offset, .. }) => {
            assert_eq!(file, Path::new("t.csv"));
            assert_eq!(offset, 14);
        }
        other => panic!("{other:?}"),
    }
    assert!(parse_csv("", Path::new("t.csv")).is_err());
}

#[test]
fn yaml_flat_list_and_tagpack_header() {
    let text = "# a tag pack\n\
                title: Seized notes\n\
                source: case 7/2026\n\
                category: scam\n\
                tags:\n\
                \x20 - address: 1Scam1\n\
                \x20   label: 'Fake exchange'\n\
                \x20 - address: \"bc1qex\"\n\
                \x20   label: ExampleX  # hot wallet\n\
                \x20   category: exchange\n\
                \x20   lastmod: 2025-01-02\n";
    let tags = parse_yaml(text, Path::new("t.yaml")).unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[0].address, "1Scam1");
    assert_eq!(tags[0].label, "Fake exchange");
    assert_eq!(tags[0].category, "scam");
    assert_eq!(tags[0].source, "case 7/2026");
    assert_eq!(tags[1].label, "ExampleX");
    assert_eq!(tags[1].category, "exchange");
    assert_eq!(tags[1].date, "2025-01-02");
    assert_eq!(tags[1].line, 8);

    let plain = "- address: 1A\n  label: A\n- address: 1B\n  label: B\n  category: mixer\n";
    let tags = parse_yaml(plain, Path::new("t.yml")).unwrap();
    assert_eq!(tags[1].category, "mixing_service");

    let bad = parse_yaml("- label: nobody\n", Path::new("t.yml"));
    assert!(matches!(bad, Err(ChainError::Corrupt { .. })));
    let bad = parse_yaml("- address: 1A\n  just words\n", Path::new("t.yml"));
    assert!(matches!(bad, Err(ChainError::Corrupt { offset: 14, .. })));
}

#[test]
fn tags_reach_clusters_and_services() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(
        &csv,
        "address,label,category\nbc1qex,ExampleX,exchange\n1A,Suspect,scam\n",
    )
    .unwrap();
    let yaml = dir.path().join("t.yaml");
    std::fs::write(
        &yaml,
        "- address: 1A\n  label: Suspect (2nd source)\n  category: extortion\n",
    )
    .unwrap();
    let tags = Tags::load(&[csv, yaml]).unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags.get("1A").len(), 2);
    assert_eq!(
        tags.services().into_iter().collect::<Vec<_>>(),
        [("bc1qex".to_string(), "ExampleX (exchange)".to_string())]
    );
    // 1A and 1B spend together: the tags of 1A reach 1B's cluster.
    let input = |a: &str| TxIn {
        prev_txid: String::new(),
        prev_vout: 0,
        address: Some(a.into()),
        value: Some(1),
        script_type: None,
    };
    let tx = Tx {
        txid: "t".into(),
        block_hash: String::new(),
        height: None,
        time: 0,
        coinbase: false,
        inputs: vec![input("1A"), input("1B")],
        outputs: vec![TxOut {
            value: 1,
            script_type: ScriptType::P2pkh,
            address: Some("1C".into()),
        }],
    };
    let c = cluster(&[tx], &ClusterOptions::default());
    let ct = tags.for_clusters(&c);
    assert_eq!(ct.len(), 1);
    assert_eq!(ct[0].size, 2);
    assert_eq!(ct[0].tags.len(), 2);
    assert_eq!(c.clusters[ct[0].cluster].addresses, ["1A", "1B"]);
}

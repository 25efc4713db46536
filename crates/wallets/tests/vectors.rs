//! The public API against the shared vectors in `../shared/testdata`:
//! BIP-173/BIP-350 addresses, Bitcoin Core key_io, EIP-55, monero-rs,
//! iocsearcher's multi-chain examples and onionscan's Bitcoin page.

mod common;

use common::{json, read, strings};
use exhibit_wallets::{scan_str, validate, Chain, Confidence, Network};
use sha2::{Digest, Sha256};

const BECH32: &str = "crypto/vectors/bech32_bip173_bip350.json";
const MISC: &str = "crypto/vectors/misc_vectors.json";

/// Kind and payload (hex) implied by an output script.
fn script_kind(script: &str) -> (&'static str, String) {
    let op = u8::from_str_radix(&script[..2], 16).unwrap_or(0xff);
    if script.starts_with("76a914") && script.ends_with("88ac") && script.len() == 50 {
        return ("p2pkh", script[6..46].to_owned());
    }
    if script.starts_with("a914") && script.ends_with("87") && script.len() == 46 {
        return ("p2sh", script[4..44].to_owned());
    }
    let program = script[4..].to_owned();
    let kind = match (op, program.len() / 2) {
        (0x00, 20) => "p2wpkh",
        (0x00, 32) => "p2wsh",
        (0x51, 32) => "p2tr",
        (0x51..=0x60, _) => "segwit-v1+",
        _ => panic!("unexpected script {script}"),
    };
    (kind, program)
}

#[test]
fn bip350_valid_addresses() {
    let v = json(BECH32);
    let valid = v["VALID_ADDRESS"].as_array().cloned().unwrap_or_default();
    assert_eq!(valid.len(), 8);
    for pair in valid {
        let addr = pair[0].as_str().unwrap_or_default();
        let script = pair[1].as_str().unwrap_or_default();
        let a = validate(addr).unwrap_or_else(|| panic!("valid address rejected: {addr}"));
        let (kind, program) = script_kind(script);
        let network = if addr.to_ascii_lowercase().starts_with("bc1") {
            Network::Mainnet
        } else {
            Network::Testnet
        };
        assert_eq!(a.chain(), Chain::Bitcoin, "{addr}");
        assert_eq!(a.kind(), kind, "{addr}");
        assert_eq!(a.network(), network, "{addr}");
        assert_eq!(a.confidence(), Confidence::Checksum, "{addr}");
        assert_eq!(a.normalized(), addr.to_ascii_lowercase(), "{addr}");
        assert_eq!(a.payload_hex(), program, "{addr}");
    }
}

#[test]
fn bip350_invalid_addresses() {
    let v = json(BECH32);
    let invalid = strings(&v["INVALID_ADDRESS"]);
    assert_eq!(invalid.len(), 15);
    for addr in invalid {
        assert_eq!(validate(&addr), None, "invalid address accepted: {addr}");
    }
    // Bare Bech32 strings that are not segwit addresses are not addresses.
    for key in [
        "VALID_BECH32",
        "VALID_BECH32M",
        "INVALID_BECH32",
        "INVALID_BECH32M",
    ] {
        for s in strings(&v[key]) {
            assert_eq!(validate(&s), None, "{key}: {s:?}");
        }
    }
}

#[test]
fn bitcoin_core_key_io_sample() {
    let v = json(MISC);
    let items = v["key_io_valid_sample"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 9);
    for item in items {
        let addr = item[0].as_str().unwrap_or_default();
        let script = item[1].as_str().unwrap_or_default();
        let net = item[2].as_str().unwrap_or_default();
        let a = validate(addr).unwrap_or_else(|| panic!("valid address rejected: {addr}"));
        let (kind, payload) = script_kind(script);
        let network = match net {
            "main" => Network::Mainnet,
            "regtest" => Network::Regtest,
            _ => Network::Testnet,
        };
        assert_eq!(
            (a.chain(), a.kind(), a.network(), a.confidence()),
            (Chain::Bitcoin, kind, network, Confidence::Checksum),
            "{addr}"
        );
        assert_eq!(a.payload_hex(), payload, "{addr}");
    }
}

#[test]
fn eip55() {
    let v = json(MISC);
    let valid = strings(&v["eip55"]["valid"]);
    assert_eq!(valid.len(), 8);
    for addr in valid {
        let a = validate(&addr).unwrap_or_else(|| panic!("valid EIP-55 rejected: {addr}"));
        assert_eq!((a.chain(), a.kind()), (Chain::Ethereum, "eoa"));
        // These vectors are all in EIP-55 form, including the all-caps and
        // all-lower ones.
        assert_eq!(a.normalized(), addr);
        let hex = &addr[2..];
        let uniform = hex == hex.to_ascii_lowercase() || hex == hex.to_ascii_uppercase();
        let want = if uniform {
            Confidence::Shape
        } else {
            Confidence::Checksum
        };
        assert_eq!(a.confidence(), want, "{addr}");
        // Any uniform-case spelling is Shape and normalises to the same form.
        for spelling in [
            format!("0x{}", hex.to_ascii_lowercase()),
            format!("0x{}", hex.to_ascii_uppercase()),
        ] {
            let b = validate(&spelling).unwrap_or_else(|| panic!("{spelling}"));
            assert_eq!(
                (b.confidence(), b.normalized()),
                (Confidence::Shape, addr.as_str())
            );
        }
    }
    let invalid = strings(&v["eip55"]["invalid_checksum"]);
    assert_eq!(invalid.len(), 2);
    for addr in invalid {
        assert_eq!(validate(&addr), None, "wrong checksum accepted: {addr}");
    }
    for bad in [
        "0x52908400098527886E0F7030069857D2E4169EE",
        "0x52908400098527886E0F7030069857D2E4169EE77",
        "0X52908400098527886E0F7030069857D2E4169EE7",
        "52908400098527886E0F7030069857D2E4169EE7",
        "0x52908400098527886E0F7030069857D2E4169EEg",
    ] {
        assert_eq!(validate(bad), None, "{bad}");
    }
}

#[test]
fn monero_rs_vectors() {
    let v = json(MISC);
    let m = &v["monero"];
    let std_addr = m["standard_mainnet"].as_str().unwrap_or_default();
    let a = validate(std_addr).unwrap_or_else(|| panic!("{std_addr}"));
    assert_eq!(
        (a.chain(), a.kind(), a.network(), a.confidence()),
        (
            Chain::Monero,
            "standard",
            Network::Mainnet,
            Confidence::Checksum
        )
    );
    assert_eq!(a.payload_hex().len(), 128);

    let int_addr = m["integrated_mainnet"]["address"]
        .as_str()
        .unwrap_or_default();
    let payment_id = m["integrated_mainnet"]["payment_id"]
        .as_str()
        .unwrap_or_default();
    let a = validate(int_addr).unwrap_or_else(|| panic!("{int_addr}"));
    assert_eq!((a.kind(), a.network()), ("integrated", Network::Mainnet));
    assert!(a.payload_hex().ends_with(payment_id), "{}", a.payload_hex());

    let sub = m["subaddress_mainnet"].as_str().unwrap_or_default();
    let a = validate(sub).unwrap_or_else(|| panic!("{sub}"));
    assert_eq!((a.kind(), a.network()), ("subaddress", Network::Mainnet));
}

#[test]
fn monero_testnet_vectors() {
    // From mrtnetwork/blockchain_utils test/monero/test_vector.dart (one
    // testnet wallet: primary, integrated with payment id 9eceefee4493b16e,
    // and subaddresses; one mainnet wallet's integrated address).
    let cases = [
        ("9szghg3GN35i7zk8aci6gE76QQ68YsqaJTcSxJ5f6iUsTnYUZrPrh3CecdoQbGNi8HNoamaJZUne3iVqYve5kCH42a5e3qZ", "standard", Network::Testnet),
        ("A3hMiUrkyJbi7zk8aci6gE76QQ68YsqaJTcSxJ5f6iUsTnYUZrPrh3CecdoQbGNi8HNoamaJZUne3iVqYve5kCH43H8o9qGBVdSDWgMpzF", "integrated", Network::Testnet),
        ("BgHDkpFQfuaHqZzRWDmrXSHWNjn5yredtURG5oTFPZnmAPp186npf7eiZrrwVvbikWEvPF9NUS9EzXY8RJsWpssZQiXMv2K", "subaddress", Network::Testnet),
        ("BZKMzyDCXyaBwCkKQLeabk3YTTacGQeiTfyxkeWPc6Kydpv2MbofbXVXPgX8WekP1pf9prAzhFDLW82fthcoE4n5NPfj77j", "subaddress", Network::Testnet),
        ("4KEMxkrvHF13ZMEVyrUNuUMzgQ1WHjkWL5T6Xk7QaTszggbtPbRPEkZQau9yACYEmUCHPNrU2MBdnJf4s4xLK5AyVTr66Q8LFefPwwfA1t", "integrated", Network::Mainnet),
        ("85cqdW5fHGvUQzGXzrRUHf6P6AJjJrYxa25v351wNJCrS3p1g8wL1gk35HjxyQGGJPY3SygtnFxKjHtVcA7rAM1JBHukQod", "subaddress", Network::Mainnet),
    ];
    for (addr, kind, network) in cases {
        let a = validate(addr).unwrap_or_else(|| panic!("{addr}"));
        assert_eq!(
            (a.chain(), a.kind(), a.network()),
            (Chain::Monero, kind, network),
            "{addr}"
        );
    }
    let integrated = validate(cases[1].0)
        .map(|a| a.payload_hex().to_owned())
        .unwrap_or_default();
    assert!(integrated.ends_with("9eceefee4493b16e"));
}

#[test]
fn xrp_x_addresses() {
    // XRPL ripple-address-codec README / X-address spec examples.
    let classic =
        validate("rGWrZyQqhTp9Xu7G5Pkayo7bXjH4k4QYpf").unwrap_or_else(|| panic!("classic"));
    assert_eq!((classic.chain(), classic.kind()), (Chain::Xrp, "account"));
    for (x, network) in [
        (
            "XVLhHMPHU98es4dbozjVtdWzVrDjtV18pX8yuPT7y4xaEHi",
            Network::Mainnet,
        ),
        (
            "XVLhHMPHU98es4dbozjVtdWzVrDjtV5fdx1mHp98tDMoQXb",
            Network::Mainnet,
        ),
    ] {
        let a = validate(x).unwrap_or_else(|| panic!("{x}"));
        assert_eq!(
            (a.chain(), a.kind(), a.network()),
            (Chain::Xrp, "x-address", network)
        );
        assert_eq!(a.payload_hex(), classic.payload_hex(), "{x}");
    }
    let t = "T7oKJ3q7s94kDH6tpkBowhetT1JKfcfdSCmAXbS75iATyLD";
    let a = validate(t).unwrap_or_else(|| panic!("{t}"));
    assert_eq!((a.kind(), a.network()), ("x-address", Network::Testnet));
    let r3 = validate("r3SVzk8ApofDJuVBPKdmbbLjWGCCXpBQ2g").map(|a| a.payload_hex().to_owned());
    assert_eq!(r3.as_deref(), Some(a.payload_hex()));
}

/// iocsearcher's label → our chain; `None` for chains this crate does not
/// support, whose examples must then not validate at all.
fn ioc_chain(label: &str) -> Option<Chain> {
    Some(match label {
        "bitcoin" => Chain::Bitcoin,
        "bitcoincash" => Chain::BitcoinCash,
        "dogecoin" => Chain::Dogecoin,
        "ethereum" => Chain::Ethereum,
        "litecoin" => Chain::Litecoin,
        "monero" => Chain::Monero,
        "ripple" => Chain::Xrp,
        "solana" => Chain::Solana,
        "tron" => Chain::Tron,
        "cardano" | "dashcoin" | "tezos" | "zcash" => return None,
        other => panic!("unknown iocsearcher label {other}"),
    })
}

#[test]
fn iocsearcher_blockchain_examples() {
    let text = read("osint/ioc/iocsearcher_blockchain_valid.ioc");
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (label, addr) = line.split_once(' ').unwrap_or_else(|| panic!("{line}"));
        let got = validate(addr);
        match ioc_chain(label) {
            Some(chain) => {
                let a = got.unwrap_or_else(|| panic!("{label} example rejected: {addr}"));
                assert_eq!(a.chain(), chain, "{addr}");
                let want = match chain {
                    Chain::Solana => Confidence::Shape,
                    Chain::Ethereum if addr[2..] == addr[2..].to_ascii_lowercase() => {
                        Confidence::Shape
                    }
                    _ => Confidence::Checksum,
                };
                assert_eq!(a.confidence(), want, "{addr}");
                assert_eq!(a.network(), Network::Mainnet, "{addr}");
                checked += 1;
            }
            None => assert_eq!(got, None, "unsupported {label} example recognised: {addr}"),
        }
        // Each example is also found when embedded in text.
        let found = scan_str(&format!("pay to {addr}, thanks"));
        assert_eq!(
            found.len(),
            usize::from(ioc_chain(label).is_some()),
            "{addr}"
        );
    }
    assert_eq!(checked, 36);
    // The two spellings of one Ethereum address are the same address.
    let a =
        validate("0x507877C2E26f1387432D067D2DaAfa7d0420d90a").map(|a| a.normalized().to_owned());
    let b =
        validate("0x507877c2e26f1387432d067d2daafa7d0420d90a").map(|a| a.normalized().to_owned());
    assert!(a.is_some() && a == b);
}

#[test]
fn onionscan_bitcoin_page() {
    // onionscan's TestExtractBitcoinAddress expects exactly 100 addresses
    // from this page, whose space-joined list has this SHA-256. The page's
    // comments mark what must not be found (obfuscated, wrong version byte,
    // one byte too long, a WIF private key).
    let html = read("osint/ioc/onionscan_bitcoin.html");
    let found: Vec<String> = scan_str(&html)
        .into_iter()
        .filter(|(_, _, a)| a.chain() == Chain::Bitcoin)
        .map(|(off, len, a)| {
            assert_eq!(&html[off..off + len], a.normalized());
            assert!(matches!(a.kind(), "p2pkh" | "p2sh"), "{a}");
            a.normalized().to_owned()
        })
        .collect();
    assert_eq!(found.len(), 100, "{found:?}");
    let digest = Sha256::digest(found.join(" ").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "aec30c5af50a875042af908cf483170e03c85207d70ffbef7401d1633a69bbdb"
    );
    for not_an_address in [
        "AWBv77f2x2aD2Wts1iHPUPdcx5HJe89NyK",
        "126d7rV1qFMjBCNryg2z9ege1WFjxVLMYGxo",
        "126d7rV1qFMjBCNryg2z9ege1WFjxY2nWj4s",
        "L52r4HGHVKCUAtVxEhwvtSRakbLyDLRzCnWxm41mF2ceoPcd4zdY",
        "18owgHeEntUJW5mCX",
    ] {
        assert!(html.contains(not_an_address));
        assert_eq!(validate(not_an_address), None, "{not_an_address}");
    }
    // Nothing else on the page is taken for an address of another chain.
    let others: Vec<_> = scan_str(&html)
        .into_iter()
        .filter(|(_, _, a)| a.chain() != Chain::Bitcoin)
        .collect();
    assert!(others.is_empty(), "{others:?}");
}

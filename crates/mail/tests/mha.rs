//! Microsoft Message Header Analyzer's unit-test expectations, as data
//! (`mha/received_cases.json`): hop order and fields of two real chains,
//! per-hop delays (a −28 ms delta kept as clock skew), totals (310 min 14 s),
//! 14 date forms and 10 delay wordings.

mod common;

use exhibit_mail::{describe_delay, parse_message, parse_received, route};
use serde_json::Value;

fn load() -> Option<Value> {
    let dir = common::testdata()?;
    let text = std::fs::read(dir.join("mha/received_cases.json")).ok()?;
    serde_json::from_slice(&text).ok()
}

/// MHA keeps comments in its columns: "localhost (10.0.22.21)". The first
/// word is the host; comments are dropped for the protocol.
fn first_word(s: &str) -> String {
    s.split_whitespace().next().unwrap_or("").to_string()
}

fn strip_comments(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn mha_chains() {
    let Some(data) = load() else { return };
    let chains = data["chains"].as_array().unwrap();
    assert_eq!(chains.len(), 2);
    let mut skew_seen = false;
    for chain in chains {
        let mut raw = String::new();
        for h in chain["headers"].as_array().unwrap() {
            raw.push_str(h.as_str().unwrap());
            raw.push('\n');
        }
        raw.push_str("From: a@example.com\nTo: b@example.org\nSubject: t\n\nbody\n");
        let msg = parse_message(raw.as_bytes()).unwrap();
        let r = route(&msg);
        let rows = chain["rows"].as_object().unwrap();
        assert_eq!(r.hops.len(), rows.len());
        for (k, row) in rows {
            let i: usize = k.parse().unwrap();
            let hop = &r.hops[i];
            let ctx = format!("hop {i}: {}", hop.raw);
            assert_eq!(hop.index as u64, row["hop"].as_u64().unwrap(), "{ctx}");
            if let Some(from) = row["from"].as_str() {
                assert_eq!(
                    hop.from_host.as_deref(),
                    Some(first_word(from).as_str()),
                    "{ctx}"
                );
                if let Some(ip) = from
                    .split(['(', ')', '[', ']', ' '])
                    .find_map(|w| w.parse().ok())
                {
                    assert_eq!(hop.from_ip, Some(ip), "{ctx}");
                }
            } else {
                assert_eq!(hop.from_host, None, "{ctx}");
            }
            let by = row["by"].as_str().unwrap();
            assert_eq!(
                hop.by_host.as_deref(),
                Some(first_word(by).as_str()),
                "{ctx}"
            );
            assert_eq!(hop.id.as_deref(), row["id"].as_str(), "{ctx}");
            let with = row["with"].as_str().map(strip_comments);
            assert_eq!(hop.protocol, with, "{ctx}");
            let for_ = row["for"]
                .as_str()
                .map(|f| f.trim_matches(['<', '>']).to_string());
            assert_eq!(hop.for_addr, for_, "{ctx}");
            let ms = row["dateNum"].as_i64().unwrap();
            assert_eq!(hop.time.map(|t| t.as_millisecond()), Some(ms), "{ctx}");
            let delay = row["delaySort"].as_i64().unwrap();
            if delay == -1 && i == 0 {
                assert_eq!(hop.delay_seconds, None, "{ctx}");
            } else {
                let got = hop.delay_seconds.unwrap();
                // MHA works in whole milliseconds (JavaScript dates); we keep the
                // nanoseconds a server wrote.
                assert!(
                    (got * 1000.0 - delay as f64).abs() < 1.0,
                    "{ctx}: {got} s vs {delay} ms"
                );
                assert_eq!(hop.clock_skew, delay < 0, "{ctx}");
                skew_seen |= hop.clock_skew;
                if let Some(text) = row["delay"].as_str() {
                    assert_eq!(describe_delay(got), text, "{ctx}");
                }
            }
        }
        let total = r.total_seconds.unwrap();
        assert_eq!(describe_delay(total), chain["totalDelay"].as_str().unwrap());
    }
    assert!(skew_seen, "the −28 ms delta must be flagged as clock skew");
}

#[test]
fn mha_first_chain_total_and_origin() {
    let Some(data) = load() else { return };
    let chain = &data["chains"][0];
    let mut raw = String::new();
    for h in chain["headers"].as_array().unwrap() {
        raw.push_str(h.as_str().unwrap());
        raw.push('\n');
    }
    raw.push_str("From: a@example.com\n\nbody\n");
    let r = route(&parse_message(raw.as_bytes()).unwrap());
    assert_eq!(r.total_seconds, Some(310.0 * 60.0 + 14.0));
    // Outlook.com's own relays are the recipient's infrastructure; the first
    // sender outside it is the NFCU mailer.
    let origin = r.origin.unwrap();
    assert_eq!(
        origin.ip,
        "199.204.166.217".parse::<std::net::IpAddr>().unwrap()
    );
    assert!(!origin.private);
}

#[test]
fn mha_date_forms() {
    let Some(data) = load() else { return };
    let dates = data["dates"].as_array().unwrap();
    assert_eq!(dates.len(), 14);
    for d in dates {
        let header = d["header"].as_str().unwrap();
        let f = parse_received(header);
        assert_eq!(
            f.time.map(|t| t.as_millisecond()),
            d["dateNum"].as_i64(),
            "{header}"
        );
    }
}

#[test]
fn mha_delay_wording() {
    let Some(data) = load() else { return };
    for d in data["durations"].as_array().unwrap() {
        let ms = d["now_ms"].as_i64().unwrap() - d["before_ms"].as_i64().unwrap();
        assert_eq!(
            describe_delay(ms as f64 / 1000.0),
            d["text"].as_str().unwrap(),
            "{d}"
        );
    }
}

//! Authentication headers as written by receiving servers:
//! `Authentication-Results` (RFC 8601), ARC sets (RFC 8617) and
//! `Received-SPF` (RFC 7208 §9.1). Parsing only: nothing here verifies a
//! signature or asks the DNS.

use serde::Serialize;

use crate::Message;

/// One method's verdict inside an `Authentication-Results` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthResult {
    /// The method, lower-case: `spf`, `dkim`, `dmarc`, `arc`, `iprev`,
    /// `auth`, `compauth`…
    pub method: String,
    /// The result, lower-case: `pass`, `fail`, `softfail`, `neutral`,
    /// `none`, `temperror`, `permerror`, `policy`, `bestguesspass`…
    pub result: String,
    /// The `reason=` text, if given.
    pub reason: Option<String>,
    /// The properties in order, e.g. (`smtp.mailfrom`, `example.com`),
    /// (`header.d`, `example.com`), (`header.from`, `example.com`).
    pub properties: Vec<(String, String)>,
    /// Comments written next to the result, e.g. "sender IP is 192.0.2.1".
    pub comments: Vec<String>,
}

/// One `Authentication-Results` (or `ARC-Authentication-Results`) header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthResults {
    /// The server that wrote the verdicts (authserv-id); empty when the
    /// header has none (Microsoft 365 writes none).
    pub authserv_id: String,
    /// The ARC instance (`i=`), for `ARC-Authentication-Results`.
    pub arc_instance: Option<u32>,
    /// The verdicts; empty for `; none`.
    pub results: Vec<AuthResult>,
    /// Written by the receiving server itself (its authserv-id is the
    /// trusted one). Verdicts from other authserv-ids may be forged by the
    /// sender and must not be relied on.
    pub trusted: bool,
    /// Byte offset of the header line within the message.
    pub header_offset: Option<u64>,
}

/// One `Received-SPF` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceivedSpf {
    /// The result, lower-case (`pass`, `fail`, `softfail`…).
    pub result: String,
    /// The comment after the result, if any.
    pub comment: Option<String>,
    /// The key=value pairs (`client-ip`, `envelope-from`, `helo`,
    /// `receiver`, `identity`…), in order.
    pub properties: Vec<(String, String)>,
    /// Byte offset of the header line within the message.
    pub header_offset: Option<u64>,
}

/// One ARC set: the three headers sharing an instance number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArcSet {
    /// The instance `i=` (1 is the first intermediary).
    pub instance: u32,
    /// The chain validation status the sealer recorded (`cv=` of
    /// ARC-Seal: `none`, `pass`, `fail`).
    pub chain_validation: Option<String>,
    /// The sealing domain (`d=` of ARC-Seal).
    pub sealer: Option<String>,
    /// The ARC-Authentication-Results of this set.
    pub results: Option<AuthResults>,
    /// Which of the three headers are present (seal, message signature,
    /// authentication results).
    pub complete: bool,
}

/// All authentication headers of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authentication {
    /// The authserv-id trusted as the receiving server's own.
    pub trusted_authserv_id: Option<String>,
    /// Every `Authentication-Results` header, top first.
    pub results: Vec<AuthResults>,
    /// Every `Received-SPF` header, top first.
    pub received_spf: Vec<ReceivedSpf>,
    /// ARC sets by instance, lowest first.
    pub arc: Vec<ArcSet>,
    /// Remarks (untrusted results present, incomplete ARC sets…).
    pub notes: Vec<String>,
}

/// Removes comments; returns (text without comments, the comments).
fn split_comments(s: &str) -> (String, Vec<String>) {
    let mut text = String::with_capacity(s.len());
    let mut comments = Vec::new();
    let mut depth = 0usize;
    let mut cur = String::new();
    let mut in_quote = false;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            escaped = false;
            if depth > 0 {
                cur.push(c);
            } else {
                text.push(c);
            }
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' if depth == 0 => {
                in_quote = !in_quote;
                text.push(c);
            }
            '(' if !in_quote => {
                if depth > 0 {
                    cur.push(c);
                }
                depth += 1;
            }
            ')' if !in_quote && depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    comments.push(cur.trim().to_string());
                    cur.clear();
                    text.push(' ');
                } else {
                    cur.push(c);
                }
            }
            _ if depth > 0 => cur.push(c),
            _ => text.push(c),
        }
    }
    (text, comments)
}

/// Splits on `;` outside quotes.
fn split_semicolons(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_quote = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            ';' if !in_quote => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Splits on whitespace outside quotes.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    for c in s.chars() {
        match c {
            '"' => in_quote = !in_quote,
            c if c.is_whitespace() && !in_quote => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Parses an `Authentication-Results` value (RFC 8601). With `arc`, a
/// leading `i=N;` (ARC-Authentication-Results) is read first. `None` when
/// there is not even an authserv-id.
pub fn parse_authentication_results(value: &str, arc: bool) -> Option<AuthResults> {
    let mut segments = split_semicolons(value).into_iter();
    let mut arc_instance = None;
    let mut first = segments.next()?;
    if arc {
        let (t, _) = split_comments(first);
        if let Some(n) = t.trim().strip_prefix("i=") {
            arc_instance = n.trim().parse().ok();
            first = segments.next()?;
        }
    }
    let (head, _) = split_comments(first);
    let head_words = words(&head);
    let first_word = head_words.first()?;
    // Microsoft writes no authserv-id: the header starts with a result.
    let (authserv_id, leading) = if first_word.contains('=') {
        (String::new(), Some(first))
    } else {
        (first_word.clone(), None)
    };
    let mut results = Vec::new();
    for seg in leading.into_iter().chain(segments) {
        let (text, comments) = split_comments(seg);
        let ws = words(&text);
        let Some((method, result)) = ws.first().and_then(|w| w.split_once('=')) else {
            continue; // "none" or junk
        };
        let method = method
            .split('/')
            .next()
            .unwrap_or(method)
            .to_ascii_lowercase();
        let mut r = AuthResult {
            method,
            result: result.to_ascii_lowercase(),
            reason: None,
            properties: Vec::new(),
            comments,
        };
        for w in ws.iter().skip(1) {
            let Some((k, v)) = w.split_once('=') else {
                continue;
            };
            if k.eq_ignore_ascii_case("reason") {
                r.reason = Some(v.to_string());
            } else {
                r.properties.push((k.to_ascii_lowercase(), v.to_string()));
            }
        }
        results.push(r);
    }
    Some(AuthResults {
        authserv_id,
        arc_instance,
        results,
        trusted: false,
        header_offset: None,
    })
}

/// Parses a `Received-SPF` value.
pub fn parse_received_spf(value: &str) -> Option<ReceivedSpf> {
    let v = value.trim();
    let end = v
        .find(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .unwrap_or(v.len());
    let result = v[..end].to_ascii_lowercase();
    if result.is_empty() {
        return None;
    }
    let (rest, comments) = split_comments(&v[end..]);
    let mut properties = Vec::new();
    for seg in split_semicolons(&rest) {
        for w in words(seg) {
            if let Some((k, val)) = w.split_once('=') {
                properties.push((
                    k.to_ascii_lowercase(),
                    val.trim_end_matches(';').to_string(),
                ));
            }
        }
    }
    Some(ReceivedSpf {
        result,
        comment: comments.into_iter().next(),
        properties,
        header_offset: None,
    })
}

/// DKIM-style `tag=value; tag=value` list.
fn tags(value: &str) -> Vec<(String, String)> {
    value
        .split(';')
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_ascii_lowercase(),
                v.split_whitespace().collect::<String>(),
            )
        })
        .collect()
}

/// Collects the authentication headers of `msg`. The receiving server's
/// authserv-id is `trusted_authserv_id` when given, otherwise the one of
/// the topmost `Authentication-Results` header (the last server to add
/// one is the one that delivered the message).
pub fn authentication(msg: &Message, trusted_authserv_id: Option<&str>) -> Authentication {
    let mut notes = Vec::new();
    let mut results = Vec::new();
    let mut received_spf = Vec::new();
    let mut arc: Vec<ArcSet> = Vec::new();
    let set_for = |arc: &mut Vec<ArcSet>, i: u32| -> usize {
        match arc.iter().position(|s| s.instance == i) {
            Some(p) => p,
            None => {
                arc.push(ArcSet {
                    instance: i,
                    chain_validation: None,
                    sealer: None,
                    results: None,
                    complete: false,
                });
                arc.len() - 1
            }
        }
    };
    let mut seen: Vec<(u32, usize)> = Vec::new();
    for h in &msg.headers {
        let name = h.name.to_ascii_lowercase();
        let value = crate::message::unfold(&h.raw);
        match name.as_str() {
            "authentication-results" => match parse_authentication_results(&value, false) {
                Some(mut r) => {
                    r.header_offset = Some(h.offset);
                    results.push(r);
                }
                None => notes.push(format!(
                    "unreadable Authentication-Results at byte {}",
                    h.offset
                )),
            },
            "received-spf" => match parse_received_spf(&value) {
                Some(mut r) => {
                    r.header_offset = Some(h.offset);
                    received_spf.push(r);
                }
                None => notes.push(format!("unreadable Received-SPF at byte {}", h.offset)),
            },
            "arc-authentication-results" => {
                if let Some(mut r) = parse_authentication_results(&value, true) {
                    r.header_offset = Some(h.offset);
                    if let Some(i) = r.arc_instance {
                        let p = set_for(&mut arc, i);
                        seen.push((i, 2));
                        arc[p].results = Some(r);
                    }
                }
            }
            "arc-seal" | "arc-message-signature" => {
                let t = tags(&value);
                let get = |k: &str| t.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                if let Some(i) = get("i").and_then(|i| i.parse::<u32>().ok()) {
                    let p = set_for(&mut arc, i);
                    if name == "arc-seal" {
                        seen.push((i, 0));
                        arc[p].chain_validation = get("cv").map(|s| s.to_ascii_lowercase());
                        arc[p].sealer = get("d");
                    } else {
                        seen.push((i, 1));
                    }
                }
            }
            _ => {}
        }
    }
    for s in &mut arc {
        let has = |k: usize| seen.iter().any(|&(i, kind)| i == s.instance && kind == k);
        s.complete = has(0) && has(1) && has(2);
        if !s.complete {
            notes.push(format!("ARC set i={} is incomplete", s.instance));
        }
    }
    arc.sort_by_key(|s| s.instance);

    let trusted = trusted_authserv_id
        .map(str::to_string)
        .or_else(|| results.first().map(|r| r.authserv_id.clone()));
    for r in &mut results {
        r.trusted = trusted
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(&r.authserv_id));
        if !r.trusted {
            notes.push(format!(
                "Authentication-Results from {} (not the receiving server) ignored: it may have been written by the sender",
                r.authserv_id
            ));
        }
    }
    Authentication {
        trusted_authserv_id: trusted,
        results,
        received_spf,
        arc,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8601_example() {
        let r = parse_authentication_results(
            "example.com; spf=pass smtp.mailfrom=example.net (sender IP is 192.0.2.1);\n dkim=fail reason=\"bad signature\" header.d=example.org header.s=sel; dmarc=none",
            false,
        )
        .unwrap();
        assert_eq!(r.authserv_id, "example.com");
        assert_eq!(r.results.len(), 3);
        assert_eq!(r.results[0].method, "spf");
        assert_eq!(r.results[0].result, "pass");
        assert_eq!(
            r.results[0].properties,
            vec![("smtp.mailfrom".to_string(), "example.net".to_string())]
        );
        assert_eq!(r.results[0].comments, vec!["sender IP is 192.0.2.1"]);
        assert_eq!(r.results[1].reason.as_deref(), Some("bad signature"));
        assert_eq!(r.results[2].result, "none");
    }

    #[test]
    fn arc_and_spf() {
        let r = parse_authentication_results("i=2; mx.google.com; dkim=pass header.i=@x.com", true)
            .unwrap();
        assert_eq!(
            (r.arc_instance, r.authserv_id.as_str()),
            (Some(2), "mx.google.com")
        );
        let s = parse_received_spf(
            "Pass (protection.outlook.com: domain of gmail.com designates 209.85.160.178 as permitted sender) receiver=protection.outlook.com; client-ip=209.85.160.178; helo=mail-qt1-f178.google.com; pr=C",
        )
        .unwrap();
        assert_eq!(s.result, "pass");
        assert!(s.comment.unwrap().contains("designates"));
        assert!(s
            .properties
            .contains(&("client-ip".into(), "209.85.160.178".into())));
    }

    #[test]
    fn microsoft_style_without_authserv_id() {
        let r = parse_authentication_results(
            "spf=softfail (sender IP is 80.96.157.86)\n smtp.mailfrom=winner-win.art; dkim=none (message not signed)\n header.d=none;dmarc=fail action=none header.from=newsletter.otto.de;",
            false,
        )
        .unwrap();
        assert_eq!(r.authserv_id, "");
        let got: Vec<_> = r
            .results
            .iter()
            .map(|r| (r.method.as_str(), r.result.as_str()))
            .collect();
        assert_eq!(
            got,
            [("spf", "softfail"), ("dkim", "none"), ("dmarc", "fail")]
        );
    }

    #[test]
    fn junk_does_not_panic() {
        for v in ["", ";", "(", "\"", "a; =; b=; =c", "i=x;", "((a)"] {
            let _ = parse_authentication_results(v, true);
            let _ = parse_authentication_results(v, false);
            let _ = parse_received_spf(v);
            let _ = tags(v);
        }
    }
}

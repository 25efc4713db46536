//! Stable identifiers and string escaping shared by both formats.
//!
//! Identifiers are RFC 9562 UUIDv5 (SHA-1, name-based): the same content
//! always gives the same id, so exporting the same case twice gives the
//! same bytes and a partner can merge two exports without duplicates.

use sha1::{Digest, Sha1};

/// A UUID in its 16 bytes.
pub type Uuid = [u8; 16];

/// Exhibit's own namespace for CASE/UCO node ids (a fixed random UUID).
pub const EXHIBIT_NAMESPACE: Uuid = [
    0x6f, 0x0b, 0x2c, 0x5e, 0x41, 0x9d, 0x4a, 0x7b, 0x8e, 0x3c, 0x1d, 0x52, 0x9a, 0x60, 0xf4, 0x17,
];

/// The namespace STIX 2.1 (section 2.9) prescribes for deterministic
/// cyber-observable ids: `00abedb4-aa42-466c-9c01-fed23315a9b7`.
pub const STIX_NAMESPACE: Uuid = [
    0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
];

/// UUIDv5 of `name` in `namespace`, as lower-case hyphenated text.
pub fn uuid5(namespace: &Uuid, name: &str) -> String {
    name_based(namespace, name, 5)
}

/// A UUID with the version bits of a random (v4) UUID whose other bits
/// are SHA-1 of `namespace` and `name` instead of random ones. STIX 2.1
/// asks for v4 ids on domain objects (the validator warns on any other
/// version); hash bits look as random to every reader and stay the same
/// from one export to the next.
pub fn uuid4_like(namespace: &Uuid, name: &str) -> String {
    name_based(namespace, name, 4)
}

fn name_based(namespace: &Uuid, name: &str, version: u8) -> String {
    let mut h = Sha1::new();
    h.update(namespace);
    h.update(name.as_bytes());
    let digest = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | (version << 4);
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// Name of a node from its parts: each part is length-prefixed so that
/// `("ab", "c")` and `("a", "bc")` never collide.
pub fn name_of(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        out.push_str(&p.len().to_string());
        out.push(':');
        out.push_str(p);
    }
    out
}

/// A CASE/UCO node id: `kb:<prefix>-<uuid5 of the parts>`.
pub fn kb_id(prefix: &str, parts: &[&str]) -> String {
    format!(
        "kb:{prefix}-{}",
        uuid5(&EXHIBIT_NAMESPACE, &name_of(&[&[prefix], parts].concat()))
    )
}

/// A STIX 2.1 id for a cyber-observable: UUIDv5 in the STIX namespace of
/// the canonical JSON (RFC 8785: sorted keys, no spaces) of its
/// id-contributing properties, as section 2.9 of the specification asks.
pub fn stix_sco_id(kind: &str, contributing: &serde_json::Value) -> String {
    format!(
        "{kind}--{}",
        uuid5(&STIX_NAMESPACE, &canonical_json(contributing))
    )
}

/// A STIX 2.1 id for a domain or relationship object, or a bundle:
/// [`uuid4_like`] in Exhibit's namespace of its type and parts.
pub fn stix_sdo_id(kind: &str, parts: &[&str]) -> String {
    format!(
        "{kind}--{}",
        uuid4_like(
            &EXHIBIT_NAMESPACE,
            &name_of(&[&["stix", kind], parts].concat())
        )
    )
}

/// Compact JSON with object keys in byte order: RFC 8785 for the strings
/// and integers Exhibit puts in ids.
pub fn canonical_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let members: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        serde_json::Value::String(k.clone()),
                        canonical_json(&map[k])
                    )
                })
                .collect();
            format!("{{{}}}", members.join(","))
        }
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// A string as a STIX patterning string literal: quoted with `'`, with
/// `\` and `'` escaped (STIX 2.1 section 9.2), so a value holding a quote
/// cannot change the pattern's meaning.
pub fn stix_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4122 appendix / Python's `uuid.uuid5(NAMESPACE_DNS, "python.org")`.
    #[test]
    fn uuid5_matches_the_reference() {
        let dns: Uuid = [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ];
        assert_eq!(
            uuid5(&dns, "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d"
        );
    }

    /// Pinned to the id the `stix2` Python library gives
    /// `DomainName(value="example.com")`, so it never drifts.
    #[test]
    fn stix_ids_are_stable() {
        let a = stix_sco_id("domain-name", &serde_json::json!({"value": "example.com"}));
        let b = stix_sco_id("domain-name", &serde_json::json!({"value": "example.com"}));
        assert_eq!(a, b);
        assert_eq!(a, "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7");
        let c = stix_sco_id("domain-name", &serde_json::json!({"value": "example.org"}));
        assert_ne!(a, c);
    }

    #[test]
    fn sdo_ids_are_stable_and_version_4() {
        let a = stix_sdo_id("indicator", &["domain-name--x"]);
        assert_eq!(a, stix_sdo_id("indicator", &["domain-name--x"]));
        assert_ne!(a, stix_sdo_id("indicator", &["domain-name--y"]));
        let uuid = a.strip_prefix("indicator--").unwrap();
        assert_eq!(&uuid[14..15], "4");
        assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn kb_ids_are_stable_and_unambiguous() {
        assert_eq!(kb_id("hash", &["md5", "ab"]), kb_id("hash", &["md5", "ab"]));
        assert_ne!(kb_id("x", &["ab", "c"]), kb_id("x", &["a", "bc"]));
        assert_ne!(kb_id("x", &["a"]), kb_id("y", &["a"]));
        assert!(kb_id("file", &["a"]).starts_with("kb:file-"));
    }

    #[test]
    fn canonical_json_sorts_keys_and_escapes() {
        let v = serde_json::json!({"b": 1, "a": {"d": "x\"y", "c": "é\n"}});
        assert_eq!(canonical_json(&v), r#"{"a":{"c":"é\n","d":"x\"y"},"b":1}"#);
    }

    #[test]
    fn stix_literals_escape_quotes_and_backslashes() {
        assert_eq!(stix_literal("a'b"), r"'a\'b'");
        assert_eq!(stix_literal(r"c:\x"), r"'c:\\x'");
        assert_eq!(stix_literal("ปลา"), "'ปลา'");
    }
}

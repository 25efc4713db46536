//! [`Query`]: what investigators ask, and [`parse_query`]: the one-line syntax for it.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::{DocKind, IndexError};

/// A search: free text plus filters, all of which must hold (AND).
///
/// The default (everything `None` or empty) matches every document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// Free text: words (all must occur, in `value`, `path` or `text`, case-insensitively) and
    /// `"quoted phrases"`. A word with punctuation (`alice@example.com`, `192.168.1.5`) is searched
    /// as the phrase of its parts, and also as a whole value.
    pub text: Option<String>,
    /// Only these kinds (any of them); empty means all kinds.
    pub kinds: Vec<DocKind>,
    /// Exact tag (finding kind, mime type, event source…), case-insensitive.
    pub tag: Option<String>,
    /// Exact whole value, case-insensitive.
    pub value: Option<String>,
    /// Whole path segments, anywhere in the path: `/home/alice` finds `/home/alice/notes.txt`
    /// (and `/mnt/x/home/alice/y`), not `/home/alice2`. Case-insensitive; `\` is read as `/`.
    pub path: Option<String>,
    /// Exact evidence id (`E1`), case-sensitive.
    pub evidence: Option<String>,
    /// Only documents with a time `>= from`.
    pub from: Option<Timestamp>,
    /// Only documents with a time `< to`.
    pub to: Option<Timestamp>,
    /// At most this many hits (and never more than [`crate::MAX_HITS`]).
    pub limit: Option<usize>,
}

/// One piece of free text: a word or a quoted phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Word(String),
    Phrase(String),
}

/// Splits free text into words and quoted phrases.
pub(crate) fn pieces(text: &str) -> Result<Vec<Piece>, IndexError> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(out);
        }
        if let Some(after) = rest.strip_prefix('"') {
            let Some(end) = after.find('"') else {
                return Err(IndexError::Query(format!("unterminated quote in {rest:?}")));
            };
            out.push(Piece::Phrase(after[..end].to_string()));
            rest = &after[end + 1..];
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            out.push(Piece::Word(rest[..end].to_string()));
            rest = &rest[end..];
        }
    }
}

/// Reads one whitespace-separated item of a query line; quotes may enclose spaces
/// (`path:"/home/a b"`, `"exact phrase"`).
fn next_item(s: &str) -> Result<(&str, &str), IndexError> {
    let mut in_quote = false;
    for (i, c) in s.char_indices() {
        if c == '"' {
            in_quote = !in_quote;
        } else if c.is_whitespace() && !in_quote {
            return Ok((&s[..i], &s[i..]));
        }
    }
    if in_quote {
        return Err(IndexError::Query(format!("unterminated quote in {s:?}")));
    }
    Ok((s, ""))
}

fn unquote(v: &str) -> &str {
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v)
}

fn set_once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), IndexError> {
    if slot.is_some() {
        return Err(IndexError::Query(format!("{name}: given twice")));
    }
    *slot = Some(value);
    Ok(())
}

/// Parses a date bound: `YYYY-MM-DD` (midnight UTC), RFC 3339 (`2024-02-01T12:00:00Z`,
/// `…+07:00`) or a date and time without offset (read as UTC).
pub fn parse_time(s: &str) -> Result<Timestamp, IndexError> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let utc = |dt: DateTime| {
        dt.to_zoned(TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| IndexError::Query(format!("bad date {s:?}: {e}")))
    };
    if let Ok(d) = s.parse::<Date>() {
        return utc(d.to_datetime(jiff::civil::Time::midnight()));
    }
    if let Ok(dt) = s.parse::<DateTime>() {
        return utc(dt);
    }
    Err(IndexError::Query(format!(
        "bad date {s:?}: use YYYY-MM-DD or RFC 3339 such as 2024-02-01T12:00:00Z"
    )))
}

/// Parses a one-line query.
///
/// ```text
/// alice bank "exact phrase" type:email value:alice@example.com path:/home/alice
///     in:finding in:message ev:E1 from:2024-01-01 to:2024-02-01T12:00:00Z
/// ```
///
/// - Bare words and `"quoted phrases"` are free text ([`Query::text`]).
/// - `type:` tag, `value:` whole value, `path:` path segments, `ev:` evidence, `in:` kinds
///   (repeatable, or comma-separated: `in:finding,message`), `from:`/`to:` time range
///   (`from <= t < to`; `YYYY-MM-DD` or RFC 3339; without an offset, UTC).
/// - Filter values may be quoted: `path:"/home/a b"`. Field names are case-insensitive.
/// - An item whose prefix is not a field name (`http://x`, `C:\Users`) is free text; to search
///   free text that starts with a field name, quote it: `"to:bob"`.
/// - An empty query matches everything.
pub fn parse_query(s: &str) -> Result<Query, IndexError> {
    let mut q = Query::default();
    let mut text: Vec<String> = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let (item, after) = next_item(rest)?;
        rest = after;
        let field = item
            .split_once(':')
            .map(|(name, v)| (name.to_ascii_lowercase(), unquote(v)))
            .filter(|(name, _)| {
                matches!(
                    name.as_str(),
                    "type" | "value" | "path" | "in" | "ev" | "from" | "to"
                )
            });
        let Some((name, value)) = field else {
            text.push(item.to_string());
            continue;
        };
        if value.is_empty() {
            return Err(IndexError::Query(format!("{name}: needs a value")));
        }
        match name.as_str() {
            "type" => set_once(&mut q.tag, "type", value.to_string())?,
            "value" => set_once(&mut q.value, "value", value.to_string())?,
            "path" => set_once(&mut q.path, "path", value.to_string())?,
            "ev" => set_once(&mut q.evidence, "ev", value.to_string())?,
            "from" => set_once(&mut q.from, "from", parse_time(value)?)?,
            "to" => set_once(&mut q.to, "to", parse_time(value)?)?,
            _ => {
                for k in value.split(',').filter(|k| !k.is_empty()) {
                    let kind = DocKind::parse(k).ok_or_else(|| {
                        IndexError::Query(format!(
                            "in:{k}: unknown kind; use finding, file, event, message or text"
                        ))
                    })?;
                    if !q.kinds.contains(&kind) {
                        q.kinds.push(kind);
                    }
                }
            }
        }
    }
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if from >= to {
            return Err(IndexError::Query(format!(
                "from:{from} is not before to:{to}"
            )));
        }
    }
    if !text.is_empty() {
        let joined = text.join(" ");
        pieces(&joined)?; // reject bad quoting now, not at search time
        q.text = Some(joined);
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_pieces() {
        assert_eq!(
            pieces(r#"alice "bank x" y"#).unwrap(),
            [
                Piece::Word("alice".into()),
                Piece::Phrase("bank x".into()),
                Piece::Word("y".into())
            ]
        );
        assert!(pieces(r#"a "b"#).is_err());
    }

    #[test]
    fn parses_every_form() {
        let q = parse_query(
            r#"alice bank type:email path:/home in:finding from:2024-01-01 to:2024-02-01T12:00:00Z ev:E1 value:alice@example.com "exact phrase" in:message,text"#,
        )
        .unwrap();
        assert_eq!(q.text.as_deref(), Some(r#"alice bank "exact phrase""#));
        assert_eq!(q.tag.as_deref(), Some("email"));
        assert_eq!(q.path.as_deref(), Some("/home"));
        assert_eq!(q.evidence.as_deref(), Some("E1"));
        assert_eq!(q.value.as_deref(), Some("alice@example.com"));
        assert_eq!(q.kinds, [DocKind::Finding, DocKind::Message, DocKind::Text]);
        assert_eq!(q.from, Some("2024-01-01T00:00:00Z".parse().unwrap()));
        assert_eq!(q.to, Some("2024-02-01T12:00:00Z".parse().unwrap()));
    }

    #[test]
    fn quoted_filter_values_and_non_fields() {
        let q = parse_query(r#"path:"/home/a b" http://x.org C:\Users"#).unwrap();
        assert_eq!(q.path.as_deref(), Some("/home/a b"));
        assert_eq!(q.text.as_deref(), Some(r"http://x.org C:\Users"));
        let q = parse_query(r#""to:bob""#).unwrap();
        assert_eq!(q.text.as_deref(), Some(r#""to:bob""#));
        assert!(q.to.is_none());
    }

    #[test]
    fn empty_query_matches_all() {
        assert_eq!(parse_query("   ").unwrap(), Query::default());
    }

    #[test]
    fn bad_queries_are_errors() {
        for bad in [
            "from:yesterday",
            "to:2024-13-01",
            "in:bogus",
            "type:",
            r#"alice "bank"#,
            r#"path:"/home"#,
            "ev:E1 ev:E2",
            "from:2024-02-01 to:2024-01-01",
        ] {
            let e = parse_query(bad).unwrap_err();
            assert!(matches!(e, IndexError::Query(_)), "{bad}: {e}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_time("2024-01-01T07:00:00+07:00").unwrap(),
            parse_time("2024-01-01").unwrap()
        );
        assert_eq!(
            parse_time("2024-01-01T00:00:00").unwrap(),
            parse_time("2024-01-01").unwrap()
        );
    }
}

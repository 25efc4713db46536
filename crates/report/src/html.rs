//! HTML helpers: escaping and anchors.

/// Escapes text for HTML content and attribute values (`&<>"'`).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters have no business in a court document.
            c if c.is_control() && c != '\n' && c != '\t' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// An anchor id made of case data: letters, digits and `-` kept, anything
/// else hex-encoded, so hostile values cannot break out of the attribute
/// and two values never share an id.
pub fn anchor(prefix: &str, parts: &[&str]) -> String {
    let mut out = String::from(prefix);
    for p in parts {
        out.push('-');
        for b in p.bytes() {
            if b.is_ascii_alphanumeric() {
                out.push(b as char);
            } else {
                out.push_str(&format!("_{b:02x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("a\u{7}b"), "a\\u{7}b");
    }

    #[test]
    fn anchors_are_safe_and_distinct() {
        assert_eq!(anchor("f", &["email", "a@b"]), "f-email-a_40b");
        assert_ne!(anchor("f", &["a-b"]), anchor("f", &["a_2db"]));
        assert!(!anchor("f", &["\"><x"]).contains('"'));
    }
}

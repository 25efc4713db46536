//! HTML building blocks. Everything from a case or the evidence goes
//! through [`esc`]; pages have no inline script or style (the CSP forbids
//! them), only `/static/app.css` and `/static/app.js`.

use std::fmt::Write;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query-string value.
pub fn url(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Who is logged in, for the page header.
pub struct Viewer<'a> {
    /// User name.
    pub user: &'a str,
    /// Role name.
    pub role: &'a str,
    /// The session's CSRF token (for the logout form).
    pub csrf: &'a str,
}

/// A whole page: header with navigation for the case (when given), the
/// body, and the logout form.
pub fn page(title: &str, viewer: Option<&Viewer<'_>>, case: Option<&str>, body: &str) -> String {
    let mut h = String::with_capacity(body.len() + 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(h, "<title>{} · Exhibit</title>", esc(title));
    h.push_str("<link rel=\"stylesheet\" href=\"/static/app.css\">");
    h.push_str("<script src=\"/static/app.js\" defer></script></head><body>");
    h.push_str("<header><a class=\"brand\" href=\"/\">Exhibit</a>");
    if let Some(c) = case {
        let c = esc(c);
        let _ = write!(
            h,
            "<nav><a href=\"/case/{c}\">Overview</a> <a href=\"/case/{c}/findings\">Findings</a> \
             <a href=\"/case/{c}/search\">Search</a> <a href=\"/case/{c}/timeline\">Timeline</a> \
             <a href=\"/case/{c}/messages\">E-mail</a> <a href=\"/case/{c}/pictures\">Pictures</a> \
             <a href=\"/case/{c}/tags\">Tags</a> \
             <a href=\"/case/{c}/report\">Report</a></nav>"
        );
    }
    if let Some(v) = viewer {
        let _ = write!(
            h,
            "<form class=\"logout\" method=\"post\" action=\"/logout\">\
             <span class=\"who\">{} ({})</span>\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button id=\"logout\" type=\"submit\">Log out</button></form>",
            esc(v.user),
            esc(v.role),
            esc(v.csrf)
        );
    }
    let _ = write!(h, "</header><main><h1>{}</h1>", esc(title));
    h.push_str(body);
    h.push_str("</main></body></html>\n");
    h
}

/// A hex dump: offset, 16 bytes in hex, the same bytes as printable ASCII.
pub fn hex_dump(bytes: &[u8], start: u64) -> String {
    let mut out = String::with_capacity(bytes.len() * 5);
    for (i, line) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{:08x}  ", start.saturating_add((i as u64) * 16));
        for j in 0..16 {
            match line.get(j) {
                Some(b) => {
                    let _ = write!(out, "{b:02x} ");
                }
                None => out.push_str("   "),
            }
            if j == 7 {
                out.push(' ');
            }
        }
        out.push(' ');
        for &b in line {
            out.push(if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            });
        }
        out.push('\n');
    }
    esc(&out)
}

/// The bytes as text: UTF-16 when they look like it (a byte-order mark,
/// or most odd bytes zero), else UTF-8 with invalid bytes replaced.
/// Control characters other than tab and newline are shown as `␀`-style
/// pictures or `\u{…}` so nothing invisible hides in the view.
pub fn as_text(bytes: &[u8]) -> (String, &'static str) {
    let (text, enc) = if bytes.starts_with(&[0xff, 0xfe]) || looks_utf16le(bytes) {
        let skip = if bytes.starts_with(&[0xff, 0xfe]) {
            2
        } else {
            0
        };
        let units: Vec<u16> = bytes[skip..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        (String::from_utf16_lossy(&units), "UTF-16LE")
    } else if bytes.starts_with(&[0xfe, 0xff]) {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        (String::from_utf16_lossy(&units), "UTF-16BE")
    } else {
        (String::from_utf8_lossy(bytes).into_owned(), "UTF-8")
    };
    let shown: String = text
        .chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            '\r' => String::new(),
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32)
                .map(String::from)
                .unwrap_or_default(),
            c if c.is_control() => format!("\\u{{{:x}}}", c as u32),
            c => c.to_string(),
        })
        .collect();
    (shown, enc)
}

fn looks_utf16le(bytes: &[u8]) -> bool {
    let pairs = bytes.len() / 2;
    if pairs < 4 {
        return false;
    }
    let zero_odd = bytes
        .chunks_exact(2)
        .filter(|c| c[1] == 0 && c[0] != 0)
        .count();
    zero_odd * 10 >= pairs * 7
}

/// A `<table>` with a header row; cells are given as HTML (escape first).
pub fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut h = String::from("<table>");
    if head.iter().any(|c| !c.is_empty()) {
        h.push_str("<thead><tr>");
        for c in head {
            let _ = write!(h, "<th>{}</th>", esc(c));
        }
        h.push_str("</tr></thead>");
    }
    h.push_str("<tbody>");
    for r in rows {
        h.push_str("<tr>");
        for c in r {
            let _ = write!(h, "<td>{c}</td>");
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
    h
}

/// Human size.
pub fn size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        let p = page("<b>", None, Some("a\"b"), "");
        assert!(p.contains("<title>&lt;b&gt; · Exhibit</title>"));
        assert!(p.contains("/case/a&quot;b/findings"));
        assert!(!p.contains("<b>"));
    }

    #[test]
    fn hex_dump_escapes_the_ascii_column() {
        let d = hex_dump(b"<script>", 16);
        assert!(d.starts_with("00000010  3c 73"));
        assert!(d.contains("&lt;script&gt;"));
        assert!(!d.contains("<script>"));
    }

    #[test]
    fn text_detects_utf16_and_shows_controls() {
        let utf16: Vec<u8> = "hello onion"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(as_text(&utf16), ("hello onion".to_string(), "UTF-16LE"));
        assert_eq!(as_text(b"a\x00b\r\n").0, "a\u{2400}b\n");
        assert_eq!(as_text(b"\xffok").1, "UTF-8");
    }

    #[test]
    fn url_encoding() {
        assert_eq!(url("a b/&?=é"), "a%20b%2F%26%3F%3D%C3%A9");
    }
}

//! bulk_extractor's escaping for feature files.

/// Escapes bytes the way bulk_extractor writes features and contexts:
/// printable ASCII as is, the backslash as `\x5C`, every other byte
/// (controls, tab, newlines, non-ASCII) as `\xHH` with upper-case hex.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 8);
    for &b in bytes {
        if (0x20..0x7f).contains(&b) && b != b'\\' {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\x{b:02X}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape(b"a\\b\tc\x00\xe0"), "a\\x5Cb\\x09c\\x00\\xE0");
    }
}

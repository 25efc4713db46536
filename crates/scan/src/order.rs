//! The deterministic order of output: by offset, then forensic path
//! compared number by number (`10-GZIP-9` before `10-GZIP-10`), then kind
//! and value.

use std::cmp::Ordering;

use crate::Feature;

/// Compares forensic paths part by part, numeric parts as numbers.
pub fn path_order(a: &str, b: &str) -> Ordering {
    let mut x = a.split('-');
    let mut y = b.split('-');
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => {
                let o = match (p.parse::<u64>(), q.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    _ => p.cmp(q),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// Total order of features used by every sink that sorts.
pub fn feature_order(a: &Feature, b: &Feature) -> Ordering {
    a.offset
        .cmp(&b.offset)
        .then_with(|| path_order(&a.path, &b.path))
        .then_with(|| a.kind.cmp(&b.kind))
        .then_with(|| a.value.cmp(&b.value))
        .then_with(|| a.normalized.cmp(&b.normalized))
        .then_with(|| a.encoding.cmp(&b.encoding))
        .then_with(|| a.context.cmp(&b.context))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_paths() {
        assert_eq!(path_order("10-GZIP-9", "10-GZIP-10"), Ordering::Less);
        assert_eq!(path_order("10", "10-GZIP-0"), Ordering::Less);
        assert_eq!(path_order("9", "10"), Ordering::Less);
    }
}

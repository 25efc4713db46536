//! Converting bulk_extractor feature files to the `features.jsonl` shape, so
//! the same scorer can compare the two scanners.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use crate::Error;

/// Splits a forensic path into (prefix up to and including the last `-`, last offset).
fn split_path(path: &str) -> (&str, Option<u64>) {
    match path.rfind('-') {
        Some(i) => (&path[..=i], path[i + 1..].parse().ok()),
        None => ("", path.parse().ok()),
    }
}

fn lower_scheme_host(url: &str) -> String {
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            format!(
                "{}://{}{}",
                url[..i].to_ascii_lowercase(),
                rest[..end].to_ascii_lowercase(),
                &rest[end..]
            )
        }
        None => url.to_string(),
    }
}

fn ip_kind(s: &str) -> Option<(&'static str, String)> {
    if let Ok(a) = s.parse::<Ipv4Addr>() {
        return Some(("ip", a.to_string()));
    }
    s.parse::<Ipv6Addr>().ok().map(|a| ("ipv6", a.to_string()))
}

/// Reads bulk_extractor's feature files in `dir` (`email.txt`, `url.txt`,
/// `domain.txt`, `ip.txt`, `telephone.txt`, `ccn.txt`: lines
/// `path<TAB>feature<TAB>context`, `#` comments) and writes them to `out` as
/// JSON Lines `{kind, value, normalized, path}` normalized like Exhibit's
/// scanner. Dotted quads and IPv6 addresses in `domain.txt` become `ip`/`ipv6`;
/// `domain` findings inside a reported e-mail are dropped (Exhibit reports the
/// e-mail only). Returns the number of findings written.
pub fn convert_bulk_extractor(dir: &Path, out: &Path) -> Result<u64, Error> {
    let read = |name: &str| -> Result<Vec<(String, String)>, Error> {
        let p = dir.join(name);
        if !p.exists() {
            return Ok(Vec::new());
        }
        let bytes = std::fs::read(&p)?;
        let text = String::from_utf8_lossy(&bytes);
        Ok(text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut it = l.split('\t');
                let path = it.next()?.trim_start_matches('\u{feff}').to_string();
                let feature = it.next()?.to_string();
                Some((path, feature))
            })
            .collect())
    };
    let mut found: Vec<(&'static str, String, String, String)> = Vec::new(); // kind, value, normalized, path
    let emails = read("email.txt")?;
    let mut email_spans: HashMap<String, Vec<(u64, u64)>> = HashMap::new();
    for (path, v) in &emails {
        let (prefix, off) = split_path(path);
        if let Some(o) = off {
            email_spans
                .entry(prefix.to_string())
                .or_default()
                .push((o, o + v.len() as u64));
        }
        found.push(("email", v.clone(), v.to_ascii_lowercase(), path.clone()));
    }
    for (path, v) in read("url.txt")? {
        found.push(("url", v.clone(), lower_scheme_host(&v), path));
    }
    for (path, v) in read("domain.txt")? {
        if let Some((kind, n)) = ip_kind(&v) {
            found.push((kind, v, n, path));
            continue;
        }
        let (prefix, off) = split_path(&path);
        let inside_email = off.is_some_and(|o| {
            email_spans
                .get(prefix)
                .is_some_and(|spans| spans.iter().any(|&(s, e)| s <= o && o < e))
        });
        if !inside_email {
            found.push(("domain", v.clone(), v.to_ascii_lowercase(), path));
        }
    }
    for (path, v) in read("ip.txt")? {
        if let Some((kind, n)) = ip_kind(&v) {
            found.push((kind, v, n, path));
        }
    }
    for (path, v) in read("telephone.txt")? {
        let digits: String = v.chars().filter(char::is_ascii_digit).collect();
        let n = if v.trim_start().starts_with('+') {
            format!("+{digits}")
        } else {
            digits
        };
        found.push(("phone", v, n, path));
    }
    for (path, v) in read("ccn.txt")? {
        let digits: String = v.chars().filter(char::is_ascii_digit).collect();
        found.push(("ccn", v, digits, path));
    }
    let mut w = BufWriter::new(std::fs::File::create(out)?);
    for (kind, value, normalized, path) in &found {
        serde_json::to_writer(
            &mut w,
            &serde_json::json!({
                "kind": kind,
                "value": value,
                "normalized": normalized,
                "path": path,
                "source": "bulk_extractor",
            }),
        )?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(found.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_feature_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("email.txt"),
            "# BANNER\n100\tSomchai@Gmail.com\tctx\n500-GZIP-20\ta@b.co.th\tctx\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("domain.txt"),
            "108\tGmail.com\tctx\n500-GZIP-22\tb.co.th\tctx\n900\tExample.COM\tctx\n950\t203.150.1.2\tctx\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("url.txt"),
            "1000\tHTTPS://WWW.X.COM/Login\tctx\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("telephone.txt"),
            "2000\t+66 81 234 5678\tctx\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("ccn.txt"),
            "3000\t4111 1111 1111 1111\tctx\n",
        )
        .unwrap();
        let out = dir.path().join("f.jsonl");
        assert_eq!(convert_bulk_extractor(dir.path(), &out).unwrap(), 7);
        let text = std::fs::read_to_string(&out).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let n = |i: usize| lines[i]["normalized"].as_str().unwrap().to_string();
        assert_eq!(n(0), "somchai@gmail.com");
        assert_eq!(n(2), "https://www.x.com/Login");
        assert_eq!(n(3), "example.com");
        assert_eq!(lines[4]["kind"], "ip");
        assert_eq!(n(5), "+66812345678");
        assert_eq!(n(6), "4111111111111111");
    }
}

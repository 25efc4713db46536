//! URLs: `http://`, `https://`, `ftp://`, bare `www.` hosts, and the
//! defanged forms analysts and threat feeds write (`hxxp://`, `hxxps://`,
//! `[.]`, `(.)`, `[:]`). The value is kept as found; `normalized` is the
//! refanged URL with scheme and host lower-cased. The host is also reported
//! as [`Kind::Domain`] when it is a domain name.

use memchr::{memchr, memchr2};

use super::domain::is_domain_name;
use super::Out;
use crate::classes::{at, before, is, ALNUM, ALPHA, URL};
use crate::Kind;

/// Longest URL reported (longer ones are cut here).
pub(crate) const MAX_URL: usize = 2048;

/// Schemes recognised before `://`, longest first, with their refanged form.
const SCHEMES: [(&[u8], &str); 5] = [
    (b"hxxps", "https"),
    (b"https", "https"),
    (b"hxxp", "http"),
    (b"http", "http"),
    (b"ftp", "ftp"),
];

pub(crate) fn scan(t: &[u8], out: &mut dyn Out) {
    scan_schemes(t, out);
    scan_www(t, out);
}

fn scan_schemes(t: &[u8], out: &mut dyn Out) {
    let mut i = 0;
    while let Some(off) = memchr(b':', &t[i..]) {
        let c = i + off;
        i = c + 1;
        // `://` or defanged `[:]//`
        let (scheme_end, auth) = if t[c + 1..].starts_with(b"//") {
            (c, c + 3)
        } else if before(t, c) == b'[' && t[c + 1..].starts_with(b"]//") {
            (c - 1, c + 4)
        } else {
            continue;
        };
        let Some(&(name, canon)) = SCHEMES.iter().find(|(name, _)| {
            scheme_end >= name.len()
                && t[scheme_end - name.len()..scheme_end].eq_ignore_ascii_case(name)
        }) else {
            continue;
        };
        let start = scheme_end - name.len();
        if is(before(t, start), ALNUM) {
            continue;
        }
        let defanged = name[1] == b'x' || auth == c + 4;
        // Scanning goes on inside the URL: a URL embedded in another
        // (`?u=http://…`) is a lead of its own.
        url_at(t, start, auth, Some(canon), defanged, out);
    }
}

fn scan_www(t: &[u8], out: &mut dyn Out) {
    let mut i = 0;
    while let Some(off) = memchr2(b'w', b'W', &t[i..]) {
        let w = i + off;
        i = w + 1;
        if !t[w..]
            .get(..3)
            .is_some_and(|s| s.eq_ignore_ascii_case(b"www"))
        {
            continue;
        }
        i = w + 3;
        let dot = &t[w + 3..];
        if !(dot.starts_with(b".") || dot.starts_with(b"[.]") || dot.starts_with(b"(.)")) {
            continue;
        }
        let b = before(t, w);
        // part of a longer name, an e-mail domain, or the host of a scheme URL
        if is(b, ALNUM)
            || b == b'.'
            || b == b'-'
            || b == b'@'
            || (b == b'/' && before(t, w - 1) == b'/')
        {
            continue;
        }
        if let Some(end) = url_at(t, w, w, None, false, out) {
            i = end.max(i);
        }
    }
}

/// Parses a URL whose scheme (if any) starts at `start` and whose authority
/// starts at `auth`; reports it and its host. Returns its end.
fn url_at(
    t: &[u8],
    start: usize,
    auth: usize,
    scheme: Option<&str>,
    mut defanged: bool,
    out: &mut dyn Out,
) -> Option<usize> {
    let limit = (start + MAX_URL).min(t.len());
    // Authority: up to '/', '?', '#' or a non-URL byte; defang tokens inside.
    let mut j = auth;
    while j < limit {
        let rest = &t[j..];
        let token = rest.starts_with(b"[.]") || rest.starts_with(b"(.)");
        if token || (rest.starts_with(b"[:]") && j > auth) {
            defanged = true;
            j += 3;
        } else if is(t[j], URL) && !matches!(t[j], b'/' | b'?' | b'#') {
            j += 1;
        } else {
            break;
        }
    }
    let auth_end = j;
    // Path, query, fragment.
    if j < limit && matches!(t[j], b'/' | b'?' | b'#') {
        while j < limit && is(t[j], URL) {
            j += 1;
        }
    }
    let mut end = trim_trailing(t, auth, j);
    let auth_end = auth_end.min(end);
    // Host: after the last '@' of the authority, up to a port.
    let host_start = t[auth..auth_end]
        .iter()
        .rposition(|&b| b == b'@')
        .map_or(auth, |p| auth + p + 1);
    let (host_end, host) = host_of(t, host_start, auth_end)?;
    if scheme.is_none() && !is_domain_name(&host) {
        return None;
    }
    if host_end < auth_end && t[host_end] == b':' {
        // a port must be digits
        let port = &t[host_end + 1..auth_end];
        if port.is_empty() || port.len() > 5 || !port.iter().all(u8::is_ascii_digit) {
            end = end.min(host_end);
        }
    } else if host_end < auth_end {
        end = end.min(host_end);
    }
    if end <= host_start {
        return None;
    }
    let mut norm = String::with_capacity(end - start + 8);
    if let Some(s) = scheme {
        norm.push_str(s);
        norm.push_str("://");
    }
    norm.push_str(&refang(&t[auth..host_start]));
    norm.push_str(&String::from_utf8_lossy(&host));
    let tail = &t[host_end.min(end)..end];
    if defanged {
        norm.push_str(&refang(tail));
    } else {
        norm.push_str(&String::from_utf8_lossy(tail));
    }
    out.hit(Kind::Url, start, end, norm, false);
    if is_domain_name(&host) {
        out.hit(
            Kind::Domain,
            host_start,
            host_end,
            String::from_utf8_lossy(&host).into_owned(),
            false,
        );
    }
    Some(end)
}

/// The host at `t[s..e]` (stopping at a port): its end and refanged,
/// lower-cased bytes. An IPv6 literal keeps its brackets.
fn host_of(t: &[u8], s: usize, e: usize) -> Option<(usize, Vec<u8>)> {
    let mut host = Vec::with_capacity(e - s);
    let mut j = s;
    if at(t, s) == b'[' && at(t, s + 1) != b'.' {
        let close = s + memchr(b']', &t[s..e])?;
        let inner = std::str::from_utf8(&t[s + 1..close]).ok()?;
        inner.parse::<std::net::Ipv6Addr>().ok()?;
        host.extend_from_slice(&t[s..=close]);
        return Some((close + 1, host.to_ascii_lowercase()));
    }
    while j < e {
        let rest = &t[j..e];
        if rest.starts_with(b"[.]") || rest.starts_with(b"(.)") {
            host.push(b'.');
            j += 3;
        } else if is(t[j], ALNUM) || matches!(t[j], b'-' | b'.' | b'_') {
            host.push(t[j].to_ascii_lowercase());
            j += 1;
        } else {
            break;
        }
    }
    while host.last() == Some(&b'.') {
        host.pop();
    }
    if host.is_empty()
        || !host.split(|&b| b == b'.').all(super::domain::valid_label)
        || !host.iter().any(|&b| is(b, ALPHA) || b.is_ascii_digit())
    {
        return None;
    }
    Some((j, host))
}

/// Drops punctuation that ends a sentence rather than the URL, and a
/// closing bracket that has no opening one inside the URL.
fn trim_trailing(t: &[u8], floor: usize, mut end: usize) -> usize {
    let count = |b: u8| t[floor..end].iter().filter(|&&x| x == b).count();
    let (mut open_p, mut close_p) = (count(b'('), count(b')'));
    let (mut open_b, mut close_b) = (count(b'['), count(b']'));
    while end > floor {
        let drop = match t[end - 1] {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'*' => true,
            b')' if open_p < close_p => {
                close_p -= 1;
                true
            }
            b']' if open_b < close_b => {
                close_b -= 1;
                true
            }
            b'(' => {
                open_p -= 1;
                true
            }
            b'[' => {
                open_b -= 1;
                true
            }
            _ => false,
        };
        if !drop {
            break;
        }
        end -= 1;
    }
    end
}

fn refang(s: &[u8]) -> String {
    String::from_utf8_lossy(s)
        .replace("[.]", ".")
        .replace("(.)", ".")
        .replace("[:]", ":")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testing::{run, values};

    #[test]
    fn finds_urls() {
        let t = "see https://Example.com/a?b=1#c, and (http://x.co.th/path).";
        assert_eq!(
            values(t, Kind::Url, scan),
            ["https://Example.com/a?b=1#c", "http://x.co.th/path"]
        );
        let h = run(t, scan);
        assert_eq!(h[0].3, "https://example.com/a?b=1#c");
        assert_eq!(h[1].0, Kind::Domain);
        assert_eq!(h[1].2, "Example.com");
        assert_eq!(h[1].1, 12);
    }

    #[test]
    fn www_and_ports_and_userinfo() {
        assert_eq!(
            values("go www.shop.co.th/x now", Kind::Url, scan),
            ["www.shop.co.th/x"]
        );
        assert_eq!(
            values("ftp://user:pw@files.example.org:2121/pub", Kind::Url, scan),
            ["ftp://user:pw@files.example.org:2121/pub"]
        );
        assert_eq!(
            values(
                "ftp://user:pw@files.example.org:2121/pub",
                Kind::Domain,
                scan
            ),
            ["files.example.org"]
        );
        assert_eq!(
            values("http://[2001:db8::1]:80/x", Kind::Url, scan),
            ["http://[2001:db8::1]:80/x"]
        );
        assert_eq!(
            values("http://10.0.0.1/admin", Kind::Url, scan),
            ["http://10.0.0.1/admin"]
        );
        assert!(values("http://10.0.0.1/admin", Kind::Domain, scan).is_empty());
        // the www. of a scheme URL is not a second URL
        assert_eq!(values("http://www.example.com", Kind::Url, scan).len(), 1);
    }

    #[test]
    fn defanged() {
        let h = run("ioc hxxps://evil[.]example(.)com/payload.exe", scan);
        assert_eq!(h[0].2, "hxxps://evil[.]example(.)com/payload.exe");
        assert_eq!(h[0].3, "https://evil.example.com/payload.exe");
        assert_eq!(h[1].3, "evil.example.com");
        let h = run("hxxp[:]//bad[.]site/x", scan);
        assert_eq!(h[0].3, "http://bad.site/x");
        let h = run("www[.]bad[.]site", scan);
        assert_eq!(h[0].3, "www.bad.site");
    }

    #[test]
    fn decoys() {
        for s in [
            "http://",
            "http:// example.com",
            "xhttp://example.com",
            "www.x",
            "awww.example.com",
            "std::vector",
            "https://-/",
        ] {
            assert!(values(s, Kind::Url, scan).is_empty(), "{s}");
        }
    }
}

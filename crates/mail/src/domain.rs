//! Domain names: the registrable domain through the public suffix list, and
//! the signs of a lookalike (punycode, mixed scripts, confusable skeletons,
//! digit-for-letter brand typos).

use std::net::IpAddr;

use unicode_security::{skeleton, MixedScript};

/// The host name in a canonical form: lower-case, no trailing dot, no
/// brackets. `None` for IP literals and empty names.
fn clean_host(host: &str) -> Option<String> {
    let h = host
        .trim()
        .trim_matches(|c| c == '[' || c == ']' || c == '<' || c == '>')
        .trim_end_matches('.')
        .to_lowercase();
    if h.is_empty() || h.parse::<IpAddr>().is_ok() || h.starts_with("ipv6:") {
        return None;
    }
    Some(h)
}

/// The registrable domain of a host name ("eTLD+1") by the public suffix
/// list, lower-case: `mx1.mail.example.co.th` → `example.co.th`. `None` for
/// IP addresses, single labels and bare public suffixes.
pub fn registrable_domain(host: &str) -> Option<String> {
    let h = clean_host(host)?;
    if !h.contains('.') {
        return None;
    }
    let ascii = if h.is_ascii() {
        h
    } else {
        idna::domain_to_ascii(&h).ok()?
    };
    psl::domain_str(&ascii).map(str::to_string)
}

/// The domain part of an address (`local@domain`), lower-case.
pub fn address_domain(addr: &str) -> Option<String> {
    let (_, d) = addr.trim().trim_matches(['<', '>']).rsplit_once('@')?;
    let d = d.trim().trim_end_matches('.').to_lowercase();
    (!d.is_empty()).then_some(d)
}

/// The Unicode form of a domain written in punycode (`xn--…` labels).
pub fn unicode_form(domain: &str) -> String {
    let (u, _) = idna::domain_to_unicode(domain);
    u
}

/// Why a domain may be a lookalike; empty when nothing is suspicious.
pub fn lookalike_reasons(domain: &str) -> Vec<String> {
    let mut reasons = Vec::new();
    let Some(d) = clean_host(domain) else {
        return reasons;
    };
    let unicode = if d.split('.').any(|l| l.starts_with("xn--")) {
        let u = unicode_form(&d);
        if u != d {
            reasons.push(format!("punycode: {d} is shown as {u}"));
        }
        u
    } else {
        d.clone()
    };
    if !unicode.is_ascii() {
        for label in unicode.split('.') {
            if !label.is_ascii() && !label.is_single_script() {
                reasons.push(format!("the label {label:?} mixes scripts"));
            }
        }
        let sk = fold_confusables(&unicode).to_lowercase();
        if sk.is_ascii() && sk != unicode {
            reasons.push(format!("{unicode} looks like {sk} (confusable characters)"));
        }
    }
    if let Some(b) = brand_typo(&unicode) {
        reasons.push(format!(
            "{unicode} imitates {b} (digits or letter pairs in place of letters)"
        ));
    }
    reasons
}

/// Replaces each non-ASCII character by its confusable skeleton (UTS #39),
/// leaving ASCII as it is (the skeleton of ASCII itself folds `m` to `rn`).
fn fold_confusables(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            // The skeleton writes `m` as `rn` and `w` as `vv`: keep the
            // letter a reader sees.
            let sk: String = skeleton(c.encode_utf8(&mut buf)).collect();
            match sk.as_str() {
                "rn" => out.push('m'),
                "vv" => out.push('w'),
                _ => out.push_str(&sk),
            }
        }
    }
    out
}

/// A well-known brand the label before the public suffix imitates with
/// ASCII tricks (`paypa1`, `rnicrosoft`, `amaz0n`), if any.
fn brand_typo(domain: &str) -> Option<&'static str> {
    let reg = registrable_domain(domain)?;
    let name = reg.split('.').next()?;
    let folded: String = name
        .replace("rn", "m")
        .replace("vv", "w")
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'l',
            '3' => 'e',
            '5' => 's',
            '@' => 'a',
            c => c,
        })
        .collect();
    if folded == name {
        return None;
    }
    BRANDS
        .iter()
        .find(|b| b.key == folded || b.key.replace('l', "i") == folded.replace('l', "i"))
        .map(|b| b.key)
}

/// A brand that phishing imitates, and the registrable domains it mails from
/// besides those containing its key.
pub(crate) struct Brand {
    /// The words as they appear in a display name, lower-case.
    pub words: &'static [&'static str],
    /// The key expected in the brand's own domains.
    pub key: &'static str,
    /// Other registrable domains of the brand.
    pub domains: &'static [&'static str],
}

macro_rules! brand {
    ($key:literal, [$($w:literal),*], [$($d:literal),*]) => {
        Brand { words: &[$($w),*], key: $key, domains: &[$($d),*] }
    };
}

/// Brands imitated in the phishing seen in the region and in public corpora.
pub(crate) const BRANDS: &[Brand] = &[
    brand!(
        "microsoft",
        [
            "microsoft",
            "office 365",
            "office365",
            "outlook",
            "onedrive",
            "sharepoint"
        ],
        [
            "outlook.com",
            "office.com",
            "office365.com",
            "live.com",
            "hotmail.com",
            "sharepoint.com",
            "onmicrosoft.com",
            "microsoftonline.com"
        ]
    ),
    brand!("paypal", ["paypal"], []),
    brand!(
        "amazon",
        ["amazon"],
        ["amazonses.com", "amazon.co.uk", "amazon.de"]
    ),
    brand!(
        "apple",
        ["apple", "icloud", "itunes"],
        ["icloud.com", "me.com"]
    ),
    brand!("google", ["google", "gmail"], ["gmail.com", "youtube.com"]),
    brand!("netflix", ["netflix"], []),
    brand!(
        "facebook",
        ["facebook", "instagram", "whatsapp"],
        [
            "facebookmail.com",
            "instagram.com",
            "whatsapp.com",
            "meta.com"
        ]
    ),
    brand!("dhl", ["dhl"], []),
    brand!("fedex", ["fedex"], []),
    brand!("ups", ["ups"], []),
    brand!("usps", ["usps"], []),
    brand!("walmart", ["walmart"], []),
    brand!("costco", ["costco"], []),
    brand!("bestbuy", ["best buy"], []),
    brand!("metamask", ["metamask"], []),
    brand!("ledger", ["ledger"], []),
    brand!("opensea", ["opensea"], []),
    brand!("binance", ["binance"], []),
    brand!("coinbase", ["coinbase"], []),
    brand!("docusign", ["docusign"], []),
    brand!("dropbox", ["dropbox"], []),
    brand!("linkedin", ["linkedin"], []),
    brand!("adobe", ["adobe"], []),
    brand!("bradesco", ["bradesco"], []),
    brand!("santander", ["santander"], []),
    brand!("itau", ["itaú", "itau"], []),
    brand!("nubank", ["nubank"], []),
    brand!("chase", ["chase"], []),
    brand!("wellsfargo", ["wells fargo"], []),
    brand!("bankofamerica", ["bank of america"], ["bofa.com"]),
    brand!("kasikornbank", ["kasikorn", "kbank"], ["kbank.co.th"]),
    brand!("scb", ["siam commercial"], ["scb.co.th"]),
    brand!("bangkokbank", ["bangkok bank"], []),
    brand!("krungthai", ["krungthai", "krung thai"], ["ktb.co.th"]),
    brand!("thailandpost", ["thailand post"], ["thaipost.net"]),
    brand!("kerryexpress", ["kerry express"], []),
    brand!("shopee", ["shopee"], []),
    brand!("lazada", ["lazada"], []),
    brand!("vietcombank", ["vietcombank"], []),
    brand!("techcombank", ["techcombank"], []),
    brand!("bca", ["klikbca"], ["klikbca.com"]),
    brand!("bankmandiri", ["bank mandiri"], []),
    brand!("tokopedia", ["tokopedia"], []),
    brand!("temu", ["temu"], []),
    brand!("shein", ["shein"], []),
    brand!("disney", ["disney"], []),
];

/// Whether `reg` (a registrable domain) belongs to `brand`.
pub(crate) fn brand_owns(brand: &Brand, reg: &str) -> bool {
    let name = reg.split('.').next().unwrap_or(reg);
    name.contains(brand.key) || brand.domains.contains(&reg)
}

/// The brands named in `text` as whole words (case-insensitive; a confusable
/// skeleton is compared too, so `Αpple` with a Greek Alpha counts).
pub(crate) fn brands_named(text: &str) -> Vec<(&'static Brand, bool)> {
    let lower = text.to_lowercase();
    let sk = fold_confusables(&lower).to_lowercase();
    let mut out = Vec::new();
    for b in BRANDS {
        let plain = b.words.iter().any(|w| has_word(&lower, w));
        let via_skeleton = !plain && b.words.iter().any(|w| has_word(&sk, w));
        if plain || via_skeleton {
            out.push((b, via_skeleton));
        }
    }
    out
}

fn has_word(hay: &str, word: &str) -> bool {
    let mut start = 0;
    while let Some(i) = hay[start..].find(word) {
        let a = start + i;
        let e = a + word.len();
        let before = hay[..a].chars().next_back();
        let after = hay[e..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        start = a + word.len().max(1);
        while !hay.is_char_boundary(start) {
            start += 1;
        }
    }
    false
}

/// Providers whose mailboxes anyone can open: a Reply-To there while From
/// names an organisation is the business e-mail compromise pattern.
pub(crate) const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "yahoo.co.th",
    "ymail.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "protonmail.com",
    "proton.me",
    "gmx.de",
    "gmx.net",
    "gmx.com",
    "mail.ru",
    "yandex.ru",
    "qq.com",
    "163.com",
    "126.com",
    "zoho.com",
    "tutanota.com",
];

/// Bulk-mail and provider domains that commonly appear in Return-Path and
/// Message-ID on behalf of the From domain.
pub(crate) const SENDING_SERVICES: &[&str] = &[
    "amazonses.com",
    "sendgrid.net",
    "mcsv.net",
    "mcdlv.net",
    "mailchimp.com",
    "mandrillapp.com",
    "rsgsv.net",
    "sparkpostmail.com",
    "mailgun.org",
    "mailgun.net",
    "mailjet.com",
    "sendinblue.com",
    "brevo.com",
    "postmarkapp.com",
    "exacttarget.com",
    "salesforce.com",
    "constantcontact.com",
    "hubspotemail.net",
    "bounces.google.com",
    "google.com",
    "gmail.com",
    "outlook.com",
    "prod.outlook.com",
    "microsoft.com",
    "zendesk.com",
    "freshdesk.com",
    "mktomail.com",
    "cmail19.com",
    "cmail20.com",
    "createsend.com",
    "emsend.com",
    "elasticemail.com",
    "smtp.com",
    "messagebird.com",
    "yahoo.com",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable() {
        assert_eq!(
            registrable_domain("mx.mail.example.co.th").as_deref(),
            Some("example.co.th")
        );
        assert_eq!(
            registrable_domain("a.b.example.com.").as_deref(),
            Some("example.com")
        );
        assert_eq!(registrable_domain("10.0.0.1"), None);
        assert_eq!(registrable_domain("localhost"), None);
        assert_eq!(registrable_domain("co.uk"), None);
        assert_eq!(
            registrable_domain("foo.blogspot.com").as_deref(),
            Some("foo.blogspot.com")
        );
    }

    #[test]
    fn lookalikes() {
        assert!(lookalike_reasons("example.com").is_empty());
        assert!(lookalike_reasons("paypal.com").is_empty());
        let r = lookalike_reasons("xn--pple-43d.com");
        assert!(r.iter().any(|r| r.contains("punycode")), "{r:?}");
        assert!(
            r.iter().any(|r| r.contains("looks like apple.com")),
            "{r:?}"
        );
        let r = lookalike_reasons("paypa1.com");
        assert!(r.iter().any(|r| r.contains("imitates paypal")), "{r:?}");
        let r = lookalike_reasons("rnicrosoft.com");
        assert!(r.iter().any(|r| r.contains("imitates microsoft")), "{r:?}");
        // Mixed Latin and Cyrillic in one label.
        let r = lookalike_reasons("p\u{0430}ypal.com");
        assert!(r.iter().any(|r| r.contains("mixes scripts")), "{r:?}");
        // A single-script Thai domain is not a lookalike.
        assert!(lookalike_reasons("\u{0e44}\u{0e17}\u{0e22}.com").is_empty());
    }

    #[test]
    fn brands_in_names() {
        let n = brands_named("Microsoft account team ,_");
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].0.key, "microsoft");
        assert!(brands_named("Groups of friends").is_empty());
        assert!(brands_named("Chasers club").is_empty());
        let g = brands_named("\u{0391}pple Support");
        assert!(
            g.iter().any(|(b, sk)| b.key == "apple" && *sk),
            "{}",
            g.len()
        );
    }
}

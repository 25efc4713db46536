//! Lookalike domains: names made to be mistaken for a protected name (a
//! bank, a ministry, a brand) on the user's watchlist.
//!
//! Each finding has a [`Technique`], a reason in words and a fixed score per
//! technique (0–1, higher = more likely deliberate):
//!
//! | technique | score | example (protected `paypal.com`) |
//! |---|---|---|
//! | `confusable` | 0.95 | `pаypal.com` (Cyrillic `а`), same UTS #39 skeleton |
//! | `homoglyph` | 0.90 | `paypa1.com`, `rnicrosoft.com` (`0/o`, `1/l`, `rn/m`, `vv/w`, `cl/d`) |
//! | `protected-in-subdomain` | 0.90 | `paypal.com.verify-account.net` |
//! | `added-words` | 0.85 | `paypal-secure-login.com` (0.65 without a bait word) |
//! | `missing-letter`, `doubled-letter`, `swapped-letters`, `adjacent-key`, `hyphenated` | 0.80 | `paypl.com`, `paypall.com`, `papyal.com`, `paypak.com`, `pay-pal.com` |
//! | `extra-letter`, `replaced-letter` | 0.75 | `paypasl.com`, `paypxl.com` |
//! | `other-tld` | 0.75 | `paypal.net` |
//! | `edit-distance` | 0.60 | two edits (labels of 9+ characters) |
//! | `mixed-script` | 0.70 | a label mixing scripts (no protected name needed) |
//! | `brand-in-subdomain` | 0.60 | `paypal.example.com` |
//!
//! Comparisons are made on the registrable label (`paypal` of
//! `www.paypal.com`), so the protected domain itself and its subdomains are
//! never lookalikes (nor is any name under the same registrable domain).
//! Labels of three characters or fewer (`scb`, `ktb`) only get the
//! confusable/homoglyph, added-words, other-TLD and subdomain checks:
//! one-letter typos of them are mostly other real names.

use crate::domain::{to_unicode, Psl};
use crate::error::{list_name, read_text, OsintError, Warning};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use unicode_script::{Script, UnicodeScript};
use unicode_security::MixedScript;

/// How a name imitates a protected one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Technique {
    /// Non-ASCII characters that look like the protected name's (same UTS #39
    /// confusable skeleton).
    Confusable,
    /// ASCII look-alikes: `0`/`o`, `1`/`l`, `rn`/`m`, `vv`/`w`, `cl`/`d`.
    Homoglyph,
    /// The whole protected name used as subdomain labels of another domain.
    ProtectedInSubdomain,
    /// The protected label plus other words (`-secure-login`).
    AddedWords,
    /// One letter left out.
    MissingLetter,
    /// One letter doubled.
    DoubledLetter,
    /// Two neighbouring letters swapped.
    SwappedLetters,
    /// One letter replaced by a neighbouring key (QWERTY).
    AdjacentKey,
    /// Hyphens added or removed.
    Hyphenated,
    /// One letter added.
    ExtraLetter,
    /// One letter replaced.
    ReplacedLetter,
    /// The same label under another public suffix.
    OtherTld,
    /// Two edits (Damerau-Levenshtein) from the protected label.
    EditDistance,
    /// One label mixes scripts (e.g. Latin and Cyrillic).
    MixedScript,
    /// The protected label used as a subdomain label of another domain.
    BrandInSubdomain,
}

impl Technique {
    /// The fixed score of the technique.
    pub fn score(self) -> f64 {
        use Technique::*;
        match self {
            Confusable => 0.95,
            Homoglyph | ProtectedInSubdomain => 0.9,
            AddedWords => 0.85,
            MissingLetter | DoubledLetter | SwappedLetters | AdjacentKey | Hyphenated => 0.8,
            ExtraLetter | ReplacedLetter | OtherTld => 0.75,
            MixedScript => 0.7,
            EditDistance | BrandInSubdomain => 0.6,
        }
    }
}

/// One reason to think a name imitates another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lookalike {
    /// The protected name imitated; `None` for a finding about the name
    /// alone (mixed scripts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected: Option<String>,
    /// How.
    pub technique: Technique,
    /// In words, for the report.
    pub reason: String,
    /// 0–1, see the module documentation.
    pub score: f64,
}

/// Words phishing domains add to a brand.
const BAIT: &[&str] = &[
    "secure",
    "security",
    "login",
    "logon",
    "signin",
    "verify",
    "verification",
    "account",
    "update",
    "confirm",
    "support",
    "service",
    "online",
    "auth",
    "banking",
    "portal",
    "alert",
    "help",
    "wallet",
    "payment",
    "billing",
    "invoice",
    "refund",
    "reward",
    "bonus",
    "promo",
    "gift",
    "claim",
    "unlock",
    "recover",
    "reset",
    "password",
    "official",
    "customer",
    "client",
    "mobile",
    "app",
    "web",
    "bank",
    "pay",
    "net",
    "ebank",
    "ibank",
    "digital",
    "check",
    "safe",
    "center",
    "centre",
    "team",
    "notice",
    "info",
    "access",
    "validate",
    "activation",
    "activate",
    "id",
    "th",
    "my",
    "sg",
    "ph",
    "vn",
    "kh",
    "la",
    "mm",
    "bn",
    "tl",
];

#[derive(Debug, Clone)]
struct Protected {
    /// The name as listed, normalised (ASCII).
    name: String,
    registrable: Option<String>,
    /// The registrable label; for a name that is itself a public suffix
    /// (`gov.ph`), the name without dots.
    label: String,
    suffix: String,
    fold: String,
    /// `fold` without hyphens.
    fold_nh: String,
    /// `.name.`, to find the name among another host's labels.
    dotted: String,
    is_suffix: bool,
}

/// Protected names and the checks against them.
#[derive(Debug, Clone)]
pub struct Lookalikes {
    psl: Arc<Psl>,
    protected: Vec<Protected>,
    warnings: Vec<Warning>,
}

/// Look-alike folding: UTS #39 skeleton, lower-cased, then ASCII
/// look-alikes mapped to one form.
fn fold(label: &str) -> String {
    let skel: String = unicode_security::skeleton(label)
        .flat_map(char::to_lowercase)
        .collect();
    let mut s = String::with_capacity(skel.len());
    for c in skel.chars() {
        s.push(match c {
            '0' => 'o',
            '1' => 'l',
            _ => c,
        });
    }
    s.replace("rn", "m").replace("vv", "w").replace("cl", "d")
}

fn char_count(s: &str) -> usize {
    s.chars().count()
}

/// Optimal-string-alignment Damerau-Levenshtein distance, stopping early
/// once it exceeds `max` (returns `max + 1` then).
pub(crate) fn damerau_levenshtein(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m].min(max + 1)
}

const KEYBOARD: [&str; 4] = ["1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm"];
const ROW_OFFSET: [f32; 4] = [0.0, 0.5, 0.75, 1.25];

fn key_pos(c: char) -> Option<(usize, f32)> {
    KEYBOARD
        .iter()
        .enumerate()
        .find_map(|(r, row)| row.find(c).map(|x| (r, x as f32 + ROW_OFFSET[r])))
}

fn adjacent_keys(a: char, b: char) -> bool {
    match (key_pos(a), key_pos(b)) {
        (Some((ra, xa)), Some((rb, xb))) => {
            (ra == rb && (xa - xb).abs() == 1.0) || (ra.abs_diff(rb) == 1 && (xa - xb).abs() < 1.0)
        }
        _ => false,
    }
}

/// Classifies a single-edit typo of `p` that gives `c` (both ASCII).
fn classify_typo(c: &str, p: &str) -> Option<(Technique, String)> {
    let (cb, pb) = (c.as_bytes(), p.as_bytes());
    if cb.len() + 1 == pb.len() {
        let i = (0..pb.len()).find(|&i| cb[..i] == pb[..i] && cb[i..] == pb[i + 1..])?;
        return Some((
            Technique::MissingLetter,
            format!("'{}' left out", pb[i] as char),
        ));
    }
    if cb.len() == pb.len() + 1 {
        let i = (0..cb.len()).find(|&i| pb[..i] == cb[..i] && pb[i..] == cb[i + 1..])?;
        let x = cb[i];
        if (i > 0 && cb[i - 1] == x) || cb.get(i + 1) == Some(&x) {
            return Some((Technique::DoubledLetter, format!("'{}' doubled", x as char)));
        }
        return Some((Technique::ExtraLetter, format!("'{}' added", x as char)));
    }
    if cb.len() != pb.len() {
        return None;
    }
    let diffs: Vec<usize> = (0..cb.len()).filter(|&i| cb[i] != pb[i]).collect();
    match diffs.as_slice() {
        [i] => {
            let (from, to) = (pb[*i] as char, cb[*i] as char);
            if adjacent_keys(from, to) {
                Some((
                    Technique::AdjacentKey,
                    format!("'{from}' replaced by the neighbouring key '{to}'"),
                ))
            } else {
                Some((
                    Technique::ReplacedLetter,
                    format!("'{from}' replaced by '{to}'"),
                ))
            }
        }
        [i, j] if *j == i + 1 && cb[*i] == pb[*j] && cb[*j] == pb[*i] => Some((
            Technique::SwappedLetters,
            format!("'{}{}' swapped", pb[*i] as char, pb[*j] as char),
        )),
        _ => None,
    }
}

/// The scripts of a label (Common and Inherited left out), in order of
/// first appearance.
fn scripts(label: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for c in label.chars() {
        let s = c.script();
        if matches!(s, Script::Common | Script::Inherited | Script::Unknown) {
            continue;
        }
        if !out.contains(&s.full_name()) {
            out.push(s.full_name());
        }
    }
    out
}

/// The non-ASCII characters of a label, described (`'а' U+0430 Cyrillic`).
fn describe_non_ascii(label: &str) -> String {
    let mut seen = Vec::new();
    for c in label.chars().filter(|c| !c.is_ascii()) {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen.iter()
        .map(|c| format!("'{c}' U+{:04X} {}", *c as u32, c.script().full_name()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Lookalikes {
    /// Protected names from an iterator (one name each; `#` lines and blank
    /// ones are skipped, as in a file). Names that are not domain names are
    /// skipped with a warning under `list`.
    pub fn new<'a>(
        list: &str,
        names: impl IntoIterator<Item = &'a str>,
        psl: Arc<Psl>,
    ) -> Lookalikes {
        let mut l = Lookalikes {
            psl,
            protected: Vec::new(),
            warnings: Vec::new(),
        };
        l.add(list, names);
        l
    }

    /// Protected names from files, one name a line (`#` comments).
    pub fn load<P: AsRef<Path>>(paths: &[P], psl: Arc<Psl>) -> Result<Lookalikes, OsintError> {
        let mut l = Lookalikes::new("", [], psl);
        for path in paths {
            let path = path.as_ref();
            let text = read_text(path)?;
            l.add(&list_name(path), text.lines());
        }
        Ok(l)
    }

    fn add<'a>(&mut self, list: &str, names: impl IntoIterator<Item = &'a str>) {
        for (i, line) in names.into_iter().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            let Some(name) = line
                .split([' ', '\t', ','])
                .next()
                .filter(|n| !n.is_empty())
            else {
                continue;
            };
            let Some(parts) = self.psl.split(name).filter(|p| p.host.contains('.')) else {
                self.warnings.push(Warning {
                    list: list.to_string(),
                    line: i + 1,
                    message: format!("not a domain name: {name:?}"),
                });
                continue;
            };
            if self.protected.iter().any(|p| p.name == parts.host) {
                continue;
            }
            let (label, is_suffix) = match parts.label() {
                Some(label) => (label.to_string(), false),
                None => (parts.host.replace('.', ""), true),
            };
            let fold = fold(&to_unicode(&label));
            self.protected.push(Protected {
                fold_nh: fold.replace('-', ""),
                dotted: format!(".{}.", parts.host),
                name: parts.host.clone(),
                registrable: parts.registrable.clone(),
                label,
                suffix: parts.public_suffix.clone(),
                fold,
                is_suffix,
            });
        }
    }

    /// Names that could not be used.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The protected names (ASCII), in list order.
    pub fn protected(&self) -> impl Iterator<Item = &str> {
        self.protected.iter().map(|p| p.name.as_str())
    }

    /// True when no names are protected.
    pub fn is_empty(&self) -> bool {
        self.protected.is_empty()
    }

    /// True when `host` is a protected name, a subdomain of one, or under
    /// the same registrable domain as one.
    pub fn is_protected(&self, host: &str) -> bool {
        match self.psl.split(host) {
            Some(parts) => self.owned(&parts.host, parts.registrable.as_deref()),
            None => false,
        }
    }

    fn owned(&self, host: &str, registrable: Option<&str>) -> bool {
        self.protected.iter().any(|p| {
            host == p.name
                || (host.len() > p.name.len()
                    && host.ends_with(p.name.as_str())
                    && host.as_bytes()[host.len() - p.name.len() - 1] == b'.')
                || (registrable.is_some() && registrable == p.registrable.as_deref())
        })
    }

    /// Every reason to think `host` imitates a protected name, best first
    /// (score, then protected name, then technique). Empty for protected
    /// names themselves and their subdomains, and for non-domains.
    pub fn check(&self, host: &str) -> Vec<Lookalike> {
        let Some(parts) = self.psl.split(host) else {
            return Vec::new();
        };
        if self.owned(&parts.host, parts.registrable.as_deref()) {
            return Vec::new();
        }
        let mut out = Vec::new();

        // Mixed scripts, label by label, with no protected name needed.
        let unicode_host = to_unicode(&parts.host);
        for ulabel in unicode_host.split('.') {
            if !ulabel.is_ascii() && !ulabel.is_single_script() {
                out.push(Lookalike {
                    protected: None,
                    technique: Technique::MixedScript,
                    reason: format!(
                        "label '{ulabel}' mixes scripts: {}",
                        scripts(ulabel).join(", ")
                    ),
                    score: Technique::MixedScript.score(),
                });
            }
        }

        let dotted = format!(".{}.", parts.host);
        let sub_labels: Vec<&str> = parts
            .subdomain()
            .map(|s| s.split('.').collect())
            .unwrap_or_default();
        let label = parts.label();
        let ulabel = label.map(to_unicode).unwrap_or_default();
        let cfold = fold(&ulabel);
        let c_nh = cfold.replace('-', "");
        // A label that is itself protected (`maybank` beside `maybank2u`)
        // is not a typo of another protected label.
        let other_protected =
            label.is_some_and(|l| self.protected.iter().any(|q| !q.is_suffix && q.label == l));
        for p in &self.protected {
            let mut push = |technique: Technique, reason: String| {
                out.push(Lookalike {
                    protected: Some(p.name.clone()),
                    technique,
                    reason,
                    score: technique.score(),
                })
            };
            // The protected name used as labels of another domain.
            if dotted.contains(&p.dotted) {
                push(
                    Technique::ProtectedInSubdomain,
                    format!(
                        "'{}' appears as subdomain labels of {}",
                        p.name,
                        parts.registrable.as_deref().unwrap_or(&parts.host)
                    ),
                );
                continue;
            }
            if !p.is_suffix && p.label.len() >= 4 && sub_labels.contains(&p.label.as_str()) {
                push(
                    Technique::BrandInSubdomain,
                    format!(
                        "'{}' used as a subdomain of {}",
                        p.label,
                        parts.registrable.as_deref().unwrap_or(&parts.host)
                    ),
                );
            }
            let Some(label) = label else { continue };
            // Nothing below can fire for labels of very different length
            // that do not contain the protected one.
            let plen = char_count(&p.label);
            if label != p.label
                && cfold != p.fold
                && c_nh != p.fold_nh
                && char_count(&cfold).abs_diff(char_count(&p.fold)) > 2
                && !c_nh.contains(p.fold_nh.as_str())
            {
                continue;
            }
            let under = if parts.public_suffix == p.suffix || p.is_suffix {
                String::new()
            } else {
                format!(
                    " (under .{} instead of .{})",
                    to_unicode(&parts.public_suffix),
                    p.suffix
                )
            };
            if !p.is_suffix && label == p.label {
                push(
                    Technique::OtherTld,
                    format!(
                        "same name '{}' under .{} instead of .{}",
                        p.label,
                        to_unicode(&parts.public_suffix),
                        p.suffix
                    ),
                );
                continue;
            }
            if !p.is_suffix && cfold == p.fold {
                if ulabel.is_ascii() {
                    push(
                        Technique::Homoglyph,
                        format!(
                            "'{ulabel}' reads as '{}' (look-alike letters/digits){under}",
                            p.label
                        ),
                    );
                } else {
                    push(
                        Technique::Confusable,
                        format!(
                            "'{ulabel}' ({label}) looks like '{}': {}{under}",
                            p.label,
                            describe_non_ascii(&ulabel)
                        ),
                    );
                }
                continue;
            }
            // Hyphens added or removed.
            let p_nh = p.fold_nh.as_str();
            if c_nh == *p_nh {
                if !p.is_suffix {
                    push(
                        Technique::Hyphenated,
                        format!("'{ulabel}' is '{}' with hyphens changed{under}", p.label),
                    );
                } else {
                    push(
                        Technique::Hyphenated,
                        format!("'{ulabel}' spells the protected name '{}'", p.name),
                    );
                }
                continue;
            }
            let fuzzy = !p.is_suffix && plen >= 4 && !other_protected;
            // Single-edit typos, on the letters as typed (ASCII) or on the
            // folded form (look-alike characters present).
            let typo = if !fuzzy {
                None
            } else if !label.starts_with("xn--") {
                classify_typo(label, &p.label)
            } else if cfold.is_ascii() && p.fold.is_ascii() {
                classify_typo(&cfold, &p.fold)
            } else {
                None
            };
            if let Some((technique, what)) = typo {
                let generic = matches!(
                    technique,
                    Technique::ExtraLetter | Technique::ReplacedLetter
                );
                if !generic || plen >= 5 {
                    let also = if ulabel.is_ascii() {
                        String::new()
                    } else {
                        format!(", with {}", describe_non_ascii(&ulabel))
                    };
                    push(
                        technique,
                        format!("'{ulabel}' is '{}' with {what}{also}{under}", p.label),
                    );
                    continue;
                }
            }
            // Added words: the protected label inside a longer label.
            if let Some(rest) = added_words(&cfold, &p.fold, &c_nh, p_nh, plen) {
                let bait: Vec<&str> = BAIT
                    .iter()
                    .copied()
                    .filter(|w| {
                        if w.len() <= 2 {
                            rest.split('-').any(|t| t == *w) || rest == *w
                        } else {
                            rest.contains(w)
                        }
                    })
                    .collect();
                let rest_shown = rest.trim_matches('-');
                if bait.is_empty() {
                    out.push(Lookalike {
                        protected: Some(p.name.clone()),
                        technique: Technique::AddedWords,
                        reason: format!(
                            "'{ulabel}' contains '{}' with '{rest_shown}' added{under}",
                            p_nh
                        ),
                        score: 0.65,
                    });
                } else {
                    push(
                        Technique::AddedWords,
                        format!(
                            "'{ulabel}' contains '{}' with '{rest_shown}' added (bait words: {}){under}",
                            p_nh,
                            bait.join(", ")
                        ),
                    );
                }
                continue;
            }
            if !fuzzy {
                continue;
            }
            if plen >= 9 {
                let d = damerau_levenshtein(&cfold, &p.fold, 2);
                if d <= 2 {
                    push(
                        Technique::EditDistance,
                        format!("'{ulabel}' is {d} edits from '{}'{under}", p.label),
                    );
                }
            }
        }
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.protected.cmp(&b.protected))
                .then_with(|| a.technique.cmp(&b.technique))
        });
        out
    }
}

/// If the candidate (folded) contains the protected label with other text,
/// that text (hyphens kept). Labels of 4+ characters may appear anywhere
/// (hyphens ignored); shorter ones must be a hyphen-separated token, or a
/// prefix/suffix whose remainder is a bait word.
fn added_words(cfold: &str, pfold: &str, c_nh: &str, p_nh: &str, plen: usize) -> Option<String> {
    if plen >= 4 || p_nh.chars().count() >= 4 {
        if !p_nh.is_empty() && c_nh.contains(p_nh) {
            // Show the extra text from the hyphenated form when the
            // protected label appears there whole.
            let rest = match cfold.find(pfold) {
                Some(i) => format!("{}-{}", &cfold[..i], &cfold[i + pfold.len()..]),
                None => c_nh.replacen(p_nh, "-", 1),
            };
            let rest = rest.trim_matches('-').to_string();
            return (!rest.is_empty()).then_some(rest);
        }
        return None;
    }
    let tokens: Vec<&str> = cfold.split('-').collect();
    if tokens.len() > 1 && tokens.contains(&pfold) {
        let rest: Vec<&str> = tokens
            .iter()
            .copied()
            .filter(|t| *t != pfold && !t.is_empty())
            .collect();
        return (!rest.is_empty()).then(|| rest.join("-"));
    }
    let rest = cfold
        .strip_prefix(pfold)
        .or_else(|| cfold.strip_suffix(pfold))?;
    let rest = rest.trim_matches('-');
    BAIT.iter()
        .any(|w| w.len() >= 3 && *w == rest)
        .then(|| rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance() {
        assert_eq!(damerau_levenshtein("paypal", "paypal", 2), 0);
        assert_eq!(damerau_levenshtein("paypal", "papyal", 2), 1);
        assert_eq!(damerau_levenshtein("paypal", "pypl", 2), 2);
        assert_eq!(damerau_levenshtein("krungthai", "krungsri", 2), 3);
        assert_eq!(damerau_levenshtein("", "abc", 5), 3);
    }

    #[test]
    fn keys() {
        assert!(adjacent_keys('l', 'k'));
        assert!(adjacent_keys('a', 'q'));
        assert!(adjacent_keys('b', 'g'));
        assert!(!adjacent_keys('a', 'l'));
        assert!(!adjacent_keys('q', 'p'));
    }

    #[test]
    fn folding() {
        assert_eq!(fold("paypa1"), fold("paypal"));
        assert_eq!(fold("rnicrosoft"), fold("microsoft"));
        assert_eq!(fold("g00gle"), fold("google"));
        assert_eq!(fold("pаypal"), fold("paypal"));
        assert_ne!(fold("paypel"), fold("paypal"));
    }
}

//! Scanners over a run of text (ASCII bytes, or UTF-16 transcoded to
//! ASCII). Each finds candidates from a cheap trigger (`@`, `:`, `.`, a
//! digit run …) and keeps only those its validator accepts.

pub(crate) mod ccn;
pub(crate) mod domain;
pub(crate) mod email;
pub(crate) mod i2p;
pub(crate) mod iban;
pub(crate) mod ip;
pub(crate) mod onion;
pub(crate) mod phone;
pub(crate) mod url;
pub(crate) mod wallet;

use crate::Kind;

/// Where text scanners report what they find.
pub(crate) trait Out {
    /// True when `kind` is to be reported.
    fn want(&self, kind: Kind) -> bool;
    /// The E.164 form of a phone number candidate (`+…`, `00…` or `0…`
    /// digits), if valid ([`phone::validate`], remembered per worker).
    fn phone(&mut self, digits: &str) -> Option<String>;
    /// A hit on `text[start..end]`. Ignored if the kind is not wanted or the
    /// hit starts outside the frame's reporting range.
    fn hit(&mut self, kind: Kind, start: usize, end: usize, normalized: String, validated: bool);
}

/// Drops phone numbers, card numbers and IPv4 addresses inside an
/// IBAN-shaped string, valid or not: the digit groups of
/// `NL20 RABO 0954 6358 65` are an account number, not a phone number.
struct NotInIban<'a> {
    out: &'a mut dyn Out,
    spans: &'a [(usize, usize)],
}

impl Out for NotInIban<'_> {
    fn want(&self, kind: Kind) -> bool {
        self.out.want(kind)
    }
    fn phone(&mut self, digits: &str) -> Option<String> {
        self.out.phone(digits)
    }
    fn hit(&mut self, kind: Kind, start: usize, end: usize, normalized: String, validated: bool) {
        let inside = matches!(kind, Kind::Phone | Kind::Ccn | Kind::Ipv4)
            && self.spans.iter().any(|&(s, e)| start < e && s < end);
        if !inside {
            self.out.hit(kind, start, end, normalized, validated);
        }
    }
}

/// Runs every wanted scanner over `t`.
pub(crate) fn scan(t: &[u8], out: &mut dyn Out) {
    let has = |out: &dyn Out, ks: &[Kind]| ks.iter().any(|&k| out.want(k));
    // IBANs first (also when only phones or cards are wanted), so that the
    // digit groups inside IBAN-shaped strings are not reported as phones or
    // cards.
    let mut spans = Vec::new();
    if has(out, &[Kind::Iban, Kind::Phone, Kind::Ccn, Kind::Ipv4]) {
        iban::scan_with_shapes(t, out, &mut spans);
    }
    if has(out, &[Kind::Email, Kind::Domain]) {
        email::scan(t, out);
    }
    if has(out, &[Kind::Url, Kind::Domain]) {
        url::scan(t, out);
    }
    if out.want(Kind::Domain) {
        domain::scan(t, out);
    }
    let mut filtered;
    let out: &mut dyn Out = if spans.is_empty() {
        out
    } else {
        filtered = NotInIban { out, spans: &spans };
        &mut filtered
    };
    if out.want(Kind::Ipv4) {
        ip::scan_v4(t, out);
    }
    if out.want(Kind::Ipv6) {
        ip::scan_v6(t, out);
    }
    if out.want(Kind::Phone) {
        phone::scan(t, out);
    }
    if out.want(Kind::Ccn) {
        ccn::scan(t, out);
    }
    if out.want(Kind::Wallet) {
        wallet::scan(t, out);
    }
    if out.want(Kind::Onion) {
        onion::scan(t, out);
    }
    if out.want(Kind::I2p) {
        i2p::scan(t, out);
    }
}

/// Test helper: a collecting `Out`.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// (kind, start, end, normalized, validated)
    type Raw = (Kind, usize, usize, String, bool);

    pub(crate) struct Hits {
        pub hits: Vec<Raw>,
        pub regions: Vec<phone::Region>,
    }

    impl Out for Hits {
        fn want(&self, _: Kind) -> bool {
            true
        }
        fn phone(&mut self, digits: &str) -> Option<String> {
            phone::validate(digits, &self.regions)
        }
        fn hit(
            &mut self,
            kind: Kind,
            start: usize,
            end: usize,
            normalized: String,
            validated: bool,
        ) {
            self.hits.push((kind, start, end, normalized, validated));
        }
    }

    /// Runs `f` over `text`, returning (kind, start, value, normalized,
    /// validated) for every hit.
    pub(crate) fn run(
        text: &str,
        f: impl Fn(&[u8], &mut dyn Out),
    ) -> Vec<(Kind, usize, String, String, bool)> {
        let mut h = Hits {
            hits: Vec::new(),
            regions: crate::engine::parse_regions(&crate::ScanConfig::default().phone_regions),
        };
        f(text.as_bytes(), &mut h);
        h.hits
            .into_iter()
            .map(|(k, s, e, n, v)| (k, s, text[s..e].to_string(), n, v))
            .collect()
    }

    /// Values of hits of `kind`.
    pub(crate) fn values(text: &str, kind: Kind, f: impl Fn(&[u8], &mut dyn Out)) -> Vec<String> {
        run(text, f)
            .into_iter()
            .filter(|h| h.0 == kind)
            .map(|h| h.2)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::run;
    use crate::Kind;

    #[test]
    fn no_phone_or_card_inside_an_iban_shape() {
        // mod-97 fails, but its digit groups are still no phone number
        let h = run("IBAN PK51 MEZN 0839 2089 1556 9833\n", super::scan);
        assert!(
            h.iter().all(|x| !matches!(x.0, Kind::Phone | Kind::Ccn)),
            "{h:?}"
        );
        let h = run("transfer to SA09 5486 9693 1894 5209 6924\n", super::scan);
        assert!(h.iter().all(|x| x.0 != Kind::Ccn), "{h:?}");
        // outside an IBAN the number is found
        let h = run("Tel: 0839 2089 1556\n", super::scan);
        assert!(h.iter().any(|x| x.0 == Kind::Phone), "{h:?}");
    }
}

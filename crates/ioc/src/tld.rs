//! The top-level domains a bare host name in free text must end in.
//!
//! Without a TLD check, every `file.txt`, `e.g.` or `Node.js` in prose
//! would be a "domain". The list is embedded (no network, no data file):
//! every two-letter country code top-level domain, the legacy and most used
//! generic ones, the reserved `example`, `invalid`, `localhost` and `local`,
//! and `xn--` (punycode) TLDs. A host under a newer generic TLD
//! that is not listed is still found inside a URL (a scheme makes the intent
//! unambiguous) and through [`crate::normalise::domain`], just not as a bare
//! word in prose.

/// Country-code TLDs (ISO 3166-1 alpha-2 plus `ac`, `eu`, `su`, `uk`).
const CC: &str = "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz \
ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr \
ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp \
ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu \
mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw \
sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug \
uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw";

/// Generic TLDs: the original ones and those most seen in abuse reports.
const GENERIC: &str = "com net org info biz edu gov mil int arpa name pro mobi asia tel travel jobs cat museum aero coop post \
xyz top online site shop club vip live store tech space website fun icu buzz cloud link click work life world today \
news email host press blog page services support help art design digital network systems solutions agency company \
center group global media social tools zone one lol cyou monster rest bar cam casa sbs quest cfd bond beauty hair \
skin autos boats homes mom lat xin kim win bid loan date racing review stream download trade party science men \
accountant faith cricket gdn ren wang fit fyi guru ltd llc best run red pink blue black green gold plus wiki ooo uno \
moe ninja rocks app dev page io ai onion biz ink pw cc tk ml ga cf gq africa asia berlin london paris tokyo nyc \
bank insurance finance money cash credit loans exchange market markets capital fund investments trading crypto \
coin games game bet casino poker porn sex xxx adult dating love chat video tube photo photos pics pictures \
security secure login account free cheap deals sale promo zip mov example invalid localhost local";

/// File extensions that are also TLDs: `script.py`, `notes.md`, `archive.zip`.
/// A *fanged* two-label name ending in one of these is taken for a file name;
/// a defanged one (`invoice[.]zip`) is a host, since the writer said so.
const FILE_LIKE: &str = "zip mov py sh rs md so ps pm bz app";

fn contains(list: &str, word: &str) -> bool {
    list.split_ascii_whitespace().any(|w| w == word)
}

/// Whether `tld` (any case) is a known top-level domain.
pub(crate) fn is_known(tld: &str) -> bool {
    let lower = tld.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("xn--") {
        return !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    }
    if !lower.bytes().all(|b| b.is_ascii_lowercase()) {
        return false;
    }
    contains(CC, &lower) || contains(GENERIC, &lower)
}

/// Whether `tld` is also a common file extension (see [`FILE_LIKE`]).
pub(crate) fn is_file_like(tld: &str) -> bool {
    contains(FILE_LIKE, &tld.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    #[test]
    fn known() {
        assert!(super::is_known("com"));
        assert!(super::is_known("TH"));
        assert!(super::is_known("vn"));
        assert!(super::is_known("xn--o3cw4h"));
        assert!(!super::is_known("txt"));
        assert!(!super::is_known("js"));
        assert!(!super::is_known("g"));
        assert!(!super::is_known("exe"));
        assert!(!super::is_known("dll"));
        assert!(super::is_file_like("py"));
    }
}

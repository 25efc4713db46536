//! Generators for every feature kind and for the decoys.

use std::net::Ipv6Addr;

use crate::codec;
use crate::rng::Rng;
use crate::{Form, Kind};

/// A finding derived from a planted feature (the host of a URL), located
/// relative to the feature's first byte.
#[derive(Debug, Clone)]
pub(crate) struct Derived {
    pub kind: Kind,
    pub value: String,
    pub normalized: String,
    pub rel: usize,
}

/// A true feature as it is written into the image.
#[derive(Debug, Clone)]
pub(crate) struct Feature {
    pub kind: Kind,
    pub value: String,
    pub normalized: String,
    pub context: &'static str,
    pub derived: Vec<Derived>,
}

/// Something that looks like a feature but must not be reported.
#[derive(Debug, Clone)]
pub(crate) struct Decoy {
    pub kind: Kind,
    pub what: &'static str,
    pub value: String,
    pub context: &'static str,
}

const FIRST: &[&str] = &[
    "somchai", "nguyen", "budi", "siti", "maria", "juan", "aung", "sokha", "bounmy", "wei",
    "ahmad", "thida", "linh", "arjun", "kanya", "tran", "dewi", "rizal", "mya", "chanthy",
];
const LAST: &[&str] = &[
    "jaidee",
    "van",
    "santoso",
    "aminah",
    "reyes",
    "kyaw",
    "vong",
    "tan",
    "lim",
    "wong",
    "pham",
    "hartono",
    "cruz",
    "sok",
    "phommachanh",
];
const WORDS: &[&str] = &[
    "mekong",
    "siam",
    "saigon",
    "jakarta",
    "lotus",
    "orchid",
    "tiger",
    "delta",
    "rice",
    "pagoda",
    "khmer",
    "lanna",
    "borneo",
    "sunda",
    "irrawaddy",
    "golden",
    "jade",
    "monsoon",
    "harbor",
    "lucky",
    "dragon",
    "royal",
    "star",
    "asia",
    "metro",
    "smart",
    "fast",
    "prime",
    "global",
];
const SUFFIXES: &[&str] = &[
    "shop", "pay", "bet", "express", "trade", "cargo", "mart", "coin", "loan", "news",
];
const TLDS: &[&str] = &[
    "com", "net", "org", "info", "io", "biz", "xyz", "top", "online", "shop", "co.th", "in.th",
    "or.th", "com.vn", "vn", "co.id", "id", "com.my", "my", "com.ph", "ph", "com.sg", "sg",
    "com.kh", "la", "com.la", "com.mm",
];
const MAIL_HOSTS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "yahoo.co.th",
    "yahoo.co.id",
    "protonmail.com",
    "icloud.com",
];
const SUBS: &[&str] = &["www", "mail", "shop", "api", "m", "login", "secure", "cdn"];
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";

fn label(rng: &mut Rng) -> String {
    let mut s = rng.pick(WORDS).to_string();
    match rng.below(4) {
        0 => {
            s.push('-');
            s.push_str(rng.pick(SUFFIXES));
        }
        1 => s.push_str(rng.pick(SUFFIXES)),
        2 => s.push_str(&rng.digits(2)),
        _ => s.push_str(&rng.chars(LOWER, 3)),
    }
    s
}

/// A registrable domain name (`label.tld`), lower-case.
fn domain(rng: &mut Rng) -> String {
    format!("{}.{}", label(rng), rng.pick(TLDS))
}

/// A host name: a domain, sometimes with a sub-domain.
fn host(rng: &mut Rng) -> String {
    if rng.chance(1, 2) {
        format!("{}.{}", rng.pick(SUBS), domain(rng))
    } else {
        domain(rng)
    }
}

fn email(rng: &mut Rng, upper: bool) -> Feature {
    let local = match rng.below(4) {
        0 => format!("{}_{}", rng.pick(FIRST), rng.pick(LAST)),
        1 => {
            let n = rng.range(2, 4) as usize;
            format!("{}{}", rng.pick(FIRST), rng.digits(n))
        }
        2 => format!("{}+{}", rng.pick(FIRST), rng.pick(SUFFIXES)),
        _ => format!("{}-{}{}", rng.pick(FIRST), rng.pick(LAST), rng.digits(2)),
    };
    let dom = if rng.chance(1, 2) {
        rng.pick(MAIL_HOSTS).to_string()
    } else {
        host(rng)
    };
    let normalized = format!("{local}@{dom}");
    let value = if upper {
        normalized.to_ascii_uppercase()
    } else {
        normalized.clone()
    };
    let context = rng.pick(&["Contact:", "From:", "Reply-To:", "email", "mail to"]);
    // The e-mail's domain is a lead of its own (as in bulk_extractor's
    // domain.txt), at the domain's first byte.
    let rel = local.len() + 1;
    let derived = vec![Derived {
        kind: Kind::Domain,
        value: value[rel..].to_string(),
        normalized: dom,
        rel,
    }];
    Feature {
        kind: Kind::Email,
        value,
        normalized,
        context,
        derived,
    }
}

fn domain_feature(rng: &mut Rng, upper: bool) -> Feature {
    let normalized = host(rng);
    let value = if upper {
        normalized.to_ascii_uppercase()
    } else {
        normalized.clone()
    };
    let context = rng.pick(&["host", "Domain:", "server", "visit", "resolved"]);
    // A `www.` host name is also a URL without a scheme, reported as found
    // (no scheme invented), host lower-case.
    let derived = if normalized.starts_with("www.") {
        vec![Derived {
            kind: Kind::Url,
            value: value.clone(),
            normalized: normalized.clone(),
            rel: 0,
        }]
    } else {
        Vec::new()
    };
    Feature {
        kind: Kind::Domain,
        value,
        normalized,
        context,
        derived,
    }
}

fn url(rng: &mut Rng, form: Form) -> Feature {
    let scheme = if rng.chance(2, 3) { "https" } else { "http" };
    let host = host(rng);
    let port = match rng.below(8) {
        0 => ":8080",
        1 => ":8443",
        _ => "",
    };
    let path = match rng.below(8) {
        0 => String::from("/"),
        1 => String::from("/login"),
        2 => format!("/account/{}", rng.pick(&["verify", "reset", "confirm"])),
        3 => format!("/p/{}", rng.pick(WORDS)),
        4 => format!("/track?id={}&ref={}", rng.digits(3), rng.pick(SUFFIXES)),
        5 => format!("/{}/{}", rng.pick(WORDS), rng.chars(LOWER, 5)),
        6 => format!("/Invoice/{}", rng.chars(b"ABCDEFGHJKLMNPQRSTUVWXYZ", 4)),
        _ => String::new(),
    };
    let normalized = format!("{scheme}://{host}{port}{path}");
    let (value, host_rel, host_value) = match form {
        Form::Upper => {
            let s = scheme.to_ascii_uppercase();
            let h = host.to_ascii_uppercase();
            (format!("{s}://{h}{port}{path}"), s.len() + 3, h)
        }
        Form::Defanged => {
            let (s, sep, h) = match rng.below(4) {
                0 => (scheme.replace("tt", "xx"), "://", host.replace('.', "[.]")),
                1 => {
                    let h = match host.rfind('.') {
                        Some(i) => format!("{}[.]{}", &host[..i], &host[i + 1..]),
                        None => host.clone(),
                    };
                    (scheme.to_string(), "://", h)
                }
                2 => (
                    scheme.replace("tt", "xx"),
                    "[:]//",
                    host.replace('.', "[.]"),
                ),
                _ => (scheme.replace("tt", "xx"), "://", host.clone()),
            };
            (format!("{s}{sep}{h}{port}{path}"), s.len() + sep.len(), h)
        }
        _ => (normalized.clone(), scheme.len() + 3, host.clone()),
    };
    let context = rng.pick(&["Visit", "Link:", "see", "open", "URL:"]);
    Feature {
        kind: Kind::Url,
        value,
        normalized,
        context,
        derived: vec![Derived {
            kind: Kind::Domain,
            value: host_value,
            normalized: host,
            rel: host_rel,
        }],
    }
}

fn ipv4(rng: &mut Rng) -> Feature {
    const FIRST_OCTET: &[u8] = &[
        1, 14, 27, 36, 42, 49, 58, 101, 103, 110, 113, 115, 116, 118, 119, 124, 125, 171, 180, 182,
        183, 202, 203, 210, 222, 223,
    ];
    let a = rng.pick(FIRST_OCTET);
    let b = rng.below(256);
    let c = rng.below(256);
    let b = if a == 203 && b == 0 { 1 } else { b };
    let d = rng.range(1, 254);
    let v = format!("{a}.{b}.{c}.{d}");
    Feature {
        kind: Kind::Ip,
        value: v.clone(),
        normalized: v,
        context: rng.pick(&["IP:", "from", "addr", "client", "src"]),
        derived: Vec::new(),
    }
}

fn ipv6(rng: &mut Rng) -> Feature {
    let mut g = [0u16; 8];
    g[0] = 0x2400 + rng.below(0x400) as u16;
    for x in g.iter_mut().skip(1) {
        *x = match rng.below(4) {
            0 => rng.below(0x100) as u16,
            _ => rng.below(0x10000) as u16,
        };
    }
    if rng.chance(1, 2) {
        let len = rng.range(2, 4) as usize;
        let start = rng.range(2, (8 - len) as u64) as usize;
        for x in g.iter_mut().skip(start).take(len) {
            *x = 0;
        }
    }
    let addr = Ipv6Addr::new(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
    let canonical = addr.to_string();
    let value = match rng.below(5) {
        0 => g
            .iter()
            .map(|x| format!("{x:04x}"))
            .collect::<Vec<_>>()
            .join(":"),
        1 => g
            .iter()
            .map(|x| format!("{x:x}"))
            .collect::<Vec<_>>()
            .join(":"),
        2 => canonical.to_ascii_uppercase(),
        _ => canonical.clone(),
    };
    Feature {
        kind: Kind::Ipv6,
        value,
        normalized: canonical,
        context: rng.pick(&["IPv6:", "from", "addr", "client", "src"]),
        derived: Vec::new(),
    }
}

/// A country whose numbers are planted: calling code, trunk prefix, mobile
/// prefix families `(prefix of the national significant number, NSN length)`
/// chosen so that the national format resolves to this region under the
/// priority rule of the crate documentation (REGIONS is in that order), and
/// digit groupings for the national and international forms.
struct Region {
    cc: &'static str,
    trunk: &'static str,
    families: &'static [(&'static str, usize)],
    national: fn(usize) -> &'static [usize],
    international: fn(usize) -> &'static [usize],
}

const REGIONS: &[Region] = &[
    Region {
        cc: "66",
        trunk: "0",
        families: &[
            ("61", 9),
            ("62", 9),
            ("63", 9),
            ("64", 9),
            ("65", 9),
            ("80", 9),
            ("81", 9),
            ("82", 9),
            ("83", 9),
            ("84", 9),
            ("85", 9),
            ("86", 9),
            ("87", 9),
            ("88", 9),
            ("89", 9),
            ("90", 9),
            ("91", 9),
            ("92", 9),
            ("93", 9),
            ("94", 9),
            ("95", 9),
            ("96", 9),
            ("97", 9),
            ("98", 9),
            ("99", 9),
        ],
        national: |_| &[3, 3, 4],
        international: |_| &[2, 3, 4],
    },
    Region {
        cc: "84",
        trunk: "0",
        families: &[
            ("32", 9),
            ("33", 9),
            ("34", 9),
            ("35", 9),
            ("36", 9),
            ("37", 9),
            ("38", 9),
            ("39", 9),
            ("56", 9),
            ("58", 9),
            ("59", 9),
            ("70", 9),
            ("76", 9),
            ("77", 9),
            ("78", 9),
            ("79", 9),
        ],
        national: |_| &[4, 3, 3],
        international: |_| &[2, 3, 4],
    },
    Region {
        cc: "62",
        trunk: "0",
        families: &[
            ("81", 10),
            ("81", 11),
            ("82", 10),
            ("82", 11),
            ("83", 10),
            ("83", 11),
            ("85", 10),
            ("85", 11),
            ("87", 10),
            ("87", 11),
            ("88", 10),
            ("88", 11),
            ("89", 10),
            ("89", 11),
        ],
        national: |n| if n == 11 { &[4, 4, 4] } else { &[4, 3, 4] },
        international: |n| if n == 11 { &[3, 4, 4] } else { &[3, 3, 4] },
    },
    Region {
        cc: "60",
        trunk: "0",
        families: &[
            ("111", 10),
            ("112", 10),
            ("113", 10),
            ("114", 10),
            ("115", 10),
            ("123", 9),
            ("124", 9),
            ("125", 9),
            ("126", 9),
            ("127", 9),
            ("128", 9),
            ("129", 9),
            ("131", 9),
            ("132", 9),
            ("133", 9),
            ("134", 9),
            ("135", 9),
            ("136", 9),
            ("137", 9),
            ("138", 9),
            ("139", 9),
            ("161", 9),
            ("162", 9),
            ("163", 9),
            ("164", 9),
            ("165", 9),
            ("166", 9),
            ("167", 9),
            ("168", 9),
            ("169", 9),
            ("171", 9),
            ("172", 9),
            ("173", 9),
            ("174", 9),
            ("175", 9),
            ("176", 9),
            ("178", 9),
            ("179", 9),
            ("191", 9),
            ("192", 9),
            ("193", 9),
            ("194", 9),
            ("195", 9),
            ("196", 9),
            ("197", 9),
            ("198", 9),
            ("199", 9),
        ],
        national: |n| if n == 10 { &[3, 4, 4] } else { &[3, 3, 4] },
        international: |n| if n == 10 { &[2, 4, 4] } else { &[2, 3, 4] },
    },
    Region {
        cc: "63",
        trunk: "0",
        families: &[
            ("905", 10),
            ("906", 10),
            ("907", 10),
            ("908", 10),
            ("909", 10),
            ("912", 10),
            ("919", 10),
            ("930", 10),
            ("931", 10),
            ("932", 10),
            ("933", 10),
            ("935", 10),
            ("936", 10),
            ("937", 10),
            ("938", 10),
            ("939", 10),
            ("942", 10),
            ("943", 10),
            ("945", 10),
            ("946", 10),
            ("947", 10),
            ("948", 10),
            ("949", 10),
            ("970", 10),
            ("973", 10),
            ("977", 10),
            ("978", 10),
            ("991", 10),
            ("992", 10),
            ("993", 10),
            ("994", 10),
            ("995", 10),
            ("996", 10),
            ("997", 10),
            ("998", 10),
            ("999", 10),
        ],
        national: |_| &[4, 3, 4],
        international: |_| &[3, 3, 4],
    },
    Region {
        cc: "65",
        trunk: "",
        families: &[
            ("81", 8),
            ("801", 8),
            ("802", 8),
            ("803", 8),
            ("804", 8),
            ("805", 8),
            ("806", 8),
            ("807", 8),
            ("808", 8),
            ("809", 8),
            ("900", 8),
            ("903", 8),
            ("904", 8),
            ("906", 8),
            ("908", 8),
            ("909", 8),
            ("912", 8),
            ("919", 8),
        ],
        national: |_| &[4, 4],
        international: |_| &[4, 4],
    },
    Region {
        cc: "855",
        trunk: "0",
        families: &[
            ("11", 8),
            ("121", 8),
            ("123", 8),
            ("124", 8),
            ("125", 8),
            ("126", 8),
            ("127", 8),
            ("128", 8),
            ("129", 8),
            ("14", 8),
            ("15", 8),
            ("17", 8),
            ("60", 8),
            ("81", 8),
            ("700", 8),
            ("701", 8),
            ("703", 8),
            ("704", 8),
            ("705", 8),
            ("706", 8),
            ("707", 8),
            ("708", 8),
            ("709", 8),
        ],
        national: |_| &[3, 3, 3],
        international: |_| &[2, 3, 3],
    },
    Region {
        cc: "856",
        trunk: "0",
        families: &[("300", 10), ("301", 10), ("307", 10), ("308", 10)],
        national: |_| &[3, 2, 3, 3],
        international: |_| &[2, 2, 3, 3],
    },
    Region {
        cc: "95",
        trunk: "0",
        families: &[("940", 10), ("941", 10), ("982", 10), ("990", 10)],
        national: |_| &[2, 3, 3, 3],
        international: |_| &[1, 3, 3, 3],
    },
];

fn group(digits: &str, groups: &[usize], sep: &str) -> String {
    let mut out = String::new();
    let mut at = 0;
    for (i, &g) in groups.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        let end = if i + 1 == groups.len() {
            digits.len()
        } else {
            (at + g).min(digits.len())
        };
        out.push_str(&digits[at..end]);
        at = end;
    }
    out
}

fn phone(rng: &mut Rng) -> Feature {
    let region = &REGIONS[rng.index(REGIONS.len())];
    let (prefix, len) = rng.pick(region.families);
    let nsn = format!("{prefix}{}", rng.digits(len - prefix.len()));
    let normalized = format!("+{}{nsn}", region.cc);
    let value = match rng.below(5) {
        0 => normalized.clone(),
        1 => format!(
            "+{} {}",
            region.cc,
            group(&nsn, (region.international)(len), " ")
        ),
        2 => format!(
            "+{}-{}",
            region.cc,
            group(&nsn, (region.international)(len), "-")
        ),
        3 => group(
            &format!("{}{nsn}", region.trunk),
            (region.national)(len),
            " ",
        ),
        _ => group(
            &format!("{}{nsn}", region.trunk),
            (region.national)(len),
            "-",
        ),
    };
    Feature {
        kind: Kind::Phone,
        value,
        normalized,
        context: rng.pick(&["Tel:", "Phone:", "call", "WhatsApp", "LINE", "Mobile:"]),
        derived: Vec::new(),
    }
}

/// A card number prefix (IIN) and length, from real brand ranges.
fn card_prefix(rng: &mut Rng) -> (String, usize) {
    match rng.below(8) {
        0 | 1 => (String::from("4"), 16),
        2 => (format!("5{}", rng.range(1, 5)), 16),
        3 => (format!("{}", rng.range(2221, 2720)), 16),
        4 => (String::from(rng.pick(&["34", "37"])), 15),
        5 => (
            String::from(rng.pick(&["6011", "65", "644", "645", "646", "647", "648", "649"])),
            16,
        ),
        6 => (format!("{}", rng.range(3528, 3589)), 16),
        _ => {
            if rng.chance(1, 2) {
                (String::from("62"), 16) // UnionPay
            } else {
                // Diners Club International, 14 digits
                let p = ["36", "38", "39", "300", "301", "302", "303", "304", "305"];
                (String::from(rng.pick(&p)), 14)
            }
        }
    }
}

fn card_digits(rng: &mut Rng) -> String {
    let (prefix, len) = card_prefix(rng);
    let payload = format!("{prefix}{}", rng.digits(len - 1 - prefix.len()));
    format!("{payload}{}", codec::luhn_check_digit(&payload))
}

fn card_format(rng: &mut Rng, digits: &str) -> String {
    let groups: &[usize] = match digits.len() {
        15 => &[4, 6, 5],
        14 => &[4, 6, 4],
        _ => &[4, 4, 4, 4],
    };
    match rng.below(3) {
        0 => digits.to_string(),
        1 => group(digits, groups, " "),
        _ => group(digits, groups, "-"),
    }
}

fn ccn(rng: &mut Rng) -> Feature {
    let digits = card_digits(rng);
    Feature {
        kind: Kind::Ccn,
        value: card_format(rng, &digits),
        normalized: digits,
        context: rng.pick(&["Card:", "card no", "CC", "paid with"]),
        derived: Vec::new(),
    }
}

fn bban(rng: &mut Rng) -> (&'static str, String) {
    match rng.below(8) {
        0 => ("DE", rng.digits(18)),
        1 => (
            "GB",
            format!(
                "{}{}",
                rng.pick(&["NWBK", "BARC", "HBUK", "LOYD", "MIDL"]),
                rng.digits(14)
            ),
        ),
        2 => (
            "NL",
            format!(
                "{}{}",
                rng.pick(&["ABNA", "INGB", "RABO", "SNSB"]),
                rng.digits(10)
            ),
        ),
        3 => ("CH", rng.digits(17)),
        4 => ("AE", rng.digits(19)),
        5 => ("SA", rng.digits(20)),
        6 => (
            "PK",
            format!(
                "{}{}",
                rng.pick(&["SCBL", "HABB", "MEZN", "UNIL"]),
                rng.digits(16)
            ),
        ),
        _ => ("TR", format!("{}0{}", rng.digits(5), rng.digits(16))),
    }
}

fn iban_format(rng: &mut Rng, compact: &str) -> String {
    if rng.chance(1, 2) {
        compact.to_string()
    } else {
        let groups = vec![4; compact.len().div_ceil(4)];
        group(compact, &groups, " ")
    }
}

fn iban(rng: &mut Rng) -> Feature {
    let (country, bban) = bban(rng);
    let compact = codec::iban(country, &bban);
    Feature {
        kind: Kind::Iban,
        value: iban_format(rng, &compact),
        normalized: compact,
        context: rng.pick(&["IBAN", "IBAN:", "account", "transfer to"]),
        derived: Vec::new(),
    }
}

/// The wallet sub-types planted.
const WALLET_TYPES: usize = 10;

fn wallet_value(rng: &mut Rng, which: usize) -> (String, String) {
    let h20: [u8; 20] = rng.bytes();
    let h32: [u8; 32] = rng.bytes();
    let b58 = |version: u8, h: &[u8]| {
        let mut p = vec![version];
        p.extend_from_slice(h);
        codec::base58check_encode(&p)
    };
    let s = match which {
        0 => b58(0x00, &h20),
        1 => b58(0x05, &h20),
        2 => codec::segwit_encode("bc", 0, &h20),
        3 => codec::segwit_encode("bc", 0, &h32),
        4 => codec::segwit_encode("bc", 1, &h32),
        5 => {
            let n = codec::eip55(&h20);
            let v = if rng.chance(1, 4) {
                n.to_ascii_lowercase()
            } else {
                n.clone()
            };
            return (v, n);
        }
        6 => b58(0x41, &h20),
        7 => b58(0x30, &h20),
        8 => b58(0x32, &h20),
        _ => codec::segwit_encode("ltc", 0, &h20),
    };
    (s.clone(), s)
}

fn wallet(rng: &mut Rng) -> Feature {
    let which = rng.index(WALLET_TYPES);
    let (value, normalized) = wallet_value(rng, which);
    let context = match which {
        5 => rng.pick(&["ETH", "send to", "USDT (ERC20)"]),
        6 => rng.pick(&["TRX", "USDT (TRC20)", "send to"]),
        7..=9 => rng.pick(&["LTC", "send to"]),
        _ => rng.pick(&["BTC", "wallet", "send to", "pay"]),
    };
    Feature {
        kind: Kind::Wallet,
        value,
        normalized,
        context,
        derived: Vec::new(),
    }
}

fn onion(rng: &mut Rng) -> Feature {
    let pk: [u8; 32] = rng.bytes();
    let v = codec::onion_v3(&pk, codec::onion_checksum(&pk, 3));
    Feature {
        kind: Kind::Onion,
        value: v.clone(),
        normalized: v,
        context: rng.pick(&["mirror", "Tor:", "hidden service", "market"]),
        derived: Vec::new(),
    }
}

fn i2p(rng: &mut Rng) -> Feature {
    let dest: [u8; 32] = rng.bytes();
    let v = format!("{}.b32.i2p", codec::base32(&codec::sha256(&dest)));
    Feature {
        kind: Kind::I2p,
        value: v.clone(),
        normalized: v,
        context: rng.pick(&["eepsite", "I2P:", "router"]),
        derived: Vec::new(),
    }
}

/// A true feature of `kind` for `form` (the form only matters for the
/// upper-case and defanged variants).
pub(crate) fn make(kind: Kind, form: Form, rng: &mut Rng) -> Feature {
    let upper = form == Form::Upper;
    match kind {
        Kind::Email => email(rng, upper),
        Kind::Url => url(rng, form),
        Kind::Domain => domain_feature(rng, upper),
        Kind::Ip => ipv4(rng),
        Kind::Ipv6 => ipv6(rng),
        Kind::Phone => phone(rng),
        Kind::Ccn => ccn(rng),
        Kind::Iban => iban(rng),
        Kind::Wallet => wallet(rng),
        Kind::Onion => onion(rng),
        Kind::I2p => i2p(rng),
        Kind::Gps => {
            let n = Gps::random(rng).normalized();
            Feature {
                kind: Kind::Gps,
                value: n.clone(),
                normalized: n,
                context: "",
                derived: Vec::new(),
            }
        }
    }
}

/// GPS coordinates to be written as an EXIF GPS IFD: hemisphere refs and
/// (degrees, minutes, seconds) as (numerator, denominator) rationals.
#[derive(Debug, Clone)]
pub(crate) struct Gps {
    pub big_endian: bool,
    pub lat_ref: u8,
    pub lat: [(u32, u32); 3],
    pub lon_ref: u8,
    pub lon: [(u32, u32); 3],
}

/// `d + m/60 + s/3600` of three rationals (the scanner's formula).
fn dms(r: &[(u32, u32); 3]) -> f64 {
    let v = |k: usize| f64::from(r[k].0) / f64::from(r[k].1);
    v(0) + v(1) / 60.0 + v(2) / 3600.0
}

impl Gps {
    /// Random coordinates (in range, non-zero denominators).
    pub(crate) fn random(rng: &mut Rng) -> Gps {
        let mut angle = |max_deg: u64| -> [(u32, u32); 3] {
            let d = rng.range(0, max_deg - 1) as u32;
            let m = rng.range(0, 59) as u32;
            match rng.below(3) {
                0 => [(d, 1), (m, 1), (rng.range(0, 5999) as u32, 100)],
                1 => [(d, 1), (m, 1), (rng.range(0, 59_999) as u32, 1000)],
                // minutes as decimals, seconds zero (some cameras)
                _ => [
                    (d, 1),
                    (m * 10_000 + rng.range(0, 9999) as u32, 10_000),
                    (0, 1),
                ],
            }
        };
        let lat = angle(90);
        let lon = angle(180);
        Gps {
            big_endian: rng.chance(1, 2),
            lat_ref: if rng.chance(1, 2) { b'N' } else { b'S' },
            lat,
            lon_ref: if rng.chance(1, 2) { b'E' } else { b'W' },
            lon,
        }
    }

    /// `lat,lon` in signed decimal degrees with six decimals.
    pub(crate) fn normalized(&self) -> String {
        let sign = |r: u8, neg: u8, v: f64| if r == neg { -v } else { v };
        let deg = |x: f64| {
            let s = format!("{x:.6}");
            match s.strip_prefix('-') {
                Some(r) if r.bytes().all(|b| b == b'0' || b == b'.') => r.to_string(),
                _ => s,
            }
        };
        format!(
            "{},{}",
            deg(sign(self.lat_ref, b'S', dms(&self.lat))),
            deg(sign(self.lon_ref, b'W', dms(&self.lon)))
        )
    }

    /// The rationals as written, for decoy records
    /// (`N 13/1 45/1 2279/100, E …`).
    pub(crate) fn describe(&self) -> String {
        let r = |x: &[(u32, u32); 3]| {
            x.iter()
                .map(|(n, d)| format!("{n}/{d}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        format!(
            "{} {}, {} {}",
            char::from(self.lat_ref),
            r(&self.lat),
            char::from(self.lon_ref),
            r(&self.lon)
        )
    }

    /// The TIFF structure: header, IFD0 with only the GPS IFD pointer, the
    /// GPS IFD (version, refs, latitude, longitude), the rationals.
    pub(crate) fn tiff(&self) -> Vec<u8> {
        let be = self.big_endian;
        let mut v = Vec::with_capacity(160);
        let w16 =
            |v: &mut Vec<u8>, x: u16| v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
        let w32 =
            |v: &mut Vec<u8>, x: u32| v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
        v.extend_from_slice(if be { b"MM\0*" } else { b"II*\0" });
        w32(&mut v, 8);
        // IFD0 at 8: one entry (GPSInfo → 26), no next IFD.
        w16(&mut v, 1);
        w16(&mut v, 0x8825);
        w16(&mut v, 4);
        w32(&mut v, 1);
        w32(&mut v, 26);
        w32(&mut v, 0);
        // GPS IFD at 26: five entries (2 + 60 + 4 bytes), rationals at 92.
        w16(&mut v, 5);
        w16(&mut v, 0); // GPSVersionID 2.3.0.0, BYTE[4] inline
        w16(&mut v, 1);
        w32(&mut v, 4);
        v.extend([2, 3, 0, 0]);
        for (tag, r, off) in [(1u16, self.lat_ref, 92u32), (3, self.lon_ref, 116)] {
            w16(&mut v, tag);
            w16(&mut v, 2);
            w32(&mut v, 2);
            v.extend([r, 0, 0, 0]);
            w16(&mut v, tag + 1);
            w16(&mut v, 5);
            w32(&mut v, 3);
            w32(&mut v, off);
        }
        w32(&mut v, 0);
        for (n, d) in self.lat.iter().chain(self.lon.iter()) {
            w32(&mut v, *n);
            w32(&mut v, *d);
        }
        v
    }

    /// A minimal JPEG holding the EXIF block: SOI, APP1 (`Exif\0\0` +
    /// TIFF), a few scan bytes (`pad`), EOI. Returns it and the offset of the
    /// TIFF header in it.
    pub(crate) fn jpeg(&self, pad: &[u8]) -> (Vec<u8>, usize) {
        let tiff = self.tiff();
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1];
        j.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
        j.extend_from_slice(b"Exif\0\0");
        let at = j.len();
        j.extend(tiff);
        j.extend([0xFF, 0xDA, 0x00, 0x02]);
        j.extend_from_slice(pad);
        j.extend([0xFF, 0xD9]);
        (j, at)
    }
}

/// A GPS decoy of type `what` (`gps-zero-denominator`,
/// `gps-latitude-range`): a GPS IFD the scanner must reject.
pub(crate) fn gps_decoy(what: &str, rng: &mut Rng) -> Gps {
    let mut g = Gps::random(rng);
    if what == "gps-zero-denominator" {
        let k = rng.index(3);
        if rng.chance(1, 2) {
            g.lat[k].1 = 0;
        } else {
            g.lon[k].1 = 0;
        }
    } else {
        g.lat = [(rng.range(91, 250) as u32, 1), (g.lat[1].0 % 60, 1), (0, 1)];
    }
    g
}

/// The decoy types, each producing a value that must not be reported.
pub(crate) const DECOY_TYPES: &[&str] = &[
    "ccn-luhn-off",
    "iban-bad-mod97",
    "base58-changed",
    "bech32-changed",
    "eth-bad-checksum",
    "wallet-truncated",
    "onion-bad-checksum",
    "onion-truncated",
    "i2p-short",
    "version-string",
    "ip-bad-octet",
    "time",
    "gps-zero-denominator",
    "gps-latitude-range",
];

fn change_char(rng: &mut Rng, s: &str, from: usize, alphabet: &[u8]) -> String {
    let mut b = s.as_bytes().to_vec();
    let i = rng.range(from as u64, (b.len() - 1) as u64) as usize;
    let old = b[i];
    let mut c = rng.pick(alphabet);
    while c == old {
        c = rng.pick(alphabet);
    }
    b[i] = c;
    String::from_utf8_lossy(&b).into_owned()
}

/// A decoy of type `what` (one of [`DECOY_TYPES`]); every value is checked
/// to really be invalid.
pub(crate) fn decoy(what: &'static str, rng: &mut Rng) -> Decoy {
    loop {
        if let Some(d) = try_decoy(what, rng) {
            return d;
        }
    }
}

fn try_decoy(what: &'static str, rng: &mut Rng) -> Option<Decoy> {
    let (kind, value, context) = match what {
        "ccn-luhn-off" => {
            let good = card_digits(rng);
            let last = good.as_bytes()[good.len() - 1] - b'0';
            let bad = (last + rng.range(1, 9) as u8) % 10;
            let digits = format!("{}{bad}", &good[..good.len() - 1]);
            if codec::luhn_valid(&digits) {
                return None;
            }
            (Kind::Ccn, card_format(rng, &digits), "Card:")
        }
        "iban-bad-mod97" => {
            let (country, bban) = bban(rng);
            let good = codec::iban(country, &bban);
            let check: u32 = good[2..4].parse().ok()?;
            let bad_check = 2 + (check - 2 + rng.range(1, 95) as u32) % 97;
            let bad = format!("{country}{bad_check:02}{bban}");
            if codec::iban_mod97(&bad) == 1 || bad_check > 98 {
                return None;
            }
            (Kind::Iban, iban_format(rng, &bad), "IBAN")
        }
        "base58-changed" => {
            let which = rng.pick(&[0usize, 1, 6, 7, 8]);
            let (v, _) = wallet_value(rng, which);
            let bad = change_char(rng, &v, 1, codec::BASE58_ALPHABET);
            if codec::base58check_valid(&bad) {
                return None;
            }
            (Kind::Wallet, bad, "wallet")
        }
        "bech32-changed" => {
            let which = rng.pick(&[2usize, 3, 4, 9]);
            let (v, _) = wallet_value(rng, which);
            let from = v.find('1').map_or(4, |i| i + 2);
            let bad = change_char(rng, &v, from, codec::BECH32_ALPHABET);
            if codec::bech32_valid(&bad) {
                return None;
            }
            (Kind::Wallet, bad, "wallet")
        }
        "eth-bad-checksum" => {
            let h: [u8; 20] = rng.bytes();
            let good = codec::eip55(&h);
            let letters: Vec<usize> = good
                .bytes()
                .enumerate()
                .skip(2)
                .filter(|(_, c)| c.is_ascii_alphabetic())
                .map(|(i, _)| i)
                .collect();
            if letters.len() < 3 {
                return None;
            }
            let i = rng.pick(&letters);
            let mut b = good.clone().into_bytes();
            b[i] = if b[i].is_ascii_uppercase() {
                b[i].to_ascii_lowercase()
            } else {
                b[i].to_ascii_uppercase()
            };
            let bad = String::from_utf8_lossy(&b).into_owned();
            let body = &bad[2..];
            let mixed = body.bytes().any(|c| c.is_ascii_uppercase())
                && body.bytes().any(|c| c.is_ascii_lowercase());
            if !mixed || bad == good {
                return None;
            }
            (Kind::Wallet, bad, "ETH")
        }
        "wallet-truncated" => {
            let which = rng.pick(&[0usize, 1, 2, 4, 6]);
            let (v, _) = wallet_value(rng, which);
            let cut = rng.range(1, 3) as usize;
            let bad = v[..v.len() - cut].to_string();
            if codec::base58check_valid(&bad) || codec::bech32_valid(&bad) {
                return None;
            }
            (Kind::Wallet, bad, "wallet")
        }
        "onion-bad-checksum" => {
            let pk: [u8; 32] = rng.bytes();
            let mut c = codec::onion_checksum(&pk, 3);
            c[rng.index(2)] ^= 1 << rng.below(8);
            (Kind::Onion, codec::onion_v3(&pk, c), "mirror")
        }
        "onion-truncated" => {
            let pk: [u8; 32] = rng.bytes();
            let v = codec::onion_v3(&pk, codec::onion_checksum(&pk, 3));
            let cut = rng.range(1, 8) as usize;
            let bad = format!("{}.onion", &v[..56 - cut]);
            (Kind::Onion, bad, "mirror")
        }
        "i2p-short" => {
            let dest: [u8; 32] = rng.bytes();
            let b32 = codec::base32(&codec::sha256(&dest));
            let cut = rng.range(1, 6) as usize;
            (
                Kind::I2p,
                format!("{}.b32.i2p", &b32[..52 - cut]),
                "eepsite",
            )
        }
        "version-string" => {
            let v: Vec<String> = (0..5)
                .map(|i| rng.below(if i == 0 { 20 } else { 100 }).to_string())
                .collect();
            (Kind::Ip, v.join("."), "version")
        }
        "ip-bad-octet" => {
            let mut o: Vec<String> = (0..4).map(|_| rng.range(1, 254).to_string()).collect();
            let i = rng.index(4);
            o[i] = rng.range(256, 999).to_string();
            (Kind::Ip, o.join("."), "addr")
        }
        _ => {
            let t = format!(
                "{:02}:{:02}:{:02}",
                rng.below(24),
                rng.below(60),
                rng.below(60)
            );
            (Kind::Ipv6, t, "at")
        }
    };
    Some(Decoy {
        kind,
        what,
        value,
        context,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_generates_normalized_forms() {
        let mut rng = Rng::new(1, 2);
        for _ in 0..200 {
            let u = make(Kind::Url, Form::Defanged, &mut rng);
            assert!(u.value != u.normalized || !u.value.contains("[.]"));
            let refanged = u
                .value
                .replace("[.]", ".")
                .replace("[:]", ":")
                .replace("hxxp", "http");
            assert_eq!(refanged, u.normalized);
            let d = &u.derived[0];
            assert_eq!(&u.value[d.rel..d.rel + d.value.len()], d.value);
            let up = make(Kind::Url, Form::Upper, &mut rng);
            let d = &up.derived[0];
            assert_eq!(&up.value[d.rel..d.rel + d.value.len()], d.value);
            assert_eq!(d.value.to_ascii_lowercase(), d.normalized);
            let p = make(Kind::Phone, Form::Plain, &mut rng);
            assert!(p.normalized.starts_with('+'));
            let w = make(Kind::Wallet, Form::Plain, &mut rng);
            assert!(w.value.len() >= 26, "{}", w.value);
            let c = make(Kind::Ccn, Form::Plain, &mut rng);
            assert!(codec::luhn_valid(&c.normalized));
            let i = make(Kind::Iban, Form::Plain, &mut rng);
            assert_eq!(codec::iban_mod97(&i.normalized), 1);
            let a = make(Kind::Ipv6, Form::Plain, &mut rng);
            assert_eq!(
                a.value.parse::<Ipv6Addr>().unwrap().to_string(),
                a.normalized
            );
        }
        for what in DECOY_TYPES {
            let d = decoy(what, &mut rng);
            assert!(!d.value.is_empty());
        }
    }
}

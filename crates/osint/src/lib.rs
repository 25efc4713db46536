//! Offline enrichment of leads for investigators: what an IP address, a
//! domain, an e-mail address, a URL, a phone number, a wallet or a hash
//! found in evidence tells, using only files the user supplies (and a
//! bundled Public Suffix List). Nothing here uses the network.
//!
//! * [`ip`]: IANA special-purpose ranges (no database needed); country,
//!   city, ASN and organisation from MaxMind-format databases (GeoLite2,
//!   GeoIP2, DB-IP Lite), naming the database that answered; the user's Tor
//!   exit and VPN/hosting range lists.
//! * [`domain`]: IDN ⇄ punycode, public suffix and registrable domain (our
//!   own implementation of the PSL algorithm over the bundled list or a
//!   newer file).
//! * [`lookalike`]: names imitating the user's protected names (confusable
//!   characters, mixed scripts, typos, added words, other TLDs).
//! * [`watchlist`]: known-bad and known-good hashes, e-mail addresses, phone
//!   numbers, wallets, domains, IPs/CIDRs and URLs; every hit names the list
//!   file and line.
//! * [`Enricher`]: all of the above behind `enrich(kind, value)`.
//!
//! What this crate must never do:
//! - **No network look-ups.** Everything comes from the files the user
//!   gives (and the bundled list): no DNS, WHOIS, RDAP or web service.
//! - **No panics on user files.** A damaged database or list is an error
//!   naming the file (and line); a bad line in a list is a [`Warning`] and
//!   the rest is used.
//! - **No guess presented as a fact.** Databases are named with each answer;
//!   lookalikes carry a reason and a score and are leads, not attribution.
//! - **Deterministic output.** Hits come in list order then line order;
//!   lookalikes by score, then protected name, then technique.
//!
//! Bundled data: `data/public_suffix_list.dat` is the Public Suffix List
//! (publicsuffix.org), licensed under the Mozilla Public License 2.0;
//! `data/protected-example.txt` is an example list of protected names.
//!
//! ```
//! use exhibit_osint::{Enricher, Sources};
//! let enricher = Enricher::open(&Sources::default()).unwrap();
//! let e = enricher.enrich("ip", "10.1.2.3");
//! assert_eq!(e.ip.unwrap().special.unwrap().name, "Private-Use");
//! let e = enricher.enrich("url", "https://www.example.co.uk/login");
//! assert_eq!(e.domain.unwrap().parts.registrable.as_deref(), Some("example.co.uk"));
//! ```
#![deny(missing_docs)]

pub mod domain;
mod enrich;
mod error;
pub mod ip;
pub mod lookalike;
mod net;
pub mod watchlist;

pub use enrich::{
    host_of_email, host_of_url, DomainInfo, Enricher, Enrichment, IpInfo, ListInfo, Loaded, Sources,
};
pub use error::{OsintError, Warning};
pub use net::{canonical_ip, parse_ip, refang, Cidr};

/// The example list of protected names bundled with the crate (South-East
/// Asian banks and government domains, and common brands).
pub const PROTECTED_EXAMPLE: &str = include_str!("../data/protected-example.txt");

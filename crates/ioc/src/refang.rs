//! Finding indicators in free text, defanged or not, and giving them back fanged.
//!
//! Two passes. The first rewrites the text into a *clean* copy, replacing
//! each defanging device by what it stands for and remembering, for every
//! clean byte, the original bytes it came from. The second scans the clean
//! copy for URLs, e-mail addresses, IPv6 and IPv4 addresses and host names,
//! validates and normalises each, and maps it back to its exact span in the
//! input. An indicator is `defanged` when any replaced device lies inside it.
//!
//! Devices understood (ASCII case ignored):
//! - schemes `hxxp`, `hxxps`, `hXXp`, `hxtp`, `h**p`, `fxp`, `fxxp` (only when
//!   followed by `:` or `[`); `[:]`, `[://]`, `[/]`;
//! - dots `[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`, `{dot}`, `[ . ]`, half
//!   brackets `[.` and `.]`, `\.`, `_dot_`, the ideographic and full-width
//!   full stops (`。`, `．`, `｡`), and the word ` dot `;
//! - at signs `[@]`, `(@)`, `{@}`, `[at]`, `(at)`, `{at}`, and the word ` at `.
//!
//! Precision rules (prose must not turn into indicators):
//! - a dot device needs a host-name character right before it and a letter
//!   or digit right after; bracketed *words* (`[dot]`, `(at)`) may have one
//!   space on each side, bracketed *symbols* (`[.]`, `[@]`) may not, so
//!   "press [.] to continue" stays prose;
//! - the plain word ` dot ` only joins labels, and a name built with it is
//!   dropped when its first label or its TLD is a common English word
//!   ("the dot com bubble");
//! - the plain word ` at ` becomes `@` only when the name after it is itself
//!   spelled with ` dot ` (`john at example dot com`) and the word before it
//!   is not a common English word ("look at example dot com" gives only the
//!   domain);
//! - a bare host name must end in a known TLD (see `tld.rs`); when nothing in
//!   it was defanged, a mixed-case TLD (`failed.It`) or a two-label name
//!   ending in a file extension that is also a TLD (`setup.py`, `notes.md`)
//!   is taken for prose or a file name; so is a name right after `/` or `\`
//!   (a path) or right before `(` (code);
//! - an IPv4 address must be a strict dotted quad (no leading zeros) not
//!   glued to letters or further digits (`v1.2.3.4`, `1.2.3.4.5`); an
//!   IPv6 address must parse with `std::net` and hold a decimal digit
//!   (`a:b::c:d` in prose is not one);
//! - after a scheme (`http`, `https`, `ftp`, `ftps`, `sftp`, `ws`, `wss`)
//!   any valid host is accepted, even `localhost` or an unlisted TLD: the
//!   scheme states the intent. Trailing `.,;:!?'*` and an unmatched `)` or
//!   `]` are left to the sentence.
//!
//! JSON-escaped slashes (`http:\/\/host\/x`, as in exported threat
//! feeds) are read as `/` without counting as defanging.
//!
//! A host followed by a path but no scheme (`evil[.]com/x.php`) is reported
//! as a domain only: inventing a scheme would be a guess.

use crate::normalise::{self, parse_ipv4};
use crate::{tld, Kind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::Ipv6Addr;

/// Longest stretch of one line [`refang`] reads at once (1 MiB); see there.
pub const MAX_LINE: usize = 1 << 20;

/// One indicator found in text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    /// What it is.
    pub kind: Kind,
    /// Fanged and normalised (see [`crate::normalise`]).
    pub value: String,
    /// Byte range `start..end` in the input text, defanging devices included.
    pub span: (usize, usize),
    /// Whether the input wrote it defanged (any device inside the span).
    pub defanged: bool,
}

/// How a clean byte came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sub {
    /// Copied from the input.
    Copy,
    /// `\/` in JSON text: an escape, not defanging.
    Escape,
    /// A bracketed or symbolic device (`[.]`, `hxxp`, `[@]`, …).
    Device,
    /// The spelled-out word ` dot ` (or a spaced `[dot]`): prose-prone.
    WordDot,
    /// The spelled-out word ` at ` (or a spaced `[at]`).
    WordAt,
}

fn is_device(s: Sub) -> bool {
    !matches!(s, Sub::Copy | Sub::Escape)
}

/// The clean copy of the text with, for each byte, where it came from.
#[derive(Default)]
struct Clean {
    bytes: Vec<u8>,
    start: Vec<usize>,
    end: Vec<usize>,
    sub: Vec<Sub>,
}

impl Clean {
    fn push(&mut self, b: u8, from: usize, to: usize, sub: Sub) {
        self.bytes.push(b);
        self.start.push(from);
        self.end.push(to);
        self.sub.push(sub);
    }
    fn emit(&mut self, s: &[u8], from: usize, to: usize, sub: Sub) {
        for &b in s {
            self.push(b, from, to, sub);
        }
    }
    fn pop(&mut self) {
        self.bytes.pop();
        self.start.pop();
        self.end.pop();
        self.sub.pop();
    }
    fn last(&self) -> Option<u8> {
        self.bytes.last().copied()
    }
    fn before_last(&self) -> Option<u8> {
        self.bytes.len().checked_sub(2).map(|i| self.bytes[i])
    }
}

/// Common English words that, next to the word "dot" or "at", mean prose.
const STOP: &str = "a an the this that these those it its is are was were be been being am i you he she we they \
me him her us them my your our their his to in on at of for from by with as or and not no so do does did done go \
goes went see saw seen look looked looking meet met stay stayed arrive arrived available located found hosted here \
there where when what who whom which one two three all any some each more most other such only also just then than \
now up out about into over after before under again very can will would should could may might must has have had \
get got let make made use used click press visit call send sent reply write wrote online live work works working \
said says say big old new first early late last next red blue black green little small large great good bad \
home site page web internet era bubble boom company companies stock stocks";

fn is_stop(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    STOP.split_ascii_whitespace().any(|s| s == w)
}

fn is_label(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+' | b'%')
}

fn at(t: &[u8], i: usize) -> Option<u8> {
    t.get(i).copied()
}

fn alnum_at(t: &[u8], i: usize) -> bool {
    at(t, i).is_some_and(|b| b.is_ascii_alphanumeric())
}

fn starts_ci(t: &[u8], i: usize, pat: &[u8]) -> bool {
    t.get(i..i + pat.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(pat))
}

/// `dot`/`DOT`/`Dot` and `at`/`AT`/`At`, not `dOt`: a word, not noise.
/// `word` is lower-case ASCII.
fn word_is(tok: &[u8], word: &str) -> bool {
    if !tok.eq_ignore_ascii_case(word.as_bytes()) {
        return false;
    }
    let rest = tok.get(1..).unwrap_or_default();
    tok == word.as_bytes()
        || tok.iter().all(|b| b.is_ascii_uppercase())
        || rest.iter().all(|b| b.is_ascii_lowercase())
}

/// A device that the first pass replaces: output, input length, kind, and
/// whether a space before it (already copied) must be removed.
struct Device {
    out: &'static [u8],
    len: usize,
    sub: Sub,
    eat_space_before: bool,
}

/// Defanged scheme at `i` (`hxxp`, `hXXps`, `fxp`, …), on a word boundary and
/// followed by `:` or `[`.
fn scheme_device(t: &[u8], i: usize) -> Option<Device> {
    if i > 0 && t[i - 1].is_ascii_alphanumeric() {
        return None;
    }
    let first = t[i].to_ascii_lowercase();
    let follows = |j: usize| matches!(at(t, j), Some(b':') | Some(b'['));
    if first == b'h' {
        let a = at(t, i + 1)?.to_ascii_lowercase();
        let b = at(t, i + 2)?.to_ascii_lowercase();
        let masked = |c: u8| matches!(c, b'x' | b't' | b'*');
        if !masked(a) || !masked(b) || (a == b't' && b == b't') {
            return None;
        }
        if !at(t, i + 3)?.eq_ignore_ascii_case(&b'p') {
            return None;
        }
        if at(t, i + 4).is_some_and(|c| c.eq_ignore_ascii_case(&b's')) && follows(i + 5) {
            return Some(Device {
                out: b"https",
                len: 5,
                sub: Sub::Device,
                eat_space_before: false,
            });
        }
        if follows(i + 4) {
            return Some(Device {
                out: b"http",
                len: 4,
                sub: Sub::Device,
                eat_space_before: false,
            });
        }
        return None;
    }
    if first == b'f' {
        let mut j = i + 1;
        while j < i + 3 && at(t, j).is_some_and(|c| c.eq_ignore_ascii_case(&b'x')) {
            j += 1;
        }
        if j > i + 1 && at(t, j).is_some_and(|c| c.eq_ignore_ascii_case(&b'p')) && follows(j + 1) {
            return Some(Device {
                out: b"ftp",
                len: j + 1 - i,
                sub: Sub::Device,
                eat_space_before: false,
            });
        }
    }
    None
}

/// A bracketed device at `i`: `[.]`, `(dot)`, `[ at ]`, `{@}`, `[:]`, `[://]`, `[/]`.
fn bracket_device(t: &[u8], i: usize, clean: &Clean) -> Option<Device> {
    let close = match t[i] {
        b'[' => b']',
        b'(' => b')',
        b'{' => b'}',
        _ => return None,
    };
    let simple = |pat: &[u8], out: &'static [u8]| -> Option<Device> {
        (t[i] == b'[' && starts_ci(t, i, pat)).then_some(Device {
            out,
            len: pat.len(),
            sub: Sub::Device,
            eat_space_before: false,
        })
    };
    let prev = clean.last();
    if prev.is_some_and(|b| b.is_ascii_alphanumeric()) {
        if let Some(d) = simple(b"[://]", b"://").or_else(|| simple(b"[:]//", b"://")) {
            return Some(d);
        }
    }
    if prev.is_some_and(|b| b.is_ascii_hexdigit() || b == b':') || prev.is_none() {
        if let Some(d) = simple(b"[:]", b":") {
            return Some(d);
        }
    }
    if prev.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b':') {
        if let Some(d) = simple(b"[/]", b"/") {
            return Some(d);
        }
    }
    // [ tok ] with at most one space inside on each side.
    let mut j = i + 1;
    let inner_space_l = at(t, j) == Some(b' ');
    if inner_space_l {
        j += 1;
    }
    let tok_start = j;
    while j < t.len() && j < tok_start + 3 && t[j] != b' ' && t[j] != close {
        j += 1;
    }
    let tok = &t[tok_start..j];
    if at(t, j) == Some(b' ') {
        j += 1;
    }
    if at(t, j) != Some(close) {
        return None;
    }
    let after_close = j + 1;
    let (out, symbol): (&'static [u8], bool) = if tok == b"." {
        (b".", true)
    } else if tok == b"@" {
        (b"@", true)
    } else if word_is(tok, "dot") {
        (b".", false)
    } else if word_is(tok, "at") {
        (b"@", false)
    } else {
        return None;
    };
    let is_at = out == b"@";
    // Left neighbour: directly, or across one space (words only).
    let left_ok = |b: Option<u8>| {
        b.is_some_and(|b| {
            if is_at {
                is_local(b) && b != b'.'
            } else {
                is_label(b)
            }
        })
    };
    let (eat_space_before, spaced_l) = if left_ok(prev) {
        (false, false)
    } else if !symbol && prev == Some(b' ') && left_ok(clean.before_last()) {
        (true, true)
    } else {
        return None;
    };
    let (len, spaced_r) = if alnum_at(t, after_close) {
        (after_close - i, false)
    } else if !symbol && at(t, after_close) == Some(b' ') && alnum_at(t, after_close + 1) {
        (after_close + 1 - i, true)
    } else {
        return None;
    };
    if symbol && (spaced_l || spaced_r) {
        return None;
    }
    let spaced = spaced_l || spaced_r;
    if is_at && spaced && is_stop(&word_before(&clean.bytes, eat_space_before)) {
        return None;
    }
    let sub = match (spaced, is_at) {
        (false, _) => Sub::Device,
        (true, false) => Sub::WordDot,
        (true, true) => Sub::WordAt,
    };
    Some(Device {
        out,
        len,
        sub,
        eat_space_before,
    })
}

/// The word (local-part characters) that ends the clean text so far.
fn word_before(bytes: &[u8], skip_space: bool) -> String {
    let end = if skip_space {
        bytes.len().saturating_sub(1)
    } else {
        bytes.len()
    };
    let mut s = end;
    while s > 0 && is_local(bytes[s - 1]) {
        s -= 1;
    }
    String::from_utf8_lossy(&bytes[s..end]).into_owned()
}

/// ` dot ` spelled out at `i` (which is a space).
fn word_dot_at(t: &[u8], i: usize) -> bool {
    at(t, i) == Some(b' ')
        && t.get(i + 1..i + 4).is_some_and(|w| word_is(w, "dot"))
        && at(t, i + 4) == Some(b' ')
}

/// The name after ` at ` must be spelled with ` dot `: `example dot com`.
fn word_dotted_name_follows(t: &[u8], mut j: usize) -> bool {
    let mut dots = 0;
    loop {
        let s = j;
        while j < t.len() && is_label(t[j]) {
            j += 1;
        }
        if j == s {
            return false;
        }
        if word_dot_at(t, j) && alnum_at(t, j + 5) {
            dots += 1;
            j += 5;
        } else {
            return dots > 0;
        }
    }
}

/// Any other device at `i`.
fn other_device(t: &[u8], i: usize, clean: &Clean) -> Option<Device> {
    let prev = clean.last();
    let prev_label = prev.is_some_and(is_label);
    let dev = |out: &'static [u8], len: usize, sub: Sub| {
        Some(Device {
            out,
            len,
            sub,
            eat_space_before: false,
        })
    };
    match t[i] {
        b'[' if prev_label && at(t, i + 1) == Some(b'.') && alnum_at(t, i + 2) => {
            dev(b".", 2, Sub::Device)
        }
        b'.' if prev_label && at(t, i + 1) == Some(b']') && alnum_at(t, i + 2) => {
            dev(b".", 2, Sub::Device)
        }
        b'\\'
            if at(t, i + 1) == Some(b'/')
                && prev.is_some_and(|b| is_label(b) || b == b':' || b == b'/') =>
        {
            dev(b"/", 2, Sub::Escape)
        }
        b'\\' if prev_label && at(t, i + 1) == Some(b'.') && alnum_at(t, i + 2) => {
            dev(b".", 2, Sub::Device)
        }
        b'_' if prev.is_some_and(|b| b.is_ascii_alphanumeric())
            && t.get(i..i + 5)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"_dot_"))
            && alnum_at(t, i + 5) =>
        {
            dev(b".", 5, Sub::Device)
        }
        b' ' if prev.is_some_and(|b| b.is_ascii_alphanumeric())
            && word_dot_at(t, i)
            && alnum_at(t, i + 5) =>
        {
            dev(b".", 5, Sub::WordDot)
        }
        b' ' if prev.is_some_and(|b| is_local(b) && b != b'.')
            && t.get(i + 1..i + 3).is_some_and(|w| word_is(w, "at"))
            && at(t, i + 3) == Some(b' ')
            && alnum_at(t, i + 4)
            && word_dotted_name_follows(t, i + 4)
            && !is_stop(&word_before(&clean.bytes, false)) =>
        {
            dev(b"@", 4, Sub::WordAt)
        }
        _ => None,
    }
}

/// Length of an ideographic / full-width / half-width full stop at `i`.
fn wide_dot_len(t: &[u8], i: usize) -> Option<usize> {
    const DOTS: [&[u8]; 3] = [
        "\u{3002}".as_bytes(),
        "\u{FF0E}".as_bytes(),
        "\u{FF61}".as_bytes(),
    ];
    DOTS.iter()
        .find(|d| t.get(i..i + d.len()) == Some(**d))
        .map(|d| d.len())
}

/// First pass: the clean copy of `t`.
fn clean(t: &[u8]) -> Clean {
    let mut c = Clean::default();
    let mut i = 0;
    while i < t.len() {
        let b = t[i];
        if b >= 0x80 {
            if let Some(len) = wide_dot_len(t, i) {
                if c.last().is_some_and(|p| p.is_ascii_alphanumeric()) && alnum_at(t, i + len) {
                    c.emit(b".", i, i + len, Sub::Device);
                    i += len;
                    continue;
                }
            }
            c.push(b, i, i + 1, Sub::Copy);
            i += 1;
            continue;
        }
        let dev = match b {
            b'h' | b'H' | b'f' | b'F' => scheme_device(t, i),
            b'[' | b'(' | b'{' => bracket_device(t, i, &c).or_else(|| other_device(t, i, &c)),
            _ => other_device(t, i, &c),
        };
        match dev {
            Some(d) => {
                let mut from = i;
                if d.eat_space_before {
                    c.pop();
                    from = i - 1;
                }
                c.emit(d.out, from, i + d.len, d.sub);
                i += d.len;
            }
            None => {
                c.push(b, i, i + 1, Sub::Copy);
                i += 1;
            }
        }
    }
    c
}

/// Second pass: a candidate in clean coordinates.
struct Found {
    kind: Kind,
    value: String,
    s: usize,
    e: usize,
}

/// Clean ranges already claimed by an indicator: disjoint, keyed by start,
/// so an overlap test is one look-up (texts may hold millions of indicators).
#[derive(Default)]
struct Taken(BTreeMap<usize, usize>);

impl Taken {
    fn overlaps(&self, s: usize, e: usize) -> bool {
        self.0
            .range(..e)
            .next_back()
            .is_some_and(|(_, &end)| end > s)
    }
    /// Keeps `f` unless an earlier, stronger indicator holds part of it.
    fn add(&mut self, out: &mut Vec<Found>, f: Found) {
        if !self.overlaps(f.s, f.e) {
            self.0.insert(f.s, f.e);
            out.push(f);
        }
    }
}

fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}

const SCHEMES: [&str; 7] = ["http", "https", "ftp", "ftps", "sftp", "ws", "wss"];

fn url_char(b: u8) -> bool {
    b > 0x20
        && b < 0x7f
        && !matches!(
            b,
            b'<' | b'>' | b'"' | b'`' | b'{' | b'}' | b'|' | b'\\' | b'^'
        )
}

/// Trims trailing punctuation that belongs to the sentence, not the URL:
/// `.,;:!?'*` and a `)` or `]` that closes nothing inside the URL.
fn trim_url_end(c: &[u8], s: usize, mut e: usize) -> usize {
    let count = |x: u8| c[s..e].iter().filter(|&&b| b == x).count();
    let (open_p, mut close_p) = (count(b'('), count(b')'));
    let (open_b, mut close_b) = (count(b'['), count(b']'));
    while e > s {
        let drop = match c[e - 1] {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'*' => true,
            b')' => open_p < close_p,
            b']' => open_b < close_b,
            _ => false,
        };
        if !drop {
            break;
        }
        match c[e - 1] {
            b')' => close_p -= 1,
            b']' => close_b -= 1,
            _ => {}
        }
        e -= 1;
    }
    e
}

fn find_urls(c: &Clean, taken: &mut Taken, out: &mut Vec<Found>) {
    let b = &c.bytes;
    let mut i = 0;
    while i + 3 <= b.len() {
        if &b[i..i + 3] != b"://" {
            i += 1;
            continue;
        }
        let p = i;
        i += 3;
        let mut s = p;
        while s > 0 && b[s - 1].is_ascii_alphanumeric() {
            s -= 1;
        }
        let scheme = ascii(&b[s..p]).to_ascii_lowercase();
        if !SCHEMES.contains(&scheme.as_str()) {
            continue;
        }
        let mut e = p + 3;
        while e < b.len() && url_char(b[e]) {
            e += 1;
        }
        // Whether or not it is a valid URL, its bytes are not scanned again:
        // that keeps `http://[http://[http://[…` linear.
        i = e.max(i);
        let e = trim_url_end(b, s, e);
        if let Ok(v) = normalise::url(ascii(&b[s..e])) {
            taken.add(
                out,
                Found {
                    kind: Kind::Url,
                    value: v,
                    s,
                    e,
                },
            );
        }
    }
}

/// A host name in clean bytes `s..e`: labels valid, TLD known.
fn valid_host(c: &Clean, s: usize, e: usize) -> Option<String> {
    let name = ascii(&c.bytes[s..e]);
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return None;
    }
    let tld = labels.last()?;
    if !tld::is_known(tld) {
        return None;
    }
    let v = normalise::domain(name).ok()?;
    if c.sub[s..e].contains(&Sub::WordDot) && (is_stop(labels[0]) || is_stop(tld)) {
        return None;
    }
    Some(v)
}

fn find_emails(c: &Clean, taken: &mut Taken, out: &mut Vec<Found>) {
    let b = &c.bytes;
    for a in 0..b.len() {
        if b[a] != b'@' || taken.overlaps(a, a + 1) {
            continue;
        }
        let mut s = a;
        while s > 0 && is_local(b[s - 1]) {
            s -= 1;
        }
        while s < a && b[s] == b'.' {
            s += 1;
        }
        let mut e = a + 1;
        while e < b.len() && (is_label(b[e]) || b[e] == b'.') {
            e += 1;
        }
        while e > a + 1 && matches!(b[e - 1], b'.' | b'-' | b'_') {
            e -= 1;
        }
        if s == a || e == a + 1 {
            continue;
        }
        if valid_host(c, a + 1, e).is_none() {
            continue;
        }
        if let Ok(v) = normalise::email(ascii(&b[s..e])) {
            taken.add(
                out,
                Found {
                    kind: Kind::Email,
                    value: v,
                    s,
                    e,
                },
            );
        }
    }
}

fn find_ipv6(c: &Clean, taken: &mut Taken, out: &mut Vec<Found>) {
    let b = &c.bytes;
    let v6 = |x: u8| x.is_ascii_hexdigit() || x == b':' || x == b'.';
    let mut i = 0;
    while i < b.len() {
        if !v6(b[i]) || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || v6(b[i - 1]))) {
            i += 1;
            continue;
        }
        let s = i;
        let mut e = i;
        while e < b.len() && v6(b[e]) {
            e += 1;
        }
        i = e;
        if e < b.len() && b[e].is_ascii_alphanumeric() {
            continue;
        }
        let mut end = e;
        while end > s && b[end - 1] == b'.' {
            end -= 1;
        }
        if end > s + 1 && b[end - 1] == b':' && b[end - 2] != b':' {
            end -= 1;
        }
        let cand = ascii(&b[s..end]);
        // A real address has digits; "a:b::c:d" in prose does not.
        let digits = cand.bytes().any(|x| x.is_ascii_digit());
        if !digits || cand.bytes().filter(|&x| x == b':').count() < 2 || taken.overlaps(s, end) {
            continue;
        }
        if let Ok(a) = cand.parse::<Ipv6Addr>() {
            taken.add(
                out,
                Found {
                    kind: Kind::Ip,
                    value: a.to_string(),
                    s,
                    e: end,
                },
            );
        }
    }
}

fn find_ipv4(c: &Clean, taken: &mut Taken, out: &mut Vec<Found>) {
    let b = &c.bytes;
    let v4 = |x: u8| x.is_ascii_digit() || x == b'.';
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit()
            || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'))
        {
            i += 1;
            continue;
        }
        let s = i;
        let mut e = i;
        while e < b.len() && v4(b[e]) {
            e += 1;
        }
        i = e;
        if e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'_') {
            continue;
        }
        let mut end = e;
        while end > s && b[end - 1] == b'.' {
            end -= 1;
        }
        if taken.overlaps(s, end) {
            continue;
        }
        if let Some(a) = parse_ipv4(ascii(&b[s..end])) {
            taken.add(
                out,
                Found {
                    kind: Kind::Ip,
                    value: a.to_string(),
                    s,
                    e: end,
                },
            );
        }
    }
}

fn find_domains(c: &Clean, taken: &mut Taken, out: &mut Vec<Found>) {
    let b = &c.bytes;
    let hc = |x: u8| is_label(x) || x == b'.';
    let mut i = 0;
    while i < b.len() {
        if !hc(b[i]) || (i > 0 && hc(b[i - 1])) {
            i += 1;
            continue;
        }
        let run_start = i;
        let mut e = i;
        while e < b.len() && hc(b[e]) {
            e += 1;
        }
        i = e;
        let before = run_start.checked_sub(1).map(|k| b[k]);
        let after = b.get(e).copied();
        // After `/` is a path (`/tmp/x.sh`), unless it is `//` (`meow://host`).
        let authority = run_start >= 2 && &b[run_start - 2..run_start] == b"//";
        let path = matches!(before, Some(b'/') | Some(b'\\')) && !authority;
        if path || before == Some(b'@') || after == Some(b'@') {
            continue;
        }
        let mut s = run_start;
        while s < e && matches!(b[s], b'.' | b'-') {
            s += 1;
        }
        let mut end = e;
        while end > s && matches!(b[end - 1], b'.' | b'-' | b'_') {
            end -= 1;
        }
        if s >= end || taken.overlaps(s, end) {
            continue;
        }
        let Some(v) = valid_host(c, s, end) else {
            continue;
        };
        let defanged = c.sub[s..end].iter().any(|&x| is_device(x));
        if !defanged {
            let name = ascii(&b[s..end]);
            let labels: Vec<&str> = name.split('.').collect();
            let tld = labels.last().copied().unwrap_or("");
            let mixed = tld.bytes().any(|x| x.is_ascii_uppercase())
                && tld.bytes().any(|x| x.is_ascii_lowercase());
            if mixed || (labels.len() == 2 && tld::is_file_like(tld)) || after == Some(b'(') {
                continue;
            }
        }
        taken.add(
            out,
            Found {
                kind: Kind::Domain,
                value: v,
                s,
                e: end,
            },
        );
    }
}

/// Finds every URL, domain, IP address and e-mail address in `text`,
/// defanged or not, in order of position (see the module docs for the rules).
/// Repeated indicators are all returned; use [`crate::dedup`] to fold them.
///
/// The text is read line by line (no device or indicator spans a line
/// break), so memory follows the longest line, not the text. A line longer
/// than [`MAX_LINE`] is read in windows of that size; an indicator cut by a
/// window edge is missed.
pub fn refang(text: &str) -> Vec<Indicator> {
    let mut out = Vec::new();
    let mut base = 0;
    for line in text.split_inclusive('\n') {
        let mut start = 0;
        while start < line.len() {
            let mut end = (start + MAX_LINE).min(line.len());
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            scan(&line.as_bytes()[start..end], base + start, &mut out);
            start = end;
        }
        base += line.len();
    }
    out.sort_by(|a, b| a.span.cmp(&b.span).then(a.kind.cmp(&b.kind)));
    out
}

/// Both passes over one line (`offset`: its position in the whole text).
fn scan(line: &[u8], offset: usize, out: &mut Vec<Indicator>) {
    let c = clean(line);
    let mut found = Vec::new();
    let mut taken = Taken::default();
    let steps: [fn(&Clean, &mut Taken, &mut Vec<Found>); 5] =
        [find_urls, find_emails, find_ipv6, find_ipv4, find_domains];
    for step in steps {
        step(&c, &mut taken, &mut found);
    }
    out.extend(found.into_iter().map(|f| Indicator {
        kind: f.kind,
        value: f.value,
        span: (offset + c.start[f.s], offset + c.end[f.e - 1]),
        defanged: c.sub[f.s..f.e].iter().any(|&x| is_device(x)),
    }));
}

/// Writes an indicator defanged for a report: `hxxps://example[.]com/path`,
/// `1.2.3[.]4`, `2001[:]db8[:][:]1`, `user[@]example[.]com`, `example[.]com`.
/// Only the scheme and the host are altered, so [`refang`] gives the value back.
pub fn defang(kind: Kind, value: &str) -> String {
    match kind {
        Kind::Domain => value.replace('.', "[.]"),
        Kind::Ip => defang_ip(value),
        Kind::Email => match value.rsplit_once('@') {
            Some((l, d)) => format!("{l}[@]{}", d.replace('.', "[.]")),
            None => value.replace('.', "[.]"),
        },
        Kind::Url => defang_url(value),
    }
}

fn defang_ip(value: &str) -> String {
    if value.contains(':') {
        return value.replace(':', "[:]");
    }
    match value.rfind('.') {
        Some(d) => format!("{}[.]{}", &value[..d], &value[d + 1..]),
        None => value.to_string(),
    }
}

fn defang_url(value: &str) -> String {
    let Some((scheme, rest)) = value.split_once("://") else {
        return value.replace('.', "[.]");
    };
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => "hxxp".to_string(),
        "https" => "hxxps".to_string(),
        "ftp" => "fxp".to_string(),
        _ => scheme.to_string(),
    };
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let (user, hostport) = match authority.rfind('@') {
        Some(a) => (&authority[..=a], &authority[a + 1..]),
        None => ("", authority),
    };
    let host = if hostport.starts_with('[') {
        hostport.replace(':', "[:]")
    } else {
        let (h, p) = match hostport.rfind(':') {
            Some(c) => hostport.split_at(c),
            None => (hostport, ""),
        };
        let h = if parse_ipv4(h).is_some() {
            defang_ip(h)
        } else {
            h.replace('.', "[.]")
        };
        format!("{h}{p}")
    };
    format!("{scheme}://{user}{host}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Indicator {
        let v = refang(text);
        assert_eq!(v.len(), 1, "{text:?} gave {v:?}");
        v.into_iter().next().unwrap()
    }

    #[test]
    fn spans_point_at_the_written_form() {
        let t = "ดูที่ hxxps://evil[.]example[.]com/a?b=1 ครับ";
        let i = one(t);
        assert_eq!(i.kind, Kind::Url);
        assert_eq!(i.value, "https://evil.example.com/a?b=1");
        assert!(i.defanged);
        assert_eq!(&t[i.span.0..i.span.1], "hxxps://evil[.]example[.]com/a?b=1");

        let t = "mail john (at) example (dot) org, thanks";
        let i = one(t);
        assert_eq!(i.value, "john@example.org");
        assert_eq!(&t[i.span.0..i.span.1], "john (at) example (dot) org");

        let t = "plain example.com.";
        let i = one(t);
        assert!(!i.defanged);
        assert_eq!(&t[i.span.0..i.span.1], "example.com");
    }

    #[test]
    fn defang_round_trips() {
        let cases = [
            (
                Kind::Url,
                "https://example.com/path",
                "hxxps://example[.]com/path",
            ),
            (
                Kind::Url,
                "http://1.2.3.4:8080/x",
                "hxxp://1.2.3[.]4:8080/x",
            ),
            (Kind::Ip, "1.2.3.4", "1.2.3[.]4"),
            (Kind::Ip, "2001:db8::1", "2001[:]db8[:][:]1"),
            (Kind::Email, "user@example.com", "user[@]example[.]com"),
            (Kind::Domain, "a.example.co.th", "a[.]example[.]co[.]th"),
        ];
        for (k, v, d) in cases {
            assert_eq!(defang(k, v), d);
            let back = one(d);
            assert_eq!(
                (back.kind, back.value.as_str(), back.defanged),
                (k, v, true),
                "{d}"
            );
        }
        assert_eq!(
            defang(Kind::Url, "http://[2001:db8::1]/"),
            "hxxp://[2001[:]db8[:][:]1]/"
        );
        assert_eq!(
            one("hxxp://[2001[:]db8[:][:]1]/").value,
            "http://[2001:db8::1]/"
        );
    }

    #[test]
    fn garbage_never_panics() {
        let mut x: u32 = 12345;
        for len in 0..400 {
            let mut s = String::new();
            for _ in 0..len {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let pool = [
                    '[', ']', '.', '(', ')', 'd', 'o', 't', ' ', 'a', '@', ':', '/', 'h', 'x', 'p',
                    '1', '9', 'ก', '。', '\\', '_', '{', '}',
                ];
                s.push(pool[(x >> 16) as usize % pool.len()]);
            }
            for i in refang(&s) {
                assert!(i.span.0 < i.span.1 && i.span.1 <= s.len());
                assert!(s.is_char_boundary(i.span.0) && s.is_char_boundary(i.span.1));
            }
        }
    }

    #[test]
    fn adversarial_inputs_stay_linear() {
        // Each would be quadratic (or worse) with a naive scanner; 512 KiB each.
        let n = 512 * 1024;
        let patterns = [
            "http://[",
            "1.2.3.4 ",
            "a@",
            "a at b dot ",
            "(",
            "[.]",
            "a.",
            "x[.",
            " dot ",
            "::",
            "hxxp[:]//",
            "a",
            "\u{3002}a",
        ];
        for p in patterns {
            let text = p.repeat(n / p.len());
            let start = std::time::Instant::now();
            let found = refang(&text);
            let took = start.elapsed();
            assert!(took.as_secs() < 20, "{p:?}: {took:?}");
            for i in &found {
                assert!(i.span.1 <= text.len());
            }
        }
        let many = "1.2.3.4 ".repeat(20_000);
        assert_eq!(refang(&many).len(), 20_000);
        let lines = "evil[.]com\n".repeat(3);
        let spans: Vec<_> = refang(&lines).iter().map(|i| i.span).collect();
        assert_eq!(spans, [(0, 10), (11, 21), (22, 32)]);
    }

    #[test]
    fn defanged_flag() {
        let cases = [
            ("http://evil.com/x", false),
            ("hxxp://evil.com/x", true),
            ("http[:]//evil.com/x", true),
            ("evil.com", false),
            ("evil(dot)com", true),
            ("evil dot com", true),
            ("a@evil.com", false),
            ("a[at]evil.com", true),
            ("1.2.3.4", false),
            ("1.2.3[.]4", true),
            ("2001:db8::1", false),
            ("2001[:]db8::1", true),
            ("http:\\/\\/evil.com\\/x", false),
            ("hxxp:\\/\\/evil.com\\/x", true),
        ];
        for (t, want) in cases {
            assert_eq!(one(t).defanged, want, "{t}");
        }
    }
}

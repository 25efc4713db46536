//! The parts of a record `evtx` rendered as JSON that [`crate::evtx_log`]
//! uses, read straight from the text in one pass: building a tree of the
//! record (even [`crate::json::Json`]'s borrowed one) and walking it cost
//! more than the `evtx` crate's own parsing and rendering.
//!
//! It reads exactly what the tree would give. Anything the tree resolves in
//! a way a single pass cannot (a key repeated in one object, a key with
//! escapes, nesting deeper than serde's limit, an odd shape) makes
//! [`scan`] give `None`, and the caller reads the record through the tree.

use std::borrow::Cow;

use crate::json::Json;

/// What [`scan`] read: the texts of `System`'s members and the leaves of
/// `EventData` and `UserData`.
#[derive(Debug, Default)]
pub(crate) struct Scanned<'a> {
    pub(crate) event_id: Cow<'a, str>,
    pub(crate) provider: Cow<'a, str>,
    pub(crate) computer: Cow<'a, str>,
    pub(crate) channel: Cow<'a, str>,
    pub(crate) user_sid: Cow<'a, str>,
    pub(crate) level: Cow<'a, str>,
    pub(crate) created: Cow<'a, str>,
}

/// Reusable buffers of [`scan`].
#[derive(Debug, Default)]
pub(crate) struct Buffers {
    /// Keys (start, end in the text) of the objects being read, to find a repeated one.
    keys: Vec<(usize, usize)>,
    path: String,
    /// `UserData`'s leaves, put after `EventData`'s.
    user: Vec<(String, String)>,
}

/// serde_json's recursion limit is 128; well below it.
const MAX_DEPTH: u32 = 100;

/// Reads `json` (one rendered record): `System`'s members as
/// `evtx_log::record` wants them, and `EventData`'s then `UserData`'s
/// leaves appended to `leaves` as (`data.<path>`, text). `None` when the
/// record must be read through the tree instead (`leaves` may then hold
/// part of it).
pub(crate) fn scan<'a>(
    json: &'a str,
    bufs: &mut Buffers,
    leaves: &mut Vec<(String, String)>,
) -> Option<Scanned<'a>> {
    bufs.keys.clear();
    bufs.path.clear();
    bufs.user.clear();
    let mut sc = Scan {
        s: json,
        b: json.as_bytes(),
        i: 0,
        depth: 0,
        keys: &mut bufs.keys,
    };
    let mut out = Scanned::default();
    let user = &mut bufs.user;
    let path = &mut bufs.path;
    if sc.peek()? != b'{' {
        return None;
    }
    // A repeated `Event`, `System`, `EventData` or `UserData` is left to
    // the tree; a repeated member of `System` (or `#text`, `#attributes`)
    // keeps its last value here as there.
    let mut seen_event = false;
    sc.object(|sc, k, _| {
        if k != "Event" {
            return sc.skip();
        }
        if std::mem::replace(&mut seen_event, true) {
            return None;
        }
        match sc.peek()? {
            b'n' => sc.lit("null"),
            b'{' => {
                let mut seen = [false; 3];
                sc.object(|sc, k, _| {
                    let i = match k {
                        "System" => 0,
                        "EventData" => 1,
                        "UserData" => 2,
                        _ => return sc.skip(),
                    };
                    if std::mem::replace(&mut seen[i], true) {
                        return None;
                    }
                    match i {
                        0 => match sc.peek()? {
                            b'n' => sc.lit("null"),
                            b'{' => sc.system(&mut out),
                            _ => None,
                        },
                        1 => sc.flatten(path, leaves),
                        _ => sc.flatten(path, user),
                    }
                })
            }
            _ => None,
        }
    })?;
    sc.ws();
    if sc.i != sc.b.len() {
        return None;
    }
    leaves.append(user);
    Some(out)
}

struct Scan<'a, 'k> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    depth: u32,
    keys: &'k mut Vec<(usize, usize)>,
}

impl<'a> Scan<'a, '_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn lit(&mut self, word: &str) -> Option<()> {
        self.ws();
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word.as_bytes()).then(|| self.i = end)
    }

    /// A string, unescaped; its bounds in the text (quotes excluded).
    fn string(&mut self) -> Option<(Cow<'a, str>, usize, usize)> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.i;
        let mut escaped = false;
        loop {
            self.i = special(self.b, self.i);
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.i += 2;
                }
                0..=0x1f => return None,
                _ => self.i += 1,
            }
        }
        let end = self.i;
        self.i += 1;
        let text = if escaped {
            // Escapes are rare: serde_json decodes (and checks) them.
            Cow::Owned(serde_json::from_str::<String>(self.s.get(start - 1..end + 1)?).ok()?)
        } else {
            Cow::Borrowed(self.s.get(start..end)?)
        };
        Some((text, start, end))
    }

    /// A number as `serde_json::Value` displays it.
    fn number(&mut self) -> Option<Cow<'a, str>> {
        self.ws();
        let start = self.i;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
        }
        let tok = self.s.get(start..self.i)?;
        // Digits that fit a u64 display as they are written.
        let plain = !tok.is_empty()
            && tok.len() <= 19
            && tok.bytes().all(|c| c.is_ascii_digit())
            && (tok.len() == 1 || !tok.starts_with('0'));
        if plain {
            return Some(Cow::Borrowed(tok));
        }
        let j: Json = serde_json::from_str(tok).ok()?;
        Some(Cow::Owned(j.scalar()?))
    }

    /// A string, number or boolean as text; `None` for anything else.
    fn scalar(&mut self) -> Option<Cow<'a, str>> {
        match self.peek()? {
            b'"' => self.string().map(|s| s.0),
            b't' => self.lit("true").map(|_| Cow::Borrowed("true")),
            b'f' => self.lit("false").map(|_| Cow::Borrowed("false")),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// Reads an object, handing each member's key to `member`, which must
    /// read the value. Repeated keys are the caller's to find: only those it
    /// reads can change what the tree would give.
    fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, &str, usize) -> Option<()>,
    ) -> Option<()> {
        self.sequence(b'{', b'}', |sc| {
            let (k, start, _) = sc.string()?;
            let Cow::Borrowed(k) = k else { return None };
            if !sc.eat(b':') {
                return None;
            }
            member(sc, k, start)
        })
    }

    /// Reads `open`, items separated by commas (each read by `each`), `close`.
    fn sequence(
        &mut self,
        open: u8,
        close: u8,
        mut each: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH || !self.eat(open) {
            return None;
        }
        if !self.eat(close) {
            loop {
                each(self)?;
                if self.eat(b',') {
                    continue;
                }
                if self.eat(close) {
                    break;
                }
                return None;
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// Whether `k` (at `start` in the text) is a key of the object whose
    /// keys begin at `base` in `self.keys`; if not, it is noted.
    fn repeated(&mut self, base: usize, k: &str, start: usize) -> bool {
        let key = k.as_bytes();
        if self.keys[base..]
            .iter()
            .any(|&(s, e)| e - s == key.len() && self.b.get(s..e) == Some(key))
        {
            return true;
        }
        self.keys.push((start, start + key.len()));
        false
    }

    fn array(&mut self, mut item: impl FnMut(&mut Self, usize) -> Option<()>) -> Option<()> {
        let mut i = 0;
        self.sequence(b'[', b']', |sc| {
            item(sc, i)?;
            i += 1;
            Some(())
        })
    }

    /// Reads any value, checking it.
    fn skip(&mut self) -> Option<()> {
        match self.peek()? {
            b'{' => self.object(|sc, _, _| sc.skip()),
            b'[' => self.array(|sc, _| sc.skip()),
            b'n' => self.lit("null"),
            _ => self.scalar().map(|_| ()),
        }
    }

    /// A value's text as `evtx_log` takes it: an object's `#text`, an
    /// array's items' joined by spaces, nothing for null.
    fn text(&mut self) -> Option<Cow<'a, str>> {
        match self.peek()? {
            b'{' => self.member_text("#text"),
            b'[' => {
                let mut parts: Vec<Cow<'a, str>> = Vec::new();
                self.array(|sc, _| {
                    parts.push(sc.text()?);
                    Some(())
                })?;
                Some(Cow::Owned(parts.join(" ")))
            }
            b'n' => self.lit("null").map(|_| Cow::Borrowed("")),
            _ => self.scalar(),
        }
    }

    /// The text of attribute `a` (`#attributes.a`) of an element.
    fn attr(&mut self, a: &str) -> Option<Cow<'a, str>> {
        let mut t = Cow::Borrowed("");
        if self.peek()? != b'{' {
            self.skip()?;
            return Some(t);
        }
        self.object(|sc, k, _| {
            if k != "#attributes" {
                return sc.skip();
            }
            // The last `#attributes` is the one the tree keeps.
            t = Cow::Borrowed("");
            if sc.peek()? != b'{' {
                return sc.skip();
            }
            t = sc.member_text(a)?;
            Some(())
        })?;
        Some(t)
    }

    /// The text of member `key` of an object (the last, as in the tree;
    /// empty when there is none).
    fn member_text(&mut self, key: &str) -> Option<Cow<'a, str>> {
        let mut t = Cow::Borrowed("");
        self.object(|sc, k, _| {
            if k == key {
                t = sc.text()?;
                Some(())
            } else {
                sc.skip()
            }
        })?;
        Some(t)
    }

    fn system(&mut self, out: &mut Scanned<'a>) -> Option<()> {
        self.object(|sc, k, _| {
            match k {
                "Provider" => out.provider = sc.attr("Name")?,
                "EventID" => out.event_id = sc.text()?,
                "Level" => out.level = sc.text()?,
                "TimeCreated" => out.created = sc.attr("SystemTime")?,
                "Channel" => out.channel = sc.text()?,
                "Computer" => out.computer = sc.text()?,
                "Security" => out.user_sid = sc.attr("UserID")?,
                _ => sc.skip()?,
            }
            Some(())
        })
    }

    /// Appends the leaves under `path` to `out` as (`data.<path>`, text):
    /// `<Data Name="X">v</Data>` comes through as `X`, an element's text
    /// under its own name, unnamed data as `Data[i]`; attributes are left out.
    fn flatten(&mut self, path: &mut String, out: &mut Vec<(String, String)>) -> Option<()> {
        match self.peek()? {
            b'{' => {
                let base = self.keys.len();
                self.object(|sc, k, start| {
                    // Where a repeated key's leaves go depends on which of its
                    // values the tree keeps: left to the tree.
                    if sc.repeated(base, k, start) {
                        return None;
                    }
                    if k == "#attributes" {
                        return sc.skip();
                    }
                    let len = path.len();
                    if path.is_empty() {
                        path.push_str(k);
                    } else if k != "#text" {
                        path.push('.');
                        path.push_str(k);
                    }
                    let r = sc.flatten(path, out);
                    path.truncate(len);
                    r
                })?;
                self.keys.truncate(base);
                Some(())
            }
            b'[' => self.array(|sc, i| {
                use std::fmt::Write;
                let len = path.len();
                let _ = write!(path, "[{i}]");
                let r = sc.flatten(path, out);
                path.truncate(len);
                r
            }),
            b'n' => self.lit("null"),
            _ => {
                let v = self.scalar()?;
                let mut k = String::with_capacity(5 + path.len());
                k.push_str("data.");
                k.push_str(path);
                out.push((k, v.into_owned()));
                Some(())
            }
        }
    }
}

/// The first position from `i` of a byte that ends a plain run of string
/// text (`"`, `\\` or a control character), or `b.len()`: eight bytes a
/// step, as most strings have no escapes.
fn special(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit set in the lowest byte below `n` (exact for the lowest one).
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH;
    while let Some(chunk) = b.get(i..i + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(bytes);
        let hit = below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1)
            | below(w, 0x20);
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

//! Registry hives (`regf`): our own read-only parser.
//!
//! The hive is read from memory; a transaction log is replayed onto a
//! private copy when the hive says it was not cleanly written (its two
//! sequence numbers differ). Every allocated key is walked from the root,
//! and free cells are scanned for key and value records that were deleted
//! but not yet overwritten. [`events`] turns the keys into timeline events
//! and adds named interpretations (UserAssist, SAM accounts, Office MRUs,
//! shell-item MRU lists and BagMRU).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::bytes::{filetime, filetime_at, i32le, latin1z, slice, u16le, u32le, u64le, utf16z};
use crate::{shellitem, Event, WindowsError};

const BASE: usize = 4096;
const MAX_DEPTH: usize = 512;
const MAX_LIST: usize = 1 << 20;
const MAX_VALUE: usize = 64 << 20;

/// An open hive: its bytes (with any transaction log applied) and how the
/// log was used.
#[derive(Debug, Clone)]
pub struct Hive {
    data: Vec<u8>,
    /// Words about the transaction log: applied, not needed, or unusable.
    pub log_status: String,
    root: u32,
}

/// One key, allocated or recovered from a free cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Path from the root key's children, `\`-separated (root is "").
    pub path: String,
    /// Last-written time.
    pub last_written: Option<Timestamp>,
    /// The values, in stored order.
    pub values: Vec<Value>,
    /// True when found in a free cell (deleted).
    pub deleted: bool,
    /// Offset of the key's cell in the hive file.
    pub offset: usize,
}

/// One value of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// Name ("" for the default value).
    pub name: String,
    /// Registry type (1 = REG_SZ, 3 = REG_BINARY, 4 = REG_DWORD …).
    pub kind: u32,
    /// Raw data.
    pub data: Vec<u8>,
    /// True when found in a free cell (deleted).
    pub deleted: bool,
}

impl Value {
    /// The data as text for string types, hex otherwise (first 64 bytes).
    pub fn display(&self) -> String {
        match self.kind {
            1 | 2 => utf16z(&self.data),
            7 => {
                let units: Vec<u16> = self
                    .data
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16_lossy(&units)
                    .split('\0')
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" | ")
            }
            4 if self.data.len() >= 4 => u32le(&self.data, 0).unwrap_or(0).to_string(),
            11 if self.data.len() >= 8 => u64le(&self.data, 0).unwrap_or(0).to_string(),
            _ => hex::encode(&self.data[..self.data.len().min(64)]),
        }
    }
}

impl Hive {
    /// Opens a hive, replaying the given transaction logs (old `.LOG` with
    /// a dirty vector, or new `.LOG1`/`.LOG2` with `HvLE` entries) when the
    /// hive is dirty.
    pub fn open(data: &[u8], logs: &[Vec<u8>]) -> Result<Hive, String> {
        if data.len() < BASE + 32 || !data.starts_with(b"regf") {
            return Err("not a registry hive (no regf header)".into());
        }
        let mut data = data.to_vec();
        let seq1 = u32le(&data, 4).unwrap_or(0);
        let seq2 = u32le(&data, 8).unwrap_or(0);
        let log_status = if logs.is_empty() {
            "no transaction log".to_string()
        } else if seq1 == seq2 {
            "transaction log not needed: hive cleanly written".to_string()
        } else {
            let mut applied = Vec::new();
            // New-format logs (.LOG1/.LOG2) continue each other: replay the
            // one whose first entry is older first.
            let mut ordered: Vec<&Vec<u8>> = logs.iter().collect();
            ordered.sort_by_key(|l| u32le(l, 512 + 12).unwrap_or(u32::MAX));
            for log in ordered {
                if let Some(n) = apply_log(&mut data, log) {
                    applied.push(n);
                }
            }
            if applied.is_empty() {
                "hive dirty but no transaction log could be applied".to_string()
            } else {
                format!(
                    "transaction log applied ({} page(s))",
                    applied.iter().sum::<usize>()
                )
            }
        };
        let root = u32le(&data, 36).ok_or("no root cell")?;
        Ok(Hive {
            data,
            log_status,
            root,
        })
    }

    /// The hive bytes, with the log applied.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The root key's name as stored.
    pub fn root_name(&self) -> String {
        self.nk(self.root)
            .map(|n| n.name.clone())
            .unwrap_or_default()
    }

    fn cell(&self, off: u32) -> Option<&[u8]> {
        let start = BASE.checked_add(off as usize)?;
        let size = i32le(&self.data, start)?;
        let len = (size.unsigned_abs() as usize).checked_sub(4)?;
        slice(&self.data, start + 4, len)
    }

    fn nk(&self, off: u32) -> Option<Nk> {
        parse_nk(self.cell(off)?)
    }

    /// All allocated keys, depth first, children sorted by name; then the
    /// deleted keys found in free cells.
    pub fn keys(&self) -> Vec<Key> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut by_offset = BTreeMap::new();
        self.walk(
            self.root,
            String::new(),
            0,
            &mut seen,
            &mut out,
            &mut by_offset,
        );
        out.extend(self.deleted(&by_offset, &seen));
        out
    }

    fn walk(
        &self,
        off: u32,
        path: String,
        depth: usize,
        seen: &mut BTreeSet<u32>,
        out: &mut Vec<Key>,
        by_offset: &mut BTreeMap<u32, String>,
    ) {
        if depth > MAX_DEPTH || !seen.insert(off) {
            return;
        }
        let Some(nk) = self.nk(off) else { return };
        let values = self.values(&nk);
        by_offset.insert(off, path.clone());
        out.push(Key {
            path: path.clone(),
            last_written: filetime(nk.last_written),
            values,
            deleted: false,
            offset: BASE + off as usize,
        });
        let mut children: Vec<(String, u32)> = Vec::new();
        let mut lists = BTreeSet::new();
        self.subkeys(nk.subkeys, 0, &mut children, &mut lists);
        children.sort();
        for (name, child) in children {
            let p = if path.is_empty() {
                name
            } else {
                format!("{path}\\{name}")
            };
            self.walk(child, p, depth + 1, seen, out, by_offset);
        }
    }

    fn subkeys(
        &self,
        list: u32,
        depth: usize,
        out: &mut Vec<(String, u32)>,
        lists: &mut BTreeSet<u32>,
    ) {
        if list == u32::MAX || depth > 4 || !lists.insert(list) || out.len() > MAX_LIST {
            return;
        }
        let Some(c) = self.cell(list) else { return };
        let count = u16le(c, 2).unwrap_or(0) as usize;
        match c.get(..2) {
            Some(b"lf") | Some(b"lh") => {
                for i in 0..count {
                    if let Some(o) = u32le(c, 4 + 8 * i) {
                        if let Some(nk) = self.nk(o) {
                            out.push((nk.name, o));
                        }
                    }
                }
            }
            Some(b"li") => {
                for i in 0..count {
                    if let Some(o) = u32le(c, 4 + 4 * i) {
                        if let Some(nk) = self.nk(o) {
                            out.push((nk.name, o));
                        }
                    }
                }
            }
            Some(b"ri") => {
                for i in 0..count {
                    if let Some(o) = u32le(c, 4 + 4 * i) {
                        self.subkeys(o, depth + 1, out, lists);
                    }
                }
            }
            _ => {}
        }
    }

    fn values(&self, nk: &Nk) -> Vec<Value> {
        let mut out = Vec::new();
        if nk.value_count == 0 || nk.values == u32::MAX {
            return out;
        }
        let Some(list) = self.cell(nk.values) else {
            return out;
        };
        for i in 0..(nk.value_count as usize).min(list.len() / 4) {
            let Some(o) = u32le(list, 4 * i) else { break };
            if let Some(v) = self.cell(o).and_then(|c| self.parse_vk(c, false)) {
                out.push(v);
            }
        }
        out
    }

    fn parse_vk(&self, c: &[u8], deleted: bool) -> Option<Value> {
        if c.get(..2)? != b"vk" {
            return None;
        }
        let name_len = u16le(c, 2)? as usize;
        let size_raw = u32le(c, 4)?;
        let data_off = u32le(c, 8)?;
        let kind = u32le(c, 12)?;
        let flags = u16le(c, 16)?;
        let raw_name = slice(c, 20, name_len)?;
        let name = if flags & 1 != 0 {
            latin1z(raw_name)
        } else {
            utf16z(raw_name)
        };
        let inline = size_raw & 0x8000_0000 != 0;
        let size = (size_raw & 0x7fff_ffff) as usize;
        let data = if inline {
            data_off.to_le_bytes()[..size.min(4)].to_vec()
        } else if size == 0 || size > MAX_VALUE {
            Vec::new()
        } else {
            self.value_data(data_off, size).unwrap_or_default()
        };
        Some(Value {
            name,
            kind,
            data,
            deleted,
        })
    }

    fn value_data(&self, off: u32, size: usize) -> Option<Vec<u8>> {
        let c = self.cell(off)?;
        if c.get(..2) == Some(b"db") && size > 16344 {
            let count = u16le(c, 2)? as usize;
            let list = self.cell(u32le(c, 4)?)?;
            let mut out = Vec::with_capacity(size.min(1 << 20));
            for i in 0..count {
                let seg = self.cell(u32le(list, 4 * i)?)?;
                let take = (size - out.len()).min(seg.len()).min(16344);
                out.extend_from_slice(&seg[..take]);
                if out.len() >= size {
                    break;
                }
            }
            return Some(out);
        }
        Some(c.get(..size.min(c.len()))?.to_vec())
    }

    /// Keys and values in free cells: a freed cell keeps its record until
    /// the space is reused, so a key deleted by the user (or by a cleaner)
    /// is often still there. Cells merge when freed, so each free cell is
    /// searched at every 8-byte boundary.
    fn deleted(&self, live: &BTreeMap<u32, String>, seen: &BTreeSet<u32>) -> Vec<Key> {
        let mut out = Vec::new();
        let end = BASE
            .saturating_add(u32le(&self.data, 40).unwrap_or(0) as usize)
            .min(self.data.len());
        let mut bin = BASE;
        let mut found: BTreeMap<u32, Nk> = BTreeMap::new();
        let mut free_vk: Vec<(u32, Value)> = Vec::new();
        while bin + 32 <= end {
            if self.data.get(bin..bin + 4) != Some(b"hbin") {
                break;
            }
            let bin_size = u32le(&self.data, bin + 8).unwrap_or(0) as usize;
            if bin_size < 32 || bin + bin_size > end {
                break;
            }
            let mut p = bin + 32;
            while p + 4 <= bin + bin_size {
                let size = i32le(&self.data, p).unwrap_or(0);
                let len = size.unsigned_abs() as usize;
                if len < 8 || p + len > bin + bin_size {
                    break;
                }
                if size > 0 {
                    let mut q = p;
                    while q + 8 + 76 <= p + len {
                        let rel = (q - BASE) as u32;
                        let rec = &self.data[q + 4..p + len];
                        if rec.starts_with(b"nk") && !seen.contains(&rel) {
                            if let Some(nk) = parse_nk(rec) {
                                found.insert(rel, nk);
                            }
                        } else if rec.starts_with(b"vk") {
                            if let Some(v) = self.parse_vk(rec, true) {
                                free_vk.push((rel, v));
                            }
                        }
                        q += 8;
                    }
                }
                p += len;
            }
            bin += bin_size;
        }
        // Paths: walk up parents through live or other deleted keys.
        for (&off, nk) in &found {
            let mut names = vec![nk.name.clone()];
            let mut parent = nk.parent;
            let mut prefix = String::from("<unknown parent>");
            for _ in 0..MAX_DEPTH {
                if let Some(p) = live.get(&parent) {
                    prefix = p.clone();
                    break;
                }
                match found.get(&parent) {
                    Some(pn) if parent != off => {
                        names.push(pn.name.clone());
                        parent = pn.parent;
                    }
                    _ => break,
                }
            }
            names.reverse();
            let tail = names.join("\\");
            let path = if prefix.is_empty() {
                tail
            } else {
                format!("{prefix}\\{tail}")
            };
            let mut values = self.values(nk);
            for v in &mut values {
                v.deleted = true;
            }
            out.push(Key {
                path,
                last_written: filetime(nk.last_written),
                values,
                deleted: true,
                offset: BASE + off as usize,
            });
        }
        if !free_vk.is_empty() {
            out.push(Key {
                path: "<deleted values with unknown key>".into(),
                last_written: None,
                values: free_vk.into_iter().map(|(_, v)| v).collect(),
                deleted: true,
                offset: 0,
            });
        }
        out
    }
}

#[derive(Debug, Clone)]
struct Nk {
    last_written: u64,
    parent: u32,
    subkeys: u32,
    value_count: u32,
    values: u32,
    name: String,
}

fn parse_nk(c: &[u8]) -> Option<Nk> {
    if c.get(..2)? != b"nk" {
        return None;
    }
    let flags = u16le(c, 2)?;
    let name_len = u16le(c, 72)? as usize;
    let raw = slice(c, 76, name_len)?;
    let name = if flags & 0x20 != 0 {
        latin1z(raw)
    } else {
        utf16z(raw)
    };
    Some(Nk {
        last_written: u64le(c, 4)?,
        parent: u32le(c, 16)?,
        subkeys: if u32le(c, 20)? == 0 {
            u32::MAX
        } else {
            u32le(c, 28)?
        },
        value_count: u32le(c, 36)?,
        values: u32le(c, 40)?,
        name,
    })
}

/// Replays one log onto `hive`; returns the number of pages written.
fn apply_log(hive: &mut Vec<u8>, log: &[u8]) -> Option<usize> {
    if !log.starts_with(b"regf") {
        return None;
    }
    if log.get(512..516) == Some(b"HvLE") {
        return apply_new_log(hive, log);
    }
    if log.get(512..516) == Some(b"DIRT") {
        return apply_old_log(hive, log);
    }
    None
}

/// Windows 8.1+ log: entries of (offset, size) dirty pages, applied in
/// sequence order starting at the hive's secondary sequence number.
fn apply_new_log(hive: &mut Vec<u8>, log: &[u8]) -> Option<usize> {
    let mut expect = u32le(hive, 8)?;
    let mut p = 512;
    let mut pages = 0;
    let mut last_seq = None;
    while log.get(p..p + 4) == Some(b"HvLE") {
        let size = u32le(log, p + 4)? as usize;
        let seq = u32le(log, p + 12)?;
        let bins_size = u32le(log, p + 16)?;
        let count = u32le(log, p + 20)? as usize;
        if size < 40 || p + size > log.len() || !size.is_multiple_of(512) {
            break;
        }
        if seq < expect {
            p += size;
            continue;
        }
        if seq != expect {
            break;
        }
        let refs = 40;
        let mut data_at = p + refs + count.checked_mul(8)?;
        for i in 0..count {
            let off = u32le(log, p + refs + 8 * i)? as usize;
            let len = u32le(log, p + refs + 8 * i + 4)? as usize;
            let src = slice(log, data_at, len)?;
            let dst = BASE.checked_add(off)?;
            let need = dst.checked_add(len)?;
            if need > hive.len() {
                if need > hive.len().saturating_mul(4).max(1 << 30) {
                    return None;
                }
                hive.resize(need, 0);
            }
            hive[dst..need].copy_from_slice(src);
            data_at += len;
            pages += 1;
        }
        let new_len = BASE.checked_add(bins_size as usize)?;
        if new_len > hive.len() && new_len <= hive.len().saturating_mul(4) {
            hive.resize(new_len, 0);
        }
        hive[40..44].copy_from_slice(&bins_size.to_le_bytes());
        last_seq = Some(seq);
        expect = seq.wrapping_add(1);
        p += size;
    }
    let seq = last_seq?;
    hive[4..8].copy_from_slice(&seq.wrapping_add(1).to_le_bytes());
    hive[8..12].copy_from_slice(&seq.wrapping_add(1).to_le_bytes());
    Some(pages)
}

/// Pre-8.1 log: a `DIRT` bitmap (one bit per 512-byte page of the hive
/// bins) followed by the dirty pages in bitmap order.
fn apply_old_log(hive: &mut [u8], log: &[u8]) -> Option<usize> {
    let bins = u32le(log, 40)? as usize;
    let bits = bins / 512;
    let bitmap = slice(log, 516, bits.div_ceil(8))?;
    let mut data_at = (516 + bitmap.len()).div_ceil(512) * 512;
    let mut pages = 0;
    for i in 0..bits {
        if bitmap[i / 8] & (1 << (i % 8)) == 0 {
            continue;
        }
        let src = slice(log, data_at, 512)?;
        let dst = BASE + i * 512;
        if dst + 512 > hive.len() {
            return None;
        }
        hive[dst..dst + 512].copy_from_slice(src);
        data_at += 512;
        pages += 1;
    }
    let seq = u32le(hive, 4)?;
    hive[8..12].copy_from_slice(&seq.to_le_bytes());
    Some(pages)
}

/// The transaction logs beside a hive: `NAME.LOG`, `NAME.LOG1`,
/// `NAME.LOG2`, matched without regard to case, sorted by name.
pub fn sibling_logs(hive: &Path) -> Vec<PathBuf> {
    let Some(name) = hive.file_name().map(|n| n.to_string_lossy().to_lowercase()) else {
        return Vec::new();
    };
    let dir = hive.parent().unwrap_or(Path::new("."));
    let wanted: Vec<String> = ["log", "log1", "log2"]
        .iter()
        .map(|e| format!("{name}.{e}"))
        .collect();
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| wanted.contains(&e.file_name().to_string_lossy().to_lowercase()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The conventional root a hive is mounted at, from its file name.
fn mount_point(name: &str) -> String {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_uppercase();
    if base.starts_with("NTUSER") {
        "HKEY_CURRENT_USER".into()
    } else if base.starts_with("USRCLASS") {
        "HKEY_CURRENT_USER\\Software\\Classes".into()
    } else {
        // SAM, SYSTEM, SOFTWARE, SECURITY and anything else.
        format!("HKEY_LOCAL_MACHINE\\{base}")
    }
}

fn full_path(mount: &str, p: &str) -> String {
    if p.is_empty() {
        mount.to_string()
    } else {
        format!("{mount}\\{p}")
    }
}

/// Reads a hive and returns its events: one per key (last written), one
/// per deleted key, and the named interpretations.
pub(crate) fn events(
    name: &str,
    data: &[u8],
    logs: Option<&[Vec<u8>]>,
) -> Result<Vec<Event>, WindowsError> {
    let hive = Hive::open(data, logs.unwrap_or(&[])).map_err(|e| WindowsError::corrupt(name, e))?;
    let mount = mount_point(name);
    let keys = hive.keys();
    let mut out = Vec::new();
    for k in &keys {
        let path = full_path(&mount, &k.path);
        let mut e = if k.deleted && k.offset == 0 {
            Event::new(
                None,
                "",
                "registry:values-deleted",
                format!(
                    "{} deleted value(s) recovered from free space; their key is unknown",
                    k.values.len()
                ),
                name,
                "free cells",
            )
        } else if k.deleted {
            Event::new(
                k.last_written,
                "written",
                "registry:key-deleted",
                format!(
                    "deleted key {path} recovered from free space ({} value(s))",
                    k.values.len()
                ),
                name,
                format!("{path} @ {:#x}", k.offset),
            )
        } else {
            Event::new(
                k.last_written,
                "written",
                "registry:key-written",
                format!("key {path} last written ({} value(s))", k.values.len()),
                name,
                path.clone(),
            )
        };
        e = e.field("key_path", &path);
        for v in k.values.iter().take(64) {
            let n = if v.name.is_empty() {
                "(default)"
            } else {
                &v.name
            };
            let mut s = v.display();
            if s.len() > 256 {
                let mut cut = 256;
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                s.truncate(cut);
            }
            std::sync::Arc::make_mut(&mut e.fields).insert(format!("value.{n}"), s);
        }
        if k.path.is_empty() {
            e = e.field("transaction_log", &hive.log_status);
        }
        out.push(e);
        if !k.deleted {
            interpret(name, &mount, k, &mut out);
        }
    }
    bagmru(name, &mount, &keys, &mut out);
    Ok(out)
}

fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='m' | 'A'..='M' => (c as u8 + 13) as char,
            'n'..='z' | 'N'..='Z' => (c as u8 - 13) as char,
            _ => c,
        })
        .collect()
}

fn interpret(name: &str, mount: &str, k: &Key, out: &mut Vec<Event>) {
    let path = full_path(mount, &k.path);
    let lower = k.path.to_ascii_lowercase();
    if lower.contains("\\userassist\\") && lower.ends_with("\\count") {
        for v in &k.values {
            let (count, focus_count, focus_ms, last) = match v.data.len() {
                16 => {
                    let c = u32le(&v.data, 4).unwrap_or(0);
                    (
                        if c > 5 { c - 5 } else { c },
                        None,
                        None,
                        filetime_at(&v.data, 8),
                    )
                }
                72 => (
                    u32le(&v.data, 4).unwrap_or(0),
                    u32le(&v.data, 8),
                    u32le(&v.data, 12),
                    filetime_at(&v.data, 60),
                ),
                _ => continue,
            };
            let program = rot13(&v.name);
            let mut e = Event::new(
                last,
                if last.is_some() { "last run" } else { "" },
                "registry:userassist",
                format!("UserAssist: {program} run {count} time(s)"),
                name,
                format!("{path}\\{}", v.name),
            )
            .field("program", &program)
            .field("run_count", count);
            if let Some(f) = focus_count {
                e = e.field("focus_count", f);
            }
            if let Some(f) = focus_ms {
                e = e.field("focus_ms", f);
            }
            out.push(e);
        }
    }
    if (lower.ends_with("\\file mru") || lower.ends_with("\\place mru"))
        && lower.contains("\\office\\")
    {
        for v in &k.values {
            let s = v.display();
            let Some(t) = s.find("[T") else { continue };
            let Some(hexs) = s.get(t + 2..t + 18) else {
                continue;
            };
            let Ok(ft) = u64::from_str_radix(hexs, 16) else {
                continue;
            };
            let file = s.rsplit('*').next().unwrap_or("").to_string();
            out.push(
                Event::new(
                    filetime(ft),
                    "last opened",
                    "registry:office-mru",
                    format!("Office recently used: {file}"),
                    name,
                    format!("{path}\\{}", v.name),
                )
                .field("path", &file),
            );
        }
    }
    if lower.starts_with("sam\\domains\\account\\users\\")
        && k.path.matches('\\').count() == 4
        && !lower.ends_with("\\names")
    {
        sam_user(name, &path, k, out);
    }
    // Keys whose last-written time has a meaning of its own.
    let parent = lower.rsplit_once('\\').map(|(p, _)| p).unwrap_or("");
    let named = if parent.ends_with("\\explorer\\mountpoints2") {
        Some((
            "registry:mountpoint",
            "volume or share mounted by this user",
        ))
    } else if parent.ends_with("\\internet settings\\zones")
        || parent.ends_with("\\internet settings\\lockdown_zones")
    {
        Some(("registry:ie-zone", "Internet Explorer zone settings"))
    } else if lower.contains("\\bagmru") {
        Some((
            "registry:bagmru",
            "folder view remembered by Explorer (BagMRU)",
        ))
    } else if lower.ends_with("\\explorer\\startpage") || lower.ends_with("\\explorer\\startpage2")
    {
        Some(("registry:programs-cache", "Start menu programs cache"))
    } else {
        None
    };
    if let Some((kind, words)) = named {
        out.push(
            Event::new(
                k.last_written,
                "written",
                kind,
                format!("{words}: {path} last written"),
                name,
                path.clone(),
            )
            .field("key_path", &path),
        );
    }
    if lower.ends_with("\\explorer\\startpage") || lower.ends_with("\\explorer\\startpage2") {
        for v in &k.values {
            if v.name.to_ascii_lowercase().starts_with("programscache") {
                let origin = format!("{path}\\{}", v.name);
                shellitem::carve_events(name, &origin, &v.data, out);
            }
        }
    }
    named_lists(name, &path, &lower, k, out);
    // Shell-item MRU lists.
    let list_kind = if lower.contains("\\comdlg32\\opensavepidlmru") {
        Some(false)
    } else if lower.contains("\\comdlg32\\lastvisitedpidlmru") {
        Some(true)
    } else {
        None
    };
    if let Some(with_string) = list_kind {
        for v in &k.values {
            if v.name.eq_ignore_ascii_case("MRUListEx") || v.kind != 3 {
                continue;
            }
            let mut data: &[u8] = &v.data;
            if with_string {
                // A NUL-terminated UTF-16 program name comes first.
                let mut p = 0;
                while p + 1 < data.len() && (data[p] != 0 || data[p + 1] != 0) {
                    p += 2;
                }
                data = data.get(p + 2..).unwrap_or(&[]);
            }
            let origin = format!("{path}\\{}", v.name);
            shellitem::events_from_list(name, &origin, data, &[], out);
        }
    }
}

fn sam_user(name: &str, path: &str, k: &Key, out: &mut Vec<Event>) {
    let f = k.values.iter().find(|v| v.name == "F").map(|v| &v.data);
    let vv = k.values.iter().find(|v| v.name == "V").map(|v| &v.data);
    let (Some(f), Some(vv)) = (f, vv) else { return };
    let text = |entry: usize| -> String {
        let off = u32le(vv, entry * 12).unwrap_or(0) as usize;
        let len = u32le(vv, entry * 12 + 4).unwrap_or(0) as usize;
        slice(vv, 0xcc + off, len).map(utf16z).unwrap_or_default()
    };
    let user = text(1);
    let full = text(2);
    let comment = text(3);
    let rid = u32le(f, 48).unwrap_or(0);
    let logins = u16le(f, 66).unwrap_or(0);
    let flags = u16le(f, 56).unwrap_or(0);
    let base = Event::new(
        k.last_written,
        "written",
        "sam:account",
        format!("account {user} (RID {rid}), {logins} logon(s)"),
        name,
        path,
    )
    .field("username", &user)
    .field("full_name", &full)
    .field("comment", &comment)
    .field("rid", rid)
    .field("login_count", logins)
    .field("disabled", flags & 1 != 0);
    for (off, desc, kind, words) in [
        (8, "last logon", "sam:last-logon", "last logon of"),
        (
            24,
            "password set",
            "sam:password-set",
            "password last set for",
        ),
        (
            40,
            "last failed logon",
            "sam:failed-logon",
            "last failed logon of",
        ),
        (32, "account expires", "sam:expires", "expiry of"),
    ] {
        if let Some(t) = filetime_at(f, off) {
            let mut e = base.clone();
            e.time = Some(t);
            e.time_desc = desc.into();
            e.kind = kind.into();
            e.description = format!("{words} account {user} (RID {rid})");
            out.push(e);
        }
    }
    out.push(base);
}

/// BagMRU: each numbered value is one shell item; its subkey of the same
/// number holds the children, so paths are built from the parents.
fn bagmru(name: &str, mount: &str, keys: &[Key], out: &mut Vec<Event>) {
    let by_path: BTreeMap<&str, &Key> = keys
        .iter()
        .filter(|k| !k.deleted)
        .map(|k| (k.path.as_str(), k))
        .collect();
    for k in keys.iter().filter(|k| !k.deleted) {
        let lower = k.path.to_ascii_lowercase();
        let Some(i) = lower.find("\\bagmru") else {
            continue;
        };
        let root_len = i + "\\bagmru".len();
        if lower.len() != root_len && lower.as_bytes().get(root_len) != Some(&b'\\') {
            continue;
        }
        // Parent items along the path below the BagMRU root.
        let mut parents: Vec<Vec<u8>> = Vec::new();
        let rel = &k.path[root_len..];
        let mut cur = k.path[..root_len].to_string();
        for part in rel.split('\\').filter(|s| !s.is_empty()) {
            let item = by_path
                .get(cur.as_str())
                .and_then(|pk| pk.values.iter().find(|v| v.name == part))
                .map(|v| v.data.clone())
                .unwrap_or_default();
            parents.push(item);
            cur = format!("{cur}\\{part}");
        }
        for v in &k.values {
            if v.name.parse::<u32>().is_err() {
                continue;
            }
            let origin = format!("{}\\{}", full_path(mount, &k.path), v.name);
            shellitem::events_from_list(name, &origin, &v.data, &parents, out);
        }
    }
}

/// A SYSTEMTIME (16 bytes, as NetworkList stores dates) read as UTC.
fn systemtime(d: &[u8]) -> Option<Timestamp> {
    let f = |i: usize| u16le(d, i * 2);
    let dt = jiff::civil::DateTime::new(
        f(0)? as i16,
        f(1)? as i8,
        f(3)? as i8,
        f(4)? as i8,
        f(5)? as i8,
        f(6)? as i8,
        f(7)? as i32 * 1_000_000,
    )
    .ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

fn key_event(k: &Key, kind: &str, description: String, source: &str, path: &str) -> Event {
    Event::new(k.last_written, "written", kind, description, source, path).field("key_path", path)
}

/// Autostart entries, typed URLs and paths, recent documents, USB storage,
/// mounted devices, the time zone and network profiles.
fn named_lists(name: &str, path: &str, lower: &str, k: &Key, out: &mut Vec<Event>) {
    let listed = |k: &Key| -> Vec<String> {
        k.values
            .iter()
            .filter(|v| {
                !v.name.eq_ignore_ascii_case("MRUList") && !v.name.eq_ignore_ascii_case("MRUListEx")
            })
            .map(|v| {
                let text = if v.kind == 3 {
                    utf16z(&v.data)
                } else {
                    v.display()
                };
                format!(
                    "{}: {text}",
                    if v.name.is_empty() {
                        "(default)"
                    } else {
                        &v.name
                    }
                )
            })
            .collect()
    };
    if lower.ends_with("\\currentversion\\run")
        || lower.ends_with("\\currentversion\\runonce")
        || lower.ends_with("\\currentversion\\policies\\explorer\\run")
    {
        for v in &k.values {
            out.push(
                key_event(
                    k,
                    "registry:autostart",
                    format!("autostart entry {}: {}", v.name, v.display()),
                    name,
                    path,
                )
                .field("entry", &v.name)
                .field("command", v.display()),
            );
        }
    }
    let list_kind = if lower.ends_with("\\internet explorer\\typedurls") {
        Some((
            "registry:typed-urls",
            "addresses typed into Internet Explorer",
        ))
    } else if lower.ends_with("\\explorer\\typedpaths") {
        Some(("registry:typed-paths", "paths typed into Explorer"))
    } else if lower.contains("\\explorer\\recentdocs") {
        Some(("registry:recent-docs", "recently opened documents"))
    } else if lower.contains("\\explorer\\runmru") {
        Some(("registry:run-mru", "commands typed in the Run box"))
    } else if lower == "mounteddevices" {
        Some(("registry:mounted-devices", "volumes mounted on this system"))
    } else {
        None
    };
    if let Some((kind, words)) = list_kind {
        let entries = listed(k);
        if !entries.is_empty() {
            let mut e = key_event(
                k,
                kind,
                format!("{words}: {}", entries.join("; ")),
                name,
                path,
            );
            for (i, s) in entries.iter().enumerate().take(256) {
                e = e.field(&format!("entry_{i:03}"), s);
            }
            out.push(e);
        }
    }
    // USB storage: Enum\USBSTOR\<device>\<serial>, and the install and
    // connection times Windows keeps under its Properties.
    if let Some(i) = lower.find("\\enum\\usbstor\\") {
        let rest: Vec<&str> = k.path[i + "\\enum\\usbstor\\".len()..]
            .split('\\')
            .collect();
        if rest.len() == 2 {
            let friendly = k
                .values
                .iter()
                .find(|v| v.name == "FriendlyName")
                .map(Value::display)
                .unwrap_or_default();
            out.push(
                key_event(
                    k,
                    "registry:usb-storage",
                    format!(
                        "USB storage device {} serial {} ({friendly})",
                        rest[0], rest[1]
                    ),
                    name,
                    path,
                )
                .field("device", rest[0])
                .field("serial", rest[1])
                .field("friendly_name", &friendly),
            );
        }
        if rest.len() >= 5
            && rest[2].eq_ignore_ascii_case("Properties")
            && rest[3].eq_ignore_ascii_case("{83da6326-97a6-4088-9453-a1923f573b29}")
        {
            let what = match rest[4].trim_start_matches('0') {
                "64" => Some(("first installed", "registry:usb-first-install")),
                "65" => Some(("installed", "registry:usb-install")),
                "66" => Some(("last connected", "registry:usb-last-connected")),
                "67" => Some(("last removed", "registry:usb-last-removed")),
                _ => None,
            };
            if let Some((desc, kind)) = what {
                for v in k.values.iter().filter(|v| v.data.len() == 8) {
                    let t = u64le(&v.data, 0).and_then(filetime);
                    out.push(
                        Event::new(
                            t,
                            desc,
                            kind,
                            format!("USB storage device {} serial {} {desc}", rest[0], rest[1]),
                            name,
                            path,
                        )
                        .field("device", rest[0])
                        .field("serial", rest[1]),
                    );
                }
            }
        }
    }
    if lower.ends_with("\\control\\timezoneinformation") {
        let get = |n: &str| {
            k.values
                .iter()
                .find(|v| v.name == n)
                .map(Value::display)
                .unwrap_or_default()
        };
        let zone = [get("TimeZoneKeyName"), get("StandardName")]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_default();
        let bias = k
            .values
            .iter()
            .find(|v| v.name == "Bias")
            .and_then(|v| i32le(&v.data, 0));
        let mut e = key_event(
            k,
            "registry:time-zone",
            format!("time zone {zone}"),
            name,
            path,
        )
        .field("time_zone", &zone);
        if let Some(b) = bias {
            e = e.field("bias_minutes", b);
        }
        out.push(e);
    }
    if lower.contains("\\networklist\\profiles\\") && k.path.matches('\\').count() >= 1 {
        let profile = k
            .values
            .iter()
            .find(|v| v.name == "ProfileName")
            .map(Value::display)
            .unwrap_or_default();
        for (vn, desc, kind) in [
            (
                "DateCreated",
                "first connected",
                "registry:network-first-connected",
            ),
            (
                "DateLastConnected",
                "last connected",
                "registry:network-last-connected",
            ),
        ] {
            if let Some(t) = k
                .values
                .iter()
                .find(|v| v.name == vn)
                .and_then(|v| systemtime(&v.data))
            {
                out.push(
                    Event::new(
                        Some(t),
                        desc,
                        kind,
                        format!("network {profile} {desc} (local time of the machine)"),
                        name,
                        path,
                    )
                    .field("profile", &profile)
                    .field("time_zone", "local time of the machine, shown as UTC"),
                );
            }
        }
    }
}

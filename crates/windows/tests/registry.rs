//! Registry: transaction logs are applied, deleted keys planted in a
//! generated hive are recovered, and the real hive (with its log) gives
//! every key plaso reports.

mod common;

use std::collections::BTreeSet;

use exhibit_windows::{artefacts_from_file, artefacts_from_path, Hive};

/// A minimal hive writer for tests: one 4 KiB hbin of cells.
struct Builder {
    bin: Vec<u8>,
    next: usize,
}

impl Builder {
    fn new() -> Self {
        let mut bin = vec![0u8; 4096];
        bin[..4].copy_from_slice(b"hbin");
        bin[8..12].copy_from_slice(&4096u32.to_le_bytes());
        Builder { bin, next: 32 }
    }

    /// Allocates a cell holding `content`; returns its offset.
    fn cell(&mut self, content: &[u8]) -> u32 {
        let size = (content.len() + 4).div_ceil(8) * 8;
        let at = self.next;
        self.bin[at..at + 4].copy_from_slice(&(-(size as i32)).to_le_bytes());
        self.bin[at + 4..at + 4 + content.len()].copy_from_slice(content);
        self.next += size;
        at as u32
    }

    fn put_u32(&mut self, cell: u32, field: usize, v: u32) {
        let at = cell as usize + 4 + field;
        self.bin[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Marks a cell free (positive size), as Windows does on delete.
    fn free(&mut self, cell: u32) {
        let at = cell as usize;
        let size = i32::from_le_bytes(self.bin[at..at + 4].try_into().unwrap());
        self.bin[at..at + 4].copy_from_slice(&size.abs().to_le_bytes());
    }

    fn finish(&mut self) -> Vec<u8> {
        // The rest of the bin is one free cell.
        let rest = 4096 - self.next;
        self.bin[self.next..self.next + 4].copy_from_slice(&(rest as i32).to_le_bytes());
        self.bin.clone()
    }
}

fn nk(name: &str, parent: u32, written: u64) -> Vec<u8> {
    let mut c = vec![0u8; 76];
    c[..2].copy_from_slice(b"nk");
    c[2..4].copy_from_slice(&0x20u16.to_le_bytes());
    c[4..12].copy_from_slice(&written.to_le_bytes());
    c[16..20].copy_from_slice(&parent.to_le_bytes());
    c[28..32].copy_from_slice(&u32::MAX.to_le_bytes());
    c[32..36].copy_from_slice(&u32::MAX.to_le_bytes());
    c[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    c[48..52].copy_from_slice(&u32::MAX.to_le_bytes());
    c[72..74].copy_from_slice(&(name.len() as u16).to_le_bytes());
    c.extend_from_slice(name.as_bytes());
    c
}

fn vk_dword(name: &str, v: u32) -> Vec<u8> {
    let mut c = vec![0u8; 20];
    c[..2].copy_from_slice(b"vk");
    c[2..4].copy_from_slice(&(name.len() as u16).to_le_bytes());
    c[4..8].copy_from_slice(&0x8000_0004u32.to_le_bytes());
    c[8..12].copy_from_slice(&v.to_le_bytes());
    c[12..16].copy_from_slice(&4u32.to_le_bytes());
    c[16..18].copy_from_slice(&1u16.to_le_bytes());
    c.extend_from_slice(name.as_bytes());
    c
}

fn lf(entries: &[(u32, &str)]) -> Vec<u8> {
    let mut c = b"lf".to_vec();
    c.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (o, n) in entries {
        c.extend_from_slice(&o.to_le_bytes());
        let mut h = [0u8; 4];
        for (i, b) in n.bytes().take(4).enumerate() {
            h[i] = b;
        }
        c.extend_from_slice(&h);
    }
    c
}

fn base_block(root: u32, seq1: u32, seq2: u32) -> Vec<u8> {
    let mut b = vec![0u8; 4096];
    b[..4].copy_from_slice(b"regf");
    b[4..8].copy_from_slice(&seq1.to_le_bytes());
    b[8..12].copy_from_slice(&seq2.to_le_bytes());
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[24..28].copy_from_slice(&5u32.to_le_bytes());
    b[32..36].copy_from_slice(&1u32.to_le_bytes());
    b[36..40].copy_from_slice(&root.to_le_bytes());
    b[40..44].copy_from_slice(&4096u32.to_le_bytes());
    b[44..48].copy_from_slice(&1u32.to_le_bytes());
    let mut x = 0u32;
    for i in 0..127 {
        x ^= u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().unwrap());
    }
    b[508..512].copy_from_slice(&x.to_le_bytes());
    b
}

const T1: u64 = 132_000_000_000_000_000; // 2019-04-18
const T2: u64 = 132_100_000_000_000_000;

/// A hive ROOT with children Keep and `second`; returns (builder, root,
/// list, second child's cell).
fn two_children(second: &str) -> (Builder, u32, u32, u32) {
    let mut b = Builder::new();
    let root = b.cell(&nk("ROOT", 0, T1));
    let keep = b.cell(&nk("Keep", root, T1));
    let secret = b.cell(&nk(second, root, T2));
    let val = b.cell(&vk_dword("Count", 7));
    let vlist = b.cell(&val.to_le_bytes());
    b.put_u32(secret, 36, 1);
    b.put_u32(secret, 40, vlist);
    let list = b.cell(&lf(&[(keep, "Keep"), (secret, second)]));
    b.put_u32(root, 20, 2);
    b.put_u32(root, 28, list);
    (b, root, list, secret)
}

#[test]
fn deleted_key_planted_in_generated_hive_is_recovered() {
    let (mut b, root, list, secret) = two_children("Secret");
    let before = [base_block(root, 1, 1), b.finish()].concat();
    let live: Vec<String> = Hive::open(&before, &[])
        .unwrap()
        .keys()
        .into_iter()
        .map(|k| k.path)
        .collect();
    assert_eq!(live, ["", "Keep", "Secret"]);

    // Delete Secret the way the configuration manager does: drop it from
    // the parent's list and free its cells (key, value list, value).
    let at = list as usize + 4;
    b.bin[at + 2..at + 4].copy_from_slice(&1u16.to_le_bytes());
    b.put_u32(root, 20, 1);
    let vlist_at = secret as usize + 4 + 40;
    let vlist = u32::from_le_bytes(b.bin[vlist_at..vlist_at + 4].try_into().unwrap());
    let val = u32::from_le_bytes(
        b.bin[vlist as usize + 4..vlist as usize + 8]
            .try_into()
            .unwrap(),
    );
    b.free(secret);
    b.free(vlist);
    b.free(val);
    let hive = [base_block(root, 2, 2), b.finish()].concat();

    let keys = Hive::open(&hive, &[]).unwrap().keys();
    let live: Vec<&str> = keys
        .iter()
        .filter(|k| !k.deleted)
        .map(|k| k.path.as_str())
        .collect();
    assert_eq!(live, ["", "Keep"]);
    let gone = keys
        .iter()
        .find(|k| k.deleted && k.path == "Secret")
        .expect("recovered");
    assert_eq!(gone.values.len(), 1);
    assert_eq!(gone.values[0].name, "Count");
    assert_eq!(gone.values[0].display(), "7");
    assert!(gone.last_written.is_some());

    let events = artefacts_from_file("SOFTWARE", &hive).unwrap();
    let e = events
        .iter()
        .find(|e| e.kind == "registry:key-deleted")
        .unwrap();
    assert!(
        e.description
            .contains("HKEY_LOCAL_MACHINE\\SOFTWARE\\Secret"),
        "{}",
        e.description
    );
}

#[test]
fn new_format_transaction_log_is_applied_to_a_dirty_hive() {
    let (mut old, root, _, _) = two_children("Before");
    let (mut new, root2, _, _) = two_children("After_");
    assert_eq!(root, root2);
    // The hive on disk still has the old bin and says it is dirty.
    let hive = [base_block(root, 5, 4), old.finish()].concat();
    let page = new.finish();
    let mut log = base_block(root, 5, 4);
    log.truncate(512);
    let mut entry = Vec::new();
    entry.extend_from_slice(b"HvLE");
    entry.extend_from_slice(&0u32.to_le_bytes()); // size, below
    entry.extend_from_slice(&0u32.to_le_bytes()); // flags
    entry.extend_from_slice(&4u32.to_le_bytes()); // sequence = hive's secondary
    entry.extend_from_slice(&4096u32.to_le_bytes()); // hive bins size
    entry.extend_from_slice(&1u32.to_le_bytes()); // dirty pages
    entry.extend_from_slice(&[0u8; 16]); // hashes
    entry.extend_from_slice(&0u32.to_le_bytes()); // page offset
    entry.extend_from_slice(&4096u32.to_le_bytes()); // page size
    entry.extend_from_slice(&page);
    let size = entry.len().div_ceil(512) * 512;
    entry.resize(size, 0);
    entry[4..8].copy_from_slice(&(size as u32).to_le_bytes());
    log.extend_from_slice(&entry);

    let without = Hive::open(&hive, &[]).unwrap();
    assert!(without.keys().iter().any(|k| k.path == "Before"));
    let with = Hive::open(&hive, &[log]).unwrap();
    let paths: Vec<String> = with
        .keys()
        .into_iter()
        .filter(|k| !k.deleted)
        .map(|k| k.path)
        .collect();
    assert_eq!(paths, ["", "After_", "Keep"]);
    assert!(with.log_status.contains("applied"), "{}", with.log_status);
}

/// plaso's zone plugin appends the zone's name to the key path
/// (`Zones\\0 (My Computer)`); the key itself is `Zones\\0`.
fn undecorate(p: &str) -> String {
    match p.rsplit_once('\\') {
        Some((parent, last)) if parent.ends_with("Zones") && last.contains(" (") => {
            format!("{parent}\\{}", last.split(" (").next().unwrap_or(last))
        }
        _ => p.to_string(),
    }
}

#[test]
fn ntuser_with_its_log_has_every_key_plaso_reports() {
    let rel = "registry/NTUSER.DAT";
    let want: BTreeSet<String> = common::plaso_events()
        .into_iter()
        .filter(|e| e["file"] == rel)
        .filter_map(|e| e["key_path"].as_str().map(undecorate))
        .collect();
    assert!(want.len() > 1000);
    let events = artefacts_from_path(&common::data_dir().join(rel), rel).unwrap();
    let root = events
        .iter()
        .find(|e| e.location == "HKEY_CURRENT_USER")
        .expect("root key event");
    assert!(
        root.fields["transaction_log"].contains("log"),
        "{:?}",
        root.fields
    );
    let have: BTreeSet<String> = events
        .iter()
        .filter(|e| e.kind == "registry:key-written")
        .filter_map(|e| e.fields.get("key_path").cloned())
        .collect();
    let missing: Vec<_> = want.difference(&have).take(10).collect();
    assert!(
        missing.is_empty(),
        "keys plaso has and we lack: {missing:?}"
    );
}

#[test]
fn old_format_transaction_log_is_applied_to_a_dirty_hive() {
    let (mut old, root, _, _) = two_children("Before");
    let (mut new, _, _, _) = two_children("After_");
    let hive = [base_block(root, 7, 6), old.finish()].concat();
    // Pre-8.1 log: base block (512 bytes), "DIRT", a bitmap with one bit per
    // 512-byte page of the hive bins, then the dirty pages from 1024 on.
    let mut log = base_block(root, 7, 7);
    log.truncate(512);
    log[28..32].copy_from_slice(&1u32.to_le_bytes());
    log.extend_from_slice(b"DIRT");
    log.push(0b1111_1111);
    log.resize(1024, 0);
    log.extend_from_slice(&new.finish());
    let with = Hive::open(&hive, &[log]).unwrap();
    let paths: Vec<String> = with
        .keys()
        .into_iter()
        .filter(|k| !k.deleted)
        .map(|k| k.path)
        .collect();
    assert_eq!(paths, ["", "After_", "Keep"]);
    assert!(
        with.log_status.contains("applied (8 page(s))"),
        "{}",
        with.log_status
    );
}

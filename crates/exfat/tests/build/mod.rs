//! A small exFAT image builder for tests: boot region with a correct
//! checksum sector (and its backup), one FAT, the allocation bitmap, a
//! minimal up-case table, a root directory with a volume label, and
//! whatever directories, entry sets and content a test adds.
//!
//! 512-byte sectors, 4 KiB clusters, 8 MiB volume: FAT at sector 128,
//! cluster heap at sector 256; cluster 2 holds the bitmap, 3 the up-case
//! table, 4 the root directory.

use std::collections::HashMap;

pub const SECTOR: usize = 512;
pub const CLUSTER: usize = 4096;
pub const VOLUME_SECTORS: usize = 16_384;
pub const FAT_OFFSET: usize = 128;
pub const FAT_LENGTH: usize = 16;
pub const HEAP_OFFSET: usize = 256;
pub const CLUSTER_COUNT: u32 = ((VOLUME_SECTORS - HEAP_OFFSET) / (CLUSTER / SECTOR)) as u32;
pub const ROOT: u32 = 4;
const BITMAP_CLUSTER: u32 = 2;
const UPCASE_CLUSTER: u32 = 3;

pub const ATTR_DIRECTORY: u16 = 0x10;
pub const ATTR_ARCHIVE: u16 = 0x20;

/// A timestamp: local date-time fields, 10 ms increment, UTC offset byte.
#[derive(Clone, Copy)]
pub struct Stamp {
    pub field: u32,
    pub tens: u8,
    pub offset: u8,
}

impl Stamp {
    /// `(y, mo, d, h, mi, s)` local, `tens` × 10 ms, `quarters` × 15 minutes east
    /// of UTC (`None`: offset not valid).
    pub fn new(
        (y, mo, d, h, mi, s): (u32, u32, u32, u32, u32, u32),
        tens: u8,
        quarters: Option<i8>,
    ) -> Self {
        Stamp {
            field: ((y - 1980) << 25) | (mo << 21) | (d << 16) | (h << 11) | (mi << 5) | (s / 2),
            tens: tens + if s % 2 == 1 { 100 } else { 0 },
            offset: quarters.map_or(0, |q| 0x80 | (q as u8 & 0x7F)),
        }
    }
}

/// One file directory entry set to write.
pub struct SetSpec<'a> {
    pub name: &'a str,
    pub attrs: u16,
    pub first_cluster: u32,
    pub size: u64,
    pub valid_len: u64,
    pub no_fat_chain: bool,
    pub created: Stamp,
    pub modified: Stamp,
    pub accessed: Stamp,
}

fn upcase_table() -> Vec<u8> {
    // Identity for U+0000..U+007F except a–z → A–Z.
    (0u16..128)
        .map(|c| {
            if (0x61..=0x7A).contains(&c) {
                c - 0x20
            } else {
                c
            }
        })
        .flat_map(|u| u.to_le_bytes())
        .collect()
}

fn checksum32(bytes: &[u8], skip: &[usize]) -> u32 {
    let mut sum = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        if skip.contains(&i) {
            continue;
        }
        sum = sum.rotate_right(1).wrapping_add(u32::from(b));
    }
    sum
}

fn name_hash(units: &[u16]) -> u16 {
    let mut h = 0u16;
    for &u in units {
        let up = if (0x61..=0x7A).contains(&u) {
            u - 0x20
        } else {
            u
        };
        for b in up.to_le_bytes() {
            h = h.rotate_right(1).wrapping_add(u16::from(b));
        }
    }
    h
}

/// The entries of a set, checksummed (in use).
pub fn entry_set(s: &SetSpec) -> Vec<[u8; 32]> {
    let units: Vec<u16> = s.name.encode_utf16().collect();
    let names = units.len().div_ceil(15);
    let mut file = [0u8; 32];
    file[0] = 0x85;
    file[1] = (1 + names) as u8;
    file[4..6].copy_from_slice(&s.attrs.to_le_bytes());
    file[8..12].copy_from_slice(&s.created.field.to_le_bytes());
    file[12..16].copy_from_slice(&s.modified.field.to_le_bytes());
    file[16..20].copy_from_slice(&s.accessed.field.to_le_bytes());
    file[20] = s.created.tens;
    file[21] = s.modified.tens;
    file[22] = s.created.offset;
    file[23] = s.modified.offset;
    file[24] = s.accessed.offset;
    let mut stream = [0u8; 32];
    stream[0] = 0xC0;
    stream[1] = 0x01 | if s.no_fat_chain { 0x02 } else { 0 };
    stream[3] = units.len() as u8;
    stream[4..6].copy_from_slice(&name_hash(&units).to_le_bytes());
    stream[8..16].copy_from_slice(&s.valid_len.to_le_bytes());
    stream[20..24].copy_from_slice(&s.first_cluster.to_le_bytes());
    stream[24..32].copy_from_slice(&s.size.to_le_bytes());
    let mut v = vec![file, stream];
    for chunk in units.chunks(15) {
        let mut n = [0u8; 32];
        n[0] = 0xC1;
        for (i, u) in chunk.iter().enumerate() {
            n[2 + 2 * i..4 + 2 * i].copy_from_slice(&u.to_le_bytes());
        }
        v.push(n);
    }
    let mut sum = 0u16;
    for (i, e) in v.iter().enumerate() {
        for (j, &b) in e.iter().enumerate() {
            if i == 0 && (j == 2 || j == 3) {
                continue;
            }
            sum = sum.rotate_right(1).wrapping_add(u16::from(b));
        }
    }
    v[0][2..4].copy_from_slice(&sum.to_le_bytes());
    v
}

/// Marks a set deleted: the in-use bit of every type byte cleared.
pub fn deleted(mut set: Vec<[u8; 32]>) -> Vec<[u8; 32]> {
    for e in &mut set {
        e[0] &= 0x7F;
    }
    set
}

pub struct Builder {
    img: Vec<u8>,
    fat: Vec<u32>,
    bitmap: Vec<u8>,
    fill: HashMap<u32, usize>,
    label: String,
}

impl Builder {
    pub fn new(label: &str) -> Self {
        let mut b = Builder {
            img: vec![0u8; VOLUME_SECTORS * SECTOR],
            fat: vec![0u32; CLUSTER_COUNT as usize + 2],
            bitmap: vec![0u8; (CLUSTER_COUNT as usize).div_ceil(8)],
            fill: HashMap::new(),
            label: label.to_string(),
        };
        b.fat[0] = 0xFFFF_FFF8;
        b.fat[1] = 0xFFFF_FFFF;
        for c in [BITMAP_CLUSTER, UPCASE_CLUSTER, ROOT] {
            b.allocate(&[c]);
            b.chain(&[c]);
        }
        b
    }

    pub fn cluster_offset(c: u32) -> usize {
        (HEAP_OFFSET + (c as usize - 2) * (CLUSTER / SECTOR)) * SECTOR
    }

    /// Marks clusters allocated in the bitmap.
    pub fn allocate(&mut self, clusters: &[u32]) {
        for &c in clusters {
            let i = (c - 2) as usize;
            self.bitmap[i / 8] |= 1 << (i % 8);
        }
    }

    /// Links clusters into a FAT chain ending in end-of-chain.
    pub fn chain(&mut self, clusters: &[u32]) {
        for w in clusters.windows(2) {
            self.fat[w[0] as usize] = w[1];
        }
        if let Some(&last) = clusters.last() {
            self.fat[last as usize] = 0xFFFF_FFFF;
        }
    }

    /// Writes `data` over the clusters in order.
    pub fn write(&mut self, clusters: &[u32], data: &[u8]) {
        for (i, chunk) in data.chunks(CLUSTER).enumerate() {
            let at = Self::cluster_offset(clusters[i]);
            self.img[at..at + chunk.len()].copy_from_slice(chunk);
        }
    }

    /// Appends entries to the directory held in `clusters` (in order).
    pub fn add_entries(&mut self, clusters: &[u32], entries: &[[u8; 32]]) {
        let per = CLUSTER / 32;
        let used = self.fill.entry(clusters[0]).or_insert(0);
        for e in entries {
            let c = clusters[*used / per];
            let at = Self::cluster_offset(c) + (*used % per) * 32;
            self.img[at..at + 32].copy_from_slice(e);
            *used += 1;
        }
    }

    pub fn finish(mut self) -> Vec<u8> {
        // Root: label, bitmap, up-case table first.
        let up = upcase_table();
        let units: Vec<u16> = self.label.encode_utf16().collect();
        let mut label = [0u8; 32];
        label[0] = 0x83;
        label[1] = units.len() as u8;
        for (i, u) in units.iter().enumerate() {
            label[2 + 2 * i..4 + 2 * i].copy_from_slice(&u.to_le_bytes());
        }
        let mut bm = [0u8; 32];
        bm[0] = 0x81;
        bm[20..24].copy_from_slice(&BITMAP_CLUSTER.to_le_bytes());
        bm[24..32].copy_from_slice(&(self.bitmap.len() as u64).to_le_bytes());
        let mut uc = [0u8; 32];
        uc[0] = 0x82;
        uc[4..8].copy_from_slice(&checksum32(&up, &[]).to_le_bytes());
        uc[20..24].copy_from_slice(&UPCASE_CLUSTER.to_le_bytes());
        uc[24..32].copy_from_slice(&(up.len() as u64).to_le_bytes());
        let root = Self::cluster_offset(ROOT);
        // Existing root entries move down by three slots.
        let used = self.fill.get(&ROOT).copied().unwrap_or(0);
        assert!(used + 3 <= CLUSTER / 32, "root directory full");
        self.img.copy_within(root..root + used * 32, root + 96);
        self.img[root..root + 32].copy_from_slice(&label);
        self.img[root + 32..root + 64].copy_from_slice(&bm);
        self.img[root + 64..root + 96].copy_from_slice(&uc);
        let at = Self::cluster_offset(UPCASE_CLUSTER);
        self.img[at..at + up.len()].copy_from_slice(&up);
        let at = Self::cluster_offset(BITMAP_CLUSTER);
        let bitmap = self.bitmap.clone();
        self.img[at..at + bitmap.len()].copy_from_slice(&bitmap);
        let at = FAT_OFFSET * SECTOR;
        for (i, v) in self.fat.iter().enumerate() {
            self.img[at + 4 * i..at + 4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        // Boot sector.
        let b = &mut self.img[..SECTOR];
        b[0..3].copy_from_slice(&[0xEB, 0x76, 0x90]);
        b[3..11].copy_from_slice(b"EXFAT   ");
        b[72..80].copy_from_slice(&(VOLUME_SECTORS as u64).to_le_bytes());
        b[80..84].copy_from_slice(&(FAT_OFFSET as u32).to_le_bytes());
        b[84..88].copy_from_slice(&(FAT_LENGTH as u32).to_le_bytes());
        b[88..92].copy_from_slice(&(HEAP_OFFSET as u32).to_le_bytes());
        b[92..96].copy_from_slice(&CLUSTER_COUNT.to_le_bytes());
        b[96..100].copy_from_slice(&ROOT.to_le_bytes());
        b[100..104].copy_from_slice(&0x1234_ABCDu32.to_le_bytes());
        b[104..106].copy_from_slice(&0x0100u16.to_le_bytes());
        b[108] = 9;
        b[109] = 3;
        b[110] = 1;
        b[111] = 0x80;
        b[112] = 1;
        b[510] = 0x55;
        b[511] = 0xAA;
        for s in 1..=8 {
            self.img[s * SECTOR + 510] = 0x55;
            self.img[s * SECTOR + 511] = 0xAA;
        }
        let sum = checksum32(&self.img[..11 * SECTOR], &[106, 107, 112]);
        for i in 0..SECTOR / 4 {
            let at = 11 * SECTOR + 4 * i;
            self.img[at..at + 4].copy_from_slice(&sum.to_le_bytes());
        }
        self.img.copy_within(0..12 * SECTOR, 12 * SECTOR);
        self.img
    }
}

//! Multi-input clustering of large ledgers in one streaming pass.
//!
//! [`cluster`](crate::cluster) needs every transaction decoded in memory;
//! this reads `blk*.dat` files record by record (one block in memory at a
//! time, XOR key applied on the fly) and keeps only what clustering needs:
//!
//! * each distinct address once, keyed by its output script (a bare public
//!   key is keyed as the P2PKH script of that key, since it is shown as that
//!   address), with a `u32` id;
//! * union-find over the ids (`u32` parent, `u8` rank);
//! * the unspent outputs seen so far (txid, index → address id, value),
//!   removed as they are spent, to resolve inputs.
//!
//! The result is the same [`Clustering`] as [`cluster`](crate::cluster) with
//! the same CoinJoin options (no change heuristics), provided the files are
//! in chain order: an input spending an output that comes later in the
//! files stays unresolved here.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use bitcoin::consensus::deserialize;
use bitcoin::{Address, Script, ScriptBuf, Txid};
use serde::Serialize;

use crate::cluster::{coinjoin_shape, from_groups, ClusterOptions, Clustering};
use crate::error::ChainError;
use crate::model::Network;

const NO_ADDRESS: u32 = u32::MAX;

/// A fast non-cryptographic hasher (multiply-rotate, as rustc's FxHash) for
/// the clusterer's maps: their keys are txids and output scripts, and the
/// maps are never iterated into output order. A crafted ledger can only
/// make it slower, not wrong.
#[derive(Default, Clone, Copy)]
struct Fast(u64);

impl Fast {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for Fast {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fast>>;

/// Counts from a streaming pass.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StreamStats {
    /// Files read.
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Blocks decoded.
    pub blocks: u64,
    /// Transactions seen.
    pub txs: u64,
    /// Distinct addresses.
    pub addresses: usize,
    /// Unspent outputs held at the end.
    pub unspent: usize,
}

/// The streaming clusterer.
pub struct StreamClusterer {
    skip_detected: bool,
    known: std::collections::BTreeSet<String>,
    network: Option<Network>,
    ids: FastMap<Box<[u8]>, u32>,
    parent: Vec<u32>,
    rank: Vec<u8>,
    utxo: FastMap<(Txid, u32), (u32, u64)>,
    skipped: Vec<String>,
    reasons: BTreeMap<String, String>,
    stats: StreamStats,
}

fn canonical(script: &Script) -> Option<Cow<'_, [u8]>> {
    if script.is_p2pkh()
        || script.is_p2sh()
        || script.is_p2wpkh()
        || script.is_p2wsh()
        || script.is_p2tr()
    {
        Some(Cow::Borrowed(script.as_bytes()))
    } else if script.is_p2pk() {
        script
            .p2pk_public_key()
            .map(|pk| Cow::Owned(ScriptBuf::new_p2pkh(&pk.pubkey_hash()).into_bytes()))
    } else {
        None
    }
}

impl StreamClusterer {
    /// A clusterer with `opts`' CoinJoin settings (change heuristics are not
    /// available in streaming mode).
    pub fn new(opts: &ClusterOptions) -> Self {
        StreamClusterer {
            skip_detected: opts.skip_detected_coinjoins,
            known: opts.known_coinjoins.clone(),
            network: None,
            ids: FastMap::default(),
            parent: Vec::new(),
            rank: Vec::new(),
            utxo: FastMap::default(),
            skipped: Vec::new(),
            reasons: BTreeMap::new(),
            stats: StreamStats::default(),
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        let (ra, rb) = (self.rank[a as usize], self.rank[b as usize]);
        if ra < rb {
            self.parent[a as usize] = b;
        } else {
            self.parent[b as usize] = a;
            if ra == rb {
                self.rank[a as usize] = ra.saturating_add(1);
            }
        }
    }

    fn id(&mut self, key: Cow<'_, [u8]>) -> u32 {
        if let Some(&id) = self.ids.get(key.as_ref()) {
            return id;
        }
        let id = self.parent.len() as u32;
        self.ids.insert(key.into_owned().into_boxed_slice(), id);
        self.parent.push(id);
        self.rank.push(0);
        id
    }

    /// Adds one decoded block of `network`.
    pub fn add_block(&mut self, block: &bitcoin::Block, network: Network) -> Result<(), String> {
        match self.network {
            None => self.network = Some(network),
            Some(n) if n != network => {
                return Err(format!("a {network:?} block among {n:?} blocks"));
            }
            Some(_) => {}
        }
        self.stats.blocks += 1;
        let mut inputs: Vec<(Option<u32>, Option<u64>)> = Vec::new();
        let mut values: Vec<u64> = Vec::new();
        for tx in &block.txdata {
            self.stats.txs += 1;
            let txid = tx.compute_txid();
            inputs.clear();
            if !tx.is_coinbase() {
                for i in &tx.input {
                    let key = (i.previous_output.txid, i.previous_output.vout);
                    match self.utxo.remove(&key) {
                        Some((id, v)) => inputs.push(((id != NO_ADDRESS).then_some(id), Some(v))),
                        None => inputs.push((None, None)),
                    }
                }
                values.clear();
                values.extend(tx.output.iter().map(|o| o.value.to_sat()));
                let why = if !self.known.is_empty() && self.known.contains(&txid.to_string()) {
                    Some("known".to_string())
                } else if self.skip_detected {
                    coinjoin_shape(&inputs, &values).map(|k| k.explain().to_string())
                } else {
                    None
                };
                if let Some(why) = why {
                    let t = txid.to_string();
                    self.skipped.push(t.clone());
                    self.reasons.insert(t, why);
                } else {
                    let mut first = None;
                    for &(id, _) in inputs.iter() {
                        let Some(id) = id else { continue };
                        match first {
                            None => first = Some(id),
                            Some(f) => self.union(f, id),
                        }
                    }
                }
            }
            for (n, o) in tx.output.iter().enumerate() {
                let id = match canonical(&o.script_pubkey) {
                    Some(k) => self.id(k),
                    None => NO_ADDRESS,
                };
                self.utxo.insert((txid, n as u32), (id, o.value.to_sat()));
            }
        }
        Ok(())
    }

    /// Streams one `blk*.dat` file (XOR `key` as in `xor.dat`; empty for none).
    pub fn add_blk_file(&mut self, path: &Path, key: &[u8]) -> Result<(), ChainError> {
        self.stats.files += 1;
        for_each_block(path, key, |bytes, network, offset| {
            let block: bitcoin::Block = deserialize(bytes).map_err(|e| ChainError::Corrupt {
                file: path.to_path_buf(),
                offset,
                what: format!("block does not decode: {e}"),
            })?;
            self.stats.bytes += bytes.len() as u64 + 8;
            self.add_block(&block, network)
                .map_err(|what| ChainError::Corrupt {
                    file: path.to_path_buf(),
                    offset,
                    what,
                })
        })
    }

    /// Adds a file holding one raw block.
    pub fn add_raw_block(&mut self, path: &Path, network: Network) -> Result<(), ChainError> {
        let data = std::fs::read(path).map_err(|source| ChainError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        self.stats.files += 1;
        self.stats.bytes += data.len() as u64;
        let block: bitcoin::Block = deserialize(&data).map_err(|e| ChainError::Corrupt {
            file: path.to_path_buf(),
            offset: 0,
            what: format!("block does not decode: {e}"),
        })?;
        self.add_block(&block, network)
            .map_err(|what| ChainError::Corrupt {
                file: path.to_path_buf(),
                offset: 0,
                what,
            })
    }

    /// Bytes held by the clustering state (keys, ids, union-find, unspent
    /// outputs), estimated from the containers' capacities.
    pub fn state_bytes(&self) -> u64 {
        let key_bytes: usize = self.ids.keys().map(|k| k.len()).sum();
        let ids = self.ids.capacity() * (std::mem::size_of::<(Box<[u8]>, u32)>() + 1) + key_bytes;
        let uf = self.parent.capacity() * 4 + self.rank.capacity();
        let utxo = self.utxo.capacity() * (std::mem::size_of::<((Txid, u32), (u32, u64))>() + 1);
        (ids + uf + utxo) as u64
    }

    /// The clusters, rendered as addresses, and the counts.
    pub fn finish(mut self) -> (Clustering, StreamStats) {
        let net = self.network.unwrap_or(Network::Mainnet).to_bitcoin();
        let ids = std::mem::take(&mut self.ids);
        let mut groups: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for (key, id) in ids {
            let Ok(a) = Address::from_script(Script::from_bytes(&key), net) else {
                continue;
            };
            let root = self.find(id);
            groups.entry(root).or_default().push(a.to_string());
        }
        self.stats.addresses = self.parent.len();
        self.stats.unspent = self.utxo.len();
        let c = from_groups(groups.into_values().collect(), self.skipped, self.reasons);
        (c, self.stats)
    }
}

/// Calls `f(block bytes, network, offset)` for each record of a
/// `blk*.dat` file, reading one record at a time.
pub fn for_each_block(
    path: &Path,
    key: &[u8],
    mut f: impl FnMut(&[u8], Network, u64) -> Result<(), ChainError>,
) -> Result<(), ChainError> {
    let io = |source| ChainError::Io {
        file: path.to_path_buf(),
        source,
    };
    let corrupt = |offset: u64, what: String| ChainError::Corrupt {
        file: PathBuf::from(path),
        offset,
        what,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let mut r = std::io::BufReader::with_capacity(1 << 20, file);
    let active = !key.iter().all(|&b| b == 0);
    let unxor = |buf: &mut [u8], at: u64| {
        if active {
            for (i, b) in buf.iter_mut().enumerate() {
                *b ^= key[((at + i as u64) % key.len() as u64) as usize];
            }
        }
    };
    let mut pos = 0u64;
    let mut buf: Vec<u8> = Vec::new();
    while pos < size {
        let mut head = [0u8; 8];
        r.read_exact(&mut head[..1]).map_err(io)?;
        unxor(&mut head[..1], pos);
        if head[0] == 0 {
            pos += 1;
            continue;
        }
        if size - pos < 8 {
            return Err(corrupt(pos, "truncated record header".into()));
        }
        r.read_exact(&mut head[1..]).map_err(io)?;
        unxor(&mut head[1..], pos + 1);
        let magic = [head[0], head[1], head[2], head[3]];
        let Some(network) = Network::from_magic(magic) else {
            return Err(corrupt(pos, format!("unknown magic {magic:02x?}")));
        };
        let len = u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
        let start = pos + 8;
        if len > size - start {
            return Err(corrupt(
                pos,
                format!(
                    "block of {len} bytes runs past the end of the file ({} bytes left)",
                    size - start
                ),
            ));
        }
        buf.resize(len as usize, 0);
        r.read_exact(&mut buf).map_err(io)?;
        unxor(&mut buf, start);
        f(&buf, network, start)?;
        pos = start + len;
    }
    Ok(())
}

//! The local ledger index written by `exhibit crypto import`.
//!
//! A directory of plain files, readable without Exhibit:
//!
//! * `manifest.json`: format name and version (`exhibit-chain-index`, 1),
//!   the imported source files with their sizes and counts, and totals;
//! * `blocks.jsonl`: one block header a line (hash, prev_hash, time, height,
//!   network, offset, source file, tx_count), sorted by height (unknown last);
//! * `txs.jsonl`: one [`Tx`] a line (the model's JSON form), in chain order,
//!   inputs resolved within the imported set;
//! * `addresses.tsv`: `address<TAB>txid,txid,…` — every transaction paying
//!   or spending the address, sorted by address, txids sorted.
//!
//! The files are written under temporary names and renamed when complete; an
//! existing index is never overwritten.

use std::collections::BTreeMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::ChainError;
use crate::model::{Block, Network, Tx};

/// Format name in `manifest.json`.
pub const INDEX_FORMAT: &str = "exhibit-chain-index";
/// Format version in `manifest.json`.
pub const INDEX_VERSION: u32 = 1;

/// One source file of an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// Path as given.
    pub file: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Blocks read from it.
    pub blocks: usize,
    /// Transactions in those blocks.
    pub txs: usize,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`INDEX_FORMAT`].
    pub format: String,
    /// [`INDEX_VERSION`].
    pub version: u32,
    /// The imported files.
    pub sources: Vec<SourceFile>,
    /// Total blocks.
    pub blocks: usize,
    /// Total transactions.
    pub txs: usize,
    /// Distinct addresses.
    pub addresses: usize,
}

/// One line of `blocks.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockHeader {
    /// Block hash.
    pub hash: String,
    /// Previous block hash.
    pub prev_hash: String,
    /// Header time.
    pub time: u32,
    /// Height, when known.
    pub height: Option<u32>,
    /// Network.
    pub network: Network,
    /// Offset in the source file.
    pub offset: u64,
    /// Source file.
    pub file: PathBuf,
    /// Number of transactions.
    pub tx_count: usize,
}

fn io(file: &Path) -> impl Fn(std::io::Error) -> ChainError + '_ {
    move |source| ChainError::Io {
        file: file.to_path_buf(),
        source,
    }
}

/// Sorts blocks by height (unknown heights last, in their given order) and
/// returns their transactions in that order with inputs resolved.
pub fn chain_order(blocks: &mut [(Block, PathBuf)]) -> Vec<Tx> {
    blocks.sort_by_key(|(b, _)| b.height.map_or(u64::MAX, u64::from));
    let mut txs: Vec<Tx> = blocks
        .iter()
        .flat_map(|(b, _)| b.txs.iter().cloned())
        .collect();
    crate::blocks::resolve_inputs(&mut txs);
    txs
}

/// Writes an index of `blocks` (each with its source file) to `dir`, which
/// must not hold an index already. `sources` lists the files read.
pub fn write_index(
    dir: &Path,
    mut blocks: Vec<(Block, PathBuf)>,
    sources: Vec<SourceFile>,
) -> Result<Manifest, ChainError> {
    let manifest_path = dir.join("manifest.json");
    if manifest_path.exists() {
        return Err(ChainError::Corrupt {
            file: manifest_path,
            offset: 0,
            what: "an index already exists here; choose another --out directory".into(),
        });
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let txs = chain_order(&mut blocks);

    let write = |name: &str, body: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>| {
        let tmp = dir.join(format!("{name}.partial"));
        let f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        let mut w = BufWriter::new(f);
        body(&mut w).map_err(io(&tmp))?;
        w.flush().map_err(io(&tmp))?;
        drop(w);
        let dst = dir.join(name);
        std::fs::rename(&tmp, &dst).map_err(io(&dst))
    };

    write("blocks.jsonl", &mut |w| {
        for (b, file) in &blocks {
            let h = BlockHeader {
                hash: b.hash.clone(),
                prev_hash: b.prev_hash.clone(),
                time: b.time,
                height: b.height,
                network: b.network,
                offset: b.offset,
                file: file.clone(),
                tx_count: b.txs.len(),
            };
            serde_json::to_writer(&mut *w, &h)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })?;
    write("txs.jsonl", &mut |w| {
        for t in &txs {
            serde_json::to_writer(&mut *w, t)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })?;
    let mut by_address: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in &txs {
        let ins = t.inputs.iter().filter_map(|i| i.address.as_deref());
        let outs = t.outputs.iter().filter_map(|o| o.address.as_deref());
        for a in ins.chain(outs) {
            by_address.entry(a).or_default().push(&t.txid);
        }
    }
    write("addresses.tsv", &mut |w| {
        for (a, ids) in by_address.iter_mut() {
            ids.sort_unstable();
            ids.dedup();
            writeln!(w, "{a}\t{}", ids.join(","))?;
        }
        Ok(())
    })?;
    let manifest = Manifest {
        format: INDEX_FORMAT.into(),
        version: INDEX_VERSION,
        sources,
        blocks: blocks.len(),
        txs: txs.len(),
        addresses: by_address.len(),
    };
    write("manifest.json", &mut |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        w.write_all(b"\n")
    })?;
    Ok(manifest)
}

/// Reads an index's manifest, checking its format.
pub fn read_manifest(dir: &Path) -> Result<Manifest, ChainError> {
    let p = dir.join("manifest.json");
    let data = std::fs::read(&p).map_err(io(&p))?;
    let m: Manifest = serde_json::from_slice(&data).map_err(|e| ChainError::Corrupt {
        file: p.clone(),
        offset: 0,
        what: format!("not an index manifest: {e}"),
    })?;
    if m.format != INDEX_FORMAT || m.version != INDEX_VERSION {
        return Err(ChainError::Corrupt {
            file: p,
            offset: 0,
            what: format!(
                "index format {} {} (expected {INDEX_FORMAT} {INDEX_VERSION})",
                m.format, m.version
            ),
        });
    }
    Ok(m)
}

/// Reads the transactions of an index, in chain order.
pub fn read_index(dir: &Path) -> Result<Vec<Tx>, ChainError> {
    let m = read_manifest(dir)?;
    let p = dir.join("txs.jsonl");
    let f = std::fs::File::open(&p).map_err(io(&p))?;
    let mut txs = Vec::with_capacity(m.txs);
    let mut offset = 0u64;
    for line in std::io::BufReader::new(f).split(b'\n') {
        let line = line.map_err(io(&p))?;
        let at = offset;
        offset += line.len() as u64 + 1;
        if line.is_empty() {
            continue;
        }
        let t: Tx = serde_json::from_slice(&line).map_err(|e| ChainError::Corrupt {
            file: p.clone(),
            offset: at,
            what: format!("bad transaction line: {e}"),
        })?;
        txs.push(t);
    }
    if txs.len() != m.txs {
        return Err(ChainError::Corrupt {
            file: p,
            offset,
            what: format!("{} transactions, the manifest says {}", txs.len(), m.txs),
        });
    }
    Ok(txs)
}

/// The txids of transactions paying or spending `address`, from
/// `addresses.tsv` (empty when the address is not in the index).
pub fn index_lookup(dir: &Path, address: &str) -> Result<Vec<String>, ChainError> {
    let p = dir.join("addresses.tsv");
    let f = std::fs::File::open(&p).map_err(io(&p))?;
    for line in std::io::BufReader::new(f).lines() {
        let line = line.map_err(io(&p))?;
        if let Some((a, ids)) = line.split_once('\t') {
            if a == address {
                return Ok(ids.split(',').map(str::to_string).collect());
            }
        }
    }
    Ok(Vec::new())
}

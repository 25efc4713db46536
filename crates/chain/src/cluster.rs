//! Multi-input (common-input-ownership) clustering.
//!
//! The heuristic: addresses whose outputs are spent together as inputs of
//! one transaction are assumed to be controlled by one entity, because the
//! spender had to sign for all of them. It is a *heuristic*: CoinJoins,
//! PayJoins and shared custody break it, so every cluster carries the name of
//! the heuristic that formed it and must be presented as such.
//!
//! As in GraphSense, only inputs with exactly one resolved address take part
//! (bare multisig and unresolved inputs are ignored), and transactions judged
//! to be CoinJoins can be left out.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::Tx;

/// Name of the heuristic recorded on every cluster this module forms.
pub const MULTI_INPUT: &str = "multi-input (common-input-ownership)";

/// How CoinJoin transactions are treated.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// Leave out transactions for which [`looks_like_coinjoin`] is true.
    pub skip_detected_coinjoins: bool,
    /// Leave out these txids (for example CoinJoins flagged by another tool
    /// or by the analyst), whatever the detector says.
    pub known_coinjoins: BTreeSet<String>,
}

/// One set of addresses linked by the heuristic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cluster {
    /// Position in [`Clustering::clusters`].
    pub id: usize,
    /// Member addresses, sorted.
    pub addresses: Vec<String>,
    /// The heuristic that linked them ([`MULTI_INPUT`]); empty for a
    /// single address, which nothing linked.
    pub heuristic: &'static str,
}

/// The result of clustering: every address seen, in exactly one cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Clustering {
    /// Clusters ordered by their smallest address.
    pub clusters: Vec<Cluster>,
    /// Txids left out as CoinJoins, sorted.
    pub skipped_coinjoins: Vec<String>,
    #[serde(skip)]
    by_address: BTreeMap<String, usize>,
}

impl Clustering {
    /// The cluster holding `address`, if the address was seen.
    pub fn cluster_of(&self, address: &str) -> Option<&Cluster> {
        self.by_address
            .get(address)
            .and_then(|&i| self.clusters.get(i))
    }
}

/// True when `tx` looks like an equal-output CoinJoin.
///
/// The exact rule: at least 2 inputs from at least 2 distinct resolved
/// addresses, at least 3 outputs, and some non-zero output value shared by
/// `k >= 2` outputs where `k` is no more than the number of distinct input
/// addresses and `2k >= outputs` (the equal "mixed" outputs are at least
/// half of all outputs; the rest are change). Batch payments rarely meet all
/// three conditions; Wasabi 2 style multi-denomination rounds may escape it.
pub fn looks_like_coinjoin(tx: &Tx) -> bool {
    if tx.coinbase || tx.inputs.len() < 2 || tx.outputs.len() < 3 {
        return false;
    }
    let senders: BTreeSet<&str> = tx
        .inputs
        .iter()
        .filter_map(|i| i.address.as_deref())
        .collect();
    if senders.len() < 2 {
        return false;
    }
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    for o in tx.outputs.iter().filter(|o| o.value > 0) {
        *counts.entry(o.value).or_default() += 1;
    }
    let k = counts.values().copied().max().unwrap_or(0);
    k >= 2 && k <= senders.len() && 2 * k >= tx.outputs.len()
}

/// Clusters every address appearing in `txs` (inputs and outputs).
///
/// Inputs must already carry their addresses ([`crate::resolve_inputs`]).
/// The result does not depend on the order of `txs`.
pub fn cluster(txs: &[Tx], opts: &ClusterOptions) -> Clustering {
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    for tx in txs {
        let ins = tx.inputs.iter().filter_map(|i| i.address.as_ref());
        let outs = tx.outputs.iter().filter_map(|o| o.address.as_ref());
        for a in ins.chain(outs) {
            if !ids.contains_key(a) {
                ids.insert(a.clone(), ids.len());
            }
        }
    }
    let mut uf = UnionFind::new(ids.len());
    let mut skipped = Vec::new();
    for tx in txs {
        if opts.known_coinjoins.contains(&tx.txid)
            || (opts.skip_detected_coinjoins && looks_like_coinjoin(tx))
        {
            skipped.push(tx.txid.clone());
            continue;
        }
        let mut first = None;
        for a in tx.inputs.iter().filter_map(|i| i.address.as_ref()) {
            let Some(&id) = ids.get(a) else { continue };
            match first {
                None => first = Some(id),
                Some(f) => uf.union(f, id),
            }
        }
    }
    skipped.sort();
    skipped.dedup();

    // Group by root; BTreeMap iteration is sorted by address, so each group's
    // member list comes out sorted and groups are keyed by their first member.
    let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (addr, &id) in &ids {
        groups.entry(uf.find(id)).or_default().push(addr.clone());
    }
    let mut members: Vec<Vec<String>> = groups.into_values().collect();
    members.sort();
    let mut out = Clustering {
        skipped_coinjoins: skipped,
        ..Clustering::default()
    };
    for (id, addresses) in members.into_iter().enumerate() {
        for a in &addresses {
            out.by_address.insert(a.clone(), id);
        }
        let heuristic = if addresses.len() > 1 { MULTI_INPUT } else { "" };
        out.clusters.push(Cluster {
            id,
            addresses,
            heuristic,
        });
    }
    out
}

/// Union-find with path halving and union by size.
struct UnionFind {
    parent: Vec<usize>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

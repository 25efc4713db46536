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

/// Name of the one-time change heuristic.
pub const CHANGE_ONE_TIME: &str = "change: one-time address";
/// Name of the round-amount change heuristic.
pub const CHANGE_ROUND_AMOUNT: &str = "change: round payment amount";
/// Name of the script-type change heuristic.
pub const CHANGE_SCRIPT_TYPE: &str = "change: script type matches the inputs";

/// Optional change-address heuristics; all off by default. Each one, when it
/// names exactly one output of a transaction as the change, links that
/// output's address to the spender's, and the link is recorded with the
/// heuristic's name ([`ChangeLink`]) so that an analyst can defend or drop it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeHeuristics {
    /// The only output whose address appears for the first time in this
    /// transaction (all other outputs were seen before) is the change
    /// ([`CHANGE_ONE_TIME`]). Needs the ledger in chain order.
    pub one_time: bool,
    /// With two outputs, when exactly one is a round amount (a multiple of
    /// 0.0001 BTC, 10,000 satoshi), the other is the change
    /// ([`CHANGE_ROUND_AMOUNT`]).
    pub round_amount: bool,
    /// When all inputs share one script type and exactly one output has it,
    /// that output is the change ([`CHANGE_SCRIPT_TYPE`]).
    pub script_type: bool,
}

impl ChangeHeuristics {
    fn any(self) -> bool {
        self.one_time || self.round_amount || self.script_type
    }
}

/// A link made by a change heuristic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ChangeLink {
    /// The transaction.
    pub txid: String,
    /// An address spending in it (its first resolved input).
    pub spender: String,
    /// The output address judged to be the change.
    pub change: String,
    /// The heuristic's name.
    pub heuristic: &'static str,
}

/// How CoinJoin transactions are treated.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// Leave out transactions for which [`looks_like_coinjoin`] is true.
    pub skip_detected_coinjoins: bool,
    /// Leave out these txids (for example CoinJoins flagged by another tool
    /// or by the analyst), whatever the detector says.
    pub known_coinjoins: BTreeSet<String>,
    /// Change heuristics to apply on top of multi-input (none by default).
    pub change: ChangeHeuristics,
}

/// One set of addresses linked by the heuristic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cluster {
    /// Position in [`Clustering::clusters`].
    pub id: usize,
    /// Member addresses, sorted.
    pub addresses: Vec<String>,
    /// The heuristic that linked them ([`MULTI_INPUT`], or a change
    /// heuristic when only change links formed it); empty for a single
    /// address, which nothing linked.
    pub heuristic: &'static str,
    /// Every heuristic that contributed a link inside the cluster, sorted.
    pub heuristics: Vec<&'static str>,
}

/// The result of clustering: every address seen, in exactly one cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Clustering {
    /// Clusters ordered by their smallest address.
    pub clusters: Vec<Cluster>,
    /// Txids left out as CoinJoins, sorted.
    pub skipped_coinjoins: Vec<String>,
    /// Why each skipped transaction was left out: `known` (supplied by the
    /// caller) or the detector's [`CoinJoinKind`].
    pub skipped_reasons: BTreeMap<String, String>,
    /// Links made by change heuristics, sorted.
    pub change_links: Vec<ChangeLink>,
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

/// Why a transaction was judged a CoinJoin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoinJoinKind {
    /// Many equal-valued outputs paid from several input addresses
    /// (Wasabi 1, Whirlpool, JoinMarket style).
    EqualOutputs,
    /// The transaction splits into two or more self-balancing parts: each
    /// group of input addresses pays for its own group of at least two
    /// outputs (a payment and a change) out of its own value, so the inputs
    /// need not share an owner (mixed-value CoinJoin).
    IndependentParts,
}

impl CoinJoinKind {
    /// One-line explanation for reports.
    pub fn explain(self) -> &'static str {
        match self {
            CoinJoinKind::EqualOutputs => {
                "equal-output CoinJoin: many outputs of one value paid from several input addresses"
            }
            CoinJoinKind::IndependentParts => {
                "mixed-value CoinJoin: the inputs split into groups that each pay their own outputs (payment + change) within the fee"
            }
        }
    }
}

/// Largest output count for which [`CoinJoinKind::IndependentParts`] is
/// tested: with more outputs, some subset sums match by chance too often.
pub const MAX_PARTS_OUTPUTS: usize = 8;
/// Largest number of distinct input addresses for the same test.
pub const MAX_PARTS_INPUT_ADDRESSES: usize = 10;
/// The part test requires the whole fee to be at most this share of the
/// input value (percent): a real transaction's fee is small.
pub const MAX_FEE_PERCENT: u64 = 3;

/// True when `tx` looks like a CoinJoin ([`coinjoin_kind`]).
pub fn looks_like_coinjoin(tx: &Tx) -> bool {
    coinjoin_kind(tx).is_some()
}

/// Which CoinJoin pattern, if any, `tx` shows.
///
/// [`CoinJoinKind::EqualOutputs`]: at least 2 inputs from at least 2
/// distinct resolved addresses, at least 3 outputs, and some value (not the
/// 546/2730-satoshi dust of protocol markers) shared by `k >= 2` outputs,
/// where `k` is no more than the number of distinct input addresses and
/// `2k >= outputs` (the equal "mixed" outputs are at least half of all
/// outputs; the rest are change).
///
/// [`CoinJoinKind::IndependentParts`]: every input resolved (address and
/// value), at least 2 distinct input addresses, 4 to
/// [`MAX_PARTS_OUTPUTS`] outputs, a fee of at most [`MAX_FEE_PERCENT`] of the
/// input value, and a split of the input addresses into two groups and of
/// the outputs into two groups of at least two outputs each, such that each
/// input group covers its own outputs and pays a non-negative share of the
/// fee. This is the subset-sum idea behind "possible CoinJoin" detectors
/// (BlockSci, Boltzmann), restricted to small transactions.
pub fn coinjoin_kind(tx: &Tx) -> Option<CoinJoinKind> {
    if tx.coinbase {
        return None;
    }
    let inputs: Vec<(Option<&str>, Option<u64>)> = tx
        .inputs
        .iter()
        .map(|i| (i.address.as_deref(), i.value))
        .collect();
    let outputs: Vec<u64> = tx.outputs.iter().map(|o| o.value).collect();
    coinjoin_shape(&inputs, &outputs)
}

/// [`coinjoin_kind`] on a transaction's shape: each input's sender (any
/// comparable key) and value when resolved, and the output values.
pub(crate) fn coinjoin_shape<K: Ord + Copy>(
    inputs: &[(Option<K>, Option<u64>)],
    outputs: &[u64],
) -> Option<CoinJoinKind> {
    if inputs.len() < 2 || outputs.len() < 3 {
        return None;
    }
    let senders: BTreeSet<K> = inputs.iter().filter_map(|i| i.0).collect();
    if senders.len() < 2 {
        return None;
    }
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    for &v in outputs.iter().filter(|&&v| v > 0) {
        *counts.entry(v).or_default() += 1;
    }
    // Most common value; ties go to the smallest value.
    let mut best = (0usize, 0u64);
    for (&v, &c) in &counts {
        if c > best.0 {
            best = (c, v);
        }
    }
    let (k, value) = best;
    if k >= 2 && k <= senders.len() && 2 * k >= outputs.len() && value != 546 && value != 2730 {
        return Some(CoinJoinKind::EqualOutputs);
    }
    if independent_parts(inputs, outputs) {
        return Some(CoinJoinKind::IndependentParts);
    }
    None
}

fn independent_parts<K: Ord + Copy>(inputs: &[(Option<K>, Option<u64>)], outputs: &[u64]) -> bool {
    let m = outputs.len();
    if !(4..=MAX_PARTS_OUTPUTS).contains(&m) {
        return false;
    }
    let mut groups: BTreeMap<K, u64> = BTreeMap::new();
    for &(a, v) in inputs {
        let (Some(a), Some(v)) = (a, v) else {
            return false;
        };
        let e = groups.entry(a).or_default();
        *e = e.saturating_add(v);
    }
    let g = groups.len();
    if !(2..=MAX_PARTS_INPUT_ADDRESSES).contains(&g) {
        return false;
    }
    let values: Vec<u64> = groups.into_values().collect();
    let in_total = values.iter().fold(0u64, |a, &v| a.saturating_add(v));
    let out_total = outputs.iter().fold(0u64, |a, &v| a.saturating_add(v));
    let Some(fee) = in_total.checked_sub(out_total) else {
        return false;
    };
    if fee.saturating_mul(100) > in_total.saturating_mul(MAX_FEE_PERCENT) {
        return false;
    }
    // Sums of every output subset leaving at least two outputs on each side.
    let mut sums: Vec<u64> = (1u32..(1 << m) - 1)
        .filter(|mask| mask.count_ones() >= 2 && m - mask.count_ones() as usize >= 2)
        .map(|mask| {
            (0..m)
                .filter(|b| mask & (1 << b) != 0)
                .fold(0u64, |a, b| a.saturating_add(outputs[b]))
        })
        .collect();
    sums.sort_unstable();
    // Input groups: the first address always on side A (the split is symmetric).
    for amask in (1u32..(1 << g) - 1).filter(|a| a & 1 == 1) {
        let a = (0..g)
            .filter(|b| amask & (1 << b) != 0)
            .fold(0u64, |acc, b| acc.saturating_add(values[b]));
        // Side A's outputs s must satisfy a - fee <= s <= a; side B then
        // also balances, since the two fee shares add up to the fee.
        let lo = a.saturating_sub(fee);
        let at = sums.partition_point(|&s| s < lo);
        if sums.get(at).is_some_and(|&s| s <= a) {
            return true;
        }
    }
    false
}

/// Clusters every address appearing in `txs` (inputs and outputs).
///
/// Inputs must already carry their addresses ([`crate::resolve_inputs`]).
/// The result does not depend on the order of `txs`.
pub fn cluster(txs: &[Tx], opts: &ClusterOptions) -> Clustering {
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    // Index of the transaction where each address id first appears.
    let mut first_seen: Vec<usize> = Vec::new();
    for (t, tx) in txs.iter().enumerate() {
        let ins = tx.inputs.iter().filter_map(|i| i.address.as_ref());
        let outs = tx.outputs.iter().filter_map(|o| o.address.as_ref());
        for a in ins.chain(outs) {
            if !ids.contains_key(a) {
                ids.insert(a.clone(), ids.len());
                first_seen.push(t);
            }
        }
    }
    let mut multi = vec![false; ids.len()];
    let mut links: Vec<ChangeLink> = Vec::new();
    let mut uf = UnionFind::new(ids.len());
    let mut skipped = Vec::new();
    let mut reasons = BTreeMap::new();
    for (t, tx) in txs.iter().enumerate() {
        let why = if opts.known_coinjoins.contains(&tx.txid) {
            Some("known".to_string())
        } else if opts.skip_detected_coinjoins {
            coinjoin_kind(tx).map(|k| k.explain().to_string())
        } else {
            None
        };
        if let Some(why) = why {
            skipped.push(tx.txid.clone());
            reasons.insert(tx.txid.clone(), why);
            continue;
        }
        let mut first = None;
        for a in tx.inputs.iter().filter_map(|i| i.address.as_ref()) {
            let Some(&id) = ids.get(a) else { continue };
            match first {
                None => first = Some(id),
                Some(f) if f != id => {
                    uf.union(f, id);
                    multi[f] = true;
                    multi[id] = true;
                }
                Some(_) => {}
            }
        }
        if opts.change.any() {
            if let Some(f) = first {
                for (vout, heuristic) in change_outputs(tx, t, &ids, &first_seen, opts.change) {
                    let Some(change) = tx.outputs[vout].address.as_ref() else {
                        continue;
                    };
                    let Some(&c) = ids.get(change) else { continue };
                    uf.union(f, c);
                    let spender = tx
                        .inputs
                        .iter()
                        .find_map(|i| i.address.clone())
                        .unwrap_or_default();
                    links.push(ChangeLink {
                        txid: tx.txid.clone(),
                        spender,
                        change: change.clone(),
                        heuristic,
                    });
                }
            }
        }
    }
    links.sort();
    links.dedup();
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
    // Heuristics per union-find root.
    let mut by_root: BTreeMap<usize, BTreeSet<&'static str>> = BTreeMap::new();
    for (id, &m) in multi.iter().enumerate() {
        if m {
            by_root.entry(uf.find(id)).or_default().insert(MULTI_INPUT);
        }
    }
    for l in &links {
        if let Some(&c) = ids.get(&l.change) {
            by_root.entry(uf.find(c)).or_default().insert(l.heuristic);
        }
    }
    let mut out = Clustering {
        skipped_coinjoins: skipped,
        skipped_reasons: reasons,
        change_links: links,
        ..Clustering::default()
    };
    for (id, addresses) in members.into_iter().enumerate() {
        for a in &addresses {
            out.by_address.insert(a.clone(), id);
        }
        let root = ids.get(&addresses[0]).map(|&i| uf.find(i));
        let heuristics: Vec<&'static str> = if addresses.len() > 1 {
            root.and_then(|r| by_root.get(&r))
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let heuristic = if heuristics.contains(&MULTI_INPUT) {
            MULTI_INPUT
        } else {
            heuristics.first().copied().unwrap_or("")
        };
        out.clusters.push(Cluster {
            id,
            addresses,
            heuristic,
            heuristics,
        });
    }
    out
}

/// Outputs of `tx` (index `t` in the ledger) that enabled change heuristics
/// name as the change, with the heuristic's name.
fn change_outputs(
    tx: &Tx,
    t: usize,
    ids: &BTreeMap<String, usize>,
    first_seen: &[usize],
    h: ChangeHeuristics,
) -> Vec<(usize, &'static str)> {
    let mut out = Vec::new();
    if tx.coinbase || tx.outputs.len() < 2 || tx.outputs.iter().any(|o| o.address.is_none()) {
        return out;
    }
    let inputs: BTreeSet<&str> = tx
        .inputs
        .iter()
        .filter_map(|i| i.address.as_deref())
        .collect();
    // Paying back to an input address: the change is already known and
    // linking adds nothing.
    if tx
        .outputs
        .iter()
        .any(|o| o.address.as_deref().is_some_and(|a| inputs.contains(a)))
    {
        return out;
    }
    let only = |v: Vec<usize>| if v.len() == 1 { Some(v[0]) } else { None };
    if h.one_time {
        let fresh: Vec<usize> = (0..tx.outputs.len())
            .filter(|&n| {
                tx.outputs[n]
                    .address
                    .as_ref()
                    .and_then(|a| ids.get(a))
                    .is_some_and(|&id| first_seen[id] == t)
            })
            .collect();
        if let Some(n) = only(fresh) {
            out.push((n, CHANGE_ONE_TIME));
        }
    }
    if h.round_amount && tx.outputs.len() == 2 {
        let round: Vec<bool> = tx
            .outputs
            .iter()
            .map(|o| o.value > 0 && o.value.is_multiple_of(10_000))
            .collect();
        if round[0] != round[1] {
            out.push((if round[0] { 1 } else { 0 }, CHANGE_ROUND_AMOUNT));
        }
    }
    if h.script_type {
        let kinds: BTreeSet<_> = tx.inputs.iter().map(|i| i.script_type).collect();
        if kinds.len() == 1 {
            if let Some(Some(k)) = kinds.into_iter().next() {
                let same: Vec<usize> = (0..tx.outputs.len())
                    .filter(|&n| tx.outputs[n].script_type == k)
                    .collect();
                if let Some(n) = only(same) {
                    out.push((n, CHANGE_SCRIPT_TYPE));
                }
            }
        }
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

/// A [`Clustering`] from groups formed by multi-input links only (the
/// streaming clusterer): sorts members and groups as [`cluster`] does.
pub(crate) fn from_groups(
    groups: Vec<Vec<String>>,
    mut skipped: Vec<String>,
    reasons: BTreeMap<String, String>,
) -> Clustering {
    let mut members: Vec<Vec<String>> = groups
        .into_iter()
        .map(|mut g| {
            g.sort();
            g.dedup();
            g
        })
        .collect();
    members.sort();
    skipped.sort();
    skipped.dedup();
    let mut out = Clustering {
        skipped_coinjoins: skipped,
        skipped_reasons: reasons,
        ..Clustering::default()
    };
    for (id, addresses) in members.into_iter().enumerate() {
        for a in &addresses {
            out.by_address.insert(a.clone(), id);
        }
        let (heuristic, heuristics) = if addresses.len() > 1 {
            (MULTI_INPUT, vec![MULTI_INPUT])
        } else {
            ("", Vec::new())
        };
        out.clusters.push(Cluster {
            id,
            addresses,
            heuristic,
            heuristics,
        });
    }
    out
}

//! Following funds through transactions, forward or backward, N hops, under
//! a named taint model.
//!
//! A hop is one transaction. Forward, the start is a set of outputs (those
//! paying an address, or those of a transaction) and the trace follows the
//! transactions spending them; backward, the trace follows the inputs that
//! funded them. In each transaction the taint model decides how much of the
//! tracked amount passes from one side to the other:
//!
//! * [`TaintModel::Poison`]: every output of a transaction with a tracked
//!   input is tracked in full (backward: every input of a transaction with a
//!   tracked output);
//! * [`TaintModel::Haircut`]: the tracked share of the inputs passes to every
//!   output in proportion to its value;
//! * [`TaintModel::Fifo`]: satoshis keep their order: the first satoshis in
//!   (by input order) are the first out (by output order), the fee takes the
//!   last ones.
//!
//! Tracing stops at addresses tagged as services (exchanges and the like:
//! the funds' trail continues in the service's books, not on chain), at
//! outputs not spent in the data, at newly mined coins, at funds from
//! outside the data, and at the hop limit; each stop is an [`Endpoint`] with
//! its reason. The ledger must be in chain order (a transaction after the
//! ones it spends), as blocks sorted by height give it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::model::Tx;

/// How tracked value passes through a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaintModel {
    /// All-or-nothing.
    Poison,
    /// Proportional.
    Haircut,
    /// First in, first out.
    Fifo,
}

impl TaintModel {
    /// Parses `poison`, `haircut` or `fifo`.
    pub fn parse(s: &str) -> Option<TaintModel> {
        match s {
            "poison" => Some(TaintModel::Poison),
            "haircut" => Some(TaintModel::Haircut),
            "fifo" => Some(TaintModel::Fifo),
            _ => None,
        }
    }

    /// The model's name.
    pub fn name(self) -> &'static str {
        match self {
            TaintModel::Poison => "poison",
            TaintModel::Haircut => "haircut",
            TaintModel::Fifo => "fifo",
        }
    }

    /// One sentence explaining the model, for the report.
    pub fn explain(self) -> &'static str {
        match self {
            TaintModel::Poison => {
                "Poison: any transaction that touches traced funds passes on all of its value as traced, so amounts are an upper bound."
            }
            TaintModel::Haircut => {
                "Haircut: each transaction passes traced funds to every output in proportion to that output's share of the transaction's value."
            }
            TaintModel::Fifo => {
                "FIFO: satoshis keep their order through a transaction, the first in (by input order) being the first out (by output order), with the fee taking the last ones."
            }
        }
    }
}

/// Which way to follow the funds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Where the funds went.
    Forward,
    /// Where the funds came from.
    Backward,
}

/// Where a trace starts: the outputs paying `address` in transactions it
/// does not itself spend in (its receipts from others, not its own change),
/// the outputs of `txid`, or (both given) the outputs of `txid` paying
/// `address`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Start {
    /// An address.
    pub address: Option<String>,
    /// A transaction id.
    pub txid: Option<String>,
}

/// Trace settings.
#[derive(Debug, Clone)]
pub struct TraceOptions {
    /// Maximum number of transactions from the start.
    pub hops: usize,
    /// Forward or backward.
    pub direction: Direction,
    /// The taint model.
    pub model: TaintModel,
    /// Addresses at which to stop, with what they are (for example
    /// `"ExampleX (exchange)"`), usually from tag files.
    pub services: BTreeMap<String, String>,
}

/// One side (input or output) of a transaction in a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leg {
    /// Input or output index.
    pub index: u32,
    /// Address, or `script:<type>` when there is none, or `unknown` for an
    /// unresolved input.
    pub address: String,
    /// Value in satoshi (0 when unknown).
    pub value: u64,
    /// Traced satoshi.
    pub traced: u64,
}

/// One transaction the traced funds pass through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Transactions from the start (1 for the first).
    pub hop: usize,
    /// The transaction.
    pub txid: String,
    /// Block time (seconds since the Unix epoch).
    pub time: u32,
    /// Block height, when known.
    pub height: Option<u32>,
    /// Inputs, in order.
    pub inputs: Vec<Leg>,
    /// Outputs, in order.
    pub outputs: Vec<Leg>,
    /// Traced satoshi paid as fee.
    pub traced_fee: u64,
    /// True when traced funds leave by two or more outputs (forward) or come
    /// from two or more inputs (backward).
    pub split: bool,
    /// True when traced funds are combined with other funds (forward: with
    /// untraced inputs or other traced inputs; backward: traced outputs
    /// joined with other outputs).
    pub merge: bool,
    /// True when some input value was unknown, so haircut and FIFO shares
    /// are approximate.
    pub approximate: bool,
}

/// Why tracing stopped somewhere.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The address is tagged as a service; the text says which.
    Service(String),
    /// Not spent in the loaded data.
    Unspent,
    /// Newly mined coins (backward).
    Coinbase,
    /// The funding transaction is not in the loaded data (backward).
    OutsideData,
    /// The hop limit was reached.
    HopLimit,
    /// An output without an address (data carrier or non-standard script).
    NoAddress,
}

impl StopReason {
    /// Words for a table.
    pub fn describe(&self) -> String {
        match self {
            StopReason::Service(s) => format!("service: {s}"),
            StopReason::Unspent => "not spent in the data".into(),
            StopReason::Coinbase => "newly mined coins".into(),
            StopReason::OutsideData => "funded from outside the data".into(),
            StopReason::HopLimit => "hop limit".into(),
            StopReason::NoAddress => "output without an address".into(),
        }
    }
}

/// Where traced funds stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// The address (or `script:<type>` / `unknown`).
    pub address: String,
    /// Traced satoshi that stopped there.
    pub traced: u64,
    /// Why tracing stopped.
    pub reason: StopReason,
    /// The hop at which it stopped.
    pub hop: usize,
}

/// A complete trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// Where it started.
    pub start: Start,
    /// Forward or backward.
    pub direction: Direction,
    /// The taint model.
    pub model: TaintModel,
    /// The model's one-sentence explanation.
    pub model_explanation: &'static str,
    /// The hop limit.
    pub hops: usize,
    /// Satoshi at the start.
    pub start_value: u64,
    /// Transactions passed through, in chain order (forward) or reverse
    /// chain order (backward).
    pub steps: Vec<Step>,
    /// Where the traced funds stopped, sorted by hop, address and reason.
    pub endpoints: Vec<Endpoint>,
}

/// Why a trace could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    /// Neither an address nor a transaction was given.
    #[error("give an address or a transaction to start from")]
    NoStart,
    /// The transaction is not in the loaded data.
    #[error("transaction {0} is not in the loaded data")]
    UnknownTx(String),
    /// Nothing pays the address (in that transaction).
    #[error("no output paying {0} in the loaded data")]
    NothingPaid(String),
}

/// Satoshi ranges `[a, b)` inside one output (or input), sorted, disjoint.
type Ranges = Vec<(u64, u64)>;

fn amount(r: &Ranges) -> u64 {
    r.iter().fold(0u64, |t, (a, b)| t.saturating_add(b - a))
}

fn total(values: impl Iterator<Item = u64>) -> u64 {
    values.fold(0u64, u64::saturating_add)
}

/// A step's inputs with the traced amount of each (one per input, in order).
fn input_legs(tx: &Tx, traced: impl Iterator<Item = u64>) -> Vec<Leg> {
    tx.inputs
        .iter()
        .zip(traced)
        .enumerate()
        .map(|(n, (i, traced))| Leg {
            index: n as u32,
            address: label(i.address.as_deref(), || "unknown".into()),
            value: i.value.unwrap_or(0),
            traced,
        })
        .collect()
}

/// A step's outputs with the traced amount of each (one per output, in order).
fn output_legs(tx: &Tx, traced: impl Iterator<Item = u64>) -> Vec<Leg> {
    tx.outputs
        .iter()
        .zip(traced)
        .enumerate()
        .map(|(n, (o, traced))| Leg {
            index: n as u32,
            address: label(o.address.as_deref(), || script_label(o.script_type)),
            value: o.value,
            traced,
        })
        .collect()
}

fn label(address: Option<&str>, fallback: impl FnOnce() -> String) -> String {
    address.map_or_else(fallback, str::to_string)
}

fn script_label(t: crate::model::ScriptType) -> String {
    format!("script:{}", t.core_name())
}

/// Moves `ranges` (relative to a piece at `from_off`) onto the piece
/// `[to_off, to_off + to_len)`, relative to it.
fn overlap(ranges: &Ranges, from_off: u64, to_off: u64, to_len: u64) -> Ranges {
    let (lo, hi) = (to_off, to_off.saturating_add(to_len));
    ranges
        .iter()
        .filter_map(|&(a, b)| {
            let (a, b) = (a.saturating_add(from_off), b.saturating_add(from_off));
            let (s, e) = (a.max(lo), b.min(hi));
            (s < e).then(|| (s - lo, e - lo))
        })
        .collect()
}

fn scale(value: u64, num: u64, den: u64) -> u64 {
    if den == 0 {
        return 0;
    }
    ((value as u128 * num as u128) / den as u128).min(value as u128) as u64
}

struct Ledger<'a> {
    txs: &'a [Tx],
    by_txid: HashMap<&'a str, usize>,
    spender: HashMap<(&'a str, u32), usize>,
}

impl<'a> Ledger<'a> {
    fn new(txs: &'a [Tx]) -> Self {
        let mut by_txid = HashMap::new();
        let mut spender = HashMap::new();
        for (i, t) in txs.iter().enumerate() {
            by_txid.entry(t.txid.as_str()).or_insert(i);
            for input in &t.inputs {
                spender
                    .entry((input.prev_txid.as_str(), input.prev_vout))
                    .or_insert(i);
            }
        }
        Ledger {
            txs,
            by_txid,
            spender,
        }
    }
}

/// Follows funds from `start` under `opts` through `txs` (chain order,
/// inputs resolved).
pub fn trace(txs: &[Tx], start: &Start, opts: &TraceOptions) -> Result<Trace, TraceError> {
    let ledger = Ledger::new(txs);
    // Seed outputs: (tx index, vout).
    let mut seeds: Vec<(usize, u32)> = Vec::new();
    match (&start.txid, &start.address) {
        (None, None) => return Err(TraceError::NoStart),
        (Some(t), a) => {
            let &i = ledger
                .by_txid
                .get(t.as_str())
                .ok_or_else(|| TraceError::UnknownTx(t.clone()))?;
            for (n, o) in txs[i].outputs.iter().enumerate() {
                if a.is_none() || o.address.as_deref() == a.as_deref() {
                    seeds.push((i, n as u32));
                }
            }
            if let (Some(a), true) = (a, seeds.is_empty()) {
                return Err(TraceError::NothingPaid(a.clone()));
            }
        }
        (None, Some(a)) => {
            // Payments from others: change the address pays itself is
            // already part of what it received.
            let mut own = Vec::new();
            for (i, t) in txs.iter().enumerate() {
                let spends = t
                    .inputs
                    .iter()
                    .any(|x| x.address.as_deref() == Some(a.as_str()));
                for (n, o) in t.outputs.iter().enumerate() {
                    if o.address.as_deref() == Some(a.as_str()) {
                        if spends {
                            own.push((i, n as u32));
                        } else {
                            seeds.push((i, n as u32));
                        }
                    }
                }
            }
            if seeds.is_empty() {
                seeds = own;
            }
            if seeds.is_empty() {
                return Err(TraceError::NothingPaid(a.clone()));
            }
        }
    }
    let start_value = total(seeds.iter().map(|&(i, n)| txs[i].outputs[n as usize].value));
    let mut t = Tracer {
        ledger: &ledger,
        opts,
        tracked: BTreeMap::new(),
        steps: Vec::new(),
        ends: BTreeMap::new(),
    };
    match opts.direction {
        Direction::Forward => t.forward(&seeds),
        Direction::Backward => t.backward(&seeds),
    }
    let mut endpoints: Vec<Endpoint> = t
        .ends
        .into_iter()
        .map(|((hop, address, reason), traced)| Endpoint {
            address,
            traced,
            reason,
            hop,
        })
        .collect();
    endpoints.sort_by(|a, b| (a.hop, &a.address, &a.reason).cmp(&(b.hop, &b.address, &b.reason)));
    Ok(Trace {
        start: start.clone(),
        direction: opts.direction,
        model: opts.model,
        model_explanation: opts.model.explain(),
        hops: opts.hops,
        start_value,
        steps: t.steps,
        endpoints,
    })
}

struct Tracer<'a, 'b> {
    ledger: &'b Ledger<'a>,
    opts: &'b TraceOptions,
    /// Tracked outputs: (tx index, vout) → (ranges inside the output, hop).
    tracked: BTreeMap<(usize, u32), (Ranges, usize)>,
    steps: Vec<Step>,
    ends: BTreeMap<(usize, String, StopReason), u64>,
}

impl Tracer<'_, '_> {
    fn end(&mut self, hop: usize, address: String, reason: StopReason, traced: u64) {
        if traced == 0 {
            return;
        }
        let e = self.ends.entry((hop, address, reason)).or_default();
        *e = e.saturating_add(traced);
    }

    fn service(&self, address: Option<&str>) -> Option<String> {
        address.and_then(|a| self.opts.services.get(a).cloned())
    }

    fn out_label(&self, tx: usize, vout: u32) -> String {
        let o = &self.ledger.txs[tx].outputs[vout as usize];
        label(o.address.as_deref(), || script_label(o.script_type))
    }

    /// Files a tracked output forward: a stop, or pending for its spender.
    fn place_forward(
        &mut self,
        tx: usize,
        vout: u32,
        ranges: Ranges,
        hop: usize,
        pending: &mut BTreeSet<usize>,
    ) {
        let txs = self.ledger.txs;
        let o = &txs[tx].outputs[vout as usize];
        let traced = amount(&ranges);
        if traced == 0 {
            return;
        }
        let who = self.out_label(tx, vout);
        if o.address.is_none() {
            self.end(hop, who, StopReason::NoAddress, traced);
        } else if let Some(s) = self.service(o.address.as_deref()).filter(|_| hop > 0) {
            self.end(hop, who, StopReason::Service(s), traced);
        } else if let Some(&sp) = self.ledger.spender.get(&(txs[tx].txid.as_str(), vout)) {
            self.tracked.insert((tx, vout), (ranges, hop));
            pending.insert(sp);
        } else {
            self.end(hop, who, StopReason::Unspent, traced);
        }
    }

    fn forward(&mut self, seeds: &[(usize, u32)]) {
        let txs = self.ledger.txs;
        let mut pending = BTreeSet::new();
        for &(i, n) in seeds {
            let v = txs[i].outputs[n as usize].value;
            self.place_forward(i, n, vec![(0, v)], 0, &mut pending);
        }
        while let Some(x) = pending.pop_first() {
            let tx = &txs[x];
            // Tracked inputs of x.
            let mut ins: Vec<Option<Ranges>> = Vec::with_capacity(tx.inputs.len());
            let mut hop = usize::MAX;
            for i in &tx.inputs {
                let key = self
                    .ledger
                    .by_txid
                    .get(i.prev_txid.as_str())
                    .map(|&p| (p, i.prev_vout));
                match key.and_then(|k| self.tracked.remove(&k)) {
                    Some((r, h)) => {
                        hop = hop.min(h + 1);
                        ins.push(Some(r));
                    }
                    None => ins.push(None),
                }
            }
            if hop == usize::MAX {
                continue;
            }
            if hop > self.opts.hops {
                for (i, r) in tx.inputs.iter().zip(&ins) {
                    if let Some(r) = r {
                        let who = label(i.address.as_deref(), || "unknown".into());
                        self.end(hop - 1, who, StopReason::HopLimit, amount(r));
                    }
                }
                continue;
            }
            let approximate = tx.inputs.iter().any(|i| i.value.is_none());
            let in_vals: Vec<u64> = tx.inputs.iter().map(|i| i.value.unwrap_or(0)).collect();
            let in_total = total(in_vals.iter().copied());
            let traced_in = total(ins.iter().flatten().map(amount));
            let mut out_ranges: Vec<Ranges> = Vec::with_capacity(tx.outputs.len());
            match self.opts.model {
                TaintModel::Poison => {
                    for o in &tx.outputs {
                        out_ranges.push(if o.value > 0 {
                            vec![(0, o.value)]
                        } else {
                            vec![]
                        });
                    }
                }
                TaintModel::Haircut => {
                    for o in &tx.outputs {
                        let a = scale(o.value, traced_in, in_total);
                        out_ranges.push(if a > 0 { vec![(0, a)] } else { vec![] });
                    }
                }
                TaintModel::Fifo => {
                    let mut all: Ranges = Vec::new();
                    let mut off = 0u64;
                    for (v, r) in in_vals.iter().zip(&ins) {
                        if let Some(r) = r {
                            all.extend(overlap(r, off, 0, u64::MAX));
                        }
                        off = off.saturating_add(*v);
                    }
                    let mut o_off = 0u64;
                    for o in &tx.outputs {
                        out_ranges.push(overlap(&all, 0, o_off, o.value));
                        o_off = o_off.saturating_add(o.value);
                    }
                }
            }
            let traced_out = total(out_ranges.iter().map(amount));
            let traced_fee = match self.opts.model {
                TaintModel::Poison => tx.fee().unwrap_or(0),
                _ => traced_in.saturating_sub(traced_out),
            };
            let n_traced_in = ins.iter().filter(|r| r.is_some()).count();
            let step = Step {
                hop,
                txid: tx.txid.clone(),
                time: tx.time,
                height: tx.height,
                inputs: input_legs(tx, ins.iter().map(|r| r.as_ref().map_or(0, amount))),
                outputs: output_legs(tx, out_ranges.iter().map(amount)),
                traced_fee,
                split: out_ranges.iter().filter(|r| amount(r) > 0).count() >= 2,
                merge: n_traced_in >= 1 && tx.inputs.len() >= 2,
                approximate,
            };
            self.steps.push(step);
            for (n, r) in out_ranges.into_iter().enumerate() {
                self.place_forward(x, n as u32, r, hop, &mut pending);
            }
        }
    }

    fn backward(&mut self, seeds: &[(usize, u32)]) {
        let txs = self.ledger.txs;
        let mut pending = BTreeSet::new();
        for &(i, n) in seeds {
            let v = txs[i].outputs[n as usize].value;
            self.tracked.insert((i, n), (vec![(0, v)], 0));
            pending.insert(i);
        }
        while let Some(x) = pending.pop_last() {
            let tx = &txs[x];
            let outs: Vec<Option<(Ranges, usize)>> = (0..tx.outputs.len() as u32)
                .map(|n| self.tracked.remove(&(x, n)))
                .collect();
            let Some(hop) = outs.iter().flatten().map(|(_, h)| h + 1).min() else {
                continue;
            };
            if hop > self.opts.hops || tx.coinbase {
                let reason = if hop > self.opts.hops {
                    StopReason::HopLimit
                } else {
                    StopReason::Coinbase
                };
                for (n, o) in outs.iter().enumerate() {
                    if let Some((r, _)) = o {
                        let who = self.out_label(x, n as u32);
                        self.end(hop - 1, who, reason.clone(), amount(r));
                    }
                }
                continue;
            }
            let approximate = tx.inputs.iter().any(|i| i.value.is_none());
            let in_vals: Vec<u64> = tx.inputs.iter().map(|i| i.value.unwrap_or(0)).collect();
            let in_total = total(in_vals.iter().copied());
            let traced_out = total(outs.iter().flatten().map(|(r, _)| amount(r)));
            let mut in_ranges: Vec<Ranges> = Vec::with_capacity(tx.inputs.len());
            match self.opts.model {
                TaintModel::Poison => {
                    for v in &in_vals {
                        in_ranges.push(if *v > 0 { vec![(0, *v)] } else { vec![] });
                    }
                }
                TaintModel::Haircut => {
                    for v in &in_vals {
                        let a = scale(*v, traced_out, in_total);
                        in_ranges.push(if a > 0 { vec![(0, a)] } else { vec![] });
                    }
                }
                TaintModel::Fifo => {
                    let mut all: Ranges = Vec::new();
                    let mut off = 0u64;
                    for (o, r) in tx.outputs.iter().zip(&outs) {
                        if let Some((r, _)) = r {
                            all.extend(overlap(r, off, 0, u64::MAX));
                        }
                        off = off.saturating_add(o.value);
                    }
                    let mut i_off = 0u64;
                    for v in &in_vals {
                        in_ranges.push(overlap(&all, 0, i_off, *v));
                        i_off = i_off.saturating_add(*v);
                    }
                }
            }
            let n_traced_out = outs.iter().filter(|o| o.is_some()).count();
            let step = Step {
                hop,
                txid: tx.txid.clone(),
                time: tx.time,
                height: tx.height,
                inputs: input_legs(tx, in_ranges.iter().map(amount)),
                outputs: output_legs(
                    tx,
                    outs.iter()
                        .map(|r| r.as_ref().map_or(0, |(r, _)| amount(r))),
                ),
                traced_fee: 0,
                split: in_ranges.iter().filter(|r| amount(r) > 0).count() >= 2,
                merge: n_traced_out >= 1 && tx.outputs.len() >= 2,
                approximate,
            };
            self.steps.push(step);
            for (i, r) in tx.inputs.iter().zip(in_ranges) {
                let traced = amount(&r);
                if traced == 0 {
                    continue;
                }
                let who = label(i.address.as_deref(), || "unknown".into());
                if let Some(s) = self.service(i.address.as_deref()) {
                    self.end(hop, who, StopReason::Service(s), traced);
                    continue;
                }
                match self.ledger.by_txid.get(i.prev_txid.as_str()) {
                    Some(&p) if p < x => {
                        let e = self
                            .tracked
                            .entry((p, i.prev_vout))
                            .or_insert((Vec::new(), hop));
                        e.0.extend(r);
                        e.0.sort_unstable();
                        e.1 = e.1.min(hop);
                        pending.insert(p);
                    }
                    _ => self.end(hop, who, StopReason::OutsideData, traced),
                }
            }
        }
    }
}

//! `exhibit crypto`: Bitcoin ledger files the investigator holds, as
//! clusters of addresses, flows and traces of funds, attribution tags, and a
//! local index.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use exhibit_chain::{
    btc, utc, Block, ChangeHeuristics, ClusterOptions, Direction, Network, SourceFile, Start, Tags,
    TaintModel, TraceOptions, Tx,
};
use serde::Serialize;

/// Flags shared by the `crypto` subcommands that read a ledger.
#[derive(clap::Args, Debug)]
pub struct LedgerArgs {
    /// Ledger files: `blk*.dat` (magic + length framing), single raw blocks,
    /// or Bitcoin Core RPC JSON (`getblock` verbosity 2/3, `getrawtransaction`).
    pub files: Vec<PathBuf>,
    /// Read an index written by `exhibit crypto import` instead of ledger files.
    #[arg(long, value_name = "DIR", conflicts_with = "files")]
    pub index: Option<PathBuf>,
    /// Network of raw blocks and RPC JSON (`blk*.dat` files name theirs).
    #[arg(long, default_value = "mainnet")]
    pub network: String,
    /// Bitcoin Core 28+ `blocks/xor.dat` key for obfuscated `blk*.dat` files
    /// (by default an `xor.dat` beside a file that needs it is used).
    #[arg(long, value_name = "FILE")]
    pub xor: Option<PathBuf>,
    /// Output JSON.
    #[arg(long)]
    pub json: bool,
}

fn network(name: &str) -> anyhow::Result<Network> {
    Ok(match name {
        "mainnet" | "bitcoin" => Network::Mainnet,
        "testnet" => Network::Testnet,
        "signet" => Network::Signet,
        "regtest" => Network::Regtest,
        other => anyhow::bail!("unknown network `{other}` (mainnet, testnet, signet, regtest)"),
    })
}

/// What the ledger files held.
struct Read {
    blocks: Vec<(Block, PathBuf)>,
    loose: Vec<Tx>,
    sources: Vec<SourceFile>,
}

fn head(path: &Path, n: usize) -> anyhow::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut f = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut buf = vec![0u8; n];
    let mut got = 0;
    while got < n {
        let k = f.read(&mut buf[got..])?;
        if k == 0 {
            break;
        }
        got += k;
    }
    buf.truncate(got);
    Ok(buf)
}

/// What a ledger file is.
enum Kind {
    /// Bitcoin Core RPC JSON.
    Json,
    /// `blk*.dat`, with the XOR key to apply (empty for none).
    Blk(Vec<u8>),
    /// One raw block.
    Raw,
}

/// Tells `blk*.dat` (plain or XOR-ed, with `explicit_key` or an `xor.dat`
/// beside the file), RPC JSON and raw blocks apart by their first bytes.
fn detect(f: &Path, explicit_key: Option<&[u8]>) -> anyhow::Result<Kind> {
    let first = head(f, 64)?;
    let magic = |key: &[u8]| {
        let mut m = [0u8; 4];
        for (i, b) in m.iter_mut().enumerate() {
            let k = if key.is_empty() {
                0
            } else {
                key[i % key.len()]
            };
            *b = first.get(i).copied().unwrap_or(0) ^ k;
        }
        first.len() >= 4 && Network::from_magic(m).is_some()
    };
    if first
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{' || b == b'[')
    {
        return Ok(Kind::Json);
    }
    if magic(&[]) {
        return Ok(Kind::Blk(Vec::new()));
    }
    let key = match explicit_key {
        Some(k) => Some(k.to_vec()),
        None => {
            let beside = f.parent().unwrap_or(Path::new(".")).join("xor.dat");
            match std::fs::metadata(&beside) {
                Ok(m) if m.len() == 8 => Some(exhibit_chain::read_xor_key(&beside)?),
                _ => None,
            }
        }
    };
    Ok(match key {
        Some(k) if magic(&k) => Kind::Blk(k),
        _ => Kind::Raw,
    })
}

/// Reads every ledger file.
fn read_files(files: &[PathBuf], net: Network, xor: Option<&Path>) -> anyhow::Result<Read> {
    let explicit_key = match xor {
        Some(p) => Some(exhibit_chain::read_xor_key(p)?),
        None => None,
    };
    let mut out = Read {
        blocks: Vec::new(),
        loose: Vec::new(),
        sources: Vec::new(),
    };
    for f in files {
        let size = std::fs::metadata(f)
            .with_context(|| format!("{}", f.display()))?
            .len();
        let mut blocks: Vec<Block> = Vec::new();
        match detect(f, explicit_key.as_deref())? {
            Kind::Json => {
                let r = exhibit_chain::read_rpc_json(f, net)?;
                blocks = r.blocks;
                out.loose.extend(r.loose_txs);
            }
            Kind::Blk(k) => blocks = exhibit_chain::read_blk_file_xor(f, &k)?,
            Kind::Raw => blocks.push(exhibit_chain::read_raw_block(f, net)?),
        }
        let txs = blocks.iter().map(|b| b.txs.len()).sum();
        out.sources.push(SourceFile {
            file: f.clone(),
            size,
            blocks: blocks.len(),
            txs,
        });
        out.blocks
            .extend(blocks.into_iter().map(|b| (b, f.clone())));
    }
    // Heights across files (a blk file may continue another).
    let mut all: Vec<Block> = out.blocks.iter().map(|(b, _)| b.clone()).collect();
    exhibit_chain::assign_heights(&mut all);
    for ((b, _), h) in out.blocks.iter_mut().zip(all) {
        if b.height.is_none() {
            if let Some(h) = h.height {
                b.set_height(h);
            }
        }
    }
    Ok(out)
}

/// Every transaction of the ledger, in chain order, inputs resolved within
/// the set.
fn load(args: &LedgerArgs) -> anyhow::Result<Vec<Tx>> {
    if let Some(dir) = &args.index {
        return Ok(exhibit_chain::read_index(dir)?);
    }
    if args.files.is_empty() {
        anyhow::bail!("give ledger files or --index DIR");
    }
    let mut r = read_files(&args.files, network(&args.network)?, args.xor.as_deref())?;
    let mut txs = exhibit_chain::chain_order(&mut r.blocks);
    if !r.loose.is_empty() {
        exhibit_chain::resolve_inputs_with(&mut txs, &r.loose);
    }
    Ok(txs)
}

fn load_tags(files: &[PathBuf]) -> anyhow::Result<Tags> {
    Ok(Tags::load(files)?)
}

fn tag_note(tags: &Tags, address: &str) -> String {
    let t = tags.get(address);
    if t.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = t
        .iter()
        .map(|t| {
            if t.category.is_empty() {
                t.label.clone()
            } else {
                format!("{} ({})", t.label, t.category)
            }
        })
        .collect();
    format!("  [{}]", parts.join("; "))
}

fn parse_change(list: &[String]) -> anyhow::Result<ChangeHeuristics> {
    let mut h = ChangeHeuristics::default();
    for item in list.iter().flat_map(|s| s.split(',')) {
        match item.trim() {
            "one-time" => h.one_time = true,
            "round" => h.round_amount = true,
            "script" => h.script_type = true,
            "all" => {
                h.one_time = true;
                h.round_amount = true;
                h.script_type = true;
            }
            "" => {}
            other => {
                anyhow::bail!("unknown change heuristic `{other}` (one-time, round, script, all)")
            }
        }
    }
    Ok(h)
}

/// `exhibit crypto cluster`: addresses spent together, by the multi-input
/// heuristic, optionally with change heuristics and tags.
pub fn cluster(
    args: &LedgerArgs,
    keep_coinjoins: bool,
    known: Option<&Path>,
    change: &[String],
    tag_files: &[PathBuf],
    stream: bool,
    summary: bool,
) -> anyhow::Result<()> {
    let mut known_coinjoins = BTreeSet::new();
    if let Some(p) = known {
        let text = std::fs::read_to_string(p).with_context(|| format!("{}", p.display()))?;
        known_coinjoins.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string),
        );
    }
    let opts = ClusterOptions {
        skip_detected_coinjoins: !keep_coinjoins,
        known_coinjoins,
        change: parse_change(change)?,
    };
    let (c, ntx) = if stream {
        if opts.change != ChangeHeuristics::default() {
            anyhow::bail!("--change needs every transaction in memory; drop --stream");
        }
        if args.index.is_some() || args.files.is_empty() {
            anyhow::bail!("--stream reads ledger files (blk*.dat or raw blocks), not --index");
        }
        let (c, stats, state) = stream_cluster(args, &opts)?;
        if summary {
            let multi = c.clusters.iter().filter(|k| k.addresses.len() > 1).count();
            let per_tx = state.checked_div(stats.txs).unwrap_or(0);
            if args.json {
                #[derive(Serialize)]
                struct Out {
                    #[serde(flatten)]
                    stats: exhibit_chain::StreamStats,
                    clusters: usize,
                    multi_address_clusters: usize,
                    skipped_coinjoins: usize,
                    state_bytes: u64,
                    state_bytes_per_tx: u64,
                }
                return crate::output::json(&Out {
                    stats,
                    clusters: c.clusters.len(),
                    multi_address_clusters: multi,
                    skipped_coinjoins: c.skipped_coinjoins.len(),
                    state_bytes: state,
                    state_bytes_per_tx: per_tx,
                });
            }
            println!(
                "{} files, {} bytes, {} blocks, {} transactions, {} addresses; {} clusters of two or more addresses; {} likely CoinJoins skipped; clustering state {} bytes ({} bytes per transaction)",
                stats.files,
                stats.bytes,
                stats.blocks,
                stats.txs,
                stats.addresses,
                multi,
                c.skipped_coinjoins.len(),
                state,
                per_tx
            );
            return Ok(());
        }
        (c, stats.txs as usize)
    } else {
        let txs = load(args)?;
        (exhibit_chain::cluster(&txs, &opts), txs.len())
    };
    let tags = load_tags(tag_files)?;
    if args.json {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            clustering: &'a exhibit_chain::Clustering,
            tagged_clusters: Vec<exhibit_chain::ClusterTags>,
        }
        return crate::output::json(&Out {
            clustering: &c,
            tagged_clusters: tags.for_clusters(&c),
        });
    }
    println!(
        "{} transactions, {} clusters of two or more addresses (heuristic: {}); {} likely CoinJoins skipped",
        ntx,
        c.clusters.iter().filter(|k| k.addresses.len() > 1).count(),
        exhibit_chain::MULTI_INPUT,
        c.skipped_coinjoins.len()
    );
    for (txid, why) in &c.skipped_reasons {
        println!("  skipped {txid}: {why}");
    }
    for k in c.clusters.iter().filter(|k| k.addresses.len() > 1) {
        println!(
            "cluster {} ({} addresses; {})",
            k.id,
            k.addresses.len(),
            k.heuristics.join(", ")
        );
        for a in &k.addresses {
            println!("  {a}{}", tag_note(&tags, a));
        }
    }
    for l in &c.change_links {
        println!(
            "change link {} -> {} in {} ({})",
            l.spender, l.change, l.txid, l.heuristic
        );
    }
    Ok(())
}

/// Clusters ledger files in one streaming pass; returns the clustering,
/// the counts and the clustering state's size in bytes.
fn stream_cluster(
    args: &LedgerArgs,
    opts: &ClusterOptions,
) -> anyhow::Result<(exhibit_chain::Clustering, exhibit_chain::StreamStats, u64)> {
    let net = network(&args.network)?;
    let explicit_key = match &args.xor {
        Some(p) => Some(exhibit_chain::read_xor_key(p)?),
        None => None,
    };
    let mut s = exhibit_chain::StreamClusterer::new(opts);
    for f in &args.files {
        match detect(f, explicit_key.as_deref())? {
            Kind::Blk(k) => s.add_blk_file(f, &k)?,
            Kind::Raw => s.add_raw_block(f, net)?,
            Kind::Json => anyhow::bail!(
                "{}: RPC JSON is not read in streaming mode; drop --stream",
                f.display()
            ),
        }
    }
    let state = s.state_bytes();
    let (c, stats) = s.finish();
    Ok((c, stats, state))
}

/// `exhibit crypto flows`: one hop of funds into and out of an address.
pub fn flows(args: &LedgerArgs, address: &str) -> anyhow::Result<()> {
    let txs = load(args)?;
    let f = exhibit_chain::flows(&txs, address);
    if args.json {
        return crate::output::json(&f);
    }
    println!(
        "{address}: {} receipts, {} spends",
        f.received.len(),
        f.spent.len()
    );
    for r in &f.received {
        let from = if r.coinbase {
            "coinbase (newly mined)".to_string()
        } else {
            r.from.join(", ")
        };
        println!(
            "  in   {} BTC  {}:{}  from {from}",
            btc(r.value),
            r.txid,
            r.vout
        );
    }
    for s in &f.spent {
        let to: Vec<String> =
            s.to.iter()
                .map(|(a, v)| format!("{a} ({} BTC)", btc(*v)))
                .collect();
        println!(
            "  out  {} BTC  {}  to {}",
            btc(s.value),
            s.txid,
            to.join(", ")
        );
    }
    Ok(())
}

/// Options of `exhibit crypto trace`.
#[derive(clap::Args, Debug)]
pub struct TraceArgs {
    #[command(flatten)]
    ledger: LedgerArgs,
    /// Start from the outputs paying this address.
    #[arg(long, required_unless_present = "tx")]
    address: Option<String>,
    /// Start from this transaction's outputs (with --address: those paying it).
    #[arg(long)]
    tx: Option<String>,
    /// Maximum number of transactions to follow.
    #[arg(long, default_value_t = 5)]
    hops: usize,
    /// Follow where the funds came from instead of where they went.
    #[arg(long)]
    backward: bool,
    /// Taint model: poison, haircut or fifo.
    #[arg(long, default_value = "haircut")]
    taint: String,
    /// Tag files (CSV or YAML); tracing stops at addresses tagged as services.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    tags: Vec<PathBuf>,
    /// Write the trace graph as GraphML (Maltego entity type names).
    #[arg(long, value_name = "FILE")]
    graphml: Option<PathBuf>,
    /// Write the trace graph as Graphviz DOT.
    #[arg(long, value_name = "FILE")]
    dot: Option<PathBuf>,
    /// Write the trace graph as SVG.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
}

fn write_out(path: &Path, body: &str) -> anyhow::Result<()> {
    std::fs::write(path, body).with_context(|| format!("writing {}", path.display()))
}

/// `exhibit crypto trace`.
pub fn trace(a: &TraceArgs) -> anyhow::Result<()> {
    let model = TaintModel::parse(&a.taint).ok_or_else(|| {
        anyhow::anyhow!("unknown taint model `{}` (poison, haircut, fifo)", a.taint)
    })?;
    let txs = load(&a.ledger)?;
    let tags = load_tags(&a.tags)?;
    let opts = TraceOptions {
        hops: a.hops,
        direction: if a.backward {
            Direction::Backward
        } else {
            Direction::Forward
        },
        model,
        services: tags.services(),
    };
    let start = Start {
        address: a.address.clone(),
        txid: a.tx.clone(),
    };
    let t = exhibit_chain::trace(&txs, &start, &opts)?;
    if let Some(p) = &a.graphml {
        write_out(p, &exhibit_chain::to_graphml(&t))?;
    }
    if let Some(p) = &a.dot {
        write_out(p, &exhibit_chain::to_dot(&t))?;
    }
    if let Some(p) = &a.svg {
        write_out(p, &exhibit_chain::to_svg(&t))?;
    }
    if a.ledger.json {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            trace: &'a exhibit_chain::Trace,
            tags: BTreeMap<String, Vec<exhibit_chain::Tag>>,
        }
        let mut seen = BTreeMap::new();
        let legs = t
            .steps
            .iter()
            .flat_map(|s| s.inputs.iter().chain(s.outputs.iter()))
            .map(|l| l.address.as_str())
            .chain(t.endpoints.iter().map(|e| e.address.as_str()));
        for addr in legs {
            let v = tags.get(addr);
            if !v.is_empty() {
                seen.insert(addr.to_string(), v.to_vec());
            }
        }
        return crate::output::json(&Out {
            trace: &t,
            tags: seen,
        });
    }
    let from = match (&start.address, &start.txid) {
        (Some(ad), Some(tx)) => format!("{ad} in {tx}"),
        (Some(ad), None) => ad.clone(),
        (None, Some(tx)) => tx.clone(),
        (None, None) => String::new(),
    };
    println!(
        "{} trace from {from}, {} model, up to {} hops: {} BTC at the start",
        if a.backward { "Backward" } else { "Forward" },
        model.name(),
        a.hops,
        btc(t.start_value)
    );
    println!("{}", t.model_explanation);
    for s in &t.steps {
        let mut marks = Vec::new();
        if s.split {
            marks.push("split");
        }
        if s.merge {
            marks.push("merge");
        }
        if s.approximate {
            marks.push("approximate: some input values unknown");
        }
        println!(
            "hop {}  {} UTC  {}{}",
            s.hop,
            utc(s.time),
            s.txid,
            if marks.is_empty() {
                String::new()
            } else {
                format!("  ({})", marks.join(", "))
            }
        );
        for l in s.inputs.iter().filter(|l| l.traced > 0) {
            println!(
                "   in   {}  {} of {} BTC{}",
                l.address,
                btc(l.traced),
                btc(l.value),
                tag_note(&tags, &l.address)
            );
        }
        for l in s.outputs.iter().filter(|l| l.traced > 0) {
            println!(
                "   out  {}  {} of {} BTC{}",
                l.address,
                btc(l.traced),
                btc(l.value),
                tag_note(&tags, &l.address)
            );
        }
        let others = s.inputs.iter().filter(|l| l.traced == 0).count()
            + s.outputs.iter().filter(|l| l.traced == 0).count();
        if others > 0 {
            println!("   ({others} other inputs/outputs carry no traced funds)");
        }
    }
    println!("Where the traced funds stop:");
    for e in &t.endpoints {
        println!(
            "  hop {}  {}  {} BTC  {}{}",
            e.hop,
            e.address,
            btc(e.traced),
            e.reason.describe(),
            tag_note(&tags, &e.address)
        );
    }
    Ok(())
}

/// `exhibit crypto tags`: lists tags, or, with a ledger, the clusters they reach.
pub fn tags(files: &[PathBuf], ledger: &LedgerArgs) -> anyhow::Result<()> {
    let tags = load_tags(files)?;
    if ledger.index.is_none() && ledger.files.is_empty() {
        let all: Vec<&exhibit_chain::Tag> = tags.all().collect();
        if ledger.json {
            return crate::output::json(&all);
        }
        println!("{} tags on {} addresses", all.len(), tags.len());
        for t in all {
            println!(
                "  {}  {}  {}{}  {}  {}",
                t.address,
                t.label,
                if t.category.is_empty() {
                    "-"
                } else {
                    &t.category
                },
                if t.in_taxonomy || t.category.is_empty() {
                    ""
                } else {
                    " (not in the INTERPOL taxonomy)"
                },
                t.source,
                t.date
            );
        }
        return Ok(());
    }
    let txs = load(ledger)?;
    let c = exhibit_chain::cluster(
        &txs,
        &ClusterOptions {
            skip_detected_coinjoins: true,
            ..Default::default()
        },
    );
    let reached = tags.for_clusters(&c);
    if ledger.json {
        return crate::output::json(&reached);
    }
    println!(
        "{} tags on {} addresses reach {} clusters (heuristic: {})",
        tags.all().count(),
        tags.len(),
        reached.len(),
        exhibit_chain::MULTI_INPUT
    );
    for r in &reached {
        println!("cluster {} ({} addresses)", r.cluster, r.size);
        for t in &r.tags {
            println!(
                "  {}  {} ({})  source {}",
                t.address, t.label, t.category, t.source
            );
        }
        if let Some(k) = c.clusters.get(r.cluster) {
            let untagged: Vec<&String> = k
                .addresses
                .iter()
                .filter(|a| tags.get(a).is_empty())
                .collect();
            for a in untagged {
                println!("  {a}  (linked by {})", k.heuristic);
            }
        }
    }
    Ok(())
}

/// `exhibit crypto import`: reads ledger files into a local index.
pub fn import(
    files: &[PathBuf],
    out: &Path,
    net: &str,
    xor: Option<&Path>,
    json: bool,
) -> anyhow::Result<()> {
    let r = read_files(files, network(net)?, xor)?;
    let m = exhibit_chain::write_index(out, r.blocks, r.sources)?;
    if json {
        return crate::output::json(&m);
    }
    for s in &m.sources {
        println!(
            "{}: {} blocks, {} transactions ({} bytes)",
            s.file.display(),
            s.blocks,
            s.txs,
            s.size
        );
    }
    println!(
        "imported {} blocks and {} transactions ({} addresses) into {}",
        m.blocks,
        m.txs,
        m.addresses,
        out.display()
    );
    Ok(())
}

/// `exhibit crypto` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum CryptoCommand {
    /// Addresses spent together in one transaction (multi-input heuristic; likely CoinJoins are
    /// skipped and listed). A cluster is a lead, not proof of common ownership.
    Cluster {
        #[command(flatten)]
        ledger: LedgerArgs,
        /// Cluster through likely CoinJoins too.
        #[arg(long)]
        keep_coinjoins: bool,
        /// File of txids (one a line) to treat as CoinJoins whatever the detector says.
        #[arg(long, value_name = "FILE")]
        known_coinjoins: Option<PathBuf>,
        /// Also link change addresses: one-time, round, script (comma-separated) or all.
        /// Off by default; each link is listed with its heuristic.
        #[arg(long, value_name = "LIST")]
        change: Vec<String>,
        /// Tag files (CSV or YAML) to show on cluster members.
        #[arg(long, num_args = 1.., value_name = "FILE")]
        tags: Vec<PathBuf>,
        /// Read blk*.dat/raw block files in one streaming pass, keeping only the clustering
        /// state in memory (for ledgers too large to load; no --change).
        #[arg(long)]
        stream: bool,
        /// With --stream: print only counts, speed-relevant totals and the state size.
        #[arg(long, requires = "stream")]
        summary: bool,
    },
    /// Funds into and out of an address: each receipt with its payers, each spend with its payees.
    Flows {
        #[command(flatten)]
        ledger: LedgerArgs,
        /// The address to follow.
        #[arg(long)]
        address: String,
    },
    /// Follows funds forward (or backward) N hops from an address or transaction under a taint
    /// model (poison, haircut, FIFO), stopping at services named by tags.
    Trace(TraceArgs),
    /// Lists attribution tags (CSV or YAML); with a ledger, the clusters they reach.
    Tags {
        /// Tag files.
        #[arg(long = "tags", num_args = 1.., required = true, value_name = "FILE")]
        tag_files: Vec<PathBuf>,
        #[command(flatten)]
        ledger: LedgerArgs,
    },
    /// Imports ledger files into a local index (JSON Lines + address table) for --index.
    Import {
        /// Ledger files (`blk*.dat`, raw blocks, RPC JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Directory for the index (must not hold one already).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Network of raw blocks and RPC JSON.
        #[arg(long, default_value = "mainnet")]
        network: String,
        /// Bitcoin Core 28+ `xor.dat` key.
        #[arg(long, value_name = "FILE")]
        xor: Option<PathBuf>,
        /// Output JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs one `exhibit crypto` subcommand.
pub fn run(cmd: CryptoCommand) -> anyhow::Result<()> {
    match cmd {
        CryptoCommand::Cluster {
            ledger,
            keep_coinjoins,
            known_coinjoins,
            change,
            tags,
            stream,
            summary,
        } => cluster(
            &ledger,
            keep_coinjoins,
            known_coinjoins.as_deref(),
            &change,
            &tags,
            stream,
            summary,
        ),
        CryptoCommand::Flows { ledger, address } => flows(&ledger, &address),
        CryptoCommand::Trace(a) => trace(&a),
        CryptoCommand::Tags { tag_files, ledger } => tags(&tag_files, &ledger),
        CryptoCommand::Import {
            files,
            out,
            network,
            xor,
            json,
        } => import(&files, &out, &network, xor.as_deref(), json),
    }
}

//! `exhibit crypto`: Bitcoin ledger files the investigator holds, as
//! clusters of addresses and flows of funds.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use exhibit_chain::{Block, ClusterOptions, Network, Tx};

/// Flags shared by the `crypto` subcommands.
#[derive(clap::Args, Debug)]
pub struct LedgerArgs {
    /// `blk*.dat` files (magic + length framing) or single raw blocks (`.raw`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Network of single raw blocks (`blk*.dat` files name theirs).
    #[arg(long, default_value = "mainnet")]
    pub network: String,
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

/// Every transaction of the files, in block order, inputs resolved within
/// the set.
fn load(args: &LedgerArgs) -> anyhow::Result<Vec<Tx>> {
    let net = network(&args.network)?;
    let mut blocks: Vec<Block> = Vec::new();
    for f in &args.files {
        if is_framed(f)? {
            blocks.extend(exhibit_chain::read_blk_file(f)?);
        } else {
            blocks.push(exhibit_chain::read_raw_block(f, net)?);
        }
    }
    exhibit_chain::assign_heights(&mut blocks);
    let mut txs: Vec<Tx> = blocks.into_iter().flat_map(|b| b.txs).collect();
    exhibit_chain::resolve_inputs(&mut txs);
    Ok(txs)
}

/// Whether a file starts with a network magic (a `blk*.dat` file).
fn is_framed(path: &Path) -> anyhow::Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 4];
    let mut f = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let n = f.read(&mut head)?;
    Ok(n == 4 && Network::from_magic(head).is_some())
}

/// `exhibit crypto cluster`: addresses spent together, by the multi-input
/// heuristic.
pub fn cluster(args: &LedgerArgs, keep_coinjoins: bool) -> anyhow::Result<()> {
    let txs = load(args)?;
    let c = exhibit_chain::cluster(
        &txs,
        &ClusterOptions {
            skip_detected_coinjoins: !keep_coinjoins,
            known_coinjoins: BTreeSet::new(),
        },
    );
    if args.json {
        return crate::output::json(&c);
    }
    println!(
        "{} transactions, {} clusters of two or more addresses (heuristic: {}); {} likely CoinJoins skipped",
        txs.len(),
        c.clusters.iter().filter(|k| k.addresses.len() > 1).count(),
        exhibit_chain::MULTI_INPUT,
        c.skipped_coinjoins.len()
    );
    for k in c.clusters.iter().filter(|k| k.addresses.len() > 1) {
        println!("cluster {} ({} addresses)", k.id, k.addresses.len());
        for a in &k.addresses {
            println!("  {a}");
        }
    }
    Ok(())
}

/// `exhibit crypto flows`: one hop of funds into and out of an address.
pub fn flows(args: &LedgerArgs, address: &str) -> anyhow::Result<()> {
    let txs = load(args)?;
    let f = exhibit_chain::flows(&txs, address);
    if args.json {
        return crate::output::json(&f);
    }
    let btc = |sat: u64| format!("{}.{:08}", sat / 100_000_000, sat % 100_000_000);
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
    },
    /// Funds into and out of an address: each receipt with its payers, each spend with its payees.
    Flows {
        #[command(flatten)]
        ledger: LedgerArgs,
        /// The address to follow.
        #[arg(long)]
        address: String,
    },
}

/// Runs one `exhibit crypto` subcommand.
pub fn run(cmd: CryptoCommand) -> anyhow::Result<()> {
    match cmd {
        CryptoCommand::Cluster {
            ledger,
            keep_coinjoins,
        } => cluster(&ledger, keep_coinjoins),
        CryptoCommand::Flows { ledger, address } => flows(&ledger, &address),
    }
}

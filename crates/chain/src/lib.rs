//! Offline Bitcoin ledger import and address clustering for Exhibit.
//!
//! What it does:
//!
//! * reads Bitcoin Core `blk*.dat` files ([`read_blk_file`]: magic + length
//!   framing, mainnet/testnet/signet/regtest magics, zero padding tolerated,
//!   the `xor.dat` obfuscation of Bitcoin Core 28+ via [`read_blk_file_xor`])
//!   and single raw blocks ([`read_raw_block`]);
//! * decodes every transaction into a plain model ([`Block`], [`Tx`]): txid,
//!   previous outpoints, output values in satoshi, script type and the
//!   address written for the block's network;
//! * resolves inputs to the addresses they spend from the same data set
//!   ([`resolve_inputs`]);
//! * groups addresses with the multi-input heuristic ([`cluster`]), skipping
//!   likely CoinJoins when asked ([`looks_like_coinjoin`]);
//! * lists, for one address, the transactions paying it and spending from it
//!   ([`flows`]).
//!
//! What it must never do:
//!
//! * **no network I/O**: everything comes from files the investigator holds;
//! * **never claim ownership**: a [`Cluster`] is the output of a named
//!   heuristic ([`MULTI_INPUT`]) that CoinJoins, PayJoins and custodial
//!   services defeat; it is a lead for the analyst, not proof of control;
//! * never panic on damaged input: bad bytes become [`ChainError::Corrupt`]
//!   with the file and offset.
//!
//! Output is deterministic: lists are sorted or in block order, never in
//! hash-map order.
//!
//! ```no_run
//! use std::path::Path;
//! let blocks = exhibit_chain::read_blk_file(Path::new("blk00000.dat"))?;
//! let mut txs: Vec<_> = blocks.into_iter().flat_map(|b| b.txs).collect();
//! exhibit_chain::resolve_inputs(&mut txs);
//! let clusters = exhibit_chain::cluster(&txs, &Default::default());
//! println!("{} clusters", clusters.clusters.len());
//! # Ok::<(), exhibit_chain::ChainError>(())
//! ```
#![deny(missing_docs)]

mod blocks;
mod cluster;
mod error;
mod flow;
mod model;

pub use blocks::{
    assign_heights, classify, decode_block, parse_blk_bytes, read_blk_file, read_blk_file_xor,
    read_raw_block, read_xor_key, resolve_inputs, unxor,
};
pub use cluster::{cluster, looks_like_coinjoin, Cluster, ClusterOptions, Clustering, MULTI_INPUT};
pub use error::ChainError;
pub use flow::{flows, AddressFlows, Receipt, Spend};
pub use model::{Block, Network, ScriptType, Tx, TxIn, TxOut};

//! Offline Bitcoin ledger import and address clustering for Exhibit.
//!
//! What it does:
//!
//! * reads Bitcoin Core `blk*.dat` files ([`read_blk_file`]: magic + length
//!   framing, mainnet/testnet/signet/regtest magics, zero padding tolerated,
//!   the `xor.dat` obfuscation of Bitcoin Core 28+ via [`read_blk_file_xor`])
//!   and single raw blocks ([`read_raw_block`]);
//! * reads Bitcoin Core RPC JSON (`getblock` verbosity 2/3,
//!   `getrawtransaction` verbose) into the same model ([`read_rpc_json`]);
//! * decodes every transaction into a plain model ([`Block`], [`Tx`]): txid,
//!   previous outpoints, output values in satoshi, script type and the
//!   address written for the block's network;
//! * resolves inputs to the addresses they spend from the same data set
//!   ([`resolve_inputs`]);
//! * groups addresses with the multi-input heuristic ([`cluster`]), skipping
//!   likely CoinJoins when asked ([`looks_like_coinjoin`]);
//! * follows funds forward or backward N hops under the poison, haircut or
//!   FIFO taint model, stopping at tagged services ([`trace`]);
//! * applies attribution tags from CSV or YAML files to addresses and
//!   clusters, with INTERPOL taxonomy categories ([`Tags`]);
//! * exports a trace as GraphML (Maltego entity type names), DOT, or an SVG
//!   drawn here ([`to_graphml`], [`to_dot`], [`to_svg`]);
//! * writes and reads a local index (JSON Lines plus an address table,
//!   [`write_index`], [`read_index`]);
//! * clusters ledgers too large for memory in one streaming pass
//!   ([`StreamClusterer`]);
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
mod graph;
mod index;
mod model;
mod rpc;
mod stream;
mod tags;
mod trace;

pub use blocks::{
    assign_heights, classify, decode_block, parse_blk_bytes, read_blk_file, read_blk_file_xor,
    read_raw_block, read_xor_key, resolve_inputs, resolve_inputs_with, unxor,
};
pub use cluster::{
    cluster, coinjoin_kind, looks_like_coinjoin, ChangeHeuristics, ChangeLink, Cluster,
    ClusterOptions, Clustering, CoinJoinKind, CHANGE_ONE_TIME, CHANGE_ROUND_AMOUNT,
    CHANGE_SCRIPT_TYPE, MAX_FEE_PERCENT, MAX_PARTS_INPUT_ADDRESSES, MAX_PARTS_OUTPUTS, MULTI_INPUT,
};
pub use error::ChainError;
pub use flow::{flows, AddressFlows, Receipt, Spend};
pub use graph::{btc, to_dot, to_graphml, to_svg, utc, Edge, Node, NodeKind, TraceGraph};
pub use index::{
    chain_order, index_lookup, read_index, read_manifest, write_index, BlockHeader, Manifest,
    SourceFile, INDEX_FORMAT, INDEX_VERSION,
};
pub use model::{Block, Network, ScriptType, Tx, TxIn, TxOut};
pub use rpc::{parse_rpc_json, read_rpc_json, RpcImport};
pub use stream::{for_each_block, StreamClusterer, StreamStats};
pub use tags::{is_service, parse_csv, parse_yaml, ClusterTags, Tag, Tags, CATEGORIES};
pub use trace::{
    trace, Direction, Endpoint, Leg, Start, Step, StopReason, TaintModel, Trace, TraceError,
    TraceOptions,
};

//! One step of "follow the funds": what paid an address and where its coins went.

use serde::Serialize;

use crate::model::Tx;

/// A payment into the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// The paying transaction.
    pub txid: String,
    /// Output index paying the address.
    pub vout: u32,
    /// Amount in satoshi.
    pub value: u64,
    /// True when the payment is newly mined coins.
    pub coinbase: bool,
    /// Resolved input addresses of the paying transaction, sorted, deduplicated.
    pub from: Vec<String>,
}

/// A transaction spending coins of the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spend {
    /// The spending transaction.
    pub txid: String,
    /// Sum of the address's inputs in satoshi (resolved inputs only).
    pub value: u64,
    /// Where the outputs went: address (or `script:<type>` when there is no
    /// address) and amount, in output order.
    pub to: Vec<(String, u64)>,
}

/// Everything the loaded data says about one address, one hop each way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AddressFlows {
    /// The address asked about.
    pub address: String,
    /// Incoming payments, in the order of `txs`, then by output index.
    pub received: Vec<Receipt>,
    /// Outgoing spends, in the order of `txs`.
    pub spent: Vec<Spend>,
}

/// Lists transactions paying `address` and spending from it.
///
/// Inputs must be resolved first ([`crate::resolve_inputs`]); unresolved
/// inputs cannot be attributed and are not counted.
pub fn flows(txs: &[Tx], address: &str) -> AddressFlows {
    let mut out = AddressFlows {
        address: address.to_string(),
        ..AddressFlows::default()
    };
    for tx in txs {
        let mut from: Vec<String> = tx.inputs.iter().filter_map(|i| i.address.clone()).collect();
        from.sort();
        from.dedup();
        for (vout, o) in tx.outputs.iter().enumerate() {
            if o.address.as_deref() == Some(address) {
                out.received.push(Receipt {
                    txid: tx.txid.clone(),
                    vout: vout as u32,
                    value: o.value,
                    coinbase: tx.coinbase,
                    from: from.clone(),
                });
            }
        }
        let spent: u64 = tx
            .inputs
            .iter()
            .filter(|i| i.address.as_deref() == Some(address))
            .filter_map(|i| i.value)
            .fold(0u64, u64::saturating_add);
        let spends = tx
            .inputs
            .iter()
            .any(|i| i.address.as_deref() == Some(address));
        if spends {
            let to = tx
                .outputs
                .iter()
                .map(|o| {
                    let who = o
                        .address
                        .clone()
                        .unwrap_or_else(|| format!("script:{}", script_name(o.script_type)));
                    (who, o.value)
                })
                .collect();
            out.spent.push(Spend {
                txid: tx.txid.clone(),
                value: spent,
                to,
            });
        }
    }
    out
}

fn script_name(t: crate::model::ScriptType) -> String {
    format!("{t:?}").to_lowercase()
}

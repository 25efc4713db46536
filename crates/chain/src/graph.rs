//! A trace as a graph: GraphML (with Maltego entity type names), Graphviz
//! DOT, and an SVG drawn here (layered by hop, boxes and arrows with
//! amounts). All three are deterministic: nodes sorted by layer and id,
//! edges in step order.
//!
//! Nodes are addresses (`maltego.BTCAddress`) and transactions
//! (`maltego.BTCTransaction`); an edge runs from an input address to its
//! transaction and from a transaction to an output address, carrying the
//! value and the traced amount. Only legs carrying traced funds are drawn;
//! a transaction node says how many other inputs and outputs it has.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::trace::{Direction, Trace};

/// Kind of node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeKind {
    /// An address.
    Address,
    /// A transaction.
    Transaction,
}

impl NodeKind {
    /// Maltego's entity type name.
    pub fn maltego(self) -> &'static str {
        match self {
            NodeKind::Address => "maltego.BTCAddress",
            NodeKind::Transaction => "maltego.BTCTransaction",
        }
    }
}

/// One node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Unique id: `a:<address>` or `t:<txid>`.
    pub id: String,
    /// Address or txid.
    pub value: String,
    /// Address or transaction.
    pub kind: NodeKind,
    /// Column in the drawing (funds flow left to right).
    pub layer: usize,
    /// Extra lines: time and hop for transactions, stop reasons for addresses.
    pub notes: Vec<String>,
}

/// One edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Source node id.
    pub from: String,
    /// Target node id.
    pub to: String,
    /// Value of the input or output, satoshi.
    pub value: u64,
    /// Traced satoshi.
    pub traced: u64,
}

/// The graph of a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceGraph {
    /// Nodes, sorted by layer then id.
    pub nodes: Vec<Node>,
    /// Edges, in step order.
    pub edges: Vec<Edge>,
}

/// Satoshi as BTC with 8 decimals.
pub fn btc(sat: u64) -> String {
    format!("{}.{:08}", sat / 100_000_000, sat % 100_000_000)
}

/// UTC `YYYY-MM-DD HH:MM:SS` for a Unix time.
pub fn utc(t: u32) -> String {
    let secs = u64::from(t);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

impl TraceGraph {
    /// Builds the graph of `trace`.
    pub fn new(trace: &Trace) -> TraceGraph {
        let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
        let mut edges = Vec::new();
        let place =
            |id: String, value: &str, kind, layer: usize, nodes: &mut BTreeMap<String, Node>| {
                let n = nodes.entry(id.clone()).or_insert(Node {
                    id,
                    value: value.to_string(),
                    kind,
                    layer,
                    notes: Vec::new(),
                });
                n.layer = n.layer.min(layer);
            };
        for s in &trace.steps {
            let t = format!("t:{}", s.txid);
            // Forward: inputs at 2h-2, tx at 2h-1, outputs at 2h. Backward
            // is laid out the same way by hop and mirrored below.
            let (in_layer, out_layer) = match trace.direction {
                Direction::Forward => (2 * s.hop - 2, 2 * s.hop),
                Direction::Backward => (2 * s.hop, 2 * s.hop - 2),
            };
            place(
                t.clone(),
                &s.txid,
                NodeKind::Transaction,
                2 * s.hop - 1,
                &mut nodes,
            );
            let others_in = s.inputs.iter().filter(|l| l.traced == 0).count();
            let others_out = s.outputs.iter().filter(|l| l.traced == 0).count();
            if let Some(n) = nodes.get_mut(&t) {
                n.notes = vec![format!("hop {} · {} UTC", s.hop, utc(s.time))];
                let mut extra = Vec::new();
                if others_in > 0 {
                    extra.push(format!("+{others_in} other inputs"));
                }
                if others_out > 0 {
                    extra.push(format!("+{others_out} other outputs"));
                }
                if s.split {
                    extra.push("split".into());
                }
                if s.merge {
                    extra.push("merge".into());
                }
                if !extra.is_empty() {
                    n.notes.push(extra.join(", "));
                }
            }
            for l in s.inputs.iter().filter(|l| l.traced > 0) {
                let a = format!("a:{}", l.address);
                place(
                    a.clone(),
                    &l.address,
                    NodeKind::Address,
                    in_layer,
                    &mut nodes,
                );
                edges.push(Edge {
                    from: a,
                    to: t.clone(),
                    value: l.value,
                    traced: l.traced,
                });
            }
            for l in s.outputs.iter().filter(|l| l.traced > 0) {
                let a = format!("a:{}", l.address);
                place(
                    a.clone(),
                    &l.address,
                    NodeKind::Address,
                    out_layer,
                    &mut nodes,
                );
                edges.push(Edge {
                    from: t.clone(),
                    to: a,
                    value: l.value,
                    traced: l.traced,
                });
            }
        }
        for e in &trace.endpoints {
            let id = format!("a:{}", e.address);
            place(
                id.clone(),
                &e.address,
                NodeKind::Address,
                2 * e.hop,
                &mut nodes,
            );
            if let Some(n) = nodes.get_mut(&id) {
                n.notes
                    .push(format!("{} BTC: {}", btc(e.traced), e.reason.describe()));
            }
        }
        if let Some(a) = &trace.start.address {
            if let Some(n) = nodes.get_mut(&format!("a:{a}")) {
                n.notes.insert(0, "start".into());
            }
        }
        let mut nodes: Vec<Node> = nodes.into_values().collect();
        if trace.direction == Direction::Backward {
            let max = nodes.iter().map(|n| n.layer).max().unwrap_or(0);
            for n in &mut nodes {
                n.layer = max - n.layer;
            }
        }
        nodes.sort_by(|a, b| (a.layer, &a.id).cmp(&(b.layer, &b.id)));
        TraceGraph { nodes, edges }
    }
}

fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

fn dot_str(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// GraphML of the trace. Each node has a `maltego_type` attribute
/// (`maltego.BTCAddress` or `maltego.BTCTransaction`) and the address or
/// txid as `value`, ready for mapping on import into Maltego or yEd.
pub fn to_graphml(trace: &Trace) -> String {
    let g = TraceGraph::new(trace);
    let mut o = String::new();
    o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    o.push_str("<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n");
    for (id, for_, name, ty) in [
        ("maltego_type", "node", "maltego.entity.type", "string"),
        ("value", "node", "value", "string"),
        ("kind", "node", "kind", "string"),
        ("layer", "node", "layer", "int"),
        ("notes", "node", "notes", "string"),
        ("value_sat", "edge", "value_sat", "long"),
        ("traced_sat", "edge", "traced_sat", "long"),
        ("label", "edge", "label", "string"),
    ] {
        let _ = writeln!(
            o,
            "  <key id=\"{id}\" for=\"{for_}\" attr.name=\"{name}\" attr.type=\"{ty}\"/>"
        );
    }
    let _ = writeln!(
        o,
        "  <graph id=\"trace\" edgedefault=\"directed\">\n    <desc>{} trace, {} model, {} hops: {}</desc>",
        match trace.direction {
            Direction::Forward => "forward",
            Direction::Backward => "backward",
        },
        trace.model.name(),
        trace.hops,
        xml(trace.model_explanation)
    );
    for n in &g.nodes {
        let _ = writeln!(
            o,
            "    <node id=\"{}\">\n      <data key=\"maltego_type\">{}</data>\n      <data key=\"value\">{}</data>\n      <data key=\"kind\">{}</data>\n      <data key=\"layer\">{}</data>\n      <data key=\"notes\">{}</data>\n    </node>",
            xml(&n.id),
            n.kind.maltego(),
            xml(&n.value),
            match n.kind {
                NodeKind::Address => "address",
                NodeKind::Transaction => "transaction",
            },
            n.layer,
            xml(&n.notes.join("; "))
        );
    }
    for (i, e) in g.edges.iter().enumerate() {
        let _ = writeln!(
            o,
            "    <edge id=\"e{i}\" source=\"{}\" target=\"{}\">\n      <data key=\"value_sat\">{}</data>\n      <data key=\"traced_sat\">{}</data>\n      <data key=\"label\">{} of {} BTC</data>\n    </edge>",
            xml(&e.from),
            xml(&e.to),
            e.value,
            e.traced,
            btc(e.traced),
            btc(e.value)
        );
    }
    o.push_str("  </graph>\n</graphml>\n");
    o
}

/// Graphviz DOT of the trace (`dot -Tsvg` lays it out left to right).
pub fn to_dot(trace: &Trace) -> String {
    let g = TraceGraph::new(trace);
    let mut o = String::from(
        "digraph trace {\n  rankdir=LR;\n  node [fontname=\"monospace\", fontsize=10];\n",
    );
    let _ = writeln!(o, "  label=\"{}\";", dot_str(trace.model_explanation));
    for n in &g.nodes {
        let shape = match n.kind {
            NodeKind::Address => "box",
            NodeKind::Transaction => "ellipse",
        };
        let mut label = dot_str(&n.value);
        for l in &n.notes {
            label.push_str("\\n");
            label.push_str(&dot_str(l));
        }
        let _ = writeln!(
            o,
            "  \"{}\" [shape={shape}, label=\"{label}\", maltego=\"{}\"];",
            dot_str(&n.id),
            n.kind.maltego()
        );
    }
    for e in &g.edges {
        let _ = writeln!(
            o,
            "  \"{}\" -> \"{}\" [label=\"{} of {} BTC\"];",
            dot_str(&e.from),
            dot_str(&e.to),
            btc(e.traced),
            btc(e.value)
        );
    }
    o.push_str("}\n");
    o
}

fn short(s: &str) -> String {
    if s.chars().count() <= 36 {
        s.to_string()
    } else {
        let head: String = s.chars().take(18).collect();
        let tail: String = s
            .chars()
            .rev()
            .take(12)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{head}…{tail}")
    }
}

/// An SVG drawing of the trace: one column per layer (funds flow left to
/// right), address boxes and transaction boxes, arrows labelled with the
/// traced and total amounts. Deterministic.
pub fn to_svg(trace: &Trace) -> String {
    const W: i64 = 250;
    const GAP: i64 = 90;
    const ROW: i64 = 86;
    let g = TraceGraph::new(trace);
    let mut rows: BTreeMap<usize, i64> = BTreeMap::new();
    let mut pos: BTreeMap<&str, (i64, i64, i64)> = BTreeMap::new(); // x, y, h
    for n in &g.nodes {
        let r = rows.entry(n.layer).or_insert(0);
        let h = 22 + 14 * n.notes.len() as i64;
        let x = 20 + n.layer as i64 * (W + GAP);
        let y = 60 + *r * ROW;
        *r += 1;
        pos.insert(n.id.as_str(), (x, y, h));
    }
    let width = 40 + (rows.keys().max().copied().unwrap_or(0) as i64 + 1) * (W + GAP);
    let height = 100 + rows.values().max().copied().unwrap_or(1) * ROW;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"11\">"
    );
    o.push_str("  <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker></defs>\n");
    let _ = writeln!(
        o,
        "  <rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n  <text x=\"20\" y=\"24\" font-size=\"13\">{}</text>\n  <text x=\"20\" y=\"42\">{}</text>",
        xml(&format!(
            "{} trace, {} model, up to {} hops, start {} BTC",
            match trace.direction {
                Direction::Forward => "Forward",
                Direction::Backward => "Backward",
            },
            trace.model.name(),
            trace.hops,
            btc(trace.start_value)
        )),
        xml(trace.model_explanation)
    );
    for e in &g.edges {
        let (Some(&(x1, y1, h1)), Some(&(x2, y2, h2))) =
            (pos.get(e.from.as_str()), pos.get(e.to.as_str()))
        else {
            continue;
        };
        let (sx, sy) = (x1 + W, y1 + h1 / 2);
        let (tx, ty) = (x2, y2 + h2 / 2);
        let _ = writeln!(
            o,
            "  <line x1=\"{sx}\" y1=\"{sy}\" x2=\"{tx}\" y2=\"{ty}\" stroke=\"#444\" marker-end=\"url(#arrow)\"/>\n  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#a00\">{}</text>",
            (sx + tx) / 2,
            (sy + ty) / 2 - 4,
            xml(&format!("{} / {} BTC", btc(e.traced), btc(e.value)))
        );
    }
    for n in &g.nodes {
        let Some(&(x, y, h)) = pos.get(n.id.as_str()) else {
            continue;
        };
        let (fill, rx) = match n.kind {
            NodeKind::Address => {
                if n.notes.iter().any(|l| l.contains("service:")) {
                    ("#fde2c4", 2)
                } else {
                    ("#e8f0fe", 2)
                }
            }
            NodeKind::Transaction => ("#eeeeee", 12),
        };
        let _ = writeln!(
            o,
            "  <g><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{W}\" height=\"{h}\" rx=\"{rx}\" fill=\"{fill}\" stroke=\"#333\"/>",
            xml(&n.value)
        );
        let _ = writeln!(
            o,
            "    <text x=\"{}\" y=\"{}\">{}</text>",
            x + 6,
            y + 15,
            xml(&short(&n.value))
        );
        for (i, l) in n.notes.iter().enumerate() {
            let _ = writeln!(
                o,
                "    <text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#333\">{}</text>",
                x + 6,
                y + 29 + 14 * i as i64,
                xml(l)
            );
        }
        o.push_str("  </g>\n");
    }
    o.push_str("</svg>\n");
    o
}

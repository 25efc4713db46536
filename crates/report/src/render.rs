//! The HTML document. Every value from the case goes through [`esc`];
//! every anchor built from case data goes through [`anchor`].

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use crate::html::{anchor, esc};
use crate::load::{CaseData, CustodyLine, Item, Message, StoreData};
use crate::{Options, Texts, SECTIONS};

/// Glossary terms: (anchor, translation key prefix).
const GLOSSARY: &[(&str, &str)] = &[
    ("g-hash", "gl.hash"),
    ("g-ip", "gl.ip"),
    ("g-header", "gl.header"),
    ("g-deleted", "gl.deleted"),
    ("g-unallocated", "gl.unallocated"),
    ("g-onion", "gl.onion"),
    ("g-blockchain", "gl.blockchain"),
    ("g-wallet", "gl.wallet"),
    ("g-custody", "gl.custody"),
    ("g-utc", "gl.utc"),
];

const CSS: &str = r#"
body { font-family: "Noto Sans", "Noto Sans Thai", "Sarabun", "TH Sarabun New", "Tahoma", "Leelawadee UI", "Loma", sans-serif;
  font-size: 10.5pt; line-height: 1.45; color: #111; margin: 0 auto; max-width: 60em; padding: 1em; }
h1 { font-size: 20pt; margin: 0 0 .2em; } h2 { font-size: 15pt; border-bottom: 2px solid #333; }
h3 { font-size: 12pt; margin-top: 1.2em; }
section { break-before: page; page-break-before: always; }
section#case { break-before: auto; page-break-before: auto; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; }
th, td { border: 1px solid #999; padding: 2px 5px; vertical-align: top; text-align: left; }
th { background: #eee; } thead { display: table-header-group; }
tr, .keep { break-inside: avoid; page-break-inside: avoid; }
table.kv th { width: 30%; }
.mono, .hash { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; word-break: break-all; }
.ok { border: 2px solid #176b26; background: #eaf6ec; padding: .6em; }
.fail { border: 3px solid #b00000; background: #fde8e8; color: #8a0000; font-weight: bold; padding: .6em; }
tr.bad td { background: #fde8e8; }
.flag { color: #8a0000; font-weight: bold; }
.muted { color: #555; }
.note { font-style: italic; }
nav ol { columns: 2; }
a { color: #0b3d91; text-decoration: none; }
dt { font-weight: bold; margin-top: .6em; } dd { margin-left: 1.5em; }
@media print { a { color: inherit; } body { max-width: none; padding: 0; } }
"#;

/// Renders the whole document.
pub fn render(data: &CaseData, t: &Texts, opts: &Options) -> String {
    let mut h = String::new();
    let date = opts
        .date
        .clone()
        .or_else(|| data.last_custody_time())
        .unwrap_or_default();
    let css_label = t.get("page").replace(['\\', '"', '<', '>'], "");
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} — {} {}</title>\n<style>@page {{ size: A4; margin: 18mm 15mm 20mm 15mm; \
         @bottom-center {{ content: \"{}\" \" \" counter(page) \" / \" counter(pages); font-size: 9pt; }} }}{CSS}</style>\n</head>\n<body>\n",
        esc(t.lang()),
        esc(t.get("title")),
        esc(&data.info.number),
        esc(&data.info.name),
        css_label
    );
    let _ = write!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"muted\">{}</p>\n<nav id=\"toc\"><h2>{}</h2><ol>\n",
        esc(t.get("title")),
        esc(t.get("subtitle")),
        esc(t.get("toc"))
    );
    for s in SECTIONS {
        let _ = writeln!(
            h,
            "<li><a href=\"#{s}\">{}</a></li>",
            esc(t.get(&format!("sec.{s}")))
        );
    }
    h.push_str("</ol></nav>\n</header>\n");
    case_section(&mut h, data, t, &date);
    evidence_section(&mut h, data, t);
    custody_section(&mut h, data, t);
    let store = data.store.as_ref();
    store_section(&mut h, ("findings", "fi.intro"), store, t, findings_section);
    store_section(
        &mut h,
        ("provenance", "pr.intro"),
        store,
        t,
        provenance_section,
    );
    store_section(&mut h, ("summary", "su.intro"), store, t, summary_section);
    store_section(&mut h, ("timeline", "tl.intro"), store, t, timeline_section);
    store_section(&mut h, ("email", "em.intro"), store, t, email_section);
    glossary_section(&mut h, t);
    h.push_str("</body>\n</html>\n");
    h
}

fn open_section(h: &mut String, id: &str, t: &Texts, intro: Option<&str>) {
    let _ = write!(
        h,
        "<section id=\"{id}\">\n<h2>{}</h2>\n",
        esc(t.get(&format!("sec.{id}")))
    );
    if let Some(k) = intro {
        let _ = writeln!(h, "<p>{}</p>", esc(t.get(k)));
    }
}

fn kv(h: &mut String, t: &Texts, key: &str, value_html: &str) {
    let _ = writeln!(
        h,
        "<tr><th>{}</th><td>{value_html}</td></tr>",
        esc(t.get(key))
    );
}

fn ev_link(id: &str) -> String {
    format!("<a href=\"#{}\">{}</a>", anchor("ev", &[id]), esc(id))
}

fn custody_link(seq: u64) -> String {
    format!("<a href=\"#cu-{seq}\">#{seq}</a>")
}

fn glossary_link(t: &Texts, term: &str, text: &str) -> String {
    format!(
        "<a href=\"#g-{term}\" title=\"{}\">{}</a>",
        esc(t.get("see_glossary")),
        esc(text)
    )
}

fn opt(t: &Texts, v: Option<&str>) -> String {
    match v {
        Some(s) if !s.is_empty() => esc(s),
        _ => format!("<span class=\"muted\">{}</span>", esc(t.get("none"))),
    }
}

fn case_section(h: &mut String, data: &CaseData, t: &Texts, date: &str) {
    open_section(h, "case", t, Some("case.intro"));
    h.push_str("<table class=\"kv\">\n");
    kv(h, t, "case.number", &esc(&data.info.number));
    kv(h, t, "case.name", &esc(&data.info.name));
    kv(h, t, "case.examiner", &esc(&data.info.examiner));
    kv(h, t, "case.created", &esc(&data.info.created));
    let last = data.custody.lines.iter().rev().find_map(|l| match l {
        CustodyLine::Entry(e) => Some(format!(
            "{} ({})",
            esc(&exhibit_custody::format_time(&e.time)),
            custody_link(e.seq)
        )),
        CustodyLine::Unreadable(..) => None,
    });
    kv(
        h,
        t,
        "case.last_custody",
        &last.unwrap_or_else(|| opt(t, None)),
    );
    kv(h, t, "case.report_date", &esc(date));
    let evs: Vec<String> = data
        .evidence
        .iter()
        .map(|e| ev_link(&e.record.id))
        .collect();
    kv(h, t, "case.evidence_count", &evs.join(", "));
    h.push_str("</table>\n</section>\n");
}

/// Custody entries by evidence id (sequence numbers), for links.
fn entries_of<'a>(data: &'a CaseData, id: &str) -> Vec<&'a exhibit_custody::Entry> {
    data.custody
        .lines
        .iter()
        .filter_map(|l| match l {
            CustodyLine::Entry(e) if e.evidence.as_deref() == Some(id) => Some(&**e),
            _ => None,
        })
        .collect()
}

fn evidence_section(h: &mut String, data: &CaseData, t: &Texts) {
    open_section(h, "evidence", t, Some("ev.intro"));
    if data.evidence.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t.get("ev.none")));
    }
    for item in &data.evidence {
        evidence_item(h, data, t, item);
    }
    h.push_str("</section>\n");
}

fn evidence_item(h: &mut String, data: &CaseData, t: &Texts, item: &Item) {
    let r = &item.record;
    let entries = entries_of(data, &r.id);
    let _ = write!(
        h,
        "<article id=\"{}\" class=\"evidence\">\n<h3>{} {}</h3>\n<table class=\"kv\">\n",
        anchor("ev", &[&r.id]),
        esc(t.get("ev.item")),
        esc(&r.id)
    );
    kv(
        h,
        t,
        "ev.exhibit_number",
        &opt(t, item.exhibit_number.as_deref()),
    );
    kv(
        h,
        t,
        "ev.path",
        &format!(
            "<span class=\"mono\">{}</span>",
            esc(&r.path.to_string_lossy())
        ),
    );
    kv(h, t, "ev.container", &esc(&r.container));
    kv(h, t, "ev.size", &r.size.to_string());
    let files: Vec<String> = r
        .files
        .iter()
        .map(|(p, n)| {
            format!(
                "<span class=\"mono\">{}</span> ({n})",
                esc(&p.to_string_lossy())
            )
        })
        .collect();
    kv(h, t, "ev.files", &files.join("<br>"));
    kv(h, t, "ev.description", &opt(t, r.description.as_deref()));
    let registered = entries
        .iter()
        .find(|e| e.action == "registered")
        .map(|e| format!(" ({})", custody_link(e.seq)))
        .unwrap_or_default();
    kv(
        h,
        t,
        "ev.registered",
        &format!("{}{registered}", esc(&r.registered_at)),
    );
    kv(h, t, "ev.registered_by", &esc(&r.registered_by));
    if let Some((a, b)) = &item.acquired {
        kv(h, t, "ev.acquired", &format!("{} – {}", esc(a), esc(b)));
    }
    if let Some(w) = &item.acquired_with {
        kv(h, t, "ev.acquired_with", &esc(w));
    }
    h.push_str("</table>\n");
    let _ = write!(
        h,
        "<h4>{}</h4>\n<table><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>\n",
        glossary_link(t, "hash", t.get("ev.hashes")),
        esc(t.get("ev.algorithm")),
        esc(t.get("ev.value"))
    );
    for (alg, v) in &r.hashes {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"hash\" data-evidence=\"{}\" data-alg=\"{}\">{}</td></tr>",
            esc(&alg.to_uppercase()),
            esc(&r.id),
            esc(alg),
            esc(v)
        );
    }
    h.push_str("</tbody></table>\n");
    if !r.stored_hashes.is_empty() {
        let _ = write!(
            h,
            "<h4>{}</h4>\n<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>\n",
            esc(t.get("ev.stored_hashes")),
            esc(t.get("ev.algorithm")),
            esc(t.get("ev.stored")),
            esc(t.get("ev.computed")),
            esc(t.get("ev.matches"))
        );
        for c in &r.stored_hashes {
            let _ = writeln!(
                h,
                "<tr{}><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
                if c.matches { "" } else { " class=\"bad\"" },
                esc(&c.algorithm.to_uppercase()),
                esc(&c.stored),
                esc(&c.computed),
                esc(t.get(if c.matches { "yes" } else { "no" }))
            );
        }
        h.push_str("</tbody></table>\n");
    }
    let _ = writeln!(h, "<h4>{}</h4>", esc(t.get("ev.verifications")));
    let verifications: Vec<_> = entries.iter().filter(|e| e.action == "verified").collect();
    if verifications.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t.get("ev.no_verifications")));
    } else {
        h.push_str("<ul>\n");
        for e in verifications {
            let ok = e.details.get("result").and_then(Value::as_str) == Some("hashes match");
            let _ = writeln!(
                h,
                "<li class=\"{}\">{} — {} ({}, {})</li>",
                if ok { "" } else { "flag" },
                esc(&exhibit_custody::format_time(&e.time)),
                esc(t.get(if ok {
                    "ev.verified_ok"
                } else {
                    "ev.verified_bad"
                })),
                esc(&e.examiner),
                custody_link(e.seq)
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</article>\n");
}

fn detail_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn custody_section(h: &mut String, data: &CaseData, t: &Texts) {
    open_section(h, "custody", t, Some("cu.intro"));
    let c = &data.custody;
    let _ = writeln!(h, "<h3>{}</h3>", esc(t.get("cu.status")));
    let mut bad_lines = BTreeSet::new();
    match &c.verify {
        Ok(rep) if rep.is_clean() => {
            let _ = writeln!(
                h,
                "<div id=\"custody-status\" class=\"ok\" data-verified=\"true\"><p>✔ {}</p>",
                esc(t.get("cu.ok"))
            );
            verify_numbers(h, t, rep);
            h.push_str("</div>\n");
        }
        Ok(rep) => {
            let _ = writeln!(
                h,
                "<div id=\"custody-status\" class=\"fail\" data-verified=\"false\"><p>✘ {}</p><ul>",
                esc(t.get("cu.failed"))
            );
            for p in &rep.problems {
                if let Some(l) = p.line {
                    bad_lines.insert(l);
                }
                let link = p.entry.map(|s| format!(" ({})", custody_link(s)));
                let _ = writeln!(
                    h,
                    "<li>{}: {}{}</li>",
                    esc(t.get("cu.problem")),
                    esc(&p.message),
                    link.unwrap_or_default()
                );
            }
            h.push_str("</ul>");
            verify_numbers(h, t, rep);
            h.push_str("</div>\n");
        }
        Err(e) => {
            let _ = writeln!(
                h,
                "<div id=\"custody-status\" class=\"fail\" data-verified=\"false\"><p>✘ {}</p><p>{}: {}</p></div>",
                esc(t.get("cu.failed")),
                esc(t.get("cu.error")),
                esc(e)
            );
        }
    }
    let _ = writeln!(h, "<h3>{}</h3>", esc(t.get("cu.checkpoint")));
    match &c.checkpoint {
        None => {
            let _ = writeln!(h, "<p>{}</p>", esc(t.get("cu.no_checkpoint")));
        }
        Some((cp, signer)) => {
            h.push_str("<table class=\"kv\" id=\"checkpoint\">\n");
            kv(h, t, "cu.tree_size", &cp.tree_size.to_string());
            kv(
                h,
                t,
                "cu.cp_root",
                &format!("<span class=\"mono\">{}</span>", esc(&cp.root_hash)),
            );
            kv(
                h,
                t,
                "cu.checkpoint_time",
                &esc(&exhibit_custody::format_time(&cp.time)),
            );
            kv(h, t, "cu.signer", &esc(&cp.examiner));
            kv(
                h,
                t,
                "cu.public_key",
                &format!("<span class=\"mono\">{}</span>", esc(&cp.public_key)),
            );
            let sig = match signer {
                Ok(fp) => format!(
                    "{} <span class=\"mono\">{}</span>",
                    esc(t.get("cu.signature_ok")),
                    esc(fp)
                ),
                Err(e) => format!(
                    "<span class=\"flag\">{}</span> ({})",
                    esc(t.get("cu.signature_bad")),
                    esc(e)
                ),
            };
            kv(h, t, "cu.signature", &sig);
            h.push_str("</table>\n");
        }
    }
    let _ = writeln!(
        h,
        "<table id=\"custody-log\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(t.get("cu.seq")),
        glossary_link(t, "utc", t.get("cu.time")),
        esc(t.get("cu.examiner")),
        esc(t.get("cu.action")),
        esc(t.get("cu.evidence")),
        esc(t.get("cu.details"))
    );
    let mut line_no = 0usize;
    for l in &c.lines {
        match l {
            CustodyLine::Entry(e) => {
                line_no += 1;
                let details: Vec<String> = e
                    .details
                    .iter()
                    .map(|(k, v)| format!("{}: {}", esc(k), esc(&detail_text(v))))
                    .collect();
                let bad = bad_lines.contains(&line_no) || bad_lines.contains(&(e.seq as usize));
                let _ = writeln!(
                    h,
                    "<tr id=\"cu-{}\"{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td></tr>",
                    e.seq,
                    if bad { " class=\"bad\"" } else { "" },
                    e.seq,
                    esc(&exhibit_custody::format_time(&e.time)),
                    esc(&e.examiner),
                    esc(&e.action),
                    e.evidence.as_deref().map(ev_link).unwrap_or_default(),
                    details.join("<br>")
                );
            }
            CustodyLine::Unreadable(n, text) => {
                line_no = *n;
                let _ = writeln!(
                    h,
                    "<tr class=\"bad\"><td>{n}</td><td colspan=\"5\"><strong>{}</strong> <span class=\"mono\">{}</span></td></tr>",
                    esc(t.get("cu.unreadable")),
                    esc(text)
                );
            }
        }
    }
    h.push_str("</tbody></table>\n</section>\n");
}

fn verify_numbers(h: &mut String, t: &Texts, rep: &exhibit_custody::VerifyReport) {
    let _ = writeln!(
        h,
        "<p>{}: {} · {}: {} · {}: <span class=\"mono\">{}</span></p>",
        esc(t.get("cu.entries_checked")),
        rep.entries,
        esc(t.get("cu.checkpoints_checked")),
        rep.checkpoints,
        esc(t.get("cu.root")),
        esc(&rep.root_hash)
    );
}

/// A section drawn from the case store; without a store it says so.
fn store_section(
    h: &mut String,
    (id, intro): (&str, &str),
    store: Option<&StoreData>,
    t: &Texts,
    body: fn(&mut String, &StoreData, &Texts),
) {
    open_section(h, id, t, Some(intro));
    match store {
        Some(s) => body(h, s, t),
        None => {
            let _ = writeln!(h, "<p>{}</p>", esc(t.get("su.no_store")));
        }
    }
    h.push_str("</section>\n");
}

/// The glossary term that explains a finding kind, if any.
fn kind_term(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "ip" | "ipv4" | "ipv6" => "ip",
        "onion" => "onion",
        "wallet" => "wallet",
        "email" => "header",
        _ => return None,
    })
}

fn kind_cell(t: &Texts, kind: &str) -> String {
    match kind_term(kind) {
        Some(term) => glossary_link(t, term, kind),
        None => esc(kind),
    }
}

fn finding_anchor(kind: &str, value: &str) -> String {
    anchor("pr", &[kind, value])
}

fn findings_section(h: &mut String, s: &StoreData, t: &Texts) {
    if s.findings.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t.get("fi.none")));
    } else {
        let _ = writeln!(
            h,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(t.get("fi.kind")),
            esc(t.get("fi.value")),
            esc(t.get("fi.count")),
            esc(t.get("fi.note")),
            esc(t.get("fi.enrichment"))
        );
        for f in &s.findings {
            let where_ = if f.count == 0 {
                format!(
                    " <span class=\"flag\">({})</span>",
                    esc(t.get("fi.missing"))
                )
            } else {
                String::new()
            };
            let enr = f
                .enrichment
                .as_ref()
                .map(|e| {
                    format!(
                        "<span class=\"{}\">{}</span>",
                        if e.flagged { "flag" } else { "" },
                        esc(&e.summary)
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<tr class=\"tagged-finding\"><td>{}</td><td class=\"mono\"><a href=\"#{}\">{}</a>{where_}</td><td>{}</td><td class=\"note\">{}</td><td>{enr}</td></tr>",
                kind_cell(t, &f.kind),
                finding_anchor(&f.kind, &f.value),
                esc(&f.value),
                f.count,
                esc(f.tag.note.as_deref().unwrap_or("")),
            );
        }
        h.push_str("</tbody></table>\n");
    }
}

fn provenance_section(h: &mut String, s: &StoreData, t: &Texts) {
    if s.findings.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t.get("fi.none")));
    }
    for f in &s.findings {
        let _ = write!(
            h,
            "<article id=\"{}\">\n<h3>{}: <span class=\"mono\">{}</span></h3>\n",
            finding_anchor(&f.kind, &f.value),
            esc(&f.kind),
            esc(&f.value)
        );
        let _ = writeln!(
            h,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(t.get("pr.evidence")),
            esc(t.get("pr.file")),
            esc(t.get("pr.offset")),
            esc(t.get("pr.path")),
            esc(t.get("pr.context")),
            esc(t.get("pr.validated"))
        );
        for o in &f.occurrences {
            let file = o
                .file
                .as_ref()
                .map(|k| format!("p{} {}", k.partition, k.path))
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
                ev_link(&o.evidence),
                esc(&file),
                o.offset,
                esc(&o.path),
                esc(o.context.as_deref().unwrap_or("")),
                esc(t.get(if o.validated { "yes" } else { "no" }))
            );
        }
        h.push_str("</tbody></table>\n");
        let more = f.count.saturating_sub(f.occurrences.len() as u64);
        if more > 0 {
            let _ = writeln!(
                h,
                "<p class=\"muted\">+{more} {}</p>",
                esc(t.get("pr.more"))
            );
        }
        h.push_str("</article>\n");
    }
}

fn summary_section(h: &mut String, s: &StoreData, t: &Texts) {
    let _ = writeln!(h, "<h3>{}</h3>", esc(t.get("su.per_type")));
    if s.kinds.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t.get("su.none")));
    } else {
        let _ = writeln!(
            h,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(t.get("su.kind")),
            esc(t.get("su.total")),
            esc(t.get("su.distinct")),
            esc(t.get("su.top"))
        );
        for k in &s.kinds {
            let top: Vec<String> = k
                .top
                .iter()
                .map(|(v, n)| format!("<span class=\"mono\">{}</span> ({n})", esc(v)))
                .collect();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                kind_cell(t, &k.kind),
                k.total,
                k.distinct,
                top.join("<br>")
            );
        }
        h.push_str("</tbody></table>\n");
    }
    let _ = writeln!(h, "<h3>{}</h3>", esc(t.get("su.flagged")));
    if s.flagged.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t.get("su.none")));
    } else {
        let _ = writeln!(
            h,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(t.get("su.kind")),
            esc(t.get("fi.value")),
            esc(t.get("fi.enrichment"))
        );
        for e in &s.flagged {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"mono\">{}</td><td class=\"flag\">{}</td></tr>",
                kind_cell(t, &e.kind),
                esc(&e.value),
                esc(&e.summary)
            );
        }
        h.push_str("</tbody></table>\n");
    }
}

fn timeline_section(h: &mut String, s: &StoreData, t: &Texts) {
    if s.events.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t.get("tl.none")));
    } else {
        let _ = writeln!(
            h,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            glossary_link(t, "utc", t.get("tl.time")),
            esc(t.get("tl.zone")),
            esc(t.get("tl.macb")),
            esc(t.get("tl.evidence")),
            esc(t.get("tl.description")),
            esc(t.get("tl.note"))
        );
        for (tag, rows) in &s.events {
            let note = esc(tag.note.as_deref().unwrap_or(""));
            if rows.is_empty() {
                let _ = writeln!(
                    h,
                    "<tr class=\"bad\"><td>{}</td><td></td><td></td><td></td><td>{} <span class=\"flag\">({})</span></td><td class=\"note\">{note}</td></tr>",
                    esc(&tag.key),
                    esc(&tag.detail),
                    esc(t.get("fi.missing"))
                );
            }
            for r in rows {
                let _ = writeln!(
                    h,
                    "<tr class=\"tagged-event\"><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"note\">{note}</td></tr>",
                    esc(&r.time),
                    esc(r.zone.as_deref().unwrap_or("")),
                    esc(&r.macb),
                    ev_link(&r.evidence),
                    esc(&r.description)
                );
            }
        }
        h.push_str("</tbody></table>\n");
    }
}

fn email_section(h: &mut String, s: &StoreData, t: &Texts) {
    if s.messages.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t.get("em.none")));
    } else if s.all_messages {
        let _ = writeln!(h, "<p class=\"muted\">{}</p>", esc(t.get("em.all_shown")));
    }
    for m in &s.messages {
        message(h, t, m);
    }
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn message(h: &mut String, t: &Texts, m: &Message) {
    let r = &m.row;
    let _ = write!(
        h,
        "<article id=\"{}\" class=\"message keep\">\n<h3>{}: {}</h3>\n<table class=\"kv\">\n",
        anchor("msg", &[&r.evidence, &r.location]),
        esc(t.get("em.message")),
        esc(r.subject.as_deref().unwrap_or(""))
    );
    kv(h, t, "em.subject", &opt(t, r.subject.as_deref()));
    kv(h, t, "em.from", &opt(t, r.sender.as_deref()));
    kv(h, t, "em.to", &opt(t, r.recipients.as_deref()));
    let date = match (&r.date, &r.date_zone) {
        (Some(d), Some(z)) => format!("{} ({})", esc(d), esc(z)),
        (Some(d), None) => esc(d),
        _ => opt(t, None),
    };
    kv(h, t, "em.date", &date);
    let file = r
        .file
        .as_ref()
        .map(|k| format!("p{} {}", k.partition, k.path))
        .unwrap_or_default();
    kv(
        h,
        t,
        "em.location",
        &format!(
            "{} <span class=\"mono\">{}</span> @ {} ({} B)",
            ev_link(&r.evidence),
            esc(if file.is_empty() { &r.location } else { &file }),
            r.offset,
            r.size
        ),
    );
    kv(
        h,
        t,
        "em.sha256",
        &format!("<span class=\"mono\">{}</span>", esc(&r.sha256)),
    );
    if let Some(note) = m.tag.as_ref().and_then(|t| t.note.as_deref()) {
        kv(
            h,
            t,
            "em.note",
            &format!("<span class=\"note\">{}</span>", esc(note)),
        );
    }
    h.push_str("</table>\n");
    let empty = Value::Null;
    let a = m.analysis.as_ref().unwrap_or(&empty);
    let route = a.get("route").unwrap_or(&empty);
    let hops = route.get("hops").and_then(Value::as_array);
    match hops {
        Some(hops) if !hops.is_empty() => {
            let _ = writeln!(
                h,
                "<table class=\"route\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
                esc(t.get("em.hop")),
                esc(t.get("em.from_host")),
                glossary_link(t, "ip", t.get("em.from_ip")),
                esc(t.get("em.by_host")),
                glossary_link(t, "utc", t.get("em.hop_time")),
                esc(t.get("em.delay"))
            );
            for hop in hops {
                let delay = hop
                    .get("delay_seconds")
                    .and_then(Value::as_f64)
                    .map(|d| format!("{d}"))
                    .unwrap_or_default();
                let index = hop.get("index").map(detail_text).unwrap_or_default();
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
                    esc(&index),
                    esc(s(hop, "from_host").unwrap_or("")),
                    esc(s(hop, "from_ip").unwrap_or("")),
                    esc(s(hop, "by_host").unwrap_or("")),
                    esc(s(hop, "time").unwrap_or("")),
                    esc(&delay)
                );
            }
            h.push_str("</tbody></table>\n");
        }
        _ => {
            let _ = writeln!(
                h,
                "<p>{} ({})</p>",
                esc(t.get("em.no_route")),
                glossary_link(t, "header", t.get("see_glossary"))
            );
        }
    }
    if let Some(o) = route.get("origin").filter(|o| !o.is_null()) {
        let _ = writeln!(
            h,
            "<p><strong>{}:</strong> <span class=\"mono\">{}</span> — {}</p>",
            glossary_link(t, "ip", t.get("em.origin")),
            esc(&o.get("ip").map(detail_text).unwrap_or_default()),
            esc(s(o, "how").unwrap_or(""))
        );
    }
    let _ = writeln!(h, "<h4>{}</h4>", esc(t.get("em.verdicts")));
    let indicators = a.get("indicators").and_then(Value::as_array);
    match indicators {
        Some(list) if !list.is_empty() => {
            let _ = writeln!(
                h,
                "<table class=\"verdicts\"><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>",
                esc(t.get("em.severity")),
                esc(t.get("em.summary"))
            );
            for i in list {
                let sev = s(i, "severity").unwrap_or("");
                let _ = writeln!(
                    h,
                    "<tr><td class=\"{}\">{}</td><td>{}</td></tr>",
                    if matches!(sev, "high" | "medium") {
                        "flag"
                    } else {
                        ""
                    },
                    esc(severity(t, sev)),
                    esc(s(i, "summary").unwrap_or(""))
                );
            }
            h.push_str("</tbody></table>\n");
        }
        _ => {
            let _ = writeln!(h, "<p>{}</p>", esc(t.get("em.no_verdicts")));
        }
    }
    h.push_str("</article>\n");
}

/// A verdict's severity in the report's language (unknown ones as found).
fn severity<'a>(t: &'a Texts, sev: &'a str) -> &'a str {
    match sev {
        "info" => t.get("sev.info"),
        "low" => t.get("sev.low"),
        "medium" => t.get("sev.medium"),
        "high" => t.get("sev.high"),
        other => other,
    }
}

fn glossary_section(h: &mut String, t: &Texts) {
    open_section(h, "glossary", t, Some("gl.intro"));
    h.push_str("<dl>\n");
    for (id, key) in GLOSSARY {
        let _ = writeln!(
            h,
            "<dt id=\"{id}\">{}</dt><dd>{}</dd>",
            esc(t.get(&format!("{key}.t"))),
            esc(t.get(&format!("{key}.d")))
        );
    }
    h.push_str("</dl>\n</section>\n");
}

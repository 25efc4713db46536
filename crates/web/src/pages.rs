//! Server-rendered pages, and the data functions the JSON API shares.

use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use exhibit_evidence::Source;
use exhibit_store::browse::{EventFilter, Facet};
use exhibit_store::{FileRow, SearchHit, TagRow};
use exhibit_vfs::{FileData, FsOptions, Recovery};
use serde::Deserialize;

use crate::html::{as_text, esc, hex_dump, page, size, table, url, Viewer};
use crate::server::{
    attachment, base_name, blocking, custody, html, redirect, req, App, CaseEntry, Ctx, Reject, Req,
};

/// Bytes per hex page.
pub const HEX_PAGE: u64 = 4096;
/// Bytes shown in the text view and of a message body.
pub const TEXT_MAX: u64 = 1 << 20;
/// Largest raw download (bigger files: `exhibit cat`).
pub const RAW_MAX: u64 = 256 << 20;
/// Rows per listing page.
pub const PAGE_ROWS: usize = 500;

type St = State<Arc<App>>;

fn viewer(ctx: &Ctx) -> Viewer<'_> {
    Viewer {
        user: &ctx.s.user,
        role: ctx.s.role.name(),
        csrf: &ctx.s.csrf,
    }
}

/// Runs a page function for a logged-in member of the case.
macro_rules! case_page {
    ($app:expr, $headers:expr, $addr:expr, $slug:expr, |$ctx:ident, $entry:ident, $req:ident| $body:expr) => {{
        let app = $app;
        let slug = $slug;
        let headers = $headers;
        let addr = $addr;
        blocking(move || {
            let $req = req(headers, addr);
            let run = || -> Result<Response, Reject> {
                let $ctx = app.ctx(&$req)?;
                let $entry = app.case(&$ctx, &slug)?;
                $body
            };
            run().unwrap_or_else(Reject::page)
        })
        .await
    }};
}

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(cases))
        .route("/case/{c}", get(overview))
        .route("/case/{c}/evidence/{e}", get(files))
        .route("/case/{c}/file/{id}", get(file))
        .route("/case/{c}/file/{id}/raw", get(raw))
        .route("/case/{c}/findings", get(findings))
        .route("/case/{c}/search", get(search))
        .route("/case/{c}/timeline", get(timeline))
        .route("/case/{c}/messages", get(messages))
        .route("/case/{c}/message/{sha}", get(message))
        .route("/case/{c}/tags", get(tags))
        .route("/case/{c}/tag", post(tag))
        .route("/case/{c}/report", get(report))
        .route("/case/{c}/export/{format}", get(export))
        .route("/case/{c}/verify/{e}", post(verify))
}

async fn cases(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let req = req(headers, addr);
    let ctx = match app.ctx(&req) {
        Ok(c) => c,
        Err(e) => return e.page(),
    };
    let rows: Vec<Vec<String>> = app
        .cases
        .iter()
        .filter(|c| ctx.s.member_of(&c.number))
        .map(|c| {
            vec![
                format!("<a href=\"/case/{}\">{}</a>", esc(&c.slug), esc(&c.number)),
                esc(&c.case.info().name),
                esc(&c.case.info().examiner),
            ]
        })
        .collect();
    let body = if rows.is_empty() {
        "<p>You are not a member of any case served here.</p>".to_string()
    } else {
        table(&["Case", "Name", "Examiner"], &rows)
    };
    html(page("Cases", Some(&viewer(&ctx)), None, &body))
}

fn tag_form(
    ctx: &Ctx,
    entry: &CaseEntry,
    target: &str,
    key: &str,
    detail: &str,
    back: &str,
) -> String {
    if !ctx.s.role.can_tag() {
        return String::new();
    }
    format!(
        "<form class=\"tag\" method=\"post\" action=\"/case/{}/tag\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"target\" value=\"{}\">\
         <input type=\"hidden\" name=\"key\" value=\"{}\">\
         <input type=\"hidden\" name=\"detail\" value=\"{}\">\
         <input type=\"hidden\" name=\"back\" value=\"{}\">\
         <input name=\"note\" placeholder=\"note\" size=\"12\">\
         <button type=\"submit\" class=\"tag-button\">Tag</button></form>",
        esc(&entry.slug),
        esc(&ctx.s.csrf),
        esc(target),
        esc(key),
        esc(detail),
        esc(back)
    )
}

async fn overview(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    case_page!(app, headers, addr, slug, |ctx, entry, _req| {
        let info = entry.case.info();
        let counts = entry.store.counts()?;
        let mut b = String::new();
        let _ = write!(
            b,
            "<p>{} · examiner {} · created {}</p><p>{} files ({} deleted), {} findings, \
             {} timeline events, {} e-mail messages.</p>",
            esc(&info.name),
            esc(&info.examiner),
            esc(&info.created),
            counts.files,
            counts.deleted,
            counts.findings,
            counts.timeline,
            counts.messages
        );
        let log = exhibit_custody::CustodyLog::open(entry.case.custody_log_path())?;
        let entries = log.entries()?;
        let mut rows = Vec::new();
        for r in entry.case.evidence()? {
            let verified = entries
                .iter()
                .rev()
                .find(|e| e.action == "verified" && e.evidence.as_deref() == Some(&r.id));
            let status = match verified {
                Some(e) => format!(
                    "verified {} by {} ({})",
                    esc(&exhibit_custody::format_time(&e.time)),
                    esc(&e.examiner),
                    esc(&e
                        .details
                        .get("result")
                        .or_else(|| e.details.get("outcome"))
                        .map(|v| v
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()))
                        .unwrap_or_else(|| "see custody".into()))
                ),
                None => "registered, not re-verified".into(),
            };
            let stored = if r.stored_hashes.is_empty() {
                String::new()
            } else if r.stored_hashes_match() {
                "<br><span class=\"ok\">container hashes match</span>".into()
            } else {
                "<br><span class=\"error\">container hash MISMATCH</span>".into()
            };
            let hashes: Vec<String> = r
                .hashes
                .iter()
                .map(|(k, v)| format!("{}: <code>{}</code>", esc(k), esc(v)))
                .collect();
            rows.push(vec![
                format!(
                    "<a href=\"/case/{}/evidence/{}\">{}</a>",
                    esc(&entry.slug),
                    esc(&r.id),
                    esc(&r.id)
                ),
                esc(r.description.as_deref().unwrap_or("")),
                format!("{} · {}", esc(&r.container), size(r.size)),
                hashes.join("<br>"),
                format!("{status}{stored}{}", verify_form(&ctx, entry, &r.id)),
            ]);
        }
        let s = esc(&entry.slug);
        let _ = write!(
            b,
            "<p>Download: <a href=\"/case/{s}/report?download=1\">report (HTML)</a> · \
             <a href=\"/case/{s}/export/case\">CASE/UCO JSON-LD</a> · \
             <a href=\"/case/{s}/export/stix\">STIX 2.1</a></p>"
        );
        b.push_str("<h2>Evidence</h2>");
        b.push_str(&table(
            &["Id", "Description", "Container", "Hashes", "Verification"],
            &rows,
        ));
        b.push_str("<h2>Custody trail</h2>");
        let rows: Vec<Vec<String>> = entries
            .iter()
            .map(|e| {
                let details: Vec<String> = e
                    .details
                    .iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => format!("{k}={s}"),
                        other => format!("{k}={other}"),
                    })
                    .collect();
                vec![
                    e.seq.to_string(),
                    esc(&exhibit_custody::format_time(&e.time)),
                    esc(&e.examiner),
                    esc(&e.action),
                    esc(e.evidence.as_deref().unwrap_or("-")),
                    esc(&details.join(" ")),
                ]
            })
            .collect();
        b.push_str("<table data-filter>");
        let t = table(
            &["#", "Time", "Examiner", "Action", "Evidence", "Details"],
            &rows,
        );
        b.push_str(t.trim_start_matches("<table>"));
        Ok(html(page(
            &entry.number,
            Some(&viewer(&ctx)),
            Some(&entry.slug),
            &b,
        )))
    })
}

#[derive(Deserialize, Default)]
struct PageQ {
    #[serde(default)]
    page: usize,
}

async fn files(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, ev)): Path<(String, String)>,
    Query(q): Query<PageQ>,
) -> Response {
    case_page!(app, headers, addr, slug, |ctx, entry, _req| {
        let rec = entry
            .case
            .evidence()?
            .into_iter()
            .find(|r| r.id == ev)
            .ok_or(Reject::NotFound)?;
        let rows =
            entry
                .store
                .files_of(&rec.id, q.page.saturating_mul(PAGE_ROWS), PAGE_ROWS + 1)?;
        let more = rows.len() > PAGE_ROWS;
        let rows: Vec<Vec<String>> = rows
            .iter()
            .take(PAGE_ROWS)
            .map(|f| {
                let depth = f.key.path.matches('/').count().saturating_sub(1);
                let name = base_name(&f.key.path);
                let indent = "\u{a0}\u{a0}\u{a0}".repeat(depth);
                let mark = if f.deleted { " (deleted)" } else { "" };
                let class = if f.deleted { " class=\"deleted\"" } else { "" };
                vec![
                    format!(
                        "{indent}<a{class} href=\"/case/{}/file/{}\" title=\"{}\">{}{}</a>",
                        esc(&entry.slug),
                        f.id,
                        esc(&f.key.path),
                        esc(if name.is_empty() { &f.key.path } else { &name }),
                        mark
                    ),
                    esc(&f.name_kind),
                    f.size.to_string(),
                    esc(f.mtime.as_deref().unwrap_or("")),
                    esc(f.mime.as_deref().unwrap_or("")),
                    format!("{} p{} {}", esc(&f.fs), f.key.partition, esc(&f.key.inode)),
                ]
            })
            .collect();
        let mut b = format!(
            "<p>{} · {}</p><table data-filter>",
            esc(rec.description.as_deref().unwrap_or("")),
            esc(&rec.path.display().to_string())
        );
        let t = table(
            &["Name", "Kind", "Size", "Modified", "Type", "Address"],
            &rows,
        );
        b.push_str(t.trim_start_matches("<table>"));
        if q.page > 0 {
            let _ = write!(b, "<a href=\"?page={}\">previous</a> ", q.page - 1);
        }
        if more {
            let _ = write!(b, "<a href=\"?page={}\">next</a>", q.page + 1);
        }
        Ok(html(page(
            &format!("Files of {}", rec.id),
            Some(&viewer(&ctx)),
            Some(&entry.slug),
            &b,
        )))
    })
}

/// The file's content: evidence → partition → file system → address.
pub(crate) fn open_file(entry: &CaseEntry, f: &FileRow) -> Result<(FileData, String), Reject> {
    let rec = entry
        .case
        .evidence()?
        .into_iter()
        .find(|r| r.id == f.evidence)
        .ok_or(Reject::NotFound)?;
    if rec.container == "folder" {
        // Only a file the registration's manifest lists: the row's path
        // names one, and nothing else of the disk is reachable.
        let want = rec.path.join(f.key.path.trim_start_matches('/'));
        let (path, _) = rec.files.iter().find(|(p, _)| *p == want).ok_or_else(|| {
            Reject::Bad("not a file of the folder as registered (an archive member?)".into())
        })?;
        let raw = exhibit_evidence::RawSource::open(path)?;
        let forensic = format!(
            "{} (folder {}) → {}",
            rec.id,
            rec.path.display(),
            f.key.path
        );
        let data = FileData {
            source: Arc::new(raw),
            recovery: Recovery::Certain,
        };
        return Ok((data, forensic));
    }
    let src: Arc<dyn Source> = Arc::new(exhibit_evidence::open(&rec.path)?);
    let label = base_name(&rec.path.display().to_string());
    let (_, parts) = exhibit_examine::partitions(src, &label)?;
    let part = parts
        .into_iter()
        .find(|p| i64::try_from(p.number).ok() == Some(f.key.partition))
        .ok_or(Reject::NotFound)?;
    let fs = exhibit_examine::open_fs(&part, &FsOptions::default())?;
    let data = fs.open(&f.key.inode, None)?;
    let forensic = format!(
        "{} ({}) → {} → {} → {} {}",
        rec.id,
        label,
        part.provenance,
        fs.kind(),
        f.key.inode,
        f.key.path
    );
    Ok((data, forensic))
}

/// `len` bytes from `offset` (fewer at the end).
pub(crate) fn read_range(data: &FileData, offset: u64, len: u64) -> Result<Vec<u8>, Reject> {
    let total = data.source.len();
    let end = offset.saturating_add(len).min(total);
    let mut buf = vec![0u8; usize::try_from(end.saturating_sub(offset)).unwrap_or(0)];
    let mut done = 0usize;
    while done < buf.len() {
        let n = data
            .source
            .read_at(offset + done as u64, &mut buf[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    buf.truncate(done);
    Ok(buf)
}

pub(crate) fn recovery_note(r: Recovery) -> &'static str {
    match r {
        Recovery::Certain => "",
        Recovery::Guess => "deleted: the content is a best guess and may be wrong",
        Recovery::Lost => "deleted: the content is known to be overwritten",
    }
}

#[derive(Deserialize, Default)]
struct FileQ {
    #[serde(default)]
    view: Option<String>,
    #[serde(default)]
    offset: u64,
}

async fn file(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Query(q): Query<FileQ>,
) -> Response {
    case_page!(app, headers, addr, slug, |ctx, entry, _req| {
        let f = entry.store.file_by_id(id)?.ok_or(Reject::NotFound)?;
        let s = esc(&entry.slug);
        let mut b = String::new();
        let meta = vec![
            vec!["Path".into(), esc(&f.key.path)],
            vec!["Evidence".into(), esc(&f.evidence)],
            vec![
                "Address".into(),
                format!(
                    "partition {} · {} · {}",
                    f.key.partition,
                    esc(&f.fs),
                    esc(&f.key.inode)
                ),
            ],
            vec!["Kind".into(), esc(&f.name_kind)],
            vec![
                "Deleted".into(),
                if f.deleted {
                    "<span class=\"deleted\">yes</span>".into()
                } else {
                    "no".into()
                },
            ],
            vec!["Recovery".into(), esc(&f.recovery)],
            vec!["Size".into(), f.size.to_string()],
            vec!["Type".into(), esc(f.mime.as_deref().unwrap_or(""))],
            vec!["Modified".into(), esc(f.mtime.as_deref().unwrap_or(""))],
            vec!["Accessed".into(), esc(f.atime.as_deref().unwrap_or(""))],
            vec!["Created".into(), esc(f.crtime.as_deref().unwrap_or(""))],
            vec!["MD5".into(), esc(f.md5.as_deref().unwrap_or(""))],
            vec!["SHA-256".into(), esc(f.sha256.as_deref().unwrap_or(""))],
        ];
        b.push_str(&table(&["", ""], &meta));
        let _ = write!(
            b,
            "<p><a id=\"view-hex\" href=\"/case/{s}/file/{id}?view=hex\">Hex</a> · \
             <a id=\"view-text\" href=\"/case/{s}/file/{id}?view=text\">Text</a> · \
             <a id=\"download\" href=\"/case/{s}/file/{id}/raw\">Download (attachment)</a></p>"
        );
        if let Some(view) = q.view.as_deref() {
            let (data, forensic) = open_file(entry, &f)?;
            let total = data.source.len();
            let _ = write!(
                b,
                "<p>Forensic path: <code id=\"forensic-path\">{}</code></p>",
                esc(&forensic)
            );
            let note = recovery_note(data.recovery);
            if !note.is_empty() {
                let _ = write!(b, "<p class=\"deleted\">{note}</p>");
            }
            match view {
                "hex" => {
                    let off = (q.offset / 16) * 16;
                    let bytes = read_range(&data, off, HEX_PAGE)?;
                    custody(
                        entry,
                        &ctx.s.user,
                        "viewed",
                        Some(&f.evidence),
                        &[
                            ("file", f.key.path.clone()),
                            ("inode", f.key.inode.clone()),
                            ("view", "hex".into()),
                            ("offset", off.to_string()),
                            ("length", bytes.len().to_string()),
                        ],
                    )?;
                    let _ = write!(b, "<h2>Hex, bytes {off}–{} of {total}</h2><pre class=\"hex\" id=\"hex\">{}</pre>",
                        off.saturating_add(bytes.len() as u64), hex_dump(&bytes, off));
                    if off > 0 {
                        let _ = write!(
                            b,
                            "<a href=\"?view=hex&amp;offset={}\">previous</a> ",
                            off.saturating_sub(HEX_PAGE)
                        );
                    }
                    if off.saturating_add(HEX_PAGE) < total {
                        let _ = write!(
                            b,
                            "<a href=\"?view=hex&amp;offset={}\">next</a>",
                            off.saturating_add(HEX_PAGE)
                        );
                    }
                }
                "text" => {
                    let bytes = read_range(&data, 0, TEXT_MAX)?;
                    custody(
                        entry,
                        &ctx.s.user,
                        "viewed",
                        Some(&f.evidence),
                        &[
                            ("file", f.key.path.clone()),
                            ("inode", f.key.inode.clone()),
                            ("view", "text".into()),
                            ("length", bytes.len().to_string()),
                        ],
                    )?;
                    let (text, enc) = as_text(&bytes);
                    let _ = write!(
                        b,
                        "<h2>Text ({enc}, {} of {total} bytes)</h2><pre id=\"text\">{}</pre>",
                        bytes.len(),
                        esc(&text)
                    );
                }
                _ => return Err(Reject::Bad("view is hex or text".into())),
            }
        }
        Ok(html(page(
            &base_name(&f.key.path),
            Some(&viewer(&ctx)),
            Some(&entry.slug),
            &b,
        )))
    })
}

async fn raw(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
) -> Response {
    case_page!(app, headers, addr, slug, |ctx, entry, _req| {
        let f = entry.store.file_by_id(id)?.ok_or(Reject::NotFound)?;
        let (data, _) = open_file(entry, &f)?;
        if data.source.len() > RAW_MAX {
            return Err(Reject::Bad(format!(
                "larger than {} MiB: use `exhibit cat`",
                RAW_MAX >> 20
            )));
        }
        let bytes = read_range(&data, 0, RAW_MAX)?;
        custody(
            entry,
            &ctx.s.user,
            "exported",
            Some(&f.evidence),
            &[
                ("file", f.key.path.clone()),
                ("inode", f.key.inode.clone()),
                ("view", "download".into()),
                ("length", bytes.len().to_string()),
            ],
        )?;
        Ok(attachment(bytes, &base_name(&f.key.path)))
    })
}

fn facet_links(
    slug: &str,
    base: &str,
    param: &str,
    facets: &[Facet],
    current: Option<&str>,
) -> String {
    let mut h = String::from("<p class=\"facets\">");
    let _ = write!(h, "<a href=\"/case/{}/{base}\">all</a>", esc(slug));
    for f in facets {
        let cur = current == Some(f.name.as_str());
        let _ = write!(
            h,
            "<a href=\"/case/{}/{base}?{param}={}\"{}>{} ({})</a>",
            esc(slug),
            url(&f.name),
            if cur { " class=\"current\"" } else { "" },
            esc(&f.name),
            f.count
        );
    }
    h.push_str("</p>");
    h
}

#[derive(Deserialize, Default)]
struct FindingsQ {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    page: usize,
}

async fn findings(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<FindingsQ>,
) -> Response {
    case_page!(app, headers, addr, slug, |ctx, entry, _req| {
        let kind = q.kind.as_deref().filter(|k| !k.is_empty());
        let s = esc(&entry.slug);
        let mut b = facet_links(
            &entry.slug,
            "findings",
            "kind",
            &entry.finding_kinds()?,
            kind,
        );
        let hist = entry.top_values(kind)?;
        let max = hist.iter().map(|h| h.count).max().unwrap_or(1);
        let back = format!("/case/{}/findings", entry.slug);
        // What enrichment (GeoIP, lookalikes, watchlists) says of a value.
        let enriched: std::collections::BTreeMap<(String, String), (bool, String)> = entry
            .store
            .enrichment(false)?
            .into_iter()
            .map(|e| ((e.kind, e.value), (e.flagged, e.summary)))
            .collect();
        let rows: Vec<Vec<String>> = hist
            .iter()
            .map(|h| {
                let key = format!("{}:{}", h.kind, h.value);
                let note = match enriched.get(&(h.kind.clone(), h.value.clone())) {
                    Some((true, sum)) => {
                        format!("<span class=\"error\">flagged: {}</span>", esc(sum))
                    }
                    Some((false, sum)) => esc(sum),
                    None => String::new(),
                };
                vec![
                    esc(&h.kind),
                    format!(
                        "<a href=\"/case/{s}/findings?kind={}&amp;value={}\">{}</a>",
                        url(&h.kind),
                        url(&h.value),
                        esc(&h.value)
                    ),
                    format!(
                        "<meter min=\"0\" max=\"{max}\" value=\"{}\"></meter> {}",
                        h.count, h.count
                    ),
                    note,
                    tag_form(&ctx, entry, "finding", &key, "", &back),
                ]
            })
            .collect();
        b.push_str("<h2>Histogram</h2><table data-filter>");
        b.push_str(
            table(&["Kind", "Value", "Count", "Enrichment", ""], &rows)
                .trim_start_matches("<table>"),
        );
        let items = match (kind, q.value.as_deref()) {
            (Some(k), Some(v)) => entry.store.findings_of_value(k, v, PAGE_ROWS + 1)?,
            _ => {
                entry
                    .store
                    .findings_page(kind, q.page.saturating_mul(PAGE_ROWS), PAGE_ROWS + 1)?
            }
        };
        let more = items.len() > PAGE_ROWS;
        let rows: Vec<Vec<String>> = items
            .iter()
            .take(PAGE_ROWS)
            .map(|f| {
                let r = &f.row;
                let file = match (&r.file, f.file_id) {
                    (Some(k), Some(id)) => format!(
                        "<a href=\"/case/{s}/file/{id}?view=hex\">{}</a>",
                        esc(&k.path)
                    ),
                    _ => String::new(),
                };
                vec![
                    esc(&r.evidence),
                    esc(&r.kind),
                    esc(&r.value),
                    format!("<code>{}</code>", esc(r.context.as_deref().unwrap_or(""))),
                    format!("{} @ {}", esc(&r.path), r.offset),
                    file,
                ]
            })
            .collect();
        b.push_str("<h2>Hits</h2><table data-filter>");
        b.push_str(
            table(
                &["Evidence", "Kind", "Value", "Context", "Location", "File"],
                &rows,
            )
            .trim_start_matches("<table>"),
        );
        if more {
            let _ = write!(
                b,
                "<a href=\"?kind={}&amp;page={}\">next</a>",
                url(kind.unwrap_or("")),
                q.page + 1
            );
        }
        Ok(html(page(
            "Findings",
            Some(&viewer(&ctx)),
            Some(&entry.slug),
            &b,
        )))
    })
}

/// One search hit with a link into the workbench.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Found {
    #[serde(flatten)]
    pub hit: SearchHit,
    /// Workbench page of the hit.
    pub link: Option<String>,
}

/// Finding values starting with the text, file paths containing it, and the full-text index
/// (words in messages and file text): work bounded however big the case.
pub(crate) fn run_search(entry: &CaseEntry, text: &str) -> Result<Vec<Found>, Reject> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let s = &entry.slug;
    let mut out = Vec::new();
    let file_link = |ev: &str, path: &str| -> Option<String> {
        let id = *entry.store.file_ids_at(ev, path).ok()?.first()?;
        Some(format!("/case/{s}/file/{id}?view=text"))
    };
    // Finding values starting with the text (ranges of the value index) and
    // files whose path contains it: bounded work however big the case. Words
    // inside messages and file text come from the full-text index below.
    let kinds: Vec<String> = entry.finding_kinds()?.into_iter().map(|f| f.name).collect();
    for v in entry.store.values_starting(text, &kinds, 50)? {
        let link = Some(format!(
            "/case/{s}/findings?kind={}&value={}",
            url(&v.kind),
            url(&v.value)
        ));
        out.push(Found {
            hit: SearchHit {
                what: "finding".into(),
                evidence: String::new(),
                kind: Some(v.kind),
                text: v.value,
                location: Some(format!(
                    "{} occurrence{}",
                    v.count,
                    if v.count == 1 { "" } else { "s" }
                )),
                offset: None,
                time: None,
                file: None,
            },
            link,
        });
    }
    for f in entry.store.files_containing(text, 200)? {
        let link = Some(format!("/case/{s}/file/{}?view=text", f.id));
        out.push(Found {
            hit: SearchHit {
                what: "file".into(),
                evidence: f.evidence,
                kind: f.mime,
                text: f.key.path.clone(),
                location: None,
                offset: None,
                time: None,
                file: Some(f.key.path),
            },
            link,
        });
    }
    // The index folder as `exhibit triage` writes it (`INDEX_DIR`).
    if let Some(index) = entry.index() {
        if let Ok(mut q) = exhibit_index::parse_query(text) {
            use exhibit_index::DocKind;
            q.limit = Some(200);
            if q.kinds.is_empty() {
                q.kinds = vec![DocKind::Message, DocKind::Text];
            }
            for h in index.search(&q).unwrap_or_default() {
                let is_msg = h.kind == DocKind::Message;
                let link = if is_msg {
                    h.key
                        .rsplit('#')
                        .next()
                        .map(|sha| format!("/case/{s}/message/{}", url(sha)))
                } else {
                    file_link(&h.evidence, &h.path)
                };
                out.push(Found {
                    hit: SearchHit {
                        what: h.kind.name().to_string(),
                        evidence: h.evidence,
                        kind: (!h.tag.is_empty()).then_some(h.tag),
                        text: if is_msg { h.value } else { h.path.clone() },
                        location: is_msg.then(|| h.path.clone()),
                        offset: None,
                        time: h.time.map(|t| format!("{t:.9}")),
                        file: Some(h.path),
                    },
                    link,
                });
            }
        }
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
struct SearchQ {
    #[serde(default)]
    q: String,
}

async fn search(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<SearchQ>,
) -> Response {
    case_page!(app, headers, addr, slug, |ctx, entry, _req| {
        let mut b = format!(
            "<form method=\"get\"><input id=\"q\" type=\"search\" name=\"q\" value=\"{}\" \
             placeholder=\"text, kind:email, …\"> <button id=\"search\" type=\"submit\">Search</button></form>",
            esc(&q.q)
        );
        if !q.q.trim().is_empty() {
            let hits = run_search(entry, &q.q)?;
            let rows: Vec<Vec<String>> = hits
                .iter()
                .map(|f| {
                    let h = &f.hit;
                    let text = match &f.link {
                        Some(l) => {
                            format!("<a class=\"hit\" href=\"{}\">{}</a>", esc(l), esc(&h.text))
                        }
                        None => esc(&h.text),
                    };
                    let at = h
                        .time
                        .clone()
                        .or_else(|| h.location.clone())
                        .unwrap_or_default();
                    vec![
                        esc(&h.what),
                        esc(&h.evidence),
                        esc(h.kind.as_deref().unwrap_or("")),
                        text,
                        esc(&at),
                        esc(h.file.as_deref().unwrap_or("")),
                    ]
                })
                .collect();
            let _ = write!(b, "<p>{} hits</p>", rows.len());
            b.push_str(&table(
                &["What", "Evidence", "Kind", "Text", "Where", "File"],
                &rows,
            ));
        }
        Ok(html(page(
            "Search",
            Some(&viewer(&ctx)),
            Some(&entry.slug),
            &b,
        )))
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct TimelineQ {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub unit: Option<usize>,
}

impl TimelineQ {
    pub(crate) fn filter(&self) -> EventFilter {
        let nz = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
        EventFilter {
            from: nz(&self.from),
            to: nz(&self.to),
            source: nz(&self.source),
        }
    }
}

/// The next finer histogram unit (prefix length of the time text).
fn finer(unit: usize) -> usize {
    match unit {
        0..=4 => 7,
        5..=7 => 10,
        8..=10 => 13,
        _ => 16,
    }
}

/// A histogram unit showing the span in a few dozen bars.
pub(crate) fn auto_unit(span: Option<(String, String)>) -> usize {
    let Some((a, b)) = span else { return 10 };
    let ts = |s: &str| s.parse::<jiff::Timestamp>().ok();
    match (ts(&a), ts(&b)) {
        (Some(a), Some(b)) => {
            let secs = b.as_second() - a.as_second();
            if secs > 3 * 365 * 86400 {
                4
            } else if secs > 90 * 86400 {
                7
            } else if secs > 3 * 86400 {
                10
            } else if secs > 6 * 3600 {
                13
            } else {
                16
            }
        }
        _ => 10,
    }
}

async fn timeline(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<TimelineQ>,
) -> Response {
    case_page!(app, headers, addr, slug, |ctx, entry, _req| {
        let filter = q.filter();
        let s = esc(&entry.slug);
        let src = filter.source.clone().unwrap_or_default();
        let mut b = format!(
            "<form method=\"get\">From <input name=\"from\" value=\"{}\" placeholder=\"2026-03-01\"> \
             to <input name=\"to\" value=\"{}\" placeholder=\"2026-04-01\"> \
             source <input name=\"source\" value=\"{}\"> <button type=\"submit\">Filter</button></form>",
            esc(filter.from.as_deref().unwrap_or("")),
            esc(filter.to.as_deref().unwrap_or("")),
            esc(&src)
        );
        b.push_str(&facet_links(
            &entry.slug,
            "timeline",
            "source",
            &entry.store.event_sources()?,
            filter.source.as_deref(),
        ));
        let unit = q
            .unit
            .unwrap_or_else(|| {
                let span = match (&filter.from, &filter.to) {
                    (Some(a), Some(z)) => Some((a.clone(), z.clone())),
                    _ => entry.store.time_span().ok().flatten(),
                };
                auto_unit(span)
            })
            .clamp(4, 19);
        let buckets = entry.store.activity(&filter, unit)?;
        let max = buckets.iter().map(|f| f.count).max().unwrap_or(1);
        let rows: Vec<Vec<String>> = buckets
            .iter()
            .map(|f| {
                vec![
                    format!(
                        "<a href=\"/case/{s}/timeline?from={}&amp;to={}&amp;source={}&amp;unit={}\">{}</a>",
                        url(&f.name),
                        url(&format!("{}~", f.name)),
                        url(&src),
                        finer(unit),
                        esc(&f.name)
                    ),
                    format!("<meter min=\"0\" max=\"{max}\" value=\"{}\"></meter> {}", f.count, f.count),
                ]
            })
            .collect();
        b.push_str("<h2>Activity</h2>");
        b.push_str(&table(&["When (click to zoom)", "Events"], &rows));
        let events = entry.store.events_page(&filter, 2000)?;
        let back = format!("/case/{}/timeline", entry.slug);
        let rows: Vec<Vec<String>> = events
            .iter()
            .map(|e| {
                let r = &e.row;
                let desc = match e.file_id {
                    Some(id) => format!(
                        "<a href=\"/case/{s}/file/{id}\">{}</a>",
                        esc(&r.description)
                    ),
                    None => esc(&r.description),
                };
                vec![
                    esc(&r.time),
                    esc(&r.macb),
                    esc(&r.evidence),
                    esc(&r.source),
                    desc,
                    tag_form(&ctx, entry, "event", &r.time, &r.description, &back),
                ]
            })
            .collect();
        b.push_str("<h2>Events</h2><table data-filter>");
        b.push_str(
            table(
                &[
                    "Time (UTC)",
                    "MACB",
                    "Evidence",
                    "Source",
                    "Description",
                    "",
                ],
                &rows,
            )
            .trim_start_matches("<table>"),
        );
        Ok(html(page(
            "Timeline",
            Some(&viewer(&ctx)),
            Some(&entry.slug),
            &b,
        )))
    })
}

async fn messages(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<FindingsQ>,
) -> Response {
    case_page!(app, headers, addr, slug, |ctx, entry, _req| {
        let s = esc(&entry.slug);
        let list = entry
            .store
            .messages_page(q.page * PAGE_ROWS, PAGE_ROWS + 1)?;
        let more = list.len() > PAGE_ROWS;
        let rows: Vec<Vec<String>> = list
            .iter()
            .take(PAGE_ROWS)
            .map(|m| {
                vec![
                    esc(m.date.as_deref().unwrap_or("")),
                    esc(m.sender.as_deref().unwrap_or("")),
                    esc(m.recipients.as_deref().unwrap_or("")),
                    format!(
                        "<a class=\"message\" href=\"/case/{s}/message/{}\">{}</a>",
                        url(&m.sha256),
                        esc(m.subject.as_deref().unwrap_or("(no subject)"))
                    ),
                    esc(&m.location),
                ]
            })
            .collect();
        let mut b = String::from("<table data-filter>");
        b.push_str(
            table(&["Date (UTC)", "From", "To", "Subject", "Where"], &rows)
                .trim_start_matches("<table>"),
        );
        if q.page > 0 {
            let _ = write!(
                b,
                "<p><a href=\"/case/{s}/messages?page={}\">previous {PAGE_ROWS}</a></p>",
                q.page - 1
            );
        }
        if more {
            let _ = write!(
                b,
                "<p><a href=\"/case/{s}/messages?page={}\">next {PAGE_ROWS}</a></p>",
                q.page + 1
            );
        }
        Ok(html(page(
            "E-mail",
            Some(&viewer(&ctx)),
            Some(&entry.slug),
            &b,
        )))
    })
}

fn json_cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => esc(s),
        other => esc(&other.to_string()),
    }
}

/// A JSON value as HTML: arrays of objects as tables, objects as
/// key/value tables, the rest as text. Everything escaped.
fn json_html(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => {
            let mut keys: Vec<&str> = Vec::new();
            for i in items {
                if let Value::Object(m) = i {
                    for k in m.keys() {
                        if !keys.contains(&k.as_str()) {
                            keys.push(k);
                        }
                    }
                }
            }
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|i| keys.iter().map(|k| json_cell(&i[*k])).collect())
                .collect();
            table(&keys, &rows)
        }
        Value::Object(m) => {
            let rows: Vec<Vec<String>> =
                m.iter().map(|(k, v)| vec![esc(k), json_html(v)]).collect();
            table(&["", ""], &rows)
        }
        Value::Array(a) if a.is_empty() => "none".into(),
        other => json_cell(other),
    }
}

async fn message(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, sha)): Path<(String, String)>,
) -> Response {
    case_page!(app, headers, addr, slug, |ctx, entry, _req| {
        let (m, file_id) = entry
            .store
            .message_by_sha256(&sha)?
            .ok_or(Reject::NotFound)?;
        let mut b = String::new();
        let head = vec![
            vec!["From".into(), esc(m.sender.as_deref().unwrap_or(""))],
            vec!["To".into(), esc(m.recipients.as_deref().unwrap_or(""))],
            vec!["Subject".into(), esc(m.subject.as_deref().unwrap_or(""))],
            vec![
                "Date".into(),
                format!(
                    "{} (sender zone {})",
                    esc(m.date.as_deref().unwrap_or("")),
                    esc(m.date_zone.as_deref().unwrap_or("?"))
                ),
            ],
            vec![
                "Message-ID".into(),
                esc(m.message_id.as_deref().unwrap_or("")),
            ],
            vec![
                "Where".into(),
                format!(
                    "{} · {} · offset {} · {} bytes",
                    esc(&m.evidence),
                    esc(&m.location),
                    m.offset,
                    m.size
                ),
            ],
            vec!["SHA-256".into(), esc(&m.sha256)],
            vec!["Attachments".into(), m.attachments.to_string()],
        ];
        b.push_str(&table(&["", ""], &head));
        b.push_str(&tag_form(
            &ctx,
            entry,
            "message",
            &m.sha256,
            "",
            &format!("/case/{}/message/{}", entry.slug, m.sha256),
        ));
        let analysis: serde_json::Value = m
            .analysis
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or(serde_json::Value::Null);
        // A chat message (stored by triage's apps stage) is its own record:
        // no route, and its text is in the record, not at an offset of its
        // database file.
        let chat = !analysis["app"].is_null() && !analysis["conversation"].is_null();
        if chat {
            let _ = write!(b, "<h2>Chat message</h2>{}", json_html(&analysis));
        }
        let route = &analysis["route"];
        if !chat {
            b.push_str("<h2>Route</h2>");
            let hops: Vec<Vec<String>> = route["hops"]
                .as_array()
                .map(|hops| {
                    hops.iter()
                        .map(|h| {
                            [
                                "index",
                                "from_host",
                                "from_ip",
                                "by_host",
                                "protocol",
                                "time",
                                "delay_seconds",
                                "clock_skew",
                            ]
                            .iter()
                            .map(|k| json_cell(&h[*k]))
                            .collect()
                        })
                        .collect()
                })
                .unwrap_or_default();
            b.push_str("<table id=\"route\">");
            b.push_str(
                table(
                    &[
                        "Hop",
                        "From host",
                        "From IP",
                        "By host",
                        "Protocol",
                        "Time (UTC)",
                        "Delay (s)",
                        "Clock skew",
                    ],
                    &hops,
                )
                .trim_start_matches("<table>"),
            );
            if !route["origin"].is_null() {
                let _ = write!(b, "<h3>Origin</h3>{}", json_html(&route["origin"]));
            }
            for (title, key) in [
                ("Indicators and verdicts", "indicators"),
                ("Warnings", "warnings"),
                ("Attachments", "attachments"),
            ] {
                let v = &analysis[key];
                if !v.is_null() {
                    let _ = write!(b, "<h2>{title}</h2>{}", json_html(v));
                }
            }
        }
        if let (false, Some(id)) = (chat, file_id) {
            if let Some(f) = entry.store.file_by_id(id)? {
                let (data, _) = open_file(entry, &f)?;
                let bytes = read_range(&data, m.offset, m.size.min(TEXT_MAX))?;
                custody(
                    entry,
                    &ctx.s.user,
                    "viewed",
                    Some(&m.evidence),
                    &[
                        ("message", m.sha256.clone()),
                        ("file", f.key.path.clone()),
                        ("view", "message".into()),
                    ],
                )?;
                let (text, _) = as_text(&bytes);
                let _ = write!(b, "<h2>Message as text (not rendered: no remote content, no scripts)</h2><pre id=\"body\">{}</pre>", esc(&text));
            }
        }
        Ok(html(page(
            m.subject.as_deref().unwrap_or("E-mail"),
            Some(&viewer(&ctx)),
            Some(&entry.slug),
            &b,
        )))
    })
}

async fn tags(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    case_page!(app, headers, addr, slug, |ctx, entry, _req| {
        let can = ctx.s.role.can_tag();
        let rows: Vec<Vec<String>> = entry
            .store
            .tags()?
            .iter()
            .map(|t| {
                let remove = if can {
                    format!(
                        "<form class=\"tag\" method=\"post\" action=\"/case/{}/tag\" data-confirm=\"Remove this tag?\">\
                         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                         <input type=\"hidden\" name=\"target\" value=\"{}\">\
                         <input type=\"hidden\" name=\"key\" value=\"{}\">\
                         <input type=\"hidden\" name=\"detail\" value=\"{}\">\
                         <input type=\"hidden\" name=\"remove\" value=\"1\">\
                         <button type=\"submit\">Remove</button></form>",
                        esc(&entry.slug), esc(&ctx.s.csrf), esc(&t.target), esc(&t.key), esc(&t.detail)
                    )
                } else {
                    String::new()
                };
                vec![
                    esc(&t.target),
                    esc(&t.key),
                    esc(&t.detail),
                    esc(t.note.as_deref().unwrap_or("")),
                    esc(&t.examiner),
                    esc(&t.tagged_at),
                    remove,
                ]
            })
            .collect();
        let b = table(
            &["Target", "Key", "Detail", "Note", "By", "When", ""],
            &rows,
        );
        Ok(html(page(
            "Tagged for the report",
            Some(&viewer(&ctx)),
            Some(&entry.slug),
            &b,
        )))
    })
}

/// What to tag (form or JSON).
#[derive(Deserialize, Default, Debug)]
pub(crate) struct TagReq {
    #[serde(default)]
    pub csrf: Option<String>,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub remove: Option<String>,
    #[serde(default)]
    pub back: Option<String>,
}

/// Checks and applies a tag change; CSRF and role first, then the
/// target must exist in the case. Returns the stored tag key.
pub(crate) fn apply_tag(
    app: &App,
    req: &Req,
    slug: &str,
    t: &TagReq,
) -> Result<(Ctx, String), Reject> {
    let ctx = app.ctx(req)?;
    let entry = app.case(&ctx, slug)?;
    app.check_csrf(&ctx, req, t.csrf.as_deref())?;
    if !ctx.s.role.can_tag() {
        return Err(Reject::Forbidden("your role may not tag".into()));
    }
    let remove = t
        .remove
        .as_deref()
        .is_some_and(|r| !r.is_empty() && r != "0");
    let store = &entry.store;
    let key = match t.target.as_str() {
        "finding" => {
            let (kind, value) = t
                .key
                .split_once(':')
                .ok_or_else(|| Reject::Bad("finding key is KIND:VALUE".into()))?;
            let found = store
                .findings_matching(&[value.to_string()])?
                .into_iter()
                .find(|h| h.kind == kind);
            match found {
                Some(h) => format!("{}:{}", h.kind, h.value),
                None if remove => t.key.clone(),
                None => return Err(Reject::Bad("no such finding in the case".into())),
            }
        }
        "message" => {
            if !remove && store.message_by_sha256(&t.key)?.is_none() {
                return Err(Reject::Bad("no such message in the case".into()));
            }
            t.key.clone()
        }
        "event" => {
            let filter = EventFilter {
                from: Some(t.key.clone()),
                to: Some(format!("{}\u{1}", t.key)),
                source: None,
            };
            let n = store
                .events_page(&filter, 10_000)?
                .iter()
                .filter(|e| e.row.time == t.key && e.row.description.contains(&t.detail))
                .count();
            if n == 0 && !remove {
                return Err(Reject::Bad("no such event in the case".into()));
            }
            t.key.clone()
        }
        _ => return Err(Reject::Bad("target is finding, event or message".into())),
    };
    let detail = if t.target == "event" {
        t.detail.clone()
    } else {
        String::new()
    };
    if remove {
        if store.remove_tag(&t.target, &key, &detail)? {
            custody(
                entry,
                &ctx.s.user,
                "untagged",
                None,
                &[("target", t.target.clone()), ("key", key.clone())],
            )?;
        }
    } else {
        let note = t.note.clone().filter(|n| !n.trim().is_empty());
        store.add_tag(&TagRow {
            target: t.target.clone(),
            key: key.clone(),
            detail: detail.clone(),
            note: note.clone(),
            examiner: ctx.s.user.clone(),
            tagged_at: jiff::Timestamp::now().to_string(),
        })?;
        let mut d = vec![("target", t.target.clone()), ("key", key.clone())];
        if !detail.is_empty() {
            d.push(("detail", detail));
        }
        if let Some(n) = note {
            d.push(("note", n));
        }
        custody(entry, &ctx.s.user, "tagged", None, &d)?;
    }
    Ok((ctx, key))
}

async fn tag(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(t): Form<TagReq>,
) -> Response {
    blocking(move || {
        let req = req(headers, addr);
        match apply_tag(&app, &req, &slug, &t) {
            Ok(_) => {
                let prefix = format!("/case/{slug}/");
                let back = t
                    .back
                    .as_deref()
                    .filter(|b| b.starts_with(&prefix) && !b.contains("//") && !b.contains('\\'))
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("/case/{slug}/tags"));
                redirect(&back)
            }
            Err(e) => e.page(),
        }
    })
    .await
}

#[derive(Deserialize, Default)]
struct ReportQ {
    #[serde(default)]
    download: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

async fn report(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<ReportQ>,
) -> Response {
    case_page!(app, headers, addr, slug, |_ctx, entry, _req| {
        let opts = exhibit_report::Options {
            lang: q.lang.clone().unwrap_or_else(|| "en".into()),
            ..Default::default()
        };
        let text = exhibit_report::report(entry.case.dir(), &opts)?;
        if q.download.is_some() {
            return Ok(attachment(
                text.into_bytes(),
                &format!("report-{}.html", entry.slug),
            ));
        }
        // The report is our own escaped rendering; it keeps its inline
        // style but may run no script at all.
        let mut r = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], text).into_response();
        r.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'none'",
            ),
        );
        Ok(r)
    })
}

async fn export(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, format)): Path<(String, String)>,
) -> Response {
    case_page!(app, headers, addr, slug, |ctx, entry, _req| {
        let (format, name) = match format.as_str() {
            "case" => (exhibit_export::Format::Case, "case.jsonld"),
            "stix" => (exhibit_export::Format::Stix, "stix.json"),
            _ => return Err(Reject::NotFound),
        };
        let opts = exhibit_export::ExportOptions {
            examiner: Some(ctx.s.user.clone()),
            ..Default::default()
        };
        let snap = exhibit_export::load(&entry.case, &opts)?;
        let bytes = exhibit_export::render(&snap, format, &opts)?;
        exhibit_export::record_export(
            &entry.case,
            &ctx.s.user,
            format,
            "web workbench download",
            &bytes,
            &snap,
            jiff::Timestamp::now(),
        )?;
        Ok(attachment(bytes, &format!("{}-{name}", entry.slug)))
    })
}

fn verify_form(ctx: &Ctx, entry: &CaseEntry, evidence: &str) -> String {
    if !ctx.s.role.can_tag() {
        return String::new();
    }
    format!(
        "<form class=\"tag\" method=\"post\" action=\"/case/{}/verify/{}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button type=\"submit\">Verify hashes now</button></form>",
        esc(&entry.slug),
        esc(evidence),
        esc(&ctx.s.csrf)
    )
}

#[derive(Deserialize, Default)]
struct CsrfOnly {
    #[serde(default)]
    csrf: Option<String>,
}

/// Re-hashes an evidence item (investigator or admin); the case records
/// the outcome in the custody log under the user's name.
async fn verify(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, ev)): Path<(String, String)>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let checker = Arc::clone(&app);
    case_page!(app, headers, addr, slug, |ctx, entry, req| {
        checker.check_csrf(&ctx, &req, f.csrf.as_deref())?;
        if !ctx.s.role.can_tag() {
            return Err(Reject::Forbidden(
                "your role may not verify evidence".into(),
            ));
        }
        if !entry.case.evidence()?.iter().any(|r| r.id == ev) {
            return Err(Reject::NotFound);
        }
        entry
            .case
            .verify_evidence(&ev, &ctx.s.user, jiff::Timestamp::now(), &mut |_, _| {})?;
        Ok(redirect(&format!("/case/{}", entry.slug)))
    })
}

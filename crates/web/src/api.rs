//! The JSON API under `/api/`, mirroring the pages; described by the
//! hand-written OpenAPI 3 document at `/api/openapi.json`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::html::as_text;
use crate::pages::{
    apply_tag, auto_unit, open_file, read_range, recovery_note, run_search, TagReq, TimelineQ,
    HEX_PAGE, PAGE_ROWS, TEXT_MAX,
};
use crate::server::{blocking, custody, req, App, Reject};

type St = State<Arc<App>>;

/// Runs an API function for a logged-in member of the case.
macro_rules! case_api {
    ($app:expr, $headers:expr, $addr:expr, $slug:expr, |$ctx:ident, $entry:ident| $body:expr) => {{
        let app = $app;
        let slug = $slug;
        let headers = $headers;
        let addr = $addr;
        blocking(move || {
            let r = req(headers, addr);
            let run = || -> Result<Value, Reject> {
                let $ctx = app.ctx(&r)?;
                let $entry = app.case(&$ctx, &slug)?;
                $body
            };
            match run() {
                Ok(v) => Json(v).into_response(),
                Err(e) => e.api(),
            }
        })
        .await
    }};
}

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/session", get(session))
        .route("/api/cases", get(cases))
        .route("/api/case/{c}", get(case))
        .route("/api/case/{c}/evidence/{e}/files", get(files))
        .route("/api/case/{c}/file/{id}", get(file))
        .route("/api/case/{c}/file/{id}/content", get(content))
        .route("/api/case/{c}/findings", get(findings))
        .route("/api/case/{c}/search", get(search))
        .route("/api/case/{c}/timeline", get(timeline))
        .route("/api/case/{c}/messages", get(messages))
        .route("/api/case/{c}/message/{sha}", get(message))
        .route("/api/case/{c}/tags", get(tags).post(tag))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, Reject> {
    serde_json::to_value(v).map_err(|e| Reject::Internal(e.to_string()))
}

async fn openapi() -> Response {
    Json(openapi_doc()).into_response()
}

async fn session(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    match app.ctx(&req(headers, addr)) {
        Ok(ctx) => Json(json!({
            "user": ctx.s.user,
            "role": ctx.s.role.name(),
            "csrf": ctx.s.csrf,
        }))
        .into_response(),
        Err(e) => e.api(),
    }
}

async fn cases(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let ctx = match app.ctx(&req(headers, addr)) {
        Ok(c) => c,
        Err(e) => return e.api(),
    };
    let list: Vec<Value> = app
        .cases
        .iter()
        .filter(|c| ctx.s.member_of(&c.number))
        .map(|c| json!({"id": c.slug, "number": c.number, "name": c.case.info().name}))
        .collect();
    Json(json!({ "cases": list })).into_response()
}

async fn case(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    case_api!(app, headers, addr, slug, |_ctx, entry| {
        let log = exhibit_custody::CustodyLog::open(entry.case.custody_log_path())?;
        let custody: Vec<Value> = log
            .entries()?
            .iter()
            .map(|e| serde_json::from_str(&e.to_line().unwrap_or_default()).unwrap_or(Value::Null))
            .collect();
        Ok(json!({
            "id": entry.slug,
            "case": to_json(entry.case.info())?,
            "counts": to_json(&entry.store.counts()?)?,
            "evidence": to_json(&entry.case.evidence()?)?,
            "custody": custody,
        }))
    })
}

#[derive(Deserialize, Default)]
struct PageQ {
    #[serde(default)]
    offset: usize,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    kind: Option<String>,
}

async fn files(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, ev)): Path<(String, String)>,
    Query(q): Query<PageQ>,
) -> Response {
    case_api!(app, headers, addr, slug, |_ctx, entry| {
        let limit = q.limit.unwrap_or(PAGE_ROWS).min(10_000);
        if !entry.case.evidence()?.iter().any(|r| r.id == ev) {
            return Err(Reject::NotFound);
        }
        Ok(json!({ "files": to_json(&entry.store.files_of(&ev, q.offset, limit)?)? }))
    })
}

async fn file(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
) -> Response {
    case_api!(app, headers, addr, slug, |_ctx, entry| {
        let f = entry.store.file_by_id(id)?.ok_or(Reject::NotFound)?;
        to_json(&f)
    })
}

#[derive(Deserialize, Default)]
struct ContentQ {
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    length: Option<u64>,
}

async fn content(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Query(q): Query<ContentQ>,
) -> Response {
    case_api!(app, headers, addr, slug, |ctx, entry| {
        let f = entry.store.file_by_id(id)?.ok_or(Reject::NotFound)?;
        let (data, forensic) = open_file(entry, &f)?;
        let len = q.length.unwrap_or(HEX_PAGE).min(TEXT_MAX);
        let bytes = read_range(&data, q.offset, len)?;
        custody(
            entry,
            &ctx.s.user,
            "viewed",
            Some(&f.evidence),
            &[
                ("file", f.key.path.clone()),
                ("inode", f.key.inode.clone()),
                ("view", "api".into()),
                ("offset", q.offset.to_string()),
                ("length", bytes.len().to_string()),
            ],
        )?;
        let (text, encoding) = as_text(&bytes);
        Ok(json!({
            "forensic_path": forensic,
            "recovery": recovery_note(data.recovery),
            "size": exhibit_evidence::Source::len(data.source.as_ref()),
            "offset": q.offset,
            "hex": hex::encode(&bytes),
            "text": text,
            "encoding": encoding,
        }))
    })
}

async fn findings(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<PageQ>,
) -> Response {
    case_api!(app, headers, addr, slug, |_ctx, entry| {
        let kind = q.kind.as_deref().filter(|k| !k.is_empty());
        let limit = q.limit.unwrap_or(PAGE_ROWS).min(10_000);
        Ok(json!({
            "kinds": to_json(&entry.finding_kinds()?)?,
            "histogram": to_json(&entry.top_values(kind)?)?,
            "findings": to_json(&entry.store.findings_page(kind, q.offset, limit)?)?,
        }))
    })
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
    case_api!(app, headers, addr, slug, |_ctx, entry| {
        Ok(json!({ "hits": to_json(&run_search(entry, &q.q)?)? }))
    })
}

async fn timeline(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<TimelineQ>,
) -> Response {
    case_api!(app, headers, addr, slug, |_ctx, entry| {
        let filter = q.filter();
        let unit = q
            .unit
            .unwrap_or_else(|| auto_unit(entry.store.time_span().ok().flatten()))
            .clamp(4, 19);
        Ok(json!({
            "sources": to_json(&entry.store.event_sources()?)?,
            "activity": to_json(&entry.store.activity(&filter, unit)?)?,
            "events": to_json(&entry.store.events_page(&filter, 10_000)?)?,
        }))
    })
}

async fn messages(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<PageQ>,
) -> Response {
    case_api!(app, headers, addr, slug, |_ctx, entry| {
        let limit = q.limit.unwrap_or(PAGE_ROWS).min(10_000);
        Ok(json!({ "messages": to_json(&entry.store.messages_page(q.offset, limit)?)? }))
    })
}

async fn message(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, sha)): Path<(String, String)>,
) -> Response {
    case_api!(app, headers, addr, slug, |_ctx, entry| {
        let (m, _) = entry
            .store
            .message_by_sha256(&sha)?
            .ok_or(Reject::NotFound)?;
        let analysis: Value = m
            .analysis
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or(Value::Null);
        let mut v = to_json(&m)?;
        v["analysis"] = analysis;
        Ok(v)
    })
}

async fn tags(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    case_api!(app, headers, addr, slug, |_ctx, entry| {
        Ok(json!({ "tags": to_json(&entry.store.tags()?)? }))
    })
}

async fn tag(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    blocking(move || {
        let r = req(headers, addr);
        let t: TagReq = match serde_json::from_slice(&body) {
            Ok(t) => t,
            Err(e) => return Reject::Bad(format!("JSON body: {e}")).api(),
        };
        match apply_tag(&app, &r, &slug, &t) {
            Ok((_, key)) => (
                StatusCode::OK,
                Json(json!({ "tagged": t.target, "key": key })),
            )
                .into_response(),
            Err(e) => e.api(),
        }
    })
    .await
}

fn op(summary: &str, params: &[(&str, &str, &str)]) -> Value {
    let parameters: Vec<Value> = params
        .iter()
        .map(|(name, place, ty)| {
            json!({"name": name, "in": place, "required": *place == "path", "schema": {"type": ty}})
        })
        .collect();
    json!({
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {}}},
            "401": {"description": "not logged in"},
            "404": {"description": "no such case or object, or not a member"}
        }
    })
}

/// The OpenAPI 3 description of the API.
pub fn openapi_doc() -> Value {
    let c = ("c", "path", "string");
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Exhibit workbench API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Read a case and tag for the report. Log in with the form at /login \
                (session cookie); every POST needs the session's CSRF token (GET /api/session) in \
                the X-CSRF-Token header. Viewing evidence content is written to the custody log."
        },
        "components": {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "exhibit_session"}}},
        "security": [{"session": []}],
        "paths": {
            "/api/session": {"get": op("The logged-in user, role and CSRF token", &[])},
            "/api/cases": {"get": op("Cases the user is a member of", &[])},
            "/api/case/{c}": {"get": op("Case record, counts, evidence with hashes, custody trail", &[c])},
            "/api/case/{c}/evidence/{e}/files": {"get": op("Files of an evidence item (deleted ones too)", &[c, ("e", "path", "string"), ("offset", "query", "integer"), ("limit", "query", "integer")])},
            "/api/case/{c}/file/{id}": {"get": op("One file's metadata", &[c, ("id", "path", "integer")])},
            "/api/case/{c}/file/{id}/content": {"get": op("Bytes of a file as hex and text, with the forensic path (custody-logged)", &[c, ("id", "path", "integer"), ("offset", "query", "integer"), ("length", "query", "integer")])},
            "/api/case/{c}/findings": {"get": op("Findings: kinds, histogram, hits with context", &[c, ("kind", "query", "string"), ("offset", "query", "integer"), ("limit", "query", "integer")])},
            "/api/case/{c}/search": {"get": op("Search: finding values starting with q, file paths containing it, words in messages and file text", &[c, ("q", "query", "string")])},
            "/api/case/{c}/timeline": {"get": op("Timeline events, sources and activity histogram", &[c, ("from", "query", "string"), ("to", "query", "string"), ("source", "query", "string"), ("unit", "query", "integer")])},
            "/api/case/{c}/messages": {"get": op("Messages (e-mail and chat), a page at a time", &[c, ("offset", "query", "integer"), ("limit", "query", "integer")])},
            "/api/case/{c}/message/{sha}": {"get": op("One message with its route and indicators", &[c, ("sha", "path", "string")])},
            "/case/{c}/report": {"get": op("The court report regenerated with the current tags (HTML; ?download=1 as an attachment)", &[c, ("download", "query", "string"), ("lang", "query", "string")])},
            "/case/{c}/export/{format}": {"get": op("CASE/UCO JSON-LD (format=case) or STIX 2.1 (format=stix) as an attachment; custody-logged", &[c, ("format", "path", "string")])},
            "/case/{c}/verify/{e}": {"post": {
                "summary": "Re-hash an evidence item and record the outcome in the custody log (form POST with csrf; investigator or admin)",
                "parameters": [{"name": "c", "in": "path", "required": true, "schema": {"type": "string"}},
                               {"name": "e", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"303": {"description": "done: back to the overview"}, "403": {"description": "CSRF token missing or role may not verify"}, "404": {"description": "not a member or no such evidence"}}
            }},
            "/api/case/{c}/tags": {
                "get": op("Tags for the report", &[c]),
                "post": {
                    "summary": "Tag (or with remove, untag) a finding, event or message; investigator or admin; custody-logged",
                    "parameters": [{"name": "c", "in": "path", "required": true, "schema": {"type": "string"}},
                                   {"name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["target", "key"],
                        "properties": {
                            "target": {"type": "string", "enum": ["finding", "event", "message"]},
                            "key": {"type": "string", "description": "kind:value, event time, or message SHA-256"},
                            "detail": {"type": "string"},
                            "note": {"type": "string"},
                            "remove": {"type": "string"}
                        }}}}},
                    "responses": {"200": {"description": "tagged"}, "400": {"description": "no such target"},
                                  "403": {"description": "CSRF token missing or role may not tag"},
                                  "404": {"description": "not a member"}}
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn openapi_lists_every_api_route() {
        let doc = super::openapi_doc();
        assert_eq!(doc["openapi"], "3.0.3");
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/api/cases",
            "/api/case/{c}/tags",
            "/api/case/{c}/file/{id}/content",
        ] {
            assert!(paths.contains_key(p), "{p}");
        }
    }
}

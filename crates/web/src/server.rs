//! The server: state, routes, security headers, sessions in requests.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use exhibit_case::Case;
use exhibit_store::browse::Facet;
use exhibit_store::{Browse, HistogramRow, StoreError};
use serde::Deserialize;

use crate::auth::{same_secret, RateLimiter, Session, Sessions};
use crate::html::{esc, page};
use crate::users::Users;
use crate::WebError;

/// The Content-Security-Policy of every page: nothing but this server.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

const SESSION_COOKIE: &str = "exhibit_session";
const LOGIN_COOKIE: &str = "exhibit_login";

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Case folders.
    pub cases: Vec<PathBuf>,
    /// The users file.
    pub users: PathBuf,
    /// Mark cookies `Secure` (when a TLS proxy is in front).
    pub secure_cookies: bool,
}

/// One served case.
#[derive(Debug)]
pub struct CaseEntry {
    /// Its name in URLs (the case number, made URL-safe).
    pub slug: String,
    /// Case number (what membership names).
    pub number: String,
    /// The case.
    pub case: Case,
    /// Its store (SQLite or PostgreSQL).
    pub store: Box<dyn Browse>,
    /// Aggregates over all findings (kinds, top values), which take a
    /// scan of every finding: kept until the case's stages change.
    memo: Mutex<Memo>,
    /// Taken while this server appends to the case's custody log.
    custody_turn: Mutex<()>,
    /// The full-text index, opened once (each search reloads its reader,
    /// so segments a later triage commits are seen).
    index: std::sync::OnceLock<Option<Arc<exhibit_index::Index>>>,
}

/// Findings aggregates of one state of the case store.
#[derive(Debug, Default)]
struct Memo {
    /// The store state they were computed for ([`Browse::version`]).
    version: String,
    kinds: Option<Vec<Facet>>,
    top: BTreeMap<Option<String>, Vec<HistogramRow>>,
}

impl CaseEntry {
    /// The memo, emptied if the store changed since it was filled.
    fn memo(&self) -> Result<std::sync::MutexGuard<'_, Memo>, StoreError> {
        let version = self.store.version()?;
        let mut m = self.memo.lock().unwrap_or_else(|p| p.into_inner());
        if m.version != version {
            *m = Memo {
                version,
                ..Memo::default()
            };
        }
        Ok(m)
    }

    /// The case's full-text index, if it has one (the folder as `exhibit
    /// triage` writes it). A case triaged after the server started is
    /// seen after a restart.
    pub fn index(&self) -> Option<Arc<exhibit_index::Index>> {
        self.index
            .get_or_init(|| {
                exhibit_index::Index::open(&self.case.dir().join("index"))
                    .ok()
                    .map(Arc::new)
            })
            .clone()
    }

    /// Findings per kind (remembered until the store changes).
    pub fn finding_kinds(&self) -> Result<Vec<Facet>, StoreError> {
        let mut m = self.memo()?;
        if m.kinds.is_none() {
            m.kinds = Some(self.store.finding_kinds()?);
        }
        Ok(m.kinds.clone().unwrap_or_default())
    }

    /// The 100 most frequent values of a kind or of all (remembered until
    /// the store changes).
    pub fn top_values(&self, kind: Option<&str>) -> Result<Vec<HistogramRow>, StoreError> {
        let mut m = self.memo()?;
        let key = kind.map(str::to_string);
        if !m.top.contains_key(&key) {
            let rows = self.store.histogram(kind, Some(100))?;
            m.top.insert(key.clone(), rows);
        }
        Ok(m.top.get(&key).cloned().unwrap_or_default())
    }
}

/// Shared state.
#[derive(Debug)]
pub struct App {
    pub(crate) cases: Vec<CaseEntry>,
    users_path: PathBuf,
    /// The users file as last read, with its modification time.
    users: Mutex<(Option<std::time::SystemTime>, Users)>,
    sessions: Mutex<Sessions>,
    limiter: Mutex<RateLimiter>,
    secure: bool,
    /// Pictures each session has revealed: (session's CSRF token, case, file id).
    pub(crate) revealed: Mutex<std::collections::BTreeSet<(String, String, i64)>>,
    /// Thumbnails already made (bounded).
    pub(crate) thumbs: Mutex<crate::pictures::Thumbs>,
}

/// Why a request is refused.
#[derive(Debug)]
pub enum Reject {
    /// Not logged in.
    Login,
    /// No such thing, or not the user's to see.
    NotFound,
    /// Not allowed (role, CSRF).
    Forbidden(String),
    /// The request makes no sense.
    Bad(String),
    /// Too many failed logins.
    TooMany,
    /// Something failed on our side.
    Internal(String),
}

impl Reject {
    fn status(&self) -> (StatusCode, String) {
        match self {
            Reject::Login => (StatusCode::UNAUTHORIZED, "log in first".into()),
            Reject::NotFound => (StatusCode::NOT_FOUND, "not found".into()),
            Reject::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
            Reject::Bad(m) => (StatusCode::BAD_REQUEST, m.clone()),
            Reject::TooMany => (
                StatusCode::TOO_MANY_REQUESTS,
                "too many failed logins: try again later".into(),
            ),
            Reject::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, m.clone()),
        }
    }

    /// As an HTML page (a login redirect when not logged in).
    pub fn page(self) -> Response {
        if matches!(self, Reject::Login) {
            return redirect("/login");
        }
        let (code, msg) = self.status();
        let body = page(
            code.canonical_reason().unwrap_or("error"),
            None,
            None,
            &format!(
                "<p class=\"error\">{}</p><p><a href=\"/\">Cases</a></p>",
                esc(&msg)
            ),
        );
        (code, html_headers(), body).into_response()
    }

    /// As JSON.
    pub fn api(self) -> Response {
        let (code, msg) = self.status();
        (code, axum::Json(serde_json::json!({ "error": msg }))).into_response()
    }
}

impl<E: std::fmt::Display> From<E> for Reject
where
    E: std::error::Error,
{
    fn from(e: E) -> Self {
        Reject::Internal(e.to_string())
    }
}

/// The request as the pages see it.
pub struct Req {
    /// Headers.
    pub headers: HeaderMap,
    /// Peer address.
    pub addr: SocketAddr,
}

/// A logged-in request.
pub struct Ctx {
    /// The session.
    pub s: Session,
}

pub(crate) fn html_headers() -> [(header::HeaderName, &'static str); 1] {
    [(header::CONTENT_TYPE, "text/html; charset=utf-8")]
}

/// An HTML response.
pub fn html(body: String) -> Response {
    (html_headers(), body).into_response()
}

/// A 303 to a local path.
pub fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl App {
    /// Forgets the pictures revealed to sessions that ended or expired
    /// (at each login and logout: the set never outgrows the live sessions).
    pub(crate) fn forget_revealed(&self, now: Instant) {
        let Some(live) = self.sessions.lock().ok().map(|s| s.live_csrf(now)) else {
            return;
        };
        if let Ok(mut set) = self.revealed.lock() {
            set.retain(|(csrf, _, _)| live.contains(csrf));
        }
    }

    /// Opens the cases and prepares the state.
    pub fn new(opts: &ServeOptions) -> Result<App, WebError> {
        let mut cases = Vec::new();
        for dir in &opts.cases {
            let case_err = |what: String| WebError::Case {
                path: dir.clone(),
                what,
            };
            let case = Case::open(dir).map_err(|e| case_err(e.to_string()))?;
            // SQLite or PostgreSQL, as the case's link says: the page
            // queries give the same pages on both.
            let store =
                exhibit_store::open_browse(case.dir()).map_err(|e| case_err(e.to_string()))?;
            let number = case.info().number.clone();
            let mut slug: String = number
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            if slug.is_empty() || slug.chars().all(|c| c == '.') {
                slug = format!("case{}", cases.len() + 1);
            }
            // Membership names case numbers: two cases with one number
            // would share their members.
            if cases.iter().any(|c: &CaseEntry| c.number == number) {
                return Err(case_err(format!(
                    "case number {number} is served twice: serve one of them"
                )));
            }
            while cases.iter().any(|c: &CaseEntry| c.slug == slug) {
                slug.push('_');
            }
            cases.push(CaseEntry {
                slug,
                number,
                case,
                store,
                memo: Mutex::default(),
                custody_turn: Mutex::default(),
                index: std::sync::OnceLock::new(),
            });
        }
        cases.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(App {
            cases,
            users_path: opts.users.clone(),
            users: Mutex::new((None, Users::default())),
            sessions: Mutex::new(Sessions::default()),
            limiter: Mutex::new(RateLimiter::default()),
            secure: opts.secure_cookies,
            revealed: Mutex::default(),
            thumbs: Mutex::default(),
        })
    }

    fn cookie_attrs(&self) -> &'static str {
        if self.secure {
            "; HttpOnly; SameSite=Strict; Path=/; Secure"
        } else {
            "; HttpOnly; SameSite=Strict; Path=/"
        }
    }

    /// The session of a request, if logged in.
    pub fn ctx(&self, req: &Req) -> Result<Ctx, Reject> {
        let id = cookie(&req.headers, SESSION_COOKIE).ok_or(Reject::Login)?;
        let sessions = self
            .sessions
            .lock()
            .map_err(|_| Reject::Internal("sessions".into()))?;
        let mut s = sessions
            .get(id, Instant::now())
            .ok_or(Reject::Login)?
            .clone();
        drop(sessions);
        // Role and membership as the users file says now: removing a user
        // or a membership takes effect at the next request.
        let users = self.users()?;
        let u = users.get(&s.user).ok_or(Reject::Login)?;
        s.role = u.role;
        s.cases = u.cases.clone();
        Ok(Ctx { s })
    }

    /// The users file, read again when it changed.
    fn users(&self) -> Result<Users, Reject> {
        let mtime = std::fs::metadata(&self.users_path)
            .and_then(|m| m.modified())
            .ok();
        let mut cached = self
            .users
            .lock()
            .map_err(|_| Reject::Internal("users".into()))?;
        if cached.0.is_none() || cached.0 != mtime {
            let fresh =
                Users::load(&self.users_path).map_err(|e| Reject::Internal(e.to_string()))?;
            *cached = (mtime, fresh);
        }
        Ok(cached.1.clone())
    }

    /// The case named by `slug` if the user is a member; 404 otherwise,
    /// so a non-member cannot tell whether it exists.
    pub fn case(&self, ctx: &Ctx, slug: &str) -> Result<&CaseEntry, Reject> {
        self.cases
            .iter()
            .find(|c| c.slug == slug && ctx.s.member_of(&c.number))
            .ok_or(Reject::NotFound)
    }

    /// Refuses a POST whose CSRF token (form field or `X-CSRF-Token`
    /// header) is not the session's.
    pub fn check_csrf(&self, ctx: &Ctx, req: &Req, form: Option<&str>) -> Result<(), Reject> {
        let given = form.or_else(|| {
            req.headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
        });
        match given {
            Some(t) if same_secret(t, &ctx.s.csrf) => Ok(()),
            _ => Err(Reject::Forbidden("missing or wrong CSRF token".into())),
        }
    }
}

/// Appends a custody entry under the user's name.
pub fn custody(
    entry: &CaseEntry,
    user: &str,
    action: &str,
    evidence: Option<&str>,
    details: &[(&str, String)],
) -> Result<(), Reject> {
    let mut d: BTreeMap<String, String> = details
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    d.insert("via".into(), "exhibit serve".into());
    // Requests of this server take turns (the log's own lock is a try-lock
    // that fails rather than waits); another process holding it (a triage
    // running) is waited for a few seconds before the view is refused.
    let _turn = entry.custody_turn.lock().unwrap_or_else(|p| p.into_inner());
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match entry
            .case
            .record_action(user, action, evidence, d.clone(), jiff::Timestamp::now())
        {
            Ok(_) => return Ok(()),
            Err(exhibit_case::CaseError::Custody(exhibit_custody::CustodyError::Locked {
                ..
            })) if Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(e) => return Err(Reject::Internal(format!("custody log: {e}"))),
        }
    }
}

/// Runs a page function on the blocking pool (store and evidence reads
/// block).
pub(crate) async fn blocking(f: impl FnOnce() -> Response + Send + 'static) -> Response {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(_) => Reject::Internal("the request failed".into()).page(),
    }
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    res
}

type St = State<Arc<App>>;

/// Extracts what every page function needs.
pub(crate) fn req(headers: HeaderMap, addr: SocketAddr) -> Req {
    Req { headers, addr }
}

async fn login_page(State(app): St) -> Response {
    let pre = crate::auth::token();
    let body = format!(
        "<form class=\"login\" method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{pre}\">\
         <label>User <input id=\"user\" name=\"user\" autocomplete=\"username\" required></label>\
         <label>Password <input id=\"password\" name=\"password\" type=\"password\" \
         autocomplete=\"current-password\" required></label>\
         <button id=\"login\" type=\"submit\">Log in</button></form>"
    );
    let mut r = html(page("Log in", None, None, &body));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={pre}{}; Max-Age=900",
        app.cookie_attrs()
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn login(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    blocking(move || match do_login(&app, &req(headers, addr), &f) {
        Ok(r) => r,
        Err(e) => e.page(),
    })
    .await
}

fn do_login(app: &App, req: &Req, f: &LoginForm) -> Result<Response, Reject> {
    // Login CSRF: the form must carry the token set with the form.
    match cookie(&req.headers, LOGIN_COOKIE) {
        Some(pre) if same_secret(pre, &f.csrf) => {}
        _ => return Err(Reject::Forbidden("missing or wrong CSRF token".into())),
    }
    let ip = req.addr.ip().to_string();
    let now = Instant::now();
    let locked = app
        .limiter
        .lock()
        .map_err(|_| Reject::Internal("limiter".into()))?
        .locked(&f.user, &ip, now);
    if locked {
        return Err(Reject::TooMany);
    }
    let users = app.users()?;
    let Some(user) = users.authenticate(&f.user, &f.password) else {
        app.limiter
            .lock()
            .map_err(|_| Reject::Internal("limiter".into()))?
            .failed(&f.user, &ip, now);
        let body = "<p class=\"error\">Wrong user name or password.</p>\
                    <p><a href=\"/login\">Try again</a></p>";
        return Ok((
            StatusCode::UNAUTHORIZED,
            html_headers(),
            page("Log in", None, None, body),
        )
            .into_response());
    };
    if let Ok(mut l) = app.limiter.lock() {
        l.succeeded(&f.user, &ip);
    }
    let id = app
        .sessions
        .lock()
        .map_err(|_| Reject::Internal("sessions".into()))?
        .start(&user.name, user.role, user.cases.clone(), now);
    if id.is_empty() {
        return Err(Reject::Internal("no randomness for a session".into()));
    }
    app.forget_revealed(now);
    let mut r = redirect("/");
    let h = r.headers_mut();
    for c in [
        format!("{SESSION_COOKIE}={id}{}", app.cookie_attrs()),
        format!("{LOGIN_COOKIE}={}; Max-Age=0", app.cookie_attrs()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    Ok(r)
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: Option<String>,
}

async fn logout(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    let req = req(headers, addr);
    let ctx = match app.ctx(&req) {
        Ok(c) => c,
        Err(e) => return e.page(),
    };
    if let Err(e) = app.check_csrf(&ctx, &req, f.csrf.as_deref()) {
        return e.page();
    }
    if let (Some(id), Ok(mut s)) = (cookie(&req.headers, SESSION_COOKIE), app.sessions.lock()) {
        s.end(id);
    }
    app.forget_revealed(Instant::now());
    let mut r = redirect("/login");
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={}; Max-Age=0",
        app.cookie_attrs()
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

async fn static_file(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "app.css" => (include_str!("static/app.css"), "text/css; charset=utf-8"),
        "app.js" => (
            include_str!("static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return Reject::NotFound.page(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn not_found() -> Response {
    Reject::NotFound.page()
}

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/static/{name}", get(static_file))
        .merge(crate::pages::routes())
        .merge(crate::api::routes())
        .merge(crate::pictures::routes())
        .fallback(not_found)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(app)
}

/// Serves until the process ends. `ready` is called with the bound
/// address (useful with port 0).
pub fn serve(
    opts: &ServeOptions,
    listen: &str,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), WebError> {
    let app = Arc::new(App::new(opts)?);
    let listen_err = |source| WebError::Listen {
        addr: listen.to_string(),
        source,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .build()
        .map_err(listen_err)?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(listen_err)?;
        let addr = listener.local_addr().map_err(listen_err)?;
        ready(addr);
        axum::serve(
            listener,
            router(app).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .map_err(listen_err)
    })
}

/// A body of bytes to download, never to be rendered.
pub fn attachment(bytes: Vec<u8>, name: &str) -> Response {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_string();
    let mut r = Body::from(bytes).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    r
}

/// The file name part of a path, for download names.
pub fn base_name(p: &str) -> String {
    Path::new(p)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::{hash_password, Role, User};

    fn setup() -> (tempfile::TempDir, App) {
        let dir = tempfile::tempdir().unwrap();
        let now = jiff::Timestamp::now();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        Case::init(&a, "A", "A-1", "Ann", now).unwrap();
        Case::init(&b, "B", "B/2", "Bob", now).unwrap();
        let users_path = dir.path().join("users.json");
        let mut users = Users::default();
        for (name, role, cases) in [
            ("rev", Role::Reviewer, vec!["A-1".to_string()]),
            ("inv", Role::Investigator, vec!["B/2".to_string()]),
            ("adm", Role::Admin, vec![]),
        ] {
            users.upsert(User {
                name: name.into(),
                role,
                cases,
                hash: hash_password("pw").unwrap(),
            });
        }
        users.save(&users_path).unwrap();
        let app = App::new(&ServeOptions {
            cases: vec![a, b],
            users: users_path,
            secure_cookies: true,
        })
        .unwrap();
        (dir, app)
    }

    fn login(app: &App, user: &str) -> (Req, String) {
        let users = app.users().unwrap();
        let u = users.get(user).unwrap();
        let id =
            app.sessions
                .lock()
                .unwrap()
                .start(&u.name, u.role, u.cases.clone(), Instant::now());
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; {SESSION_COOKIE}={id}")).unwrap(),
        );
        let csrf = app
            .ctx(&Req {
                headers: headers.clone(),
                addr: "127.0.0.1:1".parse().unwrap(),
            })
            .unwrap()
            .s
            .csrf;
        (
            Req {
                headers,
                addr: "127.0.0.1:1".parse().unwrap(),
            },
            csrf,
        )
    }

    #[test]
    fn slugs_are_url_safe_and_membership_hides_cases() {
        let (_dir, app) = setup();
        let slugs: Vec<&str> = app.cases.iter().map(|c| c.slug.as_str()).collect();
        assert_eq!(slugs, ["A-1", "B-2"]);
        let (req, _) = login(&app, "rev");
        let ctx = app.ctx(&req).unwrap();
        assert!(app.case(&ctx, "A-1").is_ok());
        assert!(matches!(app.case(&ctx, "B-2"), Err(Reject::NotFound)));
        assert!(matches!(app.case(&ctx, "nope"), Err(Reject::NotFound)));
        let (req, _) = login(&app, "adm");
        let ctx = app.ctx(&req).unwrap();
        assert!(app.case(&ctx, "A-1").is_ok() && app.case(&ctx, "B-2").is_ok());
    }

    #[test]
    fn csrf_is_per_session_and_required() {
        let (_dir, app) = setup();
        let (req, csrf) = login(&app, "inv");
        let (other_req, other_csrf) = login(&app, "rev");
        let ctx = app.ctx(&req).unwrap();
        assert!(app.check_csrf(&ctx, &req, Some(&csrf)).is_ok());
        assert!(app.check_csrf(&ctx, &req, None).is_err());
        assert!(app.check_csrf(&ctx, &req, Some("")).is_err());
        assert!(app.check_csrf(&ctx, &req, Some(&other_csrf)).is_err());
        let mut with_header = Req {
            headers: req.headers.clone(),
            addr: req.addr,
        };
        with_header
            .headers
            .insert("x-csrf-token", HeaderValue::from_str(&csrf).unwrap());
        assert!(app.check_csrf(&ctx, &with_header, None).is_ok());
        assert!(app.ctx(&other_req).unwrap().s.role == Role::Reviewer);
    }

    #[test]
    fn revealed_pictures_go_with_their_session() {
        let (_dir, app) = setup();
        let (_, csrf) = login(&app, "inv");
        {
            let mut set = app.revealed.lock().unwrap();
            set.insert((csrf.clone(), "A-1".into(), 7));
            set.insert(("a session that ended".into(), "A-1".into(), 8));
        }
        app.forget_revealed(Instant::now());
        let left: Vec<i64> = app.revealed.lock().unwrap().iter().map(|r| r.2).collect();
        assert_eq!(left, [7]);
        // Once its session has expired, the picture it revealed is hidden again.
        app.forget_revealed(Instant::now() + crate::auth::SESSION_LIFETIME);
        assert!(app.revealed.lock().unwrap().is_empty());
    }

    #[test]
    fn no_cookie_no_session() {
        let (_dir, app) = setup();
        let req = Req {
            headers: HeaderMap::new(),
            addr: "127.0.0.1:1".parse().unwrap(),
        };
        assert!(matches!(app.ctx(&req), Err(Reject::Login)));
        assert!(app.cookie_attrs().contains("Secure"));
        assert!(app
            .cookie_attrs()
            .contains("HttpOnly; SameSite=Strict; Path=/"));
    }

    #[test]
    fn downloads_are_attachments() {
        let r = attachment(b"<script>".to_vec(), "../x<y>.html");
        let h = r.headers();
        assert_eq!(h[header::CONTENT_TYPE], "application/octet-stream");
        assert_eq!(
            h[header::CONTENT_DISPOSITION],
            "attachment; filename=\"_x_y_.html\""
        );
    }
}

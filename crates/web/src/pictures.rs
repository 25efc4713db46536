//! Pictures for examiner-safe review. The grid shows every picture of a
//! case (files whose type by content is `image/…`) as a thumbnail the
//! server makes itself — decoded with the media crate's bounded decoder
//! and re-encoded as PNG, so no evidence bytes reach the browser — grey
//! and blurred until the user reveals one picture by a deliberate click;
//! the reveal and every categorisation (Project VIC-style category, by
//! whom and when) are custody entries, and `exhibit media export` shares
//! the categorised hashes, never the pictures.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use exhibit_store::FileRow;
use serde::Deserialize;

use crate::html::{esc, page, Viewer};
use crate::pages::{open_file, read_range};
use crate::server::{
    base_name, blocking, custody, html, redirect, req, App, CaseEntry, Ctx, Reject,
};

/// Pictures per grid page.
const GRID_ROWS: usize = 60;
/// Longest side of a thumbnail, in pixels.
const THUMB: u32 = 192;
/// Largest picture file turned into a thumbnail.
const MAX_PICTURE: u64 = 64 << 20;

/// Project VIC-style categories an examiner can give.
pub const CATEGORIES: [(&str, &str); 5] = [
    ("0", "non-pertinent"),
    ("1", "child abuse material"),
    ("2", "child exploitative / age difficult"),
    ("3", "CGI / animation"),
    ("4", "comparison"),
];

type St = State<Arc<App>>;

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/case/{c}/pictures", get(grid))
        .route("/case/{c}/picture/{id}", get(picture))
        .route("/case/{c}/picture/{id}/thumb", get(thumb))
        .route("/case/{c}/picture/{id}/reveal", post(reveal))
        .route("/case/{c}/picture/{id}/category", post(categorise))
}

fn viewer(ctx: &Ctx) -> Viewer<'_> {
    Viewer {
        user: &ctx.s.user,
        role: ctx.s.role.name(),
        csrf: &ctx.s.csrf,
    }
}

/// Runs `f` for a logged-in member of the case, off the async threads.
async fn member(
    app: Arc<App>,
    headers: HeaderMap,
    addr: SocketAddr,
    slug: String,
    f: impl FnOnce(&App, &crate::server::Req, Ctx, &CaseEntry) -> Result<Response, Reject>
        + Send
        + 'static,
) -> Response {
    blocking(move || {
        let r = req(headers, addr);
        let run = || -> Result<Response, Reject> {
            let ctx = app.ctx(&r)?;
            let entry = app.case(&ctx, &slug)?;
            f(&app, &r, ctx, entry)
        };
        run().unwrap_or_else(Reject::page)
    })
    .await
}

/// The file row of a picture of this case (404 for anything else).
fn picture_row(entry: &CaseEntry, id: i64) -> Result<FileRow, Reject> {
    entry
        .store
        .file_by_id(id)?
        .filter(|f| f.mime.as_deref().is_some_and(|m| m.starts_with("image/")))
        .ok_or(Reject::NotFound)
}

fn is_revealed(app: &App, ctx: &Ctx, entry: &CaseEntry, id: i64) -> bool {
    app.revealed
        .lock()
        .map(|r| r.contains(&(ctx.s.csrf.clone(), entry.slug.clone(), id)))
        .unwrap_or(false)
}

/// The latest category of each picture, from the custody log.
fn categories(
    entry: &CaseEntry,
) -> Result<BTreeMap<i64, exhibit_media::hashset::ExaminerCategory>, Reject> {
    let entries = exhibit_custody::CustodyLog::open(entry.case.custody_log_path())
        .and_then(|log| log.entries())
        .map_err(|e| Reject::Internal(e.to_string()))?;
    Ok(exhibit_media::hashset::examiner_categories(&entries))
}

fn category_name(c: &str) -> String {
    CATEGORIES
        .iter()
        .find(|(k, _)| *k == c)
        .map(|(k, n)| format!("{k} {n}"))
        .unwrap_or_else(|| c.to_string())
}

#[derive(Deserialize, Default)]
struct PageQ {
    #[serde(default)]
    page: usize,
}

async fn grid(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<PageQ>,
) -> Response {
    member(app, headers, addr, slug, move |_app, _req, ctx, entry| {
        let rows =
            entry
                .store
                .files_of_type("image/", q.page.saturating_mul(GRID_ROWS), GRID_ROWS + 1)?;
        let more = rows.len() > GRID_ROWS;
        let cats = categories(entry)?;
        let c = esc(&entry.slug);
        let mut b = String::from(
            "<p>Pictures are shown grey and blurred. Reveal one at a time from its page; \
             each reveal and each category is written to the custody log with your name.</p>\
             <div class=\"pictures\">",
        );
        let shown = rows.len().min(GRID_ROWS);
        for f in rows.iter().take(GRID_ROWS) {
            let cat = cats
                .get(&f.id)
                .map(|c| category_name(&c.item.category))
                .unwrap_or_else(|| "uncategorised".into());
            let mark = if f.deleted { " (deleted)" } else { "" };
            let _ = write!(
                b,
                "<figure><a href=\"/case/{c}/picture/{id}\"><img src=\"/case/{c}/picture/{id}/thumb\" \
                 alt=\"picture {id}\"></a><figcaption title=\"{path}\">{name}{mark}<br>{cat}</figcaption></figure>",
                id = f.id,
                path = esc(&f.key.path),
                name = esc(&base_name(&f.key.path)),
                cat = esc(&cat),
            );
        }
        b.push_str("</div>");
        if shown == 0 {
            b.push_str("<p>No pictures in this case.</p>");
        }
        if q.page > 0 {
            let _ = write!(b, "<a href=\"?page={}\">previous</a> ", q.page - 1);
        }
        if more {
            let _ = write!(b, "<a href=\"?page={}\">next</a>", q.page + 1);
        }
        custody(
            entry,
            &ctx.s.user,
            "viewed",
            None,
            &[
                ("view", "picture grid (grey, blurred)".into()),
                ("page", q.page.to_string()),
                ("pictures", shown.to_string()),
            ],
        )?;
        Ok(html(page("Pictures", Some(&viewer(&ctx)), Some(&entry.slug), &b)))
    })
    .await
}

async fn picture(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
) -> Response {
    member(app, headers, addr, slug, move |app, _req, ctx, entry| {
        let f = picture_row(entry, id)?;
        let c = esc(&entry.slug);
        let revealed = is_revealed(app, &ctx, entry, id);
        let csrf = esc(&ctx.s.csrf);
        let mut b = format!(
            "<p><img src=\"/case/{c}/picture/{id}/thumb\" alt=\"picture {id}\"></p>\
             <p>{path}{mark} · {size} bytes · {mime} · MD5 {md5} · <a href=\"/case/{c}/file/{id}\">file view</a></p>",
            path = esc(&f.key.path),
            mark = if f.deleted { " (deleted)" } else { "" },
            size = f.size,
            mime = esc(f.mime.as_deref().unwrap_or("")),
            md5 = esc(f.md5.as_deref().unwrap_or("-")),
        );
        if !revealed {
            let _ = write!(
                b,
                "<form method=\"post\" action=\"/case/{c}/picture/{id}/reveal\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <button type=\"submit\">Reveal this picture (logged)</button></form>"
            );
        }
        if let Some(c) = categories(entry)?.get(&id) {
            let _ = write!(
                b,
                "<p>Category: {} (by {} at {})</p>",
                esc(&category_name(&c.item.category)),
                esc(&c.examiner),
                esc(&c.time)
            );
        }
        if ctx.s.role.can_tag() {
            let _ = write!(
                b,
                "<form method=\"post\" action=\"/case/{c}/picture/{id}/category\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><select name=\"category\">"
            );
            for (k, n) in CATEGORIES {
                let _ = write!(b, "<option value=\"{k}\">{k} {}</option>", esc(n));
            }
            b.push_str("</select> <button type=\"submit\">Categorise</button></form>");
        }
        Ok(html(page(
            &format!("Picture {id}"),
            Some(&viewer(&ctx)),
            Some(&entry.slug),
            &b,
        )))
    })
    .await
}

/// The picture's bytes, bounded.
fn picture_bytes(entry: &CaseEntry, f: &FileRow) -> Result<Vec<u8>, Reject> {
    let (data, _) = open_file(entry, f)?;
    if data.source.len() > MAX_PICTURE {
        return Err(Reject::Bad(format!(
            "larger than {} MiB: not shown",
            MAX_PICTURE >> 20
        )));
    }
    read_range(&data, 0, MAX_PICTURE)
}

/// A PNG thumbnail: colour when `clear`, else grey and blurred past
/// recognition.
/// A thumbnail's key: case, file id, the file's SHA-256 (a re-triaged case
/// may give an id to another file) and whether it is shown clear.
type ThumbKey = (String, i64, String, bool);

/// Thumbnails already made, at most [`THUMB_CACHE_BYTES`] of them (the
/// oldest go first): decoding and blurring a picture costs far more than
/// serving it again, and every examiner's grid shows the same pictures.
#[derive(Debug, Default)]
pub(crate) struct Thumbs {
    map: std::collections::HashMap<ThumbKey, Arc<Vec<u8>>>,
    order: std::collections::VecDeque<ThumbKey>,
    bytes: usize,
}

/// What the thumbnail cache holds at most.
const THUMB_CACHE_BYTES: usize = 64 << 20;

impl Thumbs {
    fn get(&self, key: &ThumbKey) -> Option<Arc<Vec<u8>>> {
        self.map.get(key).cloned()
    }

    fn put(&mut self, key: ThumbKey, png: Arc<Vec<u8>>) {
        if png.len() > THUMB_CACHE_BYTES / 16 || self.map.contains_key(&key) {
            return;
        }
        self.bytes += png.len();
        self.order.push_back(key.clone());
        self.map.insert(key, png);
        while self.bytes > THUMB_CACHE_BYTES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(v) = self.map.remove(&old) {
                self.bytes -= v.len();
            }
        }
    }
}

pub(crate) fn thumbnail(bytes: &[u8], clear: bool) -> Result<Vec<u8>, Reject> {
    let img = exhibit_media::decode(bytes)
        .map_err(|e| Reject::Bad(format!("the picture cannot be decoded: {e}")))?;
    let small = img.thumbnail(THUMB, THUMB);
    let out = if clear {
        image::DynamicImage::ImageRgb8(small.to_rgb8())
    } else {
        let grey = small.to_luma8();
        image::DynamicImage::ImageLuma8(image::imageops::fast_blur(&grey, 9.0))
    };
    png(&out)
}

fn png(img: &image::DynamicImage) -> Result<Vec<u8>, Reject> {
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| Reject::Internal(format!("encoding a thumbnail: {e}")))?;
    Ok(png)
}

/// A flat grey square, for pictures without a thumbnail.
fn placeholder() -> Result<Vec<u8>, Reject> {
    let grey = image::GrayImage::from_pixel(THUMB / 2, THUMB / 2, image::Luma([160]));
    png(&image::DynamicImage::ImageLuma8(grey))
}

async fn thumb(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
) -> Response {
    member(app, headers, addr, slug, move |app, _req, ctx, entry| {
        let f = picture_row(entry, id)?;
        let clear = is_revealed(app, &ctx, entry, id);
        // A picture our decoders cannot read gets a flat grey square in the
        // grid (its page says why), not a broken image.
        let key = (
            entry.slug.clone(),
            id,
            f.sha256.clone().unwrap_or_default(),
            clear,
        );
        let cached = app.thumbs.lock().ok().and_then(|t| t.get(&key));
        let png = match cached {
            Some(png) => png.to_vec(),
            None => match picture_bytes(entry, &f).and_then(|b| thumbnail(&b, clear)) {
                Ok(png) => {
                    if let Ok(mut t) = app.thumbs.lock() {
                        t.put(key, Arc::new(png.clone()));
                    }
                    png
                }
                Err(Reject::Bad(_)) => placeholder()?,
                Err(e) => return Err(e),
            },
        };
        Ok((
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            png,
        )
            .into_response())
    })
    .await
}

#[derive(Deserialize, Default)]
struct PostQ {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    category: Option<String>,
}

async fn reveal(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Form(p): Form<PostQ>,
) -> Response {
    member(app, headers, addr, slug, move |app, r, ctx, entry| {
        app.check_csrf(&ctx, r, p.csrf.as_deref())?;
        let f = picture_row(entry, id)?;
        custody(
            entry,
            &ctx.s.user,
            "viewed",
            Some(&f.evidence),
            &[
                ("view", "picture revealed".into()),
                ("file", f.key.path.clone()),
                ("file_id", id.to_string()),
                ("md5", f.md5.clone().unwrap_or_default()),
                ("sha256", f.sha256.clone().unwrap_or_default()),
            ],
        )?;
        if let Ok(mut set) = app.revealed.lock() {
            set.insert((ctx.s.csrf.clone(), entry.slug.clone(), id));
        }
        Ok(redirect(&format!("/case/{}/picture/{id}", entry.slug)))
    })
    .await
}

async fn categorise(
    State(app): St,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Form(p): Form<PostQ>,
) -> Response {
    member(app, headers, addr, slug, move |app, r, ctx, entry| {
        app.check_csrf(&ctx, r, p.csrf.as_deref())?;
        if !ctx.s.role.can_tag() {
            return Err(Reject::Forbidden("your role may not categorise".into()));
        }
        let category = p
            .category
            .filter(|c| CATEGORIES.iter().any(|(k, _)| k == c))
            .ok_or_else(|| Reject::Bad("unknown category".into()))?;
        let f = picture_row(entry, id)?;
        // The PDQ hash travels with the category so partners can match
        // altered copies; the picture itself never leaves the case.
        let pdq = picture_bytes(entry, &f)
            .ok()
            .and_then(|b| exhibit_media::pdq::hash_image(&b).ok())
            .map(|r| r.hash.to_hex())
            .unwrap_or_default();
        custody(
            entry,
            &ctx.s.user,
            "categorised",
            Some(&f.evidence),
            &[
                ("file", f.key.path.clone()),
                ("file_id", id.to_string()),
                ("category", category),
                ("md5", f.md5.clone().unwrap_or_default()),
                ("sha1", f.sha1.clone().unwrap_or_default()),
                ("sha256", f.sha256.clone().unwrap_or_default()),
                ("pdq", pdq),
            ],
        )?;
        Ok(redirect(&format!("/case/{}/picture/{id}", entry.slug)))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thumbnail_cache_keeps_to_its_size() {
        let mut t = Thumbs::default();
        let png = Arc::new(vec![0u8; THUMB_CACHE_BYTES / 16]);
        let key = |i: i64| ("C-1".to_string(), i, "ab".to_string(), false);
        for i in 0..40 {
            t.put(key(i), png.clone());
        }
        assert!(t.bytes <= THUMB_CACHE_BYTES);
        assert_eq!(t.map.len(), 16);
        assert!(t.get(&key(0)).is_none(), "the oldest went first");
        assert!(t.get(&key(39)).is_some());
        // A clear and a hidden thumbnail of one picture are two entries.
        let mut clear = key(39);
        clear.3 = true;
        assert!(t.get(&clear).is_none());
    }

    #[test]
    fn hidden_thumbnails_are_grey_and_blurred() {
        let mut img = image::RgbImage::new(400, 300);
        for (x, y, p) in img.enumerate_pixels_mut() {
            *p = image::Rgb([
                (x % 256) as u8,
                (y % 256) as u8,
                if (x / 20 + y / 20) % 2 == 0 { 255 } else { 0 },
            ]);
        }
        let src = png(&image::DynamicImage::ImageRgb8(img)).unwrap();
        let read = |b: &[u8]| image::load_from_memory(b).unwrap();
        let clear = read(&thumbnail(&src, true).unwrap());
        let hidden = read(&thumbnail(&src, false).unwrap());
        assert_eq!((clear.width(), clear.height()), (THUMB, THUMB * 3 / 4));
        assert!(matches!(hidden, image::DynamicImage::ImageLuma8(_)));
        assert!(matches!(clear, image::DynamicImage::ImageRgb8(_)));
        // Blurred: neighbouring pixels barely differ (the checkerboard is gone).
        let g = hidden.to_luma8();
        let jumps = g
            .enumerate_pixels()
            .filter(|(x, y, p)| *x + 1 < g.width() && p[0].abs_diff(g.get_pixel(x + 1, *y)[0]) > 40)
            .count();
        assert_eq!(jumps, 0);
        assert!(thumbnail(b"not a picture", false).is_err());
    }
}

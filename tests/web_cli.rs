//! Security tests of the web workbench over plain HTTP (no browser):
//! roles, case membership, CSRF, path tricks, evidence with markup,
//! login rate limiting, and the custody log afterwards.

mod workbench;

use std::path::{Path, PathBuf};

use workbench::*;

/// The demo case, and a second case whose seized image has a file
/// holding `<script>` (the demo image patched, then triaged).
fn fixtures(root: &Path) -> (PathBuf, PathBuf) {
    let demo = root.join("demo");
    run_ok(exhibit().args(["demo", "--out"]).arg(&demo));
    let mut image = std::fs::read(demo.join("seized/usb-stick.dd")).unwrap();
    let needle = b"https://goldwin-fx.example/invest";
    let at = image
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("demo chat text in the image");
    let evil = b"<script>alert(1)</script>";
    image[at..at + evil.len()].copy_from_slice(evil);
    let patched = root.join("evil.dd");
    std::fs::write(&patched, &image).unwrap();
    let other = root.join("other");
    run_ok(
        exhibit()
            .arg("triage")
            .arg(&patched)
            .arg("--case")
            .arg(&other)
            .args([
                "--number",
                "OTHER-2",
                "--name",
                "Other",
                "--examiner",
                "Ann",
            ]),
    );
    (demo.join("case"), other)
}

#[test]
fn web_security() {
    let tmp = tempfile::tempdir().unwrap();
    let (demo, other) = fixtures(tmp.path());
    let users = tmp.path().join("users.json");
    add_user(
        &users,
        "ivy",
        "investigator",
        &[demo.to_str().unwrap()],
        "ivy-password",
    );
    add_user(
        &users,
        "rex",
        "reviewer",
        &["DEMO-2026-001"],
        "rex-password",
    );
    add_user(&users, "ola", "investigator", &["OTHER-2"], "ola-password");
    add_user(&users, "ada", "admin", &[], "ada-password");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&users).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "users file must not be readable by others");
    }
    assert!(!std::fs::read_to_string(&users)
        .unwrap()
        .contains("ivy-password"));
    let listed = run_ok(exhibit().args(["user", "list", "--users"]).arg(&users));
    assert!(listed.contains("rex\treviewer\tDEMO-2026-001"), "{listed}");

    let srv = serve(&[&demo, &other], &users);
    let addr = srv.addr.as_str();

    // Not logged in: pages redirect to the login, the API says 401.
    assert_eq!(
        http(addr, "GET", "/case/DEMO-2026-001", &[], "").status,
        303
    );
    assert_eq!(
        http(addr, "GET", "/api/case/DEMO-2026-001", &[], "").status,
        401
    );
    let login = http(addr, "GET", "/login", &[], "");
    let csp = login.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!login.body.contains("http://") && !login.body.contains("https://"));
    // Login without its CSRF token is refused.
    let r = http(
        addr,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &form(&[("user", "ivy"), ("password", "ivy-password")]),
    );
    assert_eq!(r.status, 403);

    let ivy = Client::login(addr, "ivy", "ivy-password");
    let rex = Client::login(addr, "rex", "rex-password");
    let ola = Client::login(addr, "ola", "ola-password");
    let ada = Client::login(addr, "ada", "ada-password");

    // Members see their case; a non-member gets 404 for pages and API.
    assert_eq!(ivy.get("/case/DEMO-2026-001").status, 200);
    assert_eq!(rex.get("/case/DEMO-2026-001/findings").status, 200);
    for path in [
        "/case/OTHER-2",
        "/case/OTHER-2/findings",
        "/case/OTHER-2/file/1?view=hex",
        "/api/case/OTHER-2",
        "/api/case/OTHER-2/search?q=script",
        "/api/case/OTHER-2/file/1/content",
    ] {
        assert_eq!(ivy.get(path).status, 404, "{path}");
    }
    assert_eq!(ola.get("/case/DEMO-2026-001").status, 404);
    assert_eq!(ola.get("/api/case/DEMO-2026-001/tags").status, 404);
    let none = ivy.get("/case/NO-SUCH-CASE");
    assert_eq!(none.status, 404, "unknown and forbidden look alike");
    let cases: serde_json::Value = serde_json::from_str(&ivy.get("/api/cases").body).unwrap();
    assert_eq!(cases["cases"].as_array().unwrap().len(), 1);
    let cases: serde_json::Value = serde_json::from_str(&ada.get("/api/cases").body).unwrap();
    assert_eq!(
        cases["cases"].as_array().unwrap().len(),
        2,
        "admins see all"
    );
    let api: serde_json::Value = serde_json::from_str(&ivy.get("/api/openapi.json").body).unwrap();
    assert_eq!(api["openapi"], "3.0.3");

    // Tagging: a reviewer may not (403); without the CSRF token nobody may.
    let hist: serde_json::Value =
        serde_json::from_str(&ivy.get("/api/case/DEMO-2026-001/findings?kind=wallet").body)
            .unwrap();
    let wallet = hist["histogram"][0]["value"].as_str().unwrap().to_string();
    let key = format!("wallet:{wallet}");
    let finding = serde_json::json!({"target": "finding", "key": key, "note": "payment wallet"});
    let r = rex.post_json("/api/case/DEMO-2026-001/tags", &finding, true);
    assert_eq!(r.status, 403, "reviewer tags: {}", r.body);
    let r = rex.post_form(
        "/case/DEMO-2026-001/tag",
        &[("csrf", &rex.csrf), ("target", "finding"), ("key", &key)],
    );
    assert_eq!(r.status, 403, "reviewer tags via the form");
    let r = ivy.post_json("/api/case/DEMO-2026-001/tags", &finding, false);
    assert_eq!(r.status, 403, "no CSRF header: {}", r.body);
    let r = ivy.post_form(
        "/case/DEMO-2026-001/tag",
        &[("target", "finding"), ("key", &key)],
    );
    assert_eq!(r.status, 403, "no CSRF field");
    let r = ivy.post_form(
        "/case/DEMO-2026-001/tag",
        &[("csrf", &rex.csrf), ("target", "finding"), ("key", &key)],
    );
    assert_eq!(r.status, 403, "another session's CSRF token");
    let r = ivy.post_json(
        "/api/case/OTHER-2/tags",
        &serde_json::json!({"target": "finding", "key": key}),
        true,
    );
    assert_eq!(r.status, 404, "tagging a case one is not a member of");
    let tags: serde_json::Value =
        serde_json::from_str(&ivy.get("/api/case/DEMO-2026-001/tags").body).unwrap();
    assert!(
        tags["tags"].as_array().unwrap().is_empty(),
        "nothing tagged yet"
    );
    let r = ivy.post_json("/api/case/DEMO-2026-001/tags", &finding, true);
    assert_eq!(r.status, 200, "{}", r.body);
    let tags: serde_json::Value =
        serde_json::from_str(&rex.get("/api/case/DEMO-2026-001/tags").body).unwrap();
    assert_eq!(tags["tags"][0]["examiner"], "ivy");
    let r = http(
        addr,
        "POST",
        "/logout",
        &[
            ("Cookie", &ivy.cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        "",
    );
    assert_eq!(r.status, 403, "logout without CSRF");

    // Re-verifying evidence is a change too: CSRF and role checked.
    let r = rex.post_form("/case/DEMO-2026-001/verify/E1", &[("csrf", &rex.csrf)]);
    assert_eq!(r.status, 403, "reviewer verifies");
    let r = ivy.post_form("/case/DEMO-2026-001/verify/E1", &[]);
    assert_eq!(r.status, 403, "verify without CSRF");
    let r = ivy.post_form("/case/DEMO-2026-001/verify/E1", &[("csrf", &ivy.csrf)]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(ivy.get("/case/DEMO-2026-001").body.contains("hashes match"));

    // `../` and other path tricks go nowhere.
    for path in [
        "/case/DEMO-2026-001/../OTHER-2",
        "/case/%2e%2e/OTHER-2",
        "/case/DEMO-2026-001/file/..%2f..%2fcase.json",
        "/case/DEMO-2026-001/file/../../etc/passwd",
        "/static/..%2f..%2fCargo.toml",
        "/static/../../../etc/passwd",
        "/case/DEMO-2026-001/evidence/..%2fE1",
        "/api/case/..%2fOTHER-2",
    ] {
        let r = ivy.get(path);
        assert!(
            r.status == 404 || r.status == 400,
            "{path}: {} {}",
            r.status,
            r.body
        );
        assert!(!r.body.contains("root:") && !r.body.contains("[package]"));
    }

    // Evidence with markup: escaped in views, an attachment when raw.
    let files: serde_json::Value =
        serde_json::from_str(&ola.get("/api/case/OTHER-2/evidence/E1/files").body).unwrap();
    let chat = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "/CHATS/LINE_EXPORT.TXT")
        .expect("chat file");
    let id = chat["id"].as_i64().unwrap();
    for view in ["text", "hex"] {
        let r = ola.get(&format!("/case/OTHER-2/file/{id}?view={view}"));
        assert_eq!(r.status, 200);
        assert!(!r.body.contains("<script>alert"), "{view} view not escaped");
        assert!(r.body.contains("&lt;script&gt;"), "{view}: {}", r.body);
    }
    let raw = ola.get(&format!("/case/OTHER-2/file/{id}/raw"));
    assert_eq!(raw.status, 200);
    assert!(raw
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(raw.header("content-type"), Some("application/octet-stream"));
    assert_eq!(raw.header("x-content-type-options"), Some("nosniff"));
    assert!(raw.body.contains("<script>alert(1)</script>"));
    let search = ola.get("/case/OTHER-2/search?q=%3Cscript%3E");
    assert_eq!(search.status, 200);
    assert!(!search.body.contains("<script>alert"));

    // Wrong passwords: after five failures the user is locked (429), even
    // with the right password.
    for i in 0..5 {
        let r = try_login(addr, "rex", "wrong");
        assert_eq!(r.status, 401, "attempt {i}");
    }
    assert_eq!(try_login(addr, "rex", "wrong").status, 429);
    assert_eq!(try_login(addr, "rex", "rex-password").status, 429);
    assert_eq!(try_login(addr, "nobody", "x").status, 401);

    // Removing a user ends their access at the next request.
    assert_eq!(ola.get("/api/case/OTHER-2").status, 200);
    run_ok(
        exhibit()
            .args(["user", "remove", "ola", "--users"])
            .arg(&users),
    );
    assert_eq!(ola.get("/api/case/OTHER-2").status, 401);

    drop(srv);
    // The custody log names the users and still verifies.
    let log = std::fs::read_to_string(demo.join("custody/log.jsonl")).unwrap();
    assert!(
        log.contains("\"examiner\":\"ivy\"") && log.contains("\"action\":\"tagged\""),
        "{log}"
    );
    assert!(log.contains("\"examiner\":\"ivy\",\"action\":\"verified\""));
    let log = std::fs::read_to_string(other.join("custody/log.jsonl")).unwrap();
    assert!(log.contains("\"examiner\":\"ola\"") && log.contains("\"action\":\"viewed\""));
    assert!(log.contains("\"action\":\"exported\""));
    for case in [&demo, &other] {
        run_ok(exhibit().args(["custody", "verify"]).arg(case));
    }
}

/// The pictures of DFTT #8 (an NTFS image with JPEGs) in the workbench:
/// grey and blurred until one is revealed, the reveal and the category in
/// the custody log with the user's name, and a reviewer may look but not
/// categorise.
#[test]
fn pictures_are_blurred_until_revealed_and_both_are_logged() {
    let image = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata/disk/dftt-8-jpeg-search/8-jpeg-search.dd");
    if !image.exists() {
        eprintln!("SKIP: {} missing", image.display());
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("pics");
    run_ok(
        exhibit()
            .arg("triage")
            .arg(&image)
            .arg("--case")
            .arg(&case)
            .args([
                "--number",
                "PIC-1",
                "--name",
                "Pictures",
                "--examiner",
                "Ann",
            ]),
    );
    let users = tmp.path().join("users.json");
    add_user(&users, "ivy", "investigator", &["PIC-1"], "ivy-password");
    add_user(&users, "rex", "reviewer", &["PIC-1"], "rex-password");
    let srv = serve(&[&case], &users);
    let ivy = Client::login(&srv.addr, "ivy", "ivy-password");

    let grid = ivy.get("/case/PIC-1/pictures");
    assert_eq!(grid.status, 200, "{}", grid.body);
    // A JPEG's figure (the grid also holds an icon our decoders do not read).
    let first = grid
        .body
        .split("<figure>")
        .find(|f| f.to_ascii_lowercase().contains(".jpg\""))
        .and_then(|f| f.split("/picture/").nth(1))
        .and_then(|s| s.split(['/', '"']).next())
        .expect("a JPEG in the grid")
        .to_string();
    let thumb = format!("/case/PIC-1/picture/{first}/thumb");
    let blurred = ivy.get(&thumb);
    assert_eq!(blurred.status, 200, "{}", blurred.body);
    assert_eq!(blurred.header("content-type"), Some("image/png"));
    assert!(blurred.body.contains("PNG"));
    // Revealing needs the session's CSRF token, and is then shown in colour.
    let base = format!("/case/PIC-1/picture/{first}");
    assert_eq!(ivy.post_form(&format!("{base}/reveal"), &[]).status, 403);
    assert_eq!(
        ivy.post_form(&format!("{base}/reveal"), &[("csrf", &ivy.csrf)])
            .status,
        303
    );
    let clear = ivy.get(&thumb);
    assert_eq!(clear.status, 200);
    assert_ne!(
        clear.body, blurred.body,
        "the revealed picture is not the blurred one"
    );
    // Another session (a reviewer) still sees it blurred, and may not categorise.
    let rex = Client::login(&srv.addr, "rex", "rex-password");
    assert_eq!(rex.get(&thumb).body, blurred.body);
    assert_eq!(
        rex.post_form(
            &format!("{base}/category"),
            &[("csrf", &rex.csrf), ("category", "1")]
        )
        .status,
        403
    );
    assert_eq!(
        ivy.post_form(
            &format!("{base}/category"),
            &[("csrf", &ivy.csrf), ("category", "9")]
        )
        .status,
        400
    );
    assert_eq!(
        ivy.post_form(
            &format!("{base}/category"),
            &[("csrf", &ivy.csrf), ("category", "1")]
        )
        .status,
        303
    );
    assert!(ivy
        .get(&base)
        .body
        .contains("1 child abuse material (by ivy"));
    // A path that is not a picture of the case is not found.
    assert_eq!(ivy.get("/case/PIC-1/picture/999999/thumb").status, 404);

    let log = std::fs::read_to_string(case.join("custody/log.jsonl")).unwrap();
    assert!(log.contains("\"picture revealed\"") && log.contains("\"examiner\":\"ivy\""));
    assert!(log.contains("\"action\":\"categorised\""));
    // Which picture, by every hash: SHA-256 too, not only MD5 and SHA-1.
    let categorised = log
        .lines()
        .find(|l| l.contains("\"action\":\"categorised\""))
        .unwrap();
    let sha256 = categorised
        .split("\"sha256\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default();
    assert_eq!(sha256.len(), 64, "{categorised}");
    run_ok(exhibit().args(["custody", "verify"]).arg(&case));
    // `exhibit media list` names every picture with the examiner's category.
    let listed = run_ok(exhibit().args(["media", "list"]).arg(&case));
    let row = listed
        .lines()
        .find(|l| l.starts_with(&format!("{first}\t")))
        .expect("the categorised picture is listed");
    assert_eq!(row.split('\t').nth(3), Some("1"), "{row}");
    assert!(listed.lines().count() >= 3, "{listed}");
    // The category travels as hashes in the Project VIC-style export.
    let out = tmp.path().join("vic.json");
    run_ok(
        exhibit()
            .args(["media", "export"])
            .arg(&case)
            .arg("--out")
            .arg(&out),
    );
    let vic = std::fs::read_to_string(&out).unwrap();
    assert!(vic.contains("\"Category\": 1"), "{vic}");
}

/// A file of folder evidence (a phone extraction, a logical collection)
/// opens in the workbench like a file of an image, and only the files the
/// registration listed do.
#[test]
fn files_of_folder_evidence_are_viewable() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("extraction");
    std::fs::create_dir_all(folder.join("sdcard/Download")).unwrap();
    std::fs::write(
        folder.join("sdcard/Download/notes.txt"),
        "send to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq before friday\n",
    )
    .unwrap();
    let case = tmp.path().join("case");
    run_ok(
        exhibit()
            .arg("triage")
            .arg(&folder)
            .arg("--case")
            .arg(&case)
            .args([
                "--number",
                "FOLD-1",
                "--name",
                "Folder",
                "--examiner",
                "Ann",
            ]),
    );
    let users = tmp.path().join("users.json");
    add_user(&users, "ivy", "investigator", &["FOLD-1"], "ivy-password");
    let srv = serve(&[&case], &users);
    let ivy = Client::login(&srv.addr, "ivy", "ivy-password");
    let listing = ivy.get("/case/FOLD-1/evidence/E1");
    assert_eq!(listing.status, 200, "{}", listing.body);
    let id = listing
        .body
        .split("/case/FOLD-1/file/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a file link")
        .to_string();
    let text = ivy.get(&format!("/case/FOLD-1/file/{id}?view=text"));
    assert_eq!(text.status, 200, "{}", text.body);
    assert!(
        text.body
            .contains("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        "{}",
        text.body
    );
    assert!(text.body.contains("/sdcard/Download/notes.txt"));
    let log = std::fs::read_to_string(case.join("custody/log.jsonl")).unwrap();
    assert!(log.contains("notes.txt") && log.contains("\"examiner\":\"ivy\""));
}

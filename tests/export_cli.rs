//! `exhibit export` end to end on the demo case and a triaged test image:
//! every evidence hash in the export is the case's, two exports are
//! byte-identical, the case is left as it was (but for one `exported`
//! custody entry per export) and its custody log still verifies.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{disk, exhibit};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn demo(dir: &Path) -> PathBuf {
    exhibit()
        .args(["demo", "--out", s(&dir.join("demo"))])
        .assert()
        .success();
    dir.join("demo/case")
}

fn export(case: &Path, format: &str, out: &Path) -> Vec<u8> {
    exhibit()
        .args(["export", s(case), "--format", format, "--out", s(out)])
        .assert()
        .success();
    std::fs::read(out).expect("export written")
}

/// The case's evidence records: id → (file name, hashes).
fn records(case: &Path) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(case.join("evidence")).expect("evidence dir") {
        let v: Value = serde_json::from_slice(&std::fs::read(e.expect("entry").path()).unwrap())
            .expect("record json");
        let path = PathBuf::from(v["path"].as_str().unwrap());
        let hashes = v["hashes"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, h)| (k.clone(), h.as_str().unwrap().to_string()))
            .collect();
        out.insert(
            v["id"].as_str().unwrap().to_string(),
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                hashes,
            ),
        );
    }
    out
}

/// Every file of the case but the custody log, its locks and the SQLite
/// files (whose journal SQLite may fold in on close), by content hash.
fn case_files(case: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
                continue;
            }
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            let name = rel.to_string_lossy();
            if name == "custody/log.jsonl" || name.ends_with(".lock") || name.starts_with("case.db")
            {
                continue;
            }
            out.insert(rel, hex::encode(Sha256::digest(std::fs::read(&p).unwrap())));
        }
    }
    let mut out = BTreeMap::new();
    walk(case, case, &mut out);
    out
}

fn custody_actions(case: &Path) -> Vec<Value> {
    std::fs::read_to_string(case.join("custody/log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Method → value of every `uco-types:Hash` in the facets of `node`.
fn node_hashes(node: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for facet in node["uco-core:hasFacet"].as_array().into_iter().flatten() {
        for h in facet["uco-observable:hash"]
            .as_array()
            .into_iter()
            .flatten()
        {
            out.insert(
                h["uco-types:hashMethod"].as_str().unwrap().to_string(),
                h["uco-types:hashValue"]["@value"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
    }
    out
}

fn check_case_export(doc: &Value, case: &Path) {
    let graph = doc["@graph"].as_array().expect("@graph");
    let recs = records(case);
    let images: Vec<&Value> = graph
        .iter()
        .filter(|n| {
            n["@type"] == "uco-observable:Image" || n["@type"] == "uco-observable:Directory"
        })
        .collect();
    assert_eq!(images.len(), recs.len(), "one observable per evidence item");
    for (id, (_, hashes)) in &recs {
        let node = images
            .iter()
            .find(|n| {
                n["uco-core:name"]
                    .as_str()
                    .is_some_and(|name| name.split(' ').next() == Some(id.as_str()))
            })
            .unwrap_or_else(|| panic!("no observable for {id}"));
        let want: BTreeMap<String, String> = hashes
            .iter()
            .filter_map(|(alg, h)| {
                let m = match alg.as_str() {
                    "md5" => "MD5",
                    "sha1" => "SHA1",
                    "sha256" => "SHA256",
                    _ => return None,
                };
                Some((m.to_string(), h.clone()))
            })
            .collect();
        assert_eq!(node_hashes(node), want, "hashes of {id}");
        assert_eq!(want.len(), 3, "MD5, SHA1 and SHA256 of {id}");
    }
    // Provenance records carry exhibit numbers; the investigation names the case.
    let info: Value =
        serde_json::from_slice(&std::fs::read(case.join("case.json")).unwrap()).unwrap();
    let inv = graph
        .iter()
        .find(|n| n["@type"] == "case-investigation:Investigation")
        .expect("investigation");
    assert_eq!(inv["uco-core:name"], info["name"]);
    assert!(inv["uco-core:description"]
        .as_str()
        .unwrap()
        .contains(info["number"].as_str().unwrap()));
    let provs = graph
        .iter()
        .filter(|n| n["@type"] == "case-investigation:ProvenanceRecord")
        .count();
    assert_eq!(provs, recs.len());
    // Every hash method is from UCO's vocabulary.
    let text = doc.to_string();
    assert!(!text.contains("BLAKE3") && !text.contains("blake3"));
    // Ids are unique.
    let mut ids: Vec<&str> = graph.iter().map(|n| n["@id"].as_str().unwrap()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "unique @id values");
}

fn check_stix_export(doc: &Value, case: &Path) {
    assert_eq!(doc["type"], "bundle");
    let objects = doc["objects"].as_array().expect("objects");
    for (id, (name, hashes)) in records(case) {
        let file = objects
            .iter()
            .find(|o| o["type"] == "file" && o["name"] == name.as_str())
            .unwrap_or_else(|| panic!("no file object for {id}"));
        assert_eq!(file["hashes"]["MD5"], hashes["md5"].as_str());
        assert_eq!(file["hashes"]["SHA-1"], hashes["sha1"].as_str());
        assert_eq!(file["hashes"]["SHA-256"], hashes["sha256"].as_str());
    }
    assert_eq!(
        objects.iter().filter(|o| o["type"] == "grouping").count(),
        1,
        "one grouping for the case"
    );
    for o in objects {
        assert_eq!(o["spec_version"], "2.1");
    }
}

#[test]
fn demo_case_exports_are_faithful_deterministic_and_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let case = demo(tmp.path());
    let before = case_files(&case);
    let log_before = custody_actions(&case).len();

    let a = export(&case, "case", &tmp.path().join("a.jsonld"));
    let b = export(&case, "case", &tmp.path().join("b.jsonld"));
    assert_eq!(a, b, "two CASE exports are byte-identical");
    let doc: Value = serde_json::from_slice(&a).expect("CASE export is JSON");
    check_case_export(&doc, &case);
    // The demo's planted leads are there, with where they were found.
    let text = String::from_utf8(a.clone()).unwrap();
    assert!(text.contains("uco-observable:EmailAddress"));
    assert!(text.contains("security@bangkokbank-secure-login.example"));
    assert!(text.contains("uco-observable:DigitalAddress"));
    assert!(text.contains("First found in evidence E1 at byte offset"));

    let s1 = export(&case, "stix", &tmp.path().join("a.stix.json"));
    let s2 = export(&case, "stix", &tmp.path().join("b.stix.json"));
    assert_eq!(s1, s2, "two STIX exports are byte-identical");
    let bundle: Value = serde_json::from_slice(&s1).expect("STIX export is JSON");
    check_stix_export(&bundle, &case);
    let stix = String::from_utf8(s1.clone()).unwrap();
    assert!(stix.contains("[domain-name:value = 'goldwin-fx.example']"));
    assert!(stix.contains("\"type\": \"sighting\""));
    assert!(stix.contains("\"type\": \"cryptocurrency-wallet\""));

    // Standard output gives the same bytes as a file.
    let out = exhibit()
        .args(["export", s(&case), "--format", "case"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(out, a);

    // The case is unchanged but for one `exported` entry per export,
    // each naming the SHA-256 of what it wrote, and custody verifies.
    assert_eq!(case_files(&case), before);
    let log = custody_actions(&case);
    let exported: Vec<&Value> = log[log_before..].iter().collect();
    assert_eq!(exported.len(), 5);
    assert!(exported.iter().all(|e| e["action"] == "exported"));
    assert_eq!(
        exported[0]["details"]["sha256"],
        hex::encode(Sha256::digest(&a)).as_str()
    );
    assert_eq!(exported[2]["details"]["format"], "stix");
    exhibit()
        .args(["custody", "verify", s(&case)])
        .assert()
        .success();

    // An existing file is not replaced without --force.
    exhibit()
        .args([
            "export",
            s(&case),
            "--format",
            "case",
            "--out",
            s(&tmp.path().join("a.jsonld")),
        ])
        .assert()
        .failure();
    // An evidence file is never overwritten, even with --force.
    let segment = case.join("images/usb-stick.001");
    let seg_before = std::fs::read(&segment).unwrap();
    exhibit()
        .args([
            "export",
            s(&case),
            "--format",
            "stix",
            "--force",
            "--out",
            s(&segment),
        ])
        .assert()
        .failure();
    assert_eq!(std::fs::read(&segment).unwrap(), seg_before);
}

#[test]
fn max_findings_caps_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let case = demo(tmp.path());
    exhibit()
        .args([
            "export",
            s(&case),
            "--format",
            "case",
            "--max-findings",
            "3",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("capped at 3 (--max-findings)"));
    let out = exhibit()
        .args([
            "export",
            s(&case),
            "--format",
            "stix",
            "--max-findings",
            "2",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let bundle: Value = serde_json::from_slice(&out).unwrap();
    let indicators = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == "indicator" && !o["pattern"].as_str().unwrap().contains("file:"))
        .count();
    assert_eq!(indicators, 2);
}

#[test]
fn triaged_e01_case_exports() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    exhibit()
        .args([
            "triage",
            "-q",
            "--case",
            s(&case),
            "--number",
            "T-1",
            "--examiner",
            "Insp. \"Quote\" ทดสอบ",
            s(&disk("ext2.split.E01")),
        ])
        .assert()
        .success();
    let a = export(&case, "case", &tmp.path().join("a.jsonld"));
    let doc: Value = serde_json::from_slice(&a).unwrap();
    check_case_export(&doc, &case);
    // The EWF header's evidence number is the exhibit number.
    assert!(String::from_utf8(a)
        .unwrap()
        .contains("\"case-investigation:exhibitNumber\": \"evidence\""));
    let s1 = export(&case, "stix", &tmp.path().join("a.stix.json"));
    check_stix_export(&serde_json::from_slice(&s1).unwrap(), &case);
    exhibit()
        .args(["custody", "verify", s(&case)])
        .assert()
        .success();
}

#[test]
fn not_a_case_fails_with_the_case_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    exhibit()
        .args(["export", s(tmp.path()), "--format", "case"])
        .assert()
        .code(6);
}

/// Rows of a Parquet file, read back with the `parquet` crate's reader.
fn parquet_rows(path: &Path) -> (i64, Vec<String>) {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let r = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let meta = r.metadata().file_metadata();
    let columns = meta
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    // Every row decodes, not only the footer.
    let mut decoded = 0;
    for row in r.get_row_iter(None).unwrap() {
        row.unwrap();
        decoded += 1;
    }
    assert_eq!(decoded as i64, meta.num_rows(), "{}", path.display());
    (meta.num_rows(), columns)
}

#[test]
fn parquet_export_has_every_row_of_the_case() {
    let tmp = tempfile::tempdir().unwrap();
    let case = demo(tmp.path());
    let out = tmp.path().join("tables");
    exhibit()
        .args(["export", s(&case), "--format", "parquet", "--out", s(&out)])
        .assert()
        .success();
    let db = rusqlite::Connection::open(case.join("case.db")).unwrap();
    let count = |table: &str| -> i64 {
        db.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    for (table, want_column) in [
        ("findings", "forensic_path"),
        ("files", "sha256"),
        ("timeline", "macb"),
    ] {
        let (rows, columns) = parquet_rows(&out.join(format!("{table}.parquet")));
        assert_eq!(rows, count(table), "{table}");
        assert!(rows > 0, "{table}");
        assert!(
            columns.iter().any(|c| c == want_column),
            "{table}: {columns:?}"
        );
    }
    // Same case, same bytes; an existing non-empty folder is refused.
    let again = tmp.path().join("again");
    exhibit()
        .args([
            "export",
            s(&case),
            "--format",
            "parquet",
            "--out",
            s(&again),
        ])
        .assert()
        .success();
    for table in ["findings", "files", "timeline"] {
        let name = format!("{table}.parquet");
        assert_eq!(
            std::fs::read(out.join(&name)).unwrap(),
            std::fs::read(again.join(&name)).unwrap(),
            "{name}"
        );
    }
    exhibit()
        .args(["export", s(&case), "--format", "parquet", "--out", s(&out)])
        .assert()
        .failure();
    let log = std::fs::read_to_string(case.join("custody/log.jsonl")).unwrap();
    assert!(log.contains("\"format\":\"parquet\""));
    // The custody entry names each table's SHA-256 as it is on disk.
    for table in ["findings", "files", "timeline"] {
        let name = format!("{table}.parquet");
        let sha = hex::encode(Sha256::digest(std::fs::read(out.join(&name)).unwrap()));
        assert!(log.contains(&format!("sha256 {sha}")), "{name} {sha}");
    }
    exhibit()
        .args(["custody", "verify", s(&case)])
        .assert()
        .success();
}

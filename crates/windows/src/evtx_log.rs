//! EVTX event logs (Vista and later), read with the `evtx` crate.

use std::collections::BTreeMap;

use crate::evtx_scan::{scan, Buffers, Scanned};
use crate::json::Json;
use jiff::Timestamp;

use crate::{Event, WindowsError};

/// The plain-words name of an event id from a given provider, for the
/// events investigators look for first; `None` for the rest.
pub fn curated_name(event_id: u64, provider: &str) -> Option<&'static str> {
    let p = provider.to_ascii_lowercase();
    let name = match event_id {
        4624 => "logon",
        4625 => "failed logon",
        4634 => "logoff",
        4647 => "user-initiated logoff",
        4648 => "logon with explicit credentials",
        4672 => "special privileges assigned to new logon",
        4720 => "account created",
        4722 => "account enabled",
        4724 => "password reset attempt",
        4726 => "account deleted",
        4732 => "member added to security-enabled local group",
        1102 if p.contains("eventlog") || p.contains("security") => "security log cleared",
        104 if p.contains("eventlog") => "event log cleared",
        7045 => "service installed",
        7034 => "service crashed",
        7036 => "service state changed",
        7040 => "service start type changed",
        4697 => "service installed (security log)",
        1149 if p.contains("remoteconnectionmanager") || p.contains("terminalservices") => {
            "RDP user authenticated"
        }
        21 if p.contains("localsessionmanager") => "RDP session logon",
        22 if p.contains("localsessionmanager") => "RDP shell start",
        23 if p.contains("localsessionmanager") => "RDP session logoff",
        24 if p.contains("localsessionmanager") => "RDP session disconnected",
        25 if p.contains("localsessionmanager") => "RDP session reconnected",
        6416 => "external device recognised (PnP)",
        20001 if p.contains("userpnp") || p.contains("user pnp") => "device driver installed (PnP)",
        20003 if p.contains("userpnp") => "device service added (PnP)",
        1116 if p.contains("defender") => "Defender detected malware",
        1117 if p.contains("defender") => "Defender acted on malware",
        6005 if p.contains("eventlog") => "event log service started (boot)",
        6006 if p.contains("eventlog") => "event log service stopped (shutdown)",
        6008 if p.contains("eventlog") => "unexpected shutdown",
        4608 => "Windows starting up",
        // Legacy (NT to XP/2003) security and system ids, as found in .evt logs.
        528 if p.contains("security") => "logon",
        540 if p.contains("security") => "network logon",
        529..=537 if p.contains("security") => "failed logon",
        538 if p.contains("security") => "logoff",
        551 if p.contains("security") => "user-initiated logoff",
        552 if p.contains("security") => "logon with explicit credentials",
        517 if p.contains("security") => "security log cleared",
        624 if p.contains("security") => "account created",
        626 if p.contains("security") => "account enabled",
        628 if p.contains("security") => "password set",
        630 if p.contains("security") => "account deleted",
        636 if p.contains("security") => "member added to local group",
        601 if p.contains("security") => "service installed (security log)",
        7035 => "service control request sent",
        4616 => "system time changed",
        _ => return None,
    };
    Some(name)
}

fn logon_type(t: &str) -> &'static str {
    match t {
        "2" => "interactive",
        "3" => "network",
        "4" => "batch",
        "5" => "service",
        "7" => "unlock",
        "8" => "network cleartext",
        "9" => "new credentials",
        "10" => "remote interactive (RDP)",
        "11" => "cached interactive",
        _ => "other",
    }
}

pub(crate) fn parse(name: &str, data: &[u8]) -> Result<Vec<Event>, WindowsError> {
    parse_owned(name, data.to_vec())
}

/// [`parse`] of a buffer the caller gives away.
pub(crate) fn parse_owned(name: &str, data: Vec<u8>) -> Result<Vec<Event>, WindowsError> {
    let settings = evtx::ParserSettings::new()
        .num_threads(1)
        .recover_records(true)
        .separate_json_attributes(false);
    let mut parser = evtx::EvtxParser::from_buffer(data)
        .map_err(|e| WindowsError::corrupt(name, format!("EVTX: {e}")))?
        .with_configuration(settings);
    let mut out = Vec::new();
    let mut numbers = BTreeMap::new();
    let mut bufs = Buffers::default();
    let mut leaves = Vec::new();
    for rec in parser.records_json() {
        let Ok(rec) = rec else { continue };
        let (number, written, recovered) = (rec.event_record_id, rec.timestamp, rec.recovered);
        // Only the parts used are read, straight from the text; a record
        // that pass cannot read exactly (see `evtx_scan`) is read through a
        // tree of the parts used, or failing that the whole record.
        leaves.clear();
        let sys = match scan(&rec.data, &mut bufs, &mut leaves) {
            Some(sys) => sys,
            None => {
                leaves.clear();
                let Some(sys) = read_tree(&rec.data, &mut leaves) else {
                    continue;
                };
                sys
            }
        };
        let events = record(name, number, written, &sys, &mut leaves, recovered);
        if !rec.recovered {
            numbers.insert(rec.event_record_id, Some(rec.timestamp));
        }
        out.extend(events);
    }
    flag_gaps(name, &numbers, &mut out);
    Ok(out)
}

/// What [`scan`] reads, from a tree of the record: the parts used, or the
/// whole record for one of another shape (a repeated key, an odd type).
fn read_tree(data: &str, leaves: &mut Vec<(String, String)>) -> Option<Scanned<'static>> {
    fn sys<'j>(get: impl Fn(&str) -> Option<&'j Json<'j>>) -> Scanned<'static> {
        Scanned {
            event_id: text(get("EventID")).into(),
            provider: text(attr(get("Provider"), "Name")).into(),
            computer: text(get("Computer")).into(),
            channel: text(get("Channel")).into(),
            user_sid: text(attr(get("Security"), "UserID")).into(),
            level: text(get("Level")).into(),
            created: text(attr(get("TimeCreated"), "SystemTime")).into(),
        }
    }
    let mut leaves_of = |sections: [Option<&Json>; 2]| {
        for d in sections.into_iter().flatten() {
            flatten("", d, leaves);
        }
    };
    if let Ok(doc) = serde_json::from_str::<RecordDoc>(data) {
        let ev = doc.event.as_ref();
        let system = ev.and_then(|e| e.system.as_ref());
        leaves_of([
            ev.and_then(|e| e.event_data.as_ref()),
            ev.and_then(|e| e.user_data.as_ref()),
        ]);
        Some(sys(|k| system.and_then(|s| s.get(k))))
    } else if let Ok(data) = serde_json::from_str::<Json>(data) {
        // As `records_json_value` would, minus its error on bad JSON.
        let ev = data.get("Event");
        let system = ev.and_then(|e| e.get("System"));
        leaves_of([
            ev.and_then(|e| e.get("EventData")),
            ev.and_then(|e| e.get("UserData")),
        ]);
        Some(sys(|k| system.and_then(|s| s.get(k))))
    } else {
        None
    }
}

fn text(v: Option<&Json>) -> String {
    match v {
        None | Some(Json::Null) => String::new(),
        Some(o @ Json::Obj(_)) => o.get("#text").map(|t| text(Some(t))).unwrap_or_default(),
        Some(Json::Arr(a)) => a
            .iter()
            .map(|x| text(Some(x)))
            .collect::<Vec<_>>()
            .join(" "),
        Some(other) => other.scalar().unwrap_or_default(),
    }
}

fn attr<'a, 'b>(v: Option<&'b Json<'a>>, a: &str) -> Option<&'b Json<'a>> {
    v?.get("#attributes")?.get(a)
}

/// The parts of a rendered record that [`record`] reads.
#[derive(serde::Deserialize)]
struct RecordDoc<'a> {
    #[serde(rename = "Event", borrow)]
    event: Option<EventDoc<'a>>,
}

#[derive(serde::Deserialize)]
struct EventDoc<'a> {
    #[serde(rename = "System", borrow)]
    system: Option<SystemDoc<'a>>,
    #[serde(rename = "EventData", borrow)]
    event_data: Option<Json<'a>>,
    #[serde(rename = "UserData", borrow)]
    user_data: Option<Json<'a>>,
}

#[derive(serde::Deserialize)]
#[allow(non_snake_case)]
struct SystemDoc<'a> {
    #[serde(borrow)]
    Provider: Option<Json<'a>>,
    #[serde(borrow)]
    EventID: Option<Json<'a>>,
    #[serde(borrow)]
    Level: Option<Json<'a>>,
    #[serde(borrow)]
    TimeCreated: Option<Json<'a>>,
    #[serde(borrow)]
    Channel: Option<Json<'a>>,
    #[serde(borrow)]
    Computer: Option<Json<'a>>,
    #[serde(borrow)]
    Security: Option<Json<'a>>,
}

impl<'a> SystemDoc<'a> {
    fn get(&self, k: &str) -> Option<&Json<'a>> {
        match k {
            "Provider" => self.Provider.as_ref(),
            "EventID" => self.EventID.as_ref(),
            "Level" => self.Level.as_ref(),
            "TimeCreated" => self.TimeCreated.as_ref(),
            "Channel" => self.Channel.as_ref(),
            "Computer" => self.Computer.as_ref(),
            "Security" => self.Security.as_ref(),
            _ => None,
        }
    }
}

/// The events of one record: `sys` holds its `System` element's members,
/// `leaves` the leaves of its `EventData` and `UserData` in document order
/// (a repeated name keeps its last value); `leaves` is left empty.
fn record(
    name: &str,
    number: u64,
    written: Timestamp,
    sys: &Scanned,
    leaves: &mut Vec<(String, String)>,
    recovered: bool,
) -> Vec<Event> {
    let event_id: u64 = sys.event_id.trim().parse().unwrap_or(0);
    let provider = &*sys.provider;
    let computer = &*sys.computer;
    let created = sys.created.parse::<Timestamp>().ok();
    // Sorted once (stable, so the last of a repeated name wins, as inserting
    // one by one would): a map built in one go, not insert by insert.
    let system = [
        ("event_id", event_id.to_string()),
        ("provider", provider.to_string()),
        ("record_number", number.to_string()),
        ("computer", computer.to_string()),
        ("channel", sys.channel.to_string()),
        ("level", sys.level.to_string()),
    ];
    leaves.extend(system.map(|(k, v)| (k.to_string(), v)));
    if !sys.user_sid.is_empty() {
        leaves.push(("user_sid".to_string(), sys.user_sid.to_string()));
    }
    if recovered {
        leaves.push(("recovered".to_string(), "true".to_string()));
    }
    let fields: BTreeMap<String, String> = leaves.drain(..).collect();
    let curated = curated_name(event_id, provider);
    let kind = match curated {
        Some(n) => format!("evtx:{event_id} {n}"),
        None => "evtx:record".to_string(),
    };
    let mut description = match curated {
        Some(n) => format!("{n} (event {event_id} from {provider} on {computer})"),
        None => format!("event {event_id} from {provider} on {computer}"),
    };
    if matches!(event_id, 4624 | 4625 | 4634) {
        if let Some(t) = fields.get("data.LogonType") {
            let user = fields
                .get("data.TargetUserName")
                .cloned()
                .unwrap_or_default();
            let domain = fields
                .get("data.TargetDomainName")
                .cloned()
                .unwrap_or_default();
            description.push_str(&format!(
                ": {domain}\\{user}, logon type {t} ({})",
                logon_type(t)
            ));
            let ip = fields.get("data.IpAddress").cloned().unwrap_or_default();
            if !ip.is_empty() && ip != "-" {
                description.push_str(&format!(" from {ip}"));
            }
        }
    }
    let get = |k: &str| {
        fields
            .get(&format!("data.{k}"))
            .filter(|v| !v.is_empty() && *v != "-")
            .cloned()
    };
    match event_id {
        4720 | 4722 | 4724 | 4726 | 4732 | 4648 | 4647 => {
            if let Some(u) = get("TargetUserName") {
                let d = get("TargetDomainName").unwrap_or_default();
                description.push_str(&format!(": account {d}\\{u}"));
            }
        }
        7045 | 4697 => {
            let n = get("ServiceName").unwrap_or_default();
            let img = get("ImagePath")
                .or_else(|| get("ServiceFileName"))
                .unwrap_or_default();
            description.push_str(&format!(": {n} ({img})"));
        }
        1116 | 1117 if curated.is_some() => {
            let n = get("Threat Name").unwrap_or_default();
            let path = get("Path").unwrap_or_default();
            description.push_str(&format!(": {n} in {path}"));
        }
        1149 if curated.is_some() => {
            let u = get("EventXML.Param1").unwrap_or_default();
            let ip = get("EventXML.Param3").unwrap_or_default();
            description.push_str(&format!(": user {u} from {ip}"));
        }
        21..=25 if curated.is_some() => {
            let u = get("EventXML.User").unwrap_or_default();
            let ip = get("EventXML.Address").unwrap_or_default();
            description.push_str(&format!(": user {u} from {ip}"));
        }
        _ => {}
    }
    let location = if recovered {
        format!("record {number} (recovered)")
    } else {
        format!("record {number}")
    };
    let fields = std::sync::Arc::new(fields);
    let b = Event {
        time: Some(written),
        time_desc: "written".into(),
        kind: "evtx:written".into(),
        description: format!("record written: {description}"),
        source: name.to_string(),
        location: location.clone(),
        fields: fields.clone(),
    };
    let mut a = Event::new(created, "created", &kind, description, name, location);
    a.fields = fields;
    vec![a, b]
}

/// Appends `v`'s leaves to `out` as `data.<path>`.
fn flatten(prefix: &str, v: &Json, out: &mut Vec<(String, String)>) {
    match v {
        Json::Obj(m) => {
            // <Data Name="X">v</Data> comes through as X: v; unnamed data as
            // an array under "Data".
            for (k, x) in m {
                if k == "#attributes" {
                    continue;
                }
                let key = if prefix.is_empty() {
                    k.to_string()
                } else if k == "#text" {
                    prefix.to_string()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        Json::Arr(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        Json::Null => {}
        other => {
            out.push((format!("data.{prefix}"), text(Some(other))));
        }
    }
}

/// Adds one `log:record-gap` event for each run of missing record numbers
/// between the first and last record: records are numbered consecutively,
/// so a gap can mean selective deletion (or a log that wrapped oddly).
pub(crate) fn flag_gaps(
    name: &str,
    numbers: &BTreeMap<u64, Option<Timestamp>>,
    out: &mut Vec<Event>,
) {
    let mut prev: Option<(u64, Option<Timestamp>)> = None;
    for (&n, &t) in numbers {
        if let Some((p, pt)) = prev {
            if n > p + 1 {
                let missing = n - p - 1;
                out.push(
                    Event::new(
                        pt,
                        "last record before gap",
                        "log:record-gap",
                        format!(
                            "{missing} record(s) missing between record {p} and {n}: possible deletion"
                        ),
                        name,
                        format!("records {}-{}", p + 1, n - 1),
                    )
                    .field("missing", missing)
                    .field("before", p)
                    .field("after", n)
                    .field("after_time", t.map(|t| t.to_string()).unwrap_or_default()),
                );
            }
        }
        prev = Some((n, t));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `System`'s texts and the data leaves of a record.
    type Read = (Vec<String>, Vec<(String, String)>);

    /// What [`scan`] read, or `None` when it leaves the record to the tree.
    fn scanned(json: &str) -> Option<Read> {
        let mut leaves = Vec::new();
        let s = scan(json, &mut Buffers::default(), &mut leaves)?;
        Some((texts(&s), leaves))
    }

    fn texts(s: &Scanned) -> Vec<String> {
        [
            &s.event_id,
            &s.provider,
            &s.computer,
            &s.channel,
            &s.user_sid,
            &s.level,
            &s.created,
        ]
        .map(|t| t.to_string())
        .to_vec()
    }

    fn tree(json: &str) -> Option<Read> {
        let mut leaves = Vec::new();
        let s = read_tree(json, &mut leaves)?;
        Some((texts(&s), leaves))
    }

    #[test]
    fn scanning_reads_what_the_tree_reads() {
        let docs = [
            r##"{"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"P \"q\" \u00e9","Guid":"{g}"}},"EventID":{"#attributes":{"Qualifiers":16384},"#text":7036},"Level":4,"TimeCreated":{"#attributes":{"SystemTime":"2020-01-02T03:04:05.123456Z"}},"EventRecordID":9,"Channel":"System","Computer":"pc","Security":{"#attributes":{"UserID":"S-1-5-18"}}},"EventData":{"Data":[{"#text":"a"},null,"b",1.5,-3,true,[1,2]],"param1":"x\ny","LogonType":10,"Big":123456789012345678901,"Neg0":-0,"E":1e3,"Nested":{"#attributes":{"a":1},"#text":"t","k":{"v":false}},"":{"z":1}}}}"##,
            r##"{"Event":{"System":{"EventID":4624,"Provider":{"#attributes":{"Name":"A"}},"Provider":{"#attributes":{"Guid":"g"}}},"UserData":{"EventXML":{"Param1":"u","Param3":"1.2.3.4"}},"EventData":{"A":"1"}}}"##,
            r##"{"Event":{"System":{"EventID":[1,null,"x"],"Computer":{"#text":["a","b"]},"Level":null,"Security":null,"Channel":{"#text":"a","#text":"b"}},"EventData":null}}"##,
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"x"},"#attributes":{"Other":1}}}}}"##,
            r##"{"Event":{"EventData":{"A":1,"A":2}}}"##,
            r##"{"Event":{"EventData":{"A":{"x":1},"A":{"y":2}}}}"##,
            r##"{"Event":{"EventData":{"Data":[1,2]},"EventData":{"B":1}}}"##,
            r##"{"Event":{"System":{"EventID":1}},"Event":{}}"##,
            r##"{"Event":{"System":[1,2,3]}}"##,
            r##"{"Event":"x"}"##,
            r##"{"Event":null}"##,
            r##"{"Other":{"a":[1,{"b":"\u0041"}]},"Event":{"EventData":{"Es\"c":1}}}"##,
            r##"{"Event":{"EventData":{"a":01}}}"##,
            r##"{"Event":{"EventData":{"a":1,}}}"##,
            r##"{"Event":{"EventData":{"a":"\q"}}}"##,
            r##"{"Event":{"EventData":{"a":"tab	in"}}}"##,
            r##"{"Event":{}} x"##,
            r##"[{"Event":{}}]"##,
            r##" { "Event" : { "EventData" : { "a" : [ 1 , "2" ] } } } "##,
            &format!(
                r#"{{"Event":{{"EventData":{}1{}}}}}"#,
                "[".repeat(120),
                "]".repeat(120)
            ),
        ];
        let mut fast = Vec::new();
        for (i, d) in docs.iter().enumerate() {
            if let Some(s) = scanned(d) {
                fast.push(i);
                assert_eq!(Some(s), tree(d), "{d}");
            }
        }
        assert_eq!(fast, [0, 1, 2, 3, 10, 18], "read without the tree");
    }

    #[test]
    fn scanning_reads_every_shared_log_as_the_tree() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/testdata/windows/evtx"
        );
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut records = 0;
        for e in entries.flatten() {
            let Ok(data) = std::fs::read(e.path()) else {
                continue;
            };
            let Ok(parser) = evtx::EvtxParser::from_buffer(data) else {
                continue;
            };
            let settings = evtx::ParserSettings::new()
                .num_threads(1)
                .recover_records(true)
                .separate_json_attributes(false);
            let mut parser = parser.with_configuration(settings);
            for rec in parser.records_json().flatten() {
                let s = scanned(&rec.data);
                assert!(s.is_some(), "left to the tree: {}", rec.data);
                assert_eq!(s, tree(&rec.data), "{}", rec.data);
                records += 1;
            }
        }
        assert!(records > 0);
    }
}
